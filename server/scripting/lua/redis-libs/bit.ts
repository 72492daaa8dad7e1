/**
 * The bit library Redis 7.0 gives scripts (LuaBitOp 1.0.2): tobit, tohex, bnot, band, bor,
 * bxor, lshift, rshift, arshift, rol, ror, bswap. Results are signed 32-bit numbers.
 *
 * How a Lua number becomes 32 bits (the observable rule of LuaBitOp's conversion): add
 * 2^52 + 2^51 to the double and keep the low 32 bits of the sum's bit pattern. The addition
 * rounds to an integer the way the FPU does (to nearest, ties to even: 2.5 → 2, 3.5 → 4,
 * -2.5 → -2), and for any value of moderate size the low word is that integer modulo 2^32
 * (2^32 + 7 → 7, 2^31 → -2^31). For huge values it is whatever bits the sum keeps (2^53 → 0,
 * 1e300 → -2013235812); inf and nan give 0. The same addition is done here on a JS double and
 * the low word read back, so every case matches.
 *
 * Arguments: lua_tonumber, so numeric strings ("0x10", " 12 ") work; a result of 0 from a
 * value that is not a number is "bad argument #n to 'band' (number expected, got string)".
 * band/bor/bxor read their arguments from the last to the second, then the first, so the
 * highest bad argument is the one reported. Shift counts use their low 5 bits. tohex(x, n):
 * n digits (default 8, at most 8), upper case when n is negative.
 */
import { LuaTable } from '../table';
import { NativeFunction, type LuaRuntime, type LuaValue } from '../values';
import { argTypeName, argError, toNumber } from '../lib-args';

const bits = new DataView(new ArrayBuffer(8));
/** 2^52 + 2^51: adding it leaves the integer part of a moderate number in the low word. */
const MAGIC = 6755399441055744;

/** The low 32 bits (unsigned) of (n + 2^52 + 2^51) as stored in a double. */
function lowWordAfterMagic(n: number): number {
  bits.setFloat64(0, n + MAGIC, true);
  return bits.getUint32(0, true);
}

/** barg(): argument n as an unsigned 32-bit value. */
function bitArgument(rt: LuaRuntime, args: LuaValue[], n: number, name: string): number {
  const number = toNumber(args[n - 1]);
  const word = lowWordAfterMagic(number ?? 0);
  if (word === 0 && number === undefined) {
    argError(rt, n, name, `number expected, got ${argTypeName(args, n)}`);
  }
  return word;
}

/** A 32-bit result as the signed number LuaBitOp returns. */
function result(word: number): LuaValue[] {
  return [word | 0];
}

export function openBit(): LuaTable {
  // luaL_register creates the table with room for its 12 functions, then adds them in order.
  const library = new LuaTable(0, 12);
  const define = (name: string, body: (rt: LuaRuntime, args: LuaValue[]) => LuaValue[]): void => {
    library.setStr(name, new NativeFunction(name, body));
  };
  const defineVariadic = (name: string, combine: (a: number, b: number) => number): void => {
    define(name, (rt, args) => {
      let word = bitArgument(rt, args, 1, name);
      for (let n = args.length; n > 1; n--) word = combine(word, bitArgument(rt, args, n, name));
      return result(word);
    });
  };
  const defineShift = (name: string, shift: (word: number, count: number) => number): void => {
    define(name, (rt, args) => {
      const word = bitArgument(rt, args, 1, name);
      const count = bitArgument(rt, args, 2, name) & 31;
      return result(shift(word, count));
    });
  };

  define('tobit', (rt, args) => result(bitArgument(rt, args, 1, 'tobit')));
  define('bnot', (rt, args) => result(~bitArgument(rt, args, 1, 'bnot')));
  defineVariadic('band', (a, b) => a & b);
  defineVariadic('bor', (a, b) => a | b);
  defineVariadic('bxor', (a, b) => a ^ b);
  defineShift('lshift', (word, count) => word << count);
  defineShift('rshift', (word, count) => word >>> count);
  defineShift('arshift', (word, count) => (word | 0) >> count);
  // C's `b >> 32` for a count of 0 shifts by 0 on x86 (the count is taken mod 32): b | b = b.
  defineShift('rol', (word, count) => (word << count) | (word >>> (32 - count)));
  defineShift('ror', (word, count) => (word >>> count) | (word << (32 - count)));
  define('bswap', (rt, args) => {
    const word = bitArgument(rt, args, 1, 'bswap');
    return result(((word >>> 24) | ((word >>> 8) & 0xff00) | ((word & 0xff00) << 8) | (word << 24)) >>> 0);
  });
  define('tohex', (rt, args) => {
    let word = bitArgument(rt, args, 1, 'tohex');
    // lua_isnone: only a missing second argument means 8; an explicit nil is an error.
    let digits = args.length < 2 ? 8 : bitArgument(rt, args, 2, 'tohex') | 0;
    let alphabet = '0123456789abcdef';
    if (digits < 0) {
      digits = -digits;
      alphabet = '0123456789ABCDEF';
    }
    // -(-2^31) overflows in C, yet the compiled code acts as if it were 2^31 (so 8), as JS does.
    if (digits > 8) digits = 8;
    let out = '';
    for (let i = 0; i < digits; i++) {
      out = alphabet.charAt(word & 15) + out;
      word >>>= 4;
    }
    return [out];
  });
  return library;
}
