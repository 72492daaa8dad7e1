/**
 * The cjson library Redis 7.0 gives scripts (lua-cjson 2.1.0 with Redis's patches): encode,
 * decode (cjson-decode.ts), the configuration functions, null, new, _NAME and _VERSION.
 *
 * Encoding, as observed on redis-server 7.0.15:
 * - nil and cjson.null → null; booleans; numbers with "%.<precision>g" (14 by default), where
 *   inf/nan are refused ("Cannot serialise number: must not be NaN or Inf") unless
 *   encode_invalid_numbers is on (then printed "inf", "-inf", "nan") or "null".
 * - Strings: '"', '\', '/' and the control bytes are escaped ("\/", "\n", "\u001f", "\u007f"),
 *   other bytes, UTF-8 or not, pass through.
 * - A table is an array when every key is a number >= 1 with an integral value; its length is
 *   the largest key, held in a C int (a key of 2^31 or more leaves a negative "length", making
 *   the table an object), and holes encode as null. A table whose largest key exceeds both
 *   `ratio` times its key count and `safe` (2 and 10 by default) is "excessively sparse": an
 *   error, or an object when encode_sparse_array(true). Anything else is an object whose keys
 *   must be strings or numbers (numbers are printed, then quoted), in next() order, so the
 *   table's layout decides the order: LuaTable reproduces C Lua's for that reason. {} is "{}".
 * - Depth: more than encode_max_depth (1000) nested tables is "Cannot serialise, excessive
 *   nesting (<depth>)"; a table that contains itself ends there too. The C code also asks for 3
 *   free Lua stack slots per level, and the stack holds one slot per enclosing array and two per
 *   enclosing object (within 8000), so with a raised limit arrays stop at depth 7998 and objects
 *   at 4000, with the same message. That count is kept here.
 * - Functions, coroutines and other userdata: "Cannot serialise <type>: type not supported".
 *
 * Configuration lives in each library instance (cjson.new() makes a fresh one) and persists from
 * script to script, as it does in Redis until SCRIPT FLUSH recreates the Lua state.
 */
import { LuaTable } from '../table';
import { Coroutine, LuaFunction, LuaUserdata, NativeFunction, luaType, type LuaRuntime, type LuaValue } from '../values';
import { argError, checkInt, checkString } from '../lib-args';
import { formatG } from './c-numbers';
import { LUA_C_STACK_LIMIT, decodeJson } from './cjson-decode';

/** cjson.null: Lua's NULL light userdata; one value shared by every cjson instance. */
export const CJSON_NULL = new LuaUserdata('lightuserdata', '(nil)');

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

const enum InvalidNumbers {
  Refuse = 0,
  Print = 1,
  AsNull = 2,
}

interface CjsonConfig {
  encodeSparseConvert: boolean;
  encodeSparseRatio: number;
  encodeSparseSafe: number;
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  encodeNumberPrecision: number;
  encodeKeepBuffer: boolean;
  encodeInvalidNumbers: InvalidNumbers;
  decodeInvalidNumbers: boolean;
}

function defaultConfig(): CjsonConfig {
  return {
    encodeSparseConvert: false,
    encodeSparseRatio: 2,
    encodeSparseSafe: 10,
    encodeMaxDepth: 1000,
    decodeMaxDepth: 1000,
    encodeNumberPrecision: 14,
    encodeKeepBuffer: true,
    encodeInvalidNumbers: InvalidNumbers.Refuse,
    decodeInvalidNumbers: true,
  };
}

/** How each byte appears inside a JSON string ('' = as itself). */
const STRING_ESCAPES: string[] = Array.from({ length: 256 }, (_, byte) => {
  switch (byte) {
    case 8:
      return '\\b';
    case 9:
      return '\\t';
    case 10:
      return '\\n';
    case 12:
      return '\\f';
    case 13:
      return '\\r';
    case 34:
      return '\\"';
    case 47:
      return '\\/';
    case 92:
      return '\\\\';
    default:
      return byte < 32 || byte === 127 ? `\\u${byte.toString(16).padStart(4, '0')}` : '';
  }
});

function encodeString(s: string): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const escape = STRING_ESCAPES[s.charCodeAt(i)];
    if (escape) {
      out += s.slice(runStart, i) + escape;
      runStart = i + 1;
    }
  }
  return `${out}${s.slice(runStart)}"`;
}

/** A table being written: an array (length > 0) or an object (walked with next()). */
interface OpenTable {
  table: LuaTable;
  depth: number;
  /** The Lua stack slots in use, this table's included. */
  slots: number;
  length: number;
  /** Array: the last index written. Object: the last key written (undefined: none yet). */
  index: number;
  key: LuaValue;
}

/**
 * The encoder, without recursion (JS would run out of stack before Lua's 8000 slots do): the
 * tables being written are kept on `open`, innermost last.
 */
class Encoder {
  private readonly out: string[] = [];
  private readonly open: OpenTable[] = [];

  constructor(
    private readonly rt: LuaRuntime,
    private readonly config: CjsonConfig,
  ) {}

  encode(value: LuaValue): string {
    this.value(value, 0, 1);
    for (let top = this.open[this.open.length - 1]; top !== undefined; top = this.open[this.open.length - 1]) {
      if (top.length > 0) {
        if (top.index >= top.length) {
          this.out.push(']');
          this.open.pop();
          continue;
        }
        if (++top.index > 1) this.out.push(',');
        this.value(top.table.getInt(top.index), top.depth, top.slots + 1);
        continue;
      }
      const entry = top.table.next(top.key);
      if (entry === undefined) {
        this.out.push('}');
        this.open.pop();
        continue;
      }
      const [key, value] = entry;
      if (top.key !== undefined) this.out.push(',');
      top.key = key;
      if (typeof key === 'number') this.out.push(`"${this.number(key)}":`);
      else if (typeof key === 'string') this.out.push(`${encodeString(key)}:`);
      else this.refuse(key, 'table key must be a number or string');
      this.value(value, top.depth, top.slots + 2);
    }
    return this.out.join('');
  }

  private refuse(value: LuaValue, reason: string): never {
    return this.rt.error(`Cannot serialise ${luaType(value)}: ${reason}`);
  }

  private number(n: number): string {
    if (!Number.isFinite(n)) {
      switch (this.config.encodeInvalidNumbers) {
        case InvalidNumbers.Refuse:
          return this.refuse(n, 'must not be NaN or Inf');
        case InvalidNumbers.AsNull:
          return 'null';
        case InvalidNumbers.Print:
          if (n !== n) return 'nan';
      }
    }
    return formatG(n, this.config.encodeNumberPrecision);
  }

  /** Writes a value, or opens a table (written by encode()'s loop). `slots`: this value's included. */
  private value(value: LuaValue, depth: number, slots: number): void {
    if (value === undefined || value === CJSON_NULL) this.out.push('null');
    else if (typeof value === 'boolean') this.out.push(value ? 'true' : 'false');
    else if (typeof value === 'number') this.out.push(this.number(value));
    else if (typeof value === 'string') this.out.push(encodeString(value));
    else if (value instanceof LuaTable) this.openTable(value, depth + 1, slots);
    else if (value instanceof LuaFunction || value instanceof Coroutine || value instanceof LuaUserdata) this.refuse(value, 'type not supported');
  }

  private openTable(table: LuaTable, depth: number, slots: number): void {
    if (depth > this.config.encodeMaxDepth || slots + 3 > LUA_C_STACK_LIMIT) {
      this.rt.error(`Cannot serialise, excessive nesting (${depth})`);
    }
    const length = this.arrayLength(table);
    this.out.push(length > 0 ? '[' : '{');
    this.open.push({ table, depth, slots, length, index: 0, key: undefined });
  }

  /** The array length lua-cjson computes (C int arithmetic), or -1: encode as an object. */
  private arrayLength(table: LuaTable): number {
    let max = 0;
    let items = 0;
    for (let entry = table.next(undefined); entry !== undefined; entry = table.next(entry[0])) {
      const key = entry[0];
      if (typeof key !== 'number' || Math.floor(key) !== key || key < 1) return -1;
      // `max = k` stores a double into an int: out of range, x86 yields INT_MIN.
      if (key > max) max = key > INT_MAX ? INT_MIN : key;
      items++;
    }
    const { encodeSparseRatio: ratio, encodeSparseSafe: safe } = this.config;
    if (ratio > 0 && max > Math.imul(items, ratio) && max > safe) {
      if (!this.config.encodeSparseConvert) this.refuse(table, 'excessively sparse array');
      return -1;
    }
    return max;
  }
}

// ---- configuration functions ----------------------------------------------------------------

/** json_arg_init: at most `count` arguments. */
function checkArgCount(rt: LuaRuntime, args: LuaValue[], count: number, name: string): void {
  if (args.length > count) argError(rt, count + 1, name, 'found too many arguments');
}

/** luaL_checkoption. */
function checkOption(rt: LuaRuntime, args: LuaValue[], n: number, name: string, options: readonly string[]): number {
  const text = checkString(rt, args, n, name);
  const index = options.indexOf(text);
  if (index < 0) argError(rt, n, name, `invalid option '${text}'`);
  return index;
}

/** An on/off setting: a boolean, or "on"/"off". Unchanged when the argument is nil. */
function booleanOption(rt: LuaRuntime, args: LuaValue[], n: number, name: string, current: boolean): boolean {
  const value = args[n - 1];
  if (value === undefined) return current;
  if (typeof value === 'boolean') return value;
  return checkOption(rt, args, n, name, ['off', 'on']) === 1;
}

/** An integer setting within [min, max] (always reported as argument #1, as lua-cjson does). */
function integerOption(rt: LuaRuntime, args: LuaValue[], n: number, name: string, current: number, min: number, max: number): number {
  if (args[n - 1] === undefined) return current;
  const value = checkInt(rt, args, n, name);
  if (value < min || value > max) argError(rt, 1, name, `expected integer between ${min} and ${max}`);
  return value;
}

/** A fresh cjson library table with its own configuration (what cjson.new() returns). */
export function openCjson(): LuaTable {
  const config = defaultConfig();
  const library = new LuaTable();
  const define = (name: string, body: (rt: LuaRuntime, args: LuaValue[]) => LuaValue[]): void => {
    library.setStr(name, new NativeFunction(name, body));
  };

  define('encode', (rt, args) => {
    if (args.length !== 1) argError(rt, 1, 'encode', 'expected 1 argument');
    return [new Encoder(rt, config).encode(args[0])];
  });
  define('decode', (rt, args) => {
    if (args.length !== 1) argError(rt, 1, 'decode', 'expected 1 argument');
    const text = checkString(rt, args, 1, 'decode');
    return [decodeJson(rt, text, { maxDepth: config.decodeMaxDepth, invalidNumbers: config.decodeInvalidNumbers, null: CJSON_NULL })];
  });
  define('encode_sparse_array', (rt, args) => {
    const name = 'encode_sparse_array';
    checkArgCount(rt, args, 3, name);
    // Each setting is stored as soon as it is read: a bad ratio leaves a new `convert` in place.
    config.encodeSparseConvert = booleanOption(rt, args, 1, name, config.encodeSparseConvert);
    config.encodeSparseRatio = integerOption(rt, args, 2, name, config.encodeSparseRatio, 0, INT_MAX);
    config.encodeSparseSafe = integerOption(rt, args, 3, name, config.encodeSparseSafe, 0, INT_MAX);
    return [config.encodeSparseConvert, config.encodeSparseRatio, config.encodeSparseSafe];
  });
  define('encode_max_depth', (rt, args) => {
    checkArgCount(rt, args, 1, 'encode_max_depth');
    config.encodeMaxDepth = integerOption(rt, args, 1, 'encode_max_depth', config.encodeMaxDepth, 1, INT_MAX);
    return [config.encodeMaxDepth];
  });
  define('decode_max_depth', (rt, args) => {
    checkArgCount(rt, args, 1, 'decode_max_depth');
    config.decodeMaxDepth = integerOption(rt, args, 1, 'decode_max_depth', config.decodeMaxDepth, 1, INT_MAX);
    return [config.decodeMaxDepth];
  });
  define('encode_number_precision', (rt, args) => {
    checkArgCount(rt, args, 1, 'encode_number_precision');
    config.encodeNumberPrecision = integerOption(rt, args, 1, 'encode_number_precision', config.encodeNumberPrecision, 1, 14);
    return [config.encodeNumberPrecision];
  });
  define('encode_keep_buffer', (rt, args) => {
    checkArgCount(rt, args, 1, 'encode_keep_buffer');
    config.encodeKeepBuffer = booleanOption(rt, args, 1, 'encode_keep_buffer', config.encodeKeepBuffer);
    return [config.encodeKeepBuffer];
  });
  define('encode_invalid_numbers', (rt, args) => {
    const name = 'encode_invalid_numbers';
    checkArgCount(rt, args, 1, name);
    const value = args[0];
    if (typeof value === 'boolean') config.encodeInvalidNumbers = value ? InvalidNumbers.Print : InvalidNumbers.Refuse;
    else if (value !== undefined) config.encodeInvalidNumbers = checkOption(rt, args, 1, name, ['off', 'on', 'null']);
    if (config.encodeInvalidNumbers === InvalidNumbers.AsNull) return ['null'];
    return [config.encodeInvalidNumbers === InvalidNumbers.Print];
  });
  define('decode_invalid_numbers', (rt, args) => {
    checkArgCount(rt, args, 1, 'decode_invalid_numbers');
    config.decodeInvalidNumbers = booleanOption(rt, args, 1, 'decode_invalid_numbers', config.decodeInvalidNumbers);
    return [config.decodeInvalidNumbers];
  });
  define('new', () => [openCjson()]);
  library.setStr('null', CJSON_NULL);
  library.setStr('_NAME', 'cjson');
  library.setStr('_VERSION', '2.1.0');
  return library;
}
