/**
 * configEpoch collisions (Redis Cluster spec, "configEpoch conflicts resolution algorithm";
 * redis-wire.md §1.11 "configEpoch collision", cluster.c clusterHandleConfigEpochCollision):
 * when a master sees another master with its own configEpoch, the one with the lexicographically
 * smaller node id takes currentEpoch + 1 as its new configEpoch. Repeated, this leaves every
 * master with a distinct epoch, which is what makes slot claims totally ordered. The master with
 * the greatest id never needs to move.
 */
import t from 'tap';
import { converged, viewDiff } from './sim-checks';
import { addSlots, adminOk, masterRange, meet, scenarioSeeds, startSim } from './sim-harness';

for (const seed of scenarioSeeds(4004)) {
  t.test(`two masters with one epoch: the smaller id bumps (seed ${seed})`, (t) => {
    const sim = startSim(t, { seed, nodes: 2 });
    for (const i of [0, 1]) adminOk(sim, i, { type: 'set-config-epoch', epoch: 5n });
    meet(sim, 0, 1);
    sim.runUntil('epochs differ', () => sim.node(0).machine.myself.configEpoch !== sim.node(1).machine.myself.configEpoch, 5000, 10);
    sim.runUntil('views converge', () => converged(sim), 30_000);
    const [smaller, larger] = [sim.node(0), sim.node(1)].sort((a, b) => (a.id < b.id ? -1 : 1)) as [typeof sim.nodes[0], typeof sim.nodes[0]];
    t.equal(smaller.machine.myself.configEpoch, 6n, 'the smaller id took currentEpoch + 1');
    t.equal(larger.machine.myself.configEpoch, 5n, 'the greater id kept its epoch');
    const bumps = (n: typeof smaller) => n.events.filter((e) => e.event.type === 'epoch-bumped' && e.event.reason === 'collision');
    t.equal(bumps(smaller).length, 1, 'one collision bump, on the smaller id');
    t.equal(bumps(larger).length, 0, 'none on the greater id');
    for (const node of sim.nodes) t.equal(node.machine.currentEpoch, 6n, `node ${node.index} has currentEpoch 6`);
    t.ok(converged(sim), viewDiff(sim) || 'both views agree on the epochs');
    t.end();
  });

  t.test(`five masters all at epoch 0 end with distinct epochs (seed ${seed})`, (t) => {
    const sim = startSim(t, { seed, nodes: 5 });
    for (let i = 0; i < 5; i++) addSlots(sim, i, ...masterRange(i, 5));
    for (let i = 1; i < 5; i++) meet(sim, i, 0);
    const distinct = (): boolean =>
      sim.nodes.every((viewer) => {
        const epochs = sim.nodes.map((n) => viewer.machine.nodes.get(n.id)?.configEpoch ?? -1n);
        return !epochs.includes(-1n) && new Set(epochs).size === epochs.length;
      });
    const tookMs = sim.runUntil('every node sees five distinct epochs', () => converged(sim) && distinct(), 60_000, 250);
    t.comment(`resolved in ${tookMs} ms of simulated time`);
    t.ok(converged(sim), viewDiff(sim) || 'views converge');
    const greatest = [...sim.nodes].sort((a, b) => (a.id < b.id ? 1 : -1))[0];
    t.equal(greatest?.events.filter((e) => e.event.type === 'epoch-bumped').length, 0, 'the greatest id never bumped');
    t.equal(greatest?.machine.myself.configEpoch, 0n, 'and kept epoch 0');
    const epochs = sim.nodes.map((n) => n.machine.myself.configEpoch).sort((a, b) => (a < b ? -1 : 1));
    t.equal(new Set(epochs).size, 5, `epochs ${epochs.join(',')} are distinct`);
    sim.runUntil('every node is ok', () => sim.nodes.every((n) => n.machine.state === 'ok'), 10_000);
    t.end();
  });
}
