/**
 * The keys a writable replica's own clients gave a deadline, and the replica's expiry of them.
 *
 * A replica never expires keys by itself: its master decides, and sends a DEL when a key's time
 * is up, so both hold the same keys (a replica only hides a key past its deadline from its
 * clients). With `replica-read-only no` a replica's clients may write too, and a deadline they
 * set is one the master knows nothing about: no DEL will ever come for it. Redis 7.0 therefore
 * remembers every key whose deadline a replica's own client set (SET ... EX, EXPIRE, GETEX,
 * RENAME/COPY/MOVE/RESTORE carrying a TTL), by name and database, and the replica's cron, in
 * place of a master's active expiry, deletes those that are past their deadline.
 *
 *   client  SET own v PX 100      (on the writable replica)   remembered: own in db 0
 *   master  SET m v PX 100        (applied from the stream)   not remembered: the master's DEL
 *   cron    ...100 ms later                                   deletes own (expired_keys +1);
 *                                                             m stays hidden until the DEL
 *
 * What is remembered is the name, not the key's origin, and it is checked against the key's
 * deadline at the time of the check, as in Redis:
 *  - a replica client's EXPIRE on a key that came from the master makes the replica expire it;
 *  - when the master later gives a remembered key a deadline of its own, the replica expires it
 *    at that deadline, without waiting for the DEL;
 *  - a remembered key found without a deadline (deleted, overwritten, persisted, FLUSHDB) is
 *    forgotten when the cron reaches it, not before: INFO's slave_expires_tracked_keys counts it
 *    until then.
 * Only databases 0 to 63 are tracked (Redis keeps the databases of a name in a 64-bit mask); a
 * deadline set in a higher one is never expired by the replica. The list is emptied when every
 * database is (FLUSHALL, a full resync's load, DEBUG RELOAD), and kept as it is when the
 * replica is promoted: a master expires everything by its own active expiry and no longer
 * looks at it. SWAPDB does not move it: it names databases by number, as Redis's mask does.
 *
 * Redis picks names at random and stops after finding four not yet expired; here a persistent
 * walk goes round the names in turn (every one is reached, none twice in a pass) with the same
 * stopping rule, and a bound on the names examined per tick in place of Redis's 1 ms budget.
 */
import type { ByteString } from './bytes';
import { MapWalk } from './map-walk';

/** Databases beyond this index are not tracked (a 64-bit mask per name in Redis). */
const MAX_TRACKED_DB = 63;
/** A pass stops once this many remembered keys were found still alive (Redis: more than 3). */
const ALIVE_BEFORE_STOP = 4;
/** Upper bound of names examined per tick, so one tick stays short. */
const MAX_EXAMINED_PER_TICK = 2000;

/** What the cron's check of one remembered key found (Database.expireRemembered). */
export type RememberedKeyState = 'expired' | 'alive' | 'untimed';

/** The databases a pass checks: by index, each able to expire one remembered key. */
export interface RememberedKeyExpirer {
  expireRemembered(key: ByteString, nowMs: number): RememberedKeyState;
}

export class ReplicaKeysWithExpire {
  /** Name → bit i set when the name was given a deadline in database i. */
  private keys = new Map<ByteString, bigint>();
  private readonly walk = new MapWalk<ByteString, bigint>();

  /** INFO's slave_expires_tracked_keys: distinct names, whatever their databases. */
  get size(): number {
    return this.keys.size;
  }

  /** A writable replica's own client set a deadline on `key` in database `dbId`. */
  remember(dbId: number, key: ByteString): void {
    if (dbId > MAX_TRACKED_DB) return;
    const bit = 1n << BigInt(dbId);
    this.keys.set(key, (this.keys.get(key) ?? 0n) | bit);
  }

  /** Forgets everything (every database was emptied). */
  clear(): void {
    this.keys = new Map();
    this.walk.reset();
  }

  /**
   * One pass of the replica's own expiry: checks remembered names in turn against their
   * databases, deleting the expired keys and forgetting names left with nothing to expire.
   * Returns the number of keys deleted.
   */
  expireCycle(dbs: readonly RememberedKeyExpirer[], nowMs: number): number {
    let deleted = 0;
    let alive = 0;
    const passLength = Math.min(this.keys.size, MAX_EXAMINED_PER_TICK);
    for (let examined = 0; examined < passLength && alive < ALIVE_BEFORE_STOP; examined++) {
      const entry = this.walk.next(this.keys);
      if (entry === null) break;
      const [key, mask] = entry;
      let kept = 0n;
      for (let id = 0; id < dbs.length && mask >> BigInt(id) !== 0n; id++) {
        const bit = 1n << BigInt(id);
        if ((mask & bit) === 0n) continue;
        const state = (dbs[id] as RememberedKeyExpirer).expireRemembered(key, nowMs);
        if (state === 'expired') deleted++;
        else if (state === 'alive') {
          alive++;
          kept |= bit;
        }
      }
      if (kept === 0n) this.keys.delete(key);
      else if (kept !== mask) this.keys.set(key, kept);
    }
    return deleted;
  }
}
