/*
 * Helpers shared by the failover tests with real processes (issue 5), on top of cluster-harness.
 *
 *   pairedCluster([[masterKind, replicaKind], ...])
 *        │   `redis-cli --cluster create <masters> --cluster-replicas 0`, then for each pair
 *        │   `redis-cli --cluster add-node <replica> <master> --cluster-slave --cluster-master-id`:
 *        ▼   the pairing is chosen by the test, where `--cluster-replicas 1` would pick it
 *   waitBarrier(master)    SET a key in the master's own slots, then WAIT 1 on the same connection:
 *        │                 the replication stream is ordered, so every write the master had
 *        ▼                 acknowledged before the barrier is on its replica when WAIT answers 1
 *   kill -9 the master ─► awaitFailover(): the replica is master and owns the victim's slots, every
 *                          survivor reports cluster_state:ok
 *
 * Every wait is a poll with a deadline (this box has 2 cores and other suites run beside us).
 */

import { LocalCluster, runRedisCli, stripAnsi, type ClusterNode, type NodeKind, type NodeOptions } from '../../bench/harness/cluster-harness';
import { isMaster, keyInSlot, ownedSlots, type NodeLine } from '../../bench/harness/cluster-replies';
import { RawClient } from '../../bench/harness/raw-client';
import { LOOPBACK_HOST } from '../../bench/harness/free-port';
import { delay } from '../../bench/harness/server-process';

export const FAILOVER_NODE_TIMEOUT_MS = 2_000;

/** Polls `probe` every 50 ms until it returns null (done) or the deadline passes; throws with its last detail. */
export async function poll(what: string, deadlineMs: number, probe: () => Promise<string | null>): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last = '';
  for (;;) {
    const detail = await probe().catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
    if (detail === null) return;
    last = detail;
    if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}\n${last}`);
    await delay(50);
  }
}

/** null when every node reports cluster_state:ok, else each node's state. */
export async function allOk(nodes: readonly ClusterNode[]): Promise<string | null> {
  const states = await Promise.all(nodes.map((n) => n.clusterState().catch((e: unknown) => String(e))));
  return states.every((s) => s === 'ok') ? null : nodes.map((n, i) => `${n.label}=${String(states[i])}`).join(' ');
}

export interface Pair {
  master: ClusterNode;
  replica: ClusterNode;
}

/**
 * Starts 2 × pairs.length nodes and makes a cluster whose master/replica pairs are exactly the given
 * kinds: masters first (slots split by redis-cli), then each replica added to its master.
 */
export async function pairedCluster(kinds: ReadonlyArray<readonly [NodeKind, NodeKind]>, options: NodeOptions = {}): Promise<{ cluster: LocalCluster; pairs: Pair[] }> {
  const cluster = await LocalCluster.launch(kinds.flatMap(([m, r]) => [m, r]), options);
  try {
    const pairs: Pair[] = kinds.map((_, i) => ({ master: cluster.node(2 * i), replica: cluster.node(2 * i + 1) }));
    const create = await runRedisCli(['--cluster', 'create', ...pairs.map((p) => `${p.master.host}:${p.master.port}`),
      '--cluster-replicas', '0', '--cluster-yes'], 90_000);
    if (create.code !== 0) throw new Error(`redis-cli --cluster create exited ${String(create.code)}:\n${stripAnsi(create.stdout)}\n${create.stderr}`);
    for (const { master, replica } of pairs) {
      await poll(`${master.label} is ok before adding its replica`, 30_000, () => allOk(pairs.map((p) => p.master)));
      const masterId = (await master.myself()).id;
      const add = await runRedisCli(['--cluster', 'add-node', `${replica.host}:${replica.port}`, `${master.host}:${master.port}`,
        '--cluster-slave', '--cluster-master-id', masterId], 60_000);
      if (add.code !== 0) throw new Error(`redis-cli --cluster add-node ${replica.label} exited ${String(add.code)}:\n${stripAnsi(add.stdout)}\n${add.stderr}`);
      await poll(`${replica.label} replicates ${master.label}`, 30_000, async () => {
        const me = await replica.myself();
        return me.masterId === masterId ? null : `flags ${me.flags.join(',')} master ${me.masterId}`;
      });
    }
    return { cluster, pairs };
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
}

/** The replica's replication link is up (INFO replication), so WAIT can be acknowledged. */
export async function waitLinkUp(replica: ClusterNode, deadlineMs = 30_000): Promise<void> {
  await poll(`${replica.label}: master_link_status:up`, deadlineMs, async () => {
    const info = await replica.callText('INFO', 'replication');
    return /master_link_status:up/.test(info) ? null : info.replace(/\r\n/g, ' ');
  });
}

/**
 * A WAIT barrier on `master`: a SET in one of its slots, then `WAIT 1 timeoutMs` on that connection.
 * Returns WAIT's reply (":1\r\n" when a replica holds every write the master acknowledged before).
 */
export async function waitBarrier(master: ClusterNode, timeoutMs = 5_000): Promise<string> {
  const me = await master.myself();
  const slot = ownedSlots(me)[0];
  if (slot === undefined) throw new Error(`${master.label} owns no slot`);
  const client = await RawClient.connect(master.port, LOOPBACK_HOST, timeoutMs + 5_000);
  try {
    const set = (await client.call('SET', keyInSlot(slot, 'barrier'), String(Date.now()))).toString('latin1');
    if (set !== '+OK\r\n') throw new Error(`${master.label}: barrier SET answered ${set}`);
    return (await client.call('WAIT', '1', String(timeoutMs))).toString('latin1');
  } finally {
    client.close();
  }
}

/**
 * After `victimId` was killed: polls until `replica` is a master owning every slot in `slots` and
 * every survivor reports cluster_state:ok. Returns the ms from `killedAtMs` to each milestone.
 */
export async function awaitFailover(replica: ClusterNode, survivors: readonly ClusterNode[], slots: readonly number[],
  killedAtMs: number, deadlineMs = 45_000): Promise<{ promotedMs: number; allOkMs: number }> {
  await poll(`${replica.label} is promoted and owns the ${slots.length} slots`, deadlineMs, async () => {
    const me = await replica.myself();
    if (!isMaster(me)) return `${replica.label}: flags ${me.flags.join(',')}`;
    const mine = new Set(ownedSlots(me));
    const missing = slots.filter((s) => !mine.has(s)).length;
    return missing === 0 ? null : `${replica.label} is master but misses ${missing} slots`;
  });
  const promotedMs = Date.now() - killedAtMs;
  await poll('every survivor reports cluster_state:ok', deadlineMs, () => allOk(survivors));
  return { promotedMs, allOkMs: Date.now() - killedAtMs };
}

/** Polls until `node` is a replica of `masterId` in its own CLUSTER NODES. */
export async function awaitReplicaOf(node: ClusterNode, masterId: string, deadlineMs = 45_000): Promise<void> {
  await poll(`${node.label} rejoins as a replica of ${masterId.slice(0, 8)}`, deadlineMs, async () => {
    const me = await node.myself();
    return me.masterId === masterId && !isMaster(me) ? null : `flags ${me.flags.join(',')} master ${me.masterId}`;
  });
}

/** The line for `node` as seen by `observer`. */
export async function lineOf(observer: ClusterNode, nodeId: string): Promise<NodeLine | undefined> {
  return (await observer.clusterNodes()).find((n) => n.id === nodeId);
}
