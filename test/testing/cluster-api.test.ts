/**
 * hashslot/testing seen by a test suite, through its public entry point only: a cluster started
 * in-process, used by ioredis and node-redis, and broken on purpose (kill, pause, partitions,
 * dropped bus messages, injected command failures), with the events a test waits on.
 */
import * as net from 'node:net';
import t from 'tap';
import { eventually } from '../helpers/eventually';
import Redis from 'ioredis';
import { createCluster } from 'redis';
import { startCluster, startNode, type TestCluster } from '../../server/testing';


function clusterInfo(node: { port: number; host: string }): Promise<string> {
  const client = new Redis(node.port, node.host, { lazyConnect: false, maxRetriesPerRequest: 0 });
  return (client.call('CLUSTER', 'INFO') as Promise<string>).finally(() => client.disconnect());
}

t.test('startCluster forms a 3+3 cluster every node sees as ok, on free bus ports', async (t) => {
  const cluster = await startCluster({ seed: 7 });
  t.teardown(() => cluster.close());
  t.equal(cluster.nodes.length, 6);
  t.same(cluster.nodes.map((n) => n.role), ['primary', 'primary', 'primary', 'replica', 'replica', 'replica']);
  for (const node of cluster.nodes) {
    t.match(await clusterInfo(node), /cluster_state:ok/, `node ${node.port} is ok`);
    t.match(node.id, /^[0-9a-f]{40}$/);
  }
  t.equal(cluster.replicas(1).length, 1);
  t.equal(cluster.replicas(1)[0]?.masterId, cluster.primary(1).id);
  const client = new Redis.Cluster(cluster.startupNodes);
  t.teardown(() => client.disconnect());
  await client.set('user:{42}', 'x');
  t.equal(await client.get('user:{42}'), 'x');
  t.equal(cluster.nodeForKey('user:{42}'), cluster.nodes.find((n) => n.port === cluster.nodeForKey('user:{42}').port));
});

t.test('killing a primary under writes: failover event, clients continue, the old primary rejoins as a replica', async (t) => {
  const cluster = await startCluster({ seed: 11 });
  t.teardown(() => cluster.close());
  const client = new Redis.Cluster(cluster.startupNodes, { clusterRetryStrategy: () => 50 });
  t.teardown(() => client.disconnect());
  await client.set('{a}counter', '0');
  const victim = cluster.nodeForKey('{a}counter');
  const failover = cluster.next('failover', { timeoutMs: 10_000 });
  await cluster.kill(victim);
  const event = await failover;
  t.equal(event.shard, victim.shard, 'the failover is in the killed primary\'s shard');
  t.not(cluster.primary(victim.shard), victim);
  t.equal(cluster.primary(victim.shard).id, event.node);
  await eventually(10_000, () => client.incr('{a}counter'));
  t.equal(await eventually(10_000, () => client.get('{a}counter')), '1');
  await cluster.restart(victim);
  await eventually(10_000, async () => {
    if (victim.role !== 'replica') throw new Error('not yet a replica');
  });
  t.equal(victim.masterId, event.node, 'the old primary follows the new one');
  const types = cluster.history().map((e) => e.type);
  for (const type of ['node-killed', 'node-pfail', 'failure-report', 'node-failed', 'election-started', 'vote-granted', 'failover', 'node-restarted']) {
    t.ok(types.includes(type as (typeof types)[number]), `history has ${type}`);
  }
});

t.test('a primary partitioned into a minority stops accepting writes; healing brings it back', async (t) => {
  const cluster = await startCluster({ seed: 5, nodeTimeoutMs: 300 });
  t.teardown(() => cluster.close());
  const lonely = cluster.primary(0);
  // Bus only: the test's own client still reaches the lonely primary and sees it refuse.
  const fault = cluster.isolate(lonely, { plane: 'bus' });
  const direct = new Redis(lonely.port, lonely.host, { maxRetriesPerRequest: 0 });
  t.teardown(() => direct.disconnect());
  const key = 'k{' + 'x'.repeat(0) + '}';
  await eventually(10_000, async () => {
    const reply = await direct.set(key, 'v').catch((err: Error) => err.message);
    if (!/^(CLUSTERDOWN|MOVED)/.test(String(reply))) throw new Error(`still answers ${String(reply)}`);
  });
  t.pass('the minority primary refuses writes');
  fault.heal();
  await eventually(15_000, async () => {
    if (!/cluster_state:ok/.test(await clusterInfo(lonely))) throw new Error('not ok yet');
  });
  t.ok(cluster.history().some((e) => e.type === 'fault-healed'));
});

t.test('pause and resume: a frozen primary is failed over, and comes back as a replica', async (t) => {
  const cluster = await startCluster({ seed: 3, nodeTimeoutMs: 300 });
  t.teardown(() => cluster.close());
  const frozen = cluster.primary(2);
  const failover = cluster.next('failover', { timeoutMs: 10_000, where: (e) => e.shard === 2 });
  cluster.pause(frozen);
  t.ok(frozen.up, 'a paused node is still up');
  const event = await failover;
  cluster.resume(frozen);
  await eventually(10_000, async () => {
    if (frozen.role !== 'replica') throw new Error('not a replica yet');
  });
  t.equal(frozen.masterId, event.node);
});

t.test('dropped PINGs and PONGs from one node make another suspect it', async (t) => {
  const cluster = await startCluster({ seed: 9, nodeTimeoutMs: 300 });
  t.teardown(() => cluster.close());
  const [a, b] = [cluster.nodes[0], cluster.nodes[1]];
  if (a === undefined || b === undefined) throw new Error('no nodes');
  const suspected = cluster.next('node-pfail', { timeoutMs: 10_000, where: (e) => e.node === b.id && e.id === a.id });
  cluster.dropBus({ types: ['PING', 'PONG'], from: a, to: b });
  await suspected;
  t.pass(`node ${b.port} marked ${a.port} PFAIL`);
  cluster.healAll();
});

t.test('node-redis createCluster works against the cluster', async (t) => {
  const cluster = await startCluster({ seed: 2, replicasPerShard: 0 });
  t.teardown(() => cluster.close());
  t.equal(cluster.nodes.length, 3);
  const client = createCluster({ rootNodes: cluster.startupNodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })) });
  await client.connect();
  t.teardown(() => client.disconnect());
  await client.set('a', '1');
  await client.set('b', '2');
  t.same([await client.get('a'), await client.get('b')], ['1', '2']);
});

t.test('failCommands and intercept answer for the node', async (t) => {
  const node = await startNode();
  t.teardown(() => node.close());
  const client = new Redis(node.port, node.host, { maxRetriesPerRequest: 0 });
  t.teardown(() => client.disconnect());
  await client.set('k', 'v');
  node.failCommands('ERR injected');
  await t.rejects(client.get('k'), /ERR injected/);
  node.failCommands(null);
  node.intercept((cmd) => (cmd.name === 'get' && cmd.args[0] === 'k' ? cmd.reply(null) : cmd.proceed()));
  t.equal(await client.get('k'), null);
  t.equal(await client.get('other'), null);
  t.equal(await client.set('other', 'x'), 'OK');
  node.intercept(null);
  t.equal(await client.get('k'), 'v');
});

t.test('bad input: clear errors, nothing half-applied', async (t) => {
  const cluster: TestCluster = await startCluster({ seed: 4, replicasPerShard: 0 });
  const [n0, n1, n2] = cluster.nodes;
  if (n0 === undefined || n1 === undefined || n2 === undefined) throw new Error('no nodes');
  t.throws(() => cluster.node(17), /unknown node 17/);
  t.throws(() => cluster.node('nope'), /unknown node "nope"/);
  t.throws(() => cluster.partition([[n0, n1], [n1, n2]]), /in two groups/);
  t.throws(() => cluster.partition([[n0, n1, n2]]), /at least two groups/);
  t.throws(() => cluster.dropBus({ types: ['PINGG' as 'PING'] }), /unknown bus message type/);
  t.throws(() => cluster.dropBus({ probability: 2 }), /probability/);
  await t.rejects(cluster.clock.advance(100), /needs a virtual clock/);
  t.same(cluster.history().filter((e) => e.type === 'fault-added'), [], 'no fault was added by the failed calls');
  await cluster.close();
  await cluster.close();
  t.throws(() => cluster.primary(0), /closed/);
  await t.rejects(startCluster({ shards: 0 }), /shards must be an integer >= 1/);
});

t.test('client-plane faults: replies delayed, connections reset, a node cut off from clients', async (t) => {
  const cluster = await startCluster({ seed: 12, replicasPerShard: 0 });
  t.teardown(() => cluster.close());
  const node = cluster.primary(0);
  const client = new Redis(node.port, node.host, { maxRetriesPerRequest: 0 });
  t.teardown(() => client.disconnect());
  // resetClients below resets this connection too; ioredis reports it as an error event.
  client.on('error', () => undefined);
  t.equal(await client.ping(), 'PONG');

  const slow = cluster.delay({ to: node, ms: 150, plane: 'clients' });
  const started = Date.now();
  t.equal(await client.ping(), 'PONG');
  t.ok(Date.now() - started >= 140, `the reply waited for the delay (${Date.now() - started} ms)`);
  slow.heal();

  const raw = net.connect(node.port, node.host);
  await new Promise((resolve) => raw.once('connect', resolve));
  const closed = new Promise<string>((resolve) => raw.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? '')));
  await eventually(5000, async () => {
    if (cluster.resetClients(node) < 2) throw new Error('the raw connection is not accepted yet');
  });
  t.equal(await closed, 'ECONNRESET', 'a client sees its connection reset');

  const cut = cluster.partition([[cluster.nodes[1] as TestCluster['nodes'][number], cluster.nodes[2] as TestCluster['nodes'][number]], [node]], { plane: 'clients' });
  const silent = new Redis(node.port, node.host, { maxRetriesPerRequest: 0, commandTimeout: 300, retryStrategy: () => null });
  t.teardown(() => silent.disconnect());
  await t.rejects(silent.ping(), /timed out/i, 'the node does not answer clients on the other side');
  t.match(await clusterInfo(cluster.nodes[1] as TestCluster['nodes'][number]), /cluster_state:ok/, 'the bus is untouched: the cluster stays ok');
  cut.heal();
  await eventually(5000, async () => {
    const fresh = new Redis(node.port, node.host, { maxRetriesPerRequest: 0, commandTimeout: 1000 });
    try {
      if ((await fresh.ping()) !== 'PONG') throw new Error('no PONG');
    } finally {
      fresh.disconnect();
    }
  });
  t.pass('after healing the node answers again');
});
