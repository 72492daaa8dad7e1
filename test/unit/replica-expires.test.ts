/*
 * storage/replica-expires.ts on a bare Keyspace, time given by hand: which deadlines are
 * remembered (only those set in `own` mode, databases 0..63), what the cron pass deletes
 * (expired remembered keys, whatever their origin), what it forgets (names left without a
 * deadline), when it stops (four keys still alive), and FLUSHALL / a full load emptying it.
 * The process-level behaviour, compared with redis-server, is test/replication/writable-replica.
 */
import t from 'tap';
import { Keyspace } from '../../storage/keyspace';
import { SeededRandom } from '../../storage/random';

const T0 = 1_000_000;

function replicaKeyspace(databases = 16): Keyspace {
  const keyspace = new Keyspace(databases, new SeededRandom(1));
  keyspace.context.expiry = 'hide';
  return keyspace;
}

/** Runs `write` as a writable replica's own client's write runs (dispatch.ts). */
function ownWrite(keyspace: Keyspace, write: () => void): void {
  keyspace.context.expiry = 'own';
  try {
    write();
  } finally {
    keyspace.context.expiry = 'hide';
  }
}

t.test('only deadlines set by the replica\'s own writes are remembered and expired', async (t) => {
  const ks = replicaKeyspace();
  const db = ks.db(0);
  db.set('master', 'v', T0);
  db.setExpireAt('master', T0 + 10);
  ownWrite(ks, () => {
    db.set('own', 'v', T0);
    db.setExpireAt('own', T0 + 10);
  });
  t.equal(ks.replicaKeysWithExpire.size, 1);
  t.equal(ks.expireReplicaKeys(T0 + 10), 0, 'not expired at its deadline (only after)');
  t.equal(db.get('own', T0 + 11, 'read'), undefined, 'a read hides it');
  t.equal(db.size, 2, 'and deletes nothing');
  t.equal(ks.expireReplicaKeys(T0 + 11), 1);
  t.equal(db.size, 1, 'the master\'s key waits for its DEL');
  t.equal(db.expiredKeys, 1);
  t.equal(ks.replicaKeysWithExpire.size, 0, 'an expired name is forgotten');
});

t.test('in own mode a write lookup deletes an expired key, a read lookup only hides it', async (t) => {
  const ks = replicaKeyspace();
  const db = ks.db(0);
  for (const key of ['r', 'w', 'd']) {
    db.set(key, 'v', T0);
    db.setExpireAt(key, T0 + 1);
  }
  ownWrite(ks, () => {
    t.equal(db.get('r', T0 + 5, 'read'), undefined);
    t.equal(db.get('w', T0 + 5), undefined);
    t.ok(db.deleteUnlessExpired('d', T0 + 5), 'DEL deletes the hidden key and counts it as deleted');
  });
  t.equal(db.size, 1, 'only r is left');
  t.equal(db.expiredKeys, 1, 'only w was expired');
  t.equal(ks.replicaKeysWithExpire.size, 0, 'no deadline was set in own mode');
});

t.test('names are tracked per database (0..63), counted once, and forgotten without a deadline', async (t) => {
  const ks = replicaKeyspace(70);
  ownWrite(ks, () => {
    for (const id of [0, 3, 63, 64]) {
      ks.db(id).set('k', 'v', T0);
      ks.db(id).setExpireAt('k', T0 + 10);
    }
  });
  t.equal(ks.replicaKeysWithExpire.size, 1, 'one name');
  ks.db(3).persist('k');
  t.equal(ks.expireReplicaKeys(T0 + 11), 2, 'dbs 0 and 63 expired; 3 has no deadline now');
  t.equal(ks.db(3).size, 1);
  t.equal(ks.db(64).size, 1, 'db 64 is not tracked: its key stays');
  t.equal(ks.replicaKeysWithExpire.size, 0);
});

t.test('a pass stops after four keys still alive; the next pass goes on from there', async (t) => {
  const ks = replicaKeyspace();
  const db = ks.db(0);
  ownWrite(ks, () => {
    for (let i = 0; i < 10; i++) {
      db.set(`k${i}`, 'v', T0);
      db.setExpireAt(`k${i}`, i < 6 ? T0 + 1000 : T0 + 1);
    }
  });
  t.equal(ks.expireReplicaKeys(T0 + 5), 0, 'k0..k3 alive: the pass stops');
  t.equal(ks.expireReplicaKeys(T0 + 5), 4, 'k4, k5 alive, k6..k9 expired, then k0, k1 alive');
  t.equal(db.size, 6);
  t.equal(ks.replicaKeysWithExpire.size, 6);
});

t.test('FLUSHALL and a full load empty the list; FLUSHDB does not', async (t) => {
  const ks = replicaKeyspace();
  const remember = (): void => ownWrite(ks, () => {
    ks.db(0).set('k', 'v', T0);
    ks.db(0).setExpireAt('k', T0 + 10);
  });
  remember();
  ks.db(0).flush();
  t.equal(ks.replicaKeysWithExpire.size, 1, 'FLUSHDB leaves it to the cron');
  t.equal(ks.expireReplicaKeys(T0), 0);
  t.equal(ks.replicaKeysWithExpire.size, 0, 'the cron forgets a name with no key');
  remember();
  ks.flushAll();
  t.equal(ks.replicaKeysWithExpire.size, 0);
  remember();
  ks.adoptContents(new Keyspace(16, new SeededRandom(2)));
  t.equal(ks.replicaKeysWithExpire.size, 0);
});
