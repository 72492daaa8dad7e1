/**
 * The struct library Redis 7.0 gives scripts (Roberto Ierusalimschy's struct 0.2, with Redis's
 * bounds checks): pack(fmt, ...), unpack(fmt, data [, pos]) and size(fmt).
 *
 * A format is read byte by byte, as a C string (a NUL ends it):
 *   >  <     big / little endian (little, x86's, is the default)
 *   !n       maximum alignment n (a power of 2; plain "!" is 8); the default is 1: no padding
 *   space    ignored
 *   b B      signed / unsigned char      h H  short (2)      l L  long (8)     T  size_t (8)
 *   i I      int, 4 bytes, or "i<n>" with n up to 32
 *   f d      float, double
 *   x        one zero byte (skipped when unpacking)
 *   c<n>     n bytes of a string (default 1); "c0": the whole string when packing, and when
 *            unpacking a length taken from the previous result (which it replaces)
 *   s        a zero-terminated string
 * Before each item of size k the position is padded to a multiple of min(k, alignment) with
 * the C expression (k - (pos & (k - 1))) & (k - 1), used as is even when k is not a power of two
 * ("!4 i3" pads 2 bytes at position 0): the observable rule, so kept.
 *
 * Integers are packed from the number cast to a 64-bit integer as C casts it (truncation;
 * negatives through a signed cast, others through an unsigned one, so 2^64 and beyond, inf and
 * nan all pack as 0, or 2^63 for nan and -inf), then written byte by byte from a 64-bit value:
 * sizes above 8 get zero bytes beyond the eighth, even for negative numbers. Unpacking gathers
 * bytes into a 64-bit value (sizes above 8 keep the last 8 bytes read) and sign-extends with a
 * mask shifted by size*8-1 taken modulo 64, as the x86 shift instruction takes it.
 *
 * unpack's start position is a 64-bit integer: 0 is refused ("offset must be 1 or greater") but
 * negatives wrap around to huge positions, so any item then reports "data string too short",
 * and an empty format returns the position as given. (When the wrapped position plus a 'c'
 * size wraps back into the string, C reads memory before the string; here that also reports
 * "data string too short".) Each result takes a Lua stack slot and the C code keeps 2 spare,
 * so past 8000 slots it raises "stack overflow (too many results)".
 *
 * pack's arguments: the C code pushes a nil right after them, so reading one argument too many
 * is "number expected, got nil", two too many "got no value".
 */
import { LuaTable } from '../table';
import { NativeFunction, type LuaRuntime, type LuaValue } from '../values';
import { argError, checkNumber, checkString, optInteger, toNumber } from '../lib-args';
import { doubleBytesBE, doubleFromBytesBE, doubleToInt64, doubleToUint64, floatBytesBE, floatFromBytesBE } from './c-numbers';
import { LUA_C_STACK_LIMIT } from './cjson-decode';

const MAX_ALIGN = 8;
const MAX_INT_SIZE = 32;
const INT_MAX = 2147483647;
const UINT64_MASK = (1n << 64n) - 1n;

interface FormatState {
  format: string;
  /** The next byte of the format to read. */
  position: number;
  littleEndian: boolean;
  align: number;
}

function newFormat(format: string): FormatState {
  const nul = format.indexOf('\0');
  return { format: nul < 0 ? format : format.slice(0, nul), position: 0, littleEndian: true, align: 1 };
}

function isDigitAt(state: FormatState): boolean {
  const c = state.format.charCodeAt(state.position);
  return c >= 48 && c <= 57;
}

/** A decimal size after an option, or `fallback` when none follows. */
function readNumber(rt: LuaRuntime, state: FormatState, fallback: number): number {
  if (!isDigitAt(state)) return fallback;
  let value = 0;
  do {
    const digit = state.format.charCodeAt(state.position) - 48;
    if (value > Math.floor(INT_MAX / 10) || value * 10 > INT_MAX - digit) rt.error('integral size overflow');
    value = value * 10 + digit;
    state.position++;
  } while (isDigitAt(state));
  return value;
}

/** The size of an item (0 for 's' and the control options). */
function optionSize(rt: LuaRuntime, option: string, state: FormatState): number {
  switch (option) {
    case 'b':
    case 'B':
    case 'x':
      return 1;
    case 'h':
    case 'H':
      return 2;
    case 'f':
      return 4;
    case 'l':
    case 'L':
    case 'T':
    case 'd':
      return 8;
    case 'c':
      return readNumber(rt, state, 1);
    case 'i':
    case 'I': {
      const size = readNumber(rt, state, 4);
      if (size > MAX_INT_SIZE) rt.error(`integral size ${size} is larger than limit of ${MAX_INT_SIZE}`);
      return size;
    }
    default:
      return 0;
  }
}

/** Padding before an item of `size` at `position` (only its low bits matter). */
function padding(position: number, state: FormatState, option: string, size: number): number {
  if (size === 0 || option === 'c') return 0;
  const unit = Math.min(size, state.align);
  return (unit - (position & (unit - 1))) & (unit - 1);
}

/** Endianness, alignment and spaces; anything else is an invalid option. */
function controlOption(rt: LuaRuntime, option: string, state: FormatState, name: string): void {
  switch (option) {
    case ' ':
      return;
    case '>':
      state.littleEndian = false;
      return;
    case '<':
      state.littleEndian = true;
      return;
    case '!': {
      const align = readNumber(rt, state, MAX_ALIGN);
      if (align <= 0 || (align & (align - 1)) !== 0) rt.error(`alignment ${align} is not a power of 2`);
      state.align = align;
      return;
    }
    default:
      argError(rt, 1, name, `invalid format option '${option}'`);
  }
}

function isIntegerOption(option: string): boolean {
  return 'bBhHlLTiI'.includes(option);
}

/** The bytes of an integer item, in the order they are written. */
function integerBytes(n: number, size: number, littleEndian: boolean): string {
  let value = n < 0 ? BigInt.asUintN(64, doubleToInt64(n)) : doubleToUint64(n);
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    out.push(Number(value & 0xffn));
    value >>= 8n;
  }
  if (!littleEndian) out.reverse();
  return String.fromCharCode(...out);
}

function ordered(bigEndianBytes: number[], littleEndian: boolean): string {
  return String.fromCharCode(...(littleEndian ? bigEndianBytes.reverse() : bigEndianBytes));
}

function pack(rt: LuaRuntime, args: LuaValue[]): LuaValue[] {
  const state = newFormat(checkString(rt, args, 1, 'pack'));
  // The nil the C code pushes after the arguments: one argument too many reads it.
  const values = args.slice();
  values.push(undefined);
  const out: string[] = [];
  let argument = 2;
  let total = 0;
  while (state.position < state.format.length) {
    const option = state.format.charAt(state.position++);
    let size = optionSize(rt, option, state);
    const pad = padding(total, state, option, size);
    total += pad;
    out.push('\0'.repeat(pad));
    if (isIntegerOption(option)) {
      out.push(integerBytes(checkNumber(rt, values, argument++, 'pack'), size, state.littleEndian));
    } else if (option === 'x') {
      out.push('\0');
    } else if (option === 'f') {
      out.push(ordered(floatBytesBE(checkNumber(rt, values, argument++, 'pack')), state.littleEndian));
    } else if (option === 'd') {
      out.push(ordered(doubleBytesBE(checkNumber(rt, values, argument++, 'pack')), state.littleEndian));
    } else if (option === 'c' || option === 's') {
      const text = checkString(rt, values, argument++, 'pack');
      if (size === 0) size = text.length;
      // The C code checks after moving to the next argument, so it names that one.
      if (text.length < size) argError(rt, argument, 'pack', 'string too short');
      out.push(text.slice(0, size));
      if (option === 's') {
        out.push('\0');
        size++;
      }
    } else {
      controlOption(rt, option, state, 'pack');
    }
    total += size;
  }
  return [out.join('')];
}

function readInteger(data: string, at: number, size: number, littleEndian: boolean, signed: boolean): number {
  let value = 0n;
  for (let i = 0; i < size; i++) {
    const byte = data.charCodeAt(littleEndian ? at + size - 1 - i : at + i);
    value = ((value << 8n) | BigInt(byte)) & UINT64_MASK;
  }
  if (!signed) return Number(value);
  const mask = (UINT64_MASK << BigInt((size * 8 - 1) & 63)) & UINT64_MASK;
  if ((value & mask) !== 0n) value |= mask;
  return Number(BigInt.asIntN(64, value));
}

function bytesAt(data: string, at: number, length: number, littleEndian: boolean): number[] {
  const out = Array.from({ length }, (_, i) => data.charCodeAt(at + i));
  return littleEndian ? out.reverse() : out;
}

function unpack(rt: LuaRuntime, args: LuaValue[]): LuaValue[] {
  const state = newFormat(checkString(rt, args, 1, 'unpack'));
  const data = checkString(rt, args, 2, 'unpack');
  const start = BigInt(optInteger(rt, args, 3, 'unpack', 1));
  if (start === 0n) argError(rt, 3, 'unpack', 'offset must be 1 or greater');
  const length = BigInt(data.length);
  let position = BigInt.asUintN(64, start - 1n);
  const results: LuaValue[] = [];
  const tooShort = (): never => argError(rt, 2, 'unpack', 'data string too short');
  while (state.position < state.format.length) {
    const option = state.format.charAt(state.position++);
    let size = optionSize(rt, option, state);
    position = BigInt.asUintN(64, position + BigInt(padding(Number(position & 63n), state, option, size)));
    const end = BigInt.asUintN(64, position + BigInt(size));
    if (end > length || position > length) tooShort();
    if (args.length + results.length + 2 > LUA_C_STACK_LIMIT) rt.error('stack overflow (too many results)');
    const at = Number(position);
    if (isIntegerOption(option)) {
      results.push(readInteger(data, at, size, state.littleEndian, option === option.toLowerCase()));
    } else if (option === 'f') {
      results.push(floatFromBytesBE(bytesAt(data, at, 4, state.littleEndian)));
    } else if (option === 'd') {
      results.push(doubleFromBytesBE(bytesAt(data, at, 8, state.littleEndian)));
    } else if (option === 'c') {
      if (size === 0) {
        const previous = results.length > 0 ? toNumber(results[results.length - 1]) : undefined;
        if (previous === undefined) rt.error("format 'c0' needs a previous size");
        results.pop();
        const wanted = doubleToUint64(previous);
        if (wanted > length || position > length - wanted) tooShort();
        size = Number(wanted);
      }
      results.push(data.slice(at, at + size));
    } else if (option === 's') {
      const nul = data.indexOf('\0', at);
      if (nul < 0) rt.error('unfinished string in data');
      size = nul - at + 1;
      results.push(data.slice(at, nul));
    } else if (option !== 'x') {
      controlOption(rt, option, state, 'unpack');
    }
    position = BigInt.asUintN(64, position + BigInt(size));
  }
  results.push(Number(BigInt.asIntN(64, position + 1n)));
  return results;
}

function size(rt: LuaRuntime, args: LuaValue[]): LuaValue[] {
  const state = newFormat(checkString(rt, args, 1, 'size'));
  let position = 0;
  while (state.position < state.format.length) {
    const option = state.format.charAt(state.position++);
    const itemSize = optionSize(rt, option, state);
    position += padding(position, state, option, itemSize);
    if (option === 's') argError(rt, 1, 'size', "option 's' has no fixed size");
    else if (option === 'c' && itemSize === 0) argError(rt, 1, 'size', "option 'c0' has no fixed size");
    // Unknown letters and digits are skipped (size 0); other bytes must be control options.
    if (!/^[0-9A-Za-z]$/.test(option)) controlOption(rt, option, state, 'size');
    position += itemSize;
  }
  return [position];
}

export function openStruct(): LuaTable {
  // luaL_register creates the table with room for its 3 functions, then adds them in order.
  const library = new LuaTable(0, 3);
  library.setStr('pack', new NativeFunction('pack', pack));
  library.setStr('unpack', new NativeFunction('unpack', unpack));
  library.setStr('size', new NativeFunction('size', size));
  return library;
}
