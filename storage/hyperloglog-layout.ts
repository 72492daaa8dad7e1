/**
 * The HyperLogLog string format of Redis 7.0, byte for byte: constants, the sparse opcodes, the
 * dense register packing, and the checks and reads that need no sketch object (hyperloglog.ts
 * has the sketch that changes them).
 *
 * The string (all multi-byte numbers little-endian):
 *
 *   offset  0    4         5        8              16
 *          +----+---------+--------+--------------+----------------------------------------+
 *          |HYLL| encoding| unused |  cardinality |  registers: dense or sparse            |
 *          +----+---------+--------+--------------+----------------------------------------+
 *                 0 dense   3 bytes   8 bytes, the cached PFCOUNT; the top bit of byte 15
 *                 1 sparse  (kept)    set means "stale, recompute"
 *
 * Dense: 16384 registers of 6 bits packed from the least significant bit of each byte up, so a
 * register may straddle two bytes; always exactly 16 + 12288 bytes. Four registers fill three
 * bytes:
 *
 *   byte:    |  b0 = r0 | r1<<6   |  b1 = r1>>2 | r2<<4  |  b2 = r2>>4 | r3<<2  | ...
 *
 * Sparse: runs of registers as opcodes, for a sketch that has seen few elements:
 *   ZERO   00xxxxxx            xxxxxx+1 registers (1..64) set to 0
 *   XZERO  01xxxxxx yyyyyyyy   (xxxxxx·256 + yyyyyyyy)+1 registers (1..16384) set to 0
 *   VAL    1vvvvvxx            xx+1 registers (1..4) set to vvvvv+1 (1..32)
 * A fresh sketch is one XZERO of 16384 (18 bytes in all).
 */
import type { ByteString } from './bytes';
import { byteAt, type StringBytes } from './mutable-string';
import { murmurHash64A, type Hash64 } from './murmur-hash';

/** Redis's HLL_P: 2^14 registers. */
export const HLL_REGISTERS = 16384;
const REGISTER_INDEX_MASK = HLL_REGISTERS - 1;
const REGISTER_BITS = 6;
export const REGISTER_MAX = (1 << REGISTER_BITS) - 1;
export const HLL_HEADER_BYTES = 16;
/** The whole dense string: the header and 16384 six-bit registers. */
export const HLL_DENSE_BYTES = HLL_HEADER_BYTES + Math.floor((HLL_REGISTERS * REGISTER_BITS + 7) / 8);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
/** The seed Redis hashes elements with. */
const HASH_SEED = 0xadc83b19;

export const SPARSE_VAL_MAX_VALUE = 32;
export const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
/** The top bit of the cardinality's last byte: set when the cached count is stale. */
export const CACHE_STALE_BIT = 0x80;
export const CARD_OFFSET = 8;

// ---------------------------------------------------------------------------------------------
// Sparse opcodes

export const isZero = (op: number): boolean => (op & 0xc0) === 0;
export const isXzero = (op: number): boolean => (op & 0xc0) === 0x40;
export const zeroLength = (op: number): number => (op & 0x3f) + 1;
export const xzeroLength = (op: number, second: number): number => (((op & 0x3f) << 8) | second) + 1;
export const valValue = (op: number): number => ((op >> 2) & 0x1f) + 1;
export const valLength = (op: number): number => (op & 0x3) + 1;
export const valOpcode = (value: number, length: number): number => ((((value - 1) << 2) | (length - 1)) | 0x80) & 0xff;

/** Appends the opcode(s) for a run of `length` zero registers: ZERO when it fits, else XZERO. */
export function pushZeroRun(seq: number[], length: number): void {
  if (length > SPARSE_ZERO_MAX_LEN) {
    const l = length - 1;
    seq.push(((l >> 8) | 0x40) & 0xff, l & 0xff);
  } else {
    seq.push(length - 1);
  }
}

/**
 * Whether a string value is a HyperLogLog as Redis's isHLLObjectOrReply sees it: the magic, an
 * encoding byte of 0 or 1, and for dense exactly the dense length. Nothing else is checked;
 * the opcodes of a sparse one are checked as they are walked.
 */
export function isHllValue(value: StringBytes): boolean {
  if (value.length < HLL_HEADER_BYTES) return false;
  if (byteAt(value, 0) !== 0x48 || byteAt(value, 1) !== 0x59 || byteAt(value, 2) !== 0x4c || byteAt(value, 3) !== 0x4c) return false;
  const encoding = byteAt(value, 4);
  if (encoding > HLL_SPARSE) return false;
  return encoding !== HLL_DENSE || value.length === HLL_DENSE_BYTES;
}

/**
 * The cached cardinality of a sketch's string when it is valid, read where the value is (no
 * copy: PFCOUNT of a cached sketch is the common case); null when the stale bit is set.
 */
export function validCachedCardinality(value: StringBytes): number | bigint | null {
  if ((byteAt(value, CARD_OFFSET + 7) & CACHE_STALE_BIT) !== 0) return null;
  let low = 0;
  let high = 0;
  for (let i = 3; i >= 0; i--) {
    low = low * 256 + byteAt(value, CARD_OFFSET + i);
    high = high * 256 + byteAt(value, CARD_OFFSET + 4 + i);
  }
  // Exact as a double below 2^53; a BigInt above.
  return high < 1 << 21 ? high * 2 ** 32 + low : (BigInt(high) << 32n) | BigInt(low);
}

/** Where an element falls: its register, and the run of zeros it brings (1..51). */
export interface ElementPattern {
  register: number;
  count: number;
}

/** Redis's hllPatLen: the register is the hash's low 14 bits, the count 1 + the zeros above them. */
export function elementPattern(element: ByteString, scratch: Hash64, out: ElementPattern): ElementPattern {
  const hash = murmurHash64A(element, HASH_SEED, scratch);
  out.register = hash.lo & REGISTER_INDEX_MASK;
  // The 50 bits above the index, with bit 50 set so that the count stops at 51.
  const low = ((hash.lo >>> 14) | (hash.hi << 18)) >>> 0;
  const trailingZeros = (x: number): number => 31 - Math.clz32(x & -x);
  out.count = low !== 0 ? trailingZeros(low) + 1 : 32 + trailingZeros(((hash.hi >>> 14) | (1 << 18)) >>> 0) + 1;
  return out;
}

/** One register of a dense register array that starts at `base` in `bytes` (exported for the self-test). */
export function denseRegister(bytes: Uint8Array, base: number, index: number): number {
  const bit = index * REGISTER_BITS;
  const at = base + (bit >> 3);
  const shift = bit & 7;
  // The second byte may be the terminator past the last register: it reads as stored (zero).
  return ((bytes[at]! >> shift) | ((bytes[at + 1] ?? 0) << (8 - shift))) & REGISTER_MAX;
}

export function setDenseRegister(bytes: Uint8Array, base: number, index: number, value: number): void {
  const bit = index * REGISTER_BITS;
  const at = base + (bit >> 3);
  const shift = bit & 7;
  bytes[at] = (bytes[at]! & ~(REGISTER_MAX << shift)) | ((value << shift) & 0xff);
  // Bits that spill into the next byte (none for the last register, whose 6 bits fit).
  const spill = 8 - shift;
  if (spill < REGISTER_BITS) bytes[at + 1] = (bytes[at + 1]! & ~(REGISTER_MAX >> spill)) | (value >> spill);
}

/** Counts a raw register array (one byte per register: PFCOUNT's union of several keys). */
export function rawRegisterHistogram(registers: Uint8Array, histogram: Float64Array): void {
  for (let i = 0; i < HLL_REGISTERS; i++) histogram[registers[i]!]!++;
}
