/*
 * Property-based differential test for SORT and SORT_RO: fast-check draws sequences that build
 * two lists, a set, weight strings (w_<element>) and weight hashes (h_<element>, field f), and
 * sort them with random option mixes (ALPHA, DESC, LIMIT, BY, several GETs, STORE), then read
 * the stored lists back. Every reply must match redis-server's byte for byte, except where
 * Redis's answer depends on its hash-table order: a set left unsorted (BY nosort) and a set
 * sorted ALPHA BY weights (ties keep the set's internal order) are compared as multisets and
 * never stored.
 *
 * Seeded: the seed is printed, and FC_SEED=<n> replays a run. Runtime is capped by a time limit.
 */

import { withKeyspaceEvents } from './keyspace-subscriber';
import type { RawClient } from '../../bench/harness/raw-client';
import t from 'tap';
import fc from 'fast-check';
import { dualRun, type Pair, type Test, type Side } from './harness';
import { exactly, unordered } from './compare';
import type { Arg } from '../../bench/harness/resp';
import { checkRandomSequences, exactCommand, type RandomCommand } from './random-sequences';

const dual = dualRun(t);

const TIME_LIMIT_MS = 12_000;
const NUM_RUNS = 2000;

const listElement = fc.constantFrom<Arg>('1', '2', '10', '-3', '2.5', '01', '', 'inf', 'a', 'b', 'B', 'a\x00b', Buffer.from([0xff]));
const setElement = fc.constantFrom<Arg>('1', '2', '10', '-3', '2.5', '01', 'a', 'b', 'B', Buffer.from([0xff]));
const weight = fc.constantFrom<Arg>('1', '2', '-1', '0.5', '1e3', '', 'x', 'a', 'b');
const source = fc.constantFrom('l1', 'l2', 's1', 'w_1', 'missing');
const dest = fc.constantFrom('d', 'l2');

interface SortDraw {
  command: 'SORT' | 'SORT_RO';
  key: string;
  alpha: boolean;
  desc: boolean;
  limit: [string, string] | null;
  by: string | null;
  gets: string[];
  store: string | null;
}

const sortDraw: fc.Arbitrary<SortDraw> = fc.record({
  command: fc.constantFrom<'SORT' | 'SORT_RO'>('SORT', 'SORT_RO'),
  key: source,
  alpha: fc.boolean(),
  desc: fc.boolean(),
  limit: fc.option(fc.tuple(fc.constantFrom('0', '1', '2', '-1', '5', 'x'), fc.constantFrom('0', '1', '3', '-1', '100')), { nil: null }),
  by: fc.option(fc.constantFrom('nosort', 'w_*', 'h_*->f', 'h_*->g', 'const'), { nil: null }),
  gets: fc.array(fc.constantFrom('#', 'w_*', 'h_*->f', 'none_*'), { maxLength: 2 }),
  store: fc.option(dest, { nil: null }),
});

/** The SORT call for a draw, with the options in a drawn order, and how to compare its reply. */
function sortCommand(draw: SortDraw, order: number[]): RandomCommand {
  const isSet = draw.key === 's1';
  const byPattern = draw.by !== null && draw.by.includes('*');
  const alphaBy = draw.alpha && byPattern;
  const unsortedSet = isSet && draw.by !== null && !byPattern;
  const hashOrdered = isSet && (alphaBy || unsortedSet);
  const store = draw.command === 'SORT' && !(isSet && alphaBy) ? draw.store : null;
  // A LIMIT would cut a hash-ordered reply at a point only Redis knows.
  const limit = hashOrdered && store === null ? null : draw.limit;
  const parts: Arg[][] = [];
  if (draw.alpha) parts.push(['ALPHA']);
  if (draw.desc) parts.push(['DESC']);
  if (limit !== null) parts.push(['LIMIT', ...limit]);
  if (draw.by !== null) parts.push(['BY', draw.by]);
  for (const get of draw.gets) parts.push(['GET', get]);
  if (store !== null) parts.push(['STORE', store]);
  const args = order.filter((i) => i < parts.length).map((i) => parts[i] as Arg[]).flat();
  const argv: Arg[] = [draw.command, draw.key, ...args];
  // Stored set order is always reproducible (BY nosort + STORE sorts ALPHA); replies may not be.
  return { argv, compare: hashOrdered && store === null ? unordered(false) : exactly };
}

/** The weight key of an element: a prefix and the element's bytes. */
const prefixed = (prefix: string, element: Arg): Buffer =>
  Buffer.concat([Buffer.from(prefix, 'latin1'), Buffer.isBuffer(element) ? element : Buffer.from(String(element), 'latin1')]);

const command: fc.Arbitrary<RandomCommand> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('RPUSH', 'LPUSH'), fc.constantFrom('l1', 'l2'), fc.array(listElement, { minLength: 1, maxLength: 4 })).map(([c, k, e]) => exactCommand(c, k, ...e)) },
  { weight: 2, arbitrary: fc.array(setElement, { minLength: 1, maxLength: 4 }).map((e) => exactCommand('SADD', 's1', ...e)) },
  { weight: 3, arbitrary: fc.tuple(listElement, weight).map(([e, w]) => exactCommand('SET', prefixed('w_', e), w)) },
  { weight: 2, arbitrary: fc.tuple(listElement, weight).map(([e, w]) => exactCommand('HSET', prefixed('h_', e), 'f', w)) },
  { weight: 8, arbitrary: fc.tuple(sortDraw, fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6], { minLength: 7, maxLength: 7 })).map(([d, o]) => sortCommand(d, o)) },
  { weight: 2, arbitrary: dest.map((k) => exactCommand('LRANGE', k, '0', '-1')) },
  { weight: 1, arbitrary: fc.constantFrom('l1', 'd', 'w_1').map((k) => exactCommand('DEL', k)) },
  { weight: 1, arbitrary: dest.map((k) => exactCommand('TYPE', k)) },
  { weight: 1, arbitrary: fc.constant(exactCommand('DBSIZE')) },
);

const runSequences = (pair: Pair, tt: Test, seedOffset: number, events?: Record<Side, RawClient>): Promise<void> =>
  checkRandomSequences(pair, tt, command, { numRuns: NUM_RUNS, timeLimitMs: TIME_LIMIT_MS, maxLength: 25, seedOffset, ...(events === undefined ? {} : { events }) });

dual.case('random SORT sequences give the same replies and keyspace notifications', (pair, tt) =>
  // Without key-miss events: BY nosort walks a set in Redis's hash-table order, and the GET
  // lookups (and their misses) follow it.
  withKeyspaceEvents(pair, dual.running, 'AKEn', (events) => runSequences(pair, tt, 0, events)),
);
dual.case('random SORT sequences give the same replies (RESP3)', (pair, tt) => runSequences(pair, tt, 104729), { resp3: true });
