/*
 * Property-based differential test for the sorted-set family: fast-check draws sequences of Z*
 * commands over three zset keys, a set key and a string key (so commands meet each other's
 * effects: members updated and popped, keys emptied and deleted, wrong types, stores onto a
 * source), runs each sequence on both servers after FLUSHALL, and requires every reply to match
 * byte for byte. Scores come from a small pool with ties, infinities, -0 and values whose
 * printing needs 17 digits; ranges include exclusive, empty and inverted bounds; one member is
 * long enough to turn a key into a skiplist (-0 is kept there, not in a listpack). ZSCAN and the
 * random ZRANDMEMBER forms are left to the table tests, their order being Redis's hash order. Lex commands
 * run on a key whose members all score 0 (what lex ranges require). Once over RESP2, once RESP3.
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

const zkey = fc.constantFrom<Arg>('a', 'b', Buffer.from([0xff, 0x00]));
/** Mostly zsets, sometimes the set, the string or a key never written. */
const key = fc.oneof({ weight: 8, arbitrary: zkey }, { weight: 1, arbitrary: fc.constantFrom<Arg>('set', 'str', 'none') });
/** 'L...' is longer than 64 bytes: adding it converts the key to the skiplist encoding. */
const member = fc.constantFrom<Arg>('x', 'y', 'z', '', '1', 'w', Buffer.from([0xff, 0x0d, 0x0a]), 'L'.repeat(65));
const score = fc.constantFrom('0', '1', '1', '2', '-1', '0.1', '1.5', '-0', '+inf', '-inf', '3e30', '1e-5', 'x', 'nan');
const bound = fc.constantFrom('-inf', '+inf', '0', '1', '(1', '2', '(2', '0.1', '(0.1', '-1', '(-inf', 'x', '');
const lexBound = fc.constantFrom('-', '+', '[x', '(x', '[y', '(z', '[', '(', 'x', '[\xff');
const index = fc.constantFrom('0', '1', '2', '-1', '-2', '5', '-10', '100', 'x', '9223372036854775807');
const count = fc.constantFrom('0', '1', '2', '3', '-1', '10', 'x', '1.5');
const flags = fc.subarray(['NX', 'XX', 'GT', 'LT', 'CH', 'INCR']);
const pairs = fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 6 }).map((ps) => ps.flat());
const limit = fc.option(fc.tuple(count, count).map(([o, c]) => ['LIMIT', o, c]), { nil: undefined });
const keys = fc.array(key, { minLength: 1, maxLength: 3 });

const command: fc.Arbitrary<Arg[]> = fc.oneof(
  // ZADD weighs more than the rest, so that keys hold enough members for ranges to matter.
  { weight: 6, arbitrary: fc.tuple(key, flags, pairs).map(([k, f, p]) => ['ZADD', k, ...f, ...p]) },
  fc.tuple(key, score, member).map(([k, s, m]) => ['ZINCRBY', k, s, m]),
  fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ['ZREM', k, ...ms]),
  fc.tuple(fc.constantFrom('ZSCORE', 'ZRANK', 'ZREVRANK'), key, member).map(([c, k, m]) => [c, k, m]),
  fc.tuple(key, member, member).map(([k, m, n]) => ['ZMSCORE', k, m, n]),
  key.map((k) => ['ZCARD', k]),
  fc.tuple(key, bound, bound).map(([k, a, b]) => ['ZCOUNT', k, a, b]),
  fc.tuple(key, bound, bound, limit, fc.boolean()).map(([k, a, b, l, w]) => ['ZRANGEBYSCORE', k, a, b, ...(w ? ['WITHSCORES'] : []), ...(l ?? [])]),
  fc.tuple(key, bound, bound, limit).map(([k, a, b, l]) => ['ZREVRANGEBYSCORE', k, a, b, 'WITHSCORES', ...(l ?? [])]),
  fc.tuple(key, index, index, fc.boolean()).map(([k, a, b, r]) => ['ZRANGE', k, a, b, ...(r ? ['REV'] : []), 'WITHSCORES']),
  fc.tuple(key, index, index).map(([k, a, b]) => ['ZREVRANGE', k, a, b]),
  fc.tuple(key, bound, bound, fc.boolean(), limit).map(([k, a, b, r, l]) => ['ZRANGE', k, a, b, 'BYSCORE', ...(r ? ['REV'] : []), ...(l ?? [])]),
  fc.tuple(key, index, index).map(([k, a, b]) => ['ZREMRANGEBYRANK', k, a, b]),
  fc.tuple(key, bound, bound).map(([k, a, b]) => ['ZREMRANGEBYSCORE', k, a, b]),
  fc.tuple(fc.constantFrom('ZPOPMIN', 'ZPOPMAX'), key, fc.option(count, { nil: undefined })).map(([c, k, n]) => [c, k, ...(n === undefined ? [] : [n])]),
  fc.tuple(keys, fc.constantFrom('MIN', 'MAX'), fc.option(count, { nil: undefined })).map(([ks, w, n]) => ['ZMPOP', String(ks.length), ...ks, w, ...(n === undefined ? [] : ['COUNT', n])]),
  fc.tuple(fc.constantFrom('ZUNION', 'ZINTER', 'ZDIFF'), keys, fc.boolean()).map(([c, ks, w]) => [c, String(ks.length), ...ks, ...(w ? ['WITHSCORES'] : [])]),
  fc.tuple(fc.constantFrom('ZUNIONSTORE', 'ZINTERSTORE'), key, keys, fc.constantFrom('SUM', 'MIN', 'MAX'), score).map(([c, d, ks, agg, w]) => [
    c, d, String(ks.length), ...ks, 'WEIGHTS', ...ks.map(() => w), 'AGGREGATE', agg,
  ]),
  fc.tuple(key, keys).map(([d, ks]) => ['ZDIFFSTORE', d, String(ks.length), ...ks]),
  fc.tuple(keys, fc.option(count, { nil: undefined })).map(([ks, n]) => ['ZINTERCARD', String(ks.length), ...ks, ...(n === undefined ? [] : ['LIMIT', n])]),
  fc.tuple(key, key, index, index).map(([d, s, a, b]) => ['ZRANGESTORE', d, s, a, b]),
  // Only the deterministic forms: no count left to chance (0, or more than the set holds).
  fc.tuple(key, fc.constantFrom('0', '10')).map(([k, n]) => ['ZRANDMEMBER', k, n, 'WITHSCORES']),
  fc.tuple(fc.array(member, { minLength: 1, maxLength: 3 })).map(([ms]) => ['ZADD', 'lex', ...ms.flatMap((m) => ['0', m])]),
  fc.tuple(lexBound, lexBound, limit).map(([a, b, l]) => ['ZRANGEBYLEX', 'lex', a, b, ...(l ?? [])]),
  fc.tuple(lexBound, lexBound).map(([a, b]) => ['ZREVRANGEBYLEX', 'lex', a, b]),
  fc.tuple(lexBound, lexBound).map(([a, b]) => ['ZLEXCOUNT', 'lex', a, b]),
  fc.tuple(lexBound, lexBound).map(([a, b]) => ['ZREMRANGEBYLEX', 'lex', a, b]),
  fc.constant(['SADD', 'set', 'x', 'y', 'q']),
  fc.constant(['SET', 'str', 'string']),
  key.map((k) => ['DEL', k]),
  key.map((k) => ['TYPE', k]),
  key.map((k) => ['OBJECT', 'ENCODING', k]),
);

const runSequences = (pair: Pair, tt: Test, seedOffset: number, events?: Record<Side, RawClient>): Promise<void> =>
  checkRandomSequences(pair, tt, command.map((argv) => exactCommand(...argv)), {
    numRuns: NUM_RUNS,
    timeLimitMs: TIME_LIMIT_MS,
    minLength: 8,
    maxLength: 40,
    seedOffset,
    ...(events === undefined ? {} : { events }),
  });

dual.case('random sorted-set command sequences give the same replies and keyspace notifications', (pair, tt) =>
  withKeyspaceEvents(pair, dual.running, ALL_EVENTS, (events) => runSequences(pair, tt, 0, events)),
);
dual.case('random sorted-set command sequences give the same replies (RESP3)', (pair, tt) => runSequences(pair, tt, 7919), { resp3: true });
