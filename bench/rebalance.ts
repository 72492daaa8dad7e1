/*
 * Rebalance benchmark: how long `redis-cli --cluster rebalance --cluster-use-empty-masters` takes
 * to give a new, empty 4th master its quarter of a 3-master cluster holding 100,000 keys, for a
 * cluster of real redis-servers and a cluster of hashslot nodes, in one run.
 *
 *   node dist/bench/rebalance.js [--rounds N] [--keys N] [--warm]     (npm run bench:rebalance)
 *
 * One round of one kind, on four freshly started nodes of that kind:
 *
 *   create 3 masters (redis-cli) ─► load N keys of every type (cluster-dataset.ts, pipelined per
 *   owner) ─► add-node the 4th ─► all four agree ─► t0 ── rebalance ──► redis-cli exits ── t1
 *
 * t1 - t0 is the figure: redis-cli moving ~4,096 slots one by one (SETSLOT IMPORTING/MIGRATING,
 * GETKEYSINSLOT, MIGRATE in batches of 10 keys, SETSLOT NODE on every master). Beside it goes the
 * CPU the four nodes used meanwhile (/proc): they share one core, so the wall time of the
 * rebalance follows their CPU once that core is busy. The round then
 * checks the result (exit 0, the 4th owns about a quarter of the slots, the masters' DBSIZEs sum
 * to N) and a round that fails is reported, not counted. With --warm the round then times two more
 * rebalances on the same nodes, one that gives the 4th's slots back and one that takes them again
 * (rebalanceBackAndForth): the last is the same work on warm code, which shows how much of the
 * first figure is V8 tiering the per-slot code up.
 *
 * Pinning, as the README's "Measuring speed" asks on this 2-core machine: every node is moved to
 * core 0 as soon as it answers PING (taskset -a, all its threads), and this script and redis-cli
 * run on core 1, so the client side never takes CPU from the servers being timed. The load
 * average is printed before and after; a run that starts above 1 should be repeated, not quoted.
 *
 * Kinds alternate which goes first in each round so drift on a shared box is spread over both;
 * each cell is the median over the rounds. The target: hashslot/redis <= 1.2x. Progress goes to
 * stderr, the table to stdout.
 */

import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { LocalCluster, type ClusterNode, type NodeKind } from './harness/cluster-harness';
import { loadDataset } from './harness/cluster-dataset';
import { address, clusterCli, dbsizeSum, waitForMembers } from './harness/cluster-steps';
import { ownedSlots } from './harness/cluster-replies';
import { BenchArgs, log } from './bench-cli';
import { machine, redisServerVersion } from './machine';
import { redisServerPath } from './harness/real-redis';
import { formatCount, formatRatio, formatTable, median } from './table';
import { cpuSpent, processCpu, type CpuTime } from './harness/process-cpu';

const TARGET = 1.2;
const KINDS: readonly NodeKind[] = ['redis', 'hashslot'];
const SERVER_CORE = '0';
const CLIENT_CORE = '1';
const REBALANCE_DEADLINE_MS = 600_000;

const USAGE = `usage: node dist/bench/rebalance.js [options]
  --rounds N   rounds per kind, median reported   (env BENCH_ROUNDS, default 3)
  --keys N     keys loaded before the rebalance   (env BENCH_KEYS,   default 100000)
  --kind K     only this kind of cluster (redis or hashslot); both by default
  --warm       then time two more rebalances on the same nodes: one that empties the 4th again
               (--cluster-weight <4th>=0), one that fills it again (warm code on every node)
  --no-pin     do not pin (servers core 0, redis-cli and this script core 1)`;

/**
 * A round's result; cpuMs is what the four nodes used in CPU (user + system) during the rebalance,
 * perNode each one's user CPU (for a node that works harder than the others), sent the bus
 * messages the four sent meanwhile, by type (for a change in how often the nodes talk).
 */
type Outcome = { ok: true; ms: number; moved: number; cpuMs: number; userMs: number; sent: string; perNode: string; warm: WarmPhases | null } | { ok: false; reason: string };

/** One timed redis-cli run: its wall time and the CPU (user + system) the four nodes used meanwhile. */
type Timed = { ms: number; cpuMs: number };

/** --warm: the rebalance that empties the 4th again, then the one that fills it again. */
type WarmPhases = { back: Timed; again: Timed };

/** CLUSTER INFO's `cluster_stats_messages_<type>_sent` counters, summed over `nodes`. */
async function messagesSent(nodes: readonly ClusterNode[]): Promise<Map<string, number>> {
  const sums = new Map<string, number>();
  for (const node of nodes) {
    const text = (await node.call('CLUSTER', 'INFO')).toString('latin1');
    for (const m of text.matchAll(/^cluster_stats_messages_(\w+)_sent:(\d+)/gm)) {
      const type = m[1] as string;
      sums.set(type, (sums.get(type) ?? 0) + Number(m[2]));
    }
  }
  return sums;
}

/** What the nodes sent between two readings, by type: "ping 812, pong 13,100, update 3". */
function sentBetween(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): string {
  return [...after].map(([type, n]) => `${type} ${formatCount(n - (before.get(type) ?? 0))}`).join(', ');
}

/** Moves a process and all its threads to `core`; false when taskset is missing or refused. */
function pin(pid: number, core: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', core, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const loadText = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

let liveCluster: LocalCluster | null = null;

/** Runs one `redis-cli --cluster` command and what the four nodes spent on it; a string when it failed. */
async function timedCli(cluster: LocalCluster, args: readonly string[], prefix: readonly string[]): Promise<Timed | string> {
  const pids = cluster.nodes.map((n) => n.pid ?? 0);
  const before = pids.map(processCpu);
  const run = await clusterCli(args, REBALANCE_DEADLINE_MS, prefix);
  const cpu = cpuSpent(before, pids.map(processCpu));
  if (run.code !== 0 || run.out.includes('[ERR]')) return `${args.join(' ')} exited ${String(run.code)} after ${run.ms} ms: ${run.out.slice(-800)}`;
  return { ms: run.ms, cpuMs: cpu.userMs + cpu.systemMs };
}

/**
 * --warm, after the timed rebalance: empties the 4th again (`--cluster-weight <4th>=0`), then
 * fills it again as the first time. Every node has then run both sides of a migration thousands
 * of times, so the last figure is the per-slot cost on warm code. Replica migration is switched
 * off first, or the emptied 4th would turn itself into a replica (Redis 7.0's rule) and have no
 * slots to take. Checks slots and key counts after each; a string when something is off.
 */
async function rebalanceBackAndForth(cluster: LocalCluster, keys: number, prefix: readonly string[]): Promise<WarmPhases | string> {
  const [m1, m2, m3, fourth] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode, ClusterNode];
  const masters = [m1, m2, m3, fourth];
  for (const node of masters) await node.call('CONFIG', 'SET', 'cluster-allow-replica-migration', 'no');
  const fourthId = /[0-9a-f]{40}/.exec((await fourth.call('CLUSTER', 'MYID')).toString('latin1'))?.[0];
  if (fourthId === undefined) return 'CLUSTER MYID of the 4th master did not answer a node id';
  const fourthSlots = async (): Promise<number> => {
    const line = (await waitForMembers(cluster, masters, 60_000)).find((l) => l.port === fourth.port);
    return line === undefined ? -1 : ownedSlots(line).length;
  };
  const back = await timedCli(cluster, ['rebalance', address(m1), '--cluster-weight', `${fourthId}=0`], prefix);
  if (typeof back === 'string') return back;
  if (await fourthSlots() !== 0) return 'the 4th master still owns slots after the rebalance back';
  if (await dbsizeSum(masters) !== keys) return 'keys lost on the rebalance back';
  const again = await timedCli(cluster, ['rebalance', address(m1), '--cluster-use-empty-masters'], prefix);
  if (typeof again === 'string') return again;
  if (await fourthSlots() < 4000) return 'the 4th master owns too few slots after the second rebalance';
  if (await dbsizeSum(masters) !== keys) return 'keys lost on the second rebalance';
  return { back, again };
}

async function oneRound(kind: NodeKind, keys: number, pinned: boolean, warmPhases: boolean): Promise<Outcome> {
  const cluster = await LocalCluster.launch([kind, kind, kind, kind]);
  liveCluster = cluster;
  try {
    if (pinned) {
      for (const node of cluster.nodes) {
        if (node.pid === undefined || !pin(node.pid, SERVER_CORE)) return { ok: false, reason: `could not pin ${node.label}` };
      }
    }
    const prefix = pinned ? ['taskset', '-c', CLIENT_CORE] : [];
    const [m1, m2, m3, fourth] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode, ClusterNode];
    const create = await clusterCli(['create', address(m1), address(m2), address(m3), '--cluster-replicas', '0', '--cluster-yes'], 90_000, prefix);
    if (create.code !== 0) return { ok: false, reason: `create exited ${String(create.code)}: ${create.out.slice(-500)}` };
    const view = await waitForMembers(cluster, [m1, m2, m3], 60_000);
    await loadDataset(view, keys);
    const add = await clusterCli(['add-node', address(fourth), address(m1)], 60_000, prefix);
    if (add.code !== 0) return { ok: false, reason: `add-node exited ${String(add.code)}: ${add.out.slice(-500)}` };
    await waitForMembers(cluster, [m1, m2, m3, fourth], 60_000);

    const pids = cluster.nodes.map((n) => n.pid ?? 0);
    const sentBefore = await messagesSent(cluster.nodes);
    const cpuBefore = pids.map(processCpu);
    const run = await clusterCli(['rebalance', address(m1), '--cluster-use-empty-masters'], REBALANCE_DEADLINE_MS, prefix);
    const cpuAfter = pids.map(processCpu);
    const cpu = cpuSpent(cpuBefore, cpuAfter);
    const perNode = cpuAfter.map((end, i) => formatCount(cpuSpent([cpuBefore[i] as CpuTime], [end]).userMs)).join(' / ');
    const sent = sentBetween(sentBefore, await messagesSent(cluster.nodes));
    if (run.code !== 0 || run.out.includes('[ERR]')) {
      return { ok: false, reason: `rebalance exited ${String(run.code)} after ${run.ms} ms: ${run.out.slice(-800)}` };
    }
    const after = await waitForMembers(cluster, [m1, m2, m3, fourth], 60_000);
    const line = after.find((l) => l.port === fourth.port);
    const moved = line === undefined ? 0 : ownedSlots(line).length;
    if (moved < 4000) return { ok: false, reason: `the 4th master owns ${moved} slots after the rebalance` };
    const total = await dbsizeSum([m1, m2, m3, fourth]);
    if (total !== keys) return { ok: false, reason: `the masters hold ${total} keys, not ${keys}` };
    const warm = warmPhases ? await rebalanceBackAndForth(cluster, keys, prefix) : null;
    if (typeof warm === 'string') return { ok: false, reason: warm };
    return { ok: true, ms: run.ms, moved, cpuMs: cpu.userMs + cpu.systemMs, userMs: cpu.userMs, sent, perNode, warm };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message.slice(0, 800) : String(error) };
  } finally {
    liveCluster = null;
    await cluster.destroy();
  }
}

function report(results: ReadonlyMap<NodeKind, Outcome[]>, keys: number, rounds: number): string {
  const times = (kind: NodeKind): number[] => (results.get(kind) ?? []).flatMap((o) => (o.ok ? [o.ms] : []));
  const cpu = (kind: NodeKind, pick: 'cpuMs' | 'userMs'): string => {
    const values = (results.get(kind) ?? []).flatMap((o) => (o.ok ? [o[pick]] : []));
    return values.length === 0 ? 'n/a' : formatCount(median(values));
  };
  const cell = (kind: NodeKind, pick: (values: number[]) => number): string => {
    const values = times(kind);
    return values.length === 0 ? 'n/a' : formatCount(pick(values));
  };
  const ratio = median(times('hashslot')) / median(times('redis'));
  const verdict = !Number.isFinite(ratio) ? 'no figure' : Number(ratio.toFixed(2)) <= TARGET ? 'met' : 'NOT MET';
  const rows = KINDS.map((kind) => [
    kind,
    `${times(kind).length}/${rounds}`,
    cell(kind, median),
    cell(kind, (v) => Math.min(...v)),
    cell(kind, (v) => Math.max(...v)),
    kind === 'hashslot' ? formatRatio(ratio) : '',
    kind === 'hashslot' ? `<= ${TARGET}x: ${verdict}` : '',
    cpu(kind, 'cpuMs'),
    cpu(kind, 'userMs'),
  ]);
  const failures = [...results].flatMap(([kind, outcomes]) =>
    outcomes.flatMap((o, i) => (o.ok ? [] : [`- ${kind} round ${i + 1}: ${o.reason}`])));
  return [
    '',
    `## rebalance --cluster-use-empty-masters, 3 -> 4 masters, ${formatCount(keys)} keys (ms, median of ${rounds} round(s))`,
    '',
    formatTable([
      { header: 'kind', align: 'left' }, { header: 'rounds ok', align: 'right' }, { header: 'median', align: 'right' },
      { header: 'min', align: 'right' }, { header: 'max', align: 'right' }, { header: 'vs redis', align: 'right' },
      { header: 'target', align: 'left' }, { header: 'nodes CPU', align: 'right' }, { header: 'of it user', align: 'right' },
    ], rows),
    '',
    'nodes CPU: what the four nodes used in CPU (user + system, ms, /proc) during the rebalance, median.',
    ...warmReport(results),
    ...(failures.length > 0 ? ['', 'Failed rounds:', ...failures] : []),
    '',
  ].join('\n');
}

/**
 * The --warm rows: the rebalance that empties the 4th (each node's first run of the other side of
 * a migration) and the one that fills it again (warm code everywhere).
 */
function warmReport(results: ReadonlyMap<NodeKind, Outcome[]>): string[] {
  const phases = (kind: NodeKind): WarmPhases[] => (results.get(kind) ?? []).flatMap((o) => (o.ok && o.warm !== null ? [o.warm] : []));
  if (KINDS.every((kind) => phases(kind).length === 0)) return [];
  const show = (value: number): string => (Number.isFinite(value) ? formatCount(value) : 'n/a');
  const rows = (['back', 'again'] as const).flatMap((phase) => {
    const ms = (kind: NodeKind): number => median(phases(kind).map((p) => p[phase].ms));
    const cpu = (kind: NodeKind): number => median(phases(kind).map((p) => p[phase].cpuMs));
    const name = phase === 'back' ? 'back: empty the 4th (weight 0)' : 'again: fill it again (warm)';
    return [[
      name,
      `${phases('redis').length}/${phases('hashslot').length}`,
      show(ms('redis')), show(ms('hashslot')), formatRatio(ms('hashslot') / ms('redis')),
      show(cpu('redis')), show(cpu('hashslot')), formatRatio(cpu('hashslot') / cpu('redis')),
    ]];
  });
  return [
    '',
    '## --warm: the same clusters, two more rebalances (median ms; nodes CPU in ms)',
    '',
    formatTable([
      { header: 'phase', align: 'left' }, { header: 'rounds r/h', align: 'right' },
      { header: 'redis', align: 'right' }, { header: 'hashslot', align: 'right' }, { header: 'vs redis', align: 'right' },
      { header: 'CPU redis', align: 'right' }, { header: 'CPU hashslot', align: 'right' }, { header: 'vs redis', align: 'right' },
    ], rows),
  ];
}

async function main(): Promise<void> {
  const args = BenchArgs.parse(process.argv.slice(2), { usage: USAGE, options: ['rounds', 'keys', 'kind'], switches: ['no-pin', 'warm'] });
  const rounds = args.positiveInt('rounds', 'BENCH_ROUNDS', 3);
  const keys = args.positiveInt('keys', 'BENCH_KEYS', 100_000);
  const only = args.text('kind', 'BENCH_KIND') ?? '';
  if (only !== '' && !KINDS.includes(only as NodeKind)) throw new Error(`--kind must be one of ${KINDS.join(', ')}`);
  const kinds = only === '' ? KINDS : KINDS.filter((k) => k === only);
  const pinned = !args.has('no-pin') && pin(process.pid, CLIENT_CORE);
  const warm = args.has('warm');
  const box = machine();
  const redis = redisServerPath();
  process.stdout.write([
    `# redis-cli --cluster rebalance benchmark`,
    `${box.cores} cores, ${box.cpuModel}, ${box.totalMemGib}; node ${process.version}; ${redis === null ? 'redis-server not found' : redisServerVersion(redis)}`,
    pinned ? `pinned: nodes on core ${SERVER_CORE}, redis-cli and this script on core ${CLIENT_CORE}` : 'NOT pinned',
    `load average before (1/5/15 min): ${loadText()}${box.busy ? ' (busy: figures will be noisy)' : ''}`,
  ].join('\n') + '\n');
  const results = new Map<NodeKind, Outcome[]>(KINDS.map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      log(`round ${round + 1}/${rounds} ${kind}...`);
      const outcome = await oneRound(kind, keys, pinned, warm);
      results.get(kind)?.push(outcome);
      log(outcome.ok ? `  rebalance ${outcome.ms} ms (${outcome.moved} slots to the 4th); user CPU per node (the 4th last) ${outcome.perNode} ms; bus messages sent: ${outcome.sent}` : `  FAILED: ${outcome.reason}`);
      if (outcome.ok && outcome.warm !== null) {
        log(`  back ${outcome.warm.back.ms} ms (nodes CPU ${outcome.warm.back.cpuMs}), again ${outcome.warm.again.ms} ms (nodes CPU ${outcome.warm.again.cpuMs})`);
      }
    }
  }
  process.stdout.write(report(results, keys, rounds));
  process.stdout.write(`load average after (1/5/15 min): ${loadText()}\n`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping the nodes`);
    void (liveCluster?.destroy() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`rebalance benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
  void liveCluster?.destroy();
});
