/**
 * All databases of one node (`databases` directive, 16 by default). The keyspace is per node,
 * never module-global, so several nodes can live in one process (DESIGN.md decision 2).
 */
import { Database, type ExpireEffort, type ExpirePass, type KeyspaceObserver, type KeyspaceContext } from './database';
import type { RandomSource } from './random';
import { ReplicaKeysWithExpire } from './replica-expires';

/** CRON_DBS_PER_CALL: databases whose tables one cron run checks. */
const DBS_PER_CRON = 16;
/**
 * Rehash steps standing for the millisecond Redis's cron spends rehashing (it moves 100 buckets
 * at a time until the millisecond is over): enough to finish the tables of a few hundred
 * thousand keys in one run.
 */
const REHASH_STEPS_PER_CRON = 100_000;

export class Keyspace {
  readonly dbs: Database[];
  /** The database the next active expiry call starts with. */
  private expireCursor = 0;
  /** What a writable replica's own clients gave a deadline (replica-expires.ts). */
  readonly replicaKeysWithExpire = new ReplicaKeysWithExpire();
  /**
   * Shared by every database: the write counter, the expiry mode and the deadlines a writable
   * replica's own clients set (see KeyspaceContext).
   */
  readonly context: KeyspaceContext;
  /**
   * Told after a flush of every database (FLUSHALL, a reload, a full sync) or of one (FLUSHDB):
   * client tracking sends every tracking client one null for it.
   */
  onFlush: (() => void) | null = null;
  /** Where the cron's table resizing and rehashing resume (Redis's resize_db, rehash_db). */
  private resizeCursor = 0;
  private rehashCursor = 0;

  /** `hashSeed` seeds the key tables' hash (KeyspaceContext.hashSeed). */
  constructor(count: number, random: RandomSource, observer: KeyspaceObserver | null = null, hashSeed = 0) {
    this.context = { dirty: 0, expiry: 'delete', replicaKeysWithExpire: this.replicaKeysWithExpire, tracking: null, scriptTimeSnapshotMs: null, hashSeed };
    this.dbs = [];
    for (let i = 0; i < count; i++) this.dbs.push(new Database(i, random, observer, this.context));
  }

  db(index: number): Database {
    const db = this.dbs[index];
    if (db === undefined) throw new RangeError(`no database ${index}`);
    return db;
  }

  /** Total keys over all databases. */
  get totalKeys(): number {
    let n = 0;
    for (const db of this.dbs) n += db.size;
    return n;
  }

  flushAll(): number {
    let n = 0;
    for (const db of this.dbs) n += db.flush();
    this.replicaKeysWithExpire.clear();
    this.onFlush?.();
    return n;
  }

  /** FLUSHDB of one database. */
  flushDb(db: Database): number {
    const n = db.flush();
    this.onFlush?.();
    return n;
  }


  /** SWAPDB: clients stay on their db index and see the other contents. */
  swap(a: number, b: number): void {
    if (a === b) return;
    this.db(a).swapContents(this.db(b));
  }

  /**
   * Replaces every database's contents with those of `loaded` (a keyspace an RDB was just read
   * into, with as many databases), keeping the Database objects clients hold. Loading into a
   * fresh keyspace first and adopting only on success is what keeps the old data when a
   * snapshot turns out to be corrupt.
   */
  adoptContents(loaded: Keyspace): void {
    if (loaded.dbs.length !== this.dbs.length) throw new RangeError('adoptContents: keyspaces differ in database count');
    this.dbs.forEach((db, i) => db.adoptContents(loaded.db(i)));
    // Every database was replaced, as by FLUSHALL: the remembered names go with the old data.
    this.replicaKeysWithExpire.clear();
    this.onFlush?.();
  }

  /**
   * A replica's cron in place of active expiry: deletes the expired keys among those its own
   * clients gave a deadline (a writable replica); returns keys deleted.
   */
  expireReplicaKeys(nowMs: number): number {
    const tracked = this.replicaKeysWithExpire;
    return tracked.size === 0 ? 0 : tracked.expireCycle(this.dbs, nowMs);
  }

  /**
   * Redis's databasesCron, for the dict tables (dict-tables.ts): shrink the sparse ones of up to
   * 16 databases, then rehash for one dict of the first database that has a rehash under way
   * (Redis gives that a millisecond, modelled as REHASH_STEPS_PER_CRON steps). The caller skips
   * this while a fork would be alive, as Redis does; `rehash` is activerehashing.
   */
  resizeAndRehashTables(rehash: boolean): void {
    const count = this.dbs.length;
    const perCall = Math.min(DBS_PER_CRON, count);
    for (let j = 0; j < perCall; j++) {
      this.db(this.resizeCursor % count).shrinkSparseTables(true);
      this.resizeCursor = (this.resizeCursor + 1) % count;
    }
    if (!rehash) return;
    for (let j = 0; j < perCall; j++) {
      if (this.db(this.rehashCursor).rehashTables(REHASH_STEPS_PER_CRON)) return;
      this.rehashCursor = (this.rehashCursor + 1) % count;
    }
  }

  /**
   * Runs the active expiry cycle over the databases, starting where the last call stopped when
   * it ran out of time (so a busy db 0 does not starve the others), until `overBudget`.
   */
  activeExpire(nowMs: number, effort: ExpireEffort, overBudget: () => boolean): ExpirePass {
    const total: ExpirePass = { expired: 0, sampled: 0, timedOut: false };
    const count = this.dbs.length;
    for (let visited = 0; visited < count && !total.timedOut; visited++) {
      const db = this.dbs[this.expireCursor] as Database;
      this.expireCursor = (this.expireCursor + 1) % count;
      if (db.expiresCount === 0) continue;
      const pass = db.activeExpireCycle(nowMs, effort, overBudget);
      total.expired += pass.expired;
      total.sampled += pass.sampled;
      total.timedOut = pass.timedOut;
    }
    return total;
  }
}
