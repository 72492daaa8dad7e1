/*
 * Replica migration to a promoted replica, with real processes (issue 11, section 6; the seeded
 * version is test/sim/replica-migration.test.ts).
 *
 * Three master/replica pairs, plus a spare: a second replica of master 1. Master 0 is killed;
 * its replica is elected and is now a master without a replica. It used to be a replica, and a
 * node set from replica to master counts as a migration target, so after the 5 s migration
 * delay the replica with the smaller id among master 1's two moves to it (master 1 keeps one,
 * its cluster-migration-barrier of 1), and every survivor sees the move.
 *
 * With HASHSLOT_CLUSTER_TARGET=redis every node is a redis-server, which checks the test.
 */

import t from 'tap';
import { ClusterNode, clusterTarget, missingPrerequisite, runRedisCli, stripAnsi } from '../../bench/harness/cluster-harness';
import { ownedSlots } from '../../bench/harness/cluster-replies';
import { allOk, awaitFailover, FAILOVER_NODE_TIMEOUT_MS, pairedCluster, poll, waitLinkUp, type Pair } from './failover-support';

const kind = clusterTarget();
const problem = missingPrerequisite([kind]);
/** Election, then the 5 s migration delay, on a box shared with other suites. */
const DEADLINE_MS = 45_000;

if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test(`a promoted replica without replicas gets one from a master with two (${kind})`, async (t) => {
    const options = { nodeTimeoutMs: FAILOVER_NODE_TIMEOUT_MS };
    const { cluster, pairs } = await pairedCluster([[kind, kind], [kind, kind], [kind, kind]], options);
    cluster.attach(t);
    const spare = await ClusterNode.start(kind, options);
    t.teardown(async () => {
      await spare.stop();
      if (!t.passing()) process.stderr.write(`\n===== log of ${spare.label} =====\n${spare.output()}`);
      spare.removeDir();
    });
    const [shard0, shard1] = pairs as [Pair, Pair, Pair];
    const master1Id = (await shard1.master.myself()).id;
    const add = await runRedisCli(['--cluster', 'add-node', `${spare.host}:${spare.port}`, `${shard1.master.host}:${shard1.master.port}`,
      '--cluster-slave', '--cluster-master-id', master1Id], 60_000);
    t.equal(add.code, 0, 'the spare joins as a second replica of master 1', { stdout: stripAnsi(add.stdout), stderr: add.stderr });
    const everyone = [...cluster.nodes, spare];
    await poll('every node knows 7 nodes and the spare replicates master 1', DEADLINE_MS, async () => {
      const views = await Promise.all(everyone.map((n) => n.clusterNodes()));
      const spareId = (await spare.myself()).id;
      const ok = views.every((v) => v.length === 7 && v.find((l) => l.id === spareId)?.masterId === master1Id);
      return ok ? null : views.map((v, i) => `${everyone[i]?.label ?? '?'} knows ${v.length}`).join(', ');
    });
    for (const replica of [...pairs.map((p) => p.replica), spare]) await waitLinkUp(replica);
    await poll('every node is ok', DEADLINE_MS, () => allOk(everyone));

    const ids = new Map<ClusterNode, string>();
    for (const node of everyone) ids.set(node, (await node.myself()).id);
    const promotedId = ids.get(shard0.replica) ?? '';
    const [mover, stayer] = (ids.get(shard1.replica) ?? '') < (ids.get(spare) ?? '') ? [shard1.replica, spare] : [spare, shard1.replica];
    const slots = ownedSlots(await shard0.master.myself());
    const survivors = everyone.filter((n) => n !== shard0.master);

    const killedAt = Date.now();
    await shard0.master.kill('SIGKILL');
    const { allOkMs } = await awaitFailover(shard0.replica, survivors, slots, killedAt, DEADLINE_MS);
    t.comment(`master 0's replica promoted, all ok after ${allOkMs} ms`);
    const promotedAt = Date.now();

    await poll(`${mover.label} (the smaller id of master 1's replicas) replicates the promoted node`, DEADLINE_MS, async () => {
      const me = await mover.myself();
      return me.masterId === promotedId ? null : `${mover.label}: flags ${me.flags.join(',')} master ${me.masterId}`;
    });
    const movedMs = Date.now() - promotedAt;
    t.pass(`${mover.label}, the smaller id of master 1's replicas, moved to the promoted node (${movedMs} ms after all ok)`);
    await poll('every survivor sees the move, and is ok', DEADLINE_MS, async () => {
      const views = await Promise.all(survivors.map((n) => n.clusterNodes()));
      const seen = views.every((v) => v.find((l) => l.id === ids.get(mover))?.masterId === promotedId);
      return seen ? allOk(survivors) : 'not every survivor sees the move yet';
    });
    t.pass('every survivor sees it as the promoted node\'s replica');
    t.equal((await stayer.myself()).masterId, master1Id, `${stayer.label} stays with master 1 (its barrier of one replica)`);
  });
}
