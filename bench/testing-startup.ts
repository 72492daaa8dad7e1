/*
 * hashslot/testing benchmark: what a test pays for a real cluster. Everything runs in this one
 * process, as in a test file: the six nodes, the harness and the timing.
 *
 *   node dist/bench/testing-startup.js [--rounds N] [--failovers N]     (npm run bench:testing)
 *
 * Start-up, `--rounds` times (default 20):
 *
 *   t0 ── startCluster() ──▶ resolves (every node cluster_state:ok, every replica linked) ── close()
 *        (start: ports, six nodes, ADDSLOTS/epochs/MEET, handshakes, REPLICATE, first syncs)
 *
 * The first round is also shown alone: it runs the code cold (V8 interprets, then compiles it),
 * as the first test of a file does; the median is what each later test pays.
 *
 * Failover, `--failovers` times (default 5), on the real clock at nodeTimeoutMs 500:
 *
 *   kill(primary 0) ── PFAIL ── FAIL ── election won (`failover` event) ── every survivor ok
 *
 * Failover on virtual time, `--virtual-failovers` times (default 5), run after the start-ups and
 * before the real-clock failovers, so that the first one runs the failure detection and election
 * code cold, as the first failover of a test file does:
 *
 *   startCluster({ clock: 'virtual', nodeTimeoutMs: 15000 }) ── kill(primary 1) ──
 *   clock.advance(100) until the `failover` event   (wall time and CPU from the kill)
 *
 * PFAIL and FAIL come from the event log (the first survivor to report each); the election's
 * random 500-1000 ms delay (cluster-spec.md, "Replica election and promotion") is most of the
 * spread. The survivors' cluster_state is polled every 2 ms.
 *
 * The load average is printed before and after: the nodes and the timing share the same cores,
 * so on a busy box the figures stretch. Progress goes to stderr, tables to stdout.
 */

import { startCluster } from '../server/testing';
import type { ClusterOptions, TestCluster } from '../server/testing';
import { BenchArgs, log } from './bench-cli';
import { machine } from './machine';
import { formatTable, median } from './table';

const USAGE = 'usage: node dist/bench/testing-startup.js [--rounds N (default 20)] [--failovers N (default 5)]';
const NODE_TIMEOUT_MS = 500;
/** Redis's default node-timeout: a failover that takes some 16 s of virtual time. */
const VIRTUAL_NODE_TIMEOUT_MS = 15_000;
const DEADLINE_MS = 30_000;

/** Start-ups that lost a port to another process and were started again (printed at the end). */
let portRaces = 0;

/**
 * startCluster(), again when a port it picked was taken before it bound it: the harness picks
 * free ports first and binds them a moment later, and on a shared box other test runs take
 * ports in between. A race is not a start-up time, so it is retried and counted, not timed.
 */
async function start(options: ClusterOptions = {}): Promise<{ cluster: TestCluster; ms: number }> {
  for (;;) {
    const t0 = performance.now();
    try {
      const cluster = await startCluster(options);
      return { cluster, ms: performance.now() - t0 };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!/EADDRINUSE|Address already in use/.test(message) || portRaces >= 10) throw err;
      portRaces++;
      log(`  (a port was taken meanwhile, starting again: ${message})`);
    }
  }
}

interface Failover {
  pfailMs: number;
  failMs: number;
  electedMs: number;
  allOkMs: number;
}

async function startUps(rounds: number): Promise<{ startMs: number[]; closeMs: number[] }> {
  const startMs: number[] = [];
  const closeMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const { cluster, ms } = await start();
    const t1 = performance.now();
    await cluster.close();
    const closedMs = performance.now() - t1;
    startMs.push(ms);
    closeMs.push(closedMs);
    log(`start-up ${round + 1}/${rounds}: ${ms.toFixed(1)} ms to all ok, close ${closedMs.toFixed(1)} ms`);
  }
  return { startMs, closeMs };
}

async function oneFailover(): Promise<Failover> {
  const { cluster } = await start({ nodeTimeoutMs: NODE_TIMEOUT_MS });
  try {
    const victim = cluster.primary(0);
    const elected = cluster.next('failover', { timeoutMs: DEADLINE_MS, where: (e) => e.shard === victim.shard });
    const killedAtMs = Date.now();
    await cluster.kill(victim);
    const event = await elected;
    const survivors = cluster.nodes.filter((n) => n !== victim);
    const deadline = Date.now() + DEADLINE_MS;
    while (!survivors.every((n) => n.redisNode.cluster?.state.state === 'ok')) {
      if (Date.now() > deadline) throw new Error('the survivors did not all reach cluster_state:ok');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const allOkAtMs = Date.now();
    const after = cluster.history().filter((e) => e.timeMs >= killedAtMs);
    const first = (type: 'node-pfail' | 'node-failed'): number => {
      const found = after.find((e) => e.type === type && 'id' in e && e.id === victim.id);
      return found === undefined ? Number.NaN : found.timeMs - killedAtMs;
    };
    return { pfailMs: first('node-pfail'), failMs: first('node-failed'), electedMs: event.timeMs - killedAtMs, allOkMs: allOkAtMs - killedAtMs };
  } finally {
    await cluster.close();
  }
}

/** Kill → `failover` on virtual time: wall and CPU ms, and the virtual ms it took. */
async function oneVirtualFailover(seed: number): Promise<{ wallMs: number; cpuMs: number; virtualMs: number }> {
  const { cluster } = await start({ clock: 'virtual', seed, nodeTimeoutMs: VIRTUAL_NODE_TIMEOUT_MS });
  try {
    const victim = cluster.primary(1);
    let elected = false;
    cluster.on('failover', () => (elected = true));
    const virtualStart = cluster.clock.now();
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    await cluster.kill(victim);
    while (!elected) {
      if (cluster.clock.now() - virtualStart > 10 * VIRTUAL_NODE_TIMEOUT_MS) throw new Error(`no failover on virtual time (seed ${seed})`);
      await cluster.clock.advance(100);
    }
    const cpu = process.cpuUsage(cpuStart);
    return { wallMs: performance.now() - wallStart, cpuMs: (cpu.user + cpu.system) / 1000, virtualMs: cluster.clock.now() - virtualStart };
  } finally {
    await cluster.close();
  }
}

function row(what: string, values: readonly number[], digits: number): string[] {
  const fixed = (v: number): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
  const finite = values.filter(Number.isFinite);
  return [what, String(finite.length), fixed(median(finite)), fixed(Math.min(...finite)), fixed(Math.max(...finite))];
}

async function main(): Promise<void> {
  const args = BenchArgs.parse(process.argv.slice(2), { usage: USAGE, options: ['rounds', 'failovers', 'virtual-failovers'] });
  const rounds = args.rounds(20);
  const failoverRounds = args.positiveInt('failovers', 'BENCH_FAILOVERS', 5);
  const virtualRounds = args.positiveInt('virtual-failovers', 'BENCH_VIRTUAL_FAILOVERS', 5);
  const box = machine();
  const loadBefore = box.loadText();
  process.stdout.write(
    [
      '# hashslot/testing: startCluster() and a failover, in-process',
      `${box.cores} cores, ${box.cpuModel}, ${box.totalMemGib}; node ${process.version}`,
      `load average before (1/5/15 min): ${loadBefore}${box.busy ? ' (busy: figures will be noisy)' : ''}`,
      '',
    ].join('\n') + '\n',
  );

  const { startMs, closeMs } = await startUps(rounds);
  const virtual: Array<{ wallMs: number; cpuMs: number; virtualMs: number }> = [];
  for (let round = 0; round < virtualRounds; round++) {
    const v = await oneVirtualFailover(1501 + round);
    virtual.push(v);
    log(`virtual failover ${round + 1}/${virtualRounds}: ${v.virtualMs} virtual ms in ${v.wallMs.toFixed(0)} ms of wall time (${v.cpuMs.toFixed(0)} ms CPU)`);
  }
  const failovers: Failover[] = [];
  for (let round = 0; round < failoverRounds; round++) {
    const f = await oneFailover();
    failovers.push(f);
    log(`failover ${round + 1}/${failoverRounds}: PFAIL ${f.pfailMs} ms, FAIL ${f.failMs} ms, elected ${f.electedMs} ms, all ok ${f.allOkMs} ms`);
  }

  const columns = [
    { header: 'ms', align: 'left' as const },
    { header: 'runs', align: 'right' as const },
    { header: 'median', align: 'right' as const },
    { header: 'min', align: 'right' as const },
    { header: 'max', align: 'right' as const },
  ];
  process.stdout.write(
    [
      `## startCluster() (3 primaries + 3 replicas) to all ok, ${rounds} runs`,
      '',
      formatTable(columns, [
        row('startCluster() → resolved (all ok)', startMs, 1),
        row('  of which the first (cold) run', startMs.slice(0, 1), 1),
        row('  later runs (warm)', startMs.slice(1), 1),
        row('close()', closeMs, 1),
      ]),
      '',
      `## kill of a primary → failover, real clock, nodeTimeoutMs ${NODE_TIMEOUT_MS}, ${failoverRounds} runs`,
      '',
      formatTable(columns, [
        row('first PFAIL', failovers.map((f) => f.pfailMs), 0),
        row('first FAIL', failovers.map((f) => f.failMs), 0),
        row('replica elected (`failover` event)', failovers.map((f) => f.electedMs), 0),
        row('every survivor cluster_state:ok', failovers.map((f) => f.allOkMs), 0),
      ]),
      '',
      `## kill of a primary → failover, virtual clock, nodeTimeoutMs ${VIRTUAL_NODE_TIMEOUT_MS}, ${virtualRounds} runs (seeds 1501...)`,
      '',
      formatTable(columns, [
        row('virtual time, kill → `failover` event', virtual.map((v) => v.virtualMs), 0),
        row('wall time', virtual.map((v) => v.wallMs), 1),
        row('  of which the first (cold) run', virtual.slice(0, 1).map((v) => v.wallMs), 1),
        row('CPU time (all threads)', virtual.map((v) => v.cpuMs), 1),
      ]),
      '',
      `load average before (1/5/15 min): ${loadBefore}, after: ${machine().loadText()}`,
      ...(portRaces > 0 ? [`${portRaces} start-up(s) lost a port to another process and were started again (not timed)`] : []),
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`testing-startup benchmark failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
