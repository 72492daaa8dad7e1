/*
 * Three real redis-server 7.0 nodes and three hashslot nodes in one cluster, made by
 * `redis-cli --cluster create`. This is the strongest check that the bus speaks Redis's
 * clusterMsg: a redis-server only accepts a peer whose MEET, PING and PONG it can parse, and only
 * adopts slots from gossip it understands.
 *
 * The node order is redis, hashslot, redis, hashslot, redis, hashslot: redis-cli makes the first
 * three masters (so both kinds own slots) and the last three replicas (so both kinds replicate),
 * pairing replicas with masters at random. With HASHSLOT_CLUSTER_TARGET=redis all six are
 * redis-server, which validates the test itself.
 */

import t from 'tap';
import { Cluster } from 'ioredis';
import { clusterTarget, LocalCluster, missingPrerequisite, RedirectingClient, runRedisCli, stripAnsi, type NodeKind } from '../../bench/harness/cluster-harness';
import { isMaster, isReplica, keySlot, ownedSlots, type NodeLine } from '../../bench/harness/cluster-replies';

const hashslotKind = clusterTarget();
const KINDS: NodeKind[] = ['redis', hashslotKind, 'redis', hashslotKind, 'redis', hashslotKind];
const problem = missingPrerequisite(['redis']);

if (problem !== null) {
  t.plan(0, problem);
} else {
  let cluster: LocalCluster | null = null;
  let view: NodeLine[] = [];

  t.before(async () => {
    cluster = (await LocalCluster.launch(KINDS)).attach(t);
  });

  const formed = (): LocalCluster => {
    if (cluster === null || view.length === 0) throw new Error('the cluster did not form (see the first subtest)');
    return cluster;
  };

  t.test(`redis-cli --cluster create over 3 redis + 3 ${hashslotKind} nodes`, async (t) => {
    if (cluster === null) throw new Error('nodes not started');
    const result = await cluster.create(1);
    t.equal(result.code, 0, 'redis-cli --cluster create exits 0', { stdout: stripAnsi(result.stdout), stderr: result.stderr });
    await cluster.waitForOk();
    t.pass('all six report cluster_state:ok');
    view = await cluster.waitForAgreement(6);
    t.pass('all six agree on CLUSTER NODES (ids, roles, masters, epochs, slots)');
  });

  t.test('both kinds own slots and both kinds replicate', async (t) => {
    const c = formed();
    const kindOf = (line: NodeLine): NodeKind => c.byPort(line.port).kind;
    const masters = view.filter(isMaster);
    t.equal(masters.length, 3, 'three masters');
    t.same([...new Set(masters.filter((m) => ownedSlots(m).length > 0).map(kindOf))].sort(), [...new Set(['redis', hashslotKind])].sort(),
      'masters of both kinds own slots');
    t.same([...new Set(view.filter(isReplica).map(kindOf))].sort(), [...new Set(['redis', hashslotKind])].sort(), 'replicas of both kinds');
    for (const node of c.nodes) {
      const myself = await node.myself();
      t.equal(view.find((n) => n.port === node.port)?.id, myself.id, `${node.label}: the others know it by its own id`);
    }
  });

  t.test('redis-cli --cluster check agrees from a redis node and a hashslot node', async (t) => {
    const c = formed();
    for (const node of [c.node(0), c.node(1)]) {
      const result = await runRedisCli(['--cluster', 'check', `127.0.0.1:${node.port}`]);
      const out = stripAnsi(result.stdout);
      t.equal(result.code, 0, `check via ${node.label} exits 0`, { stdout: out });
      t.match(out, '[OK] All nodes agree about slots configuration.');
      t.match(out, '[OK] All 16384 slots covered.');
    }
  });

  t.test('keys set through any node are readable through any node', async (t) => {
    const c = formed();
    const client = new RedirectingClient();
    try {
      const perNode = 50;
      const written: string[] = [];
      for (const node of c.nodes) {
        for (let j = 0; j < perNode; j++) {
          const key = `mixed:${node.port}:${j}`;
          const reply = (await client.call(node.port, 'SET', key, `v-${key}`)).toString('latin1');
          if (reply !== '+OK\r\n') t.fail(`SET ${key} via ${node.label}: ${reply}`);
          written.push(key);
        }
      }
      const ownerKinds = new Set(written.map((k) => {
        const owner = view.find((n) => isMaster(n) && ownedSlots(n).includes(keySlot(k)));
        return owner === undefined ? 'none' : c.byPort(owner.port).kind;
      }));
      t.same([...ownerKinds].sort(), [...new Set(['redis', hashslotKind])].sort(), 'the keys live on masters of both kinds');
      for (const node of c.nodes) {
        let wrong = 0;
        for (const key of written) {
          const reply = (await client.call(node.port, 'GET', key)).toString('latin1');
          if (reply !== `$${key.length + 2}\r\nv-${key}\r\n`) wrong++;
        }
        t.equal(wrong, 0, `all ${written.length} keys read through ${node.label}`);
      }
      t.ok(client.redirects > 0, 'entry nodes redirected with MOVED');
    } finally {
      client.close();
    }
  });

  t.test('ioredis Cluster started from each kind of node', async (t) => {
    const c = formed();
    for (const entry of [c.node(0), c.node(1)]) {
      const client = new Cluster([{ host: '127.0.0.1', port: entry.port }], { redisOptions: { maxRetriesPerRequest: 2 } });
      try {
        const keys = Array.from({ length: 500 }, (_, i) => `io:${entry.port}:${i}`);
        await Promise.all(keys.map((k) => client.set(k, k)));
        const values = await Promise.all(keys.map((k) => client.get(k)));
        t.same(values, keys, `500 keys via a cluster client that discovered the topology from ${entry.label}`);
      } finally {
        client.disconnect();
      }
    }
  });
}
