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
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import {
  FAST_SYNC_ARGS, forEachCombo, missingPrerequisite, startNodes, startPair, waitFor, waitForSync, type ReplNode,
} from './replication-harness';
import { delay } from '../helpers/server-process';

const TTL_MS = 1500;
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

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  forEachCombo(t, 'a restarted replica keeps keys that expired while it was down', async (t, combo) => {
    const [master, replica] = await startPair(t, combo);
    t.equal(await master.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
    for (let i = 0; i < PERSISTENT_KEYS; i++) await master.callText('SET', `keep:${i}`, 'v');
    for (let i = 0; i < VOLATILE_KEYS; i++) await master.callText('SET', `ttl:${i}`, 'v', 'PX', String(TTL_MS));
    const expiredAtMs = Date.now() + TTL_MS;
    t.equal(await replica.replicaOf(master), '+OK');
    await waitForSync(master, replica);
    t.equal(await dbsize(replica), PERSISTENT_KEYS + VOLATILE_KEYS, 'the replica holds every key');
    t.equal(await replica.callText('SAVE'), 'OK');
    // The replica's own directory goes with it: its dump.rdb is kept in one of the test's.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-test-restart-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.copyFileSync(path.join(replica.process.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    await replica.stop();

    // Waiting for the TTLs to pass is the point of the test.
    await delay(Math.max(0, expiredAtMs - Date.now()) + 200);

    const [restarted] = await startNodes(t, [{
      kind: combo.replica,
      name: 'restarted replica',
      args: [...FAST_SYNC_ARGS, '--dir', dir, '--replicaof', master.host, String(master.port)],
    }]);
    if (restarted === undefined) throw new Error('the replica did not restart');
    t.equal(await dbsize(restarted), PERSISTENT_KEYS + VOLATILE_KEYS, 'loaded as a replica: the expired keys are kept');
    await waitForSync(master, restarted);
    t.equal(await dbsize(restarted), PERSISTENT_KEYS + VOLATILE_KEYS, 'still kept once in sync with the master');

    t.equal(await master.callText('DEBUG', 'SET-ACTIVE-EXPIRE', '1'), 'OK');
    await waitForDbsize(master, PERSISTENT_KEYS, 'the master expires the keys');
    await waitForDbsize(restarted, PERSISTENT_KEYS, "the master's DELs reach the replica");
  });
}
