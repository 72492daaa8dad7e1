/*
 * `redis-cli --cluster rebalance` with --cluster-weight and --cluster-threshold (issue 13), the
 * real redis-cli 7.0 moving slots (and their keys) between three masters m1, m2, m3 created with
 * 5461, 5462 and 5461 slots:
 *
 *   m1=2, threshold 60%   no move: redis-cli measures a node's error as |100 - 100 x share /
 *                         slots|, and m1 (5461 slots, a share of 8192 of 4 weights) is 50% off,
 *                         m2 and m3 (shares of 4096) 25%: within the threshold
 *   m1=2, threshold 45%   m2 gives 1366 slots to m1, m3 gives 1365      → 8192 / 4096 / 4096
 *   m2=2                  m1 gives 4096 slots to m2                      → 4096 / 8192 / 4096
 *   m1=0                  m1 gives its 4096 slots to m3 and is emptied   →    0 / 8192 / 8192
 *
 * Each step's plan is deterministic (no two nodes tie on their balance, and redis-cli takes a
 * source's slots in ascending order), so the exact slot ranges each master ends with are known,
 * and they are what a cluster of redis-servers ends with: the redis variant checks the test. After
 * every move, `check` passes and every key of the dataset is where it belongs, DUMP and TTL
 * unchanged. The output is compared as text with each node's id and address replaced by its
 * name: the plan lines, "Total weight", the "No rebalancing needed!" line, and one '#' per slot.
 *
 * Run per variant (HASHSLOT_RESHARD_KINDS: redis, hashslot, mixed). Keys:
 * HASHSLOT_REBALANCE_KEYS (default 1,000).
 */

import t from 'tap';
import { LocalCluster, missingPrerequisite, type ClusterNode } from '../../bench/harness/cluster-harness';
import { compareSnapshots, loadDataset, snapshotDataset, type Snapshot } from '../../bench/harness/cluster-dataset';
import { isMaster, type NodeLine } from '../../bench/harness/cluster-replies';
import { address, clusterCli, dbsizeSum, lineOf, selectedVariants, slotRanges, waitForMembers } from './resharding-support';

const KEYS = Number(process.env['HASHSLOT_REBALANCE_KEYS'] ?? 1_000);
const VARIANT_TIMEOUT_MS = 120_000;
const variants = selectedVariants(3);
const problem = missingPrerequisite(['redis', 'hashslot']);

interface Step {
  /** --cluster-weight entries as [master name, weight]. */
  weights: Array<[string, number]>;
  threshold: number | null;
  /** What redis-cli prints, ids and addresses replaced by the masters' names. */
  output: string[];
  /** Each master's slots afterwards, as CLUSTER NODES prints them. */
  ranges: Record<string, string>;
}

const CREATED = { m1: '0-5460', m2: '5461-10922', m3: '10923-16383' };
const STEPS: Step[] = [
  {
    weights: [['m1', 2]],
    threshold: 60,
    output: ['*** No rebalancing needed! All nodes are within the 60.00% threshold.'],
    ranges: CREATED,
  },
  {
    weights: [['m1', 2]],
    threshold: 45,
    output: ['>>> Rebalancing across 3 nodes. Total weight = 4.00', 'Moving 1366 slots from m2 to m1', '#'.repeat(1366),
      'Moving 1365 slots from m3 to m1', '#'.repeat(1365)],
    ranges: { m1: '0-6826 10923-12287', m2: '6827-10922', m3: '12288-16383' },
  },
  {
    weights: [['m2', 2]],
    threshold: null,
    output: ['>>> Rebalancing across 3 nodes. Total weight = 4.00', 'Moving 4096 slots from m1 to m2', '#'.repeat(4096)],
    ranges: { m1: '4096-6826 10923-12287', m2: '0-4095 6827-10922', m3: '12288-16383' },
  },
  {
    weights: [['m1', 0]],
    threshold: null,
    output: ['>>> Rebalancing across 3 nodes. Total weight = 2.00', 'Moving 4096 slots from m1 to m3', '#'.repeat(4096)],
    ranges: { m1: '', m2: '0-4095 6827-10922', m3: '4096-6826 10923-16383' },
  },
];

/** redis-cli's lines after its cluster check, with every id and address replaced by a name. */
function planLines(out: string, names: ReadonlyMap<string, string>): string[] {
  let text = out;
  for (const [from, to] of names) text = text.split(from).join(to);
  const lines = text.split('\n').map((line) => line.trimEnd());
  const start = lines.findIndex((line) => line.startsWith('[OK] All 16384 slots covered.'));
  return lines.slice(start + 1).filter((line) => line !== '');
}

t.setTimeout(VARIANT_TIMEOUT_MS * variants.length + 30_000);

if (problem !== null) {
  t.plan(0, problem);
} else {
  for (const variant of variants) {
    t.test(`rebalance with weights and thresholds (${variant.name}: ${variant.kinds.join(',')})`, async (t) => {
      t.setTimeout(VARIANT_TIMEOUT_MS);
      const cluster = (await LocalCluster.launch(variant.kinds)).attach(t);
      const masters = cluster.nodes;
      const created = await clusterCli(['create', ...masters.map(address), '--cluster-replicas', '0', '--cluster-yes']);
      t.equal(created.code, 0, 'create', { output: created.out.slice(-2000) });
      let view: NodeLine[] = await waitForMembers(cluster, masters);
      const byName = new Map(masters.map((node, i) => [`m${i + 1}`, node]));
      const names = new Map<string, string>();
      for (const [name, node] of byName) {
        names.set(lineOf(view, node).id, name);
        names.set(address(node), name);
      }
      const idOf = (name: string): string => lineOf(view, byName.get(name) as ClusterNode).id;
      const [entry] = masters as [ClusterNode];

      await loadDataset(view, KEYS);
      const reference: Snapshot = await snapshotDataset(view, KEYS);
      const rangesNow = (): Record<string, string> =>
        Object.fromEntries([...byName].map(([name, node]) => [name, slotRanges(view, node)]));
      t.same(rangesNow(), CREATED, 'create gave the masters 5461, 5462 and 5461 slots');

      for (const step of STEPS) {
        const what = `${step.weights.map(([name, w]) => `${name}=${w}`).join(' ')}${step.threshold === null ? '' : `, threshold ${step.threshold}%`}`;
        const args = ['rebalance', address(entry), '--cluster-weight', ...step.weights.map(([name, w]) => `${idOf(name)}=${w}`)];
        if (step.threshold !== null) args.push('--cluster-threshold', String(step.threshold));
        const run = await clusterCli(args);
        t.equal(run.code, 0, `${what}: exits 0 (${run.ms} ms)`, { output: run.out.slice(-3000) });
        t.same(planLines(run.out, names), step.output, `${what}: redis-cli's plan and progress`);
        view = await waitForMembers(cluster, masters, 60_000);
        t.same(rangesNow(), step.ranges, `${what}: each master's slots`);
        const check = await clusterCli(['check', address(masters[1] as ClusterNode)]);
        t.equal(check.code, 0, `${what}: check passes`, { output: check.out.slice(-3000) });
        const diff = compareSnapshots(reference, await snapshotDataset(view, KEYS));
        t.same([diff.missing, diff.dumpDiffers, diff.ttlDiffers], [0, 0, 0], `${what}: every key in place, DUMP and TTL unchanged`, { examples: diff.examples });
        t.equal(await dbsizeSum(view.filter(isMaster).map((line) => cluster.byPort(line.port))), KEYS, `${what}: the masters hold ${KEYS} keys`);
      }
    });
  }
}
