/**
 * Pub/sub over the cluster bus (redis-wire.md §1.3 types 4 and 10; Redis Cluster spec, "Pub/Sub"):
 * a PUBLISH is sent to every node the publisher is linked to, and each delivers it to its own
 * subscribers; a PUBLISHSHARD (SPUBLISH) only to the other nodes of the publisher's shard, its
 * master and that master's replicas, since shard channels live with their slot. The machine
 * hands a received message to its host as a `publish` effect, exactly once per node. A link
 * still connecting holds what is published meanwhile and sends it once connected, as Redis's
 * link queue does; a PUBLISH is never sent twice, so skipping that node would lose it.
 */
import t from 'tap';
import { formedCluster, scenarioSeeds } from './sim-harness';
import type { SimNetwork } from './sim-network';

/** What each node delivered since the last call, as "channel/message/shard" strings per node. */
function takeDeliveries(sim: SimNetwork): string[][] {
  return sim.nodes.map((node) => node.published.splice(0).map((p) => `${p.channel}/${p.message}/${p.shard ? 'shard' : 'all'}`));
}

for (const seed of scenarioSeeds(4004)) {
  t.test(`PUBLISH reaches every other node, PUBLISHSHARD only the shard (seed ${seed})`, (t) => {
    // Nodes 0-2 are masters; 3, 4, 5 replicate 0, 1, 2.
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
    takeDeliveries(sim);

    sim.publish(1, 'news', 'hello', false);
    sim.runFor(1_000);
    t.same(takeDeliveries(sim), [['news/hello/all'], [], ['news/hello/all'], ['news/hello/all'], ['news/hello/all'], ['news/hello/all']],
      'every node but the publisher delivers it once');

    const binary = '\x00\xff\r\n';
    sim.publish(4, binary, binary, false);
    sim.runFor(1_000);
    t.same(takeDeliveries(sim).map((d) => d.length), [1, 1, 1, 1, 0, 1], 'a replica publishes to every node too');

    sim.publish(0, 'orders', 'm1', true);
    sim.runFor(1_000);
    t.same(takeDeliveries(sim), [[], [], [], ['orders/m1/shard'], [], []], 'a master sends PUBLISHSHARD to its replica only');

    sim.publish(5, 'orders', 'm2', true);
    sim.runFor(1_000);
    t.same(takeDeliveries(sim), [[], [], ['orders/m2/shard'], [], [], []], 'a replica sends PUBLISHSHARD to its master only');
    t.end();
  });
}

for (const seed of scenarioSeeds(4005)) {
  t.test(`a PUBLISH waits in a link that is still connecting (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
    takeDeliveries(sim);
    const machine = sim.node(0).machine;
    const peer = machine.nodes.get(sim.node(1).id);
    if (peer === undefined) throw new Error('node 0 does not know node 1');
    // DEBUG CLUSTERLINK KILL to: the cron opens a new link at its next tick, and the connect
    // takes a network latency to complete.
    sim.admin(0, { type: 'kill-links', nodeId: peer.name, direction: 'to' });
    sim.runUntil('node 0 opens a new link to node 1', () => peer.link !== null, 1_000, 1);
    t.same(sim.linksBetween(0, 1).filter((l) => l.outbound), [], 'the new link is still connecting');
    sim.publish(0, 'news', 'early', false);
    sim.runFor(1_000);
    t.same(takeDeliveries(sim), [[], ['news/early/all'], ['news/early/all'], ['news/early/all'], ['news/early/all'], ['news/early/all']],
      'node 1 hears it once the link connects, like every other node');
    t.equal(sim.linksBetween(0, 1).filter((l) => l.outbound).length, 1, 'and the link is up');
    t.end();
  });
}
