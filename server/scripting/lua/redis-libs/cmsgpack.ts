/**
 * The cmsgpack library Redis 7.0 gives scripts (lua-cmsgpack 0.4.0): pack, unpack, unpack_one,
 * unpack_limit, and its _NAME/_VERSION/_COPYRIGHT/_DESCRIPTION strings.
 *
 * Packing, as observed on redis-server 7.0.15:
 * - A number whose value is a 64-bit integer takes the smallest integer format (positive fixint,
 *   uint8/16/32/64, negative fixint, int8/16/32/64); -0 is 0. Any other number is a float32 when
 *   converting it to float and back gives it unchanged (1.5, inf), else a float64 (0.1, nan).
 * - Strings: fixstr, str8 (0xd9), str16, str32. Booleans; nil, functions, userdata (cjson.null
 *   too) and coroutines pack as nil.
 * - A table is an array when its keys are exactly 1..n (every key a number in 1..INT_MAX with
 *   an integral value, and the largest equal to the count; {} is an empty array), else a map in
 *   next() order. Tables nested 16 deep pack as nil, which is how self-references end.
 * - pack(a, b, ...) concatenates the encodings; no argument is "bad argument #0 to 'pack'
 *   (MessagePack pack needs input.)"; more than 4000 (the C stack room) "... (Too many arguments
 *   for MessagePack pack.)".
 *
 * Unpacking:
 * - Integers become numbers; uint64 is read as a signed 64-bit integer first, as the C code does
 *   (so 0xcf ff..ff is -1). bin, ext and 0xc1 are "Bad data format in input."; a value cut short
 *   is "Missing bytes in input.". Arrays are filled with t[i] = v from an empty table (a nil
 *   element still inserts its key, as Lua does); maps likewise, so a nil or NaN map key raises
 *   Lua's own "table index is nil" / "table index is NaN", without a script position.
 * - unpack returns every value; unpack_one(s [, offset]) and unpack_limit(s, limit [, offset])
 *   return first the offset where decoding stopped (-1 at the end of the string), then the
 *   values; unpack_limit(s, 0, 0) behaves as unpack. A negative offset or limit, or an offset
 *   past the end, is refused with the messages below (which print the string length as the
 *   "limit", as the C code does).
 * - Every value decoded takes a Lua stack slot, as do an array being filled (two: the table and
 *   the index) and a map (two: the table and the key); past Lua's 8000 slots per C call the C
 *   code raises "stack overflow (...)", reproduced here by counting slots the same way.
 */
import { LuaTable } from '../table';
import { NativeFunction, type LuaRuntime, type LuaValue } from '../values';
import { argError, checkInteger, checkString, optInteger } from '../lib-args';
import { doubleBytesBE, doubleFromBytesBE, floatBytesBE, floatFromBytesBE } from './c-numbers';
import { LUA_C_STACK_LIMIT } from './cjson-decode';

/** LUACMSGPACK_MAX_NESTING: tables at this depth pack as nil. */
const MAX_NESTING = 16;
const TWO_63 = 2 ** 63;
const INT_MAX = 2147483647;

function bytes(...values: number[]): string {
  return String.fromCharCode(...values);
}

function bigEndian(value: bigint, length: number): string {
  let out = '';
  for (let shift = (length - 1) * 8; shift >= 0; shift -= 8) out += String.fromCharCode(Number((value >> BigInt(shift)) & 0xffn));
  return out;
}

function lengthHeader(length: number, fixBase: number, fixMax: number, wide8: number | null, wide16: number, wide32: number): string {
  if (length <= fixMax) return bytes(fixBase | length);
  if (wide8 !== null && length <= 0xff) return bytes(wide8, length);
  if (length <= 0xffff) return bytes(wide16) + bigEndian(BigInt(length), 2);
  return bytes(wide32) + bigEndian(BigInt(length), 4);
}

function packInteger(n: number): string {
  if (n >= 0) {
    if (n <= 127) return bytes(n);
    if (n <= 0xff) return bytes(0xcc, n);
    if (n <= 0xffff) return bytes(0xcd) + bigEndian(BigInt(n), 2);
    if (n <= 0xffffffff) return bytes(0xce) + bigEndian(BigInt(n), 4);
    return bytes(0xcf) + bigEndian(BigInt(n), 8);
  }
  if (n >= -32) return bytes(n & 0xff);
  if (n >= -128) return bytes(0xd0, n & 0xff);
  if (n >= -32768) return bytes(0xd1) + bigEndian(BigInt.asUintN(16, BigInt(n)), 2);
  if (n >= -2147483648) return bytes(0xd2) + bigEndian(BigInt.asUintN(32, BigInt(n)), 4);
  return bytes(0xd3) + bigEndian(BigInt.asUintN(64, BigInt(n)), 8);
}

function packNumber(n: number): string {
  // IS_INT64_EQUIVALENT: finite and unchanged by a cast to int64_t.
  if (Number.isFinite(n) && n >= -TWO_63 && n < TWO_63 && Math.trunc(n) === n) return packInteger(n === 0 ? 0 : n);
  if (Math.fround(n) === n) return bytes(0xca, ...floatBytesBE(n));
  return bytes(0xcb, ...doubleBytesBE(n));
}

/** The rule lua-cmsgpack uses: keys exactly 1..n (n = count of keys). */
function isArray(table: LuaTable): boolean {
  let count = 0;
  let max = 0;
  for (let entry = table.next(undefined); entry !== undefined; entry = table.next(entry[0])) {
    const key = entry[0];
    if (typeof key !== 'number' || key <= 0 || key > INT_MAX || Math.trunc(key) !== key) return false;
    if (key > max) max = key;
    count++;
  }
  return max === count;
}

function packValue(value: LuaValue, level: number, out: string[]): void {
  if (typeof value === 'string') {
    out.push(lengthHeader(value.length, 0xa0, 31, 0xd9, 0xda, 0xdb), value);
  } else if (typeof value === 'boolean') {
    out.push(bytes(value ? 0xc3 : 0xc2));
  } else if (typeof value === 'number') {
    out.push(packNumber(value));
  } else if (value instanceof LuaTable && level < MAX_NESTING) {
    if (isArray(value)) {
      const length = value.length();
      out.push(lengthHeader(length, 0x90, 15, null, 0xdc, 0xdd));
      for (let i = 1; i <= length; i++) packValue(value.getInt(i), level + 1, out);
    } else {
      let count = 0;
      for (let entry = value.next(undefined); entry !== undefined; entry = value.next(entry[0])) count++;
      out.push(lengthHeader(count, 0x80, 15, null, 0xde, 0xdf));
      for (let entry = value.next(undefined); entry !== undefined; entry = value.next(entry[0])) {
        packValue(entry[0], level + 1, out);
        packValue(entry[1], level + 1, out);
      }
    }
  } else {
    out.push(bytes(0xc0));
  }
}

// ---- unpacking ------------------------------------------------------------------------------

/** The decoder ran out of input, or met a byte that starts no supported type. */
class UnpackFailure {
  constructor(readonly message: string) {}
}

const TOO_MANY_VALUES = 'too many return values at once; use unpack_one or unpack_limit instead.';

/** An array or map being filled; `slots`: the Lua stack slots in use before its table. */
interface Container {
  table: LuaTable;
  isArray: boolean;
  /** Elements (or key/value pairs) still to read. */
  remaining: number;
  /** Array: the index of the element being read. */
  index: number;
  /** Map: the key read, waiting for its value. */
  key: LuaValue;
  readingKey: boolean;
  slots: number;
}

/** Marks an item that is an array or map just opened, still to be filled. */
const OPENED = Symbol('opened');

class Unpacker {
  /** The next byte to read. */
  position: number;
  private readonly open: Container[] = [];

  constructor(
    private readonly rt: LuaRuntime,
    private readonly data: string,
    start: number,
  ) {
    this.position = start;
  }

  get left(): number {
    return this.data.length - this.position;
  }

  /** luaL_checkstack(L, 1, what) with `slots` in use. */
  private checkStack(slots: number, what: string): void {
    if (slots + 1 > LUA_C_STACK_LIMIT) this.rt.error(`stack overflow (${what})`);
  }

  private need(count: number): void {
    if (this.left < count) throw new UnpackFailure('Missing bytes in input.');
  }

  private byte(offset: number): number {
    return this.data.charCodeAt(this.position + offset);
  }

  /** An unsigned big-endian integer of `length` bytes at offset 1 of the current item. */
  private unsigned(length: number): bigint {
    let value = 0n;
    for (let i = 1; i <= length; i++) value = (value << 8n) | BigInt(this.byte(i));
    return value;
  }

  private bytesAt(offset: number, length: number): number[] {
    return Array.from({ length }, (_, i) => this.byte(offset + i));
  }

  /** A number item: `length` payload bytes after the type byte. */
  private fixedNumber(length: number, read: () => number): number {
    this.need(1 + length);
    const value = read();
    this.position += 1 + length;
    return value;
  }

  private text(headerLength: number, length: number): string {
    this.need(headerLength + length);
    const start = this.position + headerLength;
    this.position = start + length;
    return this.data.slice(start, start + length);
  }

  /**
   * Decodes one value, without recursion (JS would run out of stack before Lua's 8000 slots
   * do): the arrays and maps being filled are kept on `open`, innermost last.
   * `slots`: the Lua stack slots in use before the value is pushed.
   */
  value(slots: number): LuaValue {
    let value = this.item(slots);
    for (let top = this.open[this.open.length - 1]; top !== undefined; top = this.open[this.open.length - 1]) {
      if (value !== OPENED) {
        if (top.isArray) {
          top.table.set(top.index, value);
          top.remaining--;
        } else if (top.readingKey) {
          top.key = value;
          top.readingKey = false;
        } else {
          top.table.set(top.key, value);
          top.readingKey = true;
          top.remaining--;
        }
      }
      if (top.remaining === 0 && (top.isArray || top.readingKey)) {
        value = top.table;
        this.open.pop();
        continue;
      }
      if (top.isArray) top.index++;
      // An element sits above the table and its index, a key above the table, a value above both.
      value = this.item(top.slots + (top.isArray || !top.readingKey ? 2 : 1));
    }
    return value === OPENED ? undefined : value;
  }

  /** One item: a scalar, or OPENED for an array or map, pushed on `open` to be filled. */
  private item(slots: number): LuaValue | typeof OPENED {
    this.need(1);
    this.checkStack(slots, TOO_MANY_VALUES);
    const type = this.byte(0);
    switch (type) {
      case 0xcc:
        return this.fixedNumber(1, () => this.byte(1));
      case 0xd0:
        return this.fixedNumber(1, () => (this.byte(1) << 24) >> 24);
      case 0xcd:
        return this.fixedNumber(2, () => Number(this.unsigned(2)));
      case 0xd1:
        return this.fixedNumber(2, () => Number(BigInt.asIntN(16, this.unsigned(2))));
      case 0xce:
        return this.fixedNumber(4, () => Number(this.unsigned(4)));
      case 0xd2:
        return this.fixedNumber(4, () => Number(BigInt.asIntN(32, this.unsigned(4))));
      case 0xcf: // read into a signed 64-bit integer by the C code, so >= 2^63 turns negative
      case 0xd3:
        return this.fixedNumber(8, () => Number(BigInt.asIntN(64, this.unsigned(8))));
      case 0xc0:
        this.position++;
        return undefined;
      case 0xc2:
      case 0xc3:
        this.position++;
        return type === 0xc3;
      case 0xca:
        return this.fixedNumber(4, () => floatFromBytesBE(this.bytesAt(1, 4)));
      case 0xcb:
        return this.fixedNumber(8, () => doubleFromBytesBE(this.bytesAt(1, 8)));
      case 0xd9:
        this.need(2);
        return this.text(2, this.byte(1));
      case 0xda:
        this.need(3);
        return this.text(3, Number(this.unsigned(2)));
      case 0xdb:
        this.need(5);
        return this.text(5, Number(this.unsigned(4)));
      case 0xdc:
        this.need(3);
        return this.openContainer(3, Number(this.unsigned(2)), slots, true);
      case 0xdd:
        this.need(5);
        return this.openContainer(5, Number(this.unsigned(4)), slots, true);
      case 0xde:
        this.need(3);
        return this.openContainer(3, Number(this.unsigned(2)), slots, false);
      case 0xdf:
        this.need(5);
        return this.openContainer(5, Number(this.unsigned(4)), slots, false);
    }
    if (type <= 0x7f) {
      this.position++;
      return type;
    }
    if (type >= 0xe0) {
      this.position++;
      return type - 256;
    }
    if ((type & 0xe0) === 0xa0) {
      return this.text(1, type & 0x1f);
    }
    if ((type & 0xf0) === 0x90) return this.openContainer(1, type & 0x0f, slots, true);
    if ((type & 0xf0) === 0x80) return this.openContainer(1, type & 0x0f, slots, false);
    throw new UnpackFailure('Bad data format in input.');
  }

  private openContainer(headerLength: number, length: number, slots: number, isArray: boolean): typeof OPENED {
    this.position += headerLength;
    const table = new LuaTable();
    // The array's table is on the Lua stack when the C code asks for room for an index.
    if (isArray) this.checkStack(slots + 1, 'in function mp_decode_to_lua_array');
    this.open.push({ table, isArray, remaining: length, index: 0, key: undefined, readingKey: true, slots });
    return OPENED;
  }
}

/** A lua_Integer printed with "%d": the low 32 bits of it, signed, as an int vararg reads them. */
function asCInt(integer: number): number {
  return Number(BigInt.asIntN(32, BigInt(integer)));
}

/**
 * mp_unpack_full: decodes up to `limit` values from `offset` (limit 0 and offset 0: all, with
 * no offset returned). `slots`: the arguments left on the Lua stack.
 */
function unpackFull(rt: LuaRuntime, data: string, limit: number, offset: number, slots: number): LuaValue[] {
  const decodeAll = limit === 0 && offset === 0;
  const length = data.length;
  if (offset < 0 || limit < 0) {
    rt.error(`Invalid request to unpack with offset of ${asCInt(offset)} and limit of ${asCInt(length)}.`);
  }
  if (offset > length) rt.error(`Start offset ${asCInt(offset)} greater than input length ${asCInt(length)}.`);
  const unpacker = new Unpacker(rt, data, offset);
  const values: LuaValue[] = [];
  try {
    while (unpacker.left > 0 && (decodeAll || values.length < limit)) {
      values.push(unpacker.value(slots + values.length));
    }
  } catch (err) {
    if (err instanceof UnpackFailure) rt.error(err.message);
    throw err;
  }
  if (decodeAll) return values;
  if (slots + values.length + 1 > LUA_C_STACK_LIMIT) rt.error('stack overflow (in function mp_unpack_full)');
  values.unshift(unpacker.left === 0 ? -1 : asCInt(unpacker.position));
  return values;
}

export function openCmsgpack(): LuaTable {
  const library = new LuaTable();
  library.setStr(
    'pack',
    new NativeFunction('pack', (rt, args) => {
      if (args.length === 0) argError(rt, 0, 'pack', 'MessagePack pack needs input.');
      if (args.length * 2 > LUA_C_STACK_LIMIT) argError(rt, 0, 'pack', 'Too many arguments for MessagePack pack.');
      const out: string[] = [];
      for (const value of args) packValue(value, 0, out);
      return [out.join('')];
    }),
  );
  library.setStr(
    'unpack',
    new NativeFunction('unpack', (rt, args) => {
      const data = checkString(rt, args, 1, 'unpack');
      return unpackFull(rt, data, 0, 0, args.length);
    }),
  );
  library.setStr(
    'unpack_one',
    new NativeFunction('unpack_one', (rt, args) => {
      const offset = optInteger(rt, args, 2, 'unpack_one', 0);
      const data = checkString(rt, args, 1, 'unpack_one');
      return unpackFull(rt, data, 1, offset, 1);
    }),
  );
  library.setStr(
    'unpack_limit',
    new NativeFunction('unpack_limit', (rt, args) => {
      const limit = checkInteger(rt, args, 2, 'unpack_limit');
      const offset = optInteger(rt, args, 3, 'unpack_limit', 0);
      const data = checkString(rt, args, 1, 'unpack_limit');
      return unpackFull(rt, data, limit, offset, 1);
    }),
  );
  library.setStr('_NAME', 'cmsgpack');
  library.setStr('_VERSION', 'lua-cmsgpack 0.4.0');
  library.setStr('_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo');
  library.setStr('_DESCRIPTION', 'MessagePack C implementation for Lua');
  return library;
}
