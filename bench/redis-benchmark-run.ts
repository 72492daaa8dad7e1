/*
 * One run of the real redis-benchmark binary, with its --csv output parsed.
 *
 * redis-benchmark 7.0 prints, with --csv, a header line and one line per test:
 *
 *   "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...
 *   "SET","769230.75","0.868","0.392","0.831",...
 *
 * Test names may contain spaces ("MSET (10 keys)"), so fields are split on the quoted separator
 * rather than on bare commas. Anything that is not such a line (warnings, "Error from server")
 * is kept as diagnostics. A run is bounded by a timeout so that a server which stops answering
 * turns into a reported failure instead of a benchmark that hangs forever.
 */

import { LOOPBACK_HOST } from './harness/free-port';
import { runProgram } from './harness/run-program';

export interface RedisBenchmarkOptions {
  binary: string;
  port: number;
  /** redis-benchmark -t value, e.g. "set". */
  test: string;
  pipeline: number;
  clients: number;
  requests: number;
  timeoutMs: number;
  /** Aborting kills the redis-benchmark process (used on SIGINT so no load generator outlives us). */
  signal?: AbortSignal;
}

export interface RedisBenchmarkRow {
  test: string;
  rps: number;
  avgLatencyMs: number;
  p99LatencyMs: number;
}

export interface RedisBenchmarkResult {
  rows: RedisBenchmarkRow[];
  /** stderr, and stdout lines that are not CSV rows. */
  diagnostics: string;
  exitCode: number | null;
  timedOut: boolean;
}

export function redisBenchmarkArgs(options: RedisBenchmarkOptions): string[] {
  return [
    '-h', LOOPBACK_HOST,
    '-p', String(options.port),
    '-t', options.test,
    '-c', String(options.clients),
    '-n', String(options.requests),
    '-P', String(options.pipeline),
    '--csv',
  ];
}

export async function runRedisBenchmark(options: RedisBenchmarkOptions): Promise<RedisBenchmarkResult> {
  try {
    const result = await runProgram(options.binary, redisBenchmarkArgs(options), {
      timeoutMs: options.timeoutMs,
      ...(options.signal !== undefined ? { abortSignal: options.signal } : {}),
    });
    const { rows, otherLines } = parseCsv(result.stdout);
    const diagnostics = [result.stderr.trim(), otherLines.join('\n')].filter((text) => text !== '').join('\n');
    return { rows, diagnostics, exitCode: result.code, timedOut: result.timedOut };
  } catch (error) {
    // Not started (or aborted): reported like any failed run, so the table shows "no figure".
    const reason = error instanceof Error ? error.message : String(error);
    return { rows: [], diagnostics: `could not run ${options.binary}: ${reason}`, exitCode: null, timedOut: false };
  }
}

export function parseCsv(stdout: string): { rows: RedisBenchmarkRow[]; otherLines: string[] } {
  const rows: RedisBenchmarkRow[] = [];
  const otherLines: string[] = [];
  for (const rawLine of stdout.split('\n')) {
    // redis-benchmark redraws a progress line with \r before the final figure; keep the last part.
    const line = (rawLine.split('\r').pop() ?? '').trim();
    if (line === '') continue;
    if (!line.startsWith('"') || !line.endsWith('"')) {
      otherLines.push(line);
      continue;
    }
    const fields = line.slice(1, -1).split('","');
    if (fields[0] === 'test') continue;
    const rps = Number(fields[1]);
    if (fields[0] === undefined || !Number.isFinite(rps)) {
      otherLines.push(line);
      continue;
    }
    rows.push({ test: fields[0], rps, avgLatencyMs: Number(fields[2]), p99LatencyMs: Number(fields[6]) });
  }
  return { rows, otherLines };
}
