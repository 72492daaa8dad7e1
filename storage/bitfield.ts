/**
 * BITFIELD's integer fields: an N-bit signed (i1..i64) or unsigned (u1..u63) integer stored at
 * any bit offset of a string, most significant bit first (the same bit order as storage/bits.ts),
 * and the overflow policies applied when a SET or INCRBY does not fit: WRAP, SAT, FAIL.
 *
 * Values are bigints because fields reach 64 bits. The overflow checks reproduce Redis 7.0's
 * arithmetic exactly, including its C integer behaviour: the limits it computes wrap around in
 * 64 bits, which is observable. For example SET i8 with -2^63 under OVERFLOW SAT stores 127,
 * not -128, because Redis's "room left above the value" (max - value) wraps negative and the
 * value is judged too big. Replies are compared byte for byte with Redis, so those corners are
 * kept rather than fixed; asIntN/asUintN below stand for C's int64_t/uint64_t.
 */

export type OverflowPolicy = 'wrap' | 'sat' | 'fail';

/** A field type: `i8` is { signed: true, bits: 8 }. */
export interface FieldType {
  signed: boolean;
  bits: number;
}

const i64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);

/** Parses i1..i64 / u1..u63 the way Redis does ('i' or 'u' in lowercase, then a canonical integer). */
export function parseFieldType(arg: string, parseInteger: (s: string) => bigint | null): FieldType | null {
  const sign = arg.charCodeAt(0);
  if (sign !== 0x69 /* i */ && sign !== 0x75 /* u */) return null;
  // Redis reads the width as a C string, so it stops at the first NUL byte.
  const nul = arg.indexOf('\0', 1);
  const width = parseInteger(arg.slice(1, nul === -1 ? arg.length : nul));
  const signed = sign === 0x69;
  if (width === null || width < 1n || width > (signed ? 64n : 63n)) return null;
  return { signed, bits: Number(width) };
}

// -------------------------------------------------------------------------------------------------
// Reading and writing fields

/** The unsigned value of `bits` bits at bit `offset`; bytes past the end of `bytes` read as 0. */
export function getUnsignedField(bytes: Uint8Array, offset: number, bits: number): bigint {
  if (bits <= 48) {
    let value = 0;
    for (let j = 0; j < bits; j++) value = value * 2 + bitAt(bytes, offset + j);
    return BigInt(value);
  }
  let value = 0n;
  for (let j = 0; j < bits; j++) value = (value << 1n) | BigInt(bitAt(bytes, offset + j));
  return value;
}

/** The field read as two's complement: the top bit of the field is the sign. */
export function getSignedField(bytes: Uint8Array, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsignedField(bytes, offset, bits));
}

/** Writes the low `bits` bits of `value` (two's complement for negatives) at bit `offset`. */
export function setField(bytes: Uint8Array, offset: number, bits: number, value: bigint): void {
  const v = BigInt.asUintN(bits, value);
  for (let j = 0; j < bits; j++) {
    const on = (v >> BigInt(bits - 1 - j)) & 1n;
    const pos = offset + j;
    const index = Math.floor(pos / 8);
    const mask = 1 << (7 - (pos % 8));
    const byte = bytes[index] ?? 0;
    bytes[index] = on === 1n ? byte | mask : byte & ~mask;
  }
}

function bitAt(bytes: Uint8Array, pos: number): number {
  return ((bytes[Math.floor(pos / 8)] ?? 0) >> (7 - (pos % 8))) & 1;
}

// -------------------------------------------------------------------------------------------------
// Overflow

/**
 * The outcome of adding `increment` to `value` in a field: whether it overflowed (1 above the
 * maximum, -1 below the minimum, 0 not at all) and, for WRAP and SAT, the value to store
 * instead. SET is checked as "value + 0".
 */
export interface OverflowCheck {
  overflow: -1 | 0 | 1;
  /** The wrapped or saturated value; null when nothing overflowed or the policy is FAIL. */
  limit: bigint | null;
}

const NO_OVERFLOW: OverflowCheck = { overflow: 0, limit: null };

/** `value` is a uint64 (SET passes its int64 argument reinterpreted), `increment` an int64. */
export function checkUnsignedOverflow(value: bigint, increment: bigint, bits: number, policy: OverflowPolicy): OverflowCheck {
  const max = (1n << BigInt(bits)) - 1n;
  const maxIncrement = i64(max - value);
  const minIncrement = i64(-value);
  const wrap = (): bigint => u64(value + increment) & max;
  if (value > max || (increment > 0n && increment > maxIncrement)) {
    return { overflow: 1, limit: policy === 'wrap' ? wrap() : policy === 'sat' ? max : null };
  }
  if (increment < 0n && increment < minIncrement) {
    return { overflow: -1, limit: policy === 'wrap' ? wrap() : policy === 'sat' ? 0n : null };
  }
  return NO_OVERFLOW;
}

/** `value` and `increment` are int64s. */
export function checkSignedOverflow(value: bigint, increment: bigint, bits: number, policy: OverflowPolicy): OverflowCheck {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  // Both wrap in 64 bits as in Redis; they are only meaningful once `value` is known in range.
  const maxIncrement = i64(max - value);
  const minIncrement = i64(min - value);
  const wrap = (): bigint => BigInt.asIntN(bits, value + increment);
  const full = bits === 64;
  if (value > max || (!full && increment > maxIncrement) || (value >= 0n && increment > 0n && increment > maxIncrement)) {
    return { overflow: 1, limit: policy === 'wrap' ? wrap() : policy === 'sat' ? max : null };
  }
  if (value < min || (!full && increment < minIncrement) || (value < 0n && increment < 0n && increment < minIncrement)) {
    return { overflow: -1, limit: policy === 'wrap' ? wrap() : policy === 'sat' ? min : null };
  }
  return NO_OVERFLOW;
}
