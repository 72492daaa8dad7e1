/**
 * Lua 5.1's base library as Redis 7.0 loads it: assert, collectgarbage, error, gcinfo,
 * getmetatable, ipairs, load, loadstring, next, pairs, pcall, rawequal, rawget, rawset, select,
 * setmetatable, tonumber, tostring, type, unpack, xpcall, _G and _VERSION. Redis leaves out
 * print, dofile, loadfile, getfenv, setfenv, module and require (a script that names them gets
 * "Script attempted to access nonexistent global variable").
 *
 * pcall, error and xpcall need the VM's insides (its frames, for positions and for unwinding
 * after an error); the others only the LuaRuntime interface.
 */
import { oneResult, twoResults } from './libm';
import { parse } from './parser';
import { chunkId, LuaSyntaxError } from './lexer';
import { compile } from './compiler';
import { CompileError } from './function-state';
import { LuaClosure } from './closure';
import { LuaTable } from './table';
import { stringToNumber, toNumberBase } from './numbers';
import { argError, checkAny, checkTable, optInteger, typeError } from './lib-args';
import { LuaError, LuaFunction, NativeFunction, luaType, truthy, type LuaValue } from './values';
import { rawToString } from './vm-ops';
import { type LuaVM } from './vm';

/** Compiles source text to a closure over `env`, or the syntax error as Lua words it. */
export function loadChunk(source: string, chunkName: string, env: LuaTable): LuaClosure | string {
  try {
    return new LuaClosure(compile(parse(source, chunkName)), [], env);
  } catch (err) {
    if (err instanceof LuaSyntaxError) return err.message;
    if (err instanceof CompileError) return `${chunkId(chunkName)}: ${err.message}`;
    // An expression nested deeper than the compiler's JS stack allows (100,000 terms in one
    // chain): refused, never a crash.
    if (err instanceof RangeError) return `${chunkId(chunkName)}: function or expression too complex`;
    throw err;
  }
}

export function openBaseLib(vm: LuaVM, globals: LuaTable): void {
  const define = (name: string, body: (args: LuaValue[]) => LuaValue[]): void => {
    globals.setStr(name, new NativeFunction(name, (_rt, args) => body(args)));
  };
  const ipairsIterator = new NativeFunction('ipairs_aux', (_rt, args) => {
    const table = args[0] as LuaTable;
    const index = (args[1] as number) + 1;
    const value = table.getInt(index);
    return value === undefined ? [] : twoResults(index, value);
  });
  const next = new NativeFunction('next', (_rt, args) => {
    const table = checkTable(vm, args, 1, 'next');
    const entry = table.next(args[1]);
    return entry === undefined ? [undefined] : entry;
  });

  define('assert', (args) => {
    if (!truthy(args[0])) {
      checkAny(vm, args, 1, 'assert');
      // luaL_optstring: a missing or nil message is the default one, a number becomes text.
      const message = args[1];
      if (message !== undefined && typeof message !== 'string' && typeof message !== 'number') typeError(vm, args, 2, 'assert', 'string');
      vm.error(message === undefined ? 'assertion failed!' : vm.tostring(message));
    }
    return args;
  });
  define('collectgarbage', (args) => {
    const option = args[0] === undefined ? 'collect' : String(args[0]);
    const options = ['stop', 'restart', 'collect', 'count', 'step', 'setpause', 'setstepmul'];
    if (!options.includes(option)) argError(vm, 1, 'collectgarbage', `invalid option '${option}'`);
    if (option === 'count') return [Math.round(process.memoryUsage().heapUsed / 1024)];
    if (option === 'step') return [false];
    return [0];
  });
  define('error', (args) => {
    const value = args[0];
    const level = optInteger(vm, args, 2, 'error', 1);
    // A message (a string, or a number, which Lua 5.1 counts as one) gets the position.
    if ((typeof value === 'string' || typeof value === 'number') && level > 0) throw new LuaError(`${vm.positionOfLevel(level)}${rawToString(value)}`);
    throw new LuaError(value);
  });
  define('gcinfo', () => [Math.round(process.memoryUsage().heapUsed / 1024)]);
  define('getmetatable', (args) => {
    checkAny(vm, args, 1, 'getmetatable');
    const meta = vm.getMetatable(args[0]);
    if (meta === null) return [undefined];
    const protectedValue = meta.getStr('__metatable');
    return [protectedValue !== undefined ? protectedValue : meta];
  });
  define('ipairs', (args) => [ipairsIterator, checkTable(vm, args, 1, 'ipairs'), 0]);
  globals.setStr('next', next);
  define('pairs', (args) => [next, checkTable(vm, args, 1, 'pairs'), undefined]);
  define('loadstring', (args) => {
    const source = args[0];
    if (typeof source !== 'string' && typeof source !== 'number') typeError(vm, args, 1, 'loadstring', 'string');
    const text = typeof source === 'number' ? rawToString(source) : source;
    const name = args[1] === undefined ? text : vm.tostring(args[1]);
    return loadResult(text, name);
  });
  define('load', (args) => {
    const reader = args[0];
    if (!(reader instanceof LuaFunction)) typeError(vm, args, 1, 'load', 'function');
    let text = '';
    for (;;) {
      const [piece] = vm.call(reader, []);
      if (piece === undefined || piece === '') break;
      if (typeof piece !== 'string') return [undefined, 'reader function must return a string'];
      text += piece;
    }
    return loadResult(text, args[1] === undefined ? '=(load)' : vm.tostring(args[1]));
  });
  const loadResult = (text: string, name: string): LuaValue[] => {
    // Redis refuses precompiled chunks: a script cannot smuggle bytecode past the compiler.
    if (text.startsWith('\x1bLua')) return [undefined, 'Bytecode is not allowed'];
    const loaded = loadChunk(text, name, globals);
    return typeof loaded === 'string' ? [undefined, loaded] : [loaded];
  };
  // Called from Lua code with a Lua function, these two never run: the VM's loop recognises
  // them and runs the call in a protected frame of its own (vm.ts). These bodies serve the
  // other cases (a native function to protect, a call from native code such as pcall(pcall, f)).
  define('pcall', (args) => {
    // Redis's pcall calls whatever sits first on its stack, the `true` it pushed itself when
    // there is no argument.
    if (args.length === 0 && vm.redisPcall) return [false, 'attempt to call a boolean value'];
    checkAny(vm, args, 1, 'pcall');
    return vm.protectedCall(args[0], args.slice(1), null);
  });
  vm.pcallFunction = globals.getStr('pcall') as NativeFunction;
  define('xpcall', (args) => {
    checkAny(vm, args, 2, 'xpcall');
    return vm.protectedCall(args[0], [], args[1] ?? null);
  });
  vm.xpcallFunction = globals.getStr('xpcall') as NativeFunction;
  define('rawequal', (args) => {
    checkAny(vm, args, 1, 'rawequal');
    checkAny(vm, args, 2, 'rawequal');
    return [args[0] === args[1]];
  });
  define('rawget', (args) => {
    const table = checkTable(vm, args, 1, 'rawget');
    checkAny(vm, args, 2, 'rawget');
    return [table.get(args[1])];
  });
  define('rawset', (args) => {
    const table = checkTable(vm, args, 1, 'rawset');
    checkAny(vm, args, 2, 'rawset');
    checkAny(vm, args, 3, 'rawset');
    // Redis 7 refuses a readonly table here without a position (its check is in lua_rawset).
    if (table.readonly) throw new LuaError('Attempt to modify a readonly table');
    vm.rawSet(table, args[1], args[2]);
    return [table];
  });
  define('select', (args) => {
    const n = args[0];
    if (n === '#') return [args.length - 1];
    let index = optInteger(vm, args, 1, 'select', Number.NaN);
    if (Number.isNaN(index)) typeError(vm, args, 1, 'select', 'number');
    if (index < 0) index = args.length + index;
    else if (index === 0) argError(vm, 1, 'select', 'index out of range');
    if (index < 1) argError(vm, 1, 'select', 'index out of range');
    return args.slice(index);
  });
  define('setmetatable', (args) => {
    const table = checkTable(vm, args, 1, 'setmetatable');
    const meta = args[1];
    // An absent second argument is not nil to Lua 5.1 (it is "none"): refused too.
    if (args.length < 2 || (meta !== undefined && !(meta instanceof LuaTable))) argError(vm, 2, 'setmetatable', 'nil or table expected');
    if (table.metatable !== null && table.metatable.getStr('__metatable') !== undefined) vm.error('cannot change a protected metatable');
    // Redis 7: a readonly table keeps its metatable; the error carries no position.
    if (table.readonly) throw new LuaError('Attempt to modify a readonly table');
    table.metatable = meta ?? null;
    return [table];
  });
  define('tonumber', (args) => {
    const value = args[0];
    const base = optInteger(vm, args, 2, 'tonumber', 10);
    if (base === 10) {
      checkAny(vm, args, 1, 'tonumber');
      // (In an array that keeps a NaN's sign: libm.ts.)
      if (typeof value === 'number') return oneResult(value);
      return oneResult(typeof value === 'string' ? stringToNumber(value) : undefined);
    }
    if (base < 2 || base > 36) argError(vm, 2, 'tonumber', 'base out of range');
    const text = typeof value === 'number' ? rawToString(value) : value;
    if (typeof text !== 'string') typeError(vm, args, 1, 'tonumber', 'string');
    return oneResult(toNumberBase(text, base));
  });
  define('tostring', (args) => {
    checkAny(vm, args, 1, 'tostring');
    // Lua 5.1 returns whatever __tostring returns, a number or a table as well as a string.
    const handler = vm.getMetatable(args[0])?.getStr('__tostring');
    if (handler !== undefined) return [vm.call(handler, [args[0]])[0]];
    return [vm.tostring(args[0])];
  });
  define('type', (args) => {
    checkAny(vm, args, 1, 'type');
    return [luaType(args[0])];
  });
  define('unpack', (args) => {
    const table = checkTable(vm, args, 1, 'unpack');
    const first = optInteger(vm, args, 2, 'unpack', 1);
    const last = args[2] === undefined ? table.length() : optInteger(vm, args, 3, 'unpack', 0);
    if (first > last) return [];
    const count = last - first + 1;
    if (count >= 8000 || !Number.isFinite(count)) vm.error('too many results to unpack');
    // Filled first: an array of any values, which keeps a NaN's sign (libm.ts).
    const values: LuaValue[] = new Array<LuaValue>(count).fill(undefined);
    for (let i = 0; i < count; i++) values[i] = table.getInt(first + i);
    return values;
  });
  globals.setStr('_G', globals);
  globals.setStr('_VERSION', 'Lua 5.1');
}
