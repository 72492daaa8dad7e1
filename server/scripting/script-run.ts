/**
 * One run of a script, from EVAL to its reply, including the case Redis calls a "busy" script:
 * one that runs longer than busy-reply-threshold (lua-time-limit, 5 s by default).
 *
 * A script is atomic: no other command runs while it does. Redis keeps that by running it to
 * the end on its only thread, and once the threshold has passed it serves other clients from
 * inside the Lua hook only to answer them -BUSY (and to take SCRIPT KILL or SHUTDOWN NOSAVE).
 * Node cannot read sockets in the middle of a synchronous call, so a busy script here runs in
 * slices instead:
 *
 *   EVAL ──runs── threshold ┄ pause ┄ event loop (others: -BUSY; SCRIPT KILL) ┄ slice ┄ pause ┄ … ─ reply
 *        └─────────────── the node is held: no other command, no active expiry ───────────────┘
 *
 * The VM stops between two instructions when the tick hook asks it to (vm.ts), the node is
 * held as MIGRATE holds it (exclusive-run.ts) except that other clients get -BUSY instead of
 * waiting, and the writes of the whole run stay one replication unit (MULTI/EXEC on replicas).
 *
 * Time, as Redis 7.0 keeps it for scripts: whether a key has expired is judged by the instant
 * the script started, for the whole run (KeyspaceContext.scriptTimeSnapshotMs), so a script
 * never sees a key vanish under it however long it runs. Everything else reads the clock when
 * the command runs (redis-api.ts sets `nowMs` per call): TIME, a TTL (a key past its deadline
 * but alive to the script answers PTTL 0), the deadline SET PX or EXPIRE computes, and
 * EXPIRE's test of a deadline already past (which deletes the key at once).
 *
 * SCRIPT KILL (FUNCTION KILL) arrives during a pause. Like Redis, the kill is then a Lua error
 * raised where the script stands, on the line it was about to run; and as Redis does, from then
 * on the same error is raised again before each new line of that thread (the VM's line hook)
 * and at each tick, so a pcall around the loop catches it once and the script ends on the next
 * line after the pcall.
 */
import type { ByteString } from '../../storage/bytes';
import { keyHashSlot } from '../../storage/key-slot';
import type { CommandContext } from '../dispatch/command-context';
import type { LuaClosure } from './lua/closure';
import { LuaTable } from './lua/table';
import { LuaError, type LuaValue } from './lua/values';
import type { Suspension, TickVerdict } from './lua/vm-threads';
import { cString, writeLuaReply } from './lua-to-reply';
import { errorTable, IGNORE_STATS_FIELD } from './reply-to-lua';
import type { ScriptHost } from './script-host';

/** How long a busy script runs between two turns of the event loop. */
const SLICE_MS = 20;

export const BUSY_SCRIPT_ERROR = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION_ERROR = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
const KILLED_MESSAGE = 'ERR Script killed by user with SCRIPT KILL...';
/** What Redis logs (at warning level) when a kill stops a script, for EVAL and FCALL alike. */
const KILLED_LOG_LINE = 'Lua script killed by user with SCRIPT KILL.';

export class ScriptRun {
  /** redis.setresp: the protocol redis.call's replies are read in (and booleans returned). */
  resp: 2 | 3 = 2;
  /**
   * A write command was called (SCRIPT KILL then refuses: the script is UNKILLABLE). Set once it
   * passed the write checks, before the cluster check and before it runs, as Redis sets
   * SCRIPT_WRITE_DIRTY: a write that then fails still counts.
   */
  wrote = false;
  /**
   * Whether the script may touch keys of several slots (cluster mode). Redis allows it to an
   * EVAL without a shebang (compatibility mode) and to scripts and functions flagged
   * allow-cross-slot-keys; any other run is held to one slot (restrictToOneSlot).
   */
  crossSlotAllowed = true;
  /** The one slot a restricted run may touch: its declared keys', else its first key's. */
  slot: number | undefined = undefined;
  /** Declared allow-oom: its deny-oom commands run even over maxmemory. */
  allowOom = false;
  /** Past busy-reply-threshold: other clients get -BUSY. */
  busy = false;
  /** SCRIPT KILL asked for it: raised at the next instruction, then at each new line and tick. */
  killRequested = false;
  /** The command that started the run: FUNCTION STATS shows an FCALL whole; an EVAL gives its name, for INFO commandstats. */
  command: string[] = [];
  /** The keys the caller declared (KEYS): what a tracking caller is recorded as reading. */
  declaredKeys: readonly ByteString[] = [];
  private release: (() => void) | null = null;
  private readonly startedAtMs: number;
  private sliceStartedAtMs = 0;
  /** The wall-clock instant the run started: keys expire by it while the run lasts. */
  private readonly snapshotMs: number;

  constructor(
    private readonly engine: ScriptHost,
    readonly sha: string,
    /** EVAL_RO / EVALSHA_RO, or a no-writes shebang flag. */
    readonly readOnly: boolean,
    /** The client that ran EVAL. */
    readonly caller: CommandContext,
  ) {
    this.startedAtMs = engine.node.time.monotonicMs();
    this.snapshotMs = engine.node.clock();
  }

  /**
   * Holds the run to one slot, for its engine to call before start() when the script is not in
   * compatibility mode and lacks allow-cross-slot-keys: the slot of `keys` (the declared keys,
   * which the dispatcher already checked share one), or, without any, of the first key a
   * command touches. A command on another slot then fails with Redis's error (redis-api.ts).
   */
  restrictToOneSlot(keys: readonly ByteString[]): void {
    this.crossSlotAllowed = false;
    const first = keys[0];
    this.slot = first === undefined ? undefined : keyHashSlot(first);
  }

  /** How long it has been running, in ms. */
  elapsedMs(): number {
    return this.engine.node.time.monotonicMs() - this.startedAtMs;
  }

  /** Runs `fn` (with KEYS and ARGV already set); the reply is written now or, if busy, later. */
  start(fn: LuaClosure, args: LuaValue[] = []): void {
    const node = this.engine.node;
    node.replication.beginUnit();
    node.keyspace.context.scriptTimeSnapshotMs = this.snapshotMs;
    this.engine.session.replicateCommands = true;
    this.engine.vm.onTick = () => this.tick();
    this.step(() => this.engine.vm.runMain(fn, args));
  }

  private step(slice: () => LuaValue[] | Suspension): void {
    let outcome: LuaValue[] | Suspension;
    try {
      outcome = slice();
    } catch (err) {
      if (!(err instanceof LuaError)) {
        this.end();
        throw err;
      }
      this.replyError(err);
      this.end();
      return;
    }
    if (!Array.isArray(outcome)) {
      // A pause: hold the node (first time), let the event loop run, then the next slice.
      this.release ??= this.caller.suspend();
      setImmediate(() => {
        // The node shut down meanwhile (SHUTDOWN NOSAVE): the script ends with it.
        if (this.engine.node.isClosing) return;
        if (this.killRequested) {
          this.killWhilePaused();
          return;
        }
        this.sliceStartedAtMs = this.engine.node.time.monotonicMs();
        this.step(() => this.engine.vm.resumeMain());
      });
      return;
    }
    let failed = false;
    writeLuaReply(this.caller.reply, outcome[0], this.resp, (message, alreadyCounted) => {
      this.countError(message, alreadyCounted);
      failed ||= !alreadyCounted;
    });
    if (failed) this.countFailedCall();
    this.end();
  }

  private tick(): TickVerdict {
    // Normally a kill is taken at the pause it arrived in (killWhilePaused). A run that cannot
    // pause (its loop inside a metamethod or another native callback) is stopped here instead,
    // at whatever instruction it is on; so is a script whose pcall caught the kill and that
    // loops on without reaching a new line.
    if (this.killRequested) {
      this.armKill();
      throw killedError(null);
    }
    const now = this.engine.node.time.monotonicMs();
    if (!this.busy) {
      const elapsedMs = now - this.startedAtMs;
      if (elapsedMs < this.engine.node.config.number('busy-reply-threshold')) return 'continue';
      this.busy = true;
      // A function is stopped with FUNCTION KILL, an EVAL with SCRIPT KILL: the line says which.
      const killCommand = this.engine.source === '@user_function' ? 'FUNCTION KILL' : 'SCRIPT KILL';
      this.engine.node.log.warning(
        `Slow script detected: still in execution after ${Math.round(elapsedMs)} milliseconds. You can try killing the script using the ${killCommand} command. Script name is: ${this.sha}.`,
      );
      return 'pause';
    }
    return now - this.sliceStartedAtMs >= SLICE_MS ? 'pause' : 'continue';
  }

  /**
   * SCRIPT KILL arrived while the run was paused: the next slice raises the kill before its
   * first instruction, on that instruction's line (the first of the loop, a `for`'s body, a
   * `while`'s condition, or a call about to be made). Redis names the line its instruction-count
   * hook stopped at, anywhere in the loop and so mostly in the body: `for i = 1, n do\n  t[i %
   * 10] = i\nend` is killed on line 3 there (on line 2 when the hook lands on the jump back).
   */
  private killWhilePaused(): void {
    this.armKill();
    this.engine.vm.forceLineHook = true;
    this.step(() => this.engine.vm.resumeMain());
  }

  /**
   * From now on every new line of the running thread raises the kill again (so a pcall cannot
   * swallow it). As in Redis, where the hook is set on the thread the kill stopped: a coroutine
   * killed inside coroutine.resume only fails that resume, and the main chunk goes on until the
   * next tick raises the kill there.
   */
  private armKill(): void {
    const vm = this.engine.vm;
    if (vm.lineHook !== null && vm.lineHookThread === vm.current) return;
    this.engine.node.log.warning(KILLED_LOG_LINE);
    vm.lineHookThread = vm.current;
    vm.lineHook = (line) => {
      throw killedError(line);
    };
  }

  private replyError(err: LuaError): void {
    const text = errorReplyText(err, this.sha, this.engine.source);
    this.caller.reply.raw(`-${text}\r\n`);
    const alreadyCounted = err.value instanceof LuaTable && err.value.getStr(IGNORE_STATS_FIELD) === true;
    this.countError(text, alreadyCounted);
    if (!alreadyCounted) this.countFailedCall();
  }

  /**
   * Redis's accounting of a script's error replies: one counted already (the error of a command
   * the script called) only marks EVAL/FCALL as failed; any other counts in errorstats too.
   */
  private countError(text: string, alreadyCounted: boolean): void {
    if (alreadyCounted) this.countFailedCall();
    else this.engine.node.stats.countError(text);
  }

  /** failed_calls of the EVAL/EVALSHA/FCALL... that started the run. */
  private countFailedCall(): void {
    const spec = this.engine.node.commands.lookup(this.command[0] ?? '');
    if (spec !== undefined) spec.stats.failedCalls++;
  }

  private end(): void {
    this.engine.run = null;
    this.engine.vm.onTick = () => 'continue';
    this.engine.vm.lineHook = null;
    this.engine.vm.lineHookThread = null;
    this.engine.vm.forceLineHook = false;
    this.engine.session.replicateCommands = true;
    this.engine.node.keyspace.context.scriptTimeSnapshotMs = null;
    this.engine.node.replication.endUnit();
    const release = this.release;
    this.release = null;
    release?.();
  }
}

/** The kill as a Lua error ({err = ...}), on `line` (null: where the VM raises it). */
function killedError(line: number | null): LuaError {
  const err = new LuaError(errorTable(KILLED_MESSAGE));
  err.luaLine = line;
  return err;
}

/** The error reply for a script that raised `err` (without the leading '-'). */
export function errorReplyText(err: LuaError, sha: string, source = '@user_script'): string {
  const value = err.value;
  let message: string;
  if (value instanceof LuaTable) {
    const text = value.getStr('err');
    message = typeof text === 'string' ? text : typeof text === 'number' ? String(text) : 'ERR unknown error';
  } else if (typeof value === 'string') {
    message = `ERR ${value}`;
  } else {
    message = `ERR ${value === undefined ? 'nil' : typeof value === 'boolean' || typeof value === 'number' ? String(value) : 'a Lua value'}`;
  }
  // The message and the chunk's name are C strings to Redis: each ends at a NUL byte.
  const suffix = err.luaLine === null ? '' : ` script: ${sha}, on ${cString(err.luaSource ?? source)}:${err.luaLine}.`;
  return `${cString(message)}${suffix}`.replace(/[\r\n]/g, ' ');
}
