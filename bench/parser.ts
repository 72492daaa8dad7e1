/*
 * Micro-benchmark: server-side request parsing, redis-parser versus protocol/request-parser.ts.
 *
 *   node dist/bench/parser.js [--quick] [--max-time SECONDS] [--rounds N]
 *
 * Issue 2 asks to decide with figures whether the general-purpose `redis-parser` package (a RESP
 * *reply* decoder, used here the way a server would use it: returnBuffers, each request arriving
 * as an array reply through returnReply) or our request-specialised parser is faster at turning a
 * client's bytes into argv. Both are fed identical chunks (see parser-workloads.ts). For requests
 * that arrive whole, both yield Buffer views of the input, so neither pays for a copy the other
 * avoids; a request spread over several reads must be joined somehow, and how each parser does
 * that (re-concatenating, or filling a buffer of the final size) is part of what is compared.
 *
 * Before any timing, each parser runs one pass of every workload and each argv is compared byte
 * for byte with the requests the workload was built from. A parser that parsed less (or wrongly)
 * would otherwise look fast; the benchmark refuses to time it instead.
 *
 * Each parser instance is created once and reused for every pass, like one connection's parser.
 */

import Benchmark from 'benchmark';
import RedisParser from 'redis-parser';
import { spawnSync } from 'node:child_process';
import { RequestParser } from '../protocol/request-parser';
import { BenchArgs } from './bench-cli';
import { machine } from './machine';
import { buildWorkloads, type Workload } from './parser-workloads';
import { formatCount, formatRatio, formatTable } from './table';

/** What both contestants look like to the benchmark: feed one read, report requests seen. */
interface Contestant {
  name: string;
  /** Feeds the chunk; calls onRequest for each complete request it yields. */
  makeFeeder(onRequest: (argv: readonly Buffer[]) => void): (chunk: Buffer) => void;
}

const redisParserContestant: Contestant = {
  name: 'redis-parser',
  makeFeeder(onRequest) {
    const parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: unknown) => {
        if (!Array.isArray(reply)) throw new Error(`redis-parser returned a non-array request: ${String(reply)}`);
        onRequest(reply as Buffer[]);
      },
      returnError: (error: Error) => {
        throw error;
      },
      returnFatalError: (error: Error) => {
        throw error;
      },
    });
    return (chunk) => parser.execute(chunk);
  },
};

const requestParserContestant: Contestant = {
  name: 'RequestParser',
  makeFeeder(onRequest) {
    const parser = new RequestParser();
    return (chunk) => {
      parser.feed(chunk);
      for (let argv = parser.next(); argv !== null; argv = parser.next()) onRequest(argv);
    };
  },
};

const CONTESTANTS = [redisParserContestant, requestParserContestant] as const;

/**
 * Runs one pass and compares every argv with the expected one as it arrives (redis-parser may
 * hand out views of a pool it later reuses, so argv must be checked before the next chunk).
 */
function verify(contestant: Contestant, workload: Workload): string | null {
  let seen = 0;
  let mismatch: string | null = null;
  const feed = contestant.makeFeeder((argv) => {
    const expected = workload.expected[seen];
    seen += 1;
    if (mismatch !== null) return;
    if (expected === undefined) {
      mismatch = `request #${seen} was not sent`;
    } else if (argv.length !== expected.length || argv.some((arg, index) => !Buffer.isBuffer(arg) || !arg.equals(expected[index] ?? Buffer.alloc(0)))) {
      mismatch = `request #${seen} parsed as ${describeArgv(argv)}, expected ${describeArgv(expected)}`;
    }
  });
  try {
    for (const chunk of workload.chunks) feed(chunk);
  } catch (error) {
    return `threw ${error instanceof Error ? error.message : String(error)}`;
  }
  if (mismatch !== null) return mismatch;
  if (seen !== workload.expected.length) return `yielded ${seen} requests, expected ${workload.expected.length}`;
  return null;
}

function describeArgv(argv: readonly Buffer[]): string {
  return '[' + argv.map((arg) => (arg.length > 24 ? `<${arg.length} bytes>` : JSON.stringify(arg.toString('latin1')))).join(', ') + ']';
}

interface Measurement {
  requestsPerSecond: number;
  /** Relative margin of error of the mean, in percent (benchmark.js rme, 95% confidence). */
  rmePercent: number;
  samples: number;
}

/** Stops V8 from treating the parsed argv as dead. */
let sink = 0;

function measure(contestant: Contestant, workload: Workload, maxTimeSeconds: number): Measurement {
  let requests = 0;
  let passes = 0;
  const feed = contestant.makeFeeder((argv) => {
    requests += 1;
    sink += argv.length;
  });
  const chunks = workload.chunks;
  const bench = new Benchmark(`${contestant.name}: ${workload.name}`, {
    fn: () => {
      passes += 1;
      for (let index = 0; index < chunks.length; index += 1) feed(chunks[index] as Buffer);
    },
    maxTime: maxTimeSeconds,
  });
  bench.run({ async: false });
  if (bench.error !== undefined && bench.error !== null) {
    throw new Error(`${contestant.name} failed on ${workload.name}: ${String(bench.error)}`);
  }
  // The argv check ran one pass on a fresh parser; this catches a reused parser that drifts out
  // of step (and would then look fast by parsing less).
  if (requests !== passes * workload.expected.length) {
    throw new Error(`${contestant.name} yielded ${requests} requests in ${passes} passes of "${workload.name}", expected ${passes * workload.expected.length}`);
  }
  return {
    requestsPerSecond: bench.hz * workload.expected.length,
    rmePercent: bench.stats.rme,
    samples: bench.stats.sample.length,
  };
}

/** The faster one, unless their 95% intervals overlap. */
function winner(theirs: Measurement, ours: Measurement): string {
  const low = (m: Measurement): number => m.requestsPerSecond * (1 - m.rmePercent / 100);
  const high = (m: Measurement): number => m.requestsPerSecond * (1 + m.rmePercent / 100);
  if (low(ours) > high(theirs)) return requestParserContestant.name;
  if (low(theirs) > high(ours)) return redisParserContestant.name;
  return 'tie (within error)';
}

interface ParserBenchOptions {
  maxTimeSeconds: number;
  rounds: number;
  /** Set in the child process that times one workload (see timeInChild). */
  childWorkload: number | null;
}

const PARSER_USAGE = 'usage: node dist/bench/parser.js [--quick] [--max-time SECONDS] [--rounds N]';

function parseArgs(argv: readonly string[]): ParserBenchOptions {
  const args = BenchArgs.parse(argv, { usage: PARSER_USAGE, options: ['max-time', 'rounds', 'child'], switches: ['quick'] });
  const quick = args.has('quick');
  const child = args.text('child');
  return {
    maxTimeSeconds: args.positiveNumber('max-time', quick ? undefined : 'BENCH_MAX_TIME', quick ? 0.5 : 2),
    rounds: quick && !args.has('rounds') ? 1 : args.rounds(2),
    childWorkload: child === undefined ? null : Number(child),
  };
}

/**
 * Times one workload in a fresh node process. In one long-lived process the workloads measured
 * later inherit type feedback and optimised code shaped by the earlier ones (a 1 MiB bulk path,
 * split reads), which made figures depend on the order of the table; a process per workload gives
 * each the same start. Both parsers still share that process, in alternating order.
 */
function timeInChild(index: number, options: ParserBenchOptions): { theirs: Measurement; ours: Measurement } {
  const args = [__filename, '--child', String(index), '--max-time', String(options.maxTimeSeconds), '--rounds', String(options.rounds)];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const lastLine = child.stdout.trim().split('\n').pop() ?? '';
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(lastLine);
  } catch {
    // Reported below together with the exit status.
  }
  if (!isPair(parsed)) throw new Error(`timing workload ${index} failed (exit ${String(child.status)}): ${child.stdout}`);
  return parsed;
}

function isMeasurement(value: unknown): value is Measurement {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record['requestsPerSecond'] === 'number' && typeof record['rmePercent'] === 'number' && typeof record['samples'] === 'number';
}

function isPair(value: unknown): value is { theirs: Measurement; ours: Measurement } {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return isMeasurement(record['theirs']) && isMeasurement(record['ours']);
}

/**
 * Runs every contestant over every workload for a moment before anything is timed, so that the
 * first workloads measured do not also pay for V8 optimising the parsers' code.
 */
function warmUp(workloads: readonly Workload[]): void {
  for (const contestant of CONTESTANTS) {
    const feed = contestant.makeFeeder((argv) => {
      sink += argv.length;
    });
    for (const workload of workloads) {
      const untilMs = performance.now() + 200;
      while (performance.now() < untilMs) for (const chunk of workload.chunks) feed(chunk);
    }
  }
}

/**
 * The best of `rounds` alternating measurements per contestant. The box is shared (other
 * processes, the other parser's garbage): interference only ever slows a run down, so the fastest
 * round is the one closest to the parser's own cost.
 */
function measurePair(workload: Workload, options: ParserBenchOptions): { theirs: Measurement; ours: Measurement } {
  let theirs: Measurement | null = null;
  let ours: Measurement | null = null;
  const better = (best: Measurement | null, next: Measurement): Measurement =>
    best === null || next.requestsPerSecond > best.requestsPerSecond ? next : best;
  for (let round = 0; round < options.rounds; round += 1) {
    const order = round % 2 === 0 ? CONTESTANTS : [...CONTESTANTS].reverse();
    for (const contestant of order) {
      const measured = measure(contestant, workload, options.maxTimeSeconds);
      if (contestant === redisParserContestant) theirs = better(theirs, measured);
      else ours = better(ours, measured);
    }
  }
  if (theirs === null || ours === null) throw new Error('no rounds measured');
  return { theirs, ours };
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  if (options.childWorkload !== null) {
    const workload = buildWorkloads()[options.childWorkload];
    if (workload === undefined) throw new Error(`no workload ${options.childWorkload}`);
    warmUp([workload]);
    process.stdout.write(JSON.stringify(measurePair(workload, options)) + '\n');
    return;
  }
  const workloads = buildWorkloads();
  const box = machine();
  process.stdout.write(
    [
      `# Request parsing: redis-parser (returnBuffers) vs protocol/request-parser.ts`,
      ``,
      `- node ${process.version}, ${box.cores} CPU core(s), ${box.cpuModel}, load average ${box.loadText()} at start;`,
      `  single-threaded, no server involved, but other processes on the box compete for the same cores`,
      `- benchmark.js, one node process per workload, maxTime ${options.maxTimeSeconds} s per measurement,`,
      `  ${options.rounds} alternating round(s) per cell, best round shown;`,
      `  figures are requests parsed per second (mean of the samples, ±rme at 95%)`,
      ``,
    ].join('\n'),
  );

  // A workload on which either parser disagrees with the input is reported and not timed; the
  // others still are, so one parser bug does not hide every other figure.
  const failures = new Map<Workload, string[]>();
  for (const workload of workloads) {
    for (const contestant of CONTESTANTS) {
      const problem = verify(contestant, workload);
      if (problem === null) continue;
      failures.set(workload, [...(failures.get(workload) ?? []), `${contestant.name}: ${problem}`]);
    }
  }
  if (failures.size === 0) {
    process.stdout.write(`argv check: both parsers yield the expected argv for every request of all ${workloads.length} workloads\n\n`);
  } else {
    process.exitCode = 1;
    process.stdout.write(`argv check FAILED on ${failures.size} of ${workloads.length} workloads (not timed):\n`);
    for (const [workload, problems] of failures) {
      for (const problem of problems) process.stdout.write(`- "${workload.name}": ${problem}\n`);
    }
    process.stdout.write('\n');
  }

  const rows: string[][] = [];
  for (const [index, workload] of workloads.entries()) {
    const shape = [workload.name, String(workload.expected.length), String(workload.chunks.length)];
    if (failures.has(workload)) {
      rows.push([...shape, '-', '-', '-', 'not timed: argv check failed']);
      continue;
    }
    process.stderr.write(`  timing ${workload.name}...\n`);
    const { theirs, ours } = timeInChild(index, options);
    rows.push([
      ...shape,
      `${formatCount(theirs.requestsPerSecond)} ±${theirs.rmePercent.toFixed(1)}%`,
      `${formatCount(ours.requestsPerSecond)} ±${ours.rmePercent.toFixed(1)}%`,
      formatRatio(ours.requestsPerSecond / theirs.requestsPerSecond),
      winner(theirs, ours),
    ]);
  }
  process.stdout.write(
    formatTable(
      [
        { header: 'workload', align: 'left' },
        { header: 'req/pass', align: 'right' },
        { header: 'reads/pass', align: 'right' },
        { header: 'redis-parser req/s', align: 'right' },
        { header: 'RequestParser req/s', align: 'right' },
        { header: 'ours/theirs', align: 'right' },
        { header: 'winner', align: 'left' },
      ],
      rows,
    ) + '\n',
  );
}

main();
