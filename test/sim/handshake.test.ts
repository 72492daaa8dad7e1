/**
 * The MEET handshake (redis-wire.md §1.9; Redis Cluster spec, "Node handshake"; cluster.c
 * clusterStartHandshake / clusterProcessPacket):
 *
 * - CLUSTER MEET on A creates a handshake node with a random name; A connects and sends MEET;
 *   B adds a handshake node for A and answers PONG; A renames its node to B's real id; B
 *   connects back with PING and renames in turn. Both end knowing each other under their real
 *   ids, with the address each really has (B learns its own IP from the MEET's socket, §1.7 step
 *   3), no handshake node left, and both report handshake-done.
 * - A handshake that nobody answers (refused, or cut off) is dropped after max(node_timeout, 1000) ms
 *   (cluster.c:3944-3958, handshake_timeout at 4050-4054), with the 100 ms cron's granularity.
 */
import t from 'tap';
import { MessageType, typeCode } from '../../cluster-bus/messages';
import { normalisedView } from './sim-checks';
import { CRON_INTERVAL_MS } from './sim-network';
import { meet, scenarioSeeds, startSim } from './sim-harness';

for (const seed of scenarioSeeds(1001)) {
  t.test(`MEET: two nodes end up knowing each other by their real ids (seed ${seed})`, (t) => {
    const sim = startSim(t, { seed, nodes: 2 });
    const [a, b] = [sim.node(0), sim.node(1)];
    const types: string[] = [];
    sim.onDeliver = (d) => types.push(`${d.from}->${d.to} ${typeCode(d.message)}`);
    meet(sim, 0, 1);
    t.ok([...a.machine.nodes.values()].some((n) => n.inHandshake), 'MEET creates a handshake node on A');
    const tookMs = sim.runUntil(
      'both know each other',
      () => a.machine.nodes.has(b.id) && b.machine.nodes.has(a.id) && [a, b].every((n) => [...n.machine.nodes.values()].every((x) => !x.inHandshake)),
      5000,
      10,
    );
    t.ok(tookMs <= 1000, `handshake done within a second of simulated time (${tookMs} ms)`);
    t.equal(types[0], `0->1 ${MessageType.MEET}`, 'the first message on the bus is A\'s MEET');
    t.equal(types[1], `1->0 ${MessageType.PONG}`, 'B answers it with PONG');
    t.ok(types.includes(`1->0 ${MessageType.PING}`), 'B then connects back with PING, not MEET');
    t.notOk(types.slice(1).some((x) => x.endsWith(` ${MessageType.MEET}`)), 'only one MEET is ever sent');

    for (const [me, other] of [[a, b], [b, a]] as const) {
      const state = me.machine;
      t.equal(state.nodes.size, 2, `node ${me.index} knows exactly two nodes`);
      const peer = state.nodes.get(other.id);
      t.equal(peer?.ip, other.ip, `node ${me.index} has node ${other.index}'s IP`);
      t.equal(peer?.port, other.port);
      t.equal(peer?.cport, other.cport);
      t.equal(state.myself.ip, me.ip, `node ${me.index} learned its own IP from a socket`);
      const done = me.events.filter((e) => e.event.type === 'handshake-done').map((e) => e.event);
      t.same(done, [{ type: 'handshake-done', id: other.id, address: `${other.ip}:${other.port}` }], `node ${me.index} reports handshake-done for the other`);
    }
    sim.runFor(2000);
    t.equal(normalisedView(a.machine), normalisedView(b.machine), 'both CLUSTER NODES views agree');
    t.notOk(a.savedConfig.includes('handshake') || b.savedConfig.includes('handshake'), 'nodes.conf never holds a handshake node');
    t.end();
  });

  for (const nodeTimeoutMs of [15000, 300]) {
    const expectedMs = Math.max(nodeTimeoutMs, 1000);
    t.test(`MEET to an address nobody answers is dropped after ${expectedMs} ms (node_timeout ${nodeTimeoutMs}, seed ${seed})`, (t) => {
      // Node 1 is down (connections refused), node 2 is up but cut off (SYNs vanish).
      const sim = startSim(t, { seed, nodes: 3, nodeTimeoutMs });
      sim.crash(1);
      sim.partition(0, 2);
      sim.runFor(500);
      const meetAtMs = sim.now;
      const a = sim.node(0);
      meet(sim, 0, 1);
      meet(sim, 0, 2);
      // Another address that was never bound at all.
      sim.admin(0, { type: 'meet', ip: '127.0.0.99', port: 7099, cport: 17099 });
      sim.runUntil('handshake nodes dropped', () => [...a.machine.nodes.values()].every((n) => !n.inHandshake), expectedMs + 1000, 10);
      const timeouts = a.events.filter((e) => e.event.type === 'handshake-timeout');
      t.same(
        timeouts.map((e) => (e.event.type === 'handshake-timeout' ? e.event.address : '')).sort(),
        ['127.0.0.2:7001', '127.0.0.3:7002', '127.0.0.99:7099'],
        'one handshake-timeout event per unanswered MEET',
      );
      for (const e of timeouts) {
        const afterMs = e.atMs - meetAtMs;
        t.ok(afterMs > expectedMs && afterMs <= expectedMs + CRON_INTERVAL_MS, `dropped ${afterMs} ms after MEET (window ${expectedMs}+0..${CRON_INTERVAL_MS})`);
      }
      t.equal(a.machine.nodes.size, 1, 'only myself is left');
      sim.runFor(10_000);
      t.equal(sim.node(2).machine.nodes.size, 1, 'the cut-off node never heard of it');
      t.end();
    });
  }
}
