/*
 * CLUSTER INFO's message counters, on a redis-server master/replica pair and a hashslot one:
 * Redis prints them in message type order, so PUBLISHSHARD (type 10) comes after MFSTART (8).
 * The replica takes over by a manual failover (it sends MFSTART), then publishes to a shard
 * channel (PUBLISHSHARD to its new replica). Counts depend on timing; the order of the names
 * present on both sides is compared.
 *
 * The myself line of CLUSTER NODES: its pong time is the last time a peer's gossip said when it
 * heard from this node (0 until then). With three nodes each PING carries one gossip entry,
 * sometimes about its receiver. An announced IP taken back (CONFIG SET cluster-announce-ip "")
 * leaves the node to learn its real address again from the next PING.
 */
import t from 'tap';
import { clusterTarget, LocalCluster, missingPrerequisite, type NodeKind } from '../../bench/harness/cluster-harness';
import { formMasterReplica } from '../helpers/cluster-side';

type Test = tap.Test;

const kind = clusterTarget();
const problem = missingPrerequisite(['redis', kind]);

/** Forms the pair, fails over to the replica, and returns node 1's counter names, in order. */
async function counterNames(cluster: LocalCluster): Promise<string[]> {
  const replica = cluster.node(1);
  await formMasterReplica(cluster);
  await cluster.waitFor('the replica is in sync', 15_000, async () => {
    const info = (await replica.call('INFO', 'replication')).toString('latin1');
    return { ok: info.includes('master_link_status:up'), detail: info };
  });
  await replica.call('CLUSTER', 'FAILOVER');
  await cluster.waitFor('the replica took over', 15_000, async () => {
    const role = (await replica.call('ROLE')).toString('latin1');
    return { ok: role.includes('master'), detail: role };
  });
  await cluster.waitFor('PUBLISHSHARD was sent', 15_000, async () => {
    await replica.call('SPUBLISH', 'ch', 'x');
    const info = (await replica.call('CLUSTER', 'INFO')).toString('latin1');
    return { ok: info.includes('publishshard_sent'), detail: info };
  });
  const info = (await replica.call('CLUSTER', 'INFO')).toString('latin1');
  return [...info.matchAll(/cluster_stats_messages_([a-z-]+_(?:sent|received)):/g)].map((m) => m[1] ?? '');
}

async function order(tt: Test): Promise<void> {
  const launch = async (kinds: readonly NodeKind[]): Promise<LocalCluster> => (await LocalCluster.launch(kinds)).attach(tt);
  const [redisCluster, targetCluster] = await Promise.all([launch(['redis', 'redis']), launch([kind, kind])]);
  const [r, h] = await Promise.all([counterNames(redisCluster), counterNames(targetCluster)]);
  const common = (names: string[], other: string[]): string[] => names.filter((n) => other.includes(n));
  tt.ok(r.includes('mfstart_sent') && r.includes('publishshard_sent'), 'redis-server counted MFSTART and PUBLISHSHARD');
  tt.same(common(h, r), common(r, h), 'the counters present on both, in the same order');
}

/** Polls node 0's myself line until its pong time is not 0; returns whether it became so. */
async function myselfPongSeen(cluster: LocalCluster, deadlineMs: number): Promise<boolean> {
  const node = cluster.node(0);
  for (const other of [cluster.node(1), cluster.node(2)]) await node.call('CLUSTER', 'MEET', other.host, String(other.port));
  await node.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await cluster.waitForAgreement(3);
  try {
    await cluster.waitFor('a peer gossips about node 0', deadlineMs, async () => {
      const text = (await node.call('CLUSTER', 'NODES')).toString('latin1');
      return { ok: text.split('\n').some((l) => l.includes('myself') && l.split(' ')[5] !== '0'), detail: text };
    });
    return true;
  } catch {
    return false;
  }
}

async function myselfPong(tt: Test): Promise<void> {
  const launch = async (kinds: readonly NodeKind[]): Promise<LocalCluster> => (await LocalCluster.launch(kinds)).attach(tt);
  const [redisCluster, targetCluster] = await Promise.all([launch(['redis', 'redis', 'redis']), launch([kind, kind, kind])]);
  const [r, h] = await Promise.all([myselfPongSeen(redisCluster, 20_000), myselfPongSeen(targetCluster, 20_000)]);
  tt.ok(r, 'redis-server: the myself line got a pong time');
  tt.equal(h, r, `${kind}: the same`);
  const [ra, ha] = await Promise.all([announceTakenBack(redisCluster), announceTakenBack(targetCluster)]);
  tt.same(ha, ra, 'cluster-announce-ip set, then taken back: the real address returns');
  // Attach first the node that node 0 of the target cluster learnt of last, so that listing in
  // discovery order would show the wrong order.
  const seen = (await targetCluster.node(0).clusterNodes()).map((n) => targetCluster.nodes.findIndex((c) => c.port === n.port));
  const first = seen.indexOf(1) > seen.indexOf(2) ? 1 : 2;
  const [ro, ho] = await Promise.all([replicaOrder(redisCluster, first), replicaOrder(targetCluster, first)]);
  tt.same(ho, ro, `replicas listed in the order they attached (${ro.join(' ')})`);
}

/**
 * Node `first` replicates node 0, then the other of nodes 1 and 2 does: node 0 lists its
 * replicas in attachment order in CLUSTER REPLICAS and SHARDS.
 */
async function replicaOrder(cluster: LocalCluster, first: number): Promise<string[]> {
  const master = cluster.node(0);
  const id = (await master.myself()).id;
  const indexes = (text: string): string =>
    [...text.matchAll(/:(\d{4,5})[@\r]/g)].map((m) => String(cluster.nodes.findIndex((n) => n.port === Number(m[1])))).join(',');
  for (const replica of [cluster.node(first), cluster.node(3 - first)]) {
    await replica.call('CLUSTER', 'REPLICATE', id);
    await cluster.waitFor('node 0 sees the replica', 15_000, async () => {
      const line = (await master.clusterNodes()).find((n) => n.port === replica.port);
      return { ok: line?.flags.includes('slave') === true, detail: JSON.stringify(line) };
    });
  }
  const replicas = (await master.call('CLUSTER', 'REPLICAS', id)).toString('latin1');
  const shards = (await master.call('CLUSTER', 'SHARDS')).toString('latin1');
  const shardPorts = [...shards.matchAll(/\$4\r\nport\r\n:(\d+)/g)].map((m) => String(cluster.nodes.findIndex((n) => n.port === Number(m[1])))).join(',');
  return [indexes(replicas), shardPorts];
}

/**
 * CONFIG SET cluster-announce-ip to a bogus address, then back to "": node 0's myself line and
 * CLUSTER SLOTS show the bogus address, then (once a peer's PING taught it) the real one again.
 */
async function announceTakenBack(cluster: LocalCluster): Promise<string[]> {
  const node = cluster.node(0);
  const myAddress = async (): Promise<string> => {
    const text = (await node.call('CLUSTER', 'NODES')).toString('latin1');
    return text.split('\n').find((l) => l.includes('myself'))?.split(' ')[1]?.split(':')[0] ?? '?';
  };
  await node.call('CONFIG', 'SET', 'cluster-announce-ip', 'bogus');
  const bogus = await myAddress();
  const slotsBogus = (await node.call('CLUSTER', 'SLOTS')).toString('latin1').includes('bogus');
  await node.call('CONFIG', 'SET', 'cluster-announce-ip', '');
  let back = false;
  try {
    await cluster.waitFor('the real address is back', 10_000, async () => ({ ok: (await myAddress()) === node.host, detail: await myAddress() }));
    back = true;
  } catch {
    back = false;
  }
  const slotsAfter = (await node.call('CLUSTER', 'SLOTS')).toString('latin1').includes('bogus');
  return [bogus, String(slotsBogus), String(back), String(slotsAfter)];
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test(`CLUSTER INFO counter order on a redis-server pair and a ${kind} pair`, order);
  t.test(`the myself line's pong time on three redis-server nodes and three ${kind} nodes`, myselfPong);
}
