/**
 * Choosing keys to evict when used memory is above maxmemory, with Redis's approximations.
 *
 * Redis does not keep keys in LRU order (a list touched on every read would cost memory and
 * time); it samples. Each round takes `maxmemory-samples` keys from each database and offers
 * them to a pool of 16 candidates kept in ascending order of "idleness"; the best candidate
 * (the last) that still exists is evicted. The pool carries good candidates from round to round,
 * which makes 5 samples behave almost like true LRU.
 *
 *   pool (ascending idleness)          a sample with idleness 40 arrives:
 *   [ 3 | 9 | 17 | 25 | ... | 70 ]     full pool, 40 > 3: 3 is dropped, 40 goes in order
 *                              ^ evicted next
 *
 * Idleness by policy:
 *   *-lru          seconds since the last access (the LRU clock has one-second resolution)
 *   *-lfu          255 - the decayed access counter (access-clock.ts)
 *   volatile-ttl   the larger, the sooner the deadline: MAX - deadline
 * The random policies skip the pool and take one sampled key, visiting databases in turn.
 * volatile-* sample only keys with a deadline; allkeys-* every key.
 *
 * Sampling itself is Database.sampleKeys: a resumable walk with random strides (a JavaScript
 * Map cannot pick a random entry), so every key is reached in turn.
 */
import { lfuCounter, type LfuSettings } from '../../storage/access-clock';
import type { ByteString } from '../../storage/bytes';
import type { Database } from '../../storage/database';

export type EvictionPolicy =
  | 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl'
  | 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'noeviction';

/** EVPOOL_SIZE */
export const EVICTION_POOL_SIZE = 16;

interface Candidate {
  idle: number;
  key: ByteString;
  db: Database;
}

export interface EvictionPick {
  db: Database;
  key: ByteString;
}

/** The policy's pieces: which keys it samples, and how it ranks them (null: at random). */
function rankOf(policy: EvictionPolicy): 'lru' | 'lfu' | 'ttl' | null {
  if (policy.endsWith('-lru')) return 'lru';
  if (policy.endsWith('-lfu')) return 'lfu';
  if (policy === 'volatile-ttl') return 'ttl';
  return null;
}

export class EvictionPool {
  private readonly pool: Candidate[] = [];
  private readonly sample: ByteString[] = [];
  /** The sampled keys' access words, in the same order. */
  private readonly words: number[] = [];
  /** Where the random policies' database rotation resumes (Redis's static next_db). */
  private nextDb = 0;

  /** Forgets every candidate (the policy changed, or the keyspace was replaced). */
  clear(): void {
    this.pool.length = 0;
  }

  /**
   * The next key to evict, or null when there is none the policy may take. `lfu` holds the
   * decay settings (LFU policies); `nowMs` is the command's time.
   */
  pick(dbs: readonly Database[], policy: EvictionPolicy, samples: number, lfu: LfuSettings, nowMs: number): EvictionPick | null {
    const volatile = policy.startsWith('volatile-');
    const rank = rankOf(policy);
    if (rank === null) return this.pickRandom(dbs, volatile);
    // Sample until the pool offers a key that still exists, or nothing is left to sample.
    for (;;) {
      let sampled = 0;
      for (const db of dbs) {
        if ((volatile ? db.expiresCount : db.size) === 0) continue;
        sampled += this.populate(db, volatile, rank, samples, lfu, nowMs);
      }
      if (sampled === 0) return null;
      while (this.pool.length > 0) {
        const best = this.pool.pop() as Candidate;
        // Pooled keys may have been deleted or lost their deadline since.
        const alive = volatile ? best.db.expireAt(best.key) !== undefined : best.db.peekStored(best.key) !== undefined;
        if (alive) return { db: best.db, key: best.key };
      }
    }
  }

  private populate(db: Database, volatile: boolean, rank: 'lru' | 'lfu' | 'ttl', samples: number, lfu: LfuSettings, nowMs: number): number {
    const sample = this.sample;
    const words = this.words;
    sample.length = 0;
    words.length = 0;
    db.sampleKeys(samples, volatile, sample, rank === 'ttl' ? null : words, nowMs);
    const nowSec = Math.floor(nowMs / 1000);
    for (let i = 0; i < sample.length; i++) {
      const key = sample[i] as ByteString;
      let idle: number;
      if (rank === 'lru') idle = nowSec - (words[i] as number);
      else if (rank === 'lfu') idle = 255 - lfuCounter(words[i] as number, nowMs, lfu);
      else idle = Number.MAX_SAFE_INTEGER - (db.expireAt(key) ?? Number.MAX_SAFE_INTEGER);
      this.offer({ idle, key, db });
    }
    return sample.length;
  }

  /** Inserts a candidate in order; a full pool drops its least idle entry to make room. */
  private offer(candidate: Candidate): void {
    const pool = this.pool;
    for (const entry of pool) if (entry.key === candidate.key && entry.db === candidate.db) return;
    if (pool.length >= EVICTION_POOL_SIZE) {
      if (candidate.idle <= (pool[0] as Candidate).idle) return;
      pool.shift();
    }
    let i = pool.length;
    while (i > 0 && (pool[i - 1] as Candidate).idle > candidate.idle) i--;
    pool.splice(i, 0, candidate);
  }

  private pickRandom(dbs: readonly Database[], volatile: boolean): EvictionPick | null {
    const sample = this.sample;
    for (let tried = 0; tried < dbs.length; tried++) {
      const db = dbs[this.nextDb++ % dbs.length] as Database;
      sample.length = 0;
      db.sampleKeys(1, volatile, sample);
      const key = sample[0];
      if (key !== undefined) return { db, key };
    }
    return null;
  }
}
