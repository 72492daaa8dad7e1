/*
 * What one edit of a long string costs: a value of 1 MB and of 16 MB, and a burst of pipelined
 * calls that each touch a few bytes of it, timed on each server.
 *
 *   SETBIT    one bit at a random offset inside the value
 *   SETRANGE  10 bytes at a random offset inside the value
 *   GETBIT    one bit at a random offset
 *   SETBIT+GETBIT  the two in turn (an edit, then a read of the edited value)
 *   APPEND    10 bytes to a value of that size (another key, so the first stays put)
 *
 * Redis edits its string buffer in place, so every call costs about the same at 1 MB and at
 * 16 MB. A server that rebuilds the whole string per edit (immutable JavaScript strings) pays
 * milliseconds per call on 16 MB and shows it here at once; hashslot keeps a long string it
 * edits in a growable Buffer (storage/mutable-string.ts). The figure is µs per call, the median
 * of a few bursts of pipelined calls; the ratio is hashslot's over redis-server's. A GET of the
 * whole value is left out: at 16 MB it measures this client reading the reply, not the server.
 */

import { RawClient } from './harness/raw-client';
import type { Arg } from './harness/resp';
import type { ServerProcess } from './harness/server-process';
import { runPipelined } from './key-loader';
import { formatTable, median } from './table';
import { picker } from './zset-scaling';

export const STRING_SIZES: readonly number[] = [1 << 20, 16 << 20];
const KEY = 'bench:string';
const APPEND_KEY = 'bench:string:append';

const OPERATIONS = ['SETBIT', 'SETRANGE', 'GETBIT', 'SETBIT+GETBIT', 'APPEND'] as const;
type Operation = (typeof OPERATIONS)[number];

export interface StringEditCosts {
  server: string;
  /** µs per call, per operation, one entry per size (NaN: the server answered an error). */
  costs: Record<Operation, number[]>;
  firstError: string | null;
}

export interface StringEditOptions {
  sizes: readonly number[];
  /** Calls per timed burst. */
  callsPerBurst: number;
  bursts: number;
}

function commandFor(operation: Operation, size: number, burst: number): (i: number) => Arg[] {
  const pick = picker(size + burst * 7919 + 1);
  switch (operation) {
    case 'SETBIT':
      return (i) => ['SETBIT', KEY, String(pick(size * 8)), String(i & 1)];
    case 'SETRANGE':
      return () => ['SETRANGE', KEY, String(pick(size - 10)), 'abcdefghij'];
    case 'GETBIT':
      return () => ['GETBIT', KEY, String(pick(size * 8))];
    case 'SETBIT+GETBIT':
      return (i) => (i % 2 === 0 ? ['SETBIT', KEY, String(pick(size * 8)), '1'] : ['GETBIT', KEY, String(pick(size * 8))]);
    case 'APPEND':
      return () => ['APPEND', APPEND_KEY, 'abcdefghij'];
  }
}

export async function measureStringEdits(server: ServerProcess, options: StringEditOptions, log: (line: string) => void): Promise<StringEditCosts> {
  const client = await RawClient.connect(server.port);
  const costs = Object.fromEntries(OPERATIONS.map((op) => [op, [] as number[]])) as Record<Operation, number[]>;
  let firstError: string | null = null;
  try {
    for (const size of options.sizes) {
      await client.call('DEL', KEY, APPEND_KEY);
      for (const key of [KEY, APPEND_KEY]) await client.call('SETRANGE', key, String(size - 1), 'x');
      for (const operation of OPERATIONS) {
        const calls = options.callsPerBurst;
        const batchSize = 50;
        // An untimed burst first: the JIT, and the first edit that turns the value editable.
        await runPipelined(client, calls, commandFor(operation, size, -1), { batchSize });
        const samples: number[] = [];
        for (let b = 0; b < options.bursts; b++) {
          const burst = await runPipelined(client, calls, commandFor(operation, size, b), { batchSize });
          firstError ??= burst.firstError;
          samples.push(burst.errors > 0 ? Number.NaN : (burst.elapsedMs * 1000) / calls);
        }
        costs[operation].push(samples.some((v) => Number.isNaN(v)) ? Number.NaN : median(samples));
      }
      log(`  ${server.name.padEnd(8)} string edits measured at ${formatSize(size)}`);
    }
    await client.call('DEL', KEY, APPEND_KEY);
  } finally {
    client.close();
  }
  return { server: server.name, costs, firstError };
}

function formatSize(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MB` : `${bytes / 1024} KB`;
}

function formatMicros(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : value < 10 ? value.toFixed(2) : value.toFixed(1);
}

/** One row per (operation, size): each server's µs per call and hashslot's ratio to redis. */
export function renderStringEdits(results: readonly StringEditCosts[], sizes: readonly number[]): string {
  const [redis, hashslot] = results;
  const rows: string[][] = [];
  for (const operation of OPERATIONS) {
    sizes.forEach((size, i) => {
      const r = redis?.costs[operation][i];
      const h = hashslot?.costs[operation][i];
      const ratio = r !== undefined && h !== undefined && Number.isFinite(r) && Number.isFinite(h) ? `${(h / r).toFixed(2)}x` : 'n/a';
      rows.push([operation, formatSize(size), formatMicros(r), formatMicros(h), ratio]);
    });
  }
  return formatTable(
    [
      { header: 'µs per call', align: 'left' },
      { header: 'value', align: 'right' },
      { header: results[0]?.server ?? 'redis', align: 'right' },
      { header: results[1]?.server ?? 'hashslot', align: 'right' },
      { header: 'ratio', align: 'right' },
    ],
    rows,
  );
}
