/**
 * A node that crashes and restarts from its nodes.conf (redis-wire.md §1.12, cluster.c
 * clusterLoadConfig; Redis Cluster spec, "Node handshake": a node is known by its id, not its
 * address): it comes back with the same id, configEpoch, currentEpoch, role and slots, its
 * peers reconnect to it without a new MEET, and a master waits the writable delay again before
 * declaring the cluster ok (§1.10). What changed while it was down (a slot moved under a newer
 * configEpoch) wins over its stale claim once it hears the new owner.
 */
import t from 'tap';
import { converged, fullyLinked, ownerIndex, viewDiff } from './sim-checks';
import { formedCluster, scenarioSeeds, takeSlots } from './sim-harness';

interface Snapshot {
  id: string;
  configEpoch: bigint;
  currentEpoch: bigint;
  role: string;
  slots: string;
}

for (const seed of scenarioSeeds(7007)) {
  t.test(`a master and its replica restart from nodes.conf and rejoin (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
    sim.runUntil('every node is ok', () => sim.nodes.every((n) => n.machine.state === 'ok'), 10_000);
    const snapshot = (i: number): Snapshot => {
      const state = sim.node(i).machine;
      const me = state.myself;
      return {
        id: me.name,
        configEpoch: state.nodeEpoch(me),
        currentEpoch: state.currentEpoch,
        role: me.isMaster ? 'master' : `replica of ${me.slaveof}`,
        slots: JSON.stringify(state.slots.rangesOf(me.name)),
      };
    };
    const before = [1, 4].map(snapshot);
    sim.crash(1);
    sim.crash(4);
    sim.runFor(10_000);
    t.ok(sim.nodes.filter((n) => n.up).every((n) => n.machine.nodes.has(before[0]?.id ?? '')), 'the others still know the crashed master');
    sim.restart(1);
    sim.restart(4);
    const restartMs = sim.now;
    t.same([1, 4].map(snapshot), before, 'same id, epochs, role and slots after the restart');
    t.ok(
      sim.node(1).events.every((e) => e.atMs < restartMs || e.event.type !== 'node-added'),
      'the restarted master knows its peers from nodes.conf (no MEET, no handshake)',
    );
    t.equal(sim.node(1).machine.state, 'fail', 'a restarted master starts in state fail');
    sim.runUntil('views converge and links come up', () => converged(sim) && fullyLinked(sim), 30_000);
    t.ok(converged(sim), viewDiff(sim) || 'views converge');
    sim.runUntil('every node is ok', () => sim.nodes.every((n) => n.machine.state === 'ok'), 10_000);
    const ok = sim.node(1).events.find((e) => e.atMs >= restartMs && e.event.type === 'state-changed' && e.event.state === 'ok');
    t.ok(ok !== undefined && ok.atMs - restartMs >= 2000, `the restarted master waited the writable delay (${(ok?.atMs ?? 0) - restartMs} ms)`);
    t.end();
  });

  t.test(`a master restarted with a stale slot claim gives the slot up (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
    const movedSlot = 5461; // node 1's first slot
    const id1 = sim.node(1).id;
    sim.crash(1);
    takeSlots(sim, 2, [movedSlot], true);
    sim.runUntil('the live nodes give the slot to node 2', () => [0, 2, 3, 4, 5].every((i) => ownerIndex(sim, i, movedSlot) === 2), 30_000);
    sim.runFor(5000);
    sim.restart(1);
    t.equal(sim.node(1).id, id1, 'node 1 is back under its id');
    t.equal(sim.node(1).machine.slots.owner(movedSlot), id1, 'and claims the slot from its nodes.conf');
    sim.runUntil('views converge', () => converged(sim), 30_000);
    t.ok(converged(sim), viewDiff(sim) || 'views converge');
    t.ok(sim.nodes.every((n) => ownerIndex(sim, n.index, movedSlot) === 2), 'everyone, node 1 included, gives the slot to node 2');
    t.end();
  });
}
