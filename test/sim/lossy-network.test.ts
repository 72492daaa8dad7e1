/**
 * Convergence over a lossy network (Redis Cluster spec, "Heartbeat and gossip messages": every
 * header repeats the sender's role, configEpoch and slots, and gossip is resent all the time, so
 * state spreads without any message being essential). With 5% of messages lost:
 *
 * - the cluster still forms the redis-cli way (a MEET lost for good leaves a handshake node that
 *   times out, §1.9, and redis-cli sends MEET again, as 7.0's create does for nodes that did not
 *   join), and every node converges to the same view and reaches state ok;
 * - a slot moved under a new configEpoch reaches every node.
 *
 * Each within a bounded simulated time. Pings lost on an outbound link leave a ping pending
 * forever; only link recycling (node_timeout) restarts those links, which is what bounds this.
 *
 * Why 5% and not more: the simulated loss drops whole messages from a stream, which TCP would
 * turn into delay. Redis never resends a pending ping, so at 20% both directions between two
 * nodes stall for a node-timeout often enough that failure detection (rightly, for this model)
 * marks healthy nodes FAIL and replicas fail over; partition and failover scenarios cover that.
 */
import t from 'tap';
import { converged, ownerIndex, viewDiff } from './sim-checks';
import { createCluster, scenarioSeeds, startSim, takeSlots } from './sim-harness';

for (const seed of scenarioSeeds(9009)) {
  t.test(`with 5% message loss, six nodes still form a cluster and converge (seed ${seed})`, (t) => {
    const sim = startSim(t, { seed, nodes: 6, dropRate: 0.05 });
    // A lost MEET or handshake PING costs a whole handshake timeout (15 s) before the next try.
    const joinMs = createCluster(sim, { masters: 3, remeetEveryMs: 3000, joinLimitMs: 120_000 });
    const convergeMs = sim.runUntil('views converge', () => converged(sim), 60_000, 250);
    const okMs = sim.runUntil('every node is ok', () => sim.nodes.every((n) => n.machine.state === 'ok'), 30_000, 250);
    t.comment(`joined in ${joinMs} ms, converged ${convergeMs} ms later, all ok ${okMs} ms after that`);
    t.ok(sim.stats.dropped > 0, `${sim.stats.dropped} of ${sim.stats.sent} messages were lost`);
    t.ok(converged(sim), viewDiff(sim) || 'views converge');

    takeSlots(sim, 2, [0, 1], true);
    const moveMs = sim.runUntil('every node sees the slot move', () => sim.nodes.every((n) => ownerIndex(sim, n.index, 0) === 2 && ownerIndex(sim, n.index, 1) === 2) && converged(sim), 60_000, 250);
    t.comment(`slot move seen everywhere ${moveMs} ms later`);
    t.ok(converged(sim), viewDiff(sim) || 'views converge after the move');
    t.end();
  });
}
