/*
 * A writable replica (`replica-read-only no`) and key expiry, as Redis 7.0.15 behaves.
 *
 * A replica leaves expiry to its master, which sends a DEL when a key's time is up; meanwhile the
 * replica hides the key from its clients but keeps it (DBSIZE counts it). The deadlines the
 * replica's own clients set are different: the master knows nothing of them, so the replica
 * remembers them (INFO stats slave_expires_tracked_keys) and its cron expires them itself.
 *
 *   1. own deadlines     SET ... PX, PEXPIRE on an own key and on a key that came from the
 *                        master: the replica expires the three (expired_keys +3); a master key
 *                        past its deadline stays hidden until the master's DEL
 *   2. lookups           both sides' active expiry off: reads of expired master keys answer
 *                        nil/0/-2/none and count a miss, DBSIZE still counts them; the replica's
 *                        own writes delete the ones they look up (expired_keys +1, as a master
 *                        would), but DEL and UNLINK delete and answer 1; EXPIRE in the past sets
 *                        the deadline there (the key stays until the cron)
 *   3. the tracked list  FLUSHDB keeps it, FLUSHALL empties it, names are counted once across
 *                        databases; REPLICAOF NO ONE keeps it (a master no longer reads it) and a
 *                        full resync empties it
 *
 * Every combination of kinds runs (the master's side matters only for what it sends), and the
 * expected values were read off a redis-server pair, which HASHSLOT_REPLICATION_TARGET=redis
 * checks again. Waits are polls with deadlines: a TTL passing is awaited as the replica's GET
 * turning nil, the replica's cron as DBSIZE reaching its value.
 */

import t from 'tap';
import {
  FAST_SYNC_ARGS, forEachCombo, missingPrerequisite, show, stat, startNodes, toData, waitFor, waitForSync,
  type Combo, type ReplNode, type Test,
} from './replication-harness';
import type { Arg } from '../../bench/harness/resp';

const WAIT_MS = 10_000;
const SHORT_TTL_MS = '300';
/** Long enough for the checks made before the replica's cron may expire the keys. */
const OWN_TTL_MS = '1000';

async function startWritablePair(t: Test, combo: Combo): Promise<[ReplNode, ReplNode]> {
  const [master, replica] = await startNodes(t, [
    { kind: combo.master, name: 'master', args: FAST_SYNC_ARGS },
    { kind: combo.replica, name: 'replica', args: [...FAST_SYNC_ARGS, '--replica-read-only', 'no'] },
  ]);
  if (master === undefined || replica === undefined) throw new Error('startNodes returned too few nodes');
  t.equal(await replica.replicaOf(master), '+OK');
  await waitForSync(master, replica);
  return [master, replica];
}

/** A command's reply as plain data (toData): 'OK', 1, null, ['a'], { error }. */
async function data(node: ReplNode, ...argv: Arg[]): Promise<unknown> {
  return toData(await node.call(...argv));
}

async function dbsize(node: ReplNode): Promise<number> {
  return Number(await node.callText('DBSIZE'));
}

async function tracked(node: ReplNode): Promise<number> {
  return stat(node, 'slave_expires_tracked_keys');
}

async function waitForDbsize(node: ReplNode, expected: number, what: string): Promise<void> {
  await waitFor(`${node.label}: ${what}`, WAIT_MS, async () => {
    const size = await dbsize(node);
    return { ok: size === expected, detail: `DBSIZE ${size}, waiting for ${expected}` };
  }, [node]);
}

/** Until the replica reads `key` as missing: its deadline has passed. */
async function waitUntilHidden(replica: ReplNode, key: string): Promise<void> {
  await waitFor(`${replica.label}: ${key} past its deadline`, WAIT_MS, async () => {
    const value = await data(replica, 'GET', key);
    return { ok: value === null, detail: `GET ${key} → ${JSON.stringify(value)}` };
  }, [replica]);
}

async function ownDeadlines(t: Test, combo: Combo): Promise<void> {
  const [master, replica] = await startWritablePair(t, combo);
  t.equal(await master.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
  await master.callText('SET', 'm:ttl', 'v', 'PX', SHORT_TTL_MS);
  await master.callText('SET', 'm:keep', 'v');
  await master.callText('SET', 'm:exp', 'v');
  await waitForSync(master, replica);
  const expiredBefore = await stat(replica, 'expired_keys');

  t.equal(await replica.callText('SET', 'own:set', 'v', 'PX', OWN_TTL_MS), 'OK');
  t.equal(await replica.callText('SET', 'own:later', 'v'), 'OK');
  t.same(await data(replica, 'PEXPIRE', 'own:later', OWN_TTL_MS), 1);
  t.same(await data(replica, 'PEXPIRE', 'm:exp', OWN_TTL_MS), 1, "the replica's client sets a deadline on a master key");
  t.equal(await replica.callText('SET', 'own:long', 'v', 'EX', '1000'), 'OK');
  t.equal(await tracked(replica), 4, 'four names tracked: the deadlines the replica set');
  t.equal(await tracked(master), 0, 'a master tracks nothing');

  await waitForDbsize(replica, 3, "the replica's cron expires its own three (m:ttl, m:keep, own:long stay)");
  t.equal(await stat(replica, 'expired_keys') - expiredBefore, 3, 'expired_keys counts them');
  t.equal(await tracked(replica), 1, 'only own:long is still tracked');
  t.same(await data(replica, 'GET', 'm:ttl'), null, "the master's key past its deadline reads as missing");
  t.same(await data(replica, 'EXISTS', 'm:ttl', 'm:keep', 'own:long'), 2);
  t.equal(await dbsize(master), 3, 'the master never heard of the replica\'s deadline on m:exp');
  t.same(await data(master, 'GET', 'm:exp'), 'v');

  t.equal(await master.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), 'OK');
  await waitForDbsize(master, 2, 'the master expires m:ttl');
  await waitForDbsize(replica, 2, "the master's DEL reaches the replica");
  t.equal(await stat(replica, 'expired_keys') - expiredBefore, 3, "the master's DEL is a deletion, not an expiry, on the replica");
}

async function lookups(t: Test, combo: Combo): Promise<void> {
  const [master, replica] = await startWritablePair(t, combo);
  t.equal(await master.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
  t.equal(await replica.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
  const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  for (const key of keys) await master.callText('SET', key, 'v', 'PX', SHORT_TTL_MS);
  await waitForSync(master, replica);
  t.equal(await replica.callText('SET', 'own', 'v', 'PX', SHORT_TTL_MS), 'OK');
  t.equal(await replica.callText('SET', 'own2', 'v'), 'OK');
  t.same(await data(replica, 'EXPIRE', 'own2', '-1'), 1, 'EXPIRE in the past on a replica sets the deadline');
  t.same(await data(replica, 'GET', 'own2'), null);
  await waitUntilHidden(replica, 'a');
  await waitUntilHidden(replica, 'own');

  const expiredBefore = await stat(replica, 'expired_keys');
  const missesBefore = await stat(replica, 'keyspace_misses');
  t.same(await data(replica, 'GET', 'a'), null, 'reads of an expired key: nil');
  t.same(await data(replica, 'EXISTS', 'a'), 0);
  t.same(await data(replica, 'TTL', 'a'), -2);
  t.same(await data(replica, 'TYPE', 'a'), 'none');
  t.same(await data(replica, 'KEYS', '*'), []);
  t.same(await data(replica, 'SCAN', '0', 'COUNT', '100'), ['0', []]);
  t.equal(await stat(replica, 'keyspace_misses') - missesBefore, 4, 'GET, EXISTS, TTL and TYPE count a miss');
  t.equal(await dbsize(replica), 9, 'DBSIZE still counts the expired keys');
  t.equal(await stat(replica, 'expired_keys'), expiredBefore, 'reads delete nothing on a replica');
  t.equal(await tracked(replica), 2);

  // The replica's own writes: a write lookup deletes the expired key as a master's would.
  const writes: [Arg[], unknown, number][] = [
    [['APPEND', 'a', 'z'], 1, 1],
    [['DEL', 'b'], 1, 0],
    [['SET', 'c', 'new'], 'OK', 1],
    [['INCR', 'd'], 1, 1],
    [['EXPIRE', 'e', '100'], 0, 1],
    [['PERSIST', 'f'], 0, 1],
    [['UNLINK', 'g'], 1, 0],
  ];
  for (const [argv, reply, expired] of writes) {
    const before = await stat(replica, 'expired_keys');
    t.same(await data(replica, ...argv), reply, `${argv.join(' ')} on an expired key`);
    t.equal(await stat(replica, 'expired_keys') - before, expired, `${argv.join(' ')}: expired_keys +${expired}`);
  }
  t.same(await data(replica, 'TTL', 'a'), -1, 'APPEND made a new key without a deadline');
  t.equal(await dbsize(replica), 5, 'a, c, d rewritten; own and own2 wait for the cron');
  t.equal(await dbsize(master), keys.length, 'nothing reached the master');

  t.equal(await replica.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), 'OK');
  await waitForDbsize(replica, 3, "the replica's cron expires own and own2");
  t.equal(await tracked(replica), 0);
  t.equal(await master.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), 'OK');
  await waitForDbsize(replica, 0, "the master's DELs delete the replica's rewritten a, c, d too");
}

async function trackedList(t: Test, combo: Combo): Promise<void> {
  const [master, replica] = await startWritablePair(t, combo);
  t.equal(await replica.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
  t.equal(await replica.callText('SET', 't1', 'v', 'EX', '100'), 'OK');
  const multi = await replica.connect();
  try {
    const replies = await multi.pipeline([['MULTI'], ['SET', 't2', 'v', 'PX', '100000'], ['EXPIRE', 't2', '200'], ['EXEC']]);
    t.same(replies.map(show).slice(0, 3), ['+OK', '+QUEUED', '+QUEUED']);
    t.equal(await tracked(replica), 2, 'deadlines set inside EXEC are tracked');
    t.equal(await replica.callText('FLUSHDB'), 'OK');
    t.equal(await tracked(replica), 2, 'FLUSHDB leaves the names for the cron to drop');
    t.equal(await replica.callText('SET', 't3', 'v', 'EX', '100'), 'OK');
    t.equal(await tracked(replica), 3);
    t.equal(await replica.callText('FLUSHALL'), 'OK');
    t.equal(await tracked(replica), 0, 'FLUSHALL empties the list');

    t.same(await multi.pipeline([['SELECT', '9'], ['SET', 's', 'v', 'EX', '100']]).then((r) => r.map(show)), ['+OK', '+OK']);
    t.equal(await replica.callText('SET', 's', 'v', 'EX', '100'), 'OK');
    t.equal(await tracked(replica), 1, 'one name in two databases counts once');
  } finally {
    multi.close();
  }

  t.equal(await replica.callText('SET', 'p', 'v', 'PX', SHORT_TTL_MS), 'OK');
  t.equal(await tracked(replica), 2);
  t.equal(await replica.replicaOf(null), '+OK');
  t.equal(await tracked(replica), 2, 'promotion keeps the list');
  t.equal(await replica.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), 'OK');
  await waitForDbsize(replica, 1, 'as a master, its active expiry deletes p (s stays)');
  t.equal(await replica.callText('SET', 'q', 'v', 'EX', '100'), 'OK');
  t.equal(await tracked(replica), 2, 'a master neither tracks new deadlines nor drops old names');

  const fullBefore = await stat(master, 'sync_full');
  t.equal(await replica.replicaOf(master), '+OK');
  await waitForSync(master, replica);
  t.equal(await stat(master, 'sync_full') - fullBefore, 1, 'the promoted node resyncs in full');
  t.equal(await tracked(replica), 0, 'a full resync empties the list');
}

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  forEachCombo(t, "a writable replica expires the deadlines its own clients set, and only those", ownDeadlines);
  forEachCombo(t, 'expired keys on a writable replica: reads hide them, its own writes delete them', lookups);
  forEachCombo(t, 'the tracked list: FLUSHDB, FLUSHALL, databases, promotion, full resync', trackedList);
}
