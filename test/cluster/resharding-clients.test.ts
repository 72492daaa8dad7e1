/*
 * Applications writing through a rebalance. A 3-master cluster holding 20,000 keys gets a 4th
 * empty master and `redis-cli --cluster rebalance --cluster-use-empty-masters` moves a quarter of
 * the slots to it, key by key with MIGRATE. Meanwhile the two Node cluster clients people use,
 * ioredis's Cluster and node-redis's createCluster, each run workers that loop:
 *
 *   SET <client>:s:<worker>:<n> <value>   a new key every time, remembered once acknowledged
 *   INCR <client>:c:<worker>:<n % 50>     50 counters per worker, acknowledged increments counted
 *   GET of an acknowledged key            must return its value at once
 *
 * Those keys hash all over the slot space, so many of them land in slots being moved: the clients
 * must follow ASK (key already moved, slot still open) and MOVED (slot assigned) on their own.
 * At the end the application must have seen zero failed commands, and every acknowledged SET and
 * every counter must read back exactly, through each client.
 *
 * Variants from HASHSLOT_RESHARD_KINDS (default redis,hashslot,mixed): redis checks the test.
 */

import t from 'tap';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { LocalCluster, missingPrerequisite, type ClusterNode } from '../../bench/harness/cluster-harness';
import { loadDataset } from '../../bench/harness/cluster-dataset';
import { ownedSlots } from '../../bench/harness/cluster-replies';
import { address, clusterCli, selectedVariants, waitForMembers } from './resharding-support';

const PRELOADED_KEYS = 20_000;
const WORKERS_PER_CLIENT = 8;
const COUNTERS_PER_WORKER = 50;
const VARIANT_TIMEOUT_MS = 100_000;
const variants = selectedVariants(4);
const problem = missingPrerequisite(['redis', 'hashslot']);

t.setTimeout(VARIANT_TIMEOUT_MS * variants.length + 30_000);

/** What a worker needs from a client library. */
interface Ops {
  set(key: string, value: string): Promise<unknown>;
  incr(key: string): Promise<number>;
  get(key: string): Promise<string | null>;
}

/** The application's own record of what the cluster acknowledged, and what went wrong. */
class Ledger {
  readonly values = new Map<string, string>();
  readonly counters = new Map<string, number>();
  failures = 0;
  wrongReads = 0;
  commands = 0;
  readonly examples: string[] = [];

  fail(what: string, err: unknown): void {
    this.failures++;
    if (this.examples.length < 5) this.examples.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** One worker: SET, INCR, GET of an earlier key, until `running()` turns false. */
async function worker(prefix: string, index: number, ops: Ops, ledger: Ledger, running: () => boolean): Promise<void> {
  let n = 0;
  const mine: string[] = [];
  while (running()) {
    const key = `${prefix}:s:${index}:${n}`;
    const value = `v${n}-${key}`;
    try {
      await ops.set(key, value);
      ledger.values.set(key, value);
      mine.push(key);
    } catch (err) {
      ledger.fail(`SET ${key}`, err);
    }
    const counter = `${prefix}:c:${index}:${n % COUNTERS_PER_WORKER}`;
    try {
      await ops.incr(counter);
      ledger.counters.set(counter, (ledger.counters.get(counter) ?? 0) + 1);
    } catch (err) {
      ledger.fail(`INCR ${counter}`, err);
    }
    const earlier = mine[Math.floor(Math.random() * mine.length)];
    if (earlier !== undefined) {
      try {
        const got = await ops.get(earlier);
        if (got !== ledger.values.get(earlier)) {
          ledger.wrongReads++;
          if (ledger.examples.length < 5) ledger.examples.push(`GET ${earlier} -> ${String(got)}`);
        }
      } catch (err) {
        ledger.fail(`GET ${earlier}`, err);
      }
    }
    ledger.commands += 3;
    n++;
  }
}

/** Every acknowledged SET and counter read back through `ops`; the mismatches. */
async function verify(ops: Ops, ledger: Ledger): Promise<string[]> {
  const wrong: string[] = [];
  const entries = [...ledger.values];
  for (let i = 0; i < entries.length; i += 200) {
    await Promise.all(entries.slice(i, i + 200).map(async ([key, value]) => {
      const got = await ops.get(key);
      if (got !== value) wrong.push(`${key}: ${String(got)} != ${value}`);
    }));
  }
  for (const [key, count] of ledger.counters) {
    const got = await ops.get(key);
    if (got !== String(count)) wrong.push(`${key}: ${String(got)} != ${count}`);
  }
  return wrong;
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  for (const variant of variants) {
    t.test(`ioredis and node-redis keep working through a rebalance (${variant.name}: ${variant.kinds.join(',')})`, async (t) => {
      t.setTimeout(VARIANT_TIMEOUT_MS);
      const cluster = (await LocalCluster.launch(variant.kinds)).attach(t);
      const [m1, m2, m3, fourth] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode, ClusterNode];
      const create = await clusterCli(['create', address(m1), address(m2), address(m3), '--cluster-replicas', '0', '--cluster-yes']);
      t.equal(create.code, 0, 'create', { output: create.out });
      const view = await waitForMembers(cluster, [m1, m2, m3]);
      await loadDataset(view, PRELOADED_KEYS);
      // Through a hashslot node where there is one: redis-cli then skips copying functions, which
      // a hashslot node cannot receive (resharding-lifecycle.test.ts reports that step).
      const ref = [m1, m2, m3].find((n) => n.kind === 'hashslot') ?? m1;
      const added = await clusterCli(['add-node', address(fourth), address(ref)]);
      t.equal(added.code, 0, 'add-node', { output: added.out });
      await waitForMembers(cluster, [m1, m2, m3, fourth]);

      const io = new Cluster([{ host: '127.0.0.1', port: m1.port }], {
        slotsRefreshTimeout: 5_000,
        redisOptions: { maxRetriesPerRequest: 5 },
      });
      const nr = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${m1.port}` }] });
      nr.on('error', () => undefined);
      await nr.connect();
      t.teardown(async () => {
        io.disconnect();
        await nr.disconnect().catch(() => undefined);
      });
      const ioOps: Ops = { set: (k, v) => io.set(k, v), incr: (k) => io.incr(k), get: (k) => io.get(k) };
      const nrOps: Ops = { set: (k, v) => nr.set(k, v), incr: (k) => nr.incr(k), get: (k) => nr.get(k) };
      const ledgers = { ioredis: new Ledger(), 'node-redis': new Ledger() };
      let running = true;
      const workers = [
        ...Array.from({ length: WORKERS_PER_CLIENT }, (_, i) => worker('io', i, ioOps, ledgers.ioredis, () => running)),
        ...Array.from({ length: WORKERS_PER_CLIENT }, (_, i) => worker('nr', i, nrOps, ledgers['node-redis'], () => running)),
      ];

      // Let both clients get going, so commands are in flight when the first slot opens.
      await cluster.waitFor('both clients acknowledged writes', 20_000, async () => ({
        ok: ledgers.ioredis.values.size > 100 && ledgers['node-redis'].values.size > 100,
        detail: `${ledgers.ioredis.values.size} / ${ledgers['node-redis'].values.size}`,
      }));
      const rebalance = await clusterCli(['rebalance', address(m1), '--cluster-use-empty-masters']);
      running = false;
      await Promise.all(workers);
      t.equal(rebalance.code, 0, `rebalance exits 0 (${rebalance.ms} ms)`, { output: rebalance.out.slice(-4000) });
      t.notMatch(rebalance.out, '[ERR]');
      const after = await waitForMembers(cluster, [m1, m2, m3, fourth], 60_000);
      const fourthLine = after.find((l) => l.port === fourth.port);
      const fourthSlots = fourthLine === undefined ? 0 : ownedSlots(fourthLine).length;
      t.ok(fourthSlots >= 4000, `the 4th master took ${fourthSlots} slots`);

      for (const [name, ledger] of Object.entries(ledgers)) {
        t.comment(`${name}: ${ledger.commands} commands during the rebalance, ${ledger.values.size} keys set, ${ledger.counters.size} counters`);
        t.equal(ledger.failures, 0, `${name}: no command failed`, { examples: ledger.examples });
        t.equal(ledger.wrongReads, 0, `${name}: every read during the rebalance saw the acknowledged value`, { examples: ledger.examples });
        t.ok(ledger.values.size > 200, `${name}: kept writing (${ledger.values.size} keys)`);
        for (const [reader, ops] of [['ioredis', ioOps], ['node-redis', nrOps]] as const) {
          const wrong = await verify(ops, ledger);
          t.same(wrong.slice(0, 5), [], `${name}'s acknowledged writes all read back through ${reader} (${wrong.length} wrong)`);
        }
      }
    });
  }
}
