/*
 * `redis-cli --cluster import` (issue 13): the keys of a standalone server moved (or copied) into
 * a cluster, the real redis-cli 7.0 driving the nodes as an operator would. redis-cli SCANs the
 * source and sends it one `MIGRATE <owner> <port> <key> 0 <timeout> [COPY] [REPLACE]` per key, so
 * this exercises MIGRATE from a standalone server into cluster nodes (RESTORE of a key into the
 * slot the node owns) and the source's INFO, SCAN and DBSIZE as redis-cli reads them:
 *
 *   source ──MIGRATE per key──▶ the master owning the key's slot
 *
 * For each source kind (a standalone redis-server and a standalone hashslot), in order:
 *
 *   plain        every key arrives at its slot's owner (each "Migrating <key> to <owner>: OK"
 *                line names the master our own CRC16 picks), DUMP bytes and TTL as the source
 *                had them; the source is left empty
 *   --cluster-copy     the same, and the source keeps every key unchanged
 *   conflict     the source's keys rewritten while the cluster holds them all: redis-cli stops
 *                at the first key with the target's BUSYKEY text and exit status 1, whatever
 *                key SCAN gave first; nothing changes on either side
 *   --cluster-replace  now every key is overwritten with the source's version; source empty
 *
 * plus redis-cli's refusal of a cluster node as the source, and an empty source. The order in
 * which SCAN hands out keys differs between any two servers, so output is compared line by line
 * as a set, never as text.
 *
 * Run per cluster variant (HASHSLOT_RESHARD_KINDS: redis, hashslot, mixed): the redis one checks
 * the test itself. Keys: HASHSLOT_IMPORT_KEYS (default 400).
 */

import t from 'tap';
import { LocalCluster, missingPrerequisite, type ClusterNode } from '../../bench/harness/cluster-harness';
import { compareSnapshots, datasetKey, keysWithTtl, loadDataset, slotOwnerPorts, snapshotDataset, type Snapshot } from '../../bench/harness/cluster-dataset';
import { keySlot, type NodeLine } from '../../bench/harness/cluster-replies';
import { startHashslotLikeRedis } from '../../bench/harness/hashslot-process';
import { RawClient } from '../../bench/harness/raw-client';
import { startRealRedis } from '../../bench/harness/real-redis';
import { encodeCommands, type Arg } from '../../bench/harness/resp';
import type { ServerProcess } from '../../bench/harness/server-process';
import { address, clusterCli, dbsizeSum, selectedVariants, standaloneView, waitForMembers } from './resharding-support';

const KEYS = Number(process.env['HASHSLOT_IMPORT_KEYS'] ?? 400);
const VARIANT_TIMEOUT_MS = 120_000;
const SOURCE_KINDS = ['redis', 'hashslot'] as const;
const BUSYKEY = 'ERR Target instance replied with error: BUSYKEY Target key name already exists.';
const variants = selectedVariants(3);
const problem = missingPrerequisite(['redis', 'hashslot']);

t.setTimeout(VARIANT_TIMEOUT_MS * variants.length + 30_000);

/** Sends the commands in one write and reads all their replies; throws on an error reply. */
async function pipeline(port: number, commands: readonly Arg[][]): Promise<void> {
  const client = await RawClient.connect(port);
  try {
    client.write(encodeCommands(commands));
    const error = (await client.readReplies(commands.length, 30_000)).find((r) => r[0] === 0x2d);
    if (error !== undefined) throw new Error(`port ${port}: ${error.toString('latin1').trim()}`);
  } finally {
    client.close();
  }
}

async function dbsize(port: number): Promise<number> {
  const client = await RawClient.connect(port);
  try {
    return Number((await client.call('DBSIZE')).toString('latin1').slice(1));
  } finally {
    client.close();
  }
}

/** "Migrating <key> to 127.0.0.1:<port>: OK" lines, as key → port. */
function migratedKeys(out: string): Map<string, number> {
  return new Map([...out.matchAll(/^Migrating (\S+) to 127\.0\.0\.1:(\d+): OK$/gm)].map((m) => [m[1] ?? '', Number(m[2])]));
}

/** The keys whose "Migrating" line names a master other than the one owning their slot. */
function misrouted(view: readonly NodeLine[], migrated: ReadonlyMap<string, number>): string[] {
  const owners = slotOwnerPorts(view);
  return [...migrated].filter(([key, port]) => owners[keySlot(key)] !== port).map(([key, port]) => `${key} -> ${port}`);
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  for (const variant of variants) {
    t.test(`import from standalone servers into a cluster (${variant.name}: ${variant.kinds.join(',')})`, async (t) => {
      t.setTimeout(VARIANT_TIMEOUT_MS);
      const cluster = (await LocalCluster.launch(variant.kinds)).attach(t);
      const masters = cluster.nodes;
      const [entry] = masters as [ClusterNode];
      const created = await clusterCli(['create', ...masters.map(address), '--cluster-replicas', '0', '--cluster-yes']);
      t.equal(created.code, 0, 'create', { output: created.out.slice(-2000) });
      const view = await waitForMembers(cluster, masters);
      const flushCluster = async (): Promise<void> => {
        for (const node of masters) await node.call('FLUSHALL');
      };
      /** The cluster's keys against `reference`: every DUMP and TTL, and nothing else there. */
      const compareCluster = async (what: string, reference: Snapshot): Promise<void> => {
        const diff = compareSnapshots(reference, await snapshotDataset(view, KEYS));
        t.same({ missing: diff.missing, dumpDiffers: diff.dumpDiffers, ttlDiffers: diff.ttlDiffers },
          { missing: 0, dumpDiffers: 0, ttlDiffers: 0 }, `${what}: every key's DUMP and TTL as the source had them`, { examples: diff.examples });
        t.equal(await dbsizeSum(masters), KEYS, `${what}: the masters hold ${KEYS} keys`);
      };

      for (const sourceKind of SOURCE_KINDS) {
        const source: ServerProcess = sourceKind === 'redis' ? await startRealRedis() : await startHashslotLikeRedis();
        t.teardown(() => source.stop());
        const from = `127.0.0.1:${source.port}`;
        const sourceView = standaloneView(source.port);
        const label = `from a standalone ${sourceKind}`;
        const importRun = (...options: string[]) => clusterCli(['import', address(entry), '--cluster-from', from, ...options]);
        const expectAllMigrated = (what: string, out: string): void => {
          t.match(out, `*** Importing ${KEYS} keys from DB 0`, `${what}: redis-cli counted the source's keys`);
          const migrated = migratedKeys(out);
          t.equal(migrated.size, KEYS, `${what}: one "Migrating ... OK" line per key`);
          t.same(misrouted(view, migrated), [], `${what}: each key went to its slot's master`);
        };

        // Plain: the keys move.
        await loadDataset(sourceView, KEYS);
        const reference = await snapshotDataset(sourceView, KEYS);
        t.ok(keysWithTtl(reference) > KEYS / 8, `${label}: ${keysWithTtl(reference)} keys with a TTL`);
        const plain = await importRun();
        t.equal(plain.code, 0, `${label}, plain: exits 0 (${plain.ms} ms)`, { output: plain.out.slice(-3000) });
        expectAllMigrated(`${label}, plain`, plain.out);
        t.equal(await dbsize(source.port), 0, `${label}, plain: the source is left empty`);
        await compareCluster(`${label}, plain`, reference);

        // --cluster-copy: the keys are copied, the source keeps them.
        await flushCluster();
        await loadDataset(sourceView, KEYS);
        const copied = await snapshotDataset(sourceView, KEYS);
        const copy = await importRun('--cluster-copy');
        t.equal(copy.code, 0, `${label}, --cluster-copy: exits 0 (${copy.ms} ms)`, { output: copy.out.slice(-3000) });
        expectAllMigrated(`${label}, --cluster-copy`, copy.out);
        const kept = compareSnapshots(copied, await snapshotDataset(sourceView, KEYS));
        t.same([kept.missing, kept.dumpDiffers, kept.ttlDiffers], [0, 0, 0], `${label}, --cluster-copy: the source keeps every key`, { examples: kept.examples });
        await compareCluster(`${label}, --cluster-copy`, copied);

        // Every key now exists on both sides; the source's versions change (strings, some with a TTL).
        const rewrite: Arg[][] = [];
        for (let i = 0; i < KEYS; i++) {
          rewrite.push(['SET', datasetKey(i), `rewritten-${i}`]);
          if (i % 3 === 0) rewrite.push(['PEXPIRE', datasetKey(i), '600000']);
        }
        await pipeline(source.port, rewrite);
        const rewritten = await snapshotDataset(sourceView, KEYS);
        const conflict = await importRun();
        const attempts = [...conflict.out.matchAll(/^Migrating \S+ to 127\.0\.0\.1:\d+: /gm)].length;
        t.equal(conflict.code, 1, `${label}, keys already there: exits 1`, { output: conflict.out.slice(-3000) });
        t.equal(attempts, 1, `${label}, keys already there: stops at the first key`);
        t.match(conflict.out, new RegExp(`^Migrating \\S+ to 127\\.0\\.0\\.1:\\d+: Source ${from.replace(/\./g, '\\.')} replied with error:\\n${BUSYKEY.replace(/\./g, '\\.')}$`, 'm'),
          `${label}, keys already there: the target's BUSYKEY, as the source relayed it`);
        t.equal(await dbsize(source.port), KEYS, `${label}, keys already there: the source keeps its keys`);
        await compareCluster(`${label}, keys already there: the cluster unchanged`, copied);

        // --cluster-replace: the source's versions win.
        const replace = await importRun('--cluster-replace');
        t.equal(replace.code, 0, `${label}, --cluster-replace: exits 0 (${replace.ms} ms)`, { output: replace.out.slice(-3000) });
        expectAllMigrated(`${label}, --cluster-replace`, replace.out);
        t.equal(await dbsize(source.port), 0, `${label}, --cluster-replace: the source is left empty`);
        await compareCluster(`${label}, --cluster-replace`, rewritten);

        // An empty source: nothing to do, exit 0.
        const empty = await importRun();
        t.equal(empty.code, 0, `${label}, empty source: exits 0`, { output: empty.out.slice(-2000) });
        t.match(empty.out, '*** Importing 0 keys from DB 0', `${label}, empty source: 0 keys`);
        await flushCluster();
        await source.stop();
      }

      // A cluster node is no source: redis-cli reads cluster_enabled:1 from its INFO.
      const other = masters[1] as ClusterNode;
      const refused = await clusterCli(['import', address(entry), '--cluster-from', address(other)]);
      t.equal(refused.code, 1, 'a cluster node as the source: exits 1');
      t.match(refused.out, '[ERR] The source node should not be a cluster node.', 'a cluster node as the source: refused');
    });
  }
}
