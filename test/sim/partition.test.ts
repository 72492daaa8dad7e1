/**
 * A node cut off from the cluster and brought back (redis-wire.md §1.10 "Link recycling",
 * cluster.c clusterCron; Redis Cluster spec, "Heartbeat and gossip messages"): links that carry
 * nothing for a while are closed by the machine itself (link older than node_timeout, a ping
 * pending for more than node_timeout/2 and nothing received for node_timeout/2) and reopened by
 * the next cron. After the heal, fresh links come up in both directions and the isolated node
 * catches up with what changed meanwhile (here: a slot moved under a new configEpoch).
 *
 * Failure detection runs meanwhile (PFAIL is a local suspicion, left out of the compared views);
 * failover.test.ts covers what it decides.
 */
import t from 'tap';
import { converged, fullyLinked, ownerIndex, viewDiff } from './sim-checks';
import { formedCluster, scenarioSeeds, takeSlots } from './sim-harness';

for (const seed of scenarioSeeds(6006)) {
  t.test(`an isolated node's links recycle, and reconnect after the heal (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
    sim.runUntil('links up everywhere', () => fullyLinked(sim), 10_000);
    const cut = 5;
    const others = [0, 1, 2, 3, 4];
    const before = new Map(others.map((i) => [i, [...sim.linksBetween(i, cut), ...sim.linksBetween(cut, i)]]));
    sim.isolate(cut);
    takeSlots(sim, 1, [0], true);
    sim.runFor(40_000);
    for (const i of others) {
      const stale = (before.get(i) ?? []).filter((old) => [...sim.linksBetween(i, cut), ...sim.linksBetween(cut, i)].some((l) => l.linkId === old.linkId && l.outbound === old.outbound));
      const outbound = (before.get(i) ?? []).filter((l) => l.outbound);
      t.ok(outbound.length > 0, `there were links between node ${i} and node ${cut}`);
      t.same(
        stale.filter((l) => l.outbound),
        [],
        `both sides closed their silent outbound links between node ${i} and node ${cut}`,
      );
    }
    for (const i of others) t.equal(ownerIndex(sim, i, 0), 1, `node ${i} moved slot 0 to node 1`);
    t.equal(ownerIndex(sim, cut, 0), 0, 'the isolated node has not heard of it');

    sim.healAll();
    const tookMs = sim.runUntil('links up and views converged', () => fullyLinked(sim) && converged(sim), 30_000);
    t.comment(`reconnected and converged ${tookMs} ms after the heal`);
    t.ok(converged(sim), viewDiff(sim) || 'views converge');
    t.equal(ownerIndex(sim, cut, 0), 1, 'the isolated node caught up with the slot move');
    for (const i of others) {
      const now = sim.linksBetween(i, cut).filter((l) => l.outbound && !l.halfOpen);
      const old = new Set((before.get(i) ?? []).map((l) => l.linkId));
      t.ok(now.length === 1 && !old.has(now[0]?.linkId ?? -1), `node ${i} has one fresh outbound link to node ${cut}`);
    }
    t.ok(sim.stats.resets > 0, `half-open ends were reset after the heal (${sim.stats.resets})`);
    t.end();
  });

  t.test(`a partition between two nodes heals through new links (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 4, masters: 3, nodeTimeoutMs: 2000 });
    sim.partition(0, 1);
    sim.runFor(10_000);
    t.same(sim.linksBetween(0, 1).filter((l) => !l.halfOpen && l.outbound), [], 'node 0 has no live outbound link to node 1');
    t.ok(converged(sim), 'gossip through the other nodes keeps the views converged');
    sim.heal(0, 1);
    sim.runUntil('links up again', () => fullyLinked(sim), 10_000);
    t.ok(fullyLinked(sim), 'every pair linked again');
    t.end();
  });
}
