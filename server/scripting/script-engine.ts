/**
 * A node's Lua engine, set up as Redis 7.0 sets up its own: one Lua state for EVAL scripts,
 * the libraries Redis loads (base, table, string, math, cjson, cmsgpack, bit, struct), the
 * `redis` table (redis-api.ts), and globals protection:
 *
 *   - _G is readonly: `x = 1` fails with "Attempt to modify a readonly table";
 *   - reading a global that does not exist fails with "Script attempted to access nonexistent
 *     global variable 'x'" (a metatable on _G whose __index raises);
 *   - the library tables are readonly too;
 *   - KEYS and ARGV are set for each call by the engine itself (a raw store past the flag).
 *
 * Scripts are compiled once and cached by the SHA1 of their body (EVAL caches what it runs;
 * SCRIPT LOAD caches without running; EVALSHA runs from the cache; SCRIPT FLUSH empties it).
 *
 * Errors become replies as Redis words them:
 *   compile error    "ERR Error compiling script (new function): user_script:1: ..."
 *   runtime error    "ERR user_script:1: <message> script: <sha>, on @user_script:1."
 *   error({err=..})  "<err> script: <sha>, on @user_script:<line>."
 * (the suffix names the script and the line of the innermost Lua code running when it failed).
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { RedisNode } from '../node';
import type { Session } from '../dispatch/session';
import { loadChunk, openBaseLib } from './lua/base-lib';
import type { LuaClosure } from './lua/closure';
import { openCoroutineLib } from './lua/coroutine-lib';
import { openMathLib, RedisRandom } from './lua/math-lib';
import { LuaTable } from './lua/table';
import { openTableLib } from './lua/table-lib';
import { openStringLib } from './lua/string-lib';
import { NativeFunction } from './lua/values';
import { LuaVM } from './lua/vm';
import { openBit } from './lua/redis-libs/bit';
import { openCjson } from './lua/redis-libs/cjson';
import { openCmsgpack } from './lua/redis-libs/cmsgpack';
import { openStruct } from './lua/redis-libs/struct';
import { openRedisApi, sha1hex } from './redis-api';
import { ScriptRun } from './script-run';

export interface CachedScript {
  readonly sha: string;
  readonly body: ByteString;
  readonly fn: LuaClosure;
}

export class ScriptEngine {
  readonly vm = new LuaVM();
  readonly globals = new LuaTable(0, 64);
  readonly scripts = new Map<string, CachedScript>();
  /** The session redis.call runs commands on (Redis's "lua client"). */
  readonly session: Session;
  /** The script running now, or null. */
  run: ScriptRun | null = null;

  constructor(readonly node: RedisNode) {
    this.session = node.createSocketlessSession(RedisNode.EVAL_CLIENT_ID);
    const vm = this.vm;
    const globals = this.globals;
    openBaseLib(vm, globals);
    const libraries: Array<[string, LuaTable]> = [
      ['table', openTableLib()],
      ['string', openStringLib()],
      ['math', openMathLib(new RedisRandom(node.random.below(2 ** 31)))],
      ['coroutine', openCoroutineLib(vm)],
      ['cjson', openCjson()],
      ['cmsgpack', openCmsgpack()],
      ['bit', openBit()],
      ['struct', openStruct()],
      ['redis', openRedisApi(this)],
    ];
    for (const [name, table] of libraries) globals.setStr(name, table);
    const stringMeta = new LuaTable(0, 1);
    stringMeta.setStr('__index', globals.getStr('string'));
    vm.stringMetatable = stringMeta;
    // Redis's pcall: an error table ({err = "..."}, as redis.call raises) is caught as its
    // message string, so scripts can test and print it.
    const basePcall = globals.getStr('pcall');
    globals.setStr('pcall', new NativeFunction('pcall', (rt, args) => {
      const results = rt.call(basePcall, args);
      const error = results[1];
      if (results[0] === false && error instanceof LuaTable) {
        const message = error.getStr('err');
        if (typeof message === 'string' || typeof message === 'number') results[1] = message;
      }
      return results;
    }));
    // Redis's error handler is visible to scripts as a global; here errors are shaped by the
    // engine (errorReply), so it only passes its argument through.
    globals.setStr('__redis__err__handler', new NativeFunction('__redis__err__handler', (_rt, args) => [args[0]]));
    this.protectGlobals();
  }

  private protectGlobals(): void {
    const guard = new LuaTable(0, 1);
    guard.setStr('__index', new NativeFunction('__index', (rt, args) => {
      const name = args[1];
      return rt.error(`Script attempted to access nonexistent global variable '${typeof name === 'string' ? name : rt.tostring(name)}'`);
    }));
    this.globals.metatable = guard;
    for (let entry = this.globals.next(undefined); entry !== undefined; entry = this.globals.next(entry[0])) {
      if (entry[1] instanceof LuaTable) entry[1].readonly = true;
    }
    this.globals.readonly = true;
  }

  /** Compiles `body` and caches it under its SHA1 (a script already cached is reused). */
  load(body: ByteString): CachedScript | { error: string } {
    const sha = sha1hex(body);
    const cached = this.scripts.get(sha);
    if (cached !== undefined) return cached;
    const loaded = loadChunk(stripShebang(body), '@user_script', this.globals);
    if (typeof loaded === 'string') return { error: `ERR Error compiling script (new function): ${loaded}` };
    const script: CachedScript = { sha, body, fn: loaded };
    this.scripts.set(sha, script);
    return script;
  }

  /** Runs a cached script for the client of `ctx`; its reply is written now, or later if it runs long. */
  execute(ctx: CommandContext, script: CachedScript, keys: ByteString[], args: ByteString[], readOnly: boolean): void {
    const globals = this.globals;
    globals.readonly = false;
    globals.setStr('KEYS', arrayOf(keys));
    globals.setStr('ARGV', arrayOf(args));
    globals.readonly = true;
    const session = this.session;
    session.db = ctx.db;
    session.reply.resp = 2;
    const run = new ScriptRun(this, script.sha, readOnly, ctx);
    this.run = run;
    run.start(script.fn);
  }

  flush(): void {
    this.scripts.clear();
  }
}

/** A shebang line (`#!lua flags=...`) is not Lua: it is blanked, keeping the line count. */
function stripShebang(body: ByteString): ByteString {
  if (!body.startsWith('#!')) return body;
  const end = body.indexOf('\n');
  return end < 0 ? '' : body.slice(end);
}

function arrayOf(values: readonly ByteString[]): LuaTable {
  const table = new LuaTable(values.length, 0);
  values.forEach((value, i) => table.setInt(i + 1, value));
  return table;
}
