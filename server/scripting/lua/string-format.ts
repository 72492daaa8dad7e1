/**
 * string.format as Lua 5.1.5 does it: each %-conversion is handed to C's sprintf (glibc), so
 * the result is printf's, with a few Lua rules on top. This file re-creates both layers.
 *
 * Lua's layer:
 * - A conversion is '%', at most 5 flag characters from "-+ #0" (more: "invalid format
 *   (repeated flags)"), a width of at most 2 digits, optionally '.' and a precision of at most
 *   2 digits (a third digit: "invalid format (width or precision too long)"), and a letter:
 *   d i (as a C long: the double is truncated toward zero; NaN and anything out of the 64-bit
 *   range give -2^63, as x86-64's conversion does), o u x X (as an unsigned long: negative
 *   numbers wrap modulo 2^64), c (as a C int: its low byte), e E f g G, q, s, and %% for '%'.
 *   Any other letter: "invalid option '%y' to 'format'". The argument is counted before the
 *   conversion is read, so a missing one is "bad argument #n to 'format' (no value)".
 * - %q quotes a string so Lua reads it back: '"', '\\' and newline get a backslash (the newline
 *   stays a real newline), '\r' becomes \r, NUL becomes \000, every other byte stays raw. It
 *   ignores flags, width and precision.
 * - %s of a string of 100 bytes or more, with no precision, is copied whole (embedded NULs
 *   included); otherwise it goes through sprintf, which stops at the first NUL byte.
 * - Every sprintf result is appended as a C string, so a NUL it produces ends it: %c of 0
 *   adds nothing (or only the padding before it).
 *
 * printf's layer: '-' left-justifies, '0' pads with zeros after the sign or 0x prefix (not for
 * inf/nan, not for integers with a precision), '+' and ' ' choose the sign of a non-negative
 * signed conversion, '#' adds 0x / a leading 0 / keeps the point and the trailing zeros of
 * %g. The floating conversions round the exact binary value of the double, an exact tie going
 * to even (glibc), which JS's toFixed does not do; they use the exact decimal expansion from
 * numbers.ts instead.
 */
import { argError, checkNumber, checkString } from './lib-args';
import { exactDecimal, exponentText, layoutG, nonFiniteText, roundDecimal } from './numbers';
import type { LuaRuntime, LuaString, LuaValue } from './values';

const FLAG_CHARS = '-+ #0';

/** One conversion's flags, width and precision. */
interface Spec {
  left: boolean;
  plus: boolean;
  space: boolean;
  alternate: boolean;
  zero: boolean;
  width: number;
  /** undefined when there was no '.'; "%.f" means precision 0. */
  precision: number | undefined;
}

function isDigitAt(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  return code >= 48 && code <= 57;
}

/** Pads `prefix + body` to the width: zeros between them, or spaces on the left or right. */
function pad(spec: Spec, prefix: string, body: string, zeroPadding: boolean): string {
  const missing = spec.width - prefix.length - body.length;
  if (missing <= 0) return prefix + body;
  if (spec.left) return prefix + body + ' '.repeat(missing);
  if (zeroPadding) return prefix + '0'.repeat(missing) + body;
  return ' '.repeat(missing) + prefix + body;
}

const TWO_63 = 2 ** 63;

/** (long)x on x86-64: truncation; NaN and values outside [-2^63, 2^63) give -2^63. */
function toCLong(x: number): bigint {
  if (!(x >= -TWO_63 && x < TWO_63)) return -(1n << 63n);
  return BigInt(Math.trunc(x));
}

/** (unsigned long)x as gcc compiles it on x86-64 (values from 2^63 on are offset first). */
function toCUnsignedLong(x: number): bigint {
  if (x >= TWO_63) return BigInt.asUintN(64, toCLong(x - TWO_63) ^ (1n << 63n));
  return BigInt.asUintN(64, toCLong(x));
}

/** (int)x on x86-64: truncation; NaN and values outside the 32-bit range give -2^31. */
function toCInt(x: number): number {
  if (!(x > -2147483649 && x < 2147483648)) return -2147483648;
  return Math.trunc(x);
}

function formatSigned(spec: Spec, value: bigint): string {
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString();
  if (spec.precision !== undefined) digits = spec.precision === 0 && value === 0n ? '' : digits.padStart(spec.precision, '0');
  const sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return pad(spec, sign, digits, spec.zero && spec.precision === undefined);
}

function formatUnsigned(spec: Spec, value: bigint, conversion: string): string {
  const radix = conversion === 'o' ? 8 : conversion === 'u' ? 10 : 16;
  let digits = value.toString(radix);
  if (conversion === 'X') digits = digits.toUpperCase();
  if (spec.precision !== undefined) digits = spec.precision === 0 && value === 0n ? '' : digits.padStart(spec.precision, '0');
  let prefix = '';
  if (spec.alternate) {
    if (conversion === 'o' && !digits.startsWith('0')) digits = '0' + digits;
    if ((conversion === 'x' || conversion === 'X') && value !== 0n) prefix = conversion === 'x' ? '0x' : '0X';
  }
  return pad(spec, prefix, digits, spec.zero && spec.precision === undefined);
}

/** %f's digits of |x| with `precision` decimals (x finite). */
function fixedText(magnitude: number, precision: number, alternate: boolean): string {
  const point = precision > 0 || alternate ? '.' : '';
  if (magnitude === 0) return '0' + point + '0'.repeat(precision);
  const exact = exactDecimal(magnitude);
  const rounded = roundDecimal(exact, exact.exponent + 1 + precision);
  if (rounded.digits === '') return '0' + point + '0'.repeat(precision);
  const digits = rounded.digits.padEnd(rounded.exponent + 1 + precision, '0');
  if (rounded.exponent >= 0) {
    return digits.slice(0, rounded.exponent + 1) + point + digits.slice(rounded.exponent + 1);
  }
  return '0' + point + ('0'.repeat(-rounded.exponent - 1) + digits);
}

/** %e's text of |x|: d.ddde±XX (x finite). */
function exponentialText(magnitude: number, precision: number, alternate: boolean, upper: boolean): string {
  const point = precision > 0 || alternate ? '.' : '';
  let digits: string;
  let exponent: number;
  if (magnitude === 0) {
    digits = '0'.repeat(precision + 1);
    exponent = 0;
  } else {
    ({ digits, exponent } = roundDecimal(exactDecimal(magnitude), precision + 1));
  }
  return digits[0]! + point + digits.slice(1) + (upper ? 'E' : 'e') + exponentText(exponent);
}

/** %g's text of |x| (x finite). */
function generalText(magnitude: number, precision: number, alternate: boolean, upper: boolean): string {
  const significant = precision === 0 ? 1 : precision;
  if (magnitude === 0) return layoutG('0', 0, significant, alternate, upper);
  const exact = exactDecimal(magnitude);
  const rounded = roundDecimal(exact, significant);
  if (alternate && exact.exponent === significant - 1 && rounded.exponent === significant) {
    // glibc's quirk: a value that was to print in fixed style with no decimals, and whose
    // rounding carried into one more digit, prints as "1.e+XX" with '#', not "1.00000e+XX".
    return '1.' + (upper ? 'E' : 'e') + exponentText(rounded.exponent);
  }
  return layoutG(rounded.digits, rounded.exponent, significant, alternate, upper);
}

function formatFloat(spec: Spec, x: number, conversion: string): string {
  const upper = conversion === 'E' || conversion === 'G';
  const negative = x < 0 || Object.is(x, -0) || (Number.isNaN(x) && nonFiniteText(x) === '-nan');
  const sign = negative ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  if (!Number.isFinite(x)) {
    const text = nonFiniteText(x).replace('-', '');
    return pad(spec, sign, upper ? text.toUpperCase() : text, false);
  }
  const magnitude = Math.abs(x);
  const precision = spec.precision ?? 6;
  let body: string;
  if (conversion === 'f') body = fixedText(magnitude, precision, spec.alternate);
  else if (conversion === 'e' || conversion === 'E') body = exponentialText(magnitude, precision, spec.alternate, upper);
  else body = generalText(magnitude, precision, spec.alternate, upper);
  return pad(spec, sign, body, spec.zero);
}

/** %q: the string as a Lua literal that reads back to the same bytes. */
export function quoteString(s: LuaString): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let escaped: string | undefined;
    if (c === 34) escaped = '\\"';
    else if (c === 92) escaped = '\\\\';
    else if (c === 10) escaped = '\\\n';
    else if (c === 13) escaped = '\\r';
    else if (c === 0) escaped = '\\000';
    if (escaped !== undefined) {
      out += s.slice(runStart, i) + escaped;
      runStart = i + 1;
    }
  }
  return out + s.slice(runStart) + '"';
}

/** What C's strlen would keep of a sprintf result. */
function cutAtNul(text: string): string {
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}

/** string.format(fmt, ...). */
export function stringFormat(rt: LuaRuntime, args: LuaValue[]): LuaString {
  const format = checkString(rt, args, 1, 'format');
  const parts: string[] = [];
  let argIndex = 1;
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent === -1) {
      parts.push(format.slice(i));
      break;
    }
    parts.push(format.slice(i, percent));
    i = percent + 1;
    if (format[i] === '%') {
      parts.push('%');
      i++;
      continue;
    }
    if (++argIndex > args.length) argError(rt, argIndex, 'format', 'no value');
    // Flags, width, precision; C reads the format as a C string, so a NUL ends it.
    const flagsStart = i;
    while (i < format.length && FLAG_CHARS.includes(format[i]!) && format[i] !== '\0') i++;
    if (i - flagsStart >= FLAG_CHARS.length + 1) rt.error('invalid format (repeated flags)');
    const flags = format.slice(flagsStart, i);
    const widthStart = i;
    if (isDigitAt(format, i)) i++;
    if (isDigitAt(format, i)) i++;
    const width = i > widthStart ? Number(format.slice(widthStart, i)) : 0;
    let precision: number | undefined;
    if (format[i] === '.') {
      i++;
      const precisionStart = i;
      if (isDigitAt(format, i)) i++;
      if (isDigitAt(format, i)) i++;
      precision = i > precisionStart ? Number(format.slice(precisionStart, i)) : 0;
    }
    if (isDigitAt(format, i)) rt.error('invalid format (width or precision too long)');
    const spec: Spec = {
      left: flags.includes('-'),
      plus: flags.includes('+'),
      space: flags.includes(' '),
      alternate: flags.includes('#'),
      zero: flags.includes('0'),
      width,
      precision,
    };
    const conversion = format[i] ?? '';
    i++;
    switch (conversion) {
      case 'c': {
        const byte = toCInt(checkNumber(rt, args, argIndex, 'format')) & 0xff;
        parts.push(cutAtNul(pad(spec, '', String.fromCharCode(byte), false)));
        break;
      }
      case 'd':
      case 'i':
        parts.push(formatSigned(spec, toCLong(checkNumber(rt, args, argIndex, 'format'))));
        break;
      case 'o':
      case 'u':
      case 'x':
      case 'X':
        parts.push(formatUnsigned(spec, toCUnsignedLong(checkNumber(rt, args, argIndex, 'format')), conversion));
        break;
      case 'e':
      case 'E':
      case 'f':
      case 'g':
      case 'G':
        parts.push(formatFloat(spec, checkNumber(rt, args, argIndex, 'format'), conversion));
        break;
      case 'q':
        parts.push(quoteString(checkString(rt, args, argIndex, 'format')));
        break;
      case 's': {
        const s = checkString(rt, args, argIndex, 'format');
        if (precision === undefined && s.length >= 100) {
          parts.push(s); // copied as is, NULs and all
        } else {
          let text = cutAtNul(s);
          if (precision !== undefined) text = text.slice(0, precision);
          parts.push(pad(spec, '', text, false));
        }
        break;
      }
      default:
        // The option is a byte; a NUL (or the end of the format) shows as nothing.
        rt.error(`invalid option '%${cutAtNul(conversion)}' to 'format'`);
    }
  }
  return parts.join('');
}
