/**
 * The shapes the databases of a keyspace share with the server: what a database tells (expired
 * and new keys, changed keys, watched keys), the state all databases share (the change counter,
 * the role's view of expired keys, LRU or LFU, the latency probe), and the settings and results
 * of the active expire cycle. Kept apart from database.ts, which is the dictionary itself.
 */
import type { LfuSettings } from './access-clock';
import type { ByteString } from './bytes';
import type { MutableString } from './mutable-string';
import type { ReplicaKeysWithExpire } from './replica-expires';
import type { ContainerValue, TypeName } from './values';
import type { Database } from './database';

/**
 * Told about keys that expired (the server propagates a DEL and notifies) and about keys a
 * command created (the "new" keyspace event, and waking clients blocked on that key). Keys
 * loaded from a snapshot are not announced: they were not created by a command.
 */
export interface KeyspaceObserver {
  keyExpired(db: Database, key: ByteString): void;
  keyAdded(db: Database, key: ByteString, type: TypeName): void;
}

/** A value as the commands that work on a string's bytes see it (getForEdit). */
export type EditableValue = ByteString | MutableString | ContainerValue;

/**
 * What every database of a keyspace shares: the change counter and how expiry behaves.
 *
 * `dirty` counts writes (Redis's server.dirty): the server compares it around a command to
 * decide whether the command changed anything and must be propagated to replicas, and
 * INFO's rdb_changes_since_last_save reads it. Expiry deletions do not count: they are
 * propagated on their own, as DEL.
 *
 * `expiry` is the role's view of a key past its deadline: a master deletes it (`delete`); a
 * replica hides it from its clients but keeps it until the master's DEL arrives (`hide`), and
 * while applying the master's stream sees it as alive (`keep`), so both sides agree. A
 * writable replica running a write of its own client (`own`) deletes an expired key where the
 * write looks it up, as a master would (Redis's lookupKeyWrite; a read lookup still only hides
 * it), and remembers the deadlines the write sets in `replicaKeysWithExpire`, since no master
 * will ever send a DEL for them (replica-expires.ts).
 */
export interface KeyspaceContext {
  dirty: number;
  expiry: 'delete' | 'hide' | 'keep' | 'own';
  /** The deadlines a writable replica's own clients set; null where nothing tracks them. */
  readonly replicaKeysWithExpire: ReplicaKeysWithExpire | null;
  /**
   * Told of every key changed in any database (CLIENT TRACKING's invalidations); null while
   * nothing is tracked, so a write pays one null check.
   */
  tracking: KeyChangeListener | null;
  /**
   * Set while an LFU maxmemory-policy is in force: access times are then LFU words
   * (access-clock.ts). Absent or null: plain LRU seconds.
   */
  lfu?: LfuSettings | null;
  /**
   * Times the deletion of each expired key for the server's latency monitor (its `expire-del`
   * event); absent or null while the monitor is off, so a deletion pays one null check. The
   * probe reads the server's clock: storage reads none.
   */
  latency?: LatencyProbe | null;
  /**
   * While a script runs: the instant it started, by which its commands judge whether a key has
   * expired (Redis 7.0's scriptTimeSnapshot), so a key alive when the script began stays alive
   * to the script however long it runs. Only the expiry check is frozen: TTLs, relative
   * deadlines (SET PX, EXPIRE) and EXPIRE's "already past" test read the command's own `nowMs`,
   * as Redis 7.0 reads mstime() for them. Absent or null outside scripts.
   */
  scriptTimeSnapshotMs?: number | null;
  /**
   * Whether Redis would resize its dicts now: not while a fork is alive (BGSAVE, AOF rewrite),
   * when only a table five times overfull grows (dict-tables.ts). Absent: always.
   */
  dictResizeAllowed?: () => boolean;
  /**
   * The second Redis's LRU clock stopped at, while DEBUG PAUSE-CRON keeps the cron that advances
   * it from running (access-clock.ts lruSeconds); absent or null: the clock follows the time.
   */
  lruFrozenSec?: number | null;
  /**
   * The seed of the key tables' hash (key-index.ts), from the node's seed so a seeded run lays
   * its keys out the same way each time. Absent: 0.
   */
  readonly hashSeed?: number;
}

/**
 * A stopwatch lent by the server (server/observe/latency-monitor.ts): `start` reads its clock,
 * `end` turns the time since into a sample of `event` when it reaches the threshold.
 */
export interface LatencyProbe {
  start(): number;
  end(event: string, startedMs: number): void;
}

/** Told when a key is written, deleted or expires, whichever database it is in. */
export interface KeyChangeListener {
  keyChanged(key: ByteString): void;
}

/**
 * Which kind of lookup finds an expired key: they differ only in `own` mode (KeyspaceContext),
 * where a write lookup deletes the key and a read lookup hides it.
 */
export type Lookup = 'read' | 'write';

/** Told when a watched key is written, deleted or expires (WATCH ... EXEC). */
export interface KeyWatcher {
  keyTouched(key: ByteString): void;
}

export interface ScanFilter {
  pattern?: ByteString;
  type?: string;
}

/**
 * How hard the active expire cycle works (Redis's figures for active-expire-effort): keys
 * sampled per round, and the share of expired keys in a round (percent) above which it goes on.
 */
export interface ExpireEffort {
  keysPerLoop: number;
  acceptableStalePerc: number;
}

/** What one database's pass of the active expire cycle did. */
export interface ExpirePass {
  expired: number;
  sampled: number;
  /** It stopped because `overBudget` said so, with expired keys perhaps left. */
  timedOut: boolean;
}
