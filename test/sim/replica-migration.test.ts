/**
 * Replica migration to a master that used to be a replica (issue 11, section 6).
 *
 * A master counts as a migration target (an "orphan" when it has no working replica left) only
 * once it has had a replica, or once it turned from a replica into a master: Redis sets that mark
 * (MIGRATE_TO) when a master gains a replica and when a node it knows is set from replica to
 * master. The second case is the one this scenario needs:
 *
 *   5 masters, 2 replicas each ─▶ one replica of master 0 dies (FAIL everywhere) ─▶ master 0 dies
 *   ─▶ its last replica is elected and has no replica ─▶ 5 s later the smallest-id replica among
 *   the masters that still have two moves to it, and nobody else moves.
 */
import t from 'tap';
import { allOk, steps } from './failover-helpers';
import { ownerIndex } from './sim-checks';
import { formedCluster, scenarioSeeds } from './sim-harness';

const TIMEOUT_MS = 2000;
const MASTERS = 5;
const NODES = 15;

for (const seed of scenarioSeeds(1911)) {
  t.test(`a promoted replica left without replicas gets a migrated one (seed ${seed})`, (t) => {
    // Node i >= 5 replicates master (i - 5) % 5: master 0 has replicas 5 and 10.
    const sim = formedCluster(t, { seed, nodes: NODES, masters: MASTERS, nodeTimeoutMs: TIMEOUT_MS });
    const everyone = sim.nodes.map((n) => n.index);
    sim.runUntil('every node is ok', () => allOk(sim, everyone), 10_000);
    const ids = sim.nodes.map((n) => n.id);
    const survivors = everyone.filter((i) => i !== 0 && i !== 5);

    sim.crash(5);
    sim.runUntil('node 5 is failing everywhere', () => survivors.every((i) => sim.node(i).machine.nodes.get(ids[5] ?? '')?.failing === true), 20_000);
    sim.crash(0);
    sim.runUntil('node 10 serves slot 0, all ok', () => ownerIndex(sim, 1, 0) === 10 && allOk(sim, survivors), 20_000);
    const promotedAt = sim.now;

    // The spares: replicas of masters 1-4 (each has two); the smallest id moves.
    const spares = survivors.filter((i) => i >= MASTERS && i !== 10);
    const mover = spares.reduce((a, b) => ((ids[b] ?? '') < (ids[a] ?? '') ? b : a));
    sim.runUntil('a replica follows node 10', () => survivors.some((i) => sim.node(i).machine.myself.slaveof === ids[10]), 20_000);
    t.same(steps(sim, ids, mover, promotedAt, ['replica-migrated', 'role-changed']), ['replica-migrated 10', 'role-changed replica of 10'], `node ${mover} (the smallest id of the spares) migrates to node 10`);
    const movedAt = sim.node(mover).events.find((e) => e.event.type === 'replica-migrated')?.atMs ?? 0;
    t.ok(movedAt - promotedAt > 5000, `not before the 5 s migration delay (${movedAt - promotedAt} ms)`);

    sim.runFor(20_000);
    const moves = spares.flatMap((i) => steps(sim, ids, i, promotedAt, ['replica-migrated']).map((s) => `${i} ${s}`));
    t.same(moves, [`${mover} replica-migrated 10`], 'exactly one replica moved');
    t.ok(survivors.every((i) => sim.node(i).machine.nodes.get(ids[mover] ?? '')?.slaveof === ids[10]), 'every node sees the mover as node 10\'s replica');
    t.ok(allOk(sim, survivors), 'every node is ok');
    t.end();
  });
}
