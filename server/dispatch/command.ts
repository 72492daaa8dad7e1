/**
 * The shape of a command: metadata (arity, flags, key positions, docs) captured from Redis 7.0
 * in meta/command-meta.generated.ts, joined with the handler that implements it.
 *
 * Arity follows Redis: positive means exactly that many arguments including the command name,
 * negative means at least that many. Key positions are the legacy (first, last, step) triple
 * (last -1 means "up to the last argument", -2 "all but the last one"), which only says whether
 * a command has keys at all, and the key specs (key-specs.ts), which say where each call's are.
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from './command-context';
import type { CommandKeys } from './key-specs';

/** Runs one command. Client errors are thrown as ReplyError; the dispatcher answers them. */
export type Handler = (ctx: CommandContext, argv: ByteString[]) => void;

/** A handler bound to a command name; subcommands are named "container|sub" as in Redis. */
export interface CommandImpl {
  readonly name: string;
  readonly handler: Handler;
}

export interface CommandStats {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
  /**
   * Calls by run time, for LATENCY HISTOGRAM: index i counts calls of at most 2^i microseconds
   * (null until the first call is charged; see network/client.ts chargeTime).
   */
  latencyBuckets: number[] | null;
}

export interface CommandSpec {
  /** Lowercase name, e.g. "get" or "get" within container "config"; */
  readonly name: string;
  /** "config|get" for subcommands, the name otherwise: what errors and COMMAND print. */
  readonly fullName: string;
  readonly arity: number;
  readonly flags: ReadonlySet<string>;
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  /** Where a call's keys are, resolved from the key specs once (key-specs.ts findKeys). */
  readonly keys: CommandKeys;
  /** Flags read on every call, resolved once. */
  readonly isWrite: boolean;
  /** Flagged fast (O(1) or O(log n)), as Redis flags it. */
  readonly isFast: boolean;
  /**
   * With at most this many arguments the command cannot run for a millisecond here, so SLOWLOG
   * and the latency monitor leave it untimed at thresholds of 1 ms and up (observe/slowlog.ts
   * untimedUpToArgs): Infinity for the fast commands, -1 for the commands always timed.
   */
  readonly untimedUpToArgs: number;
  readonly noAuth: boolean;
  /** Flagged stale: served by a replica whose link is down even with replica-serve-stale-data no. */
  readonly servesStale: boolean;
  readonly handler: Handler | null;
  readonly subcommands: ReadonlyMap<string, CommandSpec> | null;
  readonly stats: CommandStats;
}

/** Helper for command modules: `cmd('get', (ctx, argv) => ...)`. */
export function cmd(name: string, handler: Handler): CommandImpl {
  return { name, handler };
}
