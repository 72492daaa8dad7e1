/**
 * Six nodes formed the way `redis-cli --cluster create --cluster-replicas 1` forms them
 * (redis-wire.md §4.4): three masters with a third of the slots each, SET-CONFIG-EPOCH 1..6,
 * every node MEETs node 0, then the replicas REPLICATE their masters.
 *
 * Checked against the Redis Cluster spec:
 * - "Heartbeat and gossip messages" / redis-wire.md §1.8: nodes 1..5 only ever met node 0, so
 *   everything they know about each other came from gossip sections; every such node is added
 *   under its real id, without a handshake.
 * - "Cluster nodes attributes" / §4.1: every node converges to the same CLUSTER NODES view: ids,
 *   addresses, roles, masters, configEpochs, slots.
 * - §1.10 (clusterUpdateState): every node reaches cluster_state ok; a master not before the
 *   2000 ms writable delay (CLUSTER_WRITABLE_DELAY) counted from its start.
 * - §1.12: each node's last saved nodes.conf is its CLUSTER NODES text plus the vars line.
 */
import t from 'tap';
import { converged, fullyLinked, normalisedView, normaliseNodesText, viewDiff } from './sim-checks';
import { createCluster, masterRange, scenarioSeeds, startSim } from './sim-harness';

for (const seed of scenarioSeeds(2002)) {
  t.test(`six nodes created like redis-cli --cluster create converge (seed ${seed})`, (t) => {
    const sim = startSim(t, { seed, nodes: 6 });
    const joinMs = createCluster(sim, { masters: 3 });
    t.ok(joinMs <= 10_000, `every node knew every other ${joinMs} ms after the MEETs`);
    const convergeMs = sim.runUntil('views converge', () => converged(sim), 30_000, 100);
    t.comment(`converged ${convergeMs} ms after the REPLICATE commands`);
    t.ok(converged(sim), viewDiff(sim) || 'all six normalised CLUSTER NODES views are identical');

    const ids = sim.nodes.map((n) => n.id);
    const view = normalisedView(sim.node(0).machine).split('\n');
    const expected = sim.nodes
      .map((n, i) => {
        const address = `${n.ip}:${n.port}@${n.cport}`;
        if (i < 3) {
          const [first, last] = masterRange(i, 3);
          return `${ids[i]} ${address} master - ${i + 1} ${first}-${last}`;
        }
        return `${ids[i]} ${address} slave ${ids[i - 3]} ${i - 2}`;
      })
      .sort();
    t.same(view, expected, 'the view has the right ids, addresses, roles, masters, epochs and slots');

    for (let i = 1; i < 6; i++) {
      const node = sim.node(i);
      for (let j = 1; j < 6; j++) {
        if (j === i) continue;
        const added = node.events.filter((e) => e.event.type === 'node-added' && e.event.id === ids[j]);
        t.same(
          added.map((e) => (e.event.type === 'node-added' ? e.event.via : '')),
          ['gossip'],
          `node ${i} learned node ${j} from gossip alone`,
        );
      }
    }

    sim.runUntil('every node is ok', () => sim.nodes.every((n) => n.machine.state === 'ok'), 10_000);
    for (const node of sim.nodes) {
      const ok = node.events.find((e) => e.event.type === 'state-changed' && e.event.state === 'ok');
      const fails = node.events.filter((e) => e.event.type === 'state-changed' && e.event.state === 'fail');
      t.ok(ok !== undefined, `node ${node.index} reached cluster_state ok`);
      t.equal(fails.length, 0, `node ${node.index} never went back to fail`);
      if (node.index < 3 && ok !== undefined) {
        t.ok(ok.atMs - node.startedMs >= 2000, `master ${node.index} waited the writable delay (ok at ${ok.atMs} ms)`);
      }
      t.equal(node.machine.size, 3, `node ${node.index} counts cluster_size 3`);
      t.equal(node.machine.currentEpoch, 6n, `node ${node.index} has currentEpoch 6`);
    }
    t.ok(fullyLinked(sim), 'every node has a link up to every other');
    for (const node of sim.nodes) {
      // Ping and pong times move without a save, in Redis too; everything else must be on disk.
      t.equal(normaliseNodesText(node.savedConfig), normalisedView(node.machine), `node ${node.index}'s nodes.conf is up to date`);
      t.match(node.savedConfig, /\nvars currentEpoch 6 lastVoteEpoch 0\n$/, `node ${node.index}'s nodes.conf ends with the vars line`);
    }
    t.end();
  });
}
