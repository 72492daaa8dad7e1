/**
 * Exact emulation of the x87 80-bit `long double` that Redis uses for INCRBYFLOAT and
 * HINCRBYFLOAT, so their replies match Redis byte for byte.
 *
 * Redis parses both operands with strtold, adds them in long double, and prints the sum with
 * "%.17Lf" (trailing zeros removed). Long double has a 64-bit mantissa, so 5000 + 5.6 prints as
 * 5005.60000000000000009: the binary rounding of 5.6 shows in the 17th decimal. No JavaScript
 * number can reproduce that, so values here are exact BigInt fractions:
 *
 *     value = (negative ? -1 : 1) * mantissa * 2^exponent,   2^63 <= mantissa < 2^64
 *
 * and every step rounds exactly as the hardware does (round half to even to 64 bits), with
 * printing done on the exact binary value as glibc's printf does.
 */

export interface LongDouble {
  readonly negative: boolean;
  /** 0 for zero, else in [2^63, 2^64). */
  readonly mantissa: bigint;
  readonly exponent: number;
}

export type ParsedLongDouble = LongDouble | 'inf' | '-inf';

const ZERO: LongDouble = { negative: false, mantissa: 0n, exponent: 0 };
/** Largest binary exponent of a finite long double (value < 2^16384). */
const MAX_EXPONENT = 16384;
/** Below 2^-16445 even a subnormal long double is zero. */
const MIN_EXPONENT = -16445;
/** Redis refuses float strings of this many characters or more (MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^([+-]?)(inf|infinity)$/i;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * Rounds the exact value (num + sticky fraction) * 2^exp2 to a 64-bit mantissa, half to even.
 * `sticky` says whether nonzero bits were already dropped below num.
 */
function round64(negative: boolean, num: bigint, exp2: number, sticky = false): LongDouble | 'overflow' | 'underflow' {
  if (num === 0n) return sticky ? 'underflow' : { ...ZERO, negative };
  const bits = bitLength(num);
  let mantissa: bigint;
  let exponent: number;
  if (bits > 64) {
    const shift = bits - 64;
    mantissa = num >> BigInt(shift);
    const rest = num & ((1n << BigInt(shift)) - 1n);
    const half = 1n << BigInt(shift - 1);
    if (rest > half || (rest === half && (sticky || (mantissa & 1n) === 1n))) mantissa += 1n;
    exponent = exp2 + shift;
    if (mantissa === 1n << 64n) {
      mantissa >>= 1n;
      exponent += 1;
    }
  } else {
    mantissa = num << BigInt(64 - bits);
    exponent = exp2 - (64 - bits);
  }
  if (exponent + 64 > MAX_EXPONENT) return 'overflow';
  if (exponent + 64 < MIN_EXPONENT) return 'underflow';
  return { negative, mantissa, exponent };
}

/** Exactly numerator / denominator, rounded to a long double. */
function fromFraction(negative: boolean, numerator: bigint, denominator: bigint): LongDouble | 'overflow' | 'underflow' {
  if (numerator === 0n) return { ...ZERO, negative };
  // Scale so the quotient carries at least 66 significant bits, then round once.
  const shift = Math.max(0, 66 - (bitLength(numerator) - bitLength(denominator)));
  const scaled = numerator << BigInt(shift);
  const quotient = scaled / denominator;
  return round64(negative, quotient, -shift, scaled % denominator !== 0n);
}

/**
 * Parses a float string with strtold's syntax as Redis's string2ld accepts it: no leading
 * space, the whole string consumed, not NaN, no overflow or underflow to zero. Null when
 * Redis would say "value is not a valid float".
 */
export function parseLongDouble(text: string): ParsedLongDouble | null {
  if (text.length === 0 || text.length >= MAX_CHARS) return null;
  const inf = INFINITY.exec(text);
  if (inf !== null) return inf[1] === '-' ? '-inf' : 'inf';
  let result: LongDouble | 'overflow' | 'underflow';
  const hex = HEX.exec(text);
  if (hex !== null) {
    const [, sign = '', whole = '', frac = '', exp = '0'] = hex;
    if (whole === '' && frac === '') return null;
    const digits = BigInt('0x' + (whole + frac || '0'));
    result = round64(sign === '-', digits, Number(exp) - 4 * frac.length);
  } else {
    const dec = DECIMAL.exec(text);
    if (dec === null) return null;
    const [, sign = '', whole = '', frac = '', exp = '0'] = dec;
    if (whole === '' && frac === '') return null;
    const digits = BigInt(whole + frac || '0');
    const power = Number(exp) - frac.length;
    if (digits === 0n) return { ...ZERO, negative: sign === '-' };
    // Magnitudes far outside long double's range need no arithmetic to classify.
    const magnitude = (whole + frac).replace(/^0+/, '').length + power;
    if (magnitude > 4940) return null;
    if (magnitude < -4960) return null;
    result =
      power >= 0
        ? round64(sign === '-', digits * 10n ** BigInt(power), 0)
        : fromFraction(sign === '-', digits, 10n ** BigInt(-power));
  }
  return typeof result === 'string' ? null : result;
}

/** a + b rounded to long double; 'inf' when the sum overflows. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | 'inf' {
  const exponent = Math.min(a.exponent, b.exponent);
  const sa = (a.negative ? -a.mantissa : a.mantissa) << BigInt(a.exponent - exponent);
  const sb = (b.negative ? -b.mantissa : b.mantissa) << BigInt(b.exponent - exponent);
  const sum = sa + sb;
  if (sum === 0n) return a.mantissa === 0n && b.mantissa === 0n && a.negative && b.negative ? a : ZERO;
  const rounded = round64(sum < 0n, sum < 0n ? -sum : sum, exponent);
  if (rounded === 'overflow') return 'inf';
  return rounded === 'underflow' ? ZERO : rounded;
}

/** The value as Redis prints it: "%.17Lf", trailing zeros and a trailing '.' removed, "-0" as "0". */
export function formatLongDouble(x: LongDouble): string {
  const DECIMALS = 17n;
  const scale = 10n ** DECIMALS;
  let fixed: bigint;
  if (x.exponent >= 0) {
    fixed = (x.mantissa << BigInt(x.exponent)) * scale;
  } else {
    const shift = BigInt(-x.exponent);
    const scaled = x.mantissa * scale;
    fixed = scaled >> shift;
    const rest = scaled & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    if (rest > half || (rest === half && (fixed & 1n) === 1n)) fixed += 1n;
  }
  const whole = (fixed / scale).toString();
  const fraction = (fixed % scale).toString().padStart(Number(DECIMALS), '0').replace(/0+$/, '');
  const text = fraction === '' ? whole : `${whole}.${fraction}`;
  return x.negative && text !== '0' ? '-' + text : text;
}
