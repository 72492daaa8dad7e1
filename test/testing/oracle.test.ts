/**
 * The lost-write oracle (server/testing/oracle.ts) against a real in-process cluster driven by
 * ioredis: nothing is lost without faults; the writes a primary acknowledged while cut off in a
 * minority are reported lost, with that reason; writes a WAIT confirmed survive the kill of
 * their primary; and the writes that reach a key by other ways are followed: a blocked pop
 * served later, a reply CLIENT REPLY OFF/SKIP dropped, a slot moved half-way and then whole.
 */
import * as net from 'node:net';
import t from 'tap';
import Redis from 'ioredis';
import { formatReport, startCluster, type TestCluster, type TestNode } from '../../server/testing';

/** A hash tag whose slot `node` serves, so that `{tag}...` keys all live there. */
function tagServedBy(cluster: TestCluster, node: TestNode): string {
  for (let i = 0; i < 10_000; i++) {
    const tag = `{t${i}}`;
    if (cluster.nodeForKey(tag) === node) return tag;
  }
  throw new Error(`no tag found for the node on port ${node.port}`);
}

/** Polls `done` (every few ms) until it holds, or fails after `timeoutMs` naming `what`. */
async function waitFor(timeoutMs: number, what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function allOk(cluster: TestCluster): boolean {
  return cluster.nodes.every((n) => n.up && n.redisNode.cluster?.state.state === 'ok');
}

t.test('no faults: every acknowledged write is where it should be', async (t) => {
  const cluster = await startCluster({ seed: 21 });
  t.teardown(() => cluster.close());
  const client = new Redis.Cluster(cluster.startupNodes);
  t.teardown(() => client.disconnect());
  await client.set('before-recording', 'x');
  cluster.oracle.start();
  for (let i = 0; i < 50; i++) await client.set(`k:${i}`, `v${i}`);
  for (let i = 0; i < 10; i++) await client.incr('counter');
  for (let i = 0; i < 5; i++) await client.append('log', 'x');
  await client.hset('h', 'f', 'v');
  await client.del('k:0');
  await client.mset('{m}a', '1', '{m}b', '2');
  await client.set('ttl', 'x', 'EX', 100);
  await client.multi().set('{x}a', '1').incr('{x}b').exec();
  // Writes that change nothing are not writes: a DEL of a missing key, a failed command.
  await client.del('never-there');
  await t.rejects(client.incr('h'), /WRONGTYPE/);
  const report = await cluster.oracle.check();
  t.same(report.lost, [], formatReport(report));
  t.same(report.indeterminate, [], formatReport(report));
  // 50 SET + 10 INCR + 5 APPEND + HSET + DEL + MSET of 2 keys + SET EX + EXEC of 2 keys.
  t.equal(report.acked, 72);
  t.equal(report.keys, 58);
  t.equal(report.waitCovered, 0, 'no WAIT, nothing covered');
});

t.test('a primary cut off in a minority: its acknowledged writes are reported lost (minority-partition)', async (t) => {
  // Validity factor 0: a replica whose election was refused may retry however long its link
  // has been cut (the default gives up after 13 s without data from its master).
  const cluster = await startCluster({ seed: 5, nodeTimeoutMs: 300, directives: { 'cluster-replica-validity-factor': 0 } });
  t.teardown(() => cluster.close());
  const lonely = cluster.primary(0);
  const tag = tagServedBy(cluster, lonely);
  const direct = new Redis(lonely.port, lonely.host, { maxRetriesPerRequest: 0 });
  t.teardown(() => direct.disconnect());
  cluster.oracle.start();
  for (let i = 0; i < 10; i++) {
    await direct.set(`${tag}before:${i}`, 'v');
    await direct.incr(`${tag}counter`);
  }
  t.equal(await direct.call('WAIT', '1', '0'), 1, 'the replica has everything written before the partition');
  const failover = cluster.next('failover', { timeoutMs: 30_000, where: (e) => e.shard === lonely.shard }).catch((err: Error) => {
    const denials = cluster.history().flatMap((e) => (e.type === 'vote-denied' || e.type === 'cant-failover' ? [`${e.type} ${e.reason}`] : []));
    throw new Error(`${err.message}; ${denials.join(', ')}`);
  });
  // 'all': replication is cut too; the test's client stays on the lonely primary's side.
  const fault = cluster.partition([[lonely], cluster.nodes.filter((n) => n !== lonely)], { plane: 'all', clientSide: 0 });
  let acknowledged = 0;
  let refusal = '';
  const deadline = Date.now() + 15_000;
  for (let i = 0; !refusal; i++) {
    if (Date.now() > deadline) throw new Error('the minority primary never refused a write');
    const replies = await Promise.all([direct.set(`${tag}during:${i}`, 'v'), direct.incr(`${tag}counter`)].map((p) => p.then(() => null, (err: Error) => err.message)));
    for (const reply of replies) {
      if (reply === null) acknowledged++;
      else refusal = reply;
    }
  }
  t.match(refusal, /^CLUSTERDOWN/, 'the minority primary ends up refusing writes');
  t.ok(acknowledged > 0, `the minority primary acknowledged ${acknowledged} writes first`);
  const event = await failover;
  fault.heal();
  await waitFor(15_000, 'the old primary to follow the new one and every node to be ok', () => lonely.masterId === event.node && lonely.redisNode.replication.linkUp && allOk(cluster));
  const report = await cluster.oracle.check();
  t.equal(report.lost.length, acknowledged, `every write acknowledged in the minority is lost\n${formatReport(report)}`);
  t.ok(report.lost.every((w) => w.reason === 'minority-partition' && w.port === lonely.port), 'all for the minority partition');
  t.ok(report.lost.some((w) => w.key === `${tag}counter`), 'the INCRs of the counter after the partition too');
  t.notOk(report.lost.some((w) => w.key.includes('before')), 'nothing written before the partition');
  t.same(report.lostDespiteWait, []);
  t.same(report.indeterminate, [], formatReport(report));
  t.equal(report.acked, 20 + acknowledged);
});

t.test('writes confirmed by WAIT survive the kill of their primary', async (t) => {
  // A node timeout long enough that a loaded machine does not fail a node before the kill.
  const cluster = await startCluster({ seed: 13, nodeTimeoutMs: 1500 });
  t.teardown(() => cluster.close());
  const victim = cluster.primary(1);
  const tag = tagServedBy(cluster, victim);
  const direct = new Redis(victim.port, victim.host, { maxRetriesPerRequest: 0 });
  t.teardown(() => direct.disconnect());
  cluster.oracle.start();
  for (let i = 0; i < 20; i++) {
    await direct.set(`${tag}k:${i}`, `v${i}`);
    await direct.incr(`${tag}counter`);
  }
  t.equal(await direct.call('WAIT', '1', '0'), 1);
  const failover = cluster.next('failover', { timeoutMs: 15_000, where: (e) => e.shard === victim.shard });
  direct.disconnect();
  await cluster.kill(victim);
  const event = await failover;
  t.not(event.node, victim.id);
  const report = await cluster.oracle.check();
  t.equal(report.acked, 40);
  t.equal(report.waitCovered, 40, 'the WAIT covered every write before it on its connection');
  t.same(report.lostDespiteWait, [], formatReport(report));
  t.same(report.lost, [], formatReport(report));
  t.same(report.indeterminate, [], formatReport(report));
});

/** Sends `request` on a raw connection and resolves with what came back once it ends with `until`. */
function rawExchange(node: TestNode, request: string, until: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(node.port, node.host, () => socket.write(request));
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.endsWith(until)) {
        socket.end();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
}

async function blockedClients(node: TestNode): Promise<number> {
  const client = new Redis(node.port, node.host, { maxRetriesPerRequest: 0 });
  try {
    return Number(/blocked_clients:(\d+)/.exec(await client.info('clients'))?.[1] ?? NaN);
  } finally {
    client.disconnect();
  }
}

t.test('the oracle follows blocked pops served later, CLIENT REPLY OFF/SKIP, and a slot moved half-way then whole', async (t) => {
  const cluster = await startCluster({ seed: 31 });
  t.teardown(() => cluster.close());
  const client = new Redis.Cluster(cluster.startupNodes);
  t.teardown(() => client.disconnect());
  const queues = cluster.nodeForKey('{q}');
  const blocker = new Redis(queues.port, queues.host, { maxRetriesPerRequest: 0 });
  t.teardown(() => blocker.disconnect());
  const moving = cluster.nodeForKey('{m}');
  const target = cluster.primary((moving.shard + 1) % 3);
  for (let i = 0; i < 12; i++) await client.set(`{m}${i}`, `before ${i}`);
  cluster.oracle.start();

  // A pop served after its command returned: BLPOP, then BLMOVE, each woken by a push.
  const popped = blocker.blpop('{q}list', 0);
  await waitFor(5_000, 'BLPOP to block', async () => (await blockedClients(queues)) === 1);
  await client.lpush('{q}list', 'a', 'b');
  t.same(await popped, ['{q}list', 'b'], 'BLPOP served with the last pushed');
  const moved = blocker.blmove('{q}src', '{q}dst', 'LEFT', 'RIGHT', 0);
  await waitFor(5_000, 'BLMOVE to block', async () => (await blockedClients(queues)) === 1);
  await client.rpush('{q}src', 'x');
  t.equal(await moved, 'x');

  // Replies the client never gets: the write is done, but not acknowledged.
  const silent = cluster.nodeForKey('{r}');
  t.equal(await rawExchange(silent, 'CLIENT REPLY SKIP\r\nSET {r}skipped v\r\nSET {r}answered v\r\n', '+OK\r\n'), '+OK\r\n', 'SKIP drops the reply of the next command only');
  t.equal(await rawExchange(silent, 'CLIENT REPLY OFF\r\nSET {r}off v\r\nCLIENT REPLY ON\r\n', '+OK\r\n'), '+OK\r\n', 'OFF drops every reply until ON');

  // Half-way: 5 keys on the target, the rest on the source; writes on both sides of -ASK.
  const slot = Number(await client.call('CLUSTER', 'KEYSLOT', '{m}'));
  const paused = await cluster.migrateSlot(slot, target, { keysPerStep: 5, pause: true });
  t.equal(paused.movedKeys.length, 5);
  for (let i = 0; i < 12; i += 3) await client.set(`{m}${i}`, `during ${i}`);
  // A transaction with a MIGRATE inside: EXEC waits for the target, then finishes.
  const [kept, carried] = Array.from({ length: 12 }, (_, i) => `{m}${i}`).filter((key) => !paused.movedKeys.includes(key));
  const atSource = new Redis(moving.port, moving.host, { maxRetriesPerRequest: 0 });
  t.teardown(() => atSource.disconnect());
  const exec = await atSource.multi().set(kept as string, 'in exec').call('MIGRATE', target.host, String(target.port), '', '0', '5000', 'KEYS', carried as string).exec();
  t.same(exec, [[null, 'OK'], [null, 'OK']], 'MULTI with SET and MIGRATE');
  const midway = await cluster.oracle.check();
  t.same(midway.lost, [], `mid-migration, the moved keys are read where -ASK sends a client\n${formatReport(midway)}`);
  t.same(
    midway.indeterminate.map((w) => `${w.key} ${w.reason}`),
    ['{r}skipped reply-not-delivered', '{r}off reply-not-delivered'],
    'only the writes whose reply was dropped are indeterminate',
  );
  await paused.resume();
  for (let i = 1; i < 12; i += 3) await client.set(`{m}${i}`, `after ${i}`);

  const report = await cluster.oracle.check();
  t.same(report.lost, [], formatReport(report));
  t.same(report.indeterminate.map((w) => w.reason), ['reply-not-delivered', 'reply-not-delivered'], formatReport(report));
  // LPUSH, BLPOP, RPUSH, BLMOVE (2 keys), SET answered, 4 SETs during, the SET in EXEC, 12
  // RESTORE-ASKINGs (the keys MIGRATE carried: 5, 1 in the EXEC, then 6), 4 SETs after.
  t.equal(report.acked, 1 + 1 + 1 + 2 + 1 + 4 + 1 + 12 + 4, `acked writes counted\n${formatReport(report)}`);
});
