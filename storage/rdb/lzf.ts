/**
 * LZF, the compression of long strings in RDB files and DUMP payloads (redis-wire.md §3.3).
 *
 * The format is a sequence of items, each starting with a control byte `c`:
 *
 *   c < 32          a literal run: the next c+1 bytes are copied to the output as they are
 *   c >= 32         a back-reference: length n = c >> 5 (when 7, the next byte is added to it),
 *                   then one byte b; copy n+2 bytes starting ((c & 31) << 8) + b + 1 bytes back
 *                   from the end of the output. Source and destination may overlap, which is how
 *                   a run of one repeated byte is written in a few bytes.
 *
 * Decompression trusts nothing: every read and every back-reference is bounds-checked, and a
 * result of the wrong length is an error, because these bytes come from files and from clients
 * (RESTORE).
 *
 * Compression reproduces the choices of the liblzf build Redis uses (a 2^16-slot hash table of
 * 3-byte prefixes with the "very fast" hash, matches of up to 264 bytes within 8 KiB, re-hashing
 * the last two positions of each match, and the same output-space checks), so DUMP of a long
 * string is byte-for-byte what Redis sends. Only the behaviour was reproduced; the code is ours.
 */
import { RdbError } from './rdb-error';

const MAX_LITERAL_RUN = 32;
const MAX_BACK_OFFSET = 1 << 13;
/** Longest match minus 2, plus the 7 the control byte can hold: 264 bytes. */
const MAX_MATCH = (1 << 8) + (1 << 3);
const HASH_SLOTS = 1 << 16;

/**
 * The hash table, kept between calls: most compressed strings are short, and a fresh 2^16-slot
 * table (256 KiB zeroed) per call cost more than compressing them. Each call stores positions
 * offset by its own `base`, which grows from call to call, so an entry left by an earlier call
 * reads as a position before the input and is never used; the table is cleared only when the
 * offsets would overflow. The only state of this module, a scratch area no result depends on.
 */
const hashTable = new Int32Array(HASH_SLOTS);
let nextBase = 1;

/** Decompresses input[start, end) into exactly `outLength` bytes; throws RdbError otherwise. */
export function lzfDecompress(input: Uint8Array, outLength: number, start = 0, end = input.length): Buffer {
  const out = Buffer.allocUnsafe(outLength);
  let ip = start;
  let op = 0;
  while (ip < end) {
    const ctrl = input[ip++] as number;
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (ip + run > end) throw new RdbError('invalid LZF data: literal run past the end of the input');
      if (op + run > outLength) throw new RdbError('invalid LZF data: output longer than announced');
      out.set(input.subarray(ip, ip + run), op);
      ip += run;
      op += run;
      continue;
    }
    let length = ctrl >> 5;
    if (length === 7) {
      if (ip >= end) throw new RdbError('invalid LZF data: truncated back-reference');
      length += input[ip++] as number;
    }
    if (ip >= end) throw new RdbError('invalid LZF data: truncated back-reference');
    const from = op - ((ctrl & 0x1f) << 8) - (input[ip++] as number) - 1;
    length += 2;
    if (from < 0) throw new RdbError('invalid LZF data: back-reference before the start of the output');
    if (op + length > outLength) throw new RdbError('invalid LZF data: output longer than announced');
    if (op - from >= length) {
      out.copyWithin(op, from, from + length);
      op += length;
    } else {
      // Overlapping copy: each byte may be one this very reference just wrote.
      for (let k = 0; k < length; k++) out[op++] = out[from + k] as number;
    }
  }
  if (op !== outLength) throw new RdbError(`invalid LZF data: ${op} bytes decompressed, ${outLength} announced`);
  return out;
}

/** The hash-table slot of a 3-byte prefix held in the low 24 bits of `h`. */
function slotOf(h: number): number {
  return ((h >>> 8) - h * 5) & (HASH_SLOTS - 1);
}

/**
 * Compresses `input` into at most `outLimit` bytes, or returns null when it does not fit (the
 * caller then stores the string uncompressed). Redis asks for at most length - 4 bytes.
 */
export function lzfCompress(input: Uint8Array, outLimit: number): Buffer | null {
  const inLength = input.length;
  if (inLength === 0 || outLimit <= 0) return null;
  // A little slack: a literal run reserves its control byte before knowing it will be used.
  const out = Buffer.allocUnsafe(outLimit + 4);
  if (nextBase + inLength + 1 > 0x7fffffff) {
    hashTable.fill(0);
    nextBase = 1;
  }
  const base = nextBase;
  nextBase += inLength + 1;
  const table = hashTable;
  let ip = 0;
  let op = 1; // out[0] is reserved for the first literal run's control byte
  let literals = 0;
  let prefix = ((input[0] as number) << 8) | (input[1] ?? 0);

  while (ip < inLength - 2) {
    prefix = ((prefix << 8) | (input[ip + 2] as number)) & 0xffffff;
    const slot = slotOf(prefix);
    // Position 0 is never referenced (as in liblzf); older calls' entries come out negative.
    const ref = (table[slot] as number) - base;
    table[slot] = base + ip;
    const offset = ip - ref - 1;
    if (
      ref > 0 &&
      offset < MAX_BACK_OFFSET &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      const maxLength = Math.min(inLength - ip - 2, MAX_MATCH);
      // Room for a 3-byte reference and the next run's control byte (liblzf's two-step test).
      if (op + 4 >= outLimit && op - (literals === 0 ? 1 : 0) + 4 >= outLimit) return null;
      out[op - literals - 1] = (literals - 1) & 0xff; // close the literal run...
      if (literals === 0) op--; // ...or drop it when it is empty
      const length = matchLength(input, ref, ip, maxLength) - 2;
      ip++;
      if (length < 7) {
        out[op++] = (offset >> 8) + (length << 5);
      } else {
        out[op++] = (offset >> 8) + (7 << 5);
        out[op++] = length - 7;
      }
      out[op++] = offset & 0xff;
      literals = 0;
      op++;
      ip += length + 1;
      if (ip >= inLength - 2) break;
      // Hash the last two positions of the match so later data can refer into it.
      ip -= 2;
      prefix = ((input[ip] as number) << 8) | (input[ip + 1] as number);
      for (let k = 0; k < 2; k++) {
        prefix = ((prefix << 8) | (input[ip + 2] as number)) & 0xffffff;
        table[slotOf(prefix)] = base + ip;
        ip++;
      }
    } else {
      if (op >= outLimit) return null;
      literals++;
      out[op++] = input[ip++] as number;
      if (literals === MAX_LITERAL_RUN) {
        out[op - literals - 1] = literals - 1;
        literals = 0;
        op++;
      }
    }
  }
  // At most two input bytes remain, plus perhaps a control byte.
  if (op + 3 > outLimit) return null;
  while (ip < inLength) {
    literals++;
    out[op++] = input[ip++] as number;
    if (literals === MAX_LITERAL_RUN) {
      out[op - literals - 1] = literals - 1;
      literals = 0;
      op++;
    }
  }
  out[op - literals - 1] = (literals - 1) & 0xff;
  if (literals === 0) op--;
  return out.subarray(0, op);
}

/**
 * How many bytes at `ip` equal those at `ref` (the first three are known to), bounded the way
 * liblzf bounds it: by `maxLength`, except that a first stretch of 16 comparisons is made
 * unconditionally when more than 16 bytes may follow, which can exceed the bound by up to two.
 */
function matchLength(input: Uint8Array, ref: number, ip: number, maxLength: number): number {
  let length = 2;
  if (maxLength > 16) {
    for (let k = 0; k < 16; k++) {
      length++;
      if (input[ref + length] !== input[ip + length]) return length;
    }
  }
  do length++;
  while (length < maxLength && input[ref + length] === input[ip + length]);
  return length;
}
