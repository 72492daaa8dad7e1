/**
 * The first line of a script or a library, when it starts with "#!": the engine and options,
 *
 *   EVAL:           #!lua flags=no-writes,allow-oom
 *   FUNCTION LOAD:  #!lua name=mylib
 *
 * read as Redis 7.0 reads it. The line ends at the first newline, searched for as C's strchr
 * searches (a NUL byte ends the search: no newline before it means no line at all). It is split
 * into words as Redis splits arguments (protocol/split-args.ts: any whitespace between words, \r
 * included; "quoted" and 'quoted' parts anywhere in a word; an unbalanced quote fails the whole
 * line). The line is not Lua: the code is compiled from its newline on, so line numbers in
 * errors stay the user's.
 *
 * For EVAL, a `flags=` word lists flags split at every comma: "flags=" alone declares none, but
 * an empty name between commas ("a,,b", a trailing comma) is an unknown flag. For a library,
 * the engine is the first word past "#!" (found without regard to case), and `name=` may be
 * written in any case; the name is checked before the engine, as Redis checks them.
 */
import type { ByteString } from '../../storage/bytes';
import { splitArgs } from '../../protocol/split-args';
import { checkLibraryName, LibraryError } from './function-library';

/** The flags a script's shebang may declare. */
export const SCRIPT_FLAGS = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'];

/** Where the code of a body with a shebang starts (its first newline), or -1 when there is none. */
function firstNewline(body: ByteString): number {
  const newline = body.indexOf('\n');
  if (newline < 0) return -1;
  const nul = body.indexOf('\0');
  return nul >= 0 && nul < newline ? -1 : newline;
}

/** The words of `body`'s first line (which ends at `end`), or null if its quotes are unbalanced. */
function lineWords(body: ByteString, end: number): string[] | null {
  const words = splitArgs(Buffer.from(body.slice(0, end), 'latin1'));
  return words === null ? null : words.map((word) => word.toString('latin1'));
}

/** An EVAL script's shebang: its flags, and where its code starts. */
export interface ScriptShebang {
  readonly flags: string[];
  readonly codeStart: number;
}

/**
 * The shebang of an EVAL script: null without one (Redis's compatibility mode), else its flags,
 * or Redis's error reply (a string).
 */
export function parseScriptShebang(body: ByteString): ScriptShebang | null | string {
  if (!body.startsWith('#!')) return null;
  const end = firstNewline(body);
  if (end < 0) return 'ERR Invalid script shebang';
  const words = lineWords(body, end);
  const engine = words?.[0];
  if (words === null || engine === undefined) return 'ERR Invalid engine in script shebang';
  if (engine !== '#!lua') return `ERR Unexpected engine in script shebang: ${engine}`;
  const flags: string[] = [];
  for (const word of words.slice(1)) {
    if (!word.startsWith('flags=')) return `ERR Unknown lua shebang option: ${word}`;
    const list = word.slice('flags='.length);
    if (list === '') continue;
    for (const flag of list.split(',')) {
      if (!SCRIPT_FLAGS.includes(flag)) return `ERR Unexpected flag in script shebang: ${flag}`;
      if (!flags.includes(flag)) flags.push(flag);
    }
  }
  return { flags, codeStart: end };
}

/** A library's metadata line: its name, and where its code starts. */
export interface LibraryMetadata {
  readonly name: string;
  readonly codeStart: number;
}

/** The metadata line of a library's code, with Redis's checks (throws LibraryError). */
export function parseLibraryMetadata(code: ByteString): LibraryMetadata {
  if (!code.startsWith('#!')) throw new LibraryError('ERR Missing library metadata');
  const end = firstNewline(code);
  if (end < 0) throw new LibraryError('ERR Invalid library metadata');
  const words = lineWords(code, end);
  const first = words?.[0];
  if (words === null || first === undefined) throw new LibraryError('ERR Invalid library metadata');
  // The first word always starts with the "#!" the line starts with.
  const engine = first.slice(2);
  let name: string | null = null;
  for (const word of words.slice(1)) {
    if (word.slice(0, 5).toLowerCase() !== 'name=') throw new LibraryError(`ERR Invalid metadata value given: ${word}`);
    if (name !== null) throw new LibraryError('ERR Invalid metadata value, name argument was given multiple times');
    name = word.slice(5);
  }
  if (name === null) throw new LibraryError('ERR Library name was not given');
  checkLibraryName(name);
  if (engine.toLowerCase() !== 'lua') throw new LibraryError(`ERR Engine '${engine}' not found`);
  return { name, codeStart: end };
}
