/**
 * The FUNCTION engine: libraries of named functions, loaded once (FUNCTION LOAD, an RDB, a
 * replica's full sync) and called by name (FCALL name numkeys key... arg...).
 *
 * It has a Lua state of its own, as Redis has one for functions apart from EVAL's. Every library
 * chunk runs with one environment table, `libraryEnv`, which is empty and readonly and looks
 * names up through its metatable: while a library loads, in the narrow load-time environment
 * (only `redis`, with register_function and log); afterwards, in the full one (the libraries,
 * redis.call...). The functions a library registers are closures of its chunk, so they share
 * that environment and see the full one when FCALL runs them. The metatable's __index is the
 * environment table itself, switched around each load, not a function choosing one: a lookup
 * then runs no native function of its own, and a missing name is reported at the Lua line that
 * asked for it, as in Redis:
 *
 *   FUNCTION LOAD ─▶ parse shebang ─▶ compile ─▶ run chunk (load env) ─▶ check names ─▶ commit
 *   FCALL f 1 k a ─▶ ScriptRun(f's callback, {k}, {a}) (full env; busy slicing as for EVAL)
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import type { Session } from '../dispatch/session';
import { RedisNode } from '../node';
import { loadChunk } from './lua/base-lib';
import { LuaClosure } from './lua/closure';
import { LuaTable } from './lua/table';
import { LuaError } from './lua/values';
import { LuaVM } from './lua/vm';
import { checkScriptGuards } from '../dispatch/dispatch';
import { LibraryError, loadTimeRedisApi, type FunctionLibrary, type RegisteredFunction } from './function-library';
import { parseLibraryMetadata } from './shebang';
import { luaArray, nonexistentGlobalGuard, openScriptingGlobals } from './lua-state';
import type { ScriptHost } from './script-host';
import { errorReplyText, ScriptRun } from './script-run';

/** Loading a library may not run longer than this (Redis's limit for FUNCTION LOAD). */
const LOAD_TIMEOUT_MS = 500;

/** A function as FCALL finds it: its library and its registration. */
export interface LinkedFunction {
  readonly library: FunctionLibrary;
  readonly fn: RegisteredFunction;
}

export class FunctionEngine implements ScriptHost {
  readonly source = '@user_function';
  readonly vm = new LuaVM();
  readonly session: Session;
  run: ScriptRun | null = null;
  /** By name; library names are case-sensitive ("l" and "L" are two libraries), as in Redis. */
  readonly libraries = new Map<string, FunctionLibrary>();
  /**
   * Every function of every library, by its name in lowercase: FCALL finds a function whatever
   * the case it is called with, and two libraries cannot register names that differ only in
   * case. (Each library keeps its functions as registered, for FUNCTION LIST; within one
   * library "f" and "F" may both be registered, and FCALL then reaches the later one.)
   */
  readonly functions = new Map<string, LinkedFunction>();
  private readonly globals: LuaTable;
  private readonly loadEnv: LuaTable;
  private readonly libraryEnv: LuaTable;
  /** libraryEnv's metatable: its __index is loadEnv while a library loads, else globals. */
  private readonly lookup: LuaTable;
  /** The functions registered by the library loading now; null when none is. */
  private loading: Map<string, RegisteredFunction> | null = null;

  constructor(readonly node: RedisNode) {
    this.session = node.createSocketlessSession(RedisNode.FUNCTION_CLIENT_ID);
    this.globals = openScriptingGlobals(this);
    const fullApi = this.globals.getStr('redis') as LuaTable;
    const loadApi = loadTimeRedisApi(fullApi, () => {
      if (this.loading === null) throw new LuaError('redis.register_function can only be called on FUNCTION LOAD command');
      return this.loading;
    });
    loadApi.metatable = nonexistentGlobalGuard();
    loadApi.readonly = true;
    this.loadEnv = new LuaTable(0, 1);
    this.loadEnv.setStr('redis', loadApi);
    this.loadEnv.metatable = nonexistentGlobalGuard();
    this.loadEnv.readonly = true;
    this.libraryEnv = new LuaTable(0, 0);
    this.lookup = new LuaTable(0, 1);
    this.lookup.setStr('__index', this.globals);
    this.libraryEnv.metatable = this.lookup;
    this.libraryEnv.readonly = true;
  }

  /** Loads (or with `replace`, replaces) a library; returns its name. Throws LibraryError. */
  load(code: ByteString, replace: boolean): string {
    const { name, codeStart } = parseLibraryMetadata(code);
    if (this.libraries.has(name) && !replace) throw new LibraryError(`ERR Library '${name}' already exists`);
    // The shebang is not Lua: the code starts at its newline, keeping line numbers.
    const chunk = loadChunk(code.slice(codeStart), this.source, this.libraryEnv);
    if (typeof chunk === 'string') throw new LibraryError(`ERR Error compiling function: ${chunk}`);
    const registered = this.runLoad(chunk);
    if (registered.size === 0) throw new LibraryError('ERR No functions registered');
    for (const fname of registered.keys()) {
      const other = this.functions.get(fname.toLowerCase());
      if (other !== undefined && other.library.name !== name) throw new LibraryError(`ERR Function ${fname} already exists`);
    }
    this.delete(name);
    const library: FunctionLibrary = { name, code, functions: registered };
    this.libraries.set(name, library);
    for (const fn of registered.values()) this.functions.set(fn.name.toLowerCase(), { library, fn });
    return name;
  }

  private runLoad(chunk: LuaClosure): Map<string, RegisteredFunction> {
    const registered = new Map<string, RegisteredFunction>();
    this.loading = registered;
    this.lookup.setStr('__index', this.loadEnv);
    const started = this.node.time.monotonicMs();
    this.vm.onTick = () => {
      if (this.node.time.monotonicMs() - started > LOAD_TIMEOUT_MS) throw new LuaError('FUNCTION LOAD timeout', true, true);
      return 'continue';
    };
    try {
      const outcome = this.vm.runMain(chunk, []);
      if (!Array.isArray(outcome)) throw new Error('a library paused while loading');
    } catch (err) {
      if (!(err instanceof LuaError)) throw err;
      err.luaLine = null;
      throw new LibraryError(`ERR Error registering functions: ${errorReplyText(err, '', this.source)}`);
    } finally {
      this.loading = null;
      this.lookup.setStr('__index', this.globals);
      this.vm.onTick = () => 'continue';
    }
    return registered;
  }

  /** Removes a library and its functions; false if there was none. */
  delete(name: string): boolean {
    const library = this.libraries.get(name);
    if (library === undefined) return false;
    for (const fname of library.functions.keys()) {
      const key = fname.toLowerCase();
      if (this.functions.get(key)?.library === library) this.functions.delete(key);
    }
    this.libraries.delete(name);
    return true;
  }

  flush(): void {
    this.libraries.clear();
    this.functions.clear();
  }

  /** The function FCALL names, whatever the case it is written in; undefined if none. */
  find(name: ByteString): LinkedFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  /**
   * FCALL / FCALL_RO of `found` (argv as the client sent it, `count` keys after numkeys): runs
   * the function; its reply is written now or, if it runs long, later.
   */
  call(ctx: CommandContext, found: LinkedFunction, argv: readonly ByteString[], count: number, readOnlyCommand: boolean): void {
    const keys = argv.slice(3, 3 + count);
    const args = argv.slice(3 + count);
    checkScriptGuards(ctx.session, found.fn.flags);
    const noWrites = found.fn.flags.includes('no-writes');
    if (readOnlyCommand && !noWrites) throw new LibraryError('ERR Can not execute a script with write flag using *_ro command.');
    const callback = found.fn.callback;
    if (!(callback instanceof LuaClosure)) throw new LibraryError('ERR Function not found');
    this.session.db = ctx.db;
    this.session.reply.resp = 2;
    // Named as registered (error suffixes, FUNCTION STATS); the command as the client typed it.
    const run = new ScriptRun(this, found.fn.name, noWrites || readOnlyCommand, ctx);
    run.command = [...argv];
    run.declaredKeys = keys;
    run.allowOom = found.fn.flags.includes('allow-oom');
    if (this.node.cluster !== null && !found.fn.flags.includes('allow-cross-slot-keys')) run.restrictToOneSlot(keys);
    this.run = run;
    run.start(callback, [luaArray(keys), luaArray(args)]);
  }
}
