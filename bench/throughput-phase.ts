/*
 * Throughput: redis-benchmark against redis-server and hashslot, in alternation.
 *
 * Each (pipeline, test) cell is measured on both servers back to back, and the server that goes
 * first alternates from one run to the next. Running all of redis first and all of hashslot second
 * would let anything that drifts during the run (CPU frequency, other tenants, page cache) land on
 * one side only; interleaving spreads it over both. With several rounds the median is reported.
 *
 * Only one server is under load at a time, but the load generator runs on the same machine: on a
 * two-core box redis-benchmark and the server compete for the same CPUs, which caps both figures
 * and favours neither side in particular.
 */

import { runRedisBenchmark, type RedisBenchmarkResult } from './redis-benchmark-run';
import type { ServerProcess } from './harness/server-process';
import { formatCount, formatRatio, formatTable, median } from './table';

export interface ThroughputOptions {
  redisBenchmark: string;
  tests: readonly string[];
  pipelines: readonly number[];
  clients: number;
  requests: number;
  rounds: number;
  signal?: AbortSignal;
}

/** The ratio hashslot/redis that issue 2 asks for, per pipeline depth. */
export function throughputTarget(pipeline: number): number | null {
  if (pipeline === 1) return 0.8;
  if (pipeline === 16) return 0.5;
  return null;
}

interface Cell {
  test: string;
  label: string;
  pipeline: number;
  redisRps: number[];
  hashslotRps: number[];
  /** The server answered "unknown command": shown as n/a rather than as a failure. */
  hashslotLacksCommand: boolean;
  redisLacksCommand: boolean;
}

export interface ThroughputReport {
  table: string;
  problems: string[];
}

export async function runThroughputPhase(
  options: ThroughputOptions,
  redis: ServerProcess,
  hashslot: ServerProcess,
  log: (line: string) => void,
): Promise<ThroughputReport> {
  const cells: Cell[] = [];
  /** Problem text -> the cells it happened in, so a warning every run repeats is printed once. */
  const problems = new Map<string, string[]>();
  let runIndex = 0;
  // Generous: a server that manages even 2,000 ops/s finishes in time; one that hangs does not.
  const timeoutMs = Math.max(60_000, options.requests / 2);

  outer: for (const pipeline of options.pipelines) {
    for (const test of options.tests) {
      const cell: Cell = { test, label: test.toUpperCase(), pipeline, redisRps: [], hashslotRps: [], hashslotLacksCommand: false, redisLacksCommand: false };
      cells.push(cell);
      for (let round = 0; round < options.rounds; round += 1) {
        const order = runIndex % 2 === 0 ? [redis, hashslot] : [hashslot, redis];
        runIndex += 1;
        for (const server of order) {
          const result = await runRedisBenchmark({
            binary: options.redisBenchmark,
            port: server.port,
            test,
            pipeline,
            clients: options.clients,
            requests: options.requests,
            timeoutMs,
            ...(options.signal !== undefined ? { signal: options.signal } : {}),
          });
          if (options.signal?.aborted === true) break outer;
          if (lacksCommand(result)) {
            // Not implemented (yet) on that side: nothing to measure, and not a failure.
            if (server === redis) cell.redisLacksCommand = true;
            else cell.hashslotLacksCommand = true;
            log(`  ${cell.label.padEnd(14)} -P ${String(pipeline).padEnd(2)} round ${round + 1}/${options.rounds}  ${server.name.padEnd(8)}         n/a (unknown command)`);
            continue;
          }
          const rps = takeRps(result, server, `${test} -P ${pipeline}`, problems);
          const row = result.rows.at(-1);
          if (row !== undefined) cell.label = row.test;
          (server === redis ? cell.redisRps : cell.hashslotRps).push(rps);
          log(`  ${cell.label.padEnd(14)} -P ${String(pipeline).padEnd(2)} round ${round + 1}/${options.rounds}  ${server.name.padEnd(8)} ${formatCount(rps).padStart(11)} ops/s`);
          if (!server.isRunning) {
            problems.set(server.describeFailure(), []);
            break outer;
          }
        }
      }
    }
  }
  const problemLines = [...problems].map(([problem, where]) => (where.length > 0 ? `[${where.join(', ')}] ${problem}` : problem));
  return { table: renderTable(cells), problems: problemLines };
}

/** redis-benchmark stopped on "ERR unknown command": the server does not have the command. */
function lacksCommand(result: RedisBenchmarkResult): boolean {
  return result.rows.length === 0 && /ERR unknown command/.test(result.diagnostics);
}

function takeRps(result: RedisBenchmarkResult, server: ServerProcess, where: string, problems: Map<string, string[]>): number {
  // The test's own row is the last: -t lrange_100 first prints "LPUSH (needed to benchmark LRANGE)".
  const row = result.rows.at(-1);
  const failed = result.timedOut || row === undefined || (result.exitCode !== null && result.exitCode !== 0);
  if (failed || result.diagnostics !== '') {
    const status = result.timedOut ? 'timed out' : `exit code ${result.exitCode ?? 'none'}`;
    const diagnostics = result.diagnostics === '' ? '(no output)' : result.diagnostics;
    const problem = `redis-benchmark against ${server.name}: ${status}\n${indent(diagnostics)}`;
    const cells = problems.get(problem) ?? [];
    if (!cells.includes(where)) cells.push(where);
    problems.set(problem, cells);
  }
  return failed || row === undefined ? Number.NaN : row.rps;
}

function renderTable(cells: readonly Cell[]): string {
  const rows = cells.map((cell) => {
    const redisRps = median(cell.redisRps);
    const hashslotRps = median(cell.hashslotRps);
    const ratio = hashslotRps / redisRps;
    const target = throughputTarget(cell.pipeline);
    const notApplicable = cell.redisLacksCommand || cell.hashslotLacksCommand;
    const status = notApplicable ? 'n/a' : target === null ? '-' : !Number.isFinite(ratio) ? 'no figure' : ratio >= target ? 'met' : 'NOT MET';
    return [
      cell.label,
      `-P ${cell.pipeline}`,
      cell.redisLacksCommand ? 'n/a' : formatCount(redisRps) + spread(cell.redisRps),
      cell.hashslotLacksCommand ? 'n/a' : formatCount(hashslotRps) + spread(cell.hashslotRps),
      notApplicable ? 'n/a' : formatRatio(ratio),
      target === null ? '-' : `>= ${target.toFixed(2)}x`,
      status,
    ];
  });
  return formatTable(
    [
      { header: 'test', align: 'left' },
      { header: 'pipeline', align: 'left' },
      { header: 'redis ops/s', align: 'right' },
      { header: 'hashslot ops/s', align: 'right' },
      { header: 'hashslot/redis', align: 'right' },
      { header: 'target', align: 'left' },
      { header: 'status', align: 'left' },
    ],
    rows,
  );
}

/**
 * Half the range of the rounds, relative to their median: " ±12%". Shown so that a ratio close to
 * a target can be told apart from run-to-run noise; empty with a single round.
 */
function spread(values: readonly number[]): string {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length < 2) return '';
  const halfRange = (Math.max(...finite) - Math.min(...finite)) / 2;
  return ` ±${Math.round((100 * halfRange) / median(finite))}%`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
