/**
 * Argument checking for library functions written in TypeScript, with the messages of Lua 5.1's
 * auxiliary library (luaL_check*), which scripts see and sometimes match on:
 *
 *   bad argument #1 to 'insert' (table expected, got nil)
 *   bad argument #2 to 'concat' (string expected, got no value)
 *
 * "no value" means the argument was not passed at all (args.length < n), which Lua tells apart
 * from an explicit nil. Every error goes through rt.error, which prefixes the position of the
 * calling script ("user_script:1: "), as luaL_error does.
 *
 * Conversions follow the C API: a number argument may be given as a numeric string ("10",
 * " 0x1A ", "1e3"), and a string argument may be given as a number (formatted as "%.14g").
 * Integers are taken as lua_tointeger takes them on x86-64: truncated toward zero, and anything
 * outside the 64-bit range (or NaN) becomes -2^63; luaL_checkint then keeps the low 32 bits.
 */
import { numberToString, stringToNumber } from './numbers';
import { LuaTable } from './table';
import { LuaFunction, luaType, type LuaRuntime, type LuaString, type LuaValue } from './values';

/** luaL_typename of argument n, or "no value" when it was not passed. */
export function argTypeName(args: LuaValue[], n: number): string {
  return n > args.length ? 'no value' : luaType(args[n - 1]);
}

/** Is argument n absent or nil (lua_isnoneornil)? */
export function isNoneOrNil(args: LuaValue[], n: number): boolean {
  return args[n - 1] === undefined;
}

/**
 * luaL_argerror: "bad argument #n to 'fname' (message)". Like Lua 5.1, the function is named
 * as the calling code named it (a local alias `f`, '?' when called from pcall), falling back to
 * `fname`; in a method call (`s:rep()`) `self` is not counted, and a bad self reads "calling
 * 'rep' on bad self".
 */
export function argError(rt: LuaRuntime, n: number, fname: string, message: string): never {
  const callee = rt.calleeName?.();
  const name = callee === undefined ? fname : callee === null ? '?' : callee.name;
  if (callee?.isMethod === true) {
    if (n === 1) return rt.error(`calling '${name}' on bad self (${message})`);
    return rt.error(`bad argument #${n - 1} to '${name}' (${message})`);
  }
  return rt.error(`bad argument #${n} to '${name}' (${message})`);
}

/** luaL_typerror: "bad argument #n to 'fname' (EXPECTED expected, got ACTUAL)". */
export function typeError(rt: LuaRuntime, args: LuaValue[], n: number, fname: string, expected: string): never {
  return argError(rt, n, fname, `${expected} expected, got ${argTypeName(args, n)}`);
}

/** luaL_checkany: any value, even nil, but it must be passed. */
export function checkAny(rt: LuaRuntime, args: LuaValue[], n: number, fname: string): LuaValue {
  if (n > args.length) argError(rt, n, fname, 'value expected');
  return args[n - 1];
}

export function checkTable(rt: LuaRuntime, args: LuaValue[], n: number, fname: string): LuaTable {
  const value = args[n - 1];
  if (value instanceof LuaTable) return value;
  return typeError(rt, args, n, fname, 'table');
}

export function checkFunction(rt: LuaRuntime, args: LuaValue[], n: number, fname: string): LuaFunction {
  const value = args[n - 1];
  if (value instanceof LuaFunction) return value;
  return typeError(rt, args, n, fname, 'function');
}

// ---- numbers -----------------------------------------------------------------------------------

/** lua_tonumber: numbers, and strings that read as numbers; otherwise undefined. */
export function toNumber(value: LuaValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return stringToNumber(value);
  return undefined;
}

/** luaL_checknumber */
export function checkNumber(rt: LuaRuntime, args: LuaValue[], n: number, fname: string): number {
  const number = toNumber(args[n - 1]);
  if (number === undefined) return typeError(rt, args, n, fname, 'number');
  return number;
}

/** luaL_optnumber: the default when the argument is absent or nil. */
export function optNumber(rt: LuaRuntime, args: LuaValue[], n: number, fname: string, fallback: number): number {
  return isNoneOrNil(args, n) ? fallback : checkNumber(rt, args, n, fname);
}

const INT64_MIN = -(2 ** 63);

/** lua_Integer from a double as x86-64 C converts it: truncation; NaN and overflow give -2^63. */
export function toInteger(number: number): number {
  if (!(number >= INT64_MIN && number < 2 ** 63)) return INT64_MIN;
  return Math.trunc(number) + 0; // + 0 turns -0 into 0
}

/** The C `int` a lua_Integer becomes in luaL_checkint: its low 32 bits, signed. */
function toInt32(integer: number): number {
  return integer === INT64_MIN ? 0 : integer | 0;
}

/** luaL_checkinteger (lua_Integer: 64 bits, held as a double). */
export function checkInteger(rt: LuaRuntime, args: LuaValue[], n: number, fname: string): number {
  return toInteger(checkNumber(rt, args, n, fname));
}

export function optInteger(rt: LuaRuntime, args: LuaValue[], n: number, fname: string, fallback: number): number {
  return isNoneOrNil(args, n) ? fallback : checkInteger(rt, args, n, fname);
}

/** luaL_checkint: a C int (what the table library uses for positions). */
export function checkInt(rt: LuaRuntime, args: LuaValue[], n: number, fname: string): number {
  return toInt32(checkInteger(rt, args, n, fname));
}

export function optInt(rt: LuaRuntime, args: LuaValue[], n: number, fname: string, fallback: number): number {
  return isNoneOrNil(args, n) ? fallback : checkInt(rt, args, n, fname);
}

// ---- strings -----------------------------------------------------------------------------------

/** lua_tolstring: strings, and numbers formatted as %.14g; otherwise undefined. */
export function toLuaString(value: LuaValue): LuaString | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberToString(value);
  return undefined;
}

/** luaL_checkstring */
export function checkString(rt: LuaRuntime, args: LuaValue[], n: number, fname: string): LuaString {
  const string = toLuaString(args[n - 1]);
  if (string === undefined) return typeError(rt, args, n, fname, 'string');
  return string;
}

/** luaL_optstring: the default when the argument is absent or nil. */
export function optString(rt: LuaRuntime, args: LuaValue[], n: number, fname: string, fallback: LuaString): LuaString {
  return isNoneOrNil(args, n) ? fallback : checkString(rt, args, n, fname);
}
