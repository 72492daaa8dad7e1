/*
 * Scenario 4: promoting a replica with `REPLICAOF NO ONE` keeps its own replicas on a partial
 * resync, thanks to replid2.
 *
 *   chained                                  siblings
 *   M ──▶ R1 ──▶ R2                          M ──▶ R1        M ──▶ R2
 *         │ REPLICAOF NO ONE                       │ REPLICAOF NO ONE
 *         ▼                                        ▼
 *         R1 (new replid, replid2 = M's)           R1 ◀── R2: REPLICAOF R1
 *         ▲                                        ▲
 *         └── R2 reconnects: PSYNC <M's replid>    └── R2: PSYNC <M's replid> <offset+1>
 *             ⇒ +CONTINUE <R1's new replid>            ⇒ +CONTINUE: a partial resync
 *
 * The pair under test is the promoted R1 and its replica R2: R1 has the combination's master kind
 * and R2 its replica kind (M has the master kind too). So "redis master → hashslot replica" checks
 * that hashslot, as R2, follows a promotion with PSYNC and adopts the new replid; "hashslot master
 * → redis replica" checks that hashslot, as R1, shifts its replid and accepts the old one.
 */

import t from 'tap';
import { assertSameDataset, lazyOracle } from './dataset-compare';
import {
  FAST_SYNC_ARGS, forEachCombo, missingPrerequisite, startNodes, stat, SYNC_DEADLINE_MS, waitFor, waitForSync, writeBurst,
  type Combo, type ReplNode, type Test,
} from './replication-harness';

/**
 * M sends a keepalive PING into the stream every repl-ping-replica-period seconds (10 by default).
 * One landing between "R1 and R2 are at the same offset" and the promotion could leave R2 ahead of
 * R1, which forces a full resync for a reason that has nothing to do with the code under test; so
 * M pings once an hour here (replicas only give up on a silent master after repl-timeout, 60 s,
 * much longer than these tests).
 */
const QUIET_MASTER_ARGS = [...FAST_SYNC_ARGS, '--repl-ping-replica-period', '3600'];

async function threeNodes(t: Test, combo: Combo): Promise<[ReplNode, ReplNode, ReplNode]> {
  const [m, r1, r2] = await startNodes(t, [
    { kind: combo.master, name: 'M', args: QUIET_MASTER_ARGS },
    { kind: combo.master, name: 'R1', args: FAST_SYNC_ARGS },
    { kind: combo.replica, name: 'R2', args: FAST_SYNC_ARGS },
  ]);
  if (m === undefined || r1 === undefined || r2 === undefined) throw new Error('startNodes returned too few nodes');
  return [m, r1, r2];
}

async function waitForPartialSyncs(node: ReplNode, expected: number, others: readonly ReplNode[]): Promise<void> {
  await waitFor(`${node.label} counts sync_partial_ok:${expected}`, SYNC_DEADLINE_MS, async () => {
    const n = await stat(node, 'sync_partial_ok');
    return { ok: n === expected, detail: `sync_partial_ok:${n}` };
  }, [node, ...others]);
}

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  const oracle = lazyOracle(t);

  forEachCombo(t, 'chained M → R1 → R2; R1 promoted, R2 continues with a partial resync', async (t, combo) => {
    const [m, r1, r2] = await threeNodes(t, combo);
    t.same(await writeBurst(m, 'base', 1_000, 40), [], 'initial data on M');
    t.equal(await r1.replicaOf(m), '+OK', 'R1: REPLICAOF M');
    await waitForSync(m, r1);
    t.equal(await r2.replicaOf(r1), '+OK', 'R2: REPLICAOF R1');
    await waitForSync(r1, r2);
    t.same(await writeBurst(m, 'streamed', 500, 40, 2), [], 'writes on M flow through R1 to R2');
    await waitForSync(m, r1);
    await waitForSync(r1, r2);

    const oldReplid = (await m.info('replication')).get('master_replid');
    const r1Before = await r1.info('replication');
    t.equal(r1Before.get('master_replid'), oldReplid, 'R1 shares M\'s replid before the promotion');
    t.equal((await r2.info('replication')).get('master_replid'), oldReplid, 'R2 shares it too: R1 forwards M\'s stream as is');
    const offset = r1Before.num('master_repl_offset');
    const [partial, full] = [await stat(r1, 'sync_partial_ok'), await stat(r1, 'sync_full')];

    t.equal(await r1.replicaOf(null), '+OK', 'R1: REPLICAOF NO ONE');
    await waitForPartialSyncs(r1, partial + 1, [r2]);
    await waitForSync(r1, r2);
    const r1After = await r1.info('replication');
    const r2After = await r2.info('replication');
    t.equal(r1After.get('role'), 'master', 'R1 is a master');
    t.not(r1After.get('master_replid'), oldReplid, 'R1 took a new replid');
    t.equal(r1After.get('master_replid2'), oldReplid, 'R1\'s master_replid2 is the old replid');
    t.equal(r1After.num('second_repl_offset'), offset + 1, 'R1\'s second_repl_offset is its offset at the promotion + 1');
    t.equal(r2After.get('master_replid'), r1After.get('master_replid'), 'R2\'s master_replid is R1\'s new replid');
    t.equal(r2After.get('master_replid2'), oldReplid, 'R2 keeps the old replid as its replid2');
    t.equal(await stat(r1, 'sync_partial_ok') - partial, 1, 'R1: sync_partial_ok +1');
    t.equal(await stat(r1, 'sync_full') - full, 0, 'R1: sync_full +0');

    t.same(await writeBurst(r1, 'promoted', 1_000, 40, 1), [], 'writes on the promoted R1');
    await waitForSync(r1, r2);
    await assertSameDataset(t, r1, r2, await oracle(), { dbs: [0, 1, 2], minKeys: 2_500 });
  });

  forEachCombo(t, 'M → R1 and M → R2; R1 promoted, R2 re-pointed to it: a partial resync', async (t, combo) => {
    const [m, r1, r2] = await threeNodes(t, combo);
    t.same(await writeBurst(m, 'base', 1_000, 40), [], 'initial data on M');
    t.equal(await r1.replicaOf(m), '+OK', 'R1: REPLICAOF M');
    t.equal(await r2.replicaOf(m), '+OK', 'R2: REPLICAOF M');
    await waitForSync(m, r1);
    await waitForSync(m, r2);
    t.same(await writeBurst(m, 'streamed', 500, 40, 2), [], 'writes on M reach both replicas');
    await waitForSync(m, r1);
    await waitForSync(m, r2);

    const oldReplid = (await m.info('replication')).get('master_replid');
    const [partial, full] = [await stat(r1, 'sync_partial_ok'), await stat(r1, 'sync_full')];
    t.equal(await r1.replicaOf(null), '+OK', 'R1: REPLICAOF NO ONE');
    t.equal(await r2.replicaOf(r1), '+OK', 'R2: REPLICAOF R1');
    await waitForPartialSyncs(r1, partial + 1, [r2]);
    await waitForSync(r1, r2);
    t.equal(await stat(r1, 'sync_partial_ok') - partial, 1, 'R1: sync_partial_ok +1');
    t.equal(await stat(r1, 'sync_full') - full, 0, 'R1: sync_full +0, not a full sync');
    const r1After = await r1.info('replication');
    t.equal(r1After.get('master_replid2'), oldReplid, 'R1\'s master_replid2 is M\'s replid');
    t.equal((await r2.info('replication')).get('master_replid'), r1After.get('master_replid'), 'R2 follows R1\'s new replid');

    t.same(await writeBurst(r1, 'promoted', 1_000, 40, 1), [], 'writes on the promoted R1');
    await waitForSync(r1, r2);
    await assertSameDataset(t, r1, r2, await oracle(), { dbs: [0, 1, 2], minKeys: 2_500 });
  });
}
