/*
 * A replica restarted from its own RDB keeps the keys whose TTL passed while it was down (issue 11).
 *
 *   master  DEBUG SET-ACTIVE-EXPIRE 0; 10 keys, 5 more with PX 1500
 *   replica REPLICAOF, in sync: 15 keys; SAVE; stopped
 *   ...     the 5 TTLs pass (nobody touches the keys, so the master deletes nothing)
 *   replica restarted on its dump.rdb with --replicaof: still 15 keys, before and after it
 *           resyncs, because a replica never expires keys itself (Redis skips expired keys
 *           only when it loads an RDB as a master) and a master's snapshot carries them too
 *   master  DEBUG SET-ACTIVE-EXPIRE 1: its active expiry deletes the 5 and propagates DELs:
 *           the replica is down to 10
 *
 * Once with a standalone replica restarted with --replicaof, once with a cluster replica whose
 * role comes from its nodes.conf (masters and replicas of the same kind there).
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import {
  FAST_SYNC_ARGS, forEachCombo, missingPrerequisite, startNodes, startPair, waitFor, waitForSync, type ReplNode, type Test,
} from './replication-harness';
import { delay } from '../../bench/harness/server-process';

const TTL_MS = 1500;
const CLUSTER_ARGS = ['--cluster-enabled', 'yes', '--cluster-node-timeout', '5000'];
const PERSISTENT_KEYS = 10;
const VOLATILE_KEYS = 5;

async function dbsize(node: ReplNode): Promise<number> {
  return Number(await node.callText('DBSIZE'));
}

async function waitForDbsize(node: ReplNode, expected: number, what: string): Promise<void> {
  await waitFor(`${node.label}: ${what}`, 10_000, async () => {
    const size = await dbsize(node);
    return { ok: size === expected, detail: `DBSIZE ${size}, waiting for ${expected}` };
  }, [node]);
}

/** Writes the keys on a master whose active expiry is off; when the TTLs will have passed. */
async function writeKeys(master: ReplNode): Promise<number> {
  const t0 = Date.now();
  for (let i = 0; i < PERSISTENT_KEYS; i++) await master.callText('SET', `keep:${i}`, 'v');
  for (let i = 0; i < VOLATILE_KEYS; i++) await master.callText('SET', `ttl:${i}`, 'v', 'PX', String(TTL_MS));
  return t0 + TTL_MS;
}

/** Saves the replica, keeps its files (its own directory goes with it), stops it. */
async function saveAndStop(t: Test, replica: ReplNode, files: readonly string[]): Promise<string> {
  t.equal(await replica.callText('SAVE'), 'OK');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-test-restart-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const file of files) fs.copyFileSync(path.join(replica.process.dir, file), path.join(dir, file));
  await replica.stop();
  return dir;
}

/** After the restart: the expired keys are kept until the master's DELs arrive. */
async function checkRestarted(t: Test, master: ReplNode, restarted: ReplNode): Promise<void> {
  t.equal(await dbsize(restarted), PERSISTENT_KEYS + VOLATILE_KEYS, 'loaded as a replica: the expired keys are kept');
  await waitForSync(master, restarted);
  t.equal(await dbsize(restarted), PERSISTENT_KEYS + VOLATILE_KEYS, 'still kept once in sync with the master');
  t.equal(await master.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), 'OK');
  await waitForDbsize(master, PERSISTENT_KEYS, 'the master expires the keys');
  await waitForDbsize(restarted, PERSISTENT_KEYS, "the master's DELs reach the replica");
}

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  forEachCombo(t, 'a restarted replica keeps keys that expired while it was down', async (t, combo) => {
    const [master, replica] = await startPair(t, combo);
    t.equal(await master.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
    const expiredAtMs = await writeKeys(master);
    t.equal(await replica.replicaOf(master), '+OK');
    await waitForSync(master, replica);
    t.equal(await dbsize(replica), PERSISTENT_KEYS + VOLATILE_KEYS, 'the replica holds every key');
    const dir = await saveAndStop(t, replica, ['dump.rdb']);
    // Waiting for the TTLs to pass is the point of the test.
    await delay(Math.max(0, expiredAtMs - Date.now()) + 200);
    const [restarted] = await startNodes(t, [{
      kind: combo.replica,
      name: 'restarted replica',
      args: [...FAST_SYNC_ARGS, '--dir', dir, '--replicaof', master.host, String(master.port)],
    }]);
    if (restarted === undefined) throw new Error('the replica did not restart');
    await checkRestarted(t, master, restarted);
  });

  // In cluster mode the replica knows its role from nodes.conf, not from a replicaof line.
  forEachCombo(t, 'a restarted cluster replica keeps keys that expired while it was down', async (t, combo) => {
    const [master, replica] = await startNodes(t, [
      { kind: combo.master, name: 'master', args: [...FAST_SYNC_ARGS, ...CLUSTER_ARGS] },
      { kind: combo.replica, name: 'replica', args: [...FAST_SYNC_ARGS, ...CLUSTER_ARGS] },
    ]);
    if (master === undefined || replica === undefined) throw new Error('startNodes returned too few nodes');
    t.equal(await master.callText('CLUSTER', 'ADDSLOTSRANGE', '0', '16383'), 'OK');
    const masterId = await master.callText('CLUSTER', 'MYID');
    t.equal(await replica.callText('CLUSTER', 'MEET', master.host, String(master.port)), 'OK');
    await waitFor('the replica knows the master', 10_000, async () => {
      const nodes = await replica.callText('CLUSTER', 'NODES');
      return { ok: nodes.includes(masterId), detail: nodes };
    }, [master, replica]);
    t.equal(await replica.callText('CLUSTER', 'REPLICATE', masterId), 'OK');
    await waitForSync(master, replica);
    await waitFor('the cluster is up', 10_000, async () => {
      const info = await master.callText('CLUSTER', 'INFO');
      return { ok: info.includes('cluster_state:ok'), detail: info };
    }, [master, replica]);
    t.equal(await master.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
    const expiredAtMs = await writeKeys(master);
    await waitForDbsize(replica, PERSISTENT_KEYS + VOLATILE_KEYS, 'the replica holds every key');
    const dir = await saveAndStop(t, replica, ['dump.rdb', 'nodes.conf']);
    await delay(Math.max(0, expiredAtMs - Date.now()) + 200);
    const [restarted] = await startNodes(t, [{
      kind: combo.replica,
      name: 'restarted replica',
      args: [...FAST_SYNC_ARGS, ...CLUSTER_ARGS, '--dir', dir],
    }]);
    if (restarted === undefined) throw new Error('the replica did not restart');
    await checkRestarted(t, master, restarted);
  }, (combo) => combo.master === combo.replica);
}
