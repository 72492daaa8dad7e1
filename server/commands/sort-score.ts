/**
 * The number SORT sorts an element (or its BY weight) by, read the way Redis 7.0 reads it: with
 * C's strtod over the value as a NUL-terminated string, then refused when anything is left over,
 * when strtod reported ERANGE, or when the result is NaN.
 *
 * That makes SORT's notion of "a number" wider than the rest of Redis's (which uses strict
 * parsers): leading whitespace, a leading '+', "inf"/"infinity" in any case, hexadecimal floats
 * ("0x1p4"), "1." and ".5" are all accepted, and so is the empty string (strtod converts nothing,
 * and the end pointer then rests on the terminating NUL: 0). A value with a NUL byte in it is
 * read only up to the NUL. glibc reports ERANGE both on overflow and on underflow (a result too
 * small to be a normal double, unless it is an exact zero), so "1e-310" is refused as "1e400" is.
 */
import type { ByteString } from '../../storage/bytes';

/** The smallest positive normal double; anything smaller and non-zero underflows. */
const MIN_NORMAL = 2.2250738585072014e-308;

const isCSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const hexValue = (c: number): number =>
  isDigit(c) ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;

/** The score of a value for a numeric SORT, or null when Redis would refuse it. */
export function sortScore(value: ByteString): number | null {
  const nul = value.indexOf('\0');
  const s = nul < 0 ? value : value.slice(0, nul);
  let i = 0;
  while (i < s.length && isCSpace(s.charCodeAt(i))) i++;
  let negative = false;
  const sign = s.charCodeAt(i);
  if (sign === 0x2b || sign === 0x2d) {
    negative = sign === 0x2d;
    i++;
  }
  const parsed = parseMagnitude(s, i);
  // Nothing converted: strtod leaves the end pointer at the very start of the string.
  if (parsed === null) return s.length === 0 ? 0 : null;
  const [magnitude, end, exactZero] = parsed;
  if (end !== s.length || Number.isNaN(magnitude)) return null;
  if (magnitude === Infinity && !parsed[3]) return null; // overflow
  if (!exactZero && magnitude < MIN_NORMAL) return null; // underflow
  return negative ? -magnitude : magnitude;
}

/** [value, end index, written as an exact zero, written as infinity], or null if no number. */
type Magnitude = [number, number, boolean, boolean];

function parseMagnitude(s: string, start: number): Magnitude | null {
  const lower = s.slice(start, start + 8).toLowerCase();
  if (lower.startsWith('infinity')) return [Infinity, start + 8, false, true];
  if (lower.startsWith('inf')) return [Infinity, start + 3, false, true];
  if (lower.startsWith('nan')) return [NaN, nanEnd(s, start + 3), false, false];
  if (s.charCodeAt(start) === 0x30 && (s.charCodeAt(start + 1) | 0x20) === 0x78) {
    const hex = parseHex(s, start + 2);
    if (hex !== null) return hex;
  }
  return parseDecimal(s, start);
}

/** "nan" may be followed by "(chars)" of letters, digits and '_'. */
function nanEnd(s: string, i: number): number {
  if (s.charCodeAt(i) !== 0x28) return i;
  let j = i + 1;
  while (j < s.length && /[0-9A-Za-z_]/.test(s.charAt(j))) j++;
  return s.charCodeAt(j) === 0x29 ? j + 1 : i;
}

function parseDecimal(s: string, start: number): Magnitude | null {
  let i = start;
  let digits = 0;
  let nonZero = false;
  while (isDigit(s.charCodeAt(i))) {
    if (s.charCodeAt(i) !== 0x30) nonZero = true;
    i++;
    digits++;
  }
  if (s.charCodeAt(i) === 0x2e) {
    i++;
    while (isDigit(s.charCodeAt(i))) {
      if (s.charCodeAt(i) !== 0x30) nonZero = true;
      i++;
      digits++;
    }
  }
  if (digits === 0) return null;
  let end = i;
  if ((s.charCodeAt(i) | 0x20) === 0x65) {
    let j = i + 1;
    const sign = s.charCodeAt(j);
    if (sign === 0x2b || sign === 0x2d) j++;
    if (isDigit(s.charCodeAt(j))) {
      while (isDigit(s.charCodeAt(j))) j++;
      end = j;
    }
  }
  // JavaScript's Number() rounds decimal text correctly, as glibc's strtod does.
  let text = s.slice(start, end);
  if (text.endsWith('.') || text.includes('.e') || text.includes('.E')) text = text.replace('.', '.0');
  if (text.startsWith('.')) text = `0${text}`;
  return [Number(text), end, !nonZero, false];
}

/** A hexadecimal float after "0x": hex digits, an optional '.' and fraction, an optional p-exponent. */
function parseHex(s: string, start: number): Magnitude | null {
  let i = start;
  let mantissa = 0;
  let scale = 0;
  let digits = 0;
  let nonZero = false;
  for (let v = hexValue(s.charCodeAt(i)); v >= 0; v = hexValue(s.charCodeAt(++i))) {
    mantissa = mantissa * 16 + v;
    if (v !== 0) nonZero = true;
    digits++;
  }
  if (s.charCodeAt(i) === 0x2e) {
    for (let v = hexValue(s.charCodeAt(++i)); v >= 0; v = hexValue(s.charCodeAt(++i))) {
      mantissa = mantissa * 16 + v;
      if (v !== 0) nonZero = true;
      scale -= 4;
      digits++;
    }
  }
  if (digits === 0) return null; // "0x" alone is the number 0 followed by "x"
  let end = i;
  let exponent = 0;
  if ((s.charCodeAt(i) | 0x20) === 0x70) {
    let j = i + 1;
    let expNegative = false;
    const sign = s.charCodeAt(j);
    if (sign === 0x2b || sign === 0x2d) {
      expNegative = sign === 0x2d;
      j++;
    }
    if (isDigit(s.charCodeAt(j))) {
      while (isDigit(s.charCodeAt(j))) {
        exponent = Math.min(exponent * 10 + (s.charCodeAt(j) - 0x30), 100_000);
        j++;
      }
      if (expNegative) exponent = -exponent;
      end = j;
    }
  }
  return [mantissa * Math.pow(2, scale + exponent), end, !nonZero, false];
}
