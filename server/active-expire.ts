/**
 * The active expire cycle's two speeds and their time budgets, as Redis 7.0 runs them: keys past
 * their deadline that nobody reads are deleted by sampling (storage/database.ts
 * activeExpireCycle), for at most a share of the time.
 *
 *   slow   from the server cron, hz times a second: 25% of a tick with the default
 *          `active-expire-effort 1` and `hz 10`, 25 ms. Each step of effort samples 5 more keys
 *          per round, accepts 1% fewer stale keys before stopping and adds 2% of the tick.
 *   fast   from beforeSleep, before the event loop waits again (here: after each cron tick and
 *          at the end of each turn that has replies to write): 1 ms (+0.25 ms per effort step),
 *          at most once per 2 ms, and only when the cycle before it, slow or fast, ran out of
 *          time, which says that expired keys were left behind.
 *
 *      cron tick ──slow cycle (25 ms, out of time)──┐          ┌─ fast (1 ms) ─ fast ─ ...
 *                                                   └ beforeSleep: the last cycle ran out → runs
 *
 * Redis means to start a fast cycle also when the share of expired keys among those sampled
 * (expired_stale_perc) is high, but compares that fraction (0..1) with a percentage (10), which
 * it never reaches: only running out of time starts one. hashslot does the same.
 *
 * DEBUG PAUSE-CRON stops the slow cycle with the rest of the cron; the fast one goes on, since
 * beforeSleep still runs after each (empty) tick. Neither runs while clients are paused, while
 * a MIGRATE or a busy script holds the node, on a replica, or after DEBUG SET-ACTIVE-EXPIRE 0.
 *
 * A cycle that runs out of time is counted (INFO expired_time_cap_reached_count); the time spent
 * (expire_cycle_cpu_milliseconds) and the share of sampled keys found expired (expired_stale_perc,
 * a slow moving average) are reported as Redis reports them, fast cycles included.
 */
import type { ExpireEffort } from '../storage/database';
import type { RedisNode } from './node';

/** Redis's ACTIVE_EXPIRE_CYCLE_* figures for effort 1; each effort step above adds to them. */
const KEYS_PER_LOOP = 20;
const SLOW_TIME_PERC = 25;
const ACCEPTABLE_STALE = 10;
const FAST_DURATION_MS = 1;

/** The cycle's state between runs (Redis keeps it in statics of expire.c). */
export class ActiveExpire {
  /** Whether the cycles run (DEBUG SET-ACTIVE-EXPIRE). */
  enabled = true;
  /** The last cycle stopped on its time limit (Redis's timelimit_exit): a fast one may follow. */
  lastTimedOut = false;
  /** When the last fast cycle started (monotonic ms). */
  lastFastStartMs = -Infinity;
}

/** active-expire-effort rescaled to 0..9, as Redis uses it. */
function effortOf(node: RedisNode): number {
  return node.config.number('active-expire-effort') - 1;
}

/** Whether a cycle may run now: a master's, with nothing holding the node still. */
function mayRun(node: RedisNode): boolean {
  return node.activeExpire.enabled && !node.replication.isReplica && !node.exclusive.active && !node.pause.active;
}

/** The slow cycle, from the cron (the caller checked that it may run). */
export function runActiveExpire(node: RedisNode, nowMs: number): void {
  const effort = effortOf(node);
  const hz = Math.max(1, node.config.number('hz'));
  runCycle(node, nowMs, effort, ((SLOW_TIME_PERC + 2 * effort) * 1000) / hz / 100);
}

/** The fast cycle, where Redis's beforeSleep runs it; returns at once when it is not due. */
export function runFastExpire(node: RedisNode): void {
  const state = node.activeExpire;
  const stale = node.stats.expiredStalePerc;
  // Redis 7.0's test, the fraction against a percentage (10 - effort, at least 1), is checked
  // after the cheap part: this runs at the end of every turn, and a fraction below 1 never passes.
  if (!state.lastTimedOut && (stale < 1 || stale < ACCEPTABLE_STALE - effortOf(node))) return;
  if (!mayRun(node)) return;
  const effort = effortOf(node);
  const durationMs = FAST_DURATION_MS + (FAST_DURATION_MS / 4) * effort;
  const startMs = node.time.monotonicMs();
  if (startMs < state.lastFastStartMs + 2 * durationMs) return;
  state.lastFastStartMs = startMs;
  runCycle(node, (node.nowMs = node.clock()), effort, durationMs);
}

/** One cycle over the databases within `limitMs`, and its statistics. */
function runCycle(node: RedisNode, nowMs: number, effort: number, limitMs: number): void {
  const settings: ExpireEffort = {
    keysPerLoop: KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * effort,
    acceptableStalePerc: ACCEPTABLE_STALE - effort,
  };
  const time = node.time;
  const startedMs = time.monotonicMs();
  const latencyStartedMs = node.latency.start();
  const pass = node.keyspace.activeExpire(nowMs, settings, () => time.monotonicMs() - startedMs > limitMs);
  node.latency.addSampleIfNeeded('expire-cycle', node.latency.elapsedWholeMs(latencyStartedMs));
  const stats = node.stats;
  stats.expireCycleMicros += Math.round((time.monotonicMs() - startedMs) * 1000);
  node.activeExpire.lastTimedOut = pass.timedOut;
  if (pass.timedOut) stats.expiredTimeCapReachedCount++;
  // Every cycle moves the average by 5% of its reading (0 when it sampled nothing), as Redis's.
  const reading = pass.sampled === 0 ? 0 : pass.expired / pass.sampled;
  stats.expiredStalePerc = reading * 0.05 + stats.expiredStalePerc * 0.95;
}
