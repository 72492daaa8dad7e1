/**
 * Resharding one slot through the admin input, as redis-cli --cluster reshard drives it (Redis
 * Cluster spec, "Live reconfiguration", "ASK redirection"; redis-wire.md §4.1 SETSLOT, §1.7
 * "Applying a slot claim", §1.11 configEpoch bumps):
 *
 *   target: SETSLOT s IMPORTING source     the slot is opened on both sides ([s-<-src], [s->-dst]
 *   source: SETSLOT s MIGRATING target     on the myself lines of CLUSTER NODES only)
 *   (keys move: MIGRATE)                   the source refuses to give the slot away before that
 *   target: SETSLOT s NODE target          closes the import: a new configEpoch (the largest) and
 *                                          a PONG to every node
 *   source: SETSLOT s NODE target          closes the migration
 *
 * Then gossip carries the claim: every other node, replicas included, gives the slot to the
 * target and knows the target's new configEpoch; a node cut off during the move learns it once
 * the partition heals. And refusals come back as values with Redis 7.0's texts, changing nothing.
 */
import t from 'tap';
import { nodesText } from '../../cluster-bus/cluster-views';
import { converged, normalisedView, ownerIndex, viewDiff } from './sim-checks';
import { adminOk, formedCluster, refusal, scenarioSeeds, type Test } from './sim-harness';
import type { SimNetwork } from './sim-network';

/** The bracketed slot marks on a node's myself line ([slot->-id], [slot-<-id]). */
function marks(sim: SimNetwork, index: number): string[] {
  const mine = nodesText(sim.node(index).machine).split('\n').find((l) => l.includes('myself')) ?? '';
  return mine.split(' ').filter((token) => token.startsWith('['));
}

/** A slot of node 0 moves to node 1 of a 3+3 cluster, keys and all; returns node 1's new configEpoch. */
function moveSlot(t: Test, sim: SimNetwork, slot: number): bigint {
  const [source, target] = [sim.node(0), sim.node(1)];
  source.slotsWithKeys.add(slot);

  adminOk(sim, 1, { type: 'setslot', slot, action: 'importing', nodeId: source.id });
  adminOk(sim, 0, { type: 'setslot', slot, action: 'migrating', nodeId: target.id });
  t.same(marks(sim, 1), [`[${slot}-<-${source.id}]`], 'the target shows the slot importing');
  t.same(marks(sim, 0), [`[${slot}->-${target.id}]`], 'the source shows the slot migrating');
  sim.runFor(3000);
  t.equal(ownerIndex(sim, 2, slot), 0, 'while open, the slot is still the source\'s everywhere');

  t.equal(
    refusal(sim.admin(0, { type: 'setslot', slot, action: 'node', nodeId: target.id })),
    `ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`,
    'the source keeps the slot while it holds keys',
  );
  // MIGRATE moves the keys.
  source.slotsWithKeys.delete(slot);
  target.slotsWithKeys.add(slot);

  const before = target.machine.currentEpoch;
  const closed = sim.admin(1, { type: 'setslot', slot, action: 'node', nodeId: target.id });
  t.same(closed, { ok: true, bumped: true }, 'closing the import on the target takes a new configEpoch');
  const epoch = target.machine.myself.configEpoch;
  t.equal(epoch, before + 1n, `the new configEpoch is the largest: ${epoch}`);
  adminOk(sim, 0, { type: 'setslot', slot, action: 'node', nodeId: target.id });
  t.same(marks(sim, 1), [], 'the target closed the import');
  t.same(marks(sim, 0), [], 'the source closed the migration');
  return epoch;
}

for (const seed of scenarioSeeds(9009)) {
  t.test(`a slot opened, moved and closed by SETSLOT; gossip carries the new owner (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
    const slot = 100;
    const target = sim.node(1);
    const epoch = moveSlot(t, sim, slot);
    const took = sim.runUntil(
      'every node gives the slot to the target at its new epoch',
      () => sim.nodes.every((n) => ownerIndex(sim, n.index, slot) === 1 && n.machine.nodes.get(target.id)?.configEpoch === epoch),
      5000,
      10,
    );
    t.ok(took < 5000, `every node, replicas included, agrees within ${took} ms`);
    sim.runUntil('views converge', () => converged(sim), 30_000, 250);
    t.ok(converged(sim), viewDiff(sim) || 'one view everywhere');
    t.same(sim.nodes.map((n) => n.deletedSlots), sim.nodes.map(() => []), 'no node deleted keys: the slot moved by hand, not by a lost claim');
    t.ok(
      target.events.some((e) => e.event.type === 'epoch-bumped' && e.event.epoch === epoch),
      'the target reported its epoch bump',
    );
    sim.runFor(5000);
    t.ok(sim.nodes.every((n) => n.machine.state === 'ok'), 'the cluster stays ok');
    t.end();
  });

  // redis-cli's check lists a node's open slots in the order its myself line gives them: Redis
  // walks the slots in order, whichever way each is open and in whatever order they were opened.
  t.test(`open slots are listed in slot order on the myself line (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 3, masters: 3 });
    const owned = (index: number): number[] => [0, 1000, 2000, 6000, 7000, 12000, 13000].filter((s) => ownerIndex(sim, 1, s) === index);
    const [mine1 = -1, mine2 = -1] = owned(1);
    const [theirs1 = -1, theirs2 = -1] = owned(0);
    t.ok(mine1 >= 0 && mine2 >= 0 && theirs1 >= 0 && theirs2 >= 0, 'slots of node 1 and of node 0 to open');
    const [id0, id2] = [sim.node(0).id, sim.node(2).id];
    adminOk(sim, 1, { type: 'setslot', slot: mine2, action: 'migrating', nodeId: id2 });
    adminOk(sim, 1, { type: 'setslot', slot: theirs2, action: 'importing', nodeId: id0 });
    adminOk(sim, 1, { type: 'setslot', slot: mine1, action: 'migrating', nodeId: id2 });
    adminOk(sim, 1, { type: 'setslot', slot: theirs1, action: 'importing', nodeId: id0 });
    const expected = [
      [theirs1, `[${theirs1}-<-${id0}]`], [theirs2, `[${theirs2}-<-${id0}]`],
      [mine1, `[${mine1}->-${id2}]`], [mine2, `[${mine2}->-${id2}]`],
    ].sort(([a], [b]) => Number(a) - Number(b)).map(([, mark]) => mark);
    t.same(marks(sim, 1), expected, 'importing and migrating marks in slot order');
    t.end();
  });

  t.test(`a node cut off during the move learns the new owner after the heal (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
    const slot = 5000;
    // Node 2 hears neither side of the move while it happens.
    sim.partition(2, 0);
    sim.partition(2, 1);
    const epoch = moveSlot(t, sim, slot);
    sim.runUntil('the others agree', () => [0, 1, 3, 4, 5].every((i) => ownerIndex(sim, i, slot) === 1), 5000, 10);
    sim.runFor(2000);
    t.equal(ownerIndex(sim, 2, slot), 0, 'node 2 still gives the slot to node 0');
    sim.healAll();
    sim.runUntil('node 2 learns the new owner', () => ownerIndex(sim, 2, slot) === 1, 30_000);
    t.equal(sim.node(2).machine.nodes.get(sim.node(1).id)?.configEpoch, epoch, 'and its configEpoch');
    sim.runUntil('views converge', () => converged(sim), 30_000, 250);
    t.ok(converged(sim), viewDiff(sim) || 'one view everywhere');
    t.end();
  });

  t.test(`the admin input refuses with Redis's errors and changes nothing (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3 });
    const ids = sim.nodes.map((n) => n.id);
    const [id0 = '', id1 = '', , id3 = ''] = ids;
    const unknown = 'f'.repeat(40);
    sim.node(0).slotsWithKeys.add(0);
    const views = sim.nodes.map((n) => normalisedView(n.machine));
    const saved = sim.nodes.map((n) => n.savedConfig);
    const epochs = sim.nodes.map((n) => n.machine.currentEpoch);
    const cases: Array<[number, Parameters<SimNetwork['admin']>[1], string]> = [
      // SETSLOT, in Redis's order of checks: replica, slot, action, ownership, target.
      [3, { type: 'setslot', slot: -1, action: 'invalid' }, 'ERR Please use SETSLOT only with masters.'],
      [0, { type: 'setslot', slot: 16384, action: 'stable' }, 'ERR Invalid or out of range slot'],
      [0, { type: 'setslot', slot: -1, action: 'invalid' }, 'ERR Invalid or out of range slot'],
      [0, { type: 'setslot', slot: 0, action: 'invalid' }, 'ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP'],
      [1, { type: 'setslot', slot: 0, action: 'migrating', nodeId: id0 }, "ERR I'm not the owner of hash slot 0"],
      [0, { type: 'setslot', slot: 0, action: 'importing', nodeId: id1 }, "ERR I'm already the owner of hash slot 0"],
      [0, { type: 'setslot', slot: 0, action: 'migrating', nodeId: unknown }, `ERR I don't know about node ${unknown}`],
      [0, { type: 'setslot', slot: 0, action: 'migrating', nodeId: id3 }, 'ERR Target node is not a master'],
      [1, { type: 'setslot', slot: 0, action: 'node', nodeId: id3 }, 'ERR Target node is not a master'],
      [0, { type: 'setslot', slot: 0, action: 'node', nodeId: id1 }, "ERR Can't assign hashslot 0 to a different node while I still hold keys for this hash slot."],
      // The other admin operations.
      [1, { type: 'addslots', slots: [0] }, 'ERR Slot 0 is already busy'],
      [0, { type: 'delslots', slots: [0, 0] }, 'ERR Slot 0 specified multiple times'],
      [0, { type: 'flushslots' }, 'ERR DB must be empty to perform CLUSTER FLUSHSLOTS.'],
      [0, { type: 'forget', nodeId: id0 }, "ERR I tried hard but I can't forget myself..."],
      [0, { type: 'forget', nodeId: 'abc' }, 'ERR Unknown node abc'],
      [3, { type: 'forget', nodeId: id0 }, "ERR Can't forget my master!"],
      [0, { type: 'replicate', nodeId: id0 }, "ERR Can't replicate myself"],
      [0, { type: 'replicate', nodeId: id3 }, 'ERR I can only replicate a master, not a replica.'],
      [0, { type: 'replicate', nodeId: id1 }, 'ERR To set a master the node must be empty and without assigned slots.'],
      [0, { type: 'set-config-epoch', epoch: -1n }, 'ERR Invalid config epoch specified: -1'],
      [0, { type: 'set-config-epoch', epoch: 9n }, 'ERR The user can assign a config epoch only when the node does not know any other node.'],
      [0, { type: 'reset', hard: false }, "ERR CLUSTER RESET can't be called with master nodes containing keys"],
      [0, { type: 'failover', mode: 'default' }, 'ERR You should send CLUSTER FAILOVER to a replica'],
    ];
    for (const [index, op, error] of cases) {
      t.equal(refusal(sim.admin(index, op)), error, `node ${index}: ${op.type} refused`);
    }
    t.same(sim.nodes.map((n) => normalisedView(n.machine)), views, 'no view changed');
    t.same(sim.nodes.map((n) => n.savedConfig), saved, 'no nodes.conf rewritten with a change');
    t.same(sim.nodes.map((n) => n.machine.currentEpoch), epochs, 'no epoch moved');
    t.same(sim.nodes.flatMap((n) => marks(sim, n.index)), [], 'no slot opened');
    t.end();
  });
}
