/**
 * A Lua state set up as Redis 7.0 sets up its own, for scripts (EVAL) and for functions (FCALL):
 * the libraries Redis loads (base, table, string, math, coroutine, cjson, cmsgpack, bit, struct),
 * the `redis` table (redis-api.ts), Redis's pcall, and globals protection:
 *
 *   - _G is readonly: `x = 1` fails with "Attempt to modify a readonly table";
 *   - reading a global that does not exist fails with "Script attempted to access nonexistent
 *     global variable 'x'" (a metatable on _G whose __index raises);
 *   - the library tables are readonly too.
 */
import { openBaseLib } from './lua/base-lib';
import { openCoroutineLib } from './lua/coroutine-lib';
import { openMathLib } from './lua/math-lib';
import { openBit } from './lua/redis-libs/bit';
import { openCjson } from './lua/redis-libs/cjson';
import { openCmsgpack } from './lua/redis-libs/cmsgpack';
import { openStruct } from './lua/redis-libs/struct';
import { openStringLib } from './lua/string-lib';
import { LuaTable } from './lua/table';
import { openTableLib } from './lua/table-lib';
import { NativeFunction } from './lua/values';
import { openRedisApi } from './redis-api';
import type { ScriptHost } from './script-host';

/** The globals of a new Lua state for `host` (its VM gets the string metatable too). */
export function openScriptingGlobals(host: ScriptHost): LuaTable {
  const vm = host.vm;
  const globals = new LuaTable(0, 64);
  openBaseLib(vm, globals);
  const libraries: Array<[string, LuaTable]> = [
    ['table', openTableLib()],
    ['string', openStringLib()],
    // The node's generator: EVAL and FCALL draw from one sequence, whatever engine is new.
    ['math', openMathLib(host.node.luaRandom)],
    ['coroutine', openCoroutineLib(vm)],
    ['cjson', openCjson()],
    ['cmsgpack', openCmsgpack()],
    ['bit', openBit()],
    ['struct', openStruct()],
    ['redis', openRedisApi(host)],
  ];
  for (const [name, table] of libraries) globals.setStr(name, table);
  const stringMeta = new LuaTable(0, 1);
  stringMeta.setStr('__index', globals.getStr('string'));
  // Readonly as in Redis: a script changing it would change strings for every later script.
  stringMeta.readonly = true;
  vm.stringMetatable = stringMeta;
  // Redis's pcall: an error table ({err = "..."}, as redis.call raises) is caught as its
  // message string, so scripts can test and print it (xpcall's handler gets the table).
  vm.redisPcall = true;
  // Redis's error handler is visible to scripts as a global; here errors are shaped when the
  // reply is written (script-run.ts), so it only passes its argument through.
  globals.setStr('__redis__err__handler', new NativeFunction('__redis__err__handler', (_rt, args) => [args[0]]));
  protectGlobals(globals);
  return globals;
}

/** A metatable whose __index raises Redis's error for a global (or field) that does not exist. */
export function nonexistentGlobalGuard(): LuaTable {
  const guard = new LuaTable(0, 1);
  guard.setStr('__index', new NativeFunction('__index', (rt, args) => {
    const name = args[1];
    return rt.error(`Script attempted to access nonexistent global variable '${typeof name === 'string' ? name : rt.tostring(name)}'`);
  }));
  return guard;
}

function protectGlobals(globals: LuaTable): void {
  globals.metatable = nonexistentGlobalGuard();
  globals.metatable.readonly = true;
  for (let entry = globals.next(undefined); entry !== undefined; entry = globals.next(entry[0])) {
    if (entry[1] instanceof LuaTable) entry[1].readonly = true;
  }
  globals.readonly = true;
}

/** A Lua array of byte strings (KEYS, ARGV, FCALL's keys and args). */
export function luaArray(values: readonly string[]): LuaTable {
  const table = new LuaTable(values.length, 0);
  values.forEach((value, i) => table.setInt(i + 1, value));
  return table;
}
