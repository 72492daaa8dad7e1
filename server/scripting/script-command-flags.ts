/**
 * Whether an EVAL or FCALL counts as a write before it runs, for cluster routing.
 *
 * Redis does not take these commands' flags from the command table alone: a script that declares
 * its flags (a `#!lua` shebang, or any function) replaces the command's write flag with its own,
 * write unless it says no-writes. Routing reads that flag: a READONLY client of a replica is
 * served only a read (a write goes to the master with -MOVED), and a down cluster that allows
 * reads refuses a write with "only accepts read commands". Without this, a `#!lua` script
 * would pass for a read and reach the replica's READONLY guard instead.
 *
 * A script is found as Redis finds it: in the cache by SHA1 (EVALSHA never parses a body), else
 * by reading the shebang of EVAL's body. A script without a shebang (compatibility mode), one
 * not found, or a bad shebang keep the command's own flags (its error comes later, when it runs).
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandSpec } from '../dispatch/command';
import type { FunctionEngine } from './function-engine';
import { sha1hex } from './redis-api';
import type { ScriptEngine } from './script-engine';
import { parseScriptShebang } from './shebang';

/** The engines that exist (neither is created just to answer this). */
export interface LoadedEngines {
  readonly scripts: ScriptEngine | null;
  readonly functions: FunctionEngine | null;
}

const SCRIPT_COMMANDS = new Set(['eval', 'eval_ro', 'evalsha', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** The declared flags' verdict (true: a write), or null when the command's own flags apply. */
export function scriptCommandIsWrite(engines: LoadedEngines, spec: CommandSpec, argv: readonly ByteString[]): boolean | null {
  const name = spec.fullName;
  if (!SCRIPT_COMMANDS.has(name)) return null;
  const target = argv[1];
  if (target === undefined) return null;
  const flags = name.startsWith('fcall') ? engines.functions?.find(target)?.fn.flags : evalFlags(engines, name, target);
  if (flags === undefined || flags === null) return null;
  return !flags.includes('no-writes');
}

function evalFlags(engines: LoadedEngines, name: string, bodyOrSha: ByteString): readonly string[] | null | undefined {
  if (name.startsWith('evalsha')) {
    // Longer than a SHA1: not a name Redis looks up.
    if (bodyOrSha.length > 40) return null;
    return engines.scripts?.scripts.get(bodyOrSha.toLowerCase())?.flags;
  }
  // A body without a shebang has no flags, cached or not.
  if (!bodyOrSha.startsWith('#!')) return null;
  const cached = engines.scripts?.scripts.get(sha1hex(bodyOrSha));
  if (cached !== undefined) return cached.flags;
  const parsed = parseScriptShebang(bodyOrSha);
  return parsed === null || typeof parsed === 'string' ? null : parsed.flags;
}
