/*
 * Differential tests for the set family (issue 6): every reply compared byte for byte with a
 * real redis-server, in RESP2 and RESP3. Sets of up to 512 integers are intsets in Redis, listed
 * in ascending order, so their replies compare exactly; other sets are hash tables whose order is
 * Redis's own, compared as multisets. SPOP and SRANDMEMBER replies are random: same shape,
 * members from the set.
 */

import t from 'tap';
import fc from 'fast-check';
import { check, dualRun, error, sorted } from './harness';
import { inBothProtocols, picked, scanUnordered } from './random-picks';
import { exactly, unordered, type Comparator } from './compare';
import { parseReply, type Arg } from '../../bench/harness/resp';
import { ALL_EVENTS, withKeyspaceEvents } from './keyspace-subscriber';
import { checkRandomSequences } from './random-sequences';

const dual = dualRun(t);

inBothProtocols(dual, 'SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS', [
  ['SADD', 'i', '3', '1', '2', '-5', '1'],
  ['SADD', 'i', '2'],
  ['SMEMBERS', 'i'],
  ['OBJECT', 'ENCODING', 'i'],
  ['SCARD', 'i'],
  ['SCARD', 'missing'],
  ['SISMEMBER', 'i', '3'],
  ['SISMEMBER', 'i', '4'],
  ['SISMEMBER', 'missing', '4'],
  ['SMISMEMBER', 'i', '1', '4', '-5'],
  ['SMISMEMBER', 'missing', '1', '2'],
  ['SMEMBERS', 'missing'],
  ['SADD', 's', 'b', 'a', 'c'],
  sorted('SMEMBERS', 's'),
  ['OBJECT', 'ENCODING', 's'],
  ['SADD', 'bin', Buffer.from([0, 0xff]), '\r\n'],
  sorted('SMEMBERS', 'bin'),
  ['SREM', 'i', '1', '1', '99'],
  ['SREM', 'missing', 'a'],
  ['SMEMBERS', 'i'],
  ['SREM', 'i', '2', '3', '-5'],
  ['EXISTS', 'i'],
  ['SADD', 'ttl', 'x'],
  ['EXPIRE', 'ttl', '100'],
  ['SADD', 'ttl', 'y'],
  ['TTL', 'ttl'],
]);

inBothProtocols(dual, 'set errors: arity and wrong type', [
  ['SET', 'str', 'v'],
  error('SADD', 's'),
  error('SREM', 's'),
  error('SCARD'),
  error('SISMEMBER', 's'),
  error('SMISMEMBER', 's'),
  error('SMEMBERS'),
  error('SPOP'),
  error('SRANDMEMBER'),
  error('SMOVE', 'a', 'b'),
  error('SINTER'),
  error('SINTERCARD'),
  error('SINTERCARD', '1'),
  error('SUNION'),
  error('SDIFF'),
  error('SINTERSTORE', 'd'),
  error('SUNIONSTORE', 'd'),
  error('SDIFFSTORE', 'd'),
  error('SSCAN', 's'),
  error('SADD', 'str', 'a'),
  error('SREM', 'str', 'a'),
  error('SCARD', 'str'),
  error('SISMEMBER', 'str', 'a'),
  error('SMISMEMBER', 'str', 'a'),
  error('SMEMBERS', 'str'),
  error('SPOP', 'str'),
  error('SPOP', 'str', '2'),
  error('SRANDMEMBER', 'str'),
  error('SRANDMEMBER', 'str', '2'),
  error('SSCAN', 'str', '0'),
  error('SSCAN', 'str', 'x'),
  ['GET', 'str'],
]);

inBothProtocols(dual, 'SMOVE', [
  ['SET', 'str', 'v'],
  ['SADD', 'src', '1', '2', '3'],
  ['SADD', 'dst', 'a'],
  ['SMOVE', 'src', 'dst', '1'],
  ['SMOVE', 'src', 'dst', '1'],
  sorted('SMEMBERS', 'dst'),
  ['SMOVE', 'src', 'new', '2'],
  ['SMEMBERS', 'new'],
  ['SMOVE', 'src', 'src', '3'],
  ['SMOVE', 'src', 'src', '9'],
  ['SMOVE', 'missing', 'dst', 'a'],
  ['SMOVE', 'missing', 'str', 'a'],
  error('SMOVE', 'str', 'dst', 'a'),
  error('SMOVE', 'src', 'str', '3'),
  error('SMOVE', 'str', 'missing', 'a'),
  ['SMOVE', 'src', 'dst', '3'],
  ['EXISTS', 'src'],
  ['SADD', 'dst2', '3'],
  ['SMOVE', 'dst', 'dst2', '3'],
  ['SMEMBERS', 'dst2'],
]);

inBothProtocols(dual, 'SINTER SUNION SDIFF and their STORE forms', [
  ['SET', 'str', 'v'],
  ['SADD', 'a', '1', '2', '3', '4', '5'],
  ['SADD', 'b', '4', '5', '6', '3'],
  ['SADD', 'c', '5', '3', 'x'],
  ['SINTER', 'a', 'b'],
  ['SINTER', 'a'],
  sorted('SINTER', 'a', 'b', 'c'),
  ['SINTER', 'a', 'missing'],
  ['SINTER', 'missing'],
  error('SINTER', 'a', 'str'),
  error('SINTER', 'missing', 'str'),
  error('SINTER', 'str', 'missing'),
  ['SUNION', 'a', 'b'],
  ['SUNION', 'missing', 'a'],
  sorted('SUNION', 'a', 'c'),
  ['SUNION', 'missing'],
  error('SUNION', 'a', 'str'),
  ['SDIFF', 'a', 'b'],
  ['SDIFF', 'a', 'b', 'c'],
  ['SDIFF', 'a', 'missing'],
  ['SDIFF', 'missing', 'a'],
  sorted('SDIFF', 'c', 'a'),
  error('SDIFF', 'a', 'str'),
  error('SDIFF', 'missing', 'str'),
  ['SINTERSTORE', 'd', 'a', 'b'],
  ['SMEMBERS', 'd'],
  ['SET', 'str2', 'v', 'EX', '100'],
  ['SUNIONSTORE', 'str2', 'a', 'b'],
  ['TYPE', 'str2'],
  ['TTL', 'str2'],
  ['SMEMBERS', 'str2'],
  ['SDIFFSTORE', 'd', 'a', 'b'],
  ['SMEMBERS', 'd'],
  ['SDIFFSTORE', 'd', 'a', 'a'],
  ['EXISTS', 'd'],
  ['SINTERSTORE', 'd', 'a', 'missing'],
  ['SADD', 'd', 'z'],
  ['SINTERSTORE', 'd', 'a', 'missing'],
  ['EXISTS', 'd'],
  ['SUNIONSTORE', 'a', 'a', 'c'],
  sorted('SMEMBERS', 'a'),
  error('SINTERSTORE', 'd', 'a', 'str'),
  error('SINTERSTORE', 'd', 'missing', 'str'),
  error('SUNIONSTORE', 'd', 'str'),
  error('SDIFFSTORE', 'd', 'str', 'a'),
]);

inBothProtocols(dual, 'SINTERCARD', [
  ['SET', 'str', 'v'],
  ['SADD', 'a', '1', '2', '3', '4', '5'],
  ['SADD', 'b', '4', '5', '6', '3'],
  ['SINTERCARD', '2', 'a', 'b'],
  ['SINTERCARD', '1', 'a'],
  ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '0'],
  ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '2'],
  ['SINTERCARD', '2', 'a', 'b', 'limit', '10'],
  ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '1', 'LIMIT', '3'],
  ['SINTERCARD', '2', 'a', 'missing'],
  ['SINTERCARD', '1', 'missing'],
  error('SINTERCARD', '0', 'a'),
  error('SINTERCARD', '-1', 'a'),
  error('SINTERCARD', 'x', 'a'),
  error('SINTERCARD', '3', 'a', 'b'),
  error('SINTERCARD', '1', 'a', 'LIMIT'),
  error('SINTERCARD', '1', 'a', 'LIMIT', '-1'),
  error('SINTERCARD', '1', 'a', 'LIMIT', 'x'),
  error('SINTERCARD', '1', 'a', 'BOGUS'),
  error('SINTERCARD', '2', 'a', 'str'),
  error('SINTERCARD', '2', 'missing', 'str'),
]);

const INTS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'];

inBothProtocols(dual, 'SRANDMEMBER argument forms', [
  ['SADD', 's', ...INTS],
  picked(INTS, false, 'SRANDMEMBER', 's'),
  ['SRANDMEMBER', 'missing'],
  ['SRANDMEMBER', 'missing', '5'],
  ['SRANDMEMBER', 'missing', '-5'],
  ['SRANDMEMBER', 's', '0'],
  picked(INTS, true, 'SRANDMEMBER', 's', '1'),
  picked(INTS, true, 'SRANDMEMBER', 's', '3'),
  picked(INTS, true, 'SRANDMEMBER', 's', '8'),
  ['SRANDMEMBER', 's', '10'],
  ['SRANDMEMBER', 's', '1000'],
  ['SRANDMEMBER', 's', '9223372036854775807'],
  picked(INTS, false, 'SRANDMEMBER', 's', '-1'),
  picked(INTS, false, 'SRANDMEMBER', 's', '-30'),
  error('SRANDMEMBER', 's', 'x'),
  error('SRANDMEMBER', 's', '1.5'),
  error('SRANDMEMBER', 's', '-9223372036854775808'),
  error('SRANDMEMBER', 'missing', '-9223372036854775808'),
  error('SRANDMEMBER', 's', '1', '2'),
  ['SCARD', 's'],
]);

inBothProtocols(dual, 'SPOP argument forms', [
  ['SADD', 's', ...INTS],
  picked(INTS, false, 'SPOP', 's'),
  ['SCARD', 's'],
  picked(INTS, true, 'SPOP', 's', '2'),
  ['SCARD', 's'],
  ['SPOP', 's', '0'],
  picked(INTS, true, 'SPOP', 's', '5'),
  ['SCARD', 's'],
  check2('SPOP', 's', '10'),
  ['EXISTS', 's'],
  ['SPOP', 'missing'],
  ['SPOP', 'missing', '3'],
  ['SPOP', 'missing', '0'],
  ['SADD', 'one', 'x'],
  ['SPOP', 'one'],
  ['EXISTS', 'one'],
  ['SADD', 'w', 'b', 'a', 'c'],
  sorted('SPOP', 'w', '3'),
  ['EXISTS', 'w'],
  error('SPOP', 's', '-1'),
  error('SPOP', 's', 'x'),
  error('SPOP', 'missing', '-1'),
  error('SPOP', 's', '1', '2'),
]);

/** SPOP of everything that is left (a random 1..3 members of INTS): the count and shape matter. */
function check2(...argv: Arg[]) {
  return picked(INTS, true, ...argv);
}

const LARGE: string[] = [];
for (let i = 0; i < 700; i++) LARGE.push(`m${i}`);

inBothProtocols(dual, 'large (hashtable) sets', [
  ['SADD', 'big', ...LARGE],
  ['OBJECT', 'ENCODING', 'big'],
  ['SCARD', 'big'],
  sorted('SMEMBERS', 'big'),
  picked(LARGE, false, 'SRANDMEMBER', 'big'),
  picked(LARGE, true, 'SRANDMEMBER', 'big', '20'),
  picked(LARGE, true, 'SRANDMEMBER', 'big', '400'),
  picked(LARGE, false, 'SRANDMEMBER', 'big', '-100'),
  picked(LARGE, true, 'SPOP', 'big', '50'),
  picked(LARGE, false, 'SPOP', 'big'),
  ['SCARD', 'big'],
  picked(LARGE, true, 'SPOP', 'big', '600'),
  ['SCARD', 'big'],
  ['SADD', 'ints', ...Array.from({ length: 600 }, (_, i) => String(i * 7 - 100))],
  ['OBJECT', 'ENCODING', 'ints'],
  sorted('SMEMBERS', 'ints'),
  ['SINTERCARD', '1', 'ints', 'LIMIT', '100'],
]);

inBothProtocols(dual, 'SSCAN of small sets and its errors', [
  ['SADD', 'i', '10', '-3', '7', '100'],
  ['SSCAN', 'i', '0'],
  ['SSCAN', 'i', '0', 'COUNT', '1'],
  ['SSCAN', 'i', '0', 'MATCH', '1*'],
  ['SSCAN', 'i', '42'],
  ['SSCAN', 'missing', '0'],
  ['SSCAN', 'missing', '0', 'BOGUS'],
  ['SADD', 's', 'ab', 'b', 'ac'],
  check(scanUnordered, 'SSCAN', 's', '0', 'MATCH', 'a*'),
  error('SSCAN', 'i', 'x'),
  error('SSCAN', 'i', '-'),
  error('SSCAN', 'i', '0', 'COUNT', '0'),
  error('SSCAN', 'i', '0', 'COUNT', 'x'),
  error('SSCAN', 'i', '0', 'MATCH'),
  error('SSCAN', 'i', '0', 'TYPE', 'set'),
]);

dual.case('SSCAN of a large set returns every member once', async (pair, tt) => {
  await pair.do('SADD', 'big', ...LARGE);
  for (const [match, count] of [['*', '10'], ['m1*', '3'], ['*', '5000']] as const) {
    const [r, h] = await pair.both(async (c) => {
      const seen: string[] = [];
      let cursor = '0';
      let rounds = 0;
      do {
        const reply = parseReply(await c.call('SSCAN', 'big', cursor, 'MATCH', match, 'COUNT', count));
        cursor = reply.items[0]?.text.toString('latin1') ?? '0';
        for (const item of reply.items[1]?.items ?? []) seen.push(item.text.toString('latin1'));
        rounds++;
      } while (cursor !== '0' && rounds < 10_000);
      return seen.sort();
    });
    pair.same(h, r, `SSCAN MATCH ${match} COUNT ${count}: same members, each once`);
  }
  tt.pass('scanned');
});

// ─── Property-based: random command sequences over a few sets ────────────────────────────────────

const skey = fc.constantFrom<Arg>('s1', 's2', 'str');
const member = fc.constantFrom('1', '2', '3', '-1', 'a', 'b', '');
const scmd = (compare: Comparator, ...argv: Arg[]): { argv: Arg[]; compare: Comparator } => ({ argv, compare });
const setReply = unordered(false);
const setCommand = fc.oneof(
  fc.tuple(skey, member, member).map(([k, a, b]) => scmd(exactly, 'SADD', k, a, b)),
  fc.tuple(skey, member, member).map(([k, a, b]) => scmd(exactly, 'SREM', k, a, b)),
  skey.map((k) => scmd(exactly, 'SCARD', k)),
  fc.tuple(skey, member).map(([k, m]) => scmd(exactly, 'SISMEMBER', k, m)),
  fc.tuple(skey, member, member).map(([k, a, b]) => scmd(exactly, 'SMISMEMBER', k, a, b)),
  skey.map((k) => scmd(setReply, 'SMEMBERS', k)),
  fc.tuple(skey, skey, member).map(([a, b, m]) => scmd(exactly, 'SMOVE', a, b, m)),
  fc.tuple(skey, skey).map(([a, b]) => scmd(setReply, 'SINTER', a, b)),
  fc.tuple(skey, skey).map(([a, b]) => scmd(setReply, 'SUNION', a, b)),
  fc.tuple(skey, skey).map(([a, b]) => scmd(setReply, 'SDIFF', a, b)),
  fc.tuple(skey, skey, fc.constantFrom('0', '1', '2')).map(([a, b, l]) => scmd(exactly, 'SINTERCARD', '2', a, b, 'LIMIT', l)),
  fc.tuple(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), skey, skey, skey).map(([c, d, a, b]) => scmd(exactly, c, d, a, b)),
  fc.tuple(skey, fc.constantFrom('100', '0')).map(([k, n]) => scmd(setReply, 'SPOP', k, n)),
  fc.tuple(skey, fc.constantFrom('100', '0')).map(([k, n]) => scmd(setReply, 'SRANDMEMBER', k, n)),
  skey.map((k) => scmd(scanUnordered, 'SSCAN', k, '0')),
  skey.map((k) => scmd(exactly, 'SET', k, 'v')),
  skey.map((k) => scmd(exactly, 'DEL', k)),
  skey.map((k) => scmd(exactly, 'TYPE', k)),
  skey.map((k) => scmd(exactly, 'OBJECT', 'ENCODING', k)),
  fc.constant(scmd(exactly, 'DBSIZE')),
);

dual.case('random set command sequences give the same replies', (pair, tt) =>
  checkRandomSequences(pair, tt, setCommand, { numRuns: 400, timeLimitMs: 15_000, maxLength: 25 }),
);

dual.case('random set command sequences give the same keyspace notifications', (pair, tt) =>
  withKeyspaceEvents(pair, dual.running, ALL_EVENTS, (events) =>
    checkRandomSequences(pair, tt, setCommand, { numRuns: 200, timeLimitMs: 8_000, maxLength: 25, seedOffset: 31, events })),
);
