/**
 * Reading the commands of an AOF file (a `.base.aof` or an `.incr.aof`): the RESP multibulk
 * requests the server appended, one after the other, with `#...` annotation lines between them
 * (aof-timestamp-enabled writes `#TS:<unix seconds>`), which replay skips.
 *
 *     *3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n      one command
 *     #TS:1796414726\r\n                             an annotation
 *
 * Three ways a file can end, which start-up treats differently (as Redis's loadSingleAppendOnlyFile):
 *   ok         every byte belongs to a complete command
 *   truncated  the file stops inside a command (a crash during a write): `validBytes` is where
 *              the last complete command ends, or where an unfinished MULTI began (a transaction
 *              is replayed whole or not at all); aof-load-truncated decides whether to cut there
 *   format     bytes that cannot be a command (not `*`, not `$`, a bad count): never repaired
 *
 * Pure: bytes in, commands out through a callback; the caller executes them.
 */

export type AofReadStatus = 'ok' | 'truncated' | 'format';

export interface AofReadResult {
  status: AofReadStatus;
  /** Bytes of complete commands (and of the complete transactions) from the start. */
  validBytes: number;
  commands: number;
}

const CR = 13;
const LF = 10;

class Truncated extends Error {}
class BadFormat extends Error {}

/** Reads `\r\n`-terminated line from `pos`; throws Truncated when the file ends first. */
function readLine(bytes: Buffer, pos: number): { text: string; next: number } {
  const end = bytes.indexOf(LF, pos);
  if (end < 0) throw new Truncated();
  const stop = end > pos && bytes[end - 1] === CR ? end - 1 : end;
  return { text: bytes.toString('latin1', pos, stop), next: end + 1 };
}

function parseCount(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new BadFormat();
  return Number(text);
}

/**
 * Calls `execute` with each command's argv (latin1 strings: hashslot's byte strings). Commands
 * of a MULTI are delivered as they come; when the file is cut inside a transaction, the result
 * says so through `validBytes` pointing at its MULTI (the caller discards the open transaction).
 */
export function readAofCommands(bytes: Buffer, execute: (argv: string[]) => void): AofReadResult {
  let pos = 0;
  let valid = 0;
  let commands = 0;
  let multiStart = -1;
  try {
    while (pos < bytes.length) {
      if (bytes[pos] === 0x23 /* # */) {
        pos = readLine(bytes, pos).next;
        if (multiStart < 0) valid = pos;
        continue;
      }
      const start = pos;
      const header = readLine(bytes, pos);
      if (header.text[0] !== '*') throw new BadFormat();
      const argc = parseCount(header.text.slice(1));
      if (argc < 1) throw new BadFormat();
      pos = header.next;
      const argv: string[] = [];
      for (let i = 0; i < argc; i++) {
        const len = readLine(bytes, pos);
        if (len.text[0] !== '$') throw new BadFormat();
        const n = parseCount(len.text.slice(1));
        if (n < 0) throw new BadFormat();
        if (len.next + n + 2 > bytes.length) throw new Truncated();
        argv.push(bytes.toString('latin1', len.next, len.next + n));
        pos = len.next + n + 2;
      }
      const name = (argv[0] as string).toLowerCase();
      if (name === 'multi') multiStart = start;
      execute(argv);
      commands++;
      if (name === 'exec') multiStart = -1;
      if (multiStart < 0) valid = pos;
    }
  } catch (err) {
    if (err instanceof Truncated) return { status: 'truncated', validBytes: multiStart >= 0 ? multiStart : valid, commands };
    if (err instanceof BadFormat) return { status: 'format', validBytes: valid, commands };
    throw err;
  }
  // A MULTI never closed: the file ends inside a transaction, as if cut there.
  if (multiStart >= 0) return { status: 'truncated', validBytes: multiStart, commands };
  return { status: 'ok', validBytes: pos, commands };
}
