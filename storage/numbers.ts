/**
 * Number parsing and formatting with Redis's exact rules.
 *
 * Redis accepts an integer argument or stored value only in one canonical decimal form (the
 * rules of its string2ll): optional '-', no '+', no leading zeros, no spaces, within signed
 * 64 bits. Anything else is "not an integer". Values beyond 2^53 are handled with BigInt so that
 * INCR on 9223372036854775806 behaves exactly like Redis.
 *
 * INCRBYFLOAT works in C long double in Redis and prints the result with 17 decimals, trailing
 * zeros removed. A JavaScript double cannot reproduce that (0.1 + 0.2 would print as
 * 0.30000000000000004), so float increments are done on exact decimals (BigInt mantissa and a
 * power-of-ten exponent) and rounded to 17 decimals, which matches Redis whenever long double's
 * ~19 significant digits are exact.
 */

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** Parses a canonical signed 64-bit decimal integer; null when `s` is not one. */
export function parseInt64(s: string): bigint | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  if (s.charCodeAt(0) === 0x2d) {
    if (len === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 0x30) return len === 1 ? 0n : null;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  const value = BigInt(s);
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

/**
 * Parses a canonical integer that fits a double exactly (|n| < 2^53): the fast path for INCR,
 * EXPIRE, indexes and counts. Null when `s` is not canonical or is out of that range; callers
 * that need the full 64-bit range fall back to parseInt64.
 */
export function parseSafeInt(s: string): number | null {
  const len = s.length;
  if (len === 0 || len > 16) return null;
  let i = 0;
  let negative = false;
  if (s.charCodeAt(0) === 0x2d) {
    if (len === 1) return null;
    negative = true;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 0x30) return len === 1 ? 0 : null;
  let value = 0;
  for (; i < len; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return null;
    value = value * 10 + d;
  }
  if (value > Number.MAX_SAFE_INTEGER) return null;
  return negative ? -value : value;
}

/** Whether a stored string would be kept by Redis in its "int" encoding. */
export function isInt64String(s: string): boolean {
  return parseSafeInt(s) !== null || parseInt64(s) !== null;
}

// -------------------------------------------------------------------------------------------------
// Exact decimals for INCRBYFLOAT

/** value = mantissa * 10^exponent */
export interface Decimal {
  mantissa: bigint;
  exponent: number;
}

/** Longest float string Redis accepts (MAX_LONG_DOUBLE_CHARS). */
const MAX_FLOAT_CHARS = 5 * 1024;
const DECIMAL_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a float the way Redis's string2ld accepts it (strtold syntax, no surrounding spaces,
 * not NaN). Infinity is returned as null here: an increment involving it can only produce
 * NaN or Infinity, which Redis refuses with its own error.
 */
export function parseDecimal(s: string): Decimal | 'inf' | null {
  if (s.length === 0 || s.length > MAX_FLOAT_CHARS) return null;
  if (!DECIMAL_RE.test(s)) {
    if (/^[+-]?(inf|infinity)$/i.test(s)) return 'inf';
    return null;
  }
  let body = s;
  let exponent = 0;
  const e = body.search(/[eE]/);
  if (e >= 0) {
    exponent = Number(body.slice(e + 1));
    body = body.slice(0, e);
  }
  const dot = body.indexOf('.');
  if (dot >= 0) {
    exponent -= body.length - dot - 1;
    body = body.slice(0, dot) + body.slice(dot + 1);
  }
  if (!Number.isFinite(exponent) || Math.abs(exponent) > 10000) return 'inf';
  return { mantissa: BigInt(body === '' || body === '+' || body === '-' ? '0' : body), exponent };
}

export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const exponent = Math.min(a.exponent, b.exponent);
  const ma = a.mantissa * 10n ** BigInt(a.exponent - exponent);
  const mb = b.mantissa * 10n ** BigInt(b.exponent - exponent);
  return { mantissa: ma + mb, exponent };
}

/** Largest magnitude a long double holds; beyond it Redis reports an overflow to Infinity. */
const LONG_DOUBLE_MAX_DIGITS = 4932;

/** Whether the decimal overflows long double (Redis then refuses the increment). */
export function decimalOverflows(d: Decimal): boolean {
  if (d.mantissa === 0n) return false;
  const digits = (d.mantissa < 0n ? -d.mantissa : d.mantissa).toString().length;
  return digits + d.exponent > LONG_DOUBLE_MAX_DIGITS;
}

/** Formats like Redis's "%.17Lf" with trailing zeros (and a trailing dot) removed. */
export function formatDecimal(d: Decimal): string {
  let { mantissa, exponent } = d;
  const negative = mantissa < 0n;
  if (negative) mantissa = -mantissa;
  if (exponent < -17) {
    // Round half to even at the 17th decimal.
    const divisor = 10n ** BigInt(-17 - exponent);
    const q = mantissa / divisor;
    const r = mantissa % divisor;
    const twice = r * 2n;
    mantissa = twice > divisor || (twice === divisor && q % 2n === 1n) ? q + 1n : q;
    exponent = -17;
  }
  let digits = mantissa.toString();
  if (exponent >= 0) {
    digits += '0'.repeat(exponent);
  } else {
    const frac = -exponent;
    if (digits.length <= frac) digits = '0'.repeat(frac - digits.length + 1) + digits;
    digits = digits.slice(0, digits.length - frac) + '.' + digits.slice(digits.length - frac);
    digits = digits.replace(/0+$/, '').replace(/\.$/, '');
  }
  if (negative && digits !== '0') digits = '-' + digits;
  return digits;
}

/**
 * Formats a double exactly as C's "%.17g" (what Redis 7.0 uses for scores and float replies),
 * with Redis's names for the infinities: 1.1 prints as 1.1000000000000001, 1e20 as 1e+20.
 */
export function formatDouble(n: number): string {
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isNaN(n)) return 'nan';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa = '', exp = '0'] = n.toExponential(16).split('e');
  const x = Number(exp);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  let out: string;
  if (x < -4 || x >= 17) {
    const m = trimFraction(digits[0] + '.' + digits.slice(1));
    out = `${m}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  } else if (x >= 0) {
    out = trimFraction(digits.slice(0, x + 1) + '.' + digits.slice(x + 1));
  } else {
    out = trimFraction('0.' + '0'.repeat(-x - 1) + digits);
  }
  return negative ? '-' + out : out;
}

function trimFraction(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
