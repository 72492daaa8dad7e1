/*
 * Property-based differential test for the list family: fast-check generates random sequences
 * of list commands over three list keys and one string key (so commands meet each other's
 * effects: lists emptied and deleted, wrong types, moves between keys and onto themselves), runs
 * each sequence on both servers after FLUSHALL, and requires every reply to match byte for byte.
 * Elements come from a small alphabet so LREM, LPOS and LINSERT find matches; indexes and counts
 * include negative, zero, huge and non-integer values. Once over RESP2 and once over RESP3.
 *
 * Seeded: the seed is printed, and FC_SEED=<n> replays a run. Runtime is capped by a time limit.
 */

import { ALL_EVENTS, withKeyspaceEvents } from './keyspace-subscriber';
import type { RawClient } from '../../bench/harness/raw-client';
import t from 'tap';
import fc from 'fast-check';
import { dualRun, type Pair, type Test, type Side } from './harness';
import type { Arg } from '../../bench/harness/resp';
import { checkRandomSequences, exactCommand } from './random-sequences';

const dual = dualRun(t);

const TIME_LIMIT_MS = 12_000;
const NUM_RUNS = 3000;

const listKey = fc.constantFrom<Arg>('a', 'b', Buffer.from([0xff, 0x00]));
/** Mostly lists, sometimes the string key (WRONGTYPE) or a key never written. */
const key = fc.oneof({ weight: 8, arbitrary: listKey }, { weight: 1, arbitrary: fc.constantFrom<Arg>('s', 'none') });
const element = fc.constantFrom<Arg>('x', 'y', 'z', '', '1', '01', Buffer.from([0xff, 0x0d, 0x0a]));
const elements = fc.array(element, { minLength: 1, maxLength: 5 });
const index = fc.constantFrom('0', '1', '2', '-1', '-2', '-3', '5', '-10', '100', 'x', '9223372036854775807', '-9223372036854775808');
const count = fc.constantFrom('0', '1', '2', '3', '-1', '-2', '10', 'x', '1.5', '9223372036854775807');
const end = fc.constantFrom('LEFT', 'RIGHT', 'left', 'UP');

const lposOptions = fc
  .tuple(
    fc.option(fc.constantFrom('1', '2', '-1', '-2', '0', '3', '-9223372036854775808'), { nil: undefined }),
    fc.option(fc.constantFrom('0', '1', '2', '-1'), { nil: undefined }),
    fc.option(fc.constantFrom('0', '1', '2', '4', '-1'), { nil: undefined }),
  )
  .chain(([rank, cnt, maxLen]) => {
    const parts: Arg[][] = [];
    if (rank !== undefined) parts.push(['RANK', rank]);
    if (cnt !== undefined) parts.push(['COUNT', cnt]);
    if (maxLen !== undefined) parts.push(['MAXLEN', maxLen]);
    return fc.shuffledSubarray(parts, { minLength: parts.length, maxLength: parts.length }).map((p) => p.flat());
  });

const command: fc.Arbitrary<Arg[]> = fc.oneof(
  fc.tuple(fc.constantFrom('LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX'), key, elements).map(([c, k, e]) => [c, k, ...e]),
  fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key).map(([c, k]) => [c, k]),
  fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key, count).map(([c, k, n]) => [c, k, n]),
  key.map((k) => ['LLEN', k]),
  fc.tuple(key, index).map(([k, i]) => ['LINDEX', k, i]),
  fc.tuple(key, index, element).map(([k, i, e]) => ['LSET', k, i, e]),
  fc.tuple(key, index, index).map(([k, a, b]) => ['LRANGE', k, a, b]),
  fc.tuple(key, index, index).map(([k, a, b]) => ['LTRIM', k, a, b]),
  fc.tuple(key, count, element).map(([k, n, e]) => ['LREM', k, n, e]),
  fc.tuple(key, fc.constantFrom('BEFORE', 'AFTER', 'after', 'AROUND'), element, element).map(([k, w, p, e]) => ['LINSERT', k, w, p, e]),
  fc.tuple(key, element, lposOptions).map(([k, e, o]) => ['LPOS', k, e, ...o]),
  fc.tuple(key, key, end, end).map(([s, d, f, w]) => ['LMOVE', s, d, f, w]),
  fc.tuple(key, key).map(([s, d]) => ['RPOPLPUSH', s, d]),
  fc
    .tuple(fc.array(key, { minLength: 1, maxLength: 3 }), end, fc.option(count, { nil: undefined }))
    .map(([keys, e, n]) => ['LMPOP', String(keys.length), ...keys, e, ...(n === undefined ? [] : ['COUNT', n])]),
  fc.constant(['SET', 's', 'string']),
  key.map((k) => ['DEL', k]),
  key.map((k) => ['TYPE', k]),
  fc.constant(['DBSIZE']),
);

const runSequences = (pair: Pair, tt: Test, seedOffset: number, events?: Record<Side, RawClient>): Promise<void> =>
  checkRandomSequences(pair, tt, command.map((argv) => exactCommand(...argv)), {
    numRuns: NUM_RUNS,
    timeLimitMs: TIME_LIMIT_MS,
    maxLength: 30,
    seedOffset,
    ...(events === undefined ? {} : { events }),
  });

dual.case('random list command sequences give the same replies and keyspace notifications', (pair, tt) =>
  withKeyspaceEvents(pair, dual.running, ALL_EVENTS, (events) => runSequences(pair, tt, 0, events)),
);
dual.case('random list command sequences give the same replies (RESP3)', (pair, tt) => runSequences(pair, tt, 7919), { resp3: true });
