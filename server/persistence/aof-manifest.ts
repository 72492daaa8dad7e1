/**
 * The manifest of a Redis 7.0 multi-part AOF: which files of `appenddirname` make up the
 * append-only file, and in which order they are replayed.
 *
 *     appendonlydir/
 *       appendonly.aof.3.base.rdb       the dataset at the last rewrite (type b)
 *       appendonly.aof.3.incr.aof       commands written since (type i), replayed in seq order
 *       appendonly.aof.manifest         one line per file:
 *                                       file appendonly.aof.3.base.rdb seq 3 type b
 *                                       file appendonly.aof.3.incr.aof seq 3 type i
 *
 * A rewrite makes a new base (seq + 1) and turns the old base and the incr files it covers into
 * history (type h), deleted once the new manifest is durable (unless aof-disable-auto-gc).
 * The manifest is the single point of truth: a file the manifest does not name is not part of
 * the AOF, so a crash in the middle of a rewrite leaves the old, complete set.
 *
 * Lines are written base first, then history, then incr files, as Redis writes them; reading
 * accepts the keys in any order and ignores comment lines starting with '#'. This module is pure
 * (text in, text out); aof.ts writes the file through atomic-file.ts.
 */
import { reprQuote } from '../config/codecs';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  readonly name: string;
  readonly seq: number;
  readonly type: AofFileType;
}

export interface AofManifest {
  base: AofFileInfo | null;
  incr: AofFileInfo[];
  history: AofFileInfo[];
  /** The highest seq given to a base / an incr file so far (new files take the next). */
  currBaseSeq: number;
  currIncrSeq: number;
}

export class AofManifestError extends Error {}

export function emptyManifest(): AofManifest {
  return { base: null, incr: [], history: [], currBaseSeq: 0, currIncrSeq: 0 };
}

export function manifestName(appendfilename: string): string {
  return `${appendfilename}.manifest`;
}

export function baseFileName(appendfilename: string, seq: number, rdb: boolean): string {
  return `${appendfilename}.${seq}.base.${rdb ? 'rdb' : 'aof'}`;
}

export function incrFileName(appendfilename: string, seq: number): string {
  return `${appendfilename}.${seq}.incr.aof`;
}

/** The manifest's text: base, then history, then incr files, one `file .. seq .. type ..` line each. */
export function formatManifest(manifest: AofManifest): string {
  const line = (f: AofFileInfo): string => `file ${quoteName(f.name)} seq ${f.seq} type ${f.type}\n`;
  let text = manifest.base === null ? '' : line(manifest.base);
  for (const f of manifest.history) text += line(f);
  for (const f of manifest.incr) text += line(f);
  return text;
}

/** Names with spaces or quotes are written quoted, as Redis's sdscatrepr does. */
function quoteName(name: string): string {
  if (/^[\x21-\x7e]+$/.test(name) && !name.includes('"') && !name.includes('\\')) return name;
  return reprQuote(name);
}

/** Splits a line into words, honouring "double quotes" (Redis's sdssplitargs, simplified). */
function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < line.length && (m = re.exec(line)) !== null) {
    pos = re.lastIndex;
    words.push(m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : (m[2] as string));
  }
  return words;
}

/** Parses the manifest text; throws AofManifestError with Redis's wording on a bad line. */
export function parseManifest(text: string): AofManifest {
  const manifest = emptyManifest();
  let maxIncr = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith('#') || line.trim() === '') continue;
    const words = splitWords(line);
    if (words.length % 2 !== 0) throw new AofManifestError('Invalid AOF manifest file format');
    let name: string | null = null;
    let seq = -1;
    let type: string | null = null;
    for (let i = 0; i < words.length; i += 2) {
      const key = words[i] as string;
      const value = words[i + 1] as string;
      if (key === 'file') name = value;
      else if (key === 'seq') seq = /^\d+$/.test(value) ? Number(value) : -1;
      else if (key === 'type') type = value;
    }
    if (name === null || seq < 0 || (type !== 'b' && type !== 'h' && type !== 'i')) {
      throw new AofManifestError('Invalid AOF manifest file format');
    }
    const info: AofFileInfo = { name, seq, type };
    if (type === 'b') {
      if (manifest.base !== null) throw new AofManifestError('Found duplicate base file information');
      manifest.base = info;
      manifest.currBaseSeq = seq;
    } else if (type === 'h') {
      manifest.history.push(info);
    } else {
      if (seq <= maxIncr) throw new AofManifestError('Found a non-monotonic sequence number');
      manifest.incr.push(info);
      maxIncr = manifest.currIncrSeq = seq;
    }
  }
  return manifest;
}

export function cloneManifest(m: AofManifest): AofManifest {
  return { base: m.base, incr: [...m.incr], history: [...m.history], currBaseSeq: m.currBaseSeq, currIncrSeq: m.currIncrSeq };
}
