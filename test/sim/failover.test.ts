/**
 * Failure detection and automatic failover (Redis Cluster spec, "Failure detection" and "Replica
 * election and promotion"; redis-wire.md §1.10-1.11), each scenario asserting the steps the
 * nodes report, in order:
 *
 *   crash of a master     PFAIL ─▶ FAIL (quorum or FAIL message) ─▶ its replica: election
 *                         scheduled (rank 0) ─▶ started (currentEpoch + 1) ─▶ won ─▶ configEpoch
 *                         ─▶ master; the other masters: one vote each; everybody ok again; the
 *                         restarted old master becomes a replica of the winner
 *   minority partition    the cut-off master goes fail on its own, the majority fails it over,
 *                         after the heal it rejoins as a replica
 *   pause / resume        the same with a stopped (SIGSTOP) master that comes back stale
 *   two replicas racing   the one with the larger replication offset asks first and wins
 *   votes split           each of two replicas gets one vote in its epoch: both attempts expire,
 *                         a later epoch elects one
 *   no replica            the cluster goes fail and stays fail
 */
import t from 'tap';
import { converged, ownerIndex, viewDiff } from './sim-checks';
import { allOk, steps } from './failover-helpers';
import { formedCluster, scenarioSeeds } from './sim-harness';

const TIMEOUT_MS = 2000;
const ELECTION = ['election-scheduled', 'election-started', 'election-won', 'epoch-bumped', 'role-changed'];

for (const seed of scenarioSeeds(1105)) {
  t.test(`a crashed master is failed over to its replica, and rejoins as a replica (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3, nodeTimeoutMs: TIMEOUT_MS });
    sim.runUntil('every node is ok', () => allOk(sim, [0, 1, 2, 3, 4, 5]), 10_000);
    const ids = sim.nodes.map((n) => n.id);
    const epoch = sim.node(1).machine.currentEpoch;
    const t0 = sim.now;
    sim.crash(0);
    const tookMs = sim.runUntil('node 3 serves slot 0 and all are ok', () => ownerIndex(sim, 1, 0) === 3 && allOk(sim, [1, 2, 3, 4, 5]), 20_000);
    t.comment(`failed over in ${tookMs} ms of simulated time`);
    const won = `${epoch + 1n}`;
    t.same(steps(sim, ids, 3, t0, ELECTION), [
      'election-scheduled rank 0',
      `election-started ${won}`,
      `election-won ${won}`,
      `epoch-bumped ${won} failover`,
      'role-changed master',
    ], 'the replica: scheduled, started for currentEpoch+1, won, new configEpoch, master');
    for (const i of [1, 2]) {
      t.same(steps(sim, ids, i, t0, ['node-pfail', 'vote-granted']), ['node-pfail 0', `vote-granted 3 ${won}`], `master ${i}: PFAIL, then one vote`);
      t.match(steps(sim, ids, i, t0, ['node-failed']), [/^node-failed 0 (quorum|message)$/], `master ${i} saw node 0 FAIL once`);
    }
    const pfailAt = sim.node(1).events.find((e) => e.atMs >= t0 && e.event.type === 'node-pfail')?.atMs ?? 0;
    t.ok(pfailAt - t0 > TIMEOUT_MS && pfailAt - t0 <= TIMEOUT_MS + 1500, `PFAIL after node-timeout (${pfailAt - t0} ms)`);
    t.ok(sim.nodes.slice(1).every((n) => ownerIndex(sim, n.index, 5460) === 3), 'every survivor gives node 0\'s slots to node 3');

    sim.restart(0);
    const t1 = sim.now;
    sim.runUntil('views converge, all ok', () => converged(sim) && allOk(sim, [0, 1, 2, 3, 4, 5]), 20_000);
    t.ok(converged(sim), viewDiff(sim) || 'views converge');
    t.same(steps(sim, ids, 0, t1, ['role-changed']), ['role-changed replica of 3'], 'the old master follows the new one');
    t.match(steps(sim, ids, 1, t1, ['fail-cleared']), [/^fail-cleared 0 (master-without-slots|replica)$/], 'its FAIL is cleared at once (no slots any more)');
    t.end();
  });

  t.test(`a master cut off from the majority goes fail, is replaced, and rejoins (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3, nodeTimeoutMs: TIMEOUT_MS });
    sim.runUntil('every node is ok', () => allOk(sim, [0, 1, 2, 3, 4, 5]), 10_000);
    const ids = sim.nodes.map((n) => n.id);
    const t0 = sim.now;
    sim.isolate(0);
    sim.runUntil('the majority elected node 3', () => ownerIndex(sim, 1, 0) === 3 && allOk(sim, [1, 2, 3, 4, 5]), 20_000);
    t.same(steps(sim, ids, 0, t0, ['state-changed']), ['state-changed fail'], 'the minority master stops serving (cluster state fail)');
    t.equal(sim.node(0).machine.slots.owner(0), ids[0], 'it still believes it owns its slots');
    t.same(steps(sim, ids, 3, t0, ['election-won', 'role-changed']).length, 2, 'node 3 won and became master');
    sim.healAll();
    const t1 = sim.now;
    sim.runUntil('views converge, all ok', () => converged(sim) && allOk(sim, [0, 1, 2, 3, 4, 5]), 20_000);
    t.same(steps(sim, ids, 0, t1, ['role-changed', 'state-changed']), ['role-changed replica of 3', 'state-changed ok'], 'after the heal: replica of the winner, then ok');
    t.end();
  });

  t.test(`a paused master comes back stale and rejoins as a replica (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 6, masters: 3, nodeTimeoutMs: TIMEOUT_MS });
    sim.runUntil('every node is ok', () => allOk(sim, [0, 1, 2, 3, 4, 5]), 10_000);
    const ids = sim.nodes.map((n) => n.id);
    sim.pause(1);
    sim.runUntil('node 4 took node 1\'s slots', () => ownerIndex(sim, 0, 5461) === 4 && allOk(sim, [0, 2, 3, 4, 5]), 20_000);
    const t1 = sim.now;
    sim.resume(1);
    sim.runUntil('views converge, all ok', () => converged(sim) && allOk(sim, [0, 1, 2, 3, 4, 5]), 20_000);
    t.same(steps(sim, ids, 1, t1, ['role-changed']), ['role-changed replica of 4'], 'the resumed master follows the new one');
    t.equal(ownerIndex(sim, 1, 5461), 4, 'and agrees its old slots are node 4\'s');
    t.end();
  });

  t.test(`of two replicas, the one with the larger offset wins (seed ${seed})`, (t) => {
    // Node 3 and node 6 both replicate master 0; node 6 has applied more of the stream.
    const sim = formedCluster(t, { seed, nodes: 7, masters: 3, nodeTimeoutMs: TIMEOUT_MS });
    sim.node(3).replOffset = 1000n;
    sim.node(6).replOffset = 2000n;
    sim.runUntil('every node is ok', () => allOk(sim, [0, 1, 2, 3, 4, 5, 6]), 10_000);
    sim.runFor(3000); // offsets travel in pings
    const ids = sim.nodes.map((n) => n.id);
    const t0 = sim.now;
    sim.crash(0);
    sim.runUntil('failed over, all ok', () => ownerIndex(sim, 1, 0) === 6 && allOk(sim, [1, 2, 3, 4, 5, 6]), 20_000);
    t.same(steps(sim, ids, 6, t0, ['election-scheduled', 'election-won', 'role-changed']).slice(0, 3), [
      'election-scheduled rank 0',
      `election-won ${sim.node(6).machine.myself.configEpoch}`,
      'role-changed master',
    ], 'node 6 (offset 2000) ranks first and wins');
    t.same(steps(sim, ids, 3, t0, ['election-started', 'role-changed']), ['role-changed replica of 6'], 'node 3 (offset 1000) never asks, and follows node 6');
    const scheduled = steps(sim, ids, 3, t0, ['election-scheduled']);
    t.ok(scheduled.every((s) => s === 'election-scheduled rank 1'), `node 3's election, if scheduled, waited one rank (${scheduled.join(', ') || 'none'})`);
    t.end();
  });

  t.test(`votes split in one round are resolved in a later epoch (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 7, masters: 3, nodeTimeoutMs: TIMEOUT_MS });
    sim.runUntil('every node is ok', () => allOk(sim, [0, 1, 2, 3, 4, 5, 6]), 10_000);
    const ids = sim.nodes.map((n) => n.id);
    const t0 = sim.now;
    sim.crash(0);
    // Node 3 can reach only master 1, node 6 only master 2: one vote each, a majority for none.
    sim.runUntil('both replicas saw the FAIL', () => [3, 6].every((i) => steps(sim, ids, i, t0, ['node-failed']).length > 0), 10_000);
    sim.partition(3, 2);
    sim.partition(6, 1);
    sim.runUntil('both asked', () => [3, 6].every((i) => steps(sim, ids, i, t0, ['election-started']).length > 0), 10_000);
    sim.runFor(2 * TIMEOUT_MS + 500);
    t.same([3, 6].map((i) => steps(sim, ids, i, t0, ['election-won']).length), [0, 0], 'nobody won the first round');
    const firstEpochs = [3, 6].flatMap((i) => steps(sim, ids, i, t0, ['election-started']));
    sim.healAll();
    sim.runUntil('one replica won, all ok', () => [3, 6].some((i) => sim.node(i).machine.myself.isMaster) && allOk(sim, [1, 2, 3, 4, 5, 6]), 40_000);
    const winner = sim.node(3).machine.myself.isMaster ? 3 : 6;
    const loser = winner === 3 ? 6 : 3;
    const wonEpoch = BigInt(steps(sim, ids, winner, t0, ['election-won'])[0]?.split(' ')[1] ?? '0');
    t.ok(firstEpochs.every((s) => BigInt(s.split(' ')[1] ?? '0') < wonEpoch), `won in epoch ${wonEpoch}, after ${firstEpochs.join(', ')}`);
    sim.runUntil('the other follows', () => sim.node(loser).machine.myself.slaveof === ids[winner], 10_000);
    t.equal(sim.node(loser).machine.myself.slaveof, ids[winner], `node ${loser} follows the winner`);
    t.end();
  });

  t.test(`a master without a replica: the cluster goes fail and stays fail (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 3, masters: 3, nodeTimeoutMs: TIMEOUT_MS });
    sim.runUntil('every node is ok', () => allOk(sim, [0, 1, 2]), 10_000);
    const ids = sim.nodes.map((n) => n.id);
    const t0 = sim.now;
    sim.crash(2);
    sim.runFor(30_000);
    for (const i of [0, 1]) {
      t.match(steps(sim, ids, i, t0), ['node-pfail 2', /^node-failed 2 (quorum|message)$/, 'state-changed fail'], `node ${i}: PFAIL, FAIL, cluster fail, nothing more`);
      t.equal(sim.node(i).machine.state, 'fail', `node ${i} is still in state fail 30 s later`);
    }
    t.end();
  });
}
