/**
 * Encodes a command as a RESP multibulk request: what the replication stream and the AOF carry
 * and what a replica sends its master. Arguments are byte strings (one byte per char,
 * storage/bytes.ts), so a string's length is its byte count.
 *
 * The size is counted first and the bytes written straight into one buffer: every write a master
 * makes passes through here (twice with both a replica and the AOF), and building a JavaScript
 * string to convert afterwards cost more than the command itself for a short SET.
 */

const STAR = 0x2a;
const DOLLAR = 0x24;
const CR = 0x0d;
const LF = 0x0a;
/** Arguments up to this long are copied char by char; longer ones by the native latin1 write. */
const SHORT_ARG = 16;

export function encodeCommand(argv: readonly string[]): Buffer {
  const out = Buffer.allocUnsafe(encodedLength(argv));
  encodeCommandInto(out, 0, argv);
  return out;
}

/** How many bytes encodeCommand(argv) takes. */
export function encodedLength(argv: readonly string[]): number {
  let size = 3 + decimalLength(argv.length);
  for (const arg of argv) size += 5 + decimalLength(arg.length) + arg.length;
  return size;
}

/**
 * Encodes `argv` into `out` at `at`, which must have encodedLength(argv) bytes free there;
 * returns the offset after it. For a writer that keeps one buffer for many commands (the AOF).
 */
export function encodeCommandInto(out: Buffer, at: number, argv: readonly string[]): number {
  at = writeHeader(out, at, STAR, argv.length);
  for (const arg of argv) {
    const n = arg.length;
    at = writeHeader(out, at, DOLLAR, n);
    if (n > SHORT_ARG) {
      at += out.latin1Write(arg, at, n);
    } else {
      for (let i = 0; i < n; i++) out[at++] = arg.charCodeAt(i);
    }
    out[at++] = CR;
    out[at++] = LF;
  }
  return at;
}

/** Digits of a non-negative integer in decimal. */
function decimalLength(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

/** `prefix`, `n` in decimal, CRLF at `at`; returns the offset after it. */
function writeHeader(out: Buffer, at: number, prefix: number, n: number): number {
  out[at++] = prefix;
  const end = at + decimalLength(n);
  for (let i = end - 1; i >= at; i--) {
    const q = Math.floor(n / 10);
    out[i] = 0x30 + (n - q * 10);
    n = q;
  }
  out[end] = CR;
  out[end + 1] = LF;
  return end + 2;
}
