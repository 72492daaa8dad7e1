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

export interface EvictionPick {
  db: Database;
  key: ByteString;
  /** The key's table slot when sampled (-1: unknown), for Database.evict. */
  slot: number;
}

/** The policy's pieces: which keys it samples, and how it ranks them (null: at random). */
function rankOf(policy: EvictionPolicy): 'lru' | 'lfu' | 'ttl' | null {
  if (policy.endsWith('-lru')) return 'lru';
  if (policy.endsWith('-lfu')) return 'lfu';
  if (policy === 'volatile-ttl') return 'ttl';
  return null;
}

export class EvictionPool {
  /**
   * The pool by rank: entries 0..size-1 in ascending idleness, so the best candidate is the
   * last. `idles` holds each rank's idleness and `order` the position of its candidate in the
   * payload arrays below. Inserting a candidate moves ranks, which are small numbers in typed
   * arrays; the candidate's key, database and slot are written once, where they stay until they
   * leave, so the arrays of objects are not shifted (each such write is a GC write barrier).
   */
  private readonly idles = new Float64Array(EVICTION_POOL_SIZE);
  private readonly order = new Int8Array(EVICTION_POOL_SIZE);
  private size = 0;
  /** Payload positions no candidate uses, as a stack (`free[0..freeCount-1]`). */
  private readonly free = new Int8Array(EVICTION_POOL_SIZE);
  private freeCount = 0;
  private readonly keys: Array<ByteString | undefined> = new Array<ByteString | undefined>(EVICTION_POOL_SIZE).fill(undefined);
  /** The database each pooled key is in. */
  private readonly keyDbs: Array<Database | undefined> = new Array<Database | undefined>(EVICTION_POOL_SIZE).fill(undefined);
  /**
   * Each pooled key's table slot (-1 when sampled from the deadlines): whether the key still
   * exists is then a comparison with the slot's key, not a lookup in a Map of a million keys.
   */
  private readonly keySlots = new Int32Array(EVICTION_POOL_SIZE);
  /** Scratch for one database's sample, reused by every call (sampleKeys fills it from 0). */
  private readonly sample: ByteString[] = [];
  /** The sampled keys' access words and table slots, in the same order. */
  private readonly words: number[] = [];
  private readonly slots: number[] = [];
  /** Where the random policies' database rotation resumes (Redis's static next_db). */
  private nextDb = 0;
  /** The policy of the last pick, read once: whether it samples keys with a deadline only, and its ranking. */
  private policy: EvictionPolicy = 'noeviction';
  private volatile = false;
  private rank: 'lru' | 'lfu' | 'ttl' | null = null;

  constructor() {
    this.clear();
  }

  /** Forgets every candidate (the policy changed, or the keyspace was replaced). */
  clear(): void {
    this.keys.fill(undefined);
    this.keyDbs.fill(undefined);
    this.size = 0;
    for (let i = 0; i < EVICTION_POOL_SIZE; i++) this.free[i] = i;
    this.freeCount = EVICTION_POOL_SIZE;
  }

  /**
   * The next key to evict, or null when there is none the policy may take. `lfu` holds the
   * decay settings (LFU policies); `nowMs` is the command's time.
   */
  pick(dbs: readonly Database[], policy: EvictionPolicy, samples: number, lfu: LfuSettings, nowMs: number): EvictionPick | null {
    if (policy !== this.policy) {
      this.policy = policy;
      this.volatile = policy.startsWith('volatile-');
      this.rank = rankOf(policy);
    }
    const { volatile, rank } = this;
    if (rank === null) return this.pickRandom(dbs, volatile);
    // Sample until the pool offers a key that still exists, or nothing is left to sample.
    for (;;) {
      let sampled = 0;
      for (const db of dbs) {
        if ((volatile ? db.expiresCount : db.size) === 0) continue;
        sampled += this.populate(db, volatile, rank, samples, lfu, nowMs);
      }
      if (sampled === 0) return null;
      while (this.size > 0) {
        const at = this.order[--this.size] as number;
        const key = this.keys[at] as ByteString;
        const db = this.keyDbs[at] as Database;
        const slot = this.keySlots[at] as number;
        this.keys[at] = undefined;
        this.keyDbs[at] = undefined;
        this.free[this.freeCount++] = at;
        // Pooled keys may have been deleted or lost their deadline since (or be pooled twice).
        const alive = volatile ? db.expireAt(key) !== undefined : db.holdsAt(key, slot) || db.peekStored(key) !== undefined;
        if (alive) return { db, key, slot };
      }
    }
  }

  private populate(db: Database, volatile: boolean, rank: 'lru' | 'lfu' | 'ttl', samples: number, lfu: LfuSettings, nowMs: number): number {
    const { sample, words, slots } = this;
    const sampled = db.sampleKeys(samples, volatile, sample, rank === 'ttl' ? null : words, nowMs, slots);
    const nowSec = Math.floor(nowMs / 1000);
    for (let i = 0; i < sampled; i++) {
      const key = sample[i] as ByteString;
      let idle: number;
      if (rank === 'lru') idle = nowSec - (words[i] as number);
      else if (rank === 'lfu') idle = 255 - lfuCounter(words[i] as number, nowMs, lfu);
      else idle = Number.MAX_SAFE_INTEGER - (db.expireAt(key) ?? Number.MAX_SAFE_INTEGER);
      this.offer(idle, key, db, slots[i] as number);
    }
    return sampled;
  }

  /**
   * Inserts a candidate before the first entry at least as idle; a full pool drops its least
   * idle entry to make room, and refuses a candidate no idler than that entry. As in Redis, the
   * pool is not searched for the same key: comparing a sampled key with 16 others would read
   * every sampled key's characters (a cache miss each in a large keyspace), and a key pooled
   * twice is found gone when its second entry comes up.
   */
  private offer(idle: number, key: ByteString, db: Database, slot: number): void {
    const { idles, order } = this;
    const size = this.size;
    let k = 0;
    while (k < size && (idles[k] as number) < idle) k++;
    if (k === 0 && size === EVICTION_POOL_SIZE) return;
    let at: number;
    if (size < EVICTION_POOL_SIZE) {
      at = this.free[--this.freeCount] as number;
      for (let j = size; j > k; j--) {
        idles[j] = idles[j - 1] as number;
        order[j] = order[j - 1] as number;
      }
      this.size = size + 1;
    } else {
      // Full: the least idle entry (rank 0) goes, and its payload position takes the newcomer;
      // the ranks before the insertion point move down.
      at = order[0] as number;
      k--;
      for (let j = 0; j < k; j++) {
        idles[j] = idles[j + 1] as number;
        order[j] = order[j + 1] as number;
      }
    }
    idles[k] = idle;
    order[k] = at;
    this.keys[at] = key;
    this.keyDbs[at] = db;
    this.keySlots[at] = slot;
  }

  private pickRandom(dbs: readonly Database[], volatile: boolean): EvictionPick | null {
    const sample = this.sample;
    for (let tried = 0; tried < dbs.length; tried++) {
      const db = dbs[this.nextDb++ % dbs.length] as Database;
      if (db.sampleKeys(1, volatile, sample, null, 0, this.slots) === 1) return { db, key: sample[0] as ByteString, slot: this.slots[0] as number };
    }
    return null;
  }
}
