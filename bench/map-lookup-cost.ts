/*
 * What one keyspace lookup costs in a V8 Map, by the number of keys: the floor under every
 * command that reads or writes a key (issue 14's -P 16 gap).
 *
 * A hashslot database is a Map from key strings to values, with a second Map beside it for each
 * key's last access second (OBJECT IDLETIME, LRU eviction). A command's key arrives as a fresh
 * string, cut out of the request buffer by the parser, so its hash is not known yet and its
 * characters were just written. This bench does the same: it cuts each key out of one buffer
 * (`latin1Slice`, as the parser does) and looks it up at once, in Maps of 1,000 to 1,000,000
 * keys, and prints ns per operation for
 *
 *   slice      the cut alone (allocation of the string)
 *   get        cut + Map.get of a present key: hashing the new string, then the bucket, the
 *              entry and the stored key's characters, each a cache miss once the Map outgrows
 *              the caches
 *   get+set    cut + get + set of the same key (the second operation finds it all in cache)
 *   get+2nd    cut + get + set in a second Map of the same keys (the access-time Map): a
 *              second table, a second set of misses
 *   store      cut + get + set + the second Map's set: what a SET of an existing key does to
 *              the maps today (the old value's lookup, the store, the access second)
 *   table get  cut + lookup in open-address-table.ts, a candidate table of our own that keeps
 *              each key's hash and access second side by side, and its key and value side by side
 *   table store  cut + the same SET in that table: one probe, then the value and the access
 *              second written into the slot found
 *   insert     cut + a SET of a key not there yet (the eviction and AOF benchmarks' case, -r
 *              10000000): the miss, the store and the access second, the Maps growing as they go
 *   table insert  the same in the table, which doubles when half full, as the Maps grow
 *
 * Why it matters: at 1,000 keys a lookup is a few tens of ns; at 100,000 and more the misses
 * dominate, several hundred ns each, which at ~1 µs of server time per pipelined command is
 * the largest single cost of SET, GET and INCR on random keys (`perf` puts 20-38% of the
 * server's CPU in V8's FindOrderedHashMapEntry there). redis-server pays misses too, but one
 * table per key: its access time lives in the value's header.
 *
 *   node dist/bench/map-lookup-cost.js [--keys 1000,100000,1000000] [--ops 200000] [--rounds 5]
 *
 * Pin it (`taskset -c 1`) on a quiet machine; the figures are medians of the rounds.
 */

import * as os from 'node:os';
import { OpenAddressTable } from './open-address-table';
import { formatTable, median } from './table';

interface Options {
  keys: number[];
  ops: number;
  rounds: number;
}

const KEY_WIDTH = 20;

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { keys: [1_000, 100_000, 1_000_000], ops: 200_000, rounds: 5 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${argv[i] ?? ''} needs a value`);
    if (argv[i] === '--keys') options.keys = value.split(',').map(Number);
    else if (argv[i] === '--ops') options.ops = Number(value);
    else if (argv[i] === '--rounds') options.rounds = Number(value);
    else throw new Error(`unknown option ${argv[i] ?? ''}`);
  }
  return options;
}

/** "counter:000000012345": the shape of redis-benchmark's keys, KEY_WIDTH bytes. */
function keyOf(i: number): string {
  return `counter:${String(i).padStart(KEY_WIDTH - 8, '0')}`;
}

/** ns per operation of `body` run over `ops` keys cut from `requests`. */
function timed(requests: Buffer, ops: number, body: (key: string) => void): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) body(requests.latin1Slice(i * KEY_WIDTH, (i + 1) * KEY_WIDTH));
  return Number(process.hrtime.bigint() - started) / ops;
}

/** The keys 0 .. keyCount-1 in the two Maps of a database today, and in the candidate table. */
function filled(keyCount: number): { values: Map<string, string>; access: Map<string, number>; table: OpenAddressTable<string> } {
  const values = new Map<string, string>();
  const access = new Map<string, number>();
  const table = new OpenAddressTable<string>(keyCount);
  for (let i = 0; i < keyCount; i++) {
    values.set(keyOf(i), '1');
    access.set(keyOf(i), 0);
    table.set(keyOf(i), '1', 0);
  }
  return { values, access, table };
}

function measure(keyCount: number, options: Options): number[] {
  const { values, access, table } = filled(keyCount);
  // The requests: random present keys, written into one buffer as a pipeline's would be.
  const requests = Buffer.alloc(options.ops * KEY_WIDTH);
  for (let i = 0; i < options.ops; i++) requests.write(keyOf(Math.floor(Math.random() * keyCount)), i * KEY_WIDTH, 'latin1');
  let sink = 0;
  const samples: number[][] = [[], [], [], [], [], [], []];
  for (let round = 0; round < options.rounds; round++) {
    const figures = [
      timed(requests, options.ops, (key) => (sink += key.length)),
      timed(requests, options.ops, (key) => (sink += values.get(key) === undefined ? 0 : 1)),
      timed(requests, options.ops, (key) => {
        sink += values.get(key) === undefined ? 0 : 1;
        values.set(key, '2');
      }),
      timed(requests, options.ops, (key) => {
        sink += values.get(key) === undefined ? 0 : 1;
        access.set(key, round);
      }),
      timed(requests, options.ops, (key) => {
        sink += values.get(key) === undefined ? 0 : 1;
        values.set(key, '3');
        access.set(key, round);
      }),
      timed(requests, options.ops, (key) => (sink += table.get(key) === undefined ? 0 : 1)),
      timed(requests, options.ops, (key) => {
        const slot = table.find(key);
        if (slot < 0) table.set(key, '4', round);
        else table.replace(slot, '4', round);
      }),
    ];
    figures.forEach((ns, i) => (samples[i] as number[]).push(ns));
  }
  if (sink < 0) console.log(sink); // keeps the loops from being optimised away
  return [...samples.map((column) => median(column)), ...measureInserts(keyCount, options)];
}

/**
 * ns per SET of a key not there yet, into `keyCount` keys: the Maps (the miss, the store, the
 * access second) and the table. Fresh structures each round, so every round inserts into the
 * same number of keys.
 */
function measureInserts(keyCount: number, options: Options): number[] {
  const fresh = Buffer.alloc(options.ops * KEY_WIDTH);
  for (let i = 0; i < options.ops; i++) fresh.write(keyOf(keyCount + i), i * KEY_WIDTH, 'latin1');
  const samples: number[][] = [[], []];
  for (let round = 0; round < options.rounds; round++) {
    const { values, access, table } = filled(keyCount);
    (samples[0] as number[]).push(
      timed(fresh, options.ops, (key) => {
        if (values.get(key) === undefined) values.set(key, '5');
        access.set(key, round);
      }),
    );
    (samples[1] as number[]).push(
      timed(fresh, options.ops, (key) => {
        if (table.find(key) < 0) table.set(key, '5', round);
      }),
    );
  }
  return samples.map((column) => median(column));
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  console.log(`# ns per operation, median of ${options.rounds} rounds of ${options.ops} random keys; load average before ${loadAverage()}`);
  const rows = options.keys.map((keyCount) => [keyCount.toLocaleString('en-US'), ...measure(keyCount, options).map((ns) => ns.toFixed(0))]);
  const columns = ['keys', 'slice', 'get', 'get+set', 'get+2nd map', 'store', 'table get', 'table store', 'insert', 'table insert'].map((header) => ({ header, align: 'right' as const }));
  console.log(formatTable(columns, rows));
  console.log(`# load average after ${loadAverage()}`);
}

function loadAverage(): string {
  return os.loadavg().map((load) => load.toFixed(2)).join(' ');
}

main();
