/**
 * Number parsing and formatting with Redis's exact rules.
 *
 * Redis accepts an integer argument or stored value only in one canonical decimal form (the
 * rules of its string2ll): optional '-', no '+', no leading zeros, no spaces, within signed
 * 64 bits. Anything else is "not an integer". Values beyond 2^53 are handled with BigInt so that
 * INCR on 9223372036854775806 behaves exactly like Redis.
 * (INCRBYFLOAT's long double arithmetic lives in long-double.ts.)
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
