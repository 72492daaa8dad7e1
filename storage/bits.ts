/**
 * Bitmaps: a string read as an array of bits, the way SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP
 * see it.
 *
 *   byte      0                  1
 *   bits   |0 1 2 3 4 5 6 7|8 9 10 ...       bit 0 is the most significant bit of byte 0
 *
 * Bits past the end of the string read as 0. Everything here is pure arithmetic on byte strings
 * (storage/bytes.ts): no keys, no replies. The command layer decides what an argument means;
 * this module counts and searches. Ranges are inclusive bit ranges [firstBit, lastBit], already
 * clamped to the string, so both commands share one counting and one searching routine whatever
 * unit (BYTE or BIT) the client gave.
 */
import type { ByteString } from './bytes';

/** Set bits in each byte value, so counting is one table lookup per byte. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + (POPCOUNT[i >> 1] as number);

/** The byte at `index`, 0 past the end (charCodeAt answers NaN there, and NaN | 0 is 0). */
function byteAt(s: ByteString, index: number): number {
  return s.charCodeAt(index) | 0;
}

/** The bit at `offset` (0 or 1); offsets past the end read as 0. */
export function getBit(s: ByteString, offset: number): number {
  const index = Math.floor(offset / 8);
  return (byteAt(s, index) >> (7 - (offset % 8))) & 1;
}

// -------------------------------------------------------------------------------------------------
// Ranges

export type RangeUnit = 'byte' | 'bit';

/** An inclusive range of bit offsets inside a string; empty when firstBit > lastBit. */
export interface BitRange {
  firstBit: number;
  lastBit: number;
}

/**
 * Resolves a BITCOUNT / BITPOS start..end pair (inclusive, negative counts from the end, in
 * bytes or bits) against a string of `byteLength` bytes, clamping both ends into the string.
 * Arguments are full 64-bit integers, so the arithmetic is done in bigint before clamping: a
 * start of -2^63 must still compare below an end of -2^63+1.
 */
export function resolveRange(byteLength: number, start: bigint, end: bigint, unit: RangeUnit): BitRange {
  const total = BigInt(unit === 'bit' ? byteLength * 8 : byteLength);
  let s = start < 0n ? total + start : start;
  let e = end < 0n ? total + end : end;
  if (s < 0n) s = 0n;
  if (e < 0n) e = 0n;
  if (e >= total) e = total - 1n;
  if (s > e) return { firstBit: 1, lastBit: 0 };
  if (unit === 'bit') return { firstBit: Number(s), lastBit: Number(e) };
  return { firstBit: Number(s) * 8, lastBit: Number(e) * 8 + 7 };
}

// -------------------------------------------------------------------------------------------------
// Counting

/**
 * Past this many bytes, counting copies the bytes into a word array and counts 32 bits at a
 * time: charCodeAt plus a table lookup per byte measured 2-3 times slower on 16 MB.
 */
const WORDWISE_COUNT_BYTES = 256;

/** Set bits in the bytes first..last (inclusive); bytes past the end count as zeros. */
function popcountBytes(s: ByteString, first: number, last: number): number {
  let count = 0;
  const end = Math.min(last, s.length - 1);
  const length = end - first + 1;
  if (length < WORDWISE_COUNT_BYTES) {
    for (let i = first; i <= end; i++) count += POPCOUNT[s.charCodeAt(i)] as number;
    return count;
  }
  // The tail of the last word stays zero, so it adds nothing.
  const words = new ArrayBuffer((length + 3) & ~3);
  Buffer.from(words).latin1Write(s.slice(first, end + 1), 0);
  const view = new Uint32Array(words);
  for (let i = 0; i < view.length; i++) {
    // Bits per 2, then 4, then 8 bits side by side; the multiply sums the four bytes.
    let v = view[i] as number;
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    count += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  return count;
}

/** Set bits in the inclusive bit range (BITCOUNT). */
export function countBits(s: ByteString, range: BitRange): number {
  const { firstBit, lastBit } = range;
  if (firstBit > lastBit) return 0;
  const firstByte = Math.floor(firstBit / 8);
  const lastByte = Math.floor(lastBit / 8);
  let count = popcountBytes(s, firstByte, lastByte);
  // Whole bytes were counted; take back the bits of the edge bytes that lie outside the range.
  const headOutside = firstBit % 8; // bits of the first byte before firstBit
  const tailOutside = 7 - (lastBit % 8); // bits of the last byte after lastBit
  if (headOutside > 0) count -= POPCOUNT[byteAt(s, firstByte) & (0xff << (8 - headOutside)) & 0xff] as number;
  if (tailOutside > 0) count -= POPCOUNT[byteAt(s, lastByte) & ((1 << tailOutside) - 1)] as number;
  return count;
}

// -------------------------------------------------------------------------------------------------
// Searching

/**
 * The offset of the first bit equal to `bit` in the inclusive range, or -1 (BITPOS's core; what
 * BITPOS answers when nothing is found depends on its arguments and is decided by the caller).
 * Whole bytes that cannot match (0x00 when looking for 1, 0xff when looking for 0) are skipped
 * a byte at a time.
 */
export function findBit(s: ByteString, bit: 0 | 1, range: BitRange): number {
  const { firstBit, lastBit } = range;
  const skip = bit === 1 ? 0x00 : 0xff;
  let offset = firstBit;
  while (offset <= lastBit) {
    const index = Math.floor(offset / 8);
    const byte = byteAt(s, index);
    if (offset % 8 === 0 && offset + 7 <= lastBit && byte === skip) {
      offset += 8;
      continue;
    }
    if (((byte >> (7 - (offset % 8))) & 1) === bit) return offset;
    offset++;
  }
  return -1;
}

// -------------------------------------------------------------------------------------------------
// Combining (BITOP)

export type BitOperation = 'and' | 'or' | 'xor' | 'not';

/**
 * BITOP over byte strings: the result is as long as the longest source, shorter sources (and
 * missing keys, given as '') read as zero bytes past their end. NOT takes one source.
 */
export function combineBits(op: BitOperation, sources: readonly ByteString[]): ByteString {
  let length = 0;
  for (const s of sources) if (s.length > length) length = s.length;
  if (length === 0) return '';
  // Buffers rather than charCodeAt: V8 keeps strings over 1 MB made from socket bytes as
  // external strings, whose charCodeAt is several times slower than indexing a Buffer.
  const out = Buffer.alloc(length);
  out.latin1Write(sources[0] ?? '', 0);
  if (op === 'not') {
    for (let i = 0; i < length; i++) out[i] = ~(out[i] as number) & 0xff;
    return out.latin1Slice(0, length);
  }
  for (let k = 1; k < sources.length; k++) {
    const src = Buffer.from(sources[k] as ByteString, 'latin1');
    const n = src.length;
    if (op === 'and') {
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) & (src[i] as number);
      out.fill(0, n);
    } else if (op === 'or') {
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) | (src[i] as number);
    } else {
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) ^ (src[i] as number);
    }
  }
  return out.latin1Slice(0, length);
}

// -------------------------------------------------------------------------------------------------
// Writing one bit

/**
 * Above this length, withBit goes through a Buffer instead of slicing and concatenating: V8
 * turns "slice + char + slice" into a rope that it flattens on the next read, and that flatten
 * measured about twice as slow as two latin1 copies (bench/setbit-cost.ts). Below it, the rope
 * is cheaper than allocating a Buffer.
 */
const COPY_THROUGH_BUFFER_BYTES = 4096;

/**
 * The string with bit `offset` set to `value`, zero-extended first when the offset lies past its
 * end. Strings are immutable, so this builds a new one: O(length) per call, about 0.5 ms for a
 * 1 MB value and 8 ms for 16 MB on the reference machine (bench/setbit-cost.ts).
 */
export function withBit(s: ByteString, offset: number, value: 0 | 1): ByteString {
  const index = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset % 8));
  const old = byteAt(s, index);
  const byte = value === 1 ? old | mask : old & ~mask;
  if (index >= s.length) return s + '\0'.repeat(index - s.length) + String.fromCharCode(byte);
  if (s.length < COPY_THROUGH_BUFFER_BYTES) return s.slice(0, index) + String.fromCharCode(byte) + s.slice(index + 1);
  const buf = Buffer.from(s, 'latin1');
  buf[index] = byte;
  return buf.latin1Slice(0, buf.length);
}
