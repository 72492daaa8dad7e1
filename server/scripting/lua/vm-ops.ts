/**
 * What Lua 5.1's operators mean beyond the plain cases the VM loop handles inline: indexing
 * through __index/__newindex chains, arithmetic on numeric strings and through metamethods,
 * comparisons, concatenation, length, equality, tostring, and the runtime errors they raise,
 * worded as Lua 5.1 words them ("attempt to index field 'x' (a nil value)").
 *
 * The VM (vm.ts) extends this class: the loop does numbers-plus-numbers and table-with-plain-
 * key itself and calls in here for everything else.
 */
import { LuaFunction, LuaError, LuaUserdata, luaType, type LuaRuntime, type LuaString, type LuaValue } from './values';
import { LuaTable } from './table';
import { numberToString, stringToNumber } from './numbers';
import { cPow } from './libm';
import type { OperandName } from './opcodes';

/** __index/__newindex chains longer than this are a loop (Lua 5.1's MAXTAGLOOP). */
const MAX_TAG_LOOP = 100;

export type ArithOp = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'pow' | 'unm';

function describeOperand(name: OperandName | null | undefined, value: LuaValue): string {
  const type = luaType(value);
  return name === null || name === undefined ? `a ${type} value` : `${name.kind} '${name.name}' (a ${type} value)`;
}

/** a % b as Lua 5.1 defines it: a - floor(a/b)*b. */
export function luaMod(a: number, b: number): number {
  return a - Math.floor(a / b) * b;
}

export function arithmetic(op: ArithOp, x: number, y: number): number {
  switch (op) {
    case 'add': return x + y;
    case 'sub': return x - y;
    case 'mul': return x * y;
    case 'div': return x / y;
    case 'mod': return luaMod(x, y);
    case 'pow': return cPow(x, y);
    case 'unm': return -x;
  }
}

/** A value as a number the way arithmetic coerces it (numbers, numeric strings), else undefined. */
export function toNumber(value: LuaValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return stringToNumber(value);
  return undefined;
}

export abstract class LuaOperations implements LuaRuntime {
  /** The metatable strings share (its __index is the string library). */
  stringMetatable: LuaTable | null = null;

  abstract call(fn: LuaValue, args: LuaValue[]): LuaValue[];

  /**
   * luaL_error: an error a native function raises, positioned at its caller when that is Lua
   * code (the VM adds "user_script:3: " there, vm-threads.ts decides).
   */
  error(message: string): never {
    throw this.raised(new LuaError(message, true));
  }

  /**
   * luaG_runerror: an error of the interpreter's own operations, positioned at the running
   * function when it is Lua code; none when a native function is running (table.sort comparing
   * a string with a number).
   */
  runtimeError(message: string): never {
    const err = new LuaError(message, true);
    err.runtime = true;
    throw this.raised(err);
  }

  /** Stamps an error with what runs when it is raised (the VM's override). */
  protected raised(err: LuaError): LuaError {
    return err;
  }

  getMetatable(value: LuaValue): LuaTable | null {
    if (value instanceof LuaTable) return value.metatable;
    if (value instanceof LuaUserdata) return value.metatable;
    if (typeof value === 'string') return this.stringMetatable;
    return null;
  }

  protected metamethod(value: LuaValue, event: string): LuaValue {
    const meta = this.getMetatable(value);
    return meta === null ? undefined : meta.getStr(event);
  }

  // ─── indexing ──────────────────────────────────────────────────────────────────────────────

  /** value[key], through __index. `name` names value for the error message. */
  index(value: LuaValue, key: LuaValue, name: OperandName | null = null): LuaValue {
    let current = value;
    for (let loop = 0; loop < MAX_TAG_LOOP; loop++) {
      let handler: LuaValue;
      if (current instanceof LuaTable) {
        const found = current.get(key);
        if (found !== undefined) return found;
        const meta = current.metatable;
        if (meta === null) return undefined;
        handler = meta.getStr('__index');
        if (handler === undefined) return undefined;
      } else {
        handler = this.metamethod(current, '__index');
        if (handler === undefined) this.runtimeError(`attempt to index ${describeOperand(loop === 0 ? name : null, current)}`);
      }
      if (handler instanceof LuaFunction) return this.call(handler, [current, key])[0];
      current = handler;
    }
    return this.runtimeError('loop in gettable');
  }

  /** value[key] = v, through __newindex; readonly tables (Redis 7) refuse. */
  setIndex(value: LuaValue, key: LuaValue, v: LuaValue, name: OperandName | null = null): void {
    let current = value;
    for (let loop = 0; loop < MAX_TAG_LOOP; loop++) {
      let handler: LuaValue;
      if (current instanceof LuaTable) {
        const meta = current.metatable;
        handler = meta === null ? undefined : meta.getStr('__newindex');
        if (handler === undefined || current.get(key) !== undefined) {
          this.rawSet(current, key, v);
          return;
        }
      } else {
        handler = this.metamethod(current, '__newindex');
        if (handler === undefined) this.runtimeError(`attempt to index ${describeOperand(loop === 0 ? name : null, current)}`);
      }
      if (handler instanceof LuaFunction) {
        this.call(handler, [current, key, v]);
        return;
      }
      current = handler;
    }
    this.runtimeError('loop in settable');
  }

  /** A raw store with Lua's checks: readonly tables, nil and NaN keys. */
  rawSet(table: LuaTable, key: LuaValue, value: LuaValue): void {
    if (table.readonly) this.runtimeError('Attempt to modify a readonly table');
    try {
      table.set(key, value);
    } catch (err) {
      if (err instanceof LuaError && typeof err.value === 'string') this.runtimeError(err.value);
      throw err;
    }
  }

  // ─── arithmetic ────────────────────────────────────────────────────────────────────────────

  /** x op y beyond number op number: numeric strings, then __add & co. */
  arith(op: ArithOp, x: LuaValue, y: LuaValue, names: ReadonlyArray<OperandName | null> | undefined = undefined, first = 1): LuaValue {
    const a = toNumber(x);
    const b = toNumber(y);
    if (a !== undefined && b !== undefined) return arithmetic(op, a, b);
    let handler = this.metamethod(x, `__${op}`);
    if (handler === undefined) handler = this.metamethod(y, `__${op}`);
    if (handler !== undefined) return this.call(handler, [x, y])[0];
    // Lua 5.1 blames the first operand that is not a number.
    const blameFirst = a === undefined;
    return this.runtimeError(`attempt to perform arithmetic on ${describeOperand(names?.[blameFirst ? first : first + 1], blameFirst ? x : y)}`);
  }

  // ─── comparison ────────────────────────────────────────────────────────────────────────────

  equals(x: LuaValue, y: LuaValue): boolean {
    if (x === y) return true;
    if (typeof x !== 'object' || typeof y !== 'object' || luaType(x) !== luaType(y)) return false;
    if (!(x instanceof LuaTable || x instanceof LuaUserdata)) return false;
    const mx = this.metamethod(x, '__eq');
    if (mx === undefined || mx !== this.metamethod(y, '__eq')) return false;
    const [result] = this.call(mx, [x, y]);
    return result !== undefined && result !== false;
  }

  lessThan(x: LuaValue, y: LuaValue): boolean {
    if (typeof x === 'number' && typeof y === 'number') return x < y;
    if (typeof x === 'string' && typeof y === 'string') return x < y;
    return this.orderByMeta('__lt', x, y);
  }

  lessOrEqual(x: LuaValue, y: LuaValue): boolean {
    if (typeof x === 'number' && typeof y === 'number') return x <= y;
    if (typeof x === 'string' && typeof y === 'string') return x <= y;
    if (luaType(x) === luaType(y) && this.sameMeta(x, y, '__le') === undefined && this.sameMeta(x, y, '__lt') !== undefined) {
      // Lua 5.1: a <= b is not (b < a) when only __lt exists.
      return !this.orderByMeta('__lt', y, x);
    }
    return this.orderByMeta('__le', x, y);
  }

  private sameMeta(x: LuaValue, y: LuaValue, event: string): LuaValue {
    const mx = this.metamethod(x, event);
    return mx !== undefined && mx === this.metamethod(y, event) ? mx : undefined;
  }

  private orderByMeta(event: string, x: LuaValue, y: LuaValue): boolean {
    const tx = luaType(x);
    const ty = luaType(y);
    if (tx !== ty) this.runtimeError(`attempt to compare ${tx} with ${ty}`);
    const handler = this.sameMeta(x, y, event);
    if (handler === undefined) this.runtimeError(`attempt to compare two ${tx} values`);
    const [result] = this.call(handler, [x, y]);
    return result !== undefined && result !== false;
  }

  // ─── strings, length ───────────────────────────────────────────────────────────────────────

  /** values[0] .. values[1] .. ..., right to left as Lua 5.1 pairs them (__concat honoured). */
  concat(values: LuaValue[], names: ReadonlyArray<OperandName | null> | undefined): LuaValue {
    let acc = values[values.length - 1];
    let accIsOriginal = true;
    for (let i = values.length - 2; i >= 0; i--) {
      const left = values[i];
      if ((typeof left === 'string' || typeof left === 'number') && (typeof acc === 'string' || typeof acc === 'number')) {
        acc = (typeof left === 'number' ? numberToString(left) : left) + (typeof acc === 'number' ? numberToString(acc) : acc);
      } else {
        const handler = this.metamethod(left, '__concat') ?? this.metamethod(acc, '__concat');
        if (handler === undefined) {
          const blameLeft = !(typeof left === 'string' || typeof left === 'number');
          const name = blameLeft ? names?.[i] : accIsOriginal ? names?.[i + 1] : null;
          this.runtimeError(`attempt to concatenate ${describeOperand(name, blameLeft ? left : acc)}`);
        }
        acc = this.call(handler, [left, acc])[0];
      }
      accIsOriginal = false;
    }
    return acc;
  }

  length(value: LuaValue, name: OperandName | null = null): LuaValue {
    if (typeof value === 'string') return value.length;
    if (value instanceof LuaTable) return value.length();
    const handler = this.metamethod(value, '__len');
    if (handler === undefined) this.runtimeError(`attempt to get length of ${describeOperand(name, value)}`);
    return this.call(handler, [value])[0];
  }

  tostring(value: LuaValue): LuaString {
    const handler = this.metamethod(value, '__tostring');
    if (handler !== undefined) {
      // Callers want text (assert's message, a chunk name): a number is written as tostring
      // writes it; anything else is refused. (The tostring function itself returns whatever
      // __tostring returns, as Lua 5.1's does: base-lib.ts.)
      const [result] = this.call(handler, [value]);
      if (typeof result !== 'string') {
        if (typeof result === 'number') return numberToString(result);
        this.runtimeError("'__tostring' must return a string");
      }
      return result;
    }
    return rawToString(value);
  }

  /** A call of a value that is not a function: __call, or Lua's error. */
  callError(value: LuaValue, name: OperandName | null | undefined): never {
    return this.runtimeError(`attempt to call ${describeOperand(name, value)}`);
  }
}

/** tostring without metamethods: "nil", "true", numbers as %.14g, "table: 0x..." */
export function rawToString(value: LuaValue): LuaString {
  switch (typeof value) {
    case 'undefined':
      return 'nil';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return numberToString(value);
    case 'string':
      return value;
    default:
      if (value instanceof LuaUserdata && value.printedAs !== null) return `userdata: ${value.printedAs}`;
      return `${luaType(value)}: 0x${(0x55550000 + value.id * 0x20).toString(16).padStart(8, '0')}`;
  }
}
