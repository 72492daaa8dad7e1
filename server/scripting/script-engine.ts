/**
 * The EVAL engine: its own Lua state (lua-state.ts: Redis's libraries, the `redis` table,
 * protected globals), with KEYS and ARGV set for each call by the engine itself (a raw store
 * past the readonly flag of _G).
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
import type { Session } from '../dispatch/session';
import { RedisNode } from '../node';
import { loadChunk } from './lua/base-lib';
import type { LuaClosure } from './lua/closure';
import { LuaTable } from './lua/table';
import { LuaVM } from './lua/vm';
import { luaArray, openScriptingGlobals } from './lua-state';
import { sha1hex } from './redis-api';
import { parseScriptShebang } from './shebang';
import type { ScriptHost } from './script-host';
import { ScriptRun } from './script-run';

export interface CachedScript {
  readonly sha: string;
  readonly body: ByteString;
  readonly fn: LuaClosure;
  /**
   * The flags of a `#!lua flags=...` first line, or null for a script without one (Redis's
   * compatibility mode: it may write, checked command by command).
   */
  readonly flags: readonly string[] | null;
}

export class ScriptEngine implements ScriptHost {
  readonly source = '@user_script';
  readonly vm = new LuaVM();
  readonly globals: LuaTable;
  readonly scripts = new Map<string, CachedScript>();
  /** The session redis.call runs commands on (Redis's "lua client"). */
  readonly session: Session;
  /** The script running now, or null. */
  run: ScriptRun | null = null;

  constructor(readonly node: RedisNode) {
    this.session = node.createSocketlessSession(RedisNode.EVAL_CLIENT_ID);
    this.globals = openScriptingGlobals(this);
  }

  /** Compiles `body` and caches it under its SHA1 (a script already cached is reused). */
  load(body: ByteString): CachedScript | { error: string } {
    const sha = sha1hex(body);
    const cached = this.scripts.get(sha);
    if (cached !== undefined) return cached;
    const shebang = parseScriptShebang(body);
    if (typeof shebang === 'string') return { error: shebang };
    // A shebang line is not Lua: the code starts at its newline, keeping the line count.
    const loaded = loadChunk(shebang === null ? body : body.slice(shebang.codeStart), '@user_script', this.globals);
    if (typeof loaded === 'string') return { error: `ERR Error compiling script (new function): ${loaded}` };
    const script: CachedScript = { sha, body, fn: loaded, flags: shebang === null ? null : shebang.flags };
    this.scripts.set(sha, script);
    return script;
  }

  /** Runs a cached script for the client of `ctx`; its reply is written now, or later if it runs long. */
  execute(ctx: CommandContext, script: CachedScript, keys: ByteString[], args: ByteString[], readOnly: boolean, commandName: string): void {
    const globals = this.globals;
    globals.readonly = false;
    globals.setStr('KEYS', luaArray(keys));
    globals.setStr('ARGV', luaArray(args));
    globals.readonly = true;
    const session = this.session;
    session.db = ctx.db;
    session.reply.resp = 2;
    const run = new ScriptRun(this, script.sha, readOnly, ctx);
    run.command = [commandName];
    run.declaredKeys = keys;
    run.allowOom = script.flags !== null && script.flags.includes('allow-oom');
    // A script that declares flags (a shebang) keeps to one slot unless allow-cross-slot-keys.
    if (this.node.cluster !== null && script.flags !== null && !script.flags.includes('allow-cross-slot-keys')) run.restrictToOneSlot(keys);
    this.run = run;
    run.start(script.fn);
  }

}
