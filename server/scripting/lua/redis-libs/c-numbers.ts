/**
 * The C number conversions that the libraries Redis bundles into its Lua (cjson, cmsgpack, bit,
 * struct) perform, reproduced bit for bit, since their results are visible to scripts.
 *
 * - printf's "%.<p>g" for any precision (cjson.encode_number_precision picks 1 to 14), built on
 *   numbers.ts: its fast "%.14g" for the default, otherwise the exact decimal expansion rounded
 *   as glibc rounds (an exact tie to even).
 * - glibc's strtod with the position where it stopped, which cjson.decode needs to go on
 *   tokenizing: decimal (JS's Number() rounds decimal text correctly, as glibc does),
 *   hexadecimal with an optional binary exponent ("0x1.8p3"), "inf"/"infinity"/"nan"/"nan(...)"
 *   in any case, with a sign.
 * - Casts from double to integer, as x86-64 executes them: a signed 64-bit cast truncates and
 *   yields INT64_MIN when the value is out of range or NaN (cvttsd2si); an unsigned 64-bit cast
 *   goes through the signed one and, from 2^63 up, subtracts 2^63 first (gcc's sequence), which
 *   makes 2^64 and beyond come out as 0.
 * - Doubles and floats as bytes. A NaN is always written as x86's default NaN (sign bit set:
 *   ff f8 00 ..., ff c0 00 00 as a float), the one C gets from 0/0, inf - inf or sqrt(-1). The
 *   sign of a NaN cannot be trusted here: V8 may replace any NaN stored in an array of numbers
 *   (argument lists, table slots) by its own canonical NaN, whose sign bit is clear, depending
 *   on how the array was optimized. C writes a NaN with a clear sign bit (from -(0/0), or from
 *   tonumber("nan")) as 7f f8 ...; that case comes out as ff f8 ... here.
 */

import { exactDecimal, formatG14, layoutG, nonFiniteText, roundDecimal } from '../numbers';

/** Reads and writes the bits of doubles and floats. */
const scratch = new DataView(new ArrayBuffer(8));

const INT64_MIN = -(2n ** 63n);
const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;

/** (int64_t)d on x86-64: truncation toward zero, INT64_MIN when out of range or NaN. */
export function doubleToInt64(d: number): bigint {
  if (d >= -TWO_63 && d < TWO_63) return BigInt(Math.trunc(d));
  return INT64_MIN;
}

/** (uint64_t)d as gcc compiles it on x86-64 (0 from 2^64 up, 2^63 for NaN and negatives too large). */
export function doubleToUint64(d: number): bigint {
  if (d >= TWO_63) return d < TWO_64 ? BigInt(d) : 0n;
  return BigInt.asUintN(64, doubleToInt64(d));
}

/** The bytes of a double, big-endian (a NaN as x86's default NaN). */
export function doubleBytesBE(d: number): number[] {
  if (d !== d) return [0xff, 0xf8, 0, 0, 0, 0, 0, 0];
  scratch.setFloat64(0, d);
  return [0, 1, 2, 3, 4, 5, 6, 7].map((i) => scratch.getUint8(i));
}

/** The bytes of (float)d, big-endian (rounded to nearest, as the C cast rounds; NaN as x86's). */
export function floatBytesBE(d: number): number[] {
  if (d !== d) return [0xff, 0xc0, 0, 0];
  scratch.setFloat32(0, d);
  return [0, 1, 2, 3].map((i) => scratch.getUint8(i));
}

/** The double whose big-endian bytes are given (8 of them). */
export function doubleFromBytesBE(bytes: readonly number[]): number {
  for (let i = 0; i < 8; i++) scratch.setUint8(i, bytes[i] ?? 0);
  return scratch.getFloat64(0);
}

/** The float whose big-endian bytes are given (4 of them), as a double. */
export function floatFromBytesBE(bytes: readonly number[]): number {
  for (let i = 0; i < 4; i++) scratch.setUint8(i, bytes[i] ?? 0);
  return scratch.getFloat32(0);
}

// ---- printf %.<p>g ---------------------------------------------------------------------------

/** printf("%.<precision>g", x) as glibc prints it. */
export function formatG(x: number, precision: number): string {
  if (precision === 14) return formatG14(x);
  if (!Number.isFinite(x)) return nonFiniteText(x);
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const p = precision <= 0 ? 1 : precision;
  const rounded = roundDecimal(exactDecimal(x), p);
  return (x < 0 ? '-' : '') + layoutG(rounded.digits, rounded.exponent, p, false);
}

/** A NaN with the sign bit as given (strtod reads "-nan" as the negative one). */
function signedNaN(negative: boolean): number {
  scratch.setUint32(0, negative ? 0xfff80000 : 0x7ff80000);
  scratch.setUint32(4, 0);
  return scratch.getFloat64(0);
}

// ---- strtod ---------------------------------------------------------------------------------

/** A C string's byte at i: past the end reads the terminating NUL. */
function byteAt(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

function startsWithIgnoringCase(s: string, at: number, word: string): boolean {
  return s.slice(at, at + word.length).toLowerCase() === word;
}

/** mantissa * 2^exponent rounded to the nearest double, ties to even (subnormals, overflow). */
function scaleToDouble(mantissa: bigint, exponent: number): number {
  if (mantissa === 0n) return 0;
  const bitLength = mantissa.toString(2).length;
  const topExponent = bitLength - 1 + exponent;
  if (topExponent > 1023) return Infinity;
  const precisionBits = topExponent >= -1022 ? 53 : 53 - (-1022 - topExponent);
  if (precisionBits < 0) return 0;
  let kept = mantissa;
  let scale = exponent;
  const shift = bitLength - precisionBits;
  if (shift > 0) {
    const dropped = mantissa & ((1n << BigInt(shift)) - 1n);
    const half = 1n << BigInt(shift - 1);
    kept = mantissa >> BigInt(shift);
    if (dropped > half || (dropped === half && (kept & 1n) === 1n)) kept += 1n;
    scale += shift;
  }
  const result = Number(kept) * 2 ** scale;
  return result;
}

/** What strtod read: the value, and the index just past the text it used (= start: nothing). */
export interface StrtodResult {
  value: number;
  end: number;
}

function parseHexBody(s: string, at: number, negative: boolean): StrtodResult | null {
  let i = at;
  let mantissa = 0n;
  let exponent = 0;
  let digits = 0;
  while (hexValue(byteAt(s, i)) >= 0) {
    mantissa = mantissa * 16n + BigInt(hexValue(byteAt(s, i)));
    digits++;
    i++;
  }
  if (byteAt(s, i) === 46 /* . */) {
    i++;
    while (hexValue(byteAt(s, i)) >= 0) {
      mantissa = mantissa * 16n + BigInt(hexValue(byteAt(s, i)));
      exponent -= 4;
      digits++;
      i++;
    }
  }
  if (digits === 0) return null;
  if ((byteAt(s, i) | 0x20) === 112 /* p */) {
    let j = i + 1;
    let exponentSign = 1;
    if (byteAt(s, j) === 43 || byteAt(s, j) === 45) {
      exponentSign = byteAt(s, j) === 45 ? -1 : 1;
      j++;
    }
    if (isDigit(byteAt(s, j))) {
      let written = 0;
      while (isDigit(byteAt(s, j))) {
        written = Math.min(written * 10 + byteAt(s, j) - 48, 1e9);
        j++;
      }
      exponent += exponentSign * written;
      i = j;
    }
  }
  const magnitude = scaleToDouble(mantissa, Math.max(-1e6, Math.min(1e6, exponent)));
  return { value: negative ? -magnitude : magnitude, end: i };
}

/** glibc strtod(s + start): leading white space, sign, decimal/hex/inf/nan. */
export function strtod(s: string, start: number): StrtodResult {
  let i = start;
  while (byteAt(s, i) === 32 || (byteAt(s, i) >= 9 && byteAt(s, i) <= 13)) i++;
  let negative = false;
  if (byteAt(s, i) === 43 || byteAt(s, i) === 45) {
    negative = byteAt(s, i) === 45;
    i++;
  }
  if (startsWithIgnoringCase(s, i, 'inf')) {
    const end = startsWithIgnoringCase(s, i, 'infinity') ? i + 8 : i + 3;
    return { value: negative ? -Infinity : Infinity, end };
  }
  if (startsWithIgnoringCase(s, i, 'nan')) {
    let end = i + 3;
    if (byteAt(s, end) === 40 /* ( */) {
      let j = end + 1;
      while (/[0-9A-Za-z_]/.test(s.charAt(j)) && j < s.length) j++;
      if (byteAt(s, j) === 41 /* ) */) end = j + 1;
    }
    return { value: signedNaN(negative), end };
  }
  if (byteAt(s, i) === 48 && (byteAt(s, i + 1) | 0x20) === 120 /* x */) {
    const hex = parseHexBody(s, i + 2, negative);
    if (hex !== null) return hex;
    return { value: negative ? -0 : 0, end: i + 1 }; // "0x" without digits: just the 0
  }
  const numberStart = i;
  let digits = 0;
  while (isDigit(byteAt(s, i))) {
    i++;
    digits++;
  }
  if (byteAt(s, i) === 46 /* . */) {
    i++;
    while (isDigit(byteAt(s, i))) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return { value: 0, end: start };
  if ((byteAt(s, i) | 0x20) === 101 /* e */) {
    let j = i + 1;
    if (byteAt(s, j) === 43 || byteAt(s, j) === 45) j++;
    if (isDigit(byteAt(s, j))) {
      while (isDigit(byteAt(s, j))) j++;
      i = j;
    }
  }
  const magnitude = Number(s.slice(numberStart, i));
  return { value: negative ? -magnitude : magnitude, end: i };
}
