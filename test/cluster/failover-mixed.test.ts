/*
 * Failover across kinds (issue 5, "Same in a mixed cluster with real redis-server nodes"): a 3+3
 * cluster with cluster-node-timeout 2000 whose master/replica pairs mix redis-server and hashslot.
 *
 *   (a) redis master ─► hashslot replica     kill -9 the redis master: the hashslot replica must
 *                                            win an election in which one hashslot master and one
 *                                            redis master vote, and take the slots
 *   (b) hashslot master ─► redis replica     kill -9 the hashslot master: the redis replica must be
 *                                            elected with one redis and one hashslot vote
 *
 * The pairs are made explicitly (masters by `--cluster create --cluster-replicas 0`, then each
 * replica by `--cluster add-node --cluster-slave --cluster-master-id`), because
 * `--cluster-replicas 1` pairs by its own rules. Keys are written through MOVED-following
 * connections and WAITed for on each master; after the failover every one of them must be readable
 * through every surviving node, and the killed node, restarted from its nodes.conf, must rejoin as a
 * replica of the new master and get the data back. With HASHSLOT_CLUSTER_TARGET=redis every node is
 * a redis-server, which checks the test itself.
 */
import t from 'tap';
import { clusterTarget, missingPrerequisite, RedirectingClient, runRedisCli, type NodeKind } from '../../bench/harness/cluster-harness';
import { keyInSlot, ownedSlots } from '../../bench/harness/cluster-replies';
import { allOk, awaitFailover, awaitReplicaOf, FAILOVER_NODE_TIMEOUT_MS, lineOf, pairedCluster, poll, waitLinkUp } from './failover-support';

const H = clusterTarget();
const R: NodeKind = 'redis';
const problem = missingPrerequisite([H, R]);
const KEYS = 300;

async function scenario(t: tap.Test, kinds: ReadonlyArray<readonly [NodeKind, NodeKind]>, victimPair: number): Promise<void> {
  const { cluster, pairs } = await pairedCluster(kinds, { nodeTimeoutMs: FAILOVER_NODE_TIMEOUT_MS });
  cluster.attach(t);
  await cluster.waitForOk(30_000);
  await cluster.waitForAgreement(6, 30_000);
  for (const p of pairs) await waitLinkUp(p.replica);
  const pair = pairs[victimPair];
  if (pair === undefined) throw new Error(`no pair #${victimPair}`);
  const { master: victim, replica } = pair;
  t.comment(`pairs: ${pairs.map((p) => `${p.master.label}->${p.replica.label}`).join(' ')}; victim ${victim.label}, its replica ${replica.label}`);

  const victimLine = await victim.myself();
  const replicaId = (await replica.myself()).id;
  const victimSlots = ownedSlots(victimLine);
  t.ok(victimSlots.length > 5000, `the victim owns ${victimSlots.length} slots`);

  // Keys over all three masters, then WAIT 1 on each master's connection (the one that wrote).
  const writer = new RedirectingClient();
  const keys = Array.from({ length: KEYS }, (_, i) => `mfo:${i}`);
  let written = 0;
  for (const [i, key] of keys.entries()) {
    if ((await writer.call(cluster.node(0).port, 'SET', key, `v${i}`)).toString('latin1') === '+OK\r\n') written++;
  }
  // One key in the victim's first slot, so the data the new master inherits is certainly non-empty.
  const probeKey = keyInSlot(victimSlots[0] ?? 0, 'mfo-probe');
  t.equal((await writer.call(replica.port, 'SET', probeKey, 'probe')).toString('latin1'), '+OK\r\n', 'probe key SET through MOVED');
  t.equal(written, KEYS, `${KEYS} keys written through MOVED redirects`);
  for (const p of pairs) {
    const acked = (await writer.call(p.master.port, 'WAIT', '1', '5000')).toString('latin1');
    t.equal(acked, ':1\r\n', `WAIT 1 on ${p.master.label}: its ${p.replica.kind} replica acknowledged`);
  }
  writer.close();

  const survivors = cluster.nodes.filter((n) => n !== victim);
  const killedAt = Date.now();
  await victim.kill('SIGKILL');
  const timing = await awaitFailover(replica, survivors, victimSlots, killedAt);
  t.comment(`kill -9 ${victim.label}: ${replica.label} promoted after ${timing.promotedMs} ms, all survivors ok after ${timing.allOkMs} ms`);
  t.pass(`${replica.label} took over ${victimSlots.length} slots from ${victim.label}; every survivor reports cluster_state:ok`);
  for (const observer of survivors) {
    await poll(`${observer.label} sees ${victim.label} as fail and ${replica.label} as the slots' master`, 30_000, async () => {
      const old = await lineOf(observer, victimLine.id);
      const promoted = await lineOf(observer, replicaId);
      if (old === undefined || !old.flags.includes('fail')) return `old master flags ${old?.flags.join(',') ?? 'missing'}`;
      if (promoted === undefined || !ownedSlots(promoted).includes(victimSlots[0] ?? 0)) return `promoted line ${JSON.stringify(promoted)}`;
      return null;
    });
  }
  t.pass('every survivor flags the old master fail and maps its slots to the promoted replica');

  const reader = new RedirectingClient();
  try {
    for (const entry of survivors) {
      let lost = 0;
      for (const [i, key] of keys.entries()) {
        const reply = (await reader.call(entry.port, 'GET', key)).toString('latin1');
        if (reply !== `$${`v${i}`.length}\r\nv${i}\r\n`) lost++;
      }
      const probe = (await reader.call(entry.port, 'GET', probeKey)).toString('latin1');
      t.equal(lost, 0, `no WAITed key lost: all ${KEYS} read through ${entry.label}`);
      t.equal(probe, '$5\r\nprobe\r\n', `probe key read through ${entry.label}`);
    }
  } finally {
    reader.close();
  }
  const viaCli = await runRedisCli(['-c', '-p', String(survivors[0]?.port ?? 0), 'GET', probeKey]);
  t.equal(viaCli.stdout.trim(), 'probe', 'redis-cli -c follows MOVED to the promoted replica');

  const restartedAt = Date.now();
  await victim.launch();
  await awaitReplicaOf(victim, replicaId);
  await poll('all six report cluster_state:ok', 45_000, () => allOk(cluster.nodes));
  await poll(`${victim.label} gets the data back from ${replica.label}`, 45_000, async () => {
    const theirs = (await replica.call('DBSIZE')).toString('latin1');
    const mine = (await victim.call('DBSIZE')).toString('latin1');
    return mine === theirs ? null : `restarted ${mine.trim()} vs new master ${theirs.trim()}`;
  });
  t.comment(`restarted ${victim.label}: replica of ${replica.label}, all ok and in sync after ${Date.now() - restartedAt} ms`);
  t.pass(`${victim.label} rejoined as a replica of ${replica.label} and holds the same keys`);
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  // (a) voters: a hashslot master and a redis master.
  t.test(`(a) kill -9 a redis master: its ${H} replica takes over`, (t) =>
    scenario(t, [[R, H], [H, R], [R, H]], 0));
  // (b) voters: a redis master and a hashslot master.
  t.test(`(b) kill -9 a ${H} master: its redis replica takes over`, (t) =>
    scenario(t, [[R, H], [H, R], [H, R]], 1));
}
