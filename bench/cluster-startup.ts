/*
 * Cluster start-up benchmark (issue 3): how long from launching six nodes to all six reporting
 * cluster_state:ok, for real redis-server and for hashslot, in one run.
 *
 *   node dist/bench/cluster-startup.js [--rounds N]      (env BENCH_ROUNDS, default 5)
 *
 * One round of one kind:
 *
 *   t0 ── spawn 6 nodes ──▶ all answer PING ── redis-cli --cluster create ──▶ exits ── poll ──▶ all ok
 *        (launch)                              (create: MEET, gossip until the config   (settle)
 *                                               signatures agree, REPLICATE, check)
 *
 * The total t0 → all ok is the figure the target is on (hashslot/redis ≤ 1). redis-cli's create
 * sleeps 1 s after sending MEETs and then polls once a second, so both kinds pay whole seconds
 * there; the phases are printed so a difference can be placed. Kinds alternate which goes first
 * in each round so drift on a shared box is spread over both; each cell is the median over rounds.
 *
 * Then the time from spawning `npm start` (bin/hashslot-cluster: a 3+3 cluster on ports
 * 7000-7005, control port 6999, live view on 8080, state in .hashslot-cluster/) to all six ports reporting
 * cluster_state:ok. It is skipped with a note when the command is not built or those ports are busy.
 *
 * Progress goes to stderr, tables to stdout.
 */

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { repoRoot } from './harness/hashslot-process';
import { RawClient } from './harness/raw-client';
import { redisServerPath } from './harness/real-redis';
import { delay } from './harness/server-process';
import { LocalCluster, redisCliPath, type NodeKind } from './harness/cluster-harness';
import { infoField } from './harness/cluster-replies';
import { log, parseRounds } from './bench-cli';
import { machine } from './machine';
import { formatRatio, formatTable, median } from './table';

const OK_DEADLINE_MS = 60_000;
const LOCAL_CLUSTER_PORTS = [7000, 7001, 7002, 7003, 7004, 7005];
/** npm start's control port (the base port - 1) and its live view's port. */
const CONTROL_PORT = 6999;
const VIEW_PORT = 8080;

interface Round {
  launchMs: number;
  createMs: number;
  settleMs: number;
  totalMs: number;
}

type Outcome = { ok: true; round: Round } | { ok: false; error: string };


async function oneRound(kind: NodeKind): Promise<Outcome> {
  const t0 = performance.now();
  let cluster: LocalCluster | null = null;
  try {
    cluster = await LocalCluster.launch(Array.from({ length: 6 }, () => kind));
    const t1 = performance.now();
    await cluster.createOrThrow(1);
    const t2 = performance.now();
    await cluster.waitForOk(OK_DEADLINE_MS);
    const t3 = performance.now();
    return { ok: true, round: { launchMs: t1 - t0, createMs: t2 - t1, settleMs: t3 - t2, totalMs: t3 - t0 } };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const logs = cluster?.logs() ?? '';
    return { ok: false, error: `${message.slice(0, 2_000)}\n${logs.slice(-3_000)}` };
  } finally {
    await cluster?.destroy();
  }
}

const ms = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)}` : 'n/a');

// ─── npm start's local cluster ──────────────────────────────────────────────────────────────────

function localClusterPresent(): boolean {
  const root = repoRoot();
  return fs.existsSync(path.join(root, 'dist', 'server', 'testing', 'cluster-command.js'));
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function stateOf(port: number): Promise<string | undefined> {
  try {
    const client = await RawClient.connect(port, '127.0.0.1', 1_000);
    try {
      const reply = (await client.call('CLUSTER', 'INFO')).toString('latin1');
      return infoField(reply.replace(/^\$\d+\r\n/, ''), 'cluster_state');
    } finally {
      client.close();
    }
  } catch {
    return undefined;
  }
}

/** Spawns `npm start` in its own process group and times it to all-ok; always kills the group. */
async function npmStartRound(): Promise<Outcome> {
  const child = spawn('npm', ['start'], { cwd: repoRoot(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const t0 = performance.now();
  try {
    for (;;) {
      const states = await Promise.all(LOCAL_CLUSTER_PORTS.map(stateOf));
      if (states.every((s) => s === 'ok')) {
        const total = performance.now() - t0;
        return { ok: true, round: { launchMs: NaN, createMs: NaN, settleMs: NaN, totalMs: total } };
      }
      if (exited) return { ok: false, error: `npm start exited early:\n${output}` };
      if (performance.now() - t0 > OK_DEADLINE_MS) return { ok: false, error: `not all ok within ${OK_DEADLINE_MS} ms: ${states.join(' ')}\n${output}` };
      await delay(20);
    }
  } finally {
    if (!exited && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => { if (!exited && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL'); }, 5_000);
      await exitedPromise;
      clearTimeout(timer);
    }
  }
}

// ─── main ───────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const rounds = parseRounds(process.argv.slice(2), 5, 'usage: node dist/bench/cluster-startup.js [--rounds N]   (env BENCH_ROUNDS, default 5)');
  if (redisCliPath() === null || redisServerPath() === null) {
    log('redis-server and redis-cli are needed: apt-get install redis-server redis-tools');
    process.exitCode = 1;
    return;
  }
  const box = machine();
  log(`cluster start-up: ${rounds} rounds per kind; ${box.cores} cores (${box.cpuModel}), load ${box.loadText(' ')}`);

  const results: Record<NodeKind, Outcome[]> = { redis: [], hashslot: [] };
  for (let r = 0; r < rounds; r++) {
    const order: NodeKind[] = r % 2 === 0 ? ['redis', 'hashslot'] : ['hashslot', 'redis'];
    for (const kind of order) {
      const outcome = await oneRound(kind);
      results[kind].push(outcome);
      log(`round ${r + 1} ${kind}: ${outcome.ok ? `${ms(outcome.round.totalMs)} ms` : 'FAILED'}`);
    }
  }

  const medianOf = (kind: NodeKind, pick: (round: Round) => number): number => {
    const values = results[kind].flatMap((o) => (o.ok ? [pick(o.round)] : []));
    return values.length === 0 ? NaN : median(values);
  };
  const rows = (['redis', 'hashslot'] as const).map((kind) => {
    const good = results[kind].filter((o) => o.ok).length;
    return [
      kind, `${good}/${rounds}`,
      ms(medianOf(kind, (x) => x.launchMs)), ms(medianOf(kind, (x) => x.createMs)), ms(medianOf(kind, (x) => x.settleMs)),
      ms(medianOf(kind, (x) => x.totalMs)),
      kind === 'redis' ? '1.00x' : formatRatio(medianOf('hashslot', (x) => x.totalMs) / medianOf('redis', (x) => x.totalMs)),
    ];
  });
  const ratio = medianOf('hashslot', (x) => x.totalMs) / medianOf('redis', (x) => x.totalMs);
  process.stdout.write(`\n### 6-node cluster via redis-cli --cluster create --cluster-replicas 1 (median of ${rounds}, ms)\n\n`);
  process.stdout.write(formatTable([
    { header: 'nodes', align: 'left' }, { header: 'rounds ok', align: 'right' },
    { header: 'launch', align: 'right' }, { header: 'create', align: 'right' }, { header: 'settle', align: 'right' },
    { header: 'total to all-ok', align: 'right' }, { header: 'vs redis', align: 'right' },
  ], rows));
  const verdict = Number.isFinite(ratio) ? (ratio <= 1 ? 'met' : 'NOT MET') : 'no figure';
  process.stdout.write(`\n\ntarget hashslot/redis <= 1.00x: ${verdict}\n`);
  for (const kind of ['redis', 'hashslot'] as const) {
    const failure = results[kind].find((o): o is { ok: false; error: string } => !o.ok);
    if (failure !== undefined) process.stdout.write(`\n${kind} failed ${results[kind].filter((o) => !o.ok).length} round(s); first failure:\n${failure.error}\n`);
  }

  process.stdout.write('\n### npm start (local 3+3 cluster on 7000-7005) to all-ok\n\n');
  if (!localClusterPresent()) {
    process.stdout.write('skipped: dist/server/testing/cluster-command.js not found (run npm run build)\n');
    return;
  }
  const busy = [];
  for (const port of LOCAL_CLUSTER_PORTS) if (!(await portFree(port)) || !(await portFree(port + 10_000))) busy.push(port);
  for (const port of [CONTROL_PORT, VIEW_PORT]) if (!(await portFree(port))) busy.push(port);
  if (busy.length > 0) {
    process.stdout.write(`skipped: ports ${busy.join(', ')} (or their bus ports) are in use\n`);
    return;
  }
  const npmOutcomes: Outcome[] = [];
  for (let r = 0; r < rounds; r++) {
    const outcome = await npmStartRound();
    npmOutcomes.push(outcome);
    log(`round ${r + 1} npm start: ${outcome.ok ? `${ms(outcome.round.totalMs)} ms` : 'FAILED'}`);
  }
  const totals = npmOutcomes.flatMap((o) => (o.ok ? [o.round.totalMs] : []));
  process.stdout.write(formatTable(
    [{ header: 'path', align: 'left' }, { header: 'rounds ok', align: 'right' }, { header: 'median ms', align: 'right' },
      { header: 'min ms', align: 'right' }, { header: 'max ms', align: 'right' }],
    [['npm start', `${totals.length}/${rounds}`, ms(totals.length > 0 ? median(totals) : NaN),
      ms(totals.length > 0 ? Math.min(...totals) : NaN), ms(totals.length > 0 ? Math.max(...totals) : NaN)]],
  ));
  process.stdout.write('\n(after the first round, npm start rejoins the cluster whose nodes.conf files it left in .hashslot-cluster/)\n');
  const npmFailure = npmOutcomes.find((o): o is { ok: false; error: string } => !o.ok);
  if (npmFailure !== undefined) process.stdout.write(`\nfirst failure:\n${npmFailure.error}\n`);
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
