/**
 * C's strtod, as glibc reads a double, for the places Redis parses one with it: sorted-set scores,
 * ZADD/ZINCRBY increments, WEIGHTS and score range bounds.
 *
 * strtod reads the longest prefix that is a number: optional leading white space, a sign, then a
 * decimal number (digits, optional fraction, optional exponent), a hexadecimal one ("0x1.8p3"),
 * "inf"/"infinity" or "nan"/"nan(chars)", all case-insensitive. It reports where it stopped, and
 * flags a result that overflowed to ±HUGE_VAL or underflowed (ERANGE). Redis's callers then decide
 * what they accept: a score must be the whole string, not start with a space, and not be NaN or
 * out of range; a range bound only needs to be the whole (C) string and not NaN.
 *
 * Decimal conversion uses JavaScript's parseFloat, which rounds correctly like glibc.
 */

export interface StrtodResult {
  value: number;
  /** Index just past the parsed prefix; 0 when nothing was parsed. */
  end: number;
  /** The conversion overflowed to ±Infinity or underflowed (glibc's ERANGE). */
  outOfRange: boolean;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/;
const SPECIAL = /^([+-]?)(infinity|inf|nan(?:\([0-9A-Za-z_]*\))?)/i;

function isCSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/**
 * Plain decimals ("0", "-12", "3.25"): sign, digits, at most one point, no exponent. Most scores
 * look like this, and reading them needs none of the regular expressions below. Up to 15 digits
 * the digits are exact as an integer, and the value is that integer, or it divided by a power of
 * ten; longer ones go to parseFloat, which rounds as glibc does. Without an exponent and under 300 characters nothing overflows or
 * underflows. Null when the string is anything else.
 */
function plainDecimal(s: string): number | null {
  const length = s.length;
  if (length === 0 || length > 300) return null;
  let i = 0;
  const first = s.charCodeAt(0);
  if (first === 0x2d || first === 0x2b) i = 1;
  let digits = 0;
  let point = -1;
  let integer = 0;
  for (; i < length; i++) {
    const code = s.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) {
      digits++;
      integer = integer * 10 + (code - 0x30);
    } else if (code === 0x2e && point < 0) {
      point = i;
    } else {
      return null;
    }
  }
  if (digits === 0) return null;
  if (digits <= 15) {
    if (point < 0) return first === 0x2d ? -integer : integer;
    // The digits as an integer and a power of ten up to 10^22 are both exact doubles, and IEEE
    // division rounds correctly, so their quotient is the correctly rounded decimal: what
    // parseFloat gives, without its call into the runtime (Clinger's fast path).
    const fractionDigits = length - point - 1;
    if (fractionDigits <= 22) {
      const value = integer / (EXACT_POWERS_OF_TEN[fractionDigits] as number);
      return first === 0x2d ? -value : value;
    }
  }
  return parseFloat(s);
}

/** 10^0 ... 10^22, every one exact as a double. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

export function strtod(s: string): StrtodResult {
  const plain = plainDecimal(s);
  if (plain !== null) return { value: plain, end: s.length, outOfRange: false };
  let start = 0;
  while (start < s.length && isCSpace(s.charCodeAt(start))) start++;
  const rest = s.slice(start);
  const special = SPECIAL.exec(rest);
  if (special !== null) {
    const word = (special[2] as string).toLowerCase();
    const negative = special[1] === '-';
    const value = word.startsWith('nan') ? NaN : negative ? -Infinity : Infinity;
    return { value, end: start + special[0].length, outOfRange: false };
  }
  const hex = HEX.exec(rest);
  if (hex !== null) return { ...hexValue(hex), end: start + hex[0].length };
  const dec = DECIMAL.exec(rest);
  if (dec === null) return { value: 0, end: 0, outOfRange: false };
  const text = dec[0];
  const value = parseFloat(text);
  const mantissaNonZero = /[1-9]/.test(text.split(/[eE]/)[0] as string);
  const outOfRange = !Number.isFinite(value) || (mantissaNonZero && (value === 0 || Math.abs(value) < 2.2250738585072014e-308));
  return { value, end: start + text.length, outOfRange };
}

/** Exact value of a hexadecimal float, rounded once to a double (via BigInt scaling). */
function hexValue(m: RegExpExecArray): { value: number; outOfRange: boolean } {
  const negative = m[1] === '-';
  const [intPart = '', fracPart = ''] = (m[2] as string).split('.');
  const digits = (intPart + fracPart).replace(/^0+/, '');
  const binExp = Number(m[3] ?? '0') - 4 * fracPart.length;
  if (digits === '') return { value: negative ? -0 : 0, outOfRange: false };
  let mantissa = BigInt('0x' + digits);
  let exp = binExp;
  // Keep 64 significant bits, folding the rest into a sticky bit, so that Number() rounds once.
  const bits = mantissa.toString(2).length;
  if (bits > 64) {
    const drop = BigInt(bits - 64);
    const sticky = (mantissa & ((1n << drop) - 1n)) !== 0n ? 1n : 0n;
    mantissa = (mantissa >> drop) | sticky;
    exp += bits - 64;
  }
  let value = Number(mantissa) * Math.pow(2, exp);
  if (!Number.isFinite(value) || value === 0) {
    // Split the scaling in two so that a huge exponent with a small mantissa is not lost early.
    value = Number(mantissa) * Math.pow(2, Math.trunc(exp / 2)) * Math.pow(2, exp - Math.trunc(exp / 2));
  }
  const outOfRange = !Number.isFinite(value) || value === 0 || Math.abs(value) < 2.2250738585072014e-308;
  return { value: negative ? -value : value, outOfRange };
}

/**
 * A score or increment as Redis's getDoubleFromObject reads it: the whole string, no leading
 * white space, not NaN, not overflowed or underflowed to zero. Null when refused.
 */
export function parseScoreArg(s: string): number | null {
  if (s.length === 0 || isCSpace(s.charCodeAt(0))) return null;
  const r = strtod(s);
  if (r.end !== s.length || Number.isNaN(r.value)) return null;
  if (r.outOfRange && (!Number.isFinite(r.value) || r.value === 0)) return null;
  return r.value;
}

/**
 * A score range bound's number (after any '('), as zslParseRange reads it: strtod up to the end
 * of the C string (a NUL byte ends it), so "" and " 1" are accepted, and "1e400" is inf. Null
 * when refused.
 */
export function parseRangeNumber(s: string): number | null {
  const nul = s.indexOf('\0');
  const text = nul >= 0 ? s.slice(0, nul) : s;
  const r = strtod(text);
  if (r.end === 0) return text.length === 0 ? 0 : null;
  if (r.end !== text.length || Number.isNaN(r.value)) return null;
  return r.value;
}
