/**
 * The values of hashslot's Lua 5.1, the one Redis embeds, and the small interface through which
 * library functions written in TypeScript reach the interpreter.
 *
 *   Lua type     here
 *   nil          undefined
 *   boolean      boolean
 *   number       number (a double, as in Lua 5.1: no integer subtype)
 *   string       LuaString: a JS string holding one byte per char (codes 0-255), the same
 *                "byte string" storage/bytes.ts uses for keys and values, so a value read by
 *                redis.call reaches a script without a copy or a UTF-8 decode
 *   table        LuaTable (table.ts: array part + hash part, laid out as Lua 5.1 lays them out,
 *                so that `#`, next/pairs order and therefore cjson.encode output match)
 *   function     LuaFunction: a Lua closure (the VM's) or a native function (a library's)
 *   thread       Coroutine (the VM's)
 *   userdata     LuaUserdata (cjson.null is the one scripts meet)
 *
 * Tables, functions, coroutines and userdata are hashed by an id given at creation (C Lua
 * hashes them by address, so their order as table keys is arbitrary there too).
 */

/** A Lua string: one byte per char, codes 0-255, never UTF-8-decoded. */
export type LuaString = string;

export type LuaValue = undefined | boolean | number | LuaString | LuaObject;

/** What lives by reference: the types that C Lua hashes by address. */
export type LuaObject = import('./table').LuaTable | LuaFunction | Coroutine | LuaUserdata;

let nextObjectId = 1;
/** A fresh id for a table, function, coroutine or userdata: its "address" for hashing and printing. */
export function newObjectId(): number {
  return nextObjectId++;
}

/**
 * A Lua error in flight: `value` is what error() was given (any Lua value; a message string
 * already carries its "chunk:line:" prefix when the raiser asked for one). `traceback` is
 * filled by the VM for Redis's error replies.
 */
export class LuaError extends Error {
  constructor(
    public value: LuaValue,
    /**
     * Whether the VM must still prefix the message with the position of the running Lua code
     * ("user_script:3: "), as Lua's runtime errors and luaL_error have it: set by rt.error(),
     * cleared by the VM once it added the position.
     */
    public needsPosition = false,
    /** Not catchable by pcall or a coroutine: SCRIPT KILL stopping a script. */
    readonly uncatchable = false,
  ) {
    super(typeof value === 'string' ? value : 'a Lua error object');
  }

  /** The line of the innermost Lua code running when it was raised (Redis's "on @user_script:N"). */
  luaLine: number | null = null;
  /**
   * The chunk that code belongs to, as Redis's error handler names it in the suffix: the
   * script's ("@user_script"), a loadstring'd chunk's own text, or "=[C]" (with line -1) when
   * the function that raised it was called by another native function. Null: the engine's.
   */
  luaSource: string | null = null;
  /**
   * Raised by the interpreter's own operations (Lua's luaG_runerror: indexing, arithmetic,
   * comparison...), which name the position of the running function only when it is Lua code;
   * otherwise raised by a native function (luaL_error), which names its caller's position.
   */
  runtime = false;
  /** How many native functions were running when it was raised (the VM's bookkeeping). */
  raisedUnderNatives = -1;
}

/**
 * What a native function may ask of the interpreter. Library code (string, table, cjson...)
 * sees only this, never the VM's insides.
 */
export interface LuaRuntime {
  /** Calls any value as Lua would (functions, or tables and userdata with __call). */
  call(fn: LuaValue, args: LuaValue[]): LuaValue[];
  /** tostring(): numbers as %.14g, __tostring honoured, "table: 0x..." for objects. */
  tostring(value: LuaValue): LuaString;
  /** a < b as the `<` operator computes it (numbers, strings byte-wise, __lt). */
  lessThan(a: LuaValue, b: LuaValue): boolean;
  /** Raises `message` with the position of the calling Lua code ("user_script:3: "), as luaL_error. */
  error(message: string): never;
  /**
   * How the code that called the running native function named it, for argument errors:
   * { name: 'rep', isMethod: true } for `s:rep()`, null when it has no name (called from native
   * code such as pcall: Lua prints '?'), undefined when not known (use the library's own name).
   */
  calleeName?(): { name: string; isMethod: boolean } | null | undefined;
  /** The metatable of a value (tables and userdata: their own; strings: the string metatable). */
  getMetatable(value: LuaValue): import('./table').LuaTable | null;
}

/** A native function: takes the arguments, returns the results (an empty array: none). */
export type NativeBody = (rt: LuaRuntime, args: LuaValue[]) => LuaValue[];

/** A Lua function: a closure over a compiled prototype (the VM's), or a native one. */
export abstract class LuaFunction {
  readonly id = newObjectId();
  /** Its name for error messages ("bad argument #1 to 'insert'"). */
  abstract readonly name: string;
}

export class NativeFunction extends LuaFunction {
  constructor(
    readonly name: string,
    readonly body: NativeBody,
  ) {
    super();
  }
}

/** A coroutine: its state lives in the VM (vm/coroutine.ts); this is its identity. */
export abstract class Coroutine {
  readonly id = newObjectId();
  abstract status(): 'running' | 'suspended' | 'normal' | 'dead';
}

export class LuaUserdata {
  readonly id = newObjectId();
  metatable: import('./table').LuaTable | null = null;
  constructor(
    readonly name: string,
    /** What tostring prints after "userdata: " when not an address (cjson.null: "(nil)"). */
    readonly printedAs: string | null = null,
  ) {}
}

/** Lua's type() names. */
export function luaType(value: LuaValue): 'nil' | 'boolean' | 'number' | 'string' | 'table' | 'function' | 'thread' | 'userdata' {
  switch (typeof value) {
    case 'undefined':
      return 'nil';
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      if (value instanceof LuaFunction) return 'function';
      if (value instanceof Coroutine) return 'thread';
      if (value instanceof LuaUserdata) return 'userdata';
      return 'table';
  }
}

/** Lua truth: everything but nil and false. */
export function truthy(value: LuaValue): boolean {
  return value !== undefined && value !== false;
}
