/*
 * Cluster clients through a failover (issue 5, "ioredis and node-redis clients keep working through
 * a failover"): a 3+3 cluster with cluster-node-timeout 2000, a client running a steady loop of
 * SET k, GET k over keys spread across all slots, and one master killed with SIGKILL.
 *
 *   loop ──ok──ok──ok──┬─ WAIT barrier ─ kill -9 ─ errors allowed ─ promoted, all ok ─┬─ 100 ok in a row
 *                      │  on each master                                              │  (within a deadline)
 *                      └ keys acknowledged here must all survive                      └ then every one is read back
 *
 * node-redis is a todo: see the note at its test. A client earns its pass by following the new topology on its own (MOVED, slot refresh after the
 * dead node's connection drops); the test never tells it that anything changed. With
 * HASHSLOT_CLUSTER_TARGET=redis all six nodes are redis-server, which checks the test itself.
 */
import t from 'tap';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { clusterTarget, LocalCluster, missingPrerequisite, RedirectingClient, type ClusterNode } from '../../bench/harness/cluster-harness';
import { isMaster, keySlot, ownedSlots, type NodeLine } from '../../bench/harness/cluster-replies';
import { awaitFailover, FAILOVER_NODE_TIMEOUT_MS, poll, waitBarrier, waitLinkUp } from './failover-support';
import { delay } from '../../bench/harness/server-process';

const kind = clusterTarget();
const problem = missingPrerequisite([kind]);
/** An op that takes longer counts as failed, so a command queued for a dead node cannot stall the loop. */
const OP_TIMEOUT_MS = 1_500;
const CONSECUTIVE_OK = 100;
const WARMUP_OPS = 200;

interface ClientUnderTest {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<string | null>;
  close(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  promise.catch(() => undefined); // a late rejection after the timeout is not unhandled
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply within ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e instanceof Error ? e : new Error(String(e))); });
  });
}

/** The steady SET/GET loop and what it saw. */
class Workload {
  private stopped = false;
  private done: Promise<void> = Promise.resolve();
  ops = 0;
  okOps = 0;
  consecutiveOk = 0;
  /** Consecutive ok ops whose key lives in `watchedSlots` (the victim's, once it is known). */
  consecutiveOkWatched = 0;
  watchedSlots = new Set<number>();
  readonly errors = new Map<string, number>();
  /** Keys whose SET was acknowledged, in order. */
  readonly acked: Array<[string, string]> = [];

  constructor(private readonly client: ClientUnderTest, private readonly prefix: string) {}

  start(): void {
    this.done = (async () => {
      for (let i = 0; !this.stopped; i++) {
        const key = `${this.prefix}:${i}`;
        const value = `v${i}`;
        this.ops++;
        try {
          const set = await withTimeout(this.client.set(key, value), OP_TIMEOUT_MS);
          if (set !== 'OK') throw new Error(`SET answered ${String(set)}`);
          this.acked.push([key, value]);
          const got = await withTimeout(this.client.get(key), OP_TIMEOUT_MS);
          if (got !== value) throw new Error(`GET right after SET answered ${String(got)}`);
          this.okOps++;
          this.consecutiveOk++;
          if (this.watchedSlots.has(keySlot(key))) this.consecutiveOkWatched++;
        } catch (err) {
          const text = (err instanceof Error ? err.message : String(err)).replace(/\d+/g, 'N').slice(0, 120);
          this.errors.set(text, (this.errors.get(text) ?? 0) + 1);
          this.consecutiveOk = 0;
          this.consecutiveOkWatched = 0;
          await delay(20); // a failing client answers fast: do not spin
        }
      }
    })();
  }

  resetStreak(): void {
    this.consecutiveOk = 0;
    this.consecutiveOkWatched = 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  errorSummary(): string {
    return [...this.errors].map(([text, n]) => `${n}× ${text}`).join('; ') || 'none';
  }
}

async function scenario(t: tap.Test, name: string, connect: (entryPort: number) => Promise<ClientUnderTest>, recoverDeadlineMs = 30_000): Promise<void> {
  const cluster = (await LocalCluster.launch(Array.from({ length: 6 }, () => kind), { nodeTimeoutMs: FAILOVER_NODE_TIMEOUT_MS })).attach(t);
  await cluster.createOrThrow(1);
  await cluster.waitForOk(30_000);
  const view: NodeLine[] = await cluster.waitForAgreement(6, 30_000);
  const masters = view.filter(isMaster).map((m) => cluster.byPort(m.port));
  for (const r of view.filter((n) => !isMaster(n))) await waitLinkUp(cluster.byPort(r.port));

  const victimLine = view.find((n) => isMaster(n) && ownedSlots(n).includes(0));
  const replicaLine = view.find((n) => n.masterId === victimLine?.id);
  if (victimLine === undefined || replicaLine === undefined) throw new Error('no master of slot 0 with a replica');
  const victim = cluster.byPort(victimLine.port);
  const replica = cluster.byPort(replicaLine.port);
  const survivors = cluster.nodes.filter((n) => n !== victim);
  const victimSlots = ownedSlots(victimLine);
  const entry: ClusterNode = survivors[0] as ClusterNode;

  const client = await connect(entry.port);
  const workload = new Workload(client, `${name}-fo`);
  workload.watchedSlots = new Set(victimSlots);
  t.teardown(async () => {
    await workload.stop();
    await client.close().catch(() => undefined);
  });
  workload.start();
  await poll(`${name}: ${WARMUP_OPS} ok ops before the kill`, 30_000, async () =>
    (workload.okOps >= WARMUP_OPS ? null : `${workload.okOps} ok of ${workload.ops}; errors ${workload.errorSummary()}`));
  t.equal(workload.errors.size, 0, `${name}: no error before the kill`, { errors: workload.errorSummary() });

  // Every key acknowledged up to here is covered by the barrier on its master.
  const covered = workload.acked.slice();
  for (const master of masters) t.equal(await waitBarrier(master), ':1\r\n', `WAIT barrier on ${master.label}: acknowledged by a replica`);
  t.ok(covered.some(([k]) => workload.watchedSlots.has(keySlot(k))), 'some covered keys live in the victim\'s slots');

  const killedAt = Date.now();
  await victim.kill('SIGKILL');
  const timing = await awaitFailover(replica, survivors, victimSlots, killedAt);
  t.comment(`kill -9 ${victim.label}: ${replica.label} promoted after ${timing.promotedMs} ms, all survivors ok after ${timing.allOkMs} ms`);

  workload.resetStreak();
  const okAt = Date.now();
  await poll(`${name}: ${CONSECUTIVE_OK} consecutive ok ops after the failover`, recoverDeadlineMs, async () =>
    (workload.consecutiveOk >= CONSECUTIVE_OK && workload.consecutiveOkWatched > 0 ? null
      : `streak ${workload.consecutiveOk} (${workload.consecutiveOkWatched} in the victim's slots); errors so far ${workload.errorSummary()}`));
  t.comment(`${name}: ${CONSECUTIVE_OK} ok in a row ${Date.now() - okAt} ms after all-ok; errors during the failover: ${workload.errorSummary()}`);
  t.pass(`${name} works again after the failover (${CONSECUTIVE_OK} consecutive SET+GET, ${workload.consecutiveOkWatched} on the promoted replica's slots)`);
  await workload.stop();

  let lostViaClient = 0;
  for (const [key, value] of covered) if ((await withTimeout(client.get(key), OP_TIMEOUT_MS * 4).catch(() => null)) !== value) lostViaClient++;
  t.equal(lostViaClient, 0, `every one of the ${covered.length} WAIT-covered keys read back through ${name}`);
  const reader = new RedirectingClient();
  let lostRaw = 0;
  try {
    for (const [key, value] of covered) {
      if ((await reader.call(replica.port, 'GET', key)).toString('latin1') !== `$${value.length}\r\n${value}\r\n`) lostRaw++;
    }
  } finally {
    reader.close();
  }
  t.equal(lostRaw, 0, `and through MOVED-following raw connections`);
}

async function connectIoredis(entryPort: number): Promise<ClientUnderTest> {
  const client = new Cluster([{ host: '127.0.0.1', port: entryPort }], {
    slotsRefreshTimeout: 2_000,
    redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 1_000 },
  });
  client.on('error', () => undefined); // failures show up in the rejected commands
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('end', () => reject(new Error('ioredis Cluster ended before ready')));
  });
  return { set: (k, v) => client.set(k, v), get: (k) => client.get(k), close: async () => void client.disconnect() };
}

async function connectNodeRedis(entryPort: number): Promise<ClientUnderTest> {
  const client = createCluster({
    rootNodes: [{ url: `redis://127.0.0.1:${entryPort}` }],
    defaults: { socket: { connectTimeout: 1_000 } },
  });
  client.on('error', () => undefined); // failures show up in the rejected commands
  await client.connect();
  return { set: (k, v) => client.set(k, v), get: (k) => client.get(k), close: () => client.disconnect() };
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test(`ioredis Cluster keeps working through kill -9 of a master (${kind})`, (t) => scenario(t, 'ioredis', connectIoredis));
  // node-redis 4.7 (@redis/client 1.6) refreshes its slot map only on a MOVED or ASK reply
  // (cluster/index.js, cluster-slots.js `rediscover`). The dead master's slots stay mapped to its
  // client, whose commands wait in the offline queue while it reconnects forever, so no MOVED ever
  // comes: the same happens against an all-redis-server cluster. tap does not run a todo test; drop
  // the todo to try a node-redis that rediscovers after losing a node (the deadline is kept short).
  t.test(`node-redis createCluster keeps working through kill -9 of a master (${kind})`,
    { todo: 'node-redis 4.7 rediscovers slots only on MOVED/ASK, so it never leaves the dead master (also against redis-server)' },
    (t) => scenario(t, 'node-redis', connectNodeRedis, 10_000));
}
