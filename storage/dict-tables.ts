/**
 * The bucket tables Redis 7.0 would have under one of its dicts (src/dict.c): how many buckets,
 * and whether a rehash from one table to a bigger or smaller one is under way. DEBUG HTSTATS
 * and HTSTATS-KEY report these sizes; hashslot's own keys live in JavaScript Maps, which size
 * themselves, so the sizes are modelled here from the operations Redis would see.
 *
 * A Redis dict has two tables of chained buckets, each a power of two in size (at least 4):
 *
 *   table 0  ████░░██░░░░██░░   the table in use
 *   table 1  (none)             allocated only while rehashing into it
 *
 *   grow     an add finding as many elements as buckets (used >= size) allocates table 1 with
 *            the next power of two above used + 1; while a fork (BGSAVE, AOF rewrite) is alive
 *            resizing is avoided and only a table five times overfull still grows
 *   shrink   the cron finds a table less than 10% full (and bigger than 4 buckets) and
 *            allocates table 1 for max(used, 4); never while a fork is alive
 *   rehash   incremental: every add, delete and lookup first moves one bucket of table 0 to
 *            table 1 (or passes over ten empty ones), and the cron spends a millisecond on the
 *            db's dicts; new elements go straight into table 1; when table 0 is empty, table 1
 *            becomes table 0
 *   empty    FLUSHALL / FLUSHDB free both tables: size 0 until the next add allocates 4
 *
 * Sizes and element counts therefore follow Redis exactly once no rehash is under way. How far a
 * rehash has got depends on which buckets are empty, which depends on Redis's randomly seeded
 * hash function: that part is modelled as a count of steps (`steps`), and dict-stats.ts plays
 * those steps over hashslot's own hash of the real keys. The hot path here only bounds it: each
 * step advances at least one bucket, so `size0` steps always finish a rehash.
 *
 * Pure: no time, no I/O. Whether a fork is alive is asked through `canResize` (only when an add
 * actually needs to grow a table).
 */

/** DICT_HT_INITIAL_SIZE: the first table, and the smallest a table shrinks to. */
export const DICT_INITIAL_SIZE = 4;
/** dict_force_resize_ratio: grow even while resizing is avoided once used / size exceeds this. */
const FORCE_RESIZE_RATIO = 5;
/** HASHTABLE_MIN_FILL: the cron shrinks a table filled below this percentage. */
const MIN_FILL_PERCENT = 10;

/** The smallest power of two of at least `size`, and at least DICT_INITIAL_SIZE (_dictNextExp). */
export function dictTableSizeFor(size: number): number {
  let n = DICT_INITIAL_SIZE;
  while (n < size) n *= 2;
  return n;
}

export class DictTables {
  /** Buckets of table 0 (0: no table allocated yet, as after a flush). */
  size0 = 0;
  /** Buckets of table 1 while a rehash moves elements into it, else 0. */
  size1 = 0;
  /** Rehash steps taken since table 1 was allocated. */
  steps = 0;
  /** Elements added since table 1 was allocated: Redis puts those straight into table 1. */
  addedSinceExpand = 0;

  get rehashing(): boolean {
    return this.size1 !== 0;
  }

  /** Buckets of both tables (dictSlots). */
  get slots(): number {
    return this.size0 + this.size1;
  }

  /**
   * A new element is added to a dict that held `used` (dictAddRaw): a rehash step, then grow if
   * full. Also what a TTL update does to the expires dict (dictAddOrFind checks the size even
   * when the key is there).
   */
  add(used: number, canResize: () => boolean, isNew = true): void {
    if (this.size1 !== 0) this.step(1, used);
    if (this.size1 === 0) {
      if (this.size0 === 0) this.size0 = DICT_INITIAL_SIZE;
      else if (used >= this.size0 && (Math.floor(used / this.size0) > FORCE_RESIZE_RATIO || canResize())) this.expand(used + 1, used);
    }
    if (this.size1 !== 0 && isNew) this.addedSinceExpand++;
  }

  /** An element was deleted, or looked up (dictDelete, dictFind): one rehash step. */
  touched(used: number): void {
    if (this.size1 !== 0) this.step(1, used);
  }

  /**
   * dictExpand(size): allocate a table for `size` elements; refused while rehashing, when it
   * would not hold the `used` elements, or when it is the size already in use.
   */
  expand(size: number, used: number): boolean {
    if (this.size1 !== 0 || used > size) return false;
    const next = dictTableSizeFor(size);
    if (next === this.size0) return false;
    if (this.size0 === 0) {
      this.size0 = next;
      return true;
    }
    this.size1 = next;
    this.steps = 0;
    this.addedSinceExpand = 0;
    return true;
  }

  /** The cron's tryResizeHashTables: shrink a table under 10% full (htNeedsResize, dictResize). */
  shrinkIfSparse(used: number, canResize: boolean): void {
    const slots = this.slots;
    if (slots <= DICT_INITIAL_SIZE || Math.floor((used * 100) / slots) >= MIN_FILL_PERCENT) return;
    if (!canResize || this.size1 !== 0) return;
    this.expand(Math.max(used, DICT_INITIAL_SIZE), used);
  }

  /**
   * `n` rehash steps. Finishes at the latest after size0 steps (each advances at least one
   * bucket), and at once when no element is left to move.
   */
  step(n: number, used: number): void {
    this.steps += n;
    if (this.steps >= this.size0 || used <= this.addedSinceExpand) this.finishRehash();
  }

  /** Table 1 becomes table 0. */
  finishRehash(): void {
    if (this.size1 === 0) return;
    this.size0 = this.size1;
    this.size1 = 0;
    this.steps = 0;
    this.addedSinceExpand = 0;
  }

  /** Both tables freed (dictEmpty). */
  reset(): void {
    this.size0 = 0;
    this.size1 = 0;
    this.steps = 0;
    this.addedSinceExpand = 0;
  }

  /** Exchanges the state with another dict's (SWAPDB swaps the dicts themselves). */
  swap(other: DictTables): void {
    [this.size0, other.size0] = [other.size0, this.size0];
    [this.size1, other.size1] = [other.size1, this.size1];
    [this.steps, other.steps] = [other.steps, this.steps];
    [this.addedSinceExpand, other.addedSinceExpand] = [other.addedSinceExpand, this.addedSinceExpand];
  }
}

/**
 * The tables under a hash, set or sorted set value in Redis's hashtable encoding, estimated from
 * its size alone: hashslot keeps no history per value, so the value is assumed to have been
 * built by adds after Redis converted it from its compact encoding, which presizes the dict
 * (a hash converted past 512 fields: for 513; a set of integers past 512 members: for 513; a
 * sorted set past 128 members: for 128, before adding the 129th). Each add after the last growth
 * counts `stepsPerAdd` rehash steps (a lookup and an insert for HSET and ZADD, an insert for
 * SADD). Deletions (Redis shrinks these dicts on delete) and reads are not known, so after them
 * the estimate may differ from Redis.
 */
export function estimatedContainerTables(used: number, presizedFor: number, stepsPerAdd: number): DictTables {
  const tables = new DictTables();
  if (presizedFor > 0) tables.expand(presizedFor, 0);
  const base = tables.size0;
  if (used <= base) return tables;
  // Grown by adds from `base` (or from nothing): the last growth happened at the add that found
  // `last` elements, the largest power of two (at least base, at least 4) below `used`.
  let last = Math.max(base, DICT_INITIAL_SIZE);
  while (last * 2 < used) last *= 2;
  if (used <= last) {
    tables.size0 = last;
    return tables;
  }
  tables.size0 = last;
  tables.size1 = dictTableSizeFor(last + 1);
  tables.addedSinceExpand = used - last;
  tables.steps = (used - last - 1) * stepsPerAdd;
  if (tables.steps >= tables.size0) tables.finishRehash();
  return tables;
}
