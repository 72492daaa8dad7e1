/*
 * Differential tests for the hash family (issue 6): every reply compared byte for byte with a
 * real redis-server, in RESP2 and RESP3. Small hashes are listpacks in Redis, ordered by
 * insertion, so their HGETALL/HKEYS/HSCAN replies compare exactly; large ones (hash tables) are
 * compared as multisets. HRANDFIELD replies are random: same shape, members from the hash.
 */

import t from 'tap';
import fc from 'fast-check';
import { dualRun, error, sorted, sortedPairs } from './harness';
import { inBothProtocols, picked } from './random-picks';
import { exactly, unordered, type Comparator } from './compare';
import { parseReply, type Arg } from '../../bench/harness/resp';
import { ALL_EVENTS, withKeyspaceEvents } from './keyspace-subscriber';
import { checkRandomSequences } from './random-sequences';

const dual = dualRun(t);

const WRONGTYPE_KEY = 'str';

inBothProtocols(dual, 'HSET HGET HMGET HMSET HSETNX basics', [
  ['HSET', 'h', 'a', '1'],
  ['HSET', 'h', 'a', '2', 'b', '3', 'c', ''],
  ['HGET', 'h', 'a'],
  ['HGET', 'h', 'c'],
  ['HGET', 'h', 'nope'],
  ['HGET', 'missing', 'a'],
  ['HMGET', 'h', 'a', 'nope', 'b'],
  ['HMGET', 'missing', 'a', 'b'],
  ['HMSET', 'h', 'd', '4', 'a', '5'],
  ['HGETALL', 'h'],
  ['HSETNX', 'h', 'a', 'x'],
  ['HSETNX', 'h', 'new', 'x'],
  ['HSETNX', 'fresh', 'f', 'v'],
  ['HGETALL', 'fresh'],
  ['HSET', 'bin\xff\x00', Buffer.from([0, 0xff]), Buffer.from([0x0d, 0x0a, 0x80])],
  ['HGETALL', 'bin\xff\x00'],
  ['HKEYS', 'h'],
  ['HVALS', 'h'],
  ['HLEN', 'h'],
  ['HLEN', 'missing'],
  ['HGETALL', 'missing'],
  ['HKEYS', 'missing'],
  ['HVALS', 'missing'],
  ['TYPE', 'h'],
  ['OBJECT', 'ENCODING', 'h'],
]);

inBothProtocols(dual, 'HDEL HEXISTS HSTRLEN and deleting an emptied hash', [
  ['HSET', 'h', 'a', '1', 'b', 'hello', 'c', '-12345'],
  ['HSTRLEN', 'h', 'b'],
  ['HSTRLEN', 'h', 'c'],
  ['HSTRLEN', 'h', 'nope'],
  ['HSTRLEN', 'missing', 'a'],
  ['HEXISTS', 'h', 'a'],
  ['HEXISTS', 'h', 'nope'],
  ['HEXISTS', 'missing', 'a'],
  ['HDEL', 'h', 'a', 'a', 'nope'],
  ['HDEL', 'missing', 'a'],
  ['HGETALL', 'h'],
  ['HSET', 'h', 'a', 'back'],
  ['HGETALL', 'h'],
  ['HDEL', 'h', 'a', 'b', 'c'],
  ['EXISTS', 'h'],
  ['HSET', 'ttl', 'f', 'v'],
  ['EXPIRE', 'ttl', '100'],
  ['HSET', 'ttl', 'g', 'w'],
  ['TTL', 'ttl'],
]);

inBothProtocols(dual, 'hash errors: arity and wrong type', [
  ['SET', WRONGTYPE_KEY, 'v'],
  error('HSET', 'h'),
  error('HSET', 'h', 'f'),
  error('HSET', 'h', 'f', 'v', 'g'),
  error('HMSET', 'h', 'f'),
  error('HMSET', 'h', 'f', 'v', 'g'),
  error('HSETNX', 'h', 'f'),
  error('HSETNX', 'h', 'f', 'v', 'x'),
  error('HGET', 'h'),
  error('HMGET', 'h'),
  error('HDEL', 'h'),
  error('HLEN'),
  error('HSTRLEN', 'h'),
  error('HEXISTS', 'h'),
  error('HKEYS'),
  error('HVALS', 'a', 'b'),
  error('HGETALL'),
  error('HINCRBY', 'h', 'f'),
  error('HINCRBYFLOAT', 'h', 'f'),
  error('HRANDFIELD'),
  error('HSCAN', 'h'),
  error('HSET', WRONGTYPE_KEY, 'f', 'v'),
  error('HMSET', WRONGTYPE_KEY, 'f', 'v'),
  error('HSETNX', WRONGTYPE_KEY, 'f', 'v'),
  error('HGET', WRONGTYPE_KEY, 'f'),
  error('HMGET', WRONGTYPE_KEY, 'f'),
  error('HDEL', WRONGTYPE_KEY, 'f'),
  error('HLEN', WRONGTYPE_KEY),
  error('HSTRLEN', WRONGTYPE_KEY, 'f'),
  error('HEXISTS', WRONGTYPE_KEY, 'f'),
  error('HKEYS', WRONGTYPE_KEY),
  error('HVALS', WRONGTYPE_KEY),
  error('HGETALL', WRONGTYPE_KEY),
  error('HINCRBY', WRONGTYPE_KEY, 'f', '1'),
  error('HINCRBYFLOAT', WRONGTYPE_KEY, 'f', '1'),
  error('HRANDFIELD', WRONGTYPE_KEY),
  error('HRANDFIELD', WRONGTYPE_KEY, '2'),
  error('HSCAN', WRONGTYPE_KEY, '0'),
  error('HSCAN', WRONGTYPE_KEY, '0', 'BOGUS'),
  ['GET', WRONGTYPE_KEY],
]);

inBothProtocols(dual, 'HINCRBY', [
  ['HINCRBY', 'h', 'n', '5'],
  ['HINCRBY', 'h', 'n', '-7'],
  ['HINCRBY', 'h', 'n', '0'],
  ['HGET', 'h', 'n'],
  ['HSET', 'h', 'max', '9223372036854775807', 'min', '-9223372036854775808', 'f', '1.5', 's', 'abc', 'sp', ' 1', 'z', '007'],
  error('HINCRBY', 'h', 'max', '1'),
  error('HINCRBY', 'h', 'min', '-1'),
  ['HINCRBY', 'h', 'max', '-1'],
  ['HINCRBY', 'h', 'min', '9223372036854775807'],
  error('HINCRBY', 'h', 'f', '1'),
  error('HINCRBY', 'h', 's', '1'),
  error('HINCRBY', 'h', 'sp', '1'),
  error('HINCRBY', 'h', 'z', '1'),
  error('HINCRBY', 'h', 'n', 'x'),
  error('HINCRBY', 'h', 'n', '1.0'),
  error('HINCRBY', 'h', 'n', '9223372036854775808'),
  error('HINCRBY', 'missing', 'n', 'x'),
  ['EXISTS', 'missing'],
  ['HINCRBY', 'fresh', 'n', '-9223372036854775808'],
  ['HGETALL', 'h'],
]);

inBothProtocols(dual, 'HINCRBYFLOAT', [
  ['HINCRBYFLOAT', 'h', 'x', '1.5'],
  ['HINCRBYFLOAT', 'h', 'x', '0.1'],
  ['HINCRBYFLOAT', 'h', 'x', '-1.6'],
  ['HINCRBYFLOAT', 'h', 'y', '3.0e3'],
  ['HINCRBYFLOAT', 'h', 'y', '1.10'],
  ['HINCRBYFLOAT', 'h', 'z', '0x10'],
  ['HSET', 'h', 'i', '10', 's', 'abc', 'inf', 'inf', 'big', '1e308'],
  ['HINCRBYFLOAT', 'h', 'i', '2.5'],
  ['HINCRBYFLOAT', 'h', 'big', '1e308'],
  error('HINCRBYFLOAT', 'h', 's', '1'),
  error('HINCRBYFLOAT', 'h', 'inf', '1'),
  error('HINCRBYFLOAT', 'h', 'x', 'abc'),
  error('HINCRBYFLOAT', 'h', 'x', 'inf'),
  error('HINCRBYFLOAT', 'h', 'x', '-inf'),
  error('HINCRBYFLOAT', 'h', 'x', 'nan'),
  error('HINCRBYFLOAT', 'h', 'x', ''),
  error('HINCRBYFLOAT', 'missing', 'x', 'inf'),
  ['EXISTS', 'missing'],
  // The 309-byte value made Redis convert the listpack to a hash table: order is its own.
  sortedPairs('HGETALL', 'h'),
]);

const SMALL = ['a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'];
const SMALL_FIELDS = SMALL.filter((_, i) => i % 2 === 0);

inBothProtocols(dual, 'HRANDFIELD argument forms', [
  ['HSET', 'h', ...SMALL],
  picked(SMALL_FIELDS, false, 'HRANDFIELD', 'h'),
  ['HRANDFIELD', 'missing'],
  ['HRANDFIELD', 'missing', '3'],
  ['HRANDFIELD', 'missing', '-3', 'WITHVALUES'],
  ['HRANDFIELD', 'h', '0'],
  ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
  picked(SMALL_FIELDS, true, 'HRANDFIELD', 'h', '3'),
  picked(SMALL_FIELDS, true, 'HRANDFIELD', 'h', '4'),
  picked(SMALL_FIELDS, true, 'HRANDFIELD', 'h', '1'),
  ['HRANDFIELD', 'h', '5'],
  ['HRANDFIELD', 'h', '100'],
  ['HRANDFIELD', 'h', '100', 'WITHVALUES'],
  ['HRANDFIELD', 'h', '5', 'withvalues'],
  picked(SMALL, false, 'HRANDFIELD', 'h', '2', 'WITHVALUES'),
  picked(SMALL_FIELDS, false, 'HRANDFIELD', 'h', '-20'),
  picked(SMALL, false, 'HRANDFIELD', 'h', '-7', 'WITHVALUES'),
  picked(SMALL_FIELDS, false, 'HRANDFIELD', 'h', '-1'),
  error('HRANDFIELD', 'h', 'x'),
  error('HRANDFIELD', 'h', '1.5'),
  error('HRANDFIELD', 'h', '-9223372036854775808'),
  error('HRANDFIELD', 'h', '9223372036854775808'),
  error('HRANDFIELD', 'h', '1', 'WITHVALUE'),
  error('HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'),
  error('HRANDFIELD', 'missing', '1', 'bogus'),
  error('HRANDFIELD', 'missing', 'x'),
  error('HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'),
  error('HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'),
  error('HRANDFIELD', 'h', '-9223372036854775807', 'WITHVALUES'),
]);

const LARGE: string[] = [];
for (let i = 0; i < 600; i++) LARGE.push(`field:${i}`, `value:${i}`);
const LARGE_FIELDS = LARGE.filter((_, i) => i % 2 === 0);

inBothProtocols(dual, 'large (hashtable) hashes', [
  ['HSET', 'big', ...LARGE],
  ['OBJECT', 'ENCODING', 'big'],
  ['HLEN', 'big'],
  sortedPairs('HGETALL', 'big'),
  sorted('HKEYS', 'big'),
  sorted('HVALS', 'big'),
  ['HGET', 'big', 'field:599'],
  picked(LARGE_FIELDS, false, 'HRANDFIELD', 'big'),
  picked(LARGE_FIELDS, true, 'HRANDFIELD', 'big', '10'),
  picked(LARGE_FIELDS, true, 'HRANDFIELD', 'big', '300'),
  picked(LARGE, false, 'HRANDFIELD', 'big', '-50', 'WITHVALUES'),
  ['HSET', 'long', 'f', 'x'.repeat(65)],
  ['OBJECT', 'ENCODING', 'long'],
  ['HDEL', 'big', ...LARGE_FIELDS.slice(0, 599)],
  ['HGETALL', 'big'],
]);

inBothProtocols(dual, 'HSCAN of small hashes and its errors', [
  ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'ab', '4'],
  ['HSCAN', 'h', '0'],
  ['HSCAN', 'h', '0', 'COUNT', '1'],
  ['HSCAN', 'h', '0', 'MATCH', 'a*'],
  ['HSCAN', 'h', '0', 'match', '*', 'count', '100'],
  ['HSCAN', 'h', '123'],
  ['HSCAN', 'h', '-1'],
  ['HSCAN', 'h', '+0'],
  ['HSCAN', 'h', ''],
  ['HSCAN', 'missing', '0'],
  ['HSCAN', 'missing', '0', 'BOGUS'],
  error('HSCAN', 'h', 'x'),
  error('HSCAN', 'h', ' 0'),
  error('HSCAN', 'h', '18446744073709551616'),
  error('HSCAN', 'h', '0', 'COUNT', '0'),
  error('HSCAN', 'h', '0', 'COUNT', '-1'),
  error('HSCAN', 'h', '0', 'COUNT', 'x'),
  error('HSCAN', 'h', '0', 'COUNT'),
  error('HSCAN', 'h', '0', 'MATCH'),
  error('HSCAN', 'h', '0', 'TYPE', 'string'),
  error('HSCAN', 'h', '0', 'BOGUS', '1'),
]);

dual.case('HSCAN of a large hash returns every field once', async (pair, tt) => {
  await pair.do('HSET', 'big', ...LARGE);
  for (const [match, count] of [['*', '10'], ['field:1*', '7'], ['*', '1000']] as const) {
    const [r, h] = await pair.both(async (c) => {
      const seen: string[] = [];
      let cursor = '0';
      let rounds = 0;
      do {
        const reply = parseReply(await c.call('HSCAN', 'big', cursor, 'MATCH', match, 'COUNT', count));
        cursor = reply.items[0]?.text.toString('latin1') ?? '0';
        const items = reply.items[1]?.items ?? [];
        for (let i = 0; i < items.length; i += 2) seen.push(`${items[i]?.text.toString('latin1')}=${items[i + 1]?.text.toString('latin1')}`);
        rounds++;
      } while (cursor !== '0' && rounds < 10_000);
      return seen.sort();
    });
    pair.same(h, r, `HSCAN MATCH ${match} COUNT ${count}: same fields, each once`);
  }
  tt.pass('scanned');
});

// ─── Property-based: random command sequences over a few hashes ──────────────────────────────────

const hkey = fc.constantFrom<Arg>('h1', 'h2', 's');
const field = fc.constantFrom('a', 'b', 'c', 'n', '');
const hvalue = fc.constantFrom('', 'v', '0', '1', '-1', '10', '1.5', 'abc', '9223372036854775807', '3e2');
const hcmd = (...argv: Arg[]): { argv: Arg[]; compare: Comparator } => ({ argv, compare: exactly });
const hashCommand = fc.oneof(
  fc.tuple(hkey, field, hvalue, fc.option(fc.tuple(field, hvalue), { nil: undefined }))
    .map(([k, f, v, more]) => hcmd('HSET', k, f, v, ...(more ?? []))),
  fc.tuple(hkey, field, hvalue).map(([k, f, v]) => hcmd('HSETNX', k, f, v)),
  fc.tuple(hkey, field, hvalue).map(([k, f, v]) => hcmd('HMSET', k, f, v)),
  fc.tuple(hkey, field).map(([k, f]) => hcmd('HGET', k, f)),
  fc.tuple(hkey, field, field).map(([k, f, g]) => hcmd('HMGET', k, f, g)),
  fc.tuple(hkey, field, field).map(([k, f, g]) => hcmd('HDEL', k, f, g)),
  hkey.map((k) => hcmd('HLEN', k)),
  fc.tuple(hkey, field).map(([k, f]) => hcmd('HSTRLEN', k, f)),
  fc.tuple(hkey, field).map(([k, f]) => hcmd('HEXISTS', k, f)),
  hkey.map((k) => hcmd('HKEYS', k)),
  hkey.map((k) => hcmd('HVALS', k)),
  hkey.map((k) => hcmd('HGETALL', k)),
  fc.tuple(hkey, field, fc.constantFrom('1', '-3', '100', 'x', '9223372036854775807')).map(([k, f, n]) => hcmd('HINCRBY', k, f, n)),
  fc.tuple(hkey, field, fc.constantFrom('1.5', '-0.25', '10', '1e2', 'abc', 'inf')).map(([k, f, n]) => hcmd('HINCRBYFLOAT', k, f, n)),
  fc.tuple(hkey, fc.constantFrom('0', '100', '-1')).map(([k, n]) => ({ argv: ['HRANDFIELD', k, n, 'WITHVALUES'], compare: n === '-1' ? exactlyWhenError : unordered(true) })),
  hkey.map((k) => hcmd('HSCAN', k, '0')),
  hkey.map((k) => hcmd('SET', k, 'v')),
  hkey.map((k) => hcmd('DEL', k)),
  hkey.map((k) => hcmd('TYPE', k)),
  hkey.map((k) => hcmd('OBJECT', 'ENCODING', k)),
  fc.constant(hcmd('DBSIZE')),
);

/** Random single picks: only errors (and empty replies) are compared exactly. */
function exactlyWhenError(redis: Buffer, target: Buffer): { expected: string; actual: string } {
  const first = redis[0];
  if (first === 0x2d || redis.toString('latin1') === '*0\r\n') return exactly(redis, target);
  return { expected: 'a random pick', actual: target[0] === 0x2a ? 'a random pick' : target.toString('latin1') };
}

dual.case('random hash command sequences give the same replies', (pair, tt) =>
  checkRandomSequences(pair, tt, hashCommand, { numRuns: 400, timeLimitMs: 15_000, maxLength: 25 }),
);

dual.case('random hash command sequences give the same keyspace notifications', (pair, tt) =>
  withKeyspaceEvents(pair, dual.running, ALL_EVENTS, (events) =>
    checkRandomSequences(pair, tt, hashCommand, { numRuns: 200, timeLimitMs: 8_000, maxLength: 25, seedOffset: 31, events })),
);
