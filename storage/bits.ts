/**
 * Bitmaps: a string read as an array of bits, the way SETBIT, GETBIT, BITCOUNT, BITPOS and BITOP
 * see it.
 *
 *   byte      0                  1
 *   bits   |0 1 2 3 4 5 6 7|8 9 10 ...       bit 0 is the most significant bit of byte 0
 *
 * Bits past the end of the string read as 0. Everything here is pure arithmetic on string values
 * in either form (a byte string, or the editable bytes of mutable-string.ts, which SETBIT writes
 * in place): no keys, no replies. The command layer decides what an argument means;
 * this module counts and searches. Ranges are inclusive bit ranges [firstBit, lastBit], already
 * clamped to the string, so both commands share one counting and one searching routine whatever
 * unit (BYTE or BIT) the client gave.
 */
import type { ByteString } from './bytes';
import { byteAt, bytesBetween, type StringBytes } from './mutable-string';

/** Set bits in each byte value, so counting is one table lookup per byte. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + (POPCOUNT[i >> 1] as number);

/** The bit at `offset` (0 or 1); offsets past the end read as 0. */
export function getBit(value: StringBytes, offset: number): number {
  return (byteAt(value, Math.floor(offset / 8)) >> (7 - (offset % 8))) & 1;
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

/** Below this many bytes, counting a byte at a time is as fast as setting up a word view. */
const WORDWISE_COUNT_BYTES = 256;

/** Set bits in all of `bytes`: a byte at a time up to a 4-byte boundary, then 32 bits at a time. */
function popcount(bytes: Uint8Array): number {
  const n = bytes.length;
  let count = 0;
  let i = 0;
  if (n >= WORDWISE_COUNT_BYTES) {
    while (((bytes.byteOffset + i) & 3) !== 0) count += POPCOUNT[bytes[i++] as number] as number;
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (n - i) >>> 2);
    for (let w = 0; w < words.length; w++) {
      // Bits per 2, then 4, then 8 bits side by side; the multiply sums the four bytes.
      let v = words[w] as number;
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      count += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    i += words.length * 4;
  }
  while (i < n) count += POPCOUNT[bytes[i++] as number] as number;
  return count;
}

/** Set bits in the inclusive bit range (BITCOUNT); bytes past the end count as zeros. */
export function countBits(value: StringBytes, range: BitRange): number {
  const { firstBit, lastBit } = range;
  if (firstBit > lastBit) return 0;
  const firstByte = Math.floor(firstBit / 8);
  const lastByte = Math.floor(lastBit / 8);
  let count = popcount(bytesBetween(value, firstByte, lastByte));
  // Whole bytes were counted; take back the bits of the edge bytes that lie outside the range.
  const headOutside = firstBit % 8; // bits of the first byte before firstBit
  const tailOutside = 7 - (lastBit % 8); // bits of the last byte after lastBit
  if (headOutside > 0) count -= POPCOUNT[byteAt(value, firstByte) & (0xff << (8 - headOutside)) & 0xff] as number;
  if (tailOutside > 0) count -= POPCOUNT[byteAt(value, lastByte) & ((1 << tailOutside) - 1)] as number;
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
export function findBit(value: StringBytes, bit: 0 | 1, range: BitRange): number {
  const { firstBit, lastBit } = range;
  if (firstBit > lastBit) return -1;
  const skip = bit === 1 ? 0x00 : 0xff;
  // Index 0 of `bytes` is byte `base` of the value.
  const base = Math.floor(firstBit / 8);
  const bytes = bytesBetween(value, base, Math.floor(lastBit / 8));
  let offset = firstBit;
  while (offset <= lastBit) {
    const byte = bytes[Math.floor(offset / 8) - base] ?? 0;
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
export function combineBits(op: BitOperation, sources: readonly StringBytes[]): ByteString {
  let length = 0;
  for (const s of sources) if (s.length > length) length = s.length;
  if (length === 0) return '';
  // Buffers rather than charCodeAt: V8 keeps strings over 1 MB made from socket bytes as
  // external strings, whose charCodeAt is several times slower than indexing a Buffer.
  const out = Buffer.alloc(length);
  const first = sources[0];
  if (first !== undefined) out.set(bytesBetween(first, 0, first.length - 1));
  if (op === 'not') {
    for (let i = 0; i < length; i++) out[i] = ~(out[i] as number) & 0xff;
    return out.latin1Slice(0, length);
  }
  for (let k = 1; k < sources.length; k++) {
    const source = sources[k] as StringBytes;
    const src = bytesBetween(source, 0, source.length - 1);
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
 * Sets bit `offset` of `bytes` to `value`, in place; the caller has made the value long enough
 * (MutableString.ensureLength). O(1): SETBIT edits the bytes where they are.
 */
export function setBit(bytes: Uint8Array, offset: number, value: 0 | 1): void {
  const index = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset % 8));
  const old = bytes[index] as number;
  bytes[index] = value === 1 ? old | mask : old & ~mask;
}
