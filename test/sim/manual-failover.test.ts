/**
 * CLUSTER FAILOVER [FORCE|TAKEOVER] (redis-wire.md §1.11, Redis Cluster spec "Manual failover")
 * and replica migration (spec, "Replica migration"), as steps the nodes report:
 *
 *   default    replica: accepted ─▶ (MFSTART) master: requested, writes paused ─▶ replica: the
 *              paused master's offset ─▶ (caught up) can start ─▶ election at once (rank 0,
 *              FORCEACK) ─▶ won ─▶ master; the old master: replica of it, writes resumed
 *   FORCE      no handshake with the master: the election starts at once
 *   TAKEOVER   no election: a configEpoch bumped without consensus, then the slots
 *   migration  a master whose only replica died gets the smallest-id replica of the master
 *              with two, 5 s after it became orphaned
 */
import t from 'tap';
import { allOk, steps } from './failover-helpers';
import { converged, ownerIndex } from './sim-checks';
import { formedCluster, refusal, scenarioSeeds } from './sim-harness';

const TIMEOUT_MS = 2000;

for (const seed of scenarioSeeds(2207)) {
  t.test(`CLUSTER FAILOVER: the master pauses, the replica catches up, then wins (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3, nodeTimeoutMs: TIMEOUT_MS });
    sim.runUntil('every node is ok', () => allOk(sim, [0, 1, 2, 3, 4, 5]), 10_000);
    const ids = sim.nodes.map((n) => n.id);
    t.equal(refusal(sim.admin(0, { type: 'failover', mode: 'default' })), 'ERR You should send CLUSTER FAILOVER to a replica', 'refused on a master');
    // The master is ahead of its replica: the replica must reach 500 first.
    sim.node(0).replOffset = 500n;
    sim.node(3).replOffset = 400n;
    const t0 = sim.now;
    t.equal(refusal(sim.admin(3, { type: 'failover', mode: 'default' })), null, 'accepted on the replica');
    sim.runUntil('the offset arrived', () => steps(sim, ids, 3, t0, ['manual-failover-offset']).length > 0, 2000, 10);
    t.ok(sim.node(0).writesPausedUntilMs > sim.now, 'the master holds writes');
    sim.runFor(500);
    t.same(steps(sim, ids, 3, t0, ['manual-failover-can-start', 'election-started']), [], 'no election while behind');
    sim.node(3).replOffset = 500n;
    sim.runUntil('node 3 is master, all ok', () => ownerIndex(sim, 1, 0) === 3 && converged(sim) && allOk(sim, [0, 1, 2, 3, 4, 5]), 10_000);
    t.same(steps(sim, ids, 3, t0, ['manual-failover-accepted', 'manual-failover-offset', 'manual-failover-can-start', 'election-scheduled', 'election-started', 'election-won', 'role-changed']).map((s) => s.replace(/^(election-started|election-won|manual-failover-offset) \d+$/, '$1')), [
      'manual-failover-accepted default',
      'manual-failover-offset',
      'manual-failover-can-start',
      'election-scheduled rank 0',
      'election-started',
      'election-won',
      'role-changed master',
    ], 'replica: accepted, offset 500, caught up, election, won, master');
    t.same(steps(sim, ids, 3, t0, ['manual-failover-offset']), ['manual-failover-offset 500'], 'the paused master sent offset 500');
    t.same(steps(sim, ids, 0, t0, ['manual-failover-requested', 'role-changed']), ['manual-failover-requested 3', 'role-changed replica of 3'], 'master: requested, then replica of node 3');
    t.equal(sim.node(0).writesPausedUntilMs, 0, 'the old master resumed writes');
    t.same(steps(sim, ids, 1, t0, ['node-failed']), [], 'nobody marked the master failing');
    t.end();
  });

  t.test(`CLUSTER FAILOVER FORCE and TAKEOVER (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3, nodeTimeoutMs: TIMEOUT_MS });
    sim.runUntil('every node is ok', () => allOk(sim, [0, 1, 2, 3, 4, 5]), 10_000);
    const ids = sim.nodes.map((n) => n.id);
    let t0 = sim.now;
    t.equal(refusal(sim.admin(4, { type: 'failover', mode: 'force' })), null, 'FORCE accepted');
    sim.runUntil('node 4 serves node 1\'s slots, all ok', () => ownerIndex(sim, 0, 5461) === 4 && converged(sim) && allOk(sim, [0, 1, 2, 3, 4, 5]), 10_000);
    t.same(steps(sim, ids, 4, t0, ['manual-failover-accepted', 'manual-failover-offset', 'election-scheduled', 'election-won', 'role-changed']).map((s) => s.replace(/^(election-started|election-won|manual-failover-offset) \d+$/, '$1')), [
      'manual-failover-accepted force',
      'election-scheduled rank 0',
      'election-won',
      'role-changed master',
    ], 'FORCE: no offset handshake, election at once');
    t.same(steps(sim, ids, 1, t0, ['manual-failover-requested', 'role-changed']), ['role-changed replica of 4'], 'the old master was not asked, and follows');

    t0 = sim.now;
    const before = sim.node(5).machine.currentEpoch;
    t.equal(refusal(sim.admin(5, { type: 'failover', mode: 'takeover' })), null, 'TAKEOVER accepted');
    sim.runUntil('node 5 serves node 2\'s slots, all ok', () => ownerIndex(sim, 0, 16383) === 5 && converged(sim) && allOk(sim, [0, 1, 2, 3, 4, 5]), 10_000);
    t.same(steps(sim, ids, 5, t0, ['manual-failover-accepted', 'election-started', 'epoch-bumped', 'role-changed']), [
      'manual-failover-accepted takeover',
      `epoch-bumped ${before + 1n} takeover`,
      'role-changed master',
    ], 'TAKEOVER: a new configEpoch without votes, then master');
    t.same(steps(sim, ids, 0, t0, ['vote-granted']), [], 'nobody voted');
    t.same(steps(sim, ids, 2, t0, ['role-changed']), ['role-changed replica of 5'], 'the old master follows');
    t.end();
  });

  t.test(`CLUSTER FAILOVER without FORCE is refused when the master is down (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3, nodeTimeoutMs: TIMEOUT_MS, replicas: 3 });
    sim.runUntil('every node is ok', () => allOk(sim, [0, 1, 2, 3, 4, 5]), 10_000);
    sim.node(3).settings.replicaNoFailover = true; // keep node 3 from failing over by itself
    sim.crash(0);
    sim.runUntil('node 3 sees its master failing', () => sim.node(3).machine.nodes.get(sim.node(3).machine.myself.slaveof ?? '')?.failing === true, 10_000);
    t.equal(
      refusal(sim.admin(3, { type: 'failover', mode: 'default' })),
      'ERR Master is down or failed, please use CLUSTER FAILOVER FORCE',
      'refused with Redis\'s text',
    );
    t.equal(refusal(sim.admin(3, { type: 'failover', mode: 'force' })), null, 'FORCE works (and overrides nofailover)');
    sim.runUntil('node 3 is master', () => sim.node(3).machine.myself.isMaster, 10_000);
    t.ok(sim.node(3).machine.myself.isMaster, 'node 3 won');
    t.end();
  });

  t.test(`replica migration: an orphaned master gets a replica (seed ${seed})`, (t) => {
    // Master 0 has two replicas (3 and 6), masters 1 and 2 one each (4, 5).
    const sim = formedCluster(t, { seed, nodes: 7, masters: 3, nodeTimeoutMs: TIMEOUT_MS });
    sim.runUntil('every node is ok', () => allOk(sim, [0, 1, 2, 3, 4, 5, 6]), 10_000);
    const ids = sim.nodes.map((n) => n.id);
    const mover = (ids[3] ?? '') < (ids[6] ?? '') ? 3 : 6;
    const stayer = mover === 3 ? 6 : 3;
    const t0 = sim.now;
    sim.crash(4);
    sim.runUntil('a replica moved to master 1', () => sim.node(mover).machine.myself.slaveof === ids[1], 20_000);
    t.same(steps(sim, ids, mover, t0, ['replica-migrated', 'role-changed']), ['replica-migrated 1', 'role-changed replica of 1'], `node ${mover} (the smaller id) migrates`);
    t.same(steps(sim, ids, stayer, t0, ['replica-migrated']), [], `node ${stayer} stays: master 0 keeps its barrier of 1`);
    const movedAt = sim.node(mover).events.find((e) => e.event.type === 'replica-migrated')?.atMs ?? 0;
    t.ok(movedAt - t0 > 5000, `not before the 5 s migration delay (${movedAt - t0} ms)`);
    sim.runFor(20_000);
    t.same(steps(sim, ids, stayer, t0, ['replica-migrated']), [], 'no second move');
    t.end();
  });

  t.test(`no replica migration with cluster-allow-replica-migration no (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 7, masters: 3, nodeTimeoutMs: TIMEOUT_MS });
    for (const node of sim.nodes) node.settings.allowReplicaMigration = false;
    sim.runUntil('every node is ok', () => allOk(sim, [0, 1, 2, 3, 4, 5, 6]), 10_000);
    const ids = sim.nodes.map((n) => n.id);
    const t0 = sim.now;
    sim.crash(4);
    sim.runFor(20_000);
    t.same([3, 6].flatMap((i) => steps(sim, ids, i, t0, ['replica-migrated'])), [], 'nobody moves');
    t.end();
  });
}
