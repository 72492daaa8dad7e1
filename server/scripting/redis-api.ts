/**
 * The `redis` table scripts call into: redis.call / redis.pcall run a Redis command from the
 * script, the rest are helpers (error_reply, status_reply, sha1hex, log, setresp, set_repl,
 * replicate_commands, acl_check_cmd, breakpoint, debug) and constants (REDIS_VERSION, LOG_*,
 * REPL_*).
 *
 * A command from a script goes through Redis's script checks, in its order, each failure an
 * error table ({err = "..."}) that redis.call raises and redis.pcall returns:
 *
 *   1. at least one argument; every argument a string or a number (numbers as %.14g)
 *   2. the command exists, with the right arity
 *   3. it is allowed in scripts (not flagged noscript: EVAL, MULTI, WATCH, SUBSCRIBE, ...)
 *   4. a write: not from a read-only script (EVAL_RO, no-writes), not after a failed save
 *      (MISCONF), not on a read-only replica (READONLY), not without enough good replicas
 *   5. in cluster mode: its keys are served here (else "non local key", or that the cluster
 *      is down), and, unless the script may cross slots (an EVAL without a shebang, or the
 *      allow-cross-slot-keys flag), all in one slot over the whole script
 *
 * then it runs on the engine's own session, exactly as a client's command runs (stats,
 * keyspace events, propagation into the EVAL's execution unit, so several writes reach replicas
 * wrapped in MULTI/EXEC), and its reply is read back into Lua (reply-to-lua.ts).
 */
import { createHash } from 'node:crypto';
import type { ByteString } from '../../storage/bytes';
import { formatDouble } from '../../storage/numbers';
import { REDIS_VERSION } from '../../storage/redis-version';
import { diskErrorReply } from '../persistence/snapshots';
import { mayReplicate } from '../client-pause';
import { runCommand } from '../dispatch/dispatch';
import type { CommandSpec } from '../dispatch/command';
import { findKeys } from '../dispatch/key-specs';
import { keyHashSlot } from '../../storage/key-slot';
import { numberToString } from './lua/numbers';
import { toNumber } from './lua/vm-ops';
import { LuaTable } from './lua/table';
import { LuaError, NativeFunction, type LuaRuntime, type LuaValue } from './lua/values';
import { commandErrorTable, errorTable, field, replyToLua } from './reply-to-lua';
import type { ScriptHost } from './script-host';
import type { ScriptRun } from './script-run';


/** Raises an error as Redis's API helpers raise theirs: an error table, no script position. */
function raise(message: string): never {
  throw new LuaError(errorTable(`ERR ${message}`));
}

/** redis.error_reply's rule: "-CODE msg" and "CODE msg" keep their code; a bare word gets ERR. */
function errorReplyMessage(text: string): string {
  // Redis handles the text as a C string: it ends at a NUL byte.
  const nul = text.indexOf('\0');
  const cut = nul < 0 ? text : text.slice(0, nul);
  const message = cut.startsWith('-') ? cut.slice(1) : cut;
  return message.includes(' ') ? message : `ERR ${message}`;
}

const LOG_LEVELS = ['debug', 'verbose', 'notice', 'warning'] as const;

export function openRedisApi(engine: ScriptHost): LuaTable {
  const redis = new LuaTable(0, 32);
  const define = (name: string, body: (rt: LuaRuntime, args: LuaValue[]) => LuaValue[]): void => {
    redis.setStr(name, new NativeFunction(name, body));
  };
  define('call', (_rt, args) => {
    const reply = scriptCall(engine, args);
    if (reply instanceof LuaTable && typeof reply.getStr('err') === 'string') throw new LuaError(reply);
    return [reply];
  });
  define('pcall', (_rt, args) => [scriptCall(engine, args)]);
  // A bad argument makes error_reply and status_reply return an error table, not raise one.
  define('error_reply', (_rt, args) => {
    if (args.length !== 1 || typeof args[0] !== 'string') return [errorTable('ERR wrong number or type of arguments')];
    return [errorTable(errorReplyMessage(args[0] as string))];
  });
  define('status_reply', (_rt, args) => {
    if (args.length !== 1 || typeof args[0] !== 'string') return [errorTable('ERR wrong number or type of arguments')];
    return [field('ok', args[0])];
  });
  define('sha1hex', (_rt, args) => {
    if (args.length !== 1) raise('wrong number of arguments');
    const value = args[0];
    const text = typeof value === 'string' ? value : typeof value === 'number' ? numberToString(value) : '';
    return [sha1hex(text)];
  });
  define('log', (_rt, args) => {
    if (args.length < 2) raise('redis.log() requires two arguments or more.');
    const number = toNumber(args[0]);
    if (number === undefined) return raise('First argument must be a number (log level).');
    const name = LOG_LEVELS[Math.trunc(number)];
    if (name === undefined) return raise('Invalid debug level.');
    const parts = args.slice(1).map((a) => (typeof a === 'string' ? a : typeof a === 'number' ? numberToString(a) : ''));
    engine.node.log[name](parts.join(' '));
    return [];
  });
  define('setresp', (_rt, args) => {
    if (args.length !== 1) raise('redis.setresp() requires one argument.');
    // Read as C reads it: lua_tonumber ("3" is 3, "x" is 0), then cut to an int.
    const version = Math.trunc(toNumber(args[0]) ?? 0);
    if (version !== 2 && version !== 3) return raise('RESP version must be 2 or 3.');
    const run = engine.run;
    if (run !== null) run.resp = version;
    engine.session.reply.resp = version;
    return [];
  });
  define('set_repl', (_rt, args) => {
    // (Redis's own wording, whatever the count.)
    if (args.length !== 1) raise('redis.set_repl() requires two arguments.');
    const flags = Math.trunc(toNumber(args[0]) ?? 0);
    if (flags < 0 || flags > 3) {
      raise('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
    }
    // REPL_REPLICA (2) is the bit replicas depend on; REPL_AOF alone keeps the writes here.
    engine.session.replicateCommands = (flags & 2) !== 0;
    return [];
  });
  define('replicate_commands', () => [true]);
  define('breakpoint', () => [false]);
  define('debug', () => []);
  define('acl_check_cmd', (_rt, args) => {
    if (args.length < 1) raise('Please specify at least one argument for this redis lib call');
    const name = args[0];
    if (typeof name !== 'string' && typeof name !== 'number') throw new LuaError(errorTable('ERR Lua redis lib command arguments must be strings or integers'));
    if (typeof name !== 'string' || engine.node.commands.lookup(name) === undefined) throw new LuaError(errorTable('ERR Invalid command passed to redis.acl_check_cmd()'));
    return [true];
  });
  redis.setStr('REDIS_VERSION', REDIS_VERSION);
  const [major = 0, minor = 0, patch = 0] = REDIS_VERSION.split('.').map(Number);
  redis.setStr('REDIS_VERSION_NUM', (major << 16) | (minor << 8) | patch);
  LOG_LEVELS.forEach((level, i) => redis.setStr(`LOG_${level.toUpperCase()}`, i));
  redis.setStr('REPL_NONE', 0);
  redis.setStr('REPL_AOF', 1);
  redis.setStr('REPL_SLAVE', 2);
  redis.setStr('REPL_REPLICA', 2);
  redis.setStr('REPL_ALL', 3);
  return redis;
}

/** The SHA1 of a script body (or any byte string), in lowercase hex: a script's name. */
export function sha1hex(text: ByteString): string {
  return createHash('sha1').update(Buffer.from(text, 'latin1')).digest('hex');
}

/**
 * The noscript commands a script may still not call with DEBUG SET-DISABLE-DENY-SCRIPTS 1. Redis
 * lets a script call them all, and then crashes (a script from a script, SCRIPT FLUSH, PSYNC),
 * answers for a client that can never block (MONITOR, SUBSCRIBE, WAIT), changes the state of the
 * scripts' own client for every later script (MULTI, HELLO, AUTH, CLIENT REPLY, CLIENT TRACKING),
 * or stops or demotes the server under the running script (SHUTDOWN, FAILOVER, REPLICAOF).
 * hashslot refuses them as it does without the setting; the rest (DEBUG, CONFIG, CLIENT LIST,
 * SAVE, the blocking commands answering at once...) run as from a client.
 */
const NOSCRIPT_ALWAYS: ReadonlySet<string> = new Set([
  'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro', 'script|flush', 'script|kill', 'script|debug',
  'function|delete', 'function|flush', 'function|kill', 'function|load', 'function|restore', 'function|stats',
  'multi', 'exec', 'discard', 'watch', 'unwatch', 'monitor', 'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe',
  'ssubscribe', 'sunsubscribe', 'psync', 'sync', 'replconf', 'quit', 'reset', 'hello', 'auth', 'client|reply',
  'client|tracking', 'client|caching', 'wait', 'shutdown', 'failover', 'replicaof', 'slaveof', 'cluster|reset',
]);

/** Runs one command for a script: its checks, then the command; the reply as a Lua value. */
function scriptCall(engine: ScriptHost, args: LuaValue[]): LuaValue {
  const run = engine.run;
  if (run === null) throw new LuaError(errorTable('ERR redis.call() called outside of a script'));
  if (args.length === 0) return errorTable('ERR Please specify at least one argument for this redis lib call');
  const argv: ByteString[] = [];
  for (const arg of args) {
    if (typeof arg === 'string') argv.push(arg);
    // Redis 7.0 writes a number argument with "%.17g" (tostring's "%.14g" would lose digits).
    else if (typeof arg === 'number') argv.push(Number.isFinite(arg) ? formatDouble(arg) : numberToString(arg));
    else return errorTable('ERR Lua redis lib command arguments must be strings or integers');
  }
  const node = engine.node;
  const spec = lookupForScript(engine, argv);
  if (spec === undefined) return refused(engine, null, 'ERR Unknown Redis command called from script');
  if ((spec.arity > 0 && argv.length !== spec.arity) || argv.length < -spec.arity) {
    return refused(engine, spec, 'ERR Wrong number of args calling Redis command from script');
  }
  if (spec.flags.has('noscript') && !(node.debugHooks.scriptsMayCallNoscript && !NOSCRIPT_ALWAYS.has(spec.fullName))) {
    return refused(engine, spec, 'ERR This Redis command is not allowed from script');
  }
  // A script flagged allow-stale runs on a stale replica, but only commands that may.
  if (!spec.servesStale && isStale(node)) return refused(engine, spec, 'ERR Can not execute the command on a stale replica');
  // ACLs: the caller's user (server/acl/acl.ts), whose rules also decide SORT BY/GET inside.
  const denial = node.acl.scriptDenial(run.caller.session, spec, argv);
  if (denial !== null) return refused(engine, spec, denial);
  engine.session.user = run.caller.session.user;
  // A read-only script may not call a may_replicate command either (PFCOUNT, PUBLISH): it
  // gets the read-only refusal, the first one writeRefusal checks.
  if (spec.isWrite || (run.readOnly && mayReplicate(spec))) {
    const refusal = writeRefusal(engine, run);
    if (refusal !== null) return refused(engine, spec, refusal);
  }
  // maxmemory: a deny-oom command before the script's first write, if memory was over at its start.
  const oom = node.memory.scriptCommandRefusal(spec, run.allowOom, run.wrote, run.caller.session.kind === 'master');
  if (oom !== null) return refused(engine, spec, oom);
  // Dirty from here on, whether or not the write then passes the cluster check or succeeds.
  if (spec.isWrite) run.wrote = true;
  const session = engine.session;
  const cluster = node.cluster;
  if (cluster !== null && (spec.firstKey > 0 || spec.flags.has('movablekeys'))) {
    const caller = run.caller.session;
    session.asking = caller.asking;
    session.readonly = caller.readonly;
    const redirect = cluster.route(session, spec, argv);
    if (redirect !== null) return refused(engine, spec, clusterRefusal(redirect));
    const refusal = slotRefusal(run, spec, argv);
    if (refusal !== null) return refused(engine, spec, refusal);
  }
  // Each command reads the clock, as Redis 7.0's commands read mstime() inside a script; only
  // expiry checks keep the script's start (script-run.ts).
  node.nowMs = node.clock();
  runCommand(session, spec, argv);
  const caller = run.caller.session;
  if (caller.tracking !== null && spec.flags.has('readonly')) node.tracking.remember(caller, run.declaredKeys);
  return replyToLua(session.reply.take());
}

/**
 * A script's command this node would not serve, as Redis words it for scripts
 * (scriptVerifyClusterState): a down cluster is said so; every redirect (MOVED, ASK, TRYAGAIN,
 * CROSSSLOT, an unassigned slot) is a "non local key", since a script cannot follow one.
 */
function clusterRefusal(redirect: string): string {
  if (redirect === 'CLUSTERDOWN The cluster is down') return 'ERR Script attempted to execute a command while the cluster is down';
  if (redirect === 'CLUSTERDOWN The cluster is down and only accepts read commands') {
    return 'ERR Script attempted to execute a write command while the cluster is down and readonly';
  }
  return 'ERR Script attempted to access a non local key in a cluster node';
}

/**
 * The one-slot rule of a run held to one slot (ScriptRun.restrictToOneSlot): its first keyed
 * command fixes the slot if its declared keys did not; a later one on another slot is refused.
 */
function slotRefusal(run: ScriptRun, spec: CommandSpec, argv: readonly ByteString[]): string | null {
  if (run.crossSlotAllowed) return null;
  const first = findKeys(spec.keys, argv)[0];
  if (first === undefined) return null;
  const slot = keyHashSlot(argv[first] as ByteString);
  if (run.slot === undefined) run.slot = slot;
  else if (run.slot !== slot) return 'ERR Script attempted to access keys that do not hash to the same slot';
  return null;
}

function lookupForScript(engine: ScriptHost, argv: readonly ByteString[]): CommandSpec | undefined {
  const top = engine.node.commands.lookup(argv[0] as ByteString);
  if (top === undefined || top.subcommands === null || argv.length < 2) return top;
  return top.subcommands.get((argv[1] as ByteString).toLowerCase());
}

/**
 * A command the script may not run: counted now as Redis counts a rejected command (INFO
 * errorstats, and the command's rejected_calls), and given to the script marked as counted.
 */
function refused(engine: ScriptHost, spec: CommandSpec | null, message: string): LuaTable {
  engine.node.stats.countError(message);
  if (spec !== null) spec.stats.rejectedCalls++;
  return commandErrorTable(message);
}

/** A replica whose link is down and that must not serve stale data. */
function isStale(node: ScriptHost['node']): boolean {
  const replication = node.replication;
  return replication.isReplica && !replication.linkUp && !node.config.bool('replica-serve-stale-data');
}

/** Why a write may not run from this script now, or null (Redis's scriptVerifyWriteCommandAllow). */
function writeRefusal(engine: ScriptHost, run: ScriptRun): string | null {
  if (run.readOnly) return 'ERR Write commands are not allowed from read-only scripts.';
  const node = engine.node;
  const replication = node.replication;
  if (!replication.isReplica) {
    const diskError = diskErrorReply(node);
    if (diskError !== null) return diskError;
  }
  if (replication.isReplica && node.config.bool('replica-read-only') && run.caller.session.kind !== 'master') {
    return "READONLY You can't write against a read only replica.";
  }
  if (replication.tooFewGoodReplicas()) return 'NOREPLICAS Not enough good replicas to write.';
  return null;
}
