/*
 * Data-type benchmark: real redis-server versus hashslot, side by side in one run.
 *
 *   npm run bench:types -- [-n REQUESTS] [-c CLIENTS] [--rounds N] [--ops N] [--bursts N] [--max-size N]
 *                          [--only throughput|zset|strings] [--string-sizes 1M,16M]
 *
 * Three phases on the same pair of servers (launch.ts starts and always stops them):
 *
 *   1. throughput: redis-benchmark -t lpush,lpop,sadd,hset,zadd,lrange_100 at -P 1 and -P 16,
 *      the servers in alternation (throughput-phase.ts); ops/s of each and the ratio
 *      hashslot/redis against the targets (P1 >= 0.8x, P16 >= 0.5x).
 *   2. sorted-set scaling: one sorted set grown to 1k, 10k, 100k and 1M members, with ZADD,
 *      ZRANK, ZRANGE and ZRANGEBYSCORE timed at each size (zset-scaling.ts): the cost per
 *      operation should stay about flat (logarithmic structures) on both servers.
 *   3. string edits: SETBIT, SETRANGE, GETBIT, SETBIT+GETBIT, APPEND and GET on a 1 MB and a
 *      16 MB value, µs per call (string-edit-cost.ts): an edit should cost the same at any size.
 *
 * A command a server does not have (ZADD before hashslot has sorted sets) shows as n/a instead
 * of failing the run. Defaults keep the whole run under about three minutes on a 2-core box.
 * Progress goes to stderr, figures to stdout.
 */

import { BenchArgs, log } from './bench-cli';
import { loadGenerators, startPair, stopAll, stopServersOnExit } from './launch';
import { machine } from './machine';
import { runThroughputPhase } from './throughput-phase';
import { measureStringEdits, parseStringSizes, renderStringEdits, STRING_SIZES, type StringEditCosts } from './string-edit-cost';
import { measureZsetScaling, renderZsetScaling, ZSET_SIZES, type ZsetScaling } from './zset-scaling';

const TESTS = ['lpush', 'lpop', 'sadd', 'hset', 'zadd', 'lrange_100'];
const PHASES = ['throughput', 'zset', 'strings'];
/** Calls per timed burst of the strings phase (of GET, which moves the whole value), and bursts per cell. */
const STRING_CALLS_PER_BURST = 2000;
const STRING_GET_CALLS = 20;
const STRING_BURSTS = 3;

interface Options {
  requests: number;
  clients: number;
  rounds: number;
  opsPerBurst: number;
  bursts: number;
  sizes: number[];
  stringSizes: number[];
  phases: Set<string>;
  redisServer: string;
  redisBenchmark: string;
}

const USAGE = `usage: node dist/bench/data-types.js [options]   (npm run bench:types -- [options])
  -n, --requests N     requests per redis-benchmark run        (env BENCH_REQUESTS,    default 100000)
  -c, --clients N      redis-benchmark connections             (env BENCH_CLIENTS,     default 50)
  --rounds N           runs per cell, median reported          (env BENCH_ROUNDS,      default 1)
  --only PHASE         throughput | zset | strings
  --max-size N         largest sorted set of the zset phase    (env BENCH_ZSET_MAX,    default 1000000)
  --ops N              pipelined calls per burst               (env BENCH_ZSET_OPS,    default 10000)
  --bursts N           bursts per size, median reported        (env BENCH_ZSET_BURSTS, default 3)
  --string-sizes LIST  string values of the strings phase      (env BENCH_STRING_SIZES, default 1M,16M)
  --redis-server PATH  (env BENCH_REDIS_SERVER, default redis-server)
  --redis-benchmark PATH (env BENCH_REDIS_BENCHMARK, default redis-benchmark)`;

function parseOptions(argv: readonly string[]): Options {
  const args = BenchArgs.parse(argv, {
    usage: USAGE,
    options: ['requests', 'clients', 'rounds', 'only', 'max-size', 'ops', 'bursts', 'string-sizes', 'redis-server', 'redis-benchmark'],
    short: { '-n': 'requests', '-c': 'clients' },
  });
  const maxSize = args.positiveInt('max-size', 'BENCH_ZSET_MAX', 1_000_000);
  const only = args.text('only');
  const stringSizes = args.text('string-sizes', 'BENCH_STRING_SIZES');
  if (only !== undefined && !PHASES.includes(only)) throw new Error(`--only takes one of ${PHASES.join(', ')}`);
  return {
    requests: args.positiveInt('requests', 'BENCH_REQUESTS', 100_000),
    clients: args.positiveInt('clients', 'BENCH_CLIENTS', 50),
    rounds: args.rounds(1),
    opsPerBurst: args.positiveInt('ops', 'BENCH_ZSET_OPS', 10_000),
    bursts: args.positiveInt('bursts', 'BENCH_ZSET_BURSTS', 3),
    sizes: ZSET_SIZES.filter((size) => size <= maxSize),
    stringSizes: stringSizes === undefined ? [...STRING_SIZES] : parseStringSizes(stringSizes),
    phases: new Set(only === undefined ? PHASES : [only]),
    redisServer: args.text('redis-server', 'BENCH_REDIS_SERVER') ?? 'redis-server',
    redisBenchmark: args.text('redis-benchmark', 'BENCH_REDIS_BENCHMARK') ?? 'redis-benchmark',
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedMs = performance.now();
  log('starting redis-server and hashslot...');
  const { redis, hashslot } = await startPair(options.redisServer);
  const out: string[] = ['# Data types: hashslot vs redis-server, side by side', ''];
  if (options.phases.has('throughput')) {
    const report = await runThroughputPhase(
      {
        redisBenchmark: options.redisBenchmark,
        tests: TESTS,
        pipelines: [1, 16],
        clients: options.clients,
        requests: options.requests,
        rounds: options.rounds,
        signal: loadGenerators.signal,
      },
      redis,
      hashslot,
      log,
    );
    if (loadGenerators.signal.aborted) return;
    out.push(
      `## Throughput (redis-benchmark -c ${options.clients} -n ${options.requests}, median of ${options.rounds} round(s))`,
      '',
      report.table,
      ...(report.problems.length > 0 ? ['', 'problems:', ...report.problems] : []),
      '',
    );
  }
  if (options.phases.has('zset')) {
    log('sorted-set scaling...');
    const results: ZsetScaling[] = [];
    for (const server of [redis, hashslot]) results.push(await measureZsetScaling(server, { sizes: options.sizes, opsPerBurst: options.opsPerBurst, bursts: options.bursts }, log));
    out.push(
      `## Sorted set scaling (µs per call: median of ${options.bursts} bursts of ${options.opsPerBurst.toLocaleString('en-US')} pipelined calls; flat = logarithmic)`,
      '',
      renderZsetScaling(results, options.sizes),
      '',
    );
    for (const result of results) if (result.firstError !== null) out.push(`${result.server}: first error reply: ${result.firstError}`);
  }
  if (options.phases.has('strings')) {
    log('string edits...');
    const loadBefore = machine().loadText();
    const results: StringEditCosts[] = [];
    const edits = { sizes: options.stringSizes, callsPerBurst: STRING_CALLS_PER_BURST, getCalls: STRING_GET_CALLS, bursts: STRING_BURSTS };
    for (const server of [redis, hashslot]) results.push(await measureStringEdits(server, edits, log));
    out.push(
      `## Editing a long string (µs per call: median of ${STRING_BURSTS} bursts of up to ${STRING_CALLS_PER_BURST} pipelined calls, GET ${STRING_GET_CALLS}; ` +
        'fewer where a burst would take over a second: calls/burst is redis / hashslot)',
      '',
      renderStringEdits(results, options.stringSizes),
      '',
      `load average (1/5/15 min) before: ${loadBefore}, after: ${machine().loadText()}`,
      '',
    );
    for (const result of results) if (result.firstError !== null) out.push(`${result.server}: first error reply: ${result.firstError}`);
  }
  await stopAll();
  out.push('', `(whole run: ${Math.round((performance.now() - startedMs) / 1000)} s)`);
  process.stdout.write(out.join('\n') + '\n');
}

stopServersOnExit();

main().catch((error: unknown) => {
  process.stderr.write(`data-types benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
  void stopAll();
});
