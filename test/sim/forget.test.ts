/**
 * CLUSTER FORGET and its blacklist (Redis Cluster spec, "CLUSTER FORGET"; redis-wire.md §1.8,
 * cluster.c:1437-1480 "CLUSTER nodes blacklist"): a forgotten node is removed, and for 60
 * seconds gossip that mentions it does not bring it back, so an administrator has the time to
 * send FORGET to every node. After the 60 s the blacklist entry expires and the first gossip
 * entry about the node re-adds it under its real id.
 */
import t from 'tap';
import { MessageType } from '../../cluster-bus/messages';
import { converged, viewDiff } from './sim-checks';
import { adminOk, formedCluster, scenarioSeeds } from './sim-harness';

const BLACKLIST_TTL_MS = 60_000;

for (const seed of scenarioSeeds(5005)) {
  t.test(`a forgotten node is not re-added from gossip for 60 s, then is (seed ${seed})`, (t) => {
    const sim = formedCluster(t, { seed, nodes: 5, masters: 3 });
    const forgotten = sim.node(2).id;
    let gossipedDuringBan = 0;
    let forgetAtMs = Infinity;
    sim.onDeliver = ({ atMs, to, message }) => {
      if (to !== 0 || atMs >= forgetAtMs + BLACKLIST_TTL_MS) return;
      if (message.type !== MessageType.PING && message.type !== MessageType.PONG && message.type !== MessageType.MEET) return;
      if (message.gossip.some((g) => g.nodename === forgotten)) gossipedDuringBan++;
    };
    forgetAtMs = sim.now;
    adminOk(sim, 0, { type: 'forget', nodeId: forgotten });
    t.notOk(sim.node(0).machine.nodes.has(forgotten), 'FORGET removes the node at once');
    t.ok(sim.node(0).events.some((e) => e.event.type === 'node-forgotten' && e.event.id === forgotten), 'and reports node-forgotten');

    let readdedEarly = false;
    while (sim.now < forgetAtMs + BLACKLIST_TTL_MS - 100) {
      sim.runFor(100);
      if (sim.node(0).machine.nodes.has(forgotten)) readdedEarly = true;
    }
    t.notOk(readdedEarly, 'not known again at any point of the 60 s');
    t.ok(gossipedDuringBan > 0, `although peers gossiped it to node 0 ${gossipedDuringBan} times meanwhile`);

    sim.runUntil('node 0 knows node 2 again', () => sim.node(0).machine.nodes.has(forgotten), 60_000);
    const added = sim.node(0).events.filter((e) => e.event.type === 'node-added' && e.event.id === forgotten);
    t.equal(added.length, 1, 'node 2 was re-added once');
    t.equal(added[0]?.event.type === 'node-added' ? added[0].event.via : '', 'gossip', 'from gossip');
    t.ok((added[0]?.atMs ?? 0) >= forgetAtMs + BLACKLIST_TTL_MS, `no earlier than 60 s after FORGET (${(added[0]?.atMs ?? 0) - forgetAtMs} ms)`);
    sim.runUntil('views converge', () => converged(sim), 30_000);
    t.ok(converged(sim), viewDiff(sim) || 'views converge again, node 2 with its slots');
    sim.runUntil('node 0 is ok again', () => sim.node(0).machine.state === 'ok', 10_000);
    t.end();
  });
}
