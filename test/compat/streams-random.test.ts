/*
 * Property-based differential test for streams: fast-check draws sequences of XADD (explicit
 * IDs, "<ms>-*", NOMKSTREAM, MAXLEN/MINID with = or ~ and LIMIT), XDEL, XTRIM, XSETID, XRANGE,
 * XREVRANGE, XREAD and XLEN over two stream keys, a list key (WRONGTYPE) and a missing key, with
 * CONFIG SET of stream-node-max-entries / -bytes so entries cross node boundaries often. Every
 * reply must match redis-server's byte for byte, and so must the keyspace notifications.
 *
 * DUMP is the sharpest probe here: its payload holds each node's listpack (master entry, flags,
 * deltas), the length, last ID, first ID, max deleted ID and entries-added counter, so any
 * difference in where nodes begin, or in the bookkeeping of a trim or a delete, shows up in it.
 * "~" trims remove whole nodes only, so their replies check the node boundaries too.
 *
 * Seeded: the seed is printed, and FC_SEED=<n> replays a run.
 */

import { ALL_EVENTS, withKeyspaceEvents } from './keyspace-subscriber';
import t from 'tap';
import fc from 'fast-check';
import { dualRun, type Pair, type Side, type Test } from './harness';
import { approximately } from './compare';
import type { RawClient } from '../../bench/harness/raw-client';
import type { Arg } from '../../bench/harness/resp';
import { checkRandomSequences, exactCommand, type RandomCommand } from './random-sequences';

const dual = dualRun(t);

const TIME_LIMIT_MS = 15_000;
const NUM_RUNS = 2000;

const streamKey = fc.constantFrom<Arg>('s', 's', 't');
const key = fc.oneof({ weight: 10, arbitrary: streamKey }, { weight: 1, arbitrary: fc.constantFrom<Arg>('list', 'none') });

const ms = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 12 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 400 }) });
const seq = fc.integer({ min: 0, max: 4 });
const fullId = fc.tuple(ms, seq).map(([m, s]) => `${m}-${s}`);
const oddId = fc.constantFrom(
  '18446744073709551615-18446744073709551615',
  '18446744073709551615-18446744073709551614',
  '18446744073709551615',
  '18446744073709551616',
  '-1',
  'x',
  '1-x',
  '0-0',
  '',
  '  5-1',
  '-18446744073709551615',
  '7-',
  '9223372036854775808-1',
);
/** An ID for strict places (XADD, XDEL, XSETID, MINID, XREAD). */
const id = fc.oneof({ weight: 8, arbitrary: fullId }, { weight: 2, arbitrary: ms.map(String) }, { weight: 1, arbitrary: oddId });
const addId = fc.oneof({ weight: 6, arbitrary: fullId }, { weight: 5, arbitrary: ms.map((m) => `${m}-*`) }, { weight: 1, arbitrary: oddId });
const bound = fc.oneof(
  { weight: 6, arbitrary: id },
  { weight: 3, arbitrary: fc.constantFrom('-', '+') },
  { weight: 2, arbitrary: id.map((x) => `(${x}`) },
  { weight: 1, arbitrary: fc.constantFrom('(-', '(+', '(', '(18446744073709551615-18446744073709551615', '(0-0') },
);

const field = fc.constantFrom<Arg>('f', 'g', '1', 'name', Buffer.from([0xff, 0x00]));
const value = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<Arg>('v', '', '12', '-5', '9223372036854775807', 'hello world', '4096', '01') },
  { weight: 1, arbitrary: fc.constantFrom<Arg>('x'.repeat(70), 'y'.repeat(600), 'z'.repeat(5000)) },
);
const pairs = fc.oneof(
  { weight: 4, arbitrary: value.map((v) => ['f', v]) },
  { weight: 2, arbitrary: fc.tuple(value, value).map(([a, b]) => ['f', a, 'g', b]) },
  { weight: 2, arbitrary: fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 3 }).map((ps) => ps.flat()) },
);
const count = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 8 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('-1', 'x', '100') });
const trim = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Arg[]>([]) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('MAXLEN', 'maxlen'), fc.constantFrom<Arg[]>([], ['='], ['~']), fc.oneof(count, fc.constantFrom('-1')))
      .map(([w, a, n]) => [w, ...a, n]),
  },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom<Arg[]>([], ['='], ['~']), id).map(([a, x]) => ['MINID', ...a, x]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('MAXLEN', 'MINID'), count, count).map(([w, n, l]) => [w, '~', w === 'MINID' ? `${n}-0` : n, 'LIMIT', l]) },
  { weight: 1, arbitrary: fc.constantFrom<Arg[]>(['LIMIT', '5'], ['MAXLEN', '1', 'MINID', '0'], ['MAXLEN', '~', '-3']) },
);

const command: fc.Arbitrary<Arg[]> = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(key, trim, addId, pairs).map(([k, tr, i, p]) => ['XADD', k, ...tr, i, ...p]) },
  { weight: 1, arbitrary: fc.tuple(key, addId, pairs).map(([k, i, p]) => ['XADD', k, 'NOMKSTREAM', i, ...p]) },
  { weight: 1, arbitrary: fc.tuple(key, addId).map(([k, i]) => ['XADD', k, i, 'f']) },
  { weight: 3, arbitrary: fc.tuple(key, fc.array(id, { minLength: 1, maxLength: 3 })).map(([k, ids]) => ['XDEL', k, ...ids]) },
  { weight: 2, arbitrary: fc.tuple(key, trim).map(([k, tr]) => ['XTRIM', k, ...tr]) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(key, id, fc.constantFrom<Arg[]>([], ['ENTRIESADDED', '50'], ['ENTRIESADDED', '0'], ['ENTRIESADDED', '-1']), fc.constantFrom<Arg[]>([], ['MAXDELETEDID', '3-0'], ['MAXDELETEDID', '999-0']))
      .map(([k, i, e, m]) => ['XSETID', k, i, ...e, ...m]),
  },
  { weight: 4, arbitrary: fc.tuple(key, bound, bound).map(([k, a, b]) => ['XRANGE', k, a, b]) },
  { weight: 2, arbitrary: fc.tuple(key, bound, bound, count).map(([k, a, b, c]) => ['XRANGE', k, a, b, 'COUNT', c]) },
  { weight: 3, arbitrary: fc.tuple(key, bound, bound, count).map(([k, a, b, c]) => ['XREVRANGE', k, a, b, 'COUNT', c]) },
  { weight: 2, arbitrary: fc.tuple(key, id, count).map(([k, i, c]) => ['XREAD', 'COUNT', c, 'STREAMS', k, i]) },
  { weight: 1, arbitrary: fc.tuple(key, key, fc.oneof(id, fc.constant('$')), id).map(([a, b, i, j]) => ['XREAD', 'STREAMS', a, b, i, j]) },
  { weight: 2, arbitrary: key.map((k) => ['XLEN', k]) },
  { weight: 3, arbitrary: streamKey.map((k) => ['DUMP', k]) },
  { weight: 1, arbitrary: key.map((k) => ['TYPE', k]) },
  { weight: 1, arbitrary: fc.constant(['RPUSH', 'list', 'x']) },
  { weight: 1, arbitrary: fc.tuple(key, key).map(([a, b]) => ['COPY', a, b, 'REPLACE']) },
  { weight: 1, arbitrary: fc.tuple(key, key).map(([a, b]) => ['XINFO', 'STREAM', a, 'FULL', 'COUNT', b === 's' ? '2' : '0']) },
  { weight: 1, arbitrary: streamKey.map((k) => ['DEL', k]) },
  { weight: 1, arbitrary: fc.constantFrom('0', '1', '2', '3', '5', '100').map((n) => ['CONFIG', 'SET', 'stream-node-max-entries', n]) },
  { weight: 1, arbitrary: fc.constantFrom('0', '40', '90', '200', '4096').map((n) => ['CONFIG', 'SET', 'stream-node-max-bytes', n]) },
  { weight: 2, arbitrary: streamKey.map((k) => ['XINFO', 'STREAM', k]) },
);

/*
 * Consumer groups live on their own key, 'q', which DUMP and XINFO STREAM FULL never read and
 * COPY never touches: those would show delivery and seen times, which differ by a millisecond or
 * two between the servers. Idle times (XPENDING's extended form, XINFO CONSUMERS) are compared
 * with a tolerance.
 */
const groupKey = fc.constantFrom<Arg>('q', 'q', 'q', 'none', 'list');
const groupName = fc.constantFrom<Arg>('g1', 'g1', 'g2', 'nog');
const consumerName = fc.constantFrom<Arg>('alice', 'bob', 'carol');
const readId = fc.oneof({ weight: 6, arbitrary: fc.constant('>') }, { weight: 3, arbitrary: id }, { weight: 1, arbitrary: fc.constant('$') });
const groupStart = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('$', '0') }, { weight: 3, arbitrary: id });
const entriesRead = fc.constantFrom<Arg[]>([], [], ['ENTRIESREAD', '0'], ['ENTRIESREAD', '3'], ['ENTRIESREAD', '-1'], ['ENTRIESREAD', '-2']);
const groupCommand: fc.Arbitrary<RandomCommand> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(trim, addId, pairs).map(([tr, i, p]) => exactCommand('XADD', 'q', ...tr, i, ...p)) },
  { weight: 2, arbitrary: fc.array(id, { minLength: 1, maxLength: 2 }).map((ids) => exactCommand('XDEL', 'q', ...ids)) },
  { weight: 1, arbitrary: trim.map((tr) => exactCommand('XTRIM', 'q', ...tr)) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(groupKey, groupName, groupStart, fc.constantFrom<Arg[]>([], ['MKSTREAM']), entriesRead)
      .map(([k, g, i, m, e]) => exactCommand('XGROUP', 'CREATE', k, g, i, ...m, ...e)),
  },
  { weight: 1, arbitrary: fc.tuple(groupKey, groupName, groupStart, entriesRead).map(([k, g, i, e]) => exactCommand('XGROUP', 'SETID', k, g, i, ...e)) },
  { weight: 1, arbitrary: fc.tuple(groupKey, groupName).map(([k, g]) => exactCommand('XGROUP', 'DESTROY', k, g)) },
  { weight: 1, arbitrary: fc.tuple(groupKey, groupName, consumerName).map(([k, g, c]) => exactCommand('XGROUP', 'CREATECONSUMER', k, g, c)) },
  { weight: 1, arbitrary: fc.tuple(groupKey, groupName, consumerName).map(([k, g, c]) => exactCommand('XGROUP', 'DELCONSUMER', k, g, c)) },
  {
    weight: 8,
    arbitrary: fc
      .tuple(groupName, consumerName, fc.constantFrom<Arg[]>([], ['COUNT', '1'], ['COUNT', '2'], ['COUNT', '0']), fc.constantFrom<Arg[]>([], [], ['NOACK']), groupKey, readId)
      .map(([g, c, n, a, k, i]) => exactCommand('XREADGROUP', 'GROUP', g, c, ...n, ...a, 'STREAMS', k, i)),
  },
  { weight: 3, arbitrary: fc.tuple(groupKey, groupName, fc.array(id, { minLength: 1, maxLength: 3 })).map(([k, g, ids]) => exactCommand('XACK', k, g, ...ids)) },
  { weight: 3, arbitrary: fc.tuple(groupKey, groupName).map(([k, g]) => exactCommand('XPENDING', k, g)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(groupKey, groupName, bound, bound, count, fc.constantFrom<Arg[]>([], ['alice'], ['nobody']))
      .map(([k, g, a, b, n, c]) => ({ argv: ['XPENDING', k, g, a, b, n, ...c], compare: approximately(100) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(groupKey, groupName, consumerName, fc.array(id, { minLength: 1, maxLength: 3 }), fc.constantFrom<Arg[]>([], ['JUSTID'], ['FORCE'], ['RETRYCOUNT', '7'], ['LASTID', '50-0'], ['FORCE', 'JUSTID'], ['BOGUS']))
      .map(([k, g, c, ids, o]) => exactCommand('XCLAIM', k, g, c, '0', ...ids, ...o)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(groupKey, groupName, consumerName, bound, fc.constantFrom<Arg[]>([], ['COUNT', '1'], ['COUNT', '2'], ['JUSTID'], ['COUNT', '0']))
      .map(([k, g, c, st, o]) => exactCommand('XAUTOCLAIM', k, g, c, '0', st, ...o)),
  },
  { weight: 3, arbitrary: groupKey.map((k) => exactCommand('XINFO', 'GROUPS', k)) },
  { weight: 2, arbitrary: groupKey.map((k) => exactCommand('XINFO', 'STREAM', k)) },
  { weight: 1, arbitrary: fc.tuple(groupKey, groupName).map(([k, g]) => ({ argv: ['XINFO', 'CONSUMERS', k, g], compare: approximately(100) })) },
  { weight: 1, arbitrary: fc.constant(exactCommand('DEL', 'q')) },
  { weight: 1, arbitrary: fc.constant(exactCommand('XRANGE', 'q', '-', '+')) },
);

const runSequences = (pair: Pair, tt: Test, seedOffset: number, withEvents: boolean): Promise<void> => {
  const run = (events?: Parameters<typeof checkRandomSequences>[3]['events']): Promise<void> =>
    checkRandomSequences(pair, tt, command.map((argv) => exactCommand(...argv)), {
      numRuns: NUM_RUNS,
      timeLimitMs: TIME_LIMIT_MS,
      maxLength: 40,
      minLength: 5,
      seedOffset,
      ...(events === undefined ? {} : { events }),
    });
  return withEvents ? withKeyspaceEvents(pair, dual.running, ALL_EVENTS, (events) => run(events)) : run();
};

dual.case('random stream command sequences give the same replies and notifications', (pair, tt) => runSequences(pair, tt, 0, true));
dual.case('random stream command sequences give the same replies (RESP3)', (pair, tt) => runSequences(pair, tt, 7919, false), { resp3: true });

const runGroupSequences = (pair: Pair, tt: Test, seedOffset: number, events?: Record<Side, RawClient>): Promise<void> =>
  checkRandomSequences(pair, tt, groupCommand, {
    numRuns: NUM_RUNS,
    timeLimitMs: TIME_LIMIT_MS,
    maxLength: 40,
    minLength: 5,
    seedOffset,
    ...(events === undefined ? {} : { events }),
  });

dual.case('random consumer group sequences give the same replies and notifications', (pair, tt) =>
  withKeyspaceEvents(pair, dual.running, ALL_EVENTS, (events) => runGroupSequences(pair, tt, 104729, events)),
);
dual.case('random consumer group sequences give the same replies (RESP3)', (pair, tt) => runGroupSequences(pair, tt, 1299709), { resp3: true });
