/*
 * Failover with real processes (issue 5; redis-wire.md §1.10-1.11): a 3+3 cluster with
 * cluster-node-timeout 2000, keys written through MOVED-following connections and WAITed for on
 * each master; then one master is killed (SIGKILL) or stopped (SIGSTOP). Its replica must be
 * promoted, every surviving node must return to cluster_state:ok, no WAITed key may be lost, and
 * the old master, restarted from its nodes.conf (or continued), must rejoin as a replica of the
 * new one and get the data back by replication. Every wait is a poll with a deadline.
 */
import t from 'tap';
import { clusterTarget, LocalCluster, missingPrerequisite, RedirectingClient, runRedisCli, type ClusterNode } from '../../bench/harness/cluster-harness';
import { isMaster, keyInSlot, ownedSlots, type NodeLine } from '../../bench/harness/cluster-replies';
import { delay } from '../../bench/harness/server-process';
import { waitLinkUp } from './failover-support';

const kind = clusterTarget();
const problem = missingPrerequisite([kind]);
const NODE_TIMEOUT_MS = 2000;
const KEYS = 300;

/** Polls `probe` every 50 ms until it returns null (done) or the deadline passes; throws with its last detail. */
async function poll(what: string, deadlineMs: number, probe: () => Promise<string | null>): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last = '';
  for (;;) {
    const detail = await probe().catch((e: unknown) => String(e));
    if (detail === null) return;
    last = detail;
    if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}\n${last}`);
    await delay(50);
  }
}

async function allOk(nodes: readonly ClusterNode[]): Promise<string | null> {
  const states = await Promise.all(nodes.map((n) => n.clusterState().catch((e: unknown) => String(e))));
  return states.every((s) => s === 'ok') ? null : nodes.map((n, i) => `${n.label}=${String(states[i])}`).join(' ');
}

async function scenario(t: tap.Test, signal: 'SIGKILL' | 'SIGSTOP'): Promise<void> {
  const cluster = (await LocalCluster.launch(Array(6).fill(kind), { nodeTimeoutMs: NODE_TIMEOUT_MS })).attach(t);
  t.teardown(async () => {
    for (const n of cluster.nodes) if (n.pid !== undefined) try { process.kill(n.pid, 'SIGCONT'); } catch { /* gone */ }
    await cluster.destroy();
  });
  await cluster.createOrThrow(1);
  await cluster.waitForOk();
  const view: NodeLine[] = await cluster.waitForAgreement(6);

  // Each replica's first sync may still be under way (redis-server delays a diskless sync by 5 s);
  // WAIT counts only online replicas, so the links are awaited first.
  for (const line of view.filter((n) => !isMaster(n))) await waitLinkUp(cluster.byPort(line.port));

  // Keys in every master's slots, then WAIT 1 on each master's connection.
  const writer = new RedirectingClient();
  const keys: string[] = [];
  let written = 0;
  for (let i = 0; i < KEYS; i++) {
    const key = `fo:${i}`;
    if ((await writer.call(cluster.node(0).port, 'SET', key, `v${i}`)).toString('latin1') === '+OK\r\n') written++;
    keys.push(key);
  }
  t.equal(written, KEYS, `${KEYS} keys written through MOVED redirects`);
  for (const master of view.filter(isMaster)) {
    const acked = (await writer.call(master.port, 'WAIT', '1', '5000')).toString('latin1');
    t.equal(acked, ':1\r\n', `WAIT 1 on master ${master.port}: one replica acknowledged`);
  }
  writer.close();

  const victimLine = view.find((n) => isMaster(n) && ownedSlots(n).includes(0));
  if (victimLine === undefined) throw new Error('no owner of slot 0');
  const replicaLine = view.find((n) => n.masterId === victimLine.id);
  if (replicaLine === undefined) throw new Error('the master of slot 0 has no replica');
  const victim = cluster.byPort(victimLine.port);
  const replica = cluster.byPort(replicaLine.port);
  const survivors = cluster.nodes.filter((n) => n !== victim);

  const started = Date.now();
  if (signal === 'SIGKILL') await victim.kill('SIGKILL');
  else process.kill(victim.pid ?? 0, 'SIGSTOP');

  await poll('the replica is promoted', 30_000, async () => ((await replica.myself()).flags.includes('master') ? null : 'still a replica'));
  await poll('every survivor is ok', 30_000, () => allOk(survivors));
  t.comment(`${signal}: promoted and all ok after ${Date.now() - started} ms`);
  const replicaView = await replica.clusterNodes();
  t.ok(replicaView.find((n) => n.id === victimLine.id)?.flags.includes('fail'), 'the old master is flagged fail');
  t.ok(ownedSlots(replicaView.find((n) => n.id === replicaLine.id) as NodeLine).includes(0), 'the promoted replica serves slot 0');

  const reader = new RedirectingClient();
  let lost = 0;
  for (let i = 0; i < keys.length; i++) {
    const reply = (await reader.call(replica.port, 'GET', keys[i] as string)).toString('latin1');
    if (reply !== `$${`v${i}`.length}\r\nv${i}\r\n`) lost++;
  }
  reader.close();
  t.equal(lost, 0, `no WAITed key lost (${keys.length} read back through MOVED)`);
  const viaCli = await runRedisCli(['-c', '-p', String(replica.port), 'GET', keyInSlot(0, 'fo')]);
  t.equal(viaCli.code, 0, 'redis-cli -c still works');

  if (signal === 'SIGKILL') await victim.launch();
  else process.kill(victim.pid ?? 0, 'SIGCONT');
  await poll('the old master rejoins as a replica of the promoted one', 30_000, async () => {
    const me = await victim.myself();
    return me.masterId === replicaLine.id ? null : `flags ${me.flags.join(',')} master ${me.masterId}`;
  });
  await cluster.waitForOk(30_000);
  await poll('its data comes back by replication', 30_000, async () => {
    const b = await replica.call('DBSIZE');
    const mine = (await victim.call('DBSIZE')).toString('latin1');
    return mine === b.toString('latin1') ? null : `victim ${mine.trim()} vs new master ${b.toString('latin1').trim()}`;
  });
  t.pass('the old master holds the same keys as the new one');
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test('kill -9 of a master: its replica takes over, nothing WAITed is lost, the old master rejoins', (t) => scenario(t, 'SIGKILL'));
  t.test('SIGSTOP of a master: the same, and after SIGCONT it rejoins as a replica', (t) => scenario(t, 'SIGSTOP'));
}
