/**
 * The lost-write oracle (server/testing/oracle.ts) against a real in-process cluster driven by
 * ioredis: nothing is lost without faults; the writes a primary acknowledged while cut off in a
 * minority are reported lost, with that reason; writes a WAIT confirmed survive the kill of
 * their primary.
 */
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
  const cluster = await startCluster({ seed: 13, nodeTimeoutMs: 300 });
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
