/**
 * What a running script needs of the engine that runs it: the node, the VM, the session its
 * redis.call commands run on, and the run in progress. Two engines provide it: ScriptEngine
 * (EVAL, script-engine.ts) and FunctionEngine (FCALL, function-engine.ts), each with its own
 * Lua state, as Redis keeps one for scripts and one for functions.
 */
import type { RedisNode } from '../node';
import type { Session } from '../dispatch/session';
import type { LuaVM } from './lua/vm';
import type { ScriptRun } from './script-run';

export interface ScriptHost {
  readonly node: RedisNode;
  readonly vm: LuaVM;
  /** The session redis.call runs commands on (Redis's "lua client"). */
  readonly session: Session;
  /** The script or function running now, or null. */
  run: ScriptRun | null;
  /** "@user_script" or "@user_function": how errors name where the code came from. */
  readonly source: string;
}
