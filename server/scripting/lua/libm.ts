/**
 * C's math (glibc on x86-64, what Redis's Lua calls) where JS's Math answers differently.
 *
 * pow. C99 gives pow(1, y) = 1 and pow(x, ±0) = 1 for any y and x, NaN included, and
 * pow(-1, ±inf) = 1; JS gives NaN for 1^NaN, 1^±inf and (-1)^±inf.
 *
 * NaN signs. Lua prints a NaN as "nan" or "-nan" after its sign bit (glibc's printf), so the sign
 * of every NaN a script can see must be the one C computes:
 *   - a NaN operand comes back as itself (its sign kept): floor(-nan) is -nan, floor(nan) nan;
 *     fabs clears the sign;
 *   - a NaN made from numbers by an invalid operation is x86's default NaN, whose sign bit is
 *     set: 0/0, inf - inf, sqrt(-1), and in glibc pow(-8, 1/3), log(-1), fmod(7, 0),
 *     sin(inf)... all print "-nan";
 *   - except where glibc returns a NaN of its own making, positive: acos(2), asin(2), log10(-1).
 * V8 computes the same bits for arithmetic (it uses the same instructions), but its Math
 * functions return one canonical, positive NaN; the functions below restore C's. And V8 may
 * canonicalize a NaN it stores in an array of doubles only (`[x]` with a number x), until the
 * code is optimized: a native function returns its number in an array of any values instead
 * (oneResult), whose elements keep their bits.
 */
import { nanWithSign } from './numbers';
import type { LuaValue } from './values';

/** x86's default NaN (sign bit set): what an invalid operation on numbers makes. */
export const DEFAULT_NAN = nanWithSign(true);
/** A NaN with the sign bit clear. */
export const POSITIVE_NAN = nanWithSign(false);

/** C's pow(x, y). */
export function cPow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (Number.isNaN(x)) return x;
  if (Number.isNaN(y)) return y;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  // A negative finite base and a finite exponent that is not an integer: an invalid operation.
  if (x < 0 && x > -Infinity && Number.isFinite(y) && !Number.isInteger(y)) return DEFAULT_NAN;
  return Math.pow(x, y);
}

/** C's fmod(x, y). */
export function cFmod(x: number, y: number): number {
  if (Number.isNaN(x)) return x;
  if (Number.isNaN(y)) return y;
  if (y === 0 || !Number.isFinite(x)) return DEFAULT_NAN;
  return x % y;
}

/** A one-argument C function from JS's: a NaN argument comes back as itself. */
export function keepingNaN(f: (x: number) => number): (x: number) => number {
  return (x) => (Number.isNaN(x) ? x : f(x));
}

/** C's fabs: the sign cleared, a NaN's too. */
export function cFabs(x: number): number {
  return Number.isNaN(x) ? POSITIVE_NAN : Math.abs(x);
}

/** C's atan2(y, x): a NaN argument comes back as itself, y's first. */
export function cAtan2(y: number, x: number): number {
  if (Number.isNaN(y)) return y;
  if (Number.isNaN(x)) return x;
  return Math.atan2(y, x);
}

/** A C function whose invalid arguments (`invalid(x)`) give `nan`, NaN kept, else JS's `f`. */
export function withDomain(f: (x: number) => number, invalid: (x: number) => boolean, nan: number): (x: number) => number {
  return (x) => (Number.isNaN(x) ? x : invalid(x) ? nan : f(x));
}

/** A native function's one result, in an array that keeps a NaN's sign (see above). */
export function oneResult(value: LuaValue): LuaValue[] {
  const results: LuaValue[] = [undefined];
  results[0] = value;
  return results;
}

/** Two results, kept as oneResult keeps one. */
export function twoResults(first: LuaValue, second: LuaValue): LuaValue[] {
  const results: LuaValue[] = [undefined, undefined];
  results[0] = first;
  results[1] = second;
  return results;
}
