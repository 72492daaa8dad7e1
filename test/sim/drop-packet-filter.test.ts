/**
 * DEBUG DROP-CLUSTER-PACKET-FILTER in the seeded simulation: the filter lives in the state
 * machine's receive path, so a node whose filter is PONG (type 1) counts the PONGs it receives and
 * then ignores them. Its pings go unanswered: its view of each peer keeps a ping pending, while
 * the peers' own pings still prove them alive, so nobody is flagged. Set back to -1 and with the
 * links killed (DEBUG CLUSTERLINK KILL), the new links' pings are answered.
 */
import t from 'tap';
import { formedCluster, scenarioSeeds } from './sim-harness';
import { NodeFlag } from '../../cluster-bus/messages';

for (const seed of scenarioSeeds(777)) {
  t.test(`a PONG filter leaves pings pending; killed links start afresh (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 3, masters: 3 });
    const machine = sim.node(0).machine;
    const peers = [sim.node(1).id, sim.node(2).id];
    const pongsBefore = machine.received.get(1) ?? 0;
    machine.dropPacketFilter = 1;
    const timeoutMs = sim.node(0).settings.nodeTimeoutMs;
    sim.runFor(timeoutMs * 2);
    for (const id of peers) {
      const peer = machine.nodes.get(id);
      t.ok(peer !== undefined && peer.pingSentMs > 0, `node 0 still waits for ${id.slice(0, 8)}'s PONG`);
      t.notOk(peer?.has(NodeFlag.PFAIL), 'and does not flag it');
    }
    t.ok((machine.received.get(1) ?? 0) > pongsBefore, 'the dropped PONGs are counted as received');
    machine.dropPacketFilter = -1;
    // DEBUG CLUSTERLINK KILL to: a new outbound link, whose ping is answered now.
    for (const id of peers) t.same(sim.admin(0, { type: 'kill-links', nodeId: id, direction: 'to' }), { ok: true, bumped: false }, `link to ${id.slice(0, 8)} killed`);
    for (const id of peers) {
      sim.runUntil(`${id.slice(0, 8)} answers again`, () => machine.nodes.get(id)?.pingSentMs === 0, timeoutMs);
      t.pass(`${id.slice(0, 8)} answered on the new link`);
    }
    t.same(sim.admin(0, { type: 'kill-links', nodeId: 'nosuchnode', direction: 'all' }), { ok: false, error: 'ERR Unknown node nosuchnode' });
    t.same(sim.admin(0, { type: 'kill-links', nodeId: peers[0] as string, direction: 'up' }), { ok: false, error: 'ERR Unknown direction up' });
    t.end();
  });
}
