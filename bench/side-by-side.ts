/*
 * Side-by-side benchmark: real redis-server versus hashslot (issue 2).
 *
 *   node dist/bench/side-by-side.js [--quick] [-n REQUESTS] [-c CLIENTS] [--rounds N] [--keys N]
 *
 * Two phases, each on freshly started servers so that neither phase inherits the other's heap:
 *
 *   1. throughput: redis-benchmark SET, GET, INCR, MSET, LPUSH, LPOP, LRANGE_100 at -P 1 and
 *      -P 16 against each server in alternation (see throughput-phase.ts); table of ops/s and the
 *      ratio hashslot/redis, with the targets (P1 >= 0.8x, P16 >= 0.5x) marked met or not.
 *   2. memory: 1,000,000 distinct keys with 100-byte values loaded into each; RSS per key from
 *      /proc and the ratio (target <= 2x); used_memory from INFO where available.
 *
 * Both servers listen on free loopback ports and are stopped at the end, on error and on SIGINT.
 * Progress goes to stderr, results to stdout, so `npm run bench > figures.md` keeps only figures.
 */

import * as os from 'node:os';
import { LOOPBACK_HOST } from './harness/free-port';
import { BenchArgs } from './bench-cli';
import { machine, redisServerVersion } from './machine';
import { HASHSLOT_BIN, loadGenerators, startPair, stopAll, stopServersOnExit } from './launch';
import { measureMemory, renderMemoryReport, type MemoryResult } from './memory-phase';
import { runThroughputPhase } from './throughput-phase';

interface Options {
  requests: number;
  clients: number;
  rounds: number;
  keyCount: number;
  valueBytes: number;
  tests: string[];
  pipelines: number[];
  phases: Set<'throughput' | 'memory'>;
  redisServer: string;
  redisBenchmark: string;
}

const USAGE = `usage: node dist/bench/side-by-side.js [options]
  --quick              -n 50000, 1 round, 100000 keys (each still overridable)
  -n, --requests N     requests per redis-benchmark run   (env BENCH_REQUESTS, default 200000)
  -c, --clients N      redis-benchmark connections        (env BENCH_CLIENTS,  default 50)
  --rounds N           runs per cell, median reported     (env BENCH_ROUNDS,   default 3)
  --keys N             keys loaded for the memory phase   (env BENCH_KEYS,     default 1000000)
  --value-bytes N      value size for the memory phase    (default 100)
  --tests a,b          redis-benchmark -t tests           (default set,get,incr,mset,lpush,lpop,lrange_100)
  --pipelines 1,16     pipeline depths                    (default 1,16)
  --only PHASE         throughput | memory
  --redis-server PATH  (env BENCH_REDIS_SERVER, default redis-server)
  --redis-benchmark PATH (env BENCH_REDIS_BENCHMARK, default redis-benchmark)
  env BENCH_HASHSLOT_BIN overrides bin/hashslot-server (run with this node binary)`;

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const args = BenchArgs.parse(argv, {
    usage: USAGE,
    options: ['requests', 'clients', 'rounds', 'keys', 'value-bytes', 'tests', 'pipelines', 'only', 'redis-server', 'redis-benchmark'],
    switches: ['quick'],
    short: { '-n': 'requests', '-c': 'clients' },
  }, env);
  const quick = args.has('quick');
  const integer = (name: string, envName: string, normal: number, quickValue: number): number =>
    args.positiveInt(name, envName, quick ? quickValue : normal);
  const only = args.text('only');
  if (only !== undefined && only !== 'throughput' && only !== 'memory') throw new Error(`--only takes throughput or memory`);
  return {
    requests: integer('requests', 'BENCH_REQUESTS', 200_000, 50_000),
    clients: integer('clients', 'BENCH_CLIENTS', 50, 50),
    rounds: integer('rounds', 'BENCH_ROUNDS', 3, 1),
    keyCount: integer('keys', 'BENCH_KEYS', 1_000_000, 100_000),
    valueBytes: integer('value-bytes', 'BENCH_VALUE_BYTES', 100, 100),
    tests: (args.text('tests') ?? 'set,get,incr,mset,lpush,lpop,lrange_100').split(',').filter((test) => test !== ''),
    pipelines: (args.text('pipelines') ?? '1,16').split(',').map(Number).filter((depth) => Number.isInteger(depth) && depth > 0),
    phases: new Set(only === undefined ? ['throughput', 'memory'] : [only]),
    redisServer: args.text('redis-server', 'BENCH_REDIS_SERVER') ?? 'redis-server',
    redisBenchmark: args.text('redis-benchmark', 'BENCH_REDIS_BENCHMARK') ?? 'redis-benchmark',
  };
}

function describeMachine(options: Options): string {
  const redisVersion = redisServerVersion(options.redisServer);
  const box = machine();
  return [
    `# hashslot vs redis-server, side by side`,
    ``,
    `- machine: ${box.cores} CPU core(s), ${box.cpuModel}, ${box.totalMemGib} RAM, ${os.platform()} ${os.release()}`,
    `- CPU sharing: redis-benchmark and the server under test run on the same ${box.cores} core(s) and compete`,
    `  for them (in the memory phase, this script's loader shares them with the server being loaded).`,
    `  Both servers are measured under the same handicap; absolute figures are for this box only.`,
    `- load average at start: ${box.loadText()}` +
      (box.busy ? ` (busy box: other processes compete for the cores, expect noisy figures)` : ''),
    `- node ${process.version}; ${redisVersion}`,
    `- hashslot: ${HASHSLOT_BIN}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const log = (line: string): void => void process.stderr.write(line + '\n');
  process.stdout.write(describeMachine(options) + '\n');
  try {
    if (options.phases.has('throughput')) {
      log(`starting servers for the throughput phase...`);
      const { redis, hashslot } = await startPair(options.redisServer);
      const command = `redis-benchmark -h ${LOOPBACK_HOST} -p <port> -t <test> -c ${options.clients} -n ${options.requests} -P <1|16> --csv`;
      const report = await runThroughputPhase(
        {
          redisBenchmark: options.redisBenchmark,
          tests: options.tests,
          pipelines: options.pipelines,
          clients: options.clients,
          requests: options.requests,
          rounds: options.rounds,
          signal: loadGenerators.signal,
        },
        redis,
        hashslot,
        log,
      );
      await stopAll();
      if (loadGenerators.signal.aborted) return;
      process.stdout.write(
        [
          ``,
          `## Throughput (median of ${options.rounds} round(s), servers in alternation${options.rounds > 1 ? '; ±: half the range of the rounds' : ''})`,
          ``,
          `each cell: ${command}`,
          ``,
          report.table,
          ...(report.problems.length > 0 ? ['', 'problems:', ...report.problems] : []),
          ``,
        ].join('\n'),
      );
    }
    if (options.phases.has('memory')) {
      log(`starting fresh servers for the memory phase...`);
      const { redis, hashslot } = await startPair(options.redisServer);
      const results: MemoryResult[] = [];
      for (const server of [redis, hashslot]) {
        log(`  loading ${options.keyCount} keys into ${server.name}...`);
        try {
          results.push(await measureMemory(server, { keyCount: options.keyCount, valueBytes: options.valueBytes }));
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new Error(`memory phase failed on ${server.name}: ${reason}` + (server.isRunning ? '' : '\n' + server.describeFailure()));
        }
      }
      await stopAll();
      process.stdout.write(
        [
          ``,
          `## Memory (${options.keyCount.toLocaleString('en-US')} distinct keys, ${options.valueBytes}-byte values, pipelined SET)`,
          ``,
          renderMemoryReport(results, { keyCount: options.keyCount, valueBytes: options.valueBytes }),
          ``,
        ].join('\n'),
      );
    }
  } finally {
    await stopAll();
  }
}

stopServersOnExit();

main().catch((error: unknown) => {
  process.stderr.write(`side-by-side benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
  void stopAll();
});
