/**
 * Two of hashslot/testing's events that only uncommon topologies produce, each brought about on
 * virtual time the way it happens in a real cluster (cluster-spec.md):
 *
 * - `config-epoch-collision`: two replicas take over at the same moment (CLUSTER FAILOVER
 *   TAKEOVER bumps the epoch without asking anyone), so two masters end with the same
 *   configEpoch; "Handling of configEpoch collisions": the one with the smaller node id takes
 *   a new epoch.
 * - `replica-migrated`: a master left without replicas while another has two; "Replica
 *   migration": one of the two (the smallest node id) moves to the orphaned master.
 */
import t from 'tap';
import Redis from 'ioredis';
import { startCluster, type TestCluster, type TestNode } from '../../server/testing';

/** Advances 100 ms at a time until `done()`, at most `limitMs` of virtual time. */
async function advanceUntil(cluster: TestCluster, what: string, done: () => boolean, limitMs: number): Promise<void> {
  const startMs = cluster.clock.now();
  while (!done()) {
    if (cluster.clock.now() - startMs > limitMs) throw new Error(`no ${what} within ${limitMs} virtual ms (seed ${cluster.seed})`);
    await cluster.clock.advance(100);
  }
}

function connect(t: Test, node: TestNode): Redis {
  const client = new Redis(node.port, node.host, { maxRetriesPerRequest: 0 });
  t.teardown(() => client.disconnect());
  return client;
}

type Test = tap.Test;

t.test('two takeovers at once: the same configEpoch on two masters, a config-epoch-collision, then distinct epochs', async (t) => {
  const cluster = await startCluster({ clock: 'virtual', seed: 404, nodeTimeoutMs: 5_000 });
  t.teardown(() => cluster.close());
  const [a, b] = [cluster.replicas(0)[0] as TestNode, cluster.replicas(1)[0] as TestNode];
  // Every node has heard every epoch (the largest is 6: redis-cli, and startCluster, give each
  // of the six nodes its own), so each takeover takes currentEpoch + 1 = 7.
  await advanceUntil(cluster, 'every node to know epoch 6', () => cluster.nodes.every((n) => n.redisNode.cluster?.state.currentEpoch === 6n), 5_000);
  // Both commands answer before the clock moves: neither bump has reached the other node.
  t.same(await Promise.all([connect(t, a).cluster('FAILOVER', 'TAKEOVER'), connect(t, b).cluster('FAILOVER', 'TAKEOVER')]), ['OK', 'OK']);
  const epochOf = (node: TestNode): bigint => node.redisNode.cluster?.state.myself.configEpoch ?? -1n;
  t.equal(epochOf(a), epochOf(b), `both took epoch ${epochOf(a)}`);
  const takeovers = cluster.history().filter((e) => e.type === 'failover' && e.mode === 'takeover');
  t.same(takeovers.map((e) => e.node).sort(), [a.id, b.id].sort(), 'two failover events, mode takeover');

  await advanceUntil(cluster, 'config-epoch-collision', () => cluster.history().some((e) => e.type === 'config-epoch-collision'), 5_000);
  const collision = cluster.history().find((e) => e.type === 'config-epoch-collision');
  t.equal(collision?.node, a.id < b.id ? a.id : b.id, 'the master with the smaller node id moved');
  t.ok(collision?.type === 'config-epoch-collision' && collision.epoch > epochOf(a.id < b.id ? b : a), 'to an epoch above the other one');
  t.not(epochOf(a), epochOf(b), 'the two masters have distinct epochs now');
});

t.test('a master left without replicas gets one from a master with two: replica-migrated', async (t) => {
  const cluster = await startCluster({ clock: 'virtual', seed: 405, nodeTimeoutMs: 5_000 });
  t.teardown(() => cluster.close());
  const orphan = cluster.primary(0);
  const moved = cluster.replicas(0)[0] as TestNode;
  const rich = cluster.primary(1);
  t.equal(await connect(t, moved).cluster('REPLICATE', rich.id), 'OK', "shard 0's replica follows shard 1's primary");
  await advanceUntil(cluster, 'the move to be known', () => cluster.nodes.every((n) => n.redisNode.cluster?.state.nodes.get(moved.id)?.slaveof === rich.id), 5_000);
  const movedAtMs = cluster.clock.now();
  const richReplicas = cluster.replicas(1).map((n) => n.id);
  t.equal(richReplicas.length, 2, 'shard 1 has two replicas');
  t.same(cluster.replicas(0), [], 'shard 0 none');

  await advanceUntil(cluster, 'replica-migrated', () => cluster.history().some((e) => e.type === 'replica-migrated'), 20_000);
  const event = cluster.history().find((e) => e.type === 'replica-migrated');
  t.ok(event?.type === 'replica-migrated' && event.to === orphan.id, 'a replica migrated to the orphaned master');
  t.ok(event !== undefined && (event.timeMs - movedAtMs) >= 5_000, `after the 5 s Redis waits on an orphaned master (${(event?.timeMs ?? 0) - movedAtMs} virtual ms)`);
  t.ok(event !== undefined && richReplicas.includes(event.node), 'one of the two replicas of the master that had two');
  const smallest = [...richReplicas].sort()[0];
  t.equal(event?.node, smallest, 'the one with the smallest node id, as Redis picks it');
  await advanceUntil(cluster, 'the migrated replica to be linked', () => cluster.replicas(0).length === 1 && (cluster.replicas(0)[0] as TestNode).redisNode.replication.linkUp, 5_000);
  t.equal(cluster.replicas(0)[0]?.id, event?.node, 'shard 0 has a replica again: the one that migrated');
  t.equal(cluster.replicas(1).length, 1, 'and shard 1 is back to one');
});
