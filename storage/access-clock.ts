/**
 * What a key remembers of its use, for OBJECT IDLETIME / OBJECT FREQ and for choosing what
 * maxmemory evicts: one number per key, read two ways as Redis reads its 24-bit `lru` field.
 *
 *   LRU policies (and no policy): the second of the last access (Redis's LRU clock has a
 *   resolution of one second), so idle time = now - stored.
 *
 *   LFU policies: (minutes & 0xffff) << 8 | counter
 *     counter  an 8-bit logarithmic access counter: a new key starts at LFU_INIT_VAL (5, so it
 *              is not evicted before it had a chance to be used); an access increments it with
 *              probability 1 / ((counter - 5) * lfu-log-factor + 1), so 255 means "very often";
 *     minutes  when it was last decremented: every lfu-decay-time minutes without access take
 *              one from the counter, applied lazily on the next access or look.
 *
 * Switching policies at run time reinterprets the stored numbers, as in Redis ("LRU and LFU
 * data will take some time to adjust"). Pure: time and randomness come in as arguments.
 */
import type { RandomSource } from './random';

export interface LfuSettings {
  /** lfu-log-factor */
  logFactor: number;
  /** lfu-decay-time, in minutes (0: never decay) */
  decayTimeMin: number;
}

export const LFU_INIT_VAL = 5;

/**
 * The LRU clock at `nowMs`: its second, or the second it was frozen at. Redis reads a clock the
 * server cron advances, so while DEBUG PAUSE-CRON stops the cron every access is stamped with
 * the same second and idle times stop growing. (LFU reads the time itself: it is not frozen.)
 */
export function lruSeconds(nowMs: number, frozenSec: number | null | undefined): number {
  return frozenSec ?? Math.floor(nowMs / 1000);
}

function minutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 0xffff;
}

/** A new key's LFU word. */
export function lfuInitial(nowMs: number): number {
  return (minutes(nowMs) << 8) | LFU_INIT_VAL;
}

/** The counter after the decay its idle minutes call for (OBJECT FREQ's answer). */
export function lfuCounter(stored: number, nowMs: number, settings: LfuSettings): number {
  const counter = stored & 0xff;
  const lastMin = (stored >> 8) & 0xffff;
  const now = minutes(nowMs);
  const elapsed = now >= lastMin ? now - lastMin : 0xffff - lastMin + now;
  const periods = settings.decayTimeMin > 0 ? Math.floor(elapsed / settings.decayTimeMin) : 0;
  return periods > counter ? 0 : counter - periods;
}

/** The LFU word after one access: decay, then a logarithmic increment. */
export function lfuTouched(stored: number, nowMs: number, settings: LfuSettings, random: RandomSource): number {
  let counter = lfuCounter(stored, nowMs, settings);
  if (counter < 255) {
    const base = Math.max(0, counter - LFU_INIT_VAL);
    if (random.next() < 1 / (base * settings.logFactor + 1)) counter++;
  }
  return (minutes(nowMs) << 8) | counter;
}
