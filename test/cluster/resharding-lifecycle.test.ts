/*
 * A cluster's whole resharding life, done with the real `redis-cli --cluster` the way an operator
 * does it, while a dataset of every key type must come through each step byte for byte:
 *
 *   create 3 masters ─► load N keys (strings, hashes, lists, sets, sorted sets; every 7th with a
 *        │              TTL of minutes) and keep a reference: DUMP payload + PTTL of every key
 *        ▼
 *   add-node a 4th empty master ─► rebalance --cluster-use-empty-masters ─► check, compare
 *        ▼
 *   reshard 1,000 slots from the 4th to the 1st (--cluster-pipeline 100) ─► check, compare
 *        ▼
 *   reshard the 4th's remaining slots to the 2nd (the 4th then turns into the 2nd's replica, as
 *        │   Redis 7.0 does) ─► check, compare ─► del-node the 4th ─► check, compare
 *        ▼
 *   add-node a replica of the 1st (--cluster-slave), in sync ─► del-node it
 *        ▼
 *   info (key count), call <node> DBSIZE (the sum), set-timeout (every node's CONFIG GET; the
 *   CONFIG REWRITE redis-cli sends after it fails without a config file, on redis-server too)
 *
 * "Compare" = every key's DUMP bytes equal to the reference, its TTL within the time elapsed, and
 * the masters' DBSIZEs summing to N. Each step waits until the members agree on one cluster and
 * say cluster_state:ok before reading anything.
 *
 * Run per variant (HASHSLOT_RESHARD_KINDS, default redis,hashslot,mixed), one subtest each; the
 * mixed one alternates redis-server and hashslot (the 4th master is hashslot, the replica redis).
 * The key count is HASHSLOT_RESHARD_KEYS (default 100,000).
 */

import t from 'tap';
import { LocalCluster, missingPrerequisite, type ClusterNode } from '../../bench/harness/cluster-harness';
import { compareSnapshots, keysWithTtl, loadDataset, snapshotDataset, type Snapshot } from '../../bench/harness/cluster-dataset';
import { infoField, isMaster, isReplica, ownedSlots, type NodeLine } from '../../bench/harness/cluster-replies';
import { address, clusterCli, dbsizeSum, selectedVariants, waitForMembers } from './resharding-support';

const KEYS = Number(process.env['HASHSLOT_RESHARD_KEYS'] ?? 100_000);
/** Per variant; the file's tap timeout is raised to cover all of them. */
const VARIANT_TIMEOUT_MS = 150_000;
const variants = selectedVariants(5);
const problem = missingPrerequisite(['redis', 'hashslot']);

t.setTimeout(VARIANT_TIMEOUT_MS * variants.length + 30_000);

if (problem !== null) {
  t.plan(0, problem);
} else {
  for (const variant of variants) {
    t.test(`resharding lifecycle with ${KEYS} keys (${variant.name}: ${variant.kinds.join(',')})`, async (t) => {
      t.setTimeout(VARIANT_TIMEOUT_MS);
      const cluster = (await LocalCluster.launch(variant.kinds)).attach(t);
      const [m1, m2, m3, fourth, replica] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode, ClusterNode, ClusterNode];
      const timings: string[] = [];

      /** Runs a redis-cli --cluster step; it must exit 0 and print no [ERR]. */
      const step = async (what: string, args: readonly string[]): Promise<string> => {
        const run = await clusterCli(args);
        timings.push(`${what}: ${run.ms} ms`);
        t.equal(run.code, 0, `${what}: exits 0 (${run.ms} ms)`, { output: run.out.slice(-4000) });
        t.notMatch(run.out, '[ERR]', `${what}: no [ERR]`, { output: run.out.slice(-4000) });
        return run.out;
      };
      const check = async (members: ClusterNode[], via: ClusterNode): Promise<NodeLine[]> => {
        const view = await waitForMembers(cluster, members, 60_000);
        const out = await step(`check via ${via.label}`, ['check', address(via)]);
        t.match(out, '[OK] All nodes agree about slots configuration.');
        t.match(out, '[OK] All 16384 slots covered.');
        return view;
      };
      let reference: Snapshot | null = null;
      const compare = async (what: string, view: NodeLine[], masters: ClusterNode[]): Promise<void> => {
        if (reference === null) throw new Error('no reference');
        const now = await snapshotDataset(view, KEYS);
        const diff = compareSnapshots(reference, now);
        t.same({ missing: diff.missing, dumpDiffers: diff.dumpDiffers, ttlDiffers: diff.ttlDiffers },
          { missing: 0, dumpDiffers: 0, ttlDiffers: 0 }, `${what}: every key's DUMP and TTL as in the reference`, { examples: diff.examples });
        t.equal(await dbsizeSum(masters), KEYS, `${what}: the masters' DBSIZEs sum to ${KEYS}`);
      };

      // Three masters, the dataset and its reference.
      await step('create', ['create', address(m1), address(m2), address(m3), '--cluster-replicas', '0', '--cluster-yes']);
      let view = await waitForMembers(cluster, [m1, m2, m3]);
      const loadStart = Date.now();
      await loadDataset(view, KEYS);
      timings.push(`load ${KEYS} keys: ${Date.now() - loadStart} ms`);
      reference = await snapshotDataset(view, KEYS);
      t.equal(reference.keys.filter((k) => k.dump === null).length, 0, 'every key loaded');
      t.ok(keysWithTtl(reference) > KEYS / 8, `${keysWithTtl(reference)} keys with TTLs`);
      t.equal(await dbsizeSum([m1, m2, m3]), KEYS);
      const slotsOf = (node: ClusterNode): number[] => {
        const line = view.find((l) => l.port === node.port);
        return line === undefined ? [] : ownedSlots(line);
      };
      const id = (node: ClusterNode): string => {
        const line = view.find((l) => l.port === node.port);
        if (line === undefined) throw new Error(`${node.label} not in the view`);
        return line.id;
      };

      // A 4th, empty master, given its share by rebalance.
      // redis-cli copies the cluster's function libraries to a new master (FUNCTION DUMP on the
      // node it is given, FUNCTION LIST and RESTORE on the new one), also in mixed clusters.
      const added = await step('add-node', ['add-node', address(fourth), address(m1)]);
      t.ok(added.includes('[OK] New node added correctly.'), 'add-node succeeds', { output: added.slice(-1500) });
      await waitForMembers(cluster, [m1, m2, m3, fourth]);
      await step('rebalance --cluster-use-empty-masters', ['rebalance', address(m1), '--cluster-use-empty-masters']);
      view = await check([m1, m2, m3, fourth], m2);
      const fourthSlots = slotsOf(fourth).length;
      t.ok(fourthSlots >= 4000 && fourthSlots <= 4200, `the 4th master got its quarter (${fourthSlots} slots)`);
      t.ok(Number((await fourth.call('DBSIZE')).toString('latin1').slice(1)) > KEYS / 5, 'the 4th master holds keys');
      await compare('after rebalance', view, [m1, m2, m3, fourth]);

      // 1,000 slots back from the 4th to the 1st.
      await step('reshard 1000', ['reshard', address(m1), '--cluster-from', id(fourth), '--cluster-to', id(m1),
        '--cluster-slots', '1000', '--cluster-yes', '--cluster-pipeline', '100']);
      view = await check([m1, m2, m3, fourth], fourth);
      t.equal(slotsOf(fourth).length, fourthSlots - 1000, 'the 4th gave 1,000 slots');
      await compare('after reshard of 1,000 slots', view, [m1, m2, m3, fourth]);

      // The rest of the 4th's slots to the 2nd; then the empty 4th leaves.
      await step('reshard the rest', ['reshard', address(m1), '--cluster-from', id(fourth), '--cluster-to', id(m2),
        '--cluster-slots', String(fourthSlots - 1000), '--cluster-yes', '--cluster-pipeline', '100']);
      // Redis 7.0 (cluster-allow-replica-migration yes): a master that lost its last slot becomes a
      // replica of the master that took it, so the 4th now follows the 2nd.
      // Either message may reach the 4th first: the 2nd's PONG with its bumped epoch, or redis-cli's
      // SETSLOT NODE; Redis 7.0 turns it into a replica on both paths. Checked softly, so that the
      // rest of the lifecycle still runs on a node that stays an empty master.
      const becameReplica = await cluster.waitFor('every node to see the 4th as a replica of the 2nd', 15_000, async () => {
        const lines = await Promise.all([m1, m2, m3, fourth].map(async (n) => (await n.clusterNodes()).find((l) => l.port === fourth.port)));
        return { ok: lines.every((l) => l !== undefined && isReplica(l) && l.masterId === id(m2)), detail: lines.map((l) => l?.raw).join('\n') };
      }).then(() => 'yes', (e: unknown) => (e instanceof Error ? e.message : String(e)));
      t.equal(becameReplica, 'yes', 'the emptied 4th became a replica of the 2nd (every node says so)');
      view = await check([m1, m2, m3, fourth], m3);
      t.same(slotsOf(fourth), [], 'the 4th holds no slots');
      await compare('after emptying the 4th', view, [m1, m2, m3]);
      await step('del-node the 4th', ['del-node', address(m1), id(fourth)]);
      view = await check([m1, m2, m3], m1);
      t.equal(view.filter(isMaster).length, 3, 'three masters again');
      await compare('after del-node', view, [m1, m2, m3]);

      // A replica joins the 1st, syncs, and is deleted again.
      await step('add-node --cluster-slave', ['add-node', address(replica), address(m1), '--cluster-slave', '--cluster-master-id', id(m1)]);
      await cluster.waitFor(`${replica.label} in sync with ${m1.label}`, 60_000, async () => {
        const info = await replica.callText('INFO', 'replication').catch((e: unknown) => String(e));
        const masterSize = await m1.call('DBSIZE');
        const replicaSize = await replica.call('DBSIZE').catch(() => Buffer.alloc(0));
        return { ok: infoField(info, 'master_link_status') === 'up' && masterSize.equals(replicaSize), detail: info };
      });
      view = await check([m1, m2, m3, replica], replica);
      t.equal(view.filter(isReplica).find((l) => l.port === replica.port)?.masterId, id(m1), 'the replica follows the 1st');
      const replicaId = view.find((l) => l.port === replica.port)?.id ?? '';
      await step('del-node the replica', ['del-node', address(m1), replicaId]);
      view = await check([m1, m2, m3], m2);
      t.equal(view.length, 3, 'the replica is gone');

      // info, call, set-timeout.
      const info = await step('info', ['info', address(m1)]);
      t.match(info, `[OK] ${KEYS} keys in 3 masters.`, 'info counts the keys');
      const called = await step('call DBSIZE', ['call', address(m1), 'DBSIZE']);
      const sizes = [...called.matchAll(/^127\.0\.0\.1:\d+: (\d+)$/gm)].map((m) => Number(m[1]));
      t.equal(sizes.length, 3, 'call answered by the three masters', { called });
      t.equal(sizes.reduce((a, b) => a + b, 0), KEYS, 'call DBSIZE sums to the key count');
      const timeout = await step('set-timeout', ['set-timeout', address(m1), '6000']);
      // The nodes run without a config file, so redis-cli's CONFIG REWRITE after each CONFIG SET
      // fails (as on redis-server): the SET has taken effect all the same.
      for (const node of [m1, m2, m3]) {
        t.match(timeout, `ERR setting node-timeout for ${address(node)}: ERR The server is running without a config file`);
      }
      t.match(timeout, 'New node timeout set. 0 OK, 3 ERR.');
      for (const node of [m1, m2, m3]) {
        t.equal((await node.call('CONFIG', 'GET', 'cluster-node-timeout')).toString('latin1'),
          '*2\r\n$20\r\ncluster-node-timeout\r\n$4\r\n6000\r\n', `${node.label}: cluster-node-timeout is 6000`);
      }
      await compare('at the end', await check([m1, m2, m3], m3), [m1, m2, m3]);
      t.comment(`${variant.name} timings: ${timings.join('; ')}`);
    });
  }
}
