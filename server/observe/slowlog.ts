/**
 * SLOWLOG: the commands that ran longer than `slowlog-log-slower-than` microseconds (0: every
 * command; negative: none), newest first, at most `slowlog-max-len` of them, as Redis 7.0 keeps
 * them.
 *
 * An entry holds an id that only grows, the unix time it was logged, the run time in
 * microseconds, the arguments as the client sent them (at most 32: the last one then says how
 * many more there were; each at most 128 bytes, then how many more bytes), the client's address
 * and its name. Secrets never reach it: AUTH's arguments, HELLO's AUTH pair, MIGRATE's AUTH and
 * AUTH2 passwords, ACL SETUSER's rules and CONFIG SET of a password are written "(redacted)".
 *
 * What is timed: the handler of each command (each command EXEC runs, and each command a script
 * runs, apart from the EXEC or EVAL around them, as Redis does); commands flagged skip_slowlog
 * (EXEC, SLOWLOG's own reads...) are never logged. The same timing feeds the latency monitor
 * ("command" and "fast-command" events), which samples whether the slow log is on or off.
 *
 * Reading the clock costs about 45 ns here, two readings a quarter of an in-process SET, so
 * with both thresholds at 1 ms or more the commands that cannot take that long are not timed:
 * those flagged `fast` (O(1) or O(log n): GET, INCR, HSET...), and the few writes Redis does not
 * flag fast but which here do one small step per argument and free nothing inline (Redis's SET
 * may free a large old value in place; here the old value is dropped for the garbage
 * collector), when called with at most UNTIMED_MAX_ARGS arguments. None of them can take a
 * millisecond except on huge values (a GET or SET ... GET of hundreds of megabytes), which is
 * the one difference from Redis this leaves.
 */
import type { ByteString } from '../../storage/bytes';
import type { Config } from '../config/config';
import type { CommandSpec } from '../dispatch/command';
import type { Session } from '../dispatch/session';
import type { RedisNode } from '../node';

export interface SlowLogEntry {
  readonly id: number;
  readonly unixSec: number;
  readonly durationUs: number;
  readonly args: readonly ByteString[];
  readonly addr: string;
  readonly name: ByteString;
}

const MAX_ARGS = 32;
const MAX_ARG_BYTES = 128;
/** Below this threshold every command is timed; at or above it, the ones that may reach it. */
const TIME_ALL_BELOW_US = 1000;
/**
 * Writes Redis does not flag fast whose run here is one small step per argument (a key's store,
 * a member's insert): SET and its older forms, MSET, MSETNX, GEOADD.
 */
const ONE_STEP_PER_ARGUMENT = new Set(['set', 'setex', 'psetex', 'mset', 'msetnx', 'geoadd']);
/** Up to this many arguments such a write stays untimed: an MSET of 64 pairs takes ~20 µs. */
const UNTIMED_MAX_ARGS = 129;
const REDACTED = '(redacted)';
/** CONFIG SET values Redis redacts (its sensitive configs). */
const SENSITIVE_CONFIGS = new Set(['requirepass', 'masterauth']);

/** CommandSpec.untimedUpToArgs for a command of the table. */
export function untimedUpToArgs(name: string, fast: boolean): number {
  if (fast) return Infinity;
  return ONE_STEP_PER_ARGUMENT.has(name) ? UNTIMED_MAX_ARGS : -1;
}

export class SlowLog {
  /** Newest first. */
  private entries: SlowLogEntry[] = [];
  private nextId = 0;
  private thresholdUs = 0;
  private maxLen = 0;

  constructor(config: Config) {
    this.thresholdUs = config.number('slowlog-log-slower-than');
    this.maxLen = config.number('slowlog-max-len');
    config.onChange('slowlog-log-slower-than', (value) => {
      this.thresholdUs = Number(value);
    });
    config.onChange('slowlog-max-len', (value) => {
      this.maxLen = Number(value);
      this.trim();
    });
  }

  /**
   * Whether the command about to run, with `argc` arguments, must be timed: for the slow log
   * or the latency monitor, whichever has the lower threshold.
   */
  times(spec: CommandSpec, argc: number, latencyThresholdUs: number): boolean {
    let threshold = this.thresholdUs;
    if (latencyThresholdUs > 0 && (threshold < 0 || latencyThresholdUs < threshold)) threshold = latencyThresholdUs;
    return threshold >= 0 && (threshold < TIME_ALL_BELOW_US || argc > spec.untimedUpToArgs);
  }

  /**
   * A command timed because `times` said so has finished (`startedMs` on the node's monotonic
   * clock): the slow log and the latency monitor take it if it reached their thresholds. A
   * command that blocked waits for servedLate, since its wait is not its run time; one waiting
   * on the network (MIGRATE) is taken now, with the time it took to send.
   */
  finished(node: RedisNode, session: Session, spec: CommandSpec, argv: readonly ByteString[], startedMs: number): void {
    const durationUs = Math.floor((node.time.monotonicMs() - startedMs) * 1000);
    if (!session.waiting && (session.connection?.isBlocked ?? false)) {
      // Logged when it is served (servedLate), with this first run's time added.
      session.blockedRunUs = durationUs;
      return;
    }
    // The common case, a command under both thresholds, reads no wall clock.
    const latency = node.latency;
    if (durationUs < this.thresholdUs && !(latency.enabled && durationUs >= latency.thresholdUs)) return;
    const unixSec = Math.floor(node.clock() / 1000);
    this.record(session, spec, argv, durationUs, unixSec);
    if (node.latency.enabled) node.latency.record(spec.isFast ? 'fast-command' : 'command', Math.trunc(durationUs / 1000), unixSec);
  }

  /**
   * A blocked command was served `serveUs` after a push: Redis logs it then (not when it blocked,
   * nor when it times out), for its first run's time plus the serving's.
   */
  servedLate(node: RedisNode, session: Session, spec: CommandSpec, argv: readonly ByteString[], serveUs: number): void {
    const durationUs = session.blockedRunUs + serveUs;
    session.blockedRunUs = 0;
    if (this.thresholdUs < 0 || durationUs < this.thresholdUs) return;
    this.record(session, spec, argv, durationUs, Math.floor(node.clock() / 1000));
  }

  /** A command ran for `durationUs`: logged when it reached the threshold. */
  record(session: Session, spec: CommandSpec, argv: readonly ByteString[], durationUs: number, unixSec: number): void {
    if (this.thresholdUs < 0 || durationUs < this.thresholdUs || spec.flags.has('skip_slowlog')) return;
    const connection = session.connection;
    this.entries.unshift({
      id: this.nextId++,
      unixSec,
      durationUs,
      args: loggedArgs(spec, argv),
      addr: connection === null ? '?:0' : connection.addr,
      name: session.name,
    });
    this.trim();
  }

  /** The newest `count` entries (all of them for -1). */
  newest(count: number): readonly SlowLogEntry[] {
    return count < 0 ? this.entries : this.entries.slice(0, count);
  }

  get length(): number {
    return this.entries.length;
  }

  reset(): void {
    this.entries = [];
  }

  private trim(): void {
    if (this.entries.length > this.maxLen) this.entries.length = Math.max(0, this.maxLen);
  }
}

/** The arguments as logged: secrets redacted, then cut to 32 arguments of 128 bytes. */
function loggedArgs(spec: CommandSpec, argv: readonly ByteString[]): ByteString[] {
  const redacted = redact(spec, argv);
  const shown = redacted.length > MAX_ARGS ? MAX_ARGS - 1 : redacted.length;
  const out: ByteString[] = [];
  for (let i = 0; i < shown; i++) {
    const arg = redacted[i] as ByteString;
    out.push(arg.length > MAX_ARG_BYTES ? `${arg.slice(0, MAX_ARG_BYTES)}... (${arg.length - MAX_ARG_BYTES} more bytes)` : arg);
  }
  if (shown < redacted.length) out.push(`... (${redacted.length - shown} more arguments)`);
  return out;
}

/** Which arguments Redis hides from SLOWLOG (and MONITOR). */
export function redact(spec: CommandSpec, argv: readonly ByteString[]): readonly ByteString[] {
  switch (spec.fullName) {
    case 'auth':
      return [argv[0] as ByteString, ...argv.slice(1).map(() => REDACTED)];
    case 'acl|setuser':
      return [...argv.slice(0, 2), ...argv.slice(2).map(() => REDACTED)];
    case 'hello':
      return redactAfterToken(argv, 'auth', 2);
    case 'migrate': {
      const out = redactAfterToken(argv, 'auth', 1);
      return redactAfterToken(out, 'auth2', 2);
    }
    case 'config|set': {
      const out = [...argv];
      for (let i = 2; i + 1 < out.length; i += 2) {
        if (SENSITIVE_CONFIGS.has((out[i] as ByteString).toLowerCase())) out[i + 1] = REDACTED;
      }
      return out;
    }
    default:
      return argv;
  }
}

/** The `count` arguments after the first `token` (any case) become "(redacted)". */
function redactAfterToken(argv: readonly ByteString[], token: string, count: number): readonly ByteString[] {
  const at = argv.findIndex((arg, i) => i > 0 && arg.toLowerCase() === token);
  if (at < 0) return argv;
  const out = [...argv];
  for (let i = at + 1; i <= at + count && i < out.length; i++) out[i] = REDACTED;
  return out;
}
