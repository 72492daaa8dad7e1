/**
 * Numbers as text and text as numbers, the way Lua 5.1 (built with glibc on x86-64) converts them.
 *
 * Number → text. tostring(n), `..` and every implicit conversion print a number with C's
 * printf("%.14g"): 14 significant digits, rounded from the exact binary value of the double,
 * an exact tie rounded to even (glibc), trailing zeros dropped, and the exponent form (1e+15,
 * 1e-05) chosen when the decimal exponent is below -4 or at least 14. Infinities print as
 * "inf"/"-inf" and NaN as "nan" or "-nan" after its sign bit (on x86 a NaN made by an invalid
 * operation, such as 0/0, has the sign bit set, so Lua prints "-nan" for it; V8 computes the
 * same bits, which is why the sign bit is read here instead of assuming one).
 *
 * JS gives the right digits most of the time: for a normal double (not a subnormal, whose
 * shortest form may be shorter than its precision justifies) the shortest round-trip form
 * (toExponential() with no argument) is the %.14g answer whenever it has 14 digits or fewer, and
 * toExponential(13) rounds the exact value to 14 digits except that it breaks an exact tie
 * upward. An exact tie needs a value whose exact decimal form has 15 digits ending in 5, and
 * then the shortest form is that very decimal, so only that case goes to the slow path: the
 * exact decimal expansion of the double, computed with BigInt (a double is m × 2^e, and
 * m × 2^e = m × 5^-e × 10^e, so its decimal expansion is finite), rounded by hand.
 * string.format uses that exact path for %e, %f and %g (exactDecimal and roundDecimal).
 *
 * Text → number. Lua 5.1 converts with C's strtod (luaO_str2d): optional white space, a sign,
 * then a decimal number ("1e5", ".5", "5."), a hexadecimal one with an optional binary exponent
 * ("0x1A", "0x1.8p3"), "inf"/"infinity" or "nan"/"nan(chars)" in any case; then only white space
 * may follow. C sees a string only up to its first NUL byte, so "5\0junk" reads as 5.
 * tonumber(s, base) for other bases uses C's strtoul: digits of the base (letters for 10-35), a
 * sign that negates modulo 2^64 (tonumber("-1", 16) is 2^64 - 1), a "0x" prefix in base 16, and
 * values past 2^64 - 1 saturating there.
 */
import type { LuaString } from './values';

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);

/** Whether the sign bit of `x` is set (true for -0 and for "negative" NaNs). */
function signBit(x: number): boolean {
  scratch[0] = x;
  return (scratchWords[1]! & 0x80000000) !== 0;
}

/** A NaN with the given sign bit, as strtod returns for "nan" and "-nan". */
export function nanWithSign(negative: boolean): number {
  scratchWords[1] = negative ? 0xfff80000 : 0x7ff80000;
  scratchWords[0] = 0;
  return scratch[0]!;
}

/** glibc's spelling of a non-finite number ("inf", "-nan"...), without any '+' or ' ' flag. */
export function nonFiniteText(x: number): string {
  if (Number.isNaN(x)) return signBit(x) ? '-nan' : 'nan';
  return x > 0 ? 'inf' : '-inf';
}

// ---- exact decimal expansion -------------------------------------------------------------------

/**
 * A positive decimal value d0.d1d2... × 10^exponent: `digits` holds d0 d1 d2... (d0 is not 0).
 * The zero value (what rounding can produce) has empty digits.
 */
export interface Decimal {
  digits: string;
  exponent: number;
}

/** The exact decimal value of |x| (x finite and not zero). */
export function exactDecimal(x: number): Decimal {
  scratch[0] = Math.abs(x);
  const high = scratchWords[1]!;
  const low = scratchWords[0]!;
  const biased = high >>> 20;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  let binaryExponent: number;
  if (biased === 0) {
    binaryExponent = -1074; // subnormal: no hidden bit
  } else {
    mantissa |= 1n << 52n;
    binaryExponent = biased - 1075;
  }
  if (binaryExponent >= 0) {
    const digits = (mantissa << BigInt(binaryExponent)).toString();
    return { digits, exponent: digits.length - 1 };
  }
  // m × 2^-k = m × 5^k × 10^-k: an integer's digits with the point moved k places left.
  const digits = (mantissa * 5n ** BigInt(-binaryExponent)).toString();
  return { digits: digits.replace(/0+$/, ''), exponent: digits.length - 1 + binaryExponent };
}

/**
 * `value` rounded to its first `keep` significant digits (keep may be 0 or negative: rounding at
 * a position left of the first digit), an exact tie going to the even neighbour as glibc does.
 * The result has exactly `keep` digits (zeros appended), or is zero (empty digits).
 */
export function roundDecimal(value: Decimal, keep: number): Decimal {
  const { digits, exponent } = value;
  if (keep >= digits.length) return { digits: digits.padEnd(keep, '0'), exponent };
  if (keep < 0) return { digits: '', exponent };
  const head = digits.slice(0, keep);
  const first = digits.charCodeAt(keep) - 48;
  let up: boolean;
  if (first !== 5) up = first > 5;
  else if (/[1-9]/.test(digits.slice(keep + 1))) up = true;
  else up = keep > 0 && (head.charCodeAt(keep - 1) - 48) % 2 === 1; // a tie: to even (0 is even)
  if (!up) return head === '' ? { digits: '', exponent } : { digits: head, exponent };
  if (keep === 0) return { digits: '1', exponent: exponent + 1 };
  const bumped = (BigInt(head) + 1n).toString();
  if (bumped.length > keep) return { digits: bumped.slice(0, keep), exponent: exponent + 1 };
  return { digits: bumped, exponent };
}

/**
 * The text of printf's %g style for a number already rounded to `precision` significant digits
 * (`digits` may be shorter: the missing ones are zeros): fixed notation when -4 <= exponent <
 * precision, else d.ddde±XX; trailing zeros (and a bare point) dropped unless `keepZeros` (the
 * '#' flag). No sign: the caller adds it.
 */
export function layoutG(digits: string, exponent: number, precision: number, keepZeros: boolean, upper = false): string {
  if (exponent < -4 || exponent >= precision) {
    let fraction = digits.slice(1).padEnd(precision - 1, '0');
    if (!keepZeros) fraction = fraction.replace(/0+$/, '');
    const point = fraction !== '' || keepZeros ? '.' : '';
    return `${digits[0] ?? '0'}${point}${fraction}${upper ? 'E' : 'e'}${exponentText(exponent)}`;
  }
  const all = digits.padEnd(precision, '0');
  let whole: string;
  let fraction: string;
  if (exponent >= 0) {
    whole = all.slice(0, exponent + 1);
    fraction = all.slice(exponent + 1);
  } else {
    whole = '0';
    fraction = '0'.repeat(-exponent - 1) + all;
  }
  if (!keepZeros) fraction = fraction.replace(/0+$/, '');
  return fraction !== '' || keepZeros ? `${whole}.${fraction}` : whole;
}

/** printf's exponent: a sign and at least two digits. */
export function exponentText(exponent: number): string {
  return (exponent < 0 ? '-' : '+') + String(Math.abs(exponent)).padStart(2, '0');
}

// ---- number → text -----------------------------------------------------------------------------

/** C's "%.14g" of a number (no sign handling for NaN/inf needed by callers: it is included). */
export function formatG14(n: number): string {
  if (!Number.isFinite(n)) return nonFiniteText(n);
  if (n === 0) return signBit(n) ? '-0' : '0';
  // Integers below 10^14 have at most 14 digits: printed whole, exactly as String() does.
  if (Number.isInteger(n) && n > -1e14 && n < 1e14) return String(n);
  const sign = n < 0 ? '-' : '';
  const magnitude = Math.abs(n);
  if (magnitude < 2 ** -1022) {
    // Subnormals carry fewer bits, so their shortest form can be too short: round exactly.
    const rounded = roundDecimal(exactDecimal(magnitude), 14);
    return sign + layoutG(rounded.digits, rounded.exponent, 14, false);
  }
  let [digits, exponent] = splitExponential(magnitude.toExponential());
  if (digits.length > 14) {
    if (digits.length === 15 && digits.endsWith('5')) {
      // Possibly an exact tie, which JS would round up and glibc rounds to even.
      const rounded = roundDecimal(exactDecimal(magnitude), 14);
      digits = rounded.digits;
      exponent = rounded.exponent;
    } else {
      [digits, exponent] = splitExponential(magnitude.toExponential(13));
    }
  }
  return sign + layoutG(digits, exponent, 14, false);
}

/** "d.ddde+X" → ["dddd", X]. */
function splitExponential(text: string): [string, number] {
  const e = text.indexOf('e');
  const mantissa = text.slice(0, e);
  return [mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa, Number(text.slice(e + 1))];
}

/** tostring(n): Lua 5.1's LUA_NUMBER_FMT, "%.14g". */
export function numberToString(n: number): LuaString {
  return formatG14(n);
}

// ---- text → number -----------------------------------------------------------------------------

/** C's isspace in the C locale: space, \t, \n, \v, \f, \r. */
export function isCSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

function hexDigitValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The text C sees: up to the first NUL byte. */
function cString(s: LuaString): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

/** Whether `text` from `start` on is only white space. */
function onlySpaceFrom(text: string, start: number): boolean {
  for (let i = start; i < text.length; i++) if (!isCSpace(text.charCodeAt(i))) return false;
  return true;
}

/**
 * strtod's reading of `text` from `start` (after white space and sign): the value and where it
 * stopped, or undefined when nothing numeric is there.
 */
function readUnsignedNumber(text: string, start: number): { value: number; end: number } | undefined {
  const first = text.charCodeAt(start) | 0x20;
  const rest = first === 105 /* i */ || first === 110 /* n */ ? text.slice(start, start + 8).toLowerCase() : '';
  if (rest.startsWith('inf')) return { value: Infinity, end: start + (rest.startsWith('infinity') ? 8 : 3) };
  if (rest.startsWith('nan')) {
    let end = start + 3;
    // "nan(chars)": the parenthesised part is taken only when it is well formed.
    if (text[end] === '(') {
      let close = end + 1;
      while (close < text.length && /[0-9A-Za-z_]/.test(text[close]!)) close++;
      if (text[close] === ')') end = close + 1;
    }
    return { value: nanWithSign(false), end };
  }
  if (text[start] === '0' && (text[start + 1] === 'x' || text[start + 1] === 'X')) {
    const hex = readHexFloat(text, start + 2);
    // "0x" with no hex digits after it reads as the number 0, stopping at the 'x'.
    return hex ?? { value: 0, end: start + 1 };
  }
  let i = start;
  let digitCount = 0;
  while (isDigit(text.charCodeAt(i))) i++, digitCount++;
  if (text[i] === '.') {
    i++;
    while (isDigit(text.charCodeAt(i))) i++, digitCount++;
  }
  if (digitCount === 0) return undefined;
  if (text[i] === 'e' || text[i] === 'E') {
    let j = i + 1;
    if (text[j] === '+' || text[j] === '-') j++;
    if (isDigit(text.charCodeAt(j))) {
      while (isDigit(text.charCodeAt(j))) j++;
      i = j;
    }
  }
  // JS's decimal reading is correctly rounded, as glibc's strtod is.
  return { value: Number(text.slice(start, i)), end: i };
}

/** The part of a hex float after "0x": hex digits, an optional point and binary exponent. */
function readHexFloat(text: string, start: number): { value: number; end: number } | undefined {
  let i = start;
  let mantissa = 0n;
  let fractionDigits = 0;
  let digitCount = 0;
  for (; hexDigitValue(text.charCodeAt(i)) >= 0; i++, digitCount++) mantissa = mantissa * 16n + BigInt(hexDigitValue(text.charCodeAt(i)));
  if (text[i] === '.') {
    i++;
    for (; hexDigitValue(text.charCodeAt(i)) >= 0; i++, digitCount++, fractionDigits++) {
      mantissa = mantissa * 16n + BigInt(hexDigitValue(text.charCodeAt(i)));
    }
  }
  if (digitCount === 0) return undefined;
  let binaryExponent = 0;
  if (text[i] === 'p' || text[i] === 'P') {
    let j = i + 1;
    const negative = text[j] === '-';
    if (text[j] === '+' || text[j] === '-') j++;
    if (isDigit(text.charCodeAt(j))) {
      while (isDigit(text.charCodeAt(j))) {
        // Saturate: anything this far out is 0 or inf anyway.
        binaryExponent = Math.min(binaryExponent * 10 + text.charCodeAt(j) - 48, 100000);
        j++;
      }
      if (negative) binaryExponent = -binaryExponent;
      i = j;
    }
  }
  return { value: scaleToDouble(mantissa, binaryExponent - 4 * fractionDigits), end: i };
}

/** The double nearest to mantissa × 2^exponent (ties to even), with overflow to inf. */
function scaleToDouble(mantissa: bigint, exponent: number): number {
  if (mantissa === 0n) return 0;
  const bits = mantissa.toString(2).length;
  // The value is in [2^(top), 2^(top+1)): a double keeps 53 bits, fewer below 2^-1022.
  const top = bits - 1 + exponent;
  if (top > 1023) return Infinity;
  const keptBits = Math.max(Math.min(53, top + 1074 + 1), 0);
  const drop = bits - keptBits;
  let kept = mantissa;
  let scale = exponent;
  if (drop > 0) {
    kept = mantissa >> BigInt(drop);
    const remainder = mantissa - (kept << BigInt(drop));
    const half = 1n << BigInt(drop - 1);
    if (remainder > half || (remainder === half && (kept & 1n) === 1n)) kept += 1n;
    scale += drop;
  }
  // kept has at most 54 bits here, so Number(kept) is exact; the scaling by powers of two is
  // done in two steps so that neither factor over- or underflows on its own.
  const half = Math.trunc(scale / 2);
  return Number(kept) * 2 ** half * 2 ** (scale - half);
}

/** lua_str2number / luaO_str2d: the number `s` spells, or undefined. */
export function stringToNumber(s: LuaString): number | undefined {
  const text = cString(s);
  let i = 0;
  while (i < text.length && isCSpace(text.charCodeAt(i))) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  const read = readUnsignedNumber(text, i);
  if (read === undefined || !onlySpaceFrom(text, read.end)) return undefined;
  return negative ? -read.value : read.value;
}

/** tonumber(s, base) for a base in 2..36: C's strtoul, then the unsigned long as a double. */
export function toNumberBase(s: LuaString, base: number): number | undefined {
  const text = cString(s);
  let i = 0;
  while (i < text.length && isCSpace(text.charCodeAt(i))) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  if (base === 16 && text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && hexDigitValue(text.charCodeAt(i + 2)) >= 0) i += 2;
  const bigBase = BigInt(base);
  let value = 0n;
  let digitCount = 0;
  for (; i < text.length; i++, digitCount++) {
    const code = text.charCodeAt(i);
    const lower = code | 0x20;
    const digit = isDigit(code) ? code - 48 : lower >= 97 && lower <= 122 ? lower - 87 : 99;
    if (digit >= base) break;
    // Past 2^64 the result is ULONG_MAX whatever follows; stop growing the number.
    if (value <= 0xffffffffffffffffn) value = value * bigBase + BigInt(digit);
  }
  if (digitCount === 0 || !onlySpaceFrom(text, i)) return undefined;
  if (value > 0xffffffffffffffffn) return 2 ** 64; // ULONG_MAX as a double
  if (negative) value = (1n << 64n) - value; // strtoul negates in unsigned arithmetic
  return Number(value & 0xffffffffffffffffn);
}
