/*
 * How the cost of sorted-set operations grows with the set's size: one sorted set grown to
 * 1k, 10k, 100k and 1M members (pipelined ZADD batches), and at each size a burst of each
 * operation timed:
 *
 *   ZADD          one new member per call
 *   ZRANK         a random existing member
 *   ZRANGE        10 members at offsets 0, 1/4, 1/2, 3/4 of the set and its last 10, in turn
 *   ZRANGEBYSCORE from a random score to +inf, LIMIT 0 10
 *
 * Each burst is pipelined (batches of commands in flight, as key-loader.ts does), so the figure
 * is the server's cost per operation plus parsing and replying, not a network round trip. With
 * an ordered index (skiplist, B-tree) every one of these is O(log n), so the microseconds per
 * operation should stay about flat from 1k to 1M members; a cost that grows with the size shows
 * a linear step somewhere. The "1M / 1k" column is that growth.
 *
 * A server that does not know ZADD (unknown command) is reported as n/a; an operation it does
 * not know is n/a in its row.
 */

import { RawClient } from './harness/raw-client';
import type { Arg } from './harness/resp';
import type { ServerProcess } from './harness/server-process';
import { runPipelined } from './key-loader';
import { formatTable, median } from './table';

export const ZSET_SIZES: readonly number[] = [1_000, 10_000, 100_000, 1_000_000];
const KEY = 'bench:zset';
const MEMBERS_PER_ZADD = 100;
/** Scores are spread over [0, SCORE_RANGE). */
const SCORE_RANGE = 1_000_000_000;

export const OPERATIONS = ['ZADD', 'ZRANK', 'ZRANGE', 'ZRANGEBYSCORE'] as const;
export type Operation = (typeof OPERATIONS)[number];

const LABELS: Record<Operation, string> = {
  ZADD: 'ZADD (new member)',
  ZRANK: 'ZRANK',
  ZRANGE: 'ZRANGE 10 at offsets',
  ZRANGEBYSCORE: 'ZRANGEBYSCORE LIMIT 0 10',
};

/** Microseconds per operation at each size (NaN: the server refused the command). */
export type Costs = Record<Operation, number[]>;

export interface ZsetScaling {
  server: string;
  /** null: the server does not have ZADD. */
  costs: Costs | null;
  fillMs: number[];
  firstError: string | null;
}

export interface ZsetScalingOptions {
  sizes: readonly number[];
  /** Commands per timed burst. */
  opsPerBurst: number;
  /** Timed bursts per cell; the median is reported. */
  bursts: number;
}

/** The score of member i: spread out and reproducible, without a random source. */
function scoreOf(index: number): string {
  return String((Math.imul(index + 1, 2654435761) >>> 0) % SCORE_RANGE);
}

/** A small seeded generator for picking members, scores and offsets (xorshift32). */
export function picker(seed: number): (below: number) => number {
  let state = seed >>> 0 || 1;
  return (below) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % below;
  };
}

export async function measureZsetScaling(server: ServerProcess, options: ZsetScalingOptions, log: (line: string) => void): Promise<ZsetScaling> {
  const client = await RawClient.connect(server.port);
  try {
    const probe = (await client.call('ZADD', KEY, '0', 'probe')).toString('latin1');
    if (probe.startsWith('-ERR unknown command')) return { server: server.name, costs: null, fillMs: [], firstError: probe.trim() };
    await client.call('DEL', KEY);
    const costs: Costs = { ZADD: [], ZRANK: [], ZRANGE: [], ZRANGEBYSCORE: [] };
    const fillMs: number[] = [];
    let firstError: string | null = null;
    let filled = 0;
    for (const size of options.sizes) {
      const commands = Math.ceil((size - filled) / MEMBERS_PER_ZADD);
      const from = filled;
      const fill = await runPipelined(client, commands, (i) => {
        const argv: Arg[] = ['ZADD', KEY];
        for (let m = from + i * MEMBERS_PER_ZADD; m < Math.min(size, from + (i + 1) * MEMBERS_PER_ZADD); m++) argv.push(scoreOf(m), `m:${m}`);
        return argv;
      }, { batchSize: 50 });
      filled = size;
      fillMs.push(fill.elapsedMs);
      firstError ??= fill.firstError;
      log(`  ${server.name.padEnd(8)} sorted set filled to ${size.toLocaleString('en-US')} members (${Math.round(fill.elapsedMs)} ms)`);
      for (const operation of OPERATIONS) {
        // The first size also warms up (JIT, allocator): an untimed burst before the timed one.
        if (size === options.sizes[0]) await runPipelined(client, options.opsPerBurst, commandFor(operation, size, -1), { batchSize: 200 });
        // The median of a few bursts: one burst can land on a garbage collection or a busy core.
        const samples: number[] = [];
        for (let b = 0; b < options.bursts; b++) {
          const burst = await runPipelined(client, options.opsPerBurst, commandFor(operation, size, b), { batchSize: 200 });
          firstError ??= burst.firstError;
          samples.push(burst.errors > 0 ? Number.NaN : (burst.elapsedMs * 1000) / options.opsPerBurst);
        }
        costs[operation].push(samples.some((v) => Number.isNaN(v)) ? Number.NaN : median(samples));
      }
    }
    await client.call('DEL', KEY);
    return { server: server.name, costs, fillMs, firstError };
  } finally {
    client.close();
  }
}

/** The i-th command of burst number `burst` of `operation` against a set of `size` members. */
function commandFor(operation: Operation, size: number, burst: number): (i: number) => Arg[] {
  const pick = picker(size * 7 + burst + 1);
  const offsets = [0, Math.floor(size / 4), Math.floor(size / 2), Math.floor((3 * size) / 4), size - 10];
  switch (operation) {
    case 'ZADD':
      return (i) => ['ZADD', KEY, String(pick(SCORE_RANGE)), `new:${size}:${burst}:${i}`];
    case 'ZRANK':
      return () => ['ZRANK', KEY, `m:${pick(size)}`];
    case 'ZRANGE':
      return (i) => {
        const start = offsets[i % offsets.length] ?? 0;
        return ['ZRANGE', KEY, String(start), String(start + 9)];
      };
    case 'ZRANGEBYSCORE':
      return () => ['ZRANGEBYSCORE', KEY, String(pick(SCORE_RANGE)), '+inf', 'LIMIT', '0', '10'];
  }
}

function formatMicros(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** One row per (operation, server), one column per size, and the growth from smallest to largest. */
export function renderZsetScaling(results: readonly ZsetScaling[], sizes: readonly number[]): string {
  const rows: string[][] = [];
  for (const operation of OPERATIONS) {
    for (const result of results) {
      const costs = result.costs?.[operation] ?? [];
      const first = costs[0];
      const last = costs[sizes.length - 1];
      const growth = first !== undefined && last !== undefined && Number.isFinite(first) && Number.isFinite(last) ? `${(last / first).toFixed(2)}x` : 'n/a';
      rows.push([LABELS[operation], result.server, ...sizes.map((_, i) => formatMicros(costs[i])), growth]);
    }
  }
  const fillRow = (result: ZsetScaling): string[] => [
    'fill: grow to this size (ms)',
    result.server,
    ...sizes.map((_, i) => (result.fillMs[i] === undefined ? 'n/a' : String(Math.round(result.fillMs[i] ?? 0)))),
    '',
  ];
  for (const result of results) rows.push(fillRow(result));
  const sizeLabel = (size: number): string => (size >= 1_000_000 ? `${size / 1_000_000}M` : size >= 1_000 ? `${size / 1_000}k` : String(size));
  return formatTable(
    [
      { header: 'µs per operation', align: 'left' },
      { header: 'server', align: 'left' },
      ...sizes.map((size) => ({ header: sizeLabel(size), align: 'right' as const })),
      { header: `${sizeLabel(sizes[sizes.length - 1] ?? 0)} / ${sizeLabel(sizes[0] ?? 0)}`, align: 'right' },
    ],
    rows,
  );
}
