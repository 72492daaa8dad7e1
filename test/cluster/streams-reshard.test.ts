/*
 * Streams with consumer groups across a reshard (issue 19). A 3-master cluster holds 24 streams
 * spread over the slot space, each with entries, a deleted entry, two groups, pending entries
 * of two consumers and some acknowledged. Then `redis-cli --cluster rebalance` empties the first
 * master (weight 0) and a second rebalance spreads the slots back, so every stream travels
 * by MIGRATE (DUMP/RESTORE of RDB type 19, groups and PELs included) at least once, and in the
 * mixed variant between redis-server and hashslot in both directions.
 *
 * After each move every stream must read back the same through ioredis's cluster client: its
 * entries, XINFO GROUPS (last-delivered-id, entries-read, lag, pending), XPENDING in both forms,
 * the consumers' pending counts; and the groups must go on: reading the rest with `>` and
 * acknowledging everything leaves nothing pending.
 *
 * Variants from HASHSLOT_RESHARD_KINDS (default redis,hashslot,mixed): redis checks the test.
 */

import t from 'tap';
import { Cluster } from 'ioredis';
import { LocalCluster, missingPrerequisite, type ClusterNode } from '../../bench/harness/cluster-harness';
import { address, clusterCli, selectedVariants, waitForMembers } from './resharding-support';

const STREAMS = 24;
const ENTRIES = 60;
const VARIANT_TIMEOUT_MS = 120_000;
const variants = selectedVariants(3);
const problem = missingPrerequisite(['redis', 'hashslot']);

t.setTimeout(VARIANT_TIMEOUT_MS * variants.length + 30_000);

const streamKey = (i: number): string => `stream:${i}`;

/** What one stream reads back as, minus what changes with time (idle times). */
async function snapshot(io: Cluster, key: string): Promise<unknown> {
  const consumers = (await io.call('XINFO', 'CONSUMERS', key, 'g')) as unknown[][];
  return {
    entries: await io.xrange(key, '-', '+'),
    length: await io.xlen(key),
    groups: await io.call('XINFO', 'GROUPS', key),
    pendingSummary: await io.call('XPENDING', key, 'g'),
    pending: ((await io.call('XPENDING', key, 'g', '-', '+', '100')) as unknown[][]).map((row) => [row[0], row[1], row[3]]),
    // name, pending: the fields of XINFO CONSUMERS that do not move with the clock.
    consumers: consumers.map((fields) => [fields[1], fields[3]]),
  };
}

async function fill(io: Cluster): Promise<void> {
  for (let i = 0; i < STREAMS; i++) {
    const key = streamKey(i);
    for (let n = 1; n <= ENTRIES; n++) await io.xadd(key, `${n}-1`, 'n', String(n), 'stream', key);
    await io.xdel(key, '7-1');
    await io.xgroup('CREATE', key, 'g', '0');
    await io.call('XGROUP', 'CREATE', key, 'late', '$', 'ENTRIESREAD', String(ENTRIES - 1));
    const first = (await io.xreadgroup('GROUP', 'g', 'alice', 'COUNT', '20', 'STREAMS', key, '>')) as [string, [string, string[]][]][];
    await io.xreadgroup('GROUP', 'g', 'bob', 'COUNT', '5', 'STREAMS', key, '>');
    const ids = (first[0]?.[1] ?? []).map(([id]) => id);
    await io.xack(key, 'g', ...ids.slice(0, 8));
  }
}

async function snapshots(io: Cluster): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < STREAMS; i++) out.push(await snapshot(io, streamKey(i)));
  return out;
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  for (const variant of variants) {
    t.test(`streams with consumer groups keep their state across a reshard (${variant.name}: ${variant.kinds.join(',')})`, async (t) => {
      t.setTimeout(VARIANT_TIMEOUT_MS);
      const cluster = (await LocalCluster.launch(variant.kinds)).attach(t);
      const nodes = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
      const [m1, m2, m3] = nodes;
      const create = await clusterCli(['create', address(m1), address(m2), address(m3), '--cluster-replicas', '0', '--cluster-yes']);
      t.equal(create.code, 0, 'create', { output: create.out });
      const view = await waitForMembers(cluster, nodes);
      const firstId = view.find((line) => line.port === m1.port)?.id;
      if (firstId === undefined) throw new Error('no id for the first master');

      const io = new Cluster([{ host: '127.0.0.1', port: m2.port }], { slotsRefreshTimeout: 5_000, redisOptions: { maxRetriesPerRequest: 5 } });
      t.teardown(() => io.disconnect());
      await fill(io);
      const before = await snapshots(io);
      const onFirst = Number((await m1.call('DBSIZE')).toString('latin1').slice(1));
      t.ok(onFirst > 0, `the first master holds ${onFirst} of the streams`);

      // An emptied master stays a master (by default Redis 7.0 turns it into a replica of the
      // node that took its last slot), so the second rebalance can give it slots back.
      for (const node of nodes) await node.call('CONFIG', 'SET', 'cluster-allow-replica-migration', 'no');
      const emptied = await clusterCli(['rebalance', address(m2), '--cluster-weight', `${firstId}=0`]);
      t.equal(emptied.code, 0, 'rebalance with the first master at weight 0', { output: emptied.out.slice(-3000) });
      await waitForMembers(cluster, nodes, 60_000);
      t.equal((await m1.call('DBSIZE')).toString('latin1'), ':0\r\n', 'the first master gave every stream away');
      t.same(await snapshots(io), before, 'every stream, group and pending list read back the same after moving off the first master');

      const spread = await clusterCli(['rebalance', address(m2), '--cluster-use-empty-masters']);
      t.equal(spread.code, 0, 'rebalance back over three masters', { output: spread.out.slice(-3000) });
      await waitForMembers(cluster, nodes, 60_000);
      t.not((await m1.call('DBSIZE')).toString('latin1'), ':0\r\n', 'the first master holds streams again', { output: spread.out.slice(-3000) });
      t.same(await snapshots(io), before, 'and again after moving back');

      // The groups go on where they were: the rest of the entries, then everything acknowledged.
      for (let i = 0; i < STREAMS; i++) {
        const key = streamKey(i);
        const rest = (await io.xreadgroup('GROUP', 'g', 'carol', 'COUNT', '100', 'STREAMS', key, '>')) as [string, [string, string[]][]][];
        const ids = (rest[0]?.[1] ?? []).map(([id]) => id);
        if (ids.length !== ENTRIES - 1 - 25) t.fail(`${key}: ${ids.length} new entries for carol`);
        const pending = ((await io.call('XPENDING', key, 'g', '-', '+', '200')) as unknown[][]).map((row) => String(row[0]));
        await io.xack(key, 'g', ...pending);
        const summary = (await io.call('XPENDING', key, 'g')) as unknown[];
        if (summary[0] !== 0) t.fail(`${key}: ${String(summary[0])} still pending`);
      }
      t.pass('every group read the rest and acknowledged everything');
    });
  }
}
