/**
 * Slot ownership decided by configEpoch (Redis Cluster spec, "Hash slots configuration
 * propagation", "UPDATE messages", "Replica migration"; redis-wire.md §1.7 step 7 and §1.11
 * "UPDATE" and "Applying a slot claim", cluster.c clusterUpdateSlotsConfigWith):
 *
 * - A claim on a slot whose owner has a greater configEpoch never wins: receivers keep the owner
 *   and answer the claimant with an UPDATE about the owner. An UPDATE is acted on only when it
 *   carries a newer epoch than the receiver knew: that is how a node with a stale view (here:
 *   cut off from the new owner) learns that it lost the slot.
 * - A claim with a greater configEpoch wins on every node. The loser deletes the keys of a slot
 *   it lost while keeping others (dirty slots).
 * - A master left with no slots becomes a replica of the node that took them, and so do its
 *   replicas, when cluster-allow-replica-migration is yes; when it is no, only if the taker
 *   claims exactly the slots we lost (the failover case). A demoted master keeps its keys: it is
 *   about to resync from its new master anyway.
 */
import t from 'tap';
import { MessageType } from '../../cluster-bus/messages';
import { converged, ownerIndex, viewDiff } from './sim-checks';
import { formedCluster, masterRange, range, scenarioSeeds, takeSlots } from './sim-harness';
import type { SimNetwork } from './sim-network';

interface SeenUpdate {
  atMs: number;
  from: number;
  to: number;
  nodename: string;
  configEpoch: bigint;
}

function watchUpdates(sim: SimNetwork): SeenUpdate[] {
  const seen: SeenUpdate[] = [];
  sim.onDeliver = ({ atMs, from, to, message }) => {
    if (message.type !== MessageType.UPDATE) return;
    seen.push({ atMs, from, to, nodename: message.nodename, configEpoch: message.configEpoch });
  };
  return seen;
}

function roleOf(sim: SimNetwork, viewer: number, index: number): string {
  const node = sim.node(viewer).machine.nodes.get(sim.node(index).id);
  if (node === undefined) return 'unknown';
  if (node.isMaster) return 'master';
  const master = sim.nodes.find((n) => n.up && n.id === node.slaveof);
  return `replica of ${master?.index ?? node.slaveof}`;
}

for (const seed of scenarioSeeds(3003)) {
  t.test(`a claim under a smaller configEpoch gets an UPDATE and never wins (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 4, masters: 3 });
    const updates = watchUpdates(sim);
    const ids = sim.nodes.map((n) => n.id);
    const slot = 16383; // node 2's (epoch 3)
    // Node 0 (epoch 1) claims it; cut off from the owner, nothing corrects it but its peers.
    sim.partition(0, 2);
    const claimAtMs = sim.now;
    takeSlots(sim, 0, [slot], false);
    sim.runUntil('node 0 gets an UPDATE', () => updates.some((u) => u.to === 0), 30_000);
    sim.runFor(20_000);
    for (const i of [1, 2, 3]) t.equal(ownerIndex(sim, i, slot), 2, `node ${i} still gives slot ${slot} to node 2`);
    const adopted = sim.records.filter((r) => r.atMs >= claimAtMs && r.kind === 'event' && r.event.type === 'slots-claimed' && r.event.id === ids[0]);
    t.same(adopted, [], 'no node ever applied the stale claim');
    const toZero = updates.filter((u) => u.to === 0);
    t.ok(toZero.length > 0 && toZero.every((u) => u.nodename === ids[2] && u.configEpoch === 3n), `node 0 got ${toZero.length} UPDATEs, each about node 2 at epoch 3`);
    t.ok(toZero.every((u) => u.from === 1 || u.from === 3), 'from the peers it can reach');
    t.equal(ownerIndex(sim, 0, slot), 0, 'an UPDATE with an epoch node 0 already knows changes nothing (cluster.c: configEpoch >= reported)');
    sim.heal(0, 2);
    sim.runUntil('node 0 gives the slot back once it hears the owner', () => ownerIndex(sim, 0, slot) === 2 && converged(sim), 30_000);
    t.ok(converged(sim), viewDiff(sim) || 'views converge with the slot at node 2');
    t.end();
  });

  t.test(`an UPDATE tells a node with a stale view that it lost a slot (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 4, masters: 3 });
    const updates = watchUpdates(sim);
    const ids = sim.nodes.map((n) => n.id);
    sim.node(0).slotsWithKeys.add(0);
    // Node 1 takes slot 0 from node 0 with a new epoch while node 0 cannot hear node 1.
    sim.partition(0, 1);
    takeSlots(sim, 1, [0], true);
    const epoch = sim.node(1).machine.myself.configEpoch;
    t.equal(epoch, 5n, 'BUMPEPOCH gave node 1 a new unique epoch');
    sim.runUntil('node 0 learns it lost slot 0', () => ownerIndex(sim, 0, 0) === 1, 30_000);
    const first = updates.find((u) => u.to === 0);
    t.ok(first !== undefined && first.nodename === ids[1] && first.configEpoch === epoch, 'through an UPDATE about node 1 with the new epoch');
    t.equal(sim.node(0).machine.nodes.get(sim.node(1).id)?.configEpoch, epoch, 'node 0 now knows node 1\'s new epoch');
    t.same(sim.node(0).deletedSlots, [0], 'node 0 deleted the keys of the slot it lost');
    t.ok(sim.node(0).machine.myself.isMaster, 'node 0 still serves its other slots as a master');
    sim.heal(0, 1);
    sim.runUntil('views converge', () => converged(sim), 30_000);
    t.ok(converged(sim), viewDiff(sim) || 'views converge');
    t.end();
  });

  t.test(`a claim under a greater configEpoch wins on every node (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
    sim.node(0).slotsWithKeys.add(100);
    sim.node(0).slotsWithKeys.add(101);
    takeSlots(sim, 1, [100], true);
    sim.runUntil('every node gives slot 100 to node 1', () => sim.nodes.every((n) => ownerIndex(sim, n.index, 100) === 1), 30_000);
    sim.runUntil('views converge', () => converged(sim), 30_000);
    for (const node of sim.nodes) {
      t.equal(node.machine.nodes.get(sim.node(1).id)?.configEpoch, 7n, `node ${node.index} knows node 1 at epoch 7`);
      t.equal(node.machine.slots.count(sim.node(0).id), masterRange(0, 3)[1], `node ${node.index}: node 0 keeps its other slots`);
    }
    t.same(sim.node(0).deletedSlots, [100], 'the loser deleted the keys of slot 100 only');
    t.end();
  });

  t.test(`a master that loses all its slots becomes a replica of the taker, and its replica follows (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
    const [first, last] = masterRange(0, 3);
    // The replica must hear the taker's claim while it still sees the slots as its master's
    // (the next scenario is the other order); cutting it off from its master ensures that.
    sim.partition(0, 3);
    takeSlots(sim, 1, range(first, last), true);
    sim.runUntil('node 0 and its replica follow node 1', () => roleOf(sim, 0, 0) === 'replica of 1' && roleOf(sim, 3, 3) === 'replica of 1', 30_000);
    sim.heal(0, 3);
    sim.runUntil('every node sees both follow node 1', () => sim.nodes.every((n) => roleOf(sim, n.index, 0) === 'replica of 1' && roleOf(sim, n.index, 3) === 'replica of 1'), 30_000);
    sim.runUntil('views converge', () => converged(sim), 30_000);
    t.ok(converged(sim), viewDiff(sim) || 'views converge');
    for (const i of [0, 3]) {
      t.ok(sim.node(i).events.some((e) => e.event.type === 'role-changed' && e.event.role === 'replica' && e.event.master === sim.node(1).id), `node ${i} reports its new role`);
    }
    t.equal(sim.node(1).machine.slots.count(sim.node(1).id), last - first + 1 + masterRange(1, 3)[1] - masterRange(1, 3)[0] + 1, 'node 1 serves both ranges');
    sim.runFor(5000);
    t.ok(sim.nodes.every((n) => n.machine.state === 'ok'), 'the cluster stays ok');
    t.end();
  });

  t.test(
    `a replica that hears of its master's demotion before the taker's claim still ends up replicating the taker (seed ${seed})`,
    (t) => {
      const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
      const [first, last] = masterRange(0, 3);
      // Node 3 hears only node 0 until node 0's new role has reached it: no claim, no UPDATE first.
      for (const other of [1, 2, 4, 5]) sim.partition(3, other);
      takeSlots(sim, 1, range(first, last), true);
      sim.runUntil('node 3 sees node 0 as a replica', () => roleOf(sim, 3, 0) === 'replica of 1', 30_000);
      sim.healAll();
      sim.runFor(20_000);
      t.equal(roleOf(sim, 3, 3), 'replica of 1', 'node 3 replicates node 1, not its former master');
      t.end();
    },
  );

  t.test(`cluster-allow-replica-migration no: a master whose slots go to a node with others stays a master (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
    sim.node(0).settings.allowReplicaMigration = false;
    sim.node(3).settings.allowReplicaMigration = false;
    const [first, last] = masterRange(0, 3);
    takeSlots(sim, 1, range(first, last), true);
    sim.runUntil('views converge', () => converged(sim) && ownerIndex(sim, 0, first) === 1, 30_000);
    t.equal(roleOf(sim, 0, 0), 'master', 'node 0 is a master without slots');
    t.equal(sim.node(0).machine.slots.count(sim.node(0).id), 0);
    t.equal(roleOf(sim, 3, 3), 'replica of 0', 'its replica stays with it');
    t.end();
  });

  t.test(
    `cluster-allow-replica-migration no: a master whose exact slots are taken still follows the taker (seed ${seed})`,
    (t) => {
      // Node 6 is an empty master; it takes exactly node 0's slots, as a promoted replica would.
      const sim = formedCluster(t, { seed, nodes: 7, masters: 3, replicas: 3 });
      sim.node(0).settings.allowReplicaMigration = false;
      sim.node(3).settings.allowReplicaMigration = false;
      const [first, last] = masterRange(0, 3);
      takeSlots(sim, 6, range(first, last), true);
      sim.runUntil('every node gives node 0\'s slots to node 6', () => sim.nodes.every((n) => ownerIndex(sim, n.index, first) === 6), 30_000);
      sim.runFor(10_000);
      t.equal(roleOf(sim, 0, 0), 'replica of 6', 'node 0 became a replica of node 6');
      t.equal(roleOf(sim, 3, 3), 'replica of 6', 'node 3 followed to node 6');
      t.end();
    },
  );

  t.test(
    `a master demoted by losing all its slots keeps its keys (seed ${seed})`,
    (t) => {
      const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
      sim.node(0).slotsWithKeys.add(5);
      sim.node(0).slotsWithKeys.add(6);
      const [first, last] = masterRange(0, 3);
      takeSlots(sim, 1, range(first, last), true);
      sim.runUntil('node 0 is demoted', () => roleOf(sim, 0, 0) === 'replica of 1', 30_000);
      t.same(sim.node(0).deletedSlots, [], 'no delete-slot-keys effect on the demoted master');
      t.end();
    },
  );
}
