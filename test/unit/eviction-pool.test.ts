/*
 * server/memory/eviction.ts's pool without a server: with every key sampled each round, the
 * pool must hand out keys from the idlest down, skip a pooled key deleted meanwhile (or deleted
 * and added again, now in another table slot, which still counts as existing), and the slot it
 * gives must let Database.evict find the key without a lookup. The statistical comparison with
 * redis-server's eviction is test/compat/eviction.test.ts.
 */
import t from 'tap';
import { Database } from '../../storage/database';
import { SeededRandom } from '../../storage/random';
import { EVICTION_POOL_SIZE, EvictionPool } from '../../server/memory/eviction';

const LFU = { logFactor: 10, decayTimeMin: 1 };
const BASE_MS = 1_765_000_000_000;

/** A database of `count` keys, key i last written at second i (key 0 the idlest). */
function aged(count: number): Database {
  const db = new Database(0, new SeededRandom(3));
  for (let i = 0; i < count; i++) db.set(`k${i}`, `v${i}`, BASE_MS + i * 1000);
  return db;
}

t.test('keys come out idlest first, each with the slot that holds it', async (t) => {
  for (const count of [5, EVICTION_POOL_SIZE, 40]) {
    const db = aged(count);
    const pool = new EvictionPool();
    const nowMs = BASE_MS + count * 1000;
    const order: string[] = [];
    for (let i = 0; i < count; i++) {
      // Sampling as many keys as there are sees them all, so the best is the idlest left.
      const pick = pool.pick([db], 'allkeys-lru', count, LFU, nowMs);
      if (pick === null) break;
      t.ok(db.holdsAt(pick.key, pick.slot), `${pick.key} is in the slot the pool gave`);
      t.ok(db.evict(pick.key, pick.slot) > 0, `${pick.key} evicted, bytes freed`);
      order.push(pick.key);
    }
    t.same(order, Array.from({ length: count }, (_, i) => `k${i}`), `${count} keys: evicted from the idlest`);
    t.equal(db.size, 0, 'nothing left');
    t.equal(pool.pick([db], 'allkeys-lru', count, LFU, nowMs), null, 'an empty database gives nothing');
  }
});

t.test('a pooled key deleted meanwhile is skipped; deleted and added again, it is still found', async (t) => {
  const db = aged(10);
  const pool = new EvictionPool();
  const nowMs = BASE_MS + 10_000;
  // The first pick fills the pool with all ten keys and hands out k0.
  t.equal(pool.pick([db], 'allkeys-lru', 10, LFU, nowMs)?.key, 'k0');
  // k2 leaves its slot and comes back into k1's (freed last, so reused first): the pool's entry
  // for k2, with its old slot, still stands for a key that exists.
  db.delete('k2');
  db.delete('k1');
  db.set('k2', 'again', nowMs);
  const next = pool.pick([db], 'allkeys-lru', 1, LFU, nowMs);
  t.equal(next?.key, 'k2', 'k1 is gone and skipped; k2 exists again and is taken');
  if (next !== undefined && next !== null) {
    t.notOk(db.holdsAt(next.key, next.slot), 'k2 is no longer in the slot it was pooled with');
    t.equal(db.evict(next.key, next.slot) > 0, true, 'evict finds k2 by lookup when its slot changed');
    t.equal(db.size, 8, 'k1 and k2 are gone; k0 was picked but not evicted');
  }
});
