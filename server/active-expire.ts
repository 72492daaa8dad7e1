/**
 * The active expire cycle's time budget, as Redis's cron gives it: keys past their deadline that
 * nobody reads are deleted by sampling (storage/database.ts activeExpireCycle), for at most a
 * share of each cron tick. With the default `active-expire-effort 1` and `hz 10` that is 25% of
 * a 100 ms tick, 25 ms; each step of effort samples 5 more keys per round, accepts 1% fewer
 * stale keys before stopping and adds 2% of the tick.
 *
 * A cycle that runs out of time is counted (INFO expired_time_cap_reached_count); the time spent
 * (expire_cycle_cpu_milliseconds) and the share of sampled keys found expired (expired_stale_perc,
 * a slow moving average) are reported as Redis reports them.
 */
import type { ExpireEffort } from '../storage/database';
import type { RedisNode } from './node';

/** Redis's ACTIVE_EXPIRE_CYCLE_* figures for effort 1; each effort step above adds to them. */
const KEYS_PER_LOOP = 20;
const SLOW_TIME_PERC = 25;
const ACCEPTABLE_STALE = 10;

/** Runs one active expire cycle on a master (the caller checked it may run now). */
export function runActiveExpire(node: RedisNode, nowMs: number): void {
  const effort = node.config.number('active-expire-effort') - 1;
  const settings: ExpireEffort = {
    keysPerLoop: KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * effort,
    acceptableStalePerc: ACCEPTABLE_STALE - effort,
  };
  const hz = Math.max(1, node.config.number('hz'));
  const limitMs = ((SLOW_TIME_PERC + 2 * effort) * 1000) / hz / 100;
  const time = node.time;
  const startedMs = time.monotonicMs();
  const latencyStartedMs = node.latency.start();
  const pass = node.keyspace.activeExpire(nowMs, settings, () => time.monotonicMs() - startedMs > limitMs);
  node.latency.addSampleIfNeeded('expire-cycle', node.latency.elapsedWholeMs(latencyStartedMs));
  const stats = node.stats;
  stats.expireCycleMicros += Math.round((time.monotonicMs() - startedMs) * 1000);
  if (pass.timedOut) stats.expiredTimeCapReachedCount++;
  // Every cycle moves the average by 5% of its reading (0 when it sampled nothing), as Redis's.
  const reading = pass.sampled === 0 ? 0 : pass.expired / pass.sampled;
  stats.expiredStalePerc = reading * 0.05 + stats.expiredStalePerc * 0.95;
}
