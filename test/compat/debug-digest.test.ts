/*
 * Differential tests for DEBUG DIGEST and DEBUG DIGEST-VALUE: datasets of every type and every
 * encoding Redis 7.0 would pick are built on both servers, and the 40-hex fingerprints must be
 * equal. A digest folds in every byte of every key and value, the type, the database index and
 * whether a key expires, so one equal digest checks a whole dataset; a differing one is narrowed
 * down by the DIGEST-VALUE steps next to it.
 *
 * Each dataset is built small (listpack, intset, int/embstr strings) and large (hashtable,
 * skiplist, raw), because Redis reads elements back from each encoding differently and the
 * digest must not show it. A fast-check case then mixes writes of all types with digests.
 */

import t from 'tap';
import fc from 'fast-check';
import { dualRun, error, sleep, type Step } from './harness';
import { checkRandomSequences, exactCommand } from './random-sequences';
import { parseReply, type Arg } from '../../bench/harness/resp';

const dual = dualRun(t);

const ZEROS = '0'.repeat(40);
const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));
/** n field/value or score/member pairs, flattened into arguments. */
const pairs = (n: number, f: (i: number) => [string, string]): string[] => Array.from({ length: n }, (_, i) => f(i)).flat();
const long = (c: string, n: number): string => c.repeat(n);
const bin = (...bytes: number[]): Buffer => Buffer.from(bytes);
const digest: Step = ['DEBUG', 'DIGEST'];
const values = (...keys: Arg[]): Step => ['DEBUG', 'DIGEST-VALUE', ...keys];

dual.case('an empty dataset digests to 40 zeros', async (pair, tt) => {
  const [r, h] = await pair.both((c) => c.call('DEBUG', 'DIGEST'));
  tt.equal(r.toString('latin1'), `+${ZEROS}\r\n`, 'redis-server');
  pair.same(h instanceof Error ? h.message : h.toString('latin1'), `+${ZEROS}\r\n`, 'target');
});

dual.case('empty dataset, missing keys, arity and reply shapes', [
  digest,
  ['DEBUG', 'digest'],
  values('missing'),
  values('a', 'b', 'c'),
  values(),
  error('DEBUG', 'DIGEST', 'extra'),
  error('DEBUG'),
  ['SET', 'k', 'v'],
  values('k', 'missing', 'k'),
  ['DEL', 'k'],
  digest,
]);

dual.case('RESP3 replies the same simple strings', [
  ['SET', 'k', 'v'],
  values('k', 'missing'),
  digest,
], { resp3: true });

dual.case('strings in every encoding, integers as their text', [
  ['SET', 'int', '12345'],
  ['SET', 'neg', '-9223372036854775808'],
  ['SET', 'max', '9223372036854775807'],
  ['SET', 'over', '9223372036854775808'],
  ['SET', 'zero-padded', '007'],
  ['SET', 'small', '0'],
  ['SET', 'float', '1.5'],
  ['SET', 'empty', ''],
  ['SET', 'embstr', 'hello world'],
  ['SET', 'raw', long('r', 1000)],
  ['SET', bin(0xff, 0x00, 0x80), bin(0x00, 0xff, 0x0a, 0x0d)],
  ['INCR', 'counter'],
  ['INCRBY', 'counter', '41'],
  ['INCRBYFLOAT', 'fl', '0.1'],
  ['SET', 'appended', '12'],
  ['APPEND', 'appended', '34'],
  ['OBJECT', 'ENCODING', 'appended'],
  ['SETRANGE', 'ranged', '3', 'x'],
  ['SETBIT', 'bits', '100', '1'],
  digest,
  values('int', 'neg', 'max', 'over', 'zero-padded', 'small', 'float', 'empty', 'embstr', 'raw', bin(0xff, 0x00, 0x80)),
  values('counter', 'fl', 'appended', 'ranged', 'bits'),
]);

dual.case('lists: order counts, small and large', [
  ['RPUSH', 'l', 'a', 'b', 'c', '1', '-2', '9223372036854775807', ''],
  ['RPUSH', 'reversed', '', '9223372036854775807', '-2', '1', 'c', 'b', 'a'],
  ['LPUSH', 'left', 'x', 'y', 'z'],
  ['RPUSH', 'big', ...range(300, (i) => `item-${i}`)],
  ['RPUSH', 'longs', long('a', 10000), long('b', 70), 'short'],
  ['RPUSH', 'binary', bin(0), bin(0xff, 0xfe), bin(0x0d, 0x0a)],
  digest,
  values('l', 'reversed', 'left', 'big', 'longs', 'binary'),
  ['LSET', 'big', '150', 'changed'],
  ['LPOP', 'l'],
  digest,
  values('l', 'big'),
]);

dual.case('sets: intset, hashtable, and converted sets that shrank', [
  ['SADD', 'ints', '3', '1', '2', '-5', '9223372036854775807', '-9223372036854775808'],
  ['SADD', 'strs', 'a', 'b', 'c', '1'],
  ['SADD', 'big-ints', ...range(600, (i) => String(i * 7 - 1000))],
  ['SADD', 'big-strs', ...range(200, (i) => `m${i}`)],
  ['SADD', 'padded', '007', '7'],
  ['SADD', 'bin', bin(0xff), bin(0), ''],
  ['OBJECT', 'ENCODING', 'ints'],
  ['OBJECT', 'ENCODING', 'big-ints'],
  digest,
  values('ints', 'strs', 'big-ints', 'big-strs', 'padded', 'bin'),
  ['SADD', 'shrunk', ...range(600, (i) => String(i))],
  ['SREM', 'shrunk', ...range(595, (i) => String(i))],
  ['SADD', 'small-again', '1', '2', '3', '4', '5'],
  values('shrunk', 'small-again'),
  ['SADD', 'strs', 'd'],
  ['SREM', 'ints', '1'],
  digest,
]);

dual.case('hashes: listpack and hashtable', [
  ['HSET', 'h', 'f1', 'v1', 'f2', '2', 'num', '-17', '', 'empty-field'],
  ['HSET', 'big', ...pairs(600, (i) => [`field${i}`, `value${i}`])],
  ['HSET', 'long-value', 'f', long('v', 65)],
  ['HSET', 'long-field', long('f', 65), 'v'],
  ['HSET', 'bin', bin(0xff, 0), bin(0, 0xff)],
  ['HINCRBY', 'counters', 'a', '5'],
  ['HINCRBYFLOAT', 'counters', 'b', '2.5'],
  ['OBJECT', 'ENCODING', 'h'],
  ['OBJECT', 'ENCODING', 'big'],
  digest,
  values('h', 'big', 'long-value', 'long-field', 'bin', 'counters'),
  ['HSET', 'same-pairs-swapped', 'v1', 'f1'],
  ['HSET', 'pairs', 'f1', 'v1'],
  values('same-pairs-swapped', 'pairs'),
  ['HDEL', 'big', 'field7'],
  digest,
]);

const scores = [
  '1', '-1', '0', '-0', '0.1', '2.5', '-3.75', '1e20', '1e-310', '5e-324', '123456789012345678',
  '1.7976931348623157e308', '+inf', '-inf', '3.14159265358979', '1e-7', '100', '-100.5',
];
const scoredMembers = (prefix: string): string[] => scores.flatMap((s, i) => [s, `${prefix}${i}`]);

dual.case('sorted sets: listpack and skiplist, scores formatted as Redis does', [
  ['ZADD', 'small', ...scoredMembers('m')],
  ['ZADD', 'ints', '1', '10', '2', '-20', '3', '9223372036854775807'],
  ['ZADD', 'long-member', ...scoredMembers('m'), '1', long('x', 65)],
  ['ZADD', 'big', ...scoredMembers('m'), ...pairs(150, (i) => [String(i / 3), `n${i}`])],
  ['ZADD', 'negzero-small', '-0', 'a'],
  ['ZADD', 'negzero-big', '-0', 'a', ...pairs(130, (i) => [String(i), `n${i}`])],
  ['ZADD', 'bin', '1', bin(0xff, 0), '2', bin(0)],
  ['ZINCRBY', 'incr', '0.1', 'a'],
  ['ZINCRBY', 'incr', '0.2', 'a'],
  ['OBJECT', 'ENCODING', 'small'],
  ['OBJECT', 'ENCODING', 'big'],
  ['OBJECT', 'ENCODING', 'long-member'],
  digest,
  values('small', 'ints', 'long-member', 'big', 'negzero-small', 'negzero-big', 'bin', 'incr'),
  ['ZADD', 'big', '-0', 'n5'],
  ['ZREM', 'small', 'm3'],
  values('big', 'small'),
  ['ZADD', 'shrunk', ...pairs(200, (i) => [String(i), `n${i}`])],
  ['ZREMRANGEBYRANK', 'shrunk', '0', '195'],
  values('shrunk'),
  digest,
]);

dual.case('expiring keys: the mark enters the digest, the deadline does not', [
  ['SET', 'plain', 'v'],
  ['SET', 'ttl', 'v', 'EX', '1000'],
  ['SET', 'other-ttl', 'v', 'PX', '123456789'],
  ['RPUSH', 'list', 'a'],
  ['EXPIRE', 'list', '5000'],
  ['HSET', 'hash', 'f', 'v'],
  ['PEXPIREAT', 'hash', '99999999999999'],
  values('plain', 'ttl', 'other-ttl', 'list', 'hash'),
  digest,
  ['EXPIRE', 'ttl', '2000'],
  values('ttl'),
  digest,
  ['PERSIST', 'ttl'],
  values('ttl'),
  digest,
  ['SET', 'other-ttl', 'v'],
  values('other-ttl'),
  ['SET', 'kept', 'v', 'EX', '100'],
  ['SET', 'kept', 'w', 'KEEPTTL'],
  values('kept'),
  digest,
]);

dual.case('a key past its deadline but not yet deleted still counts', [
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
  ['SET', 'k', 'v', 'PX', '1'],
  ['SET', 'other', 'v'],
  // Waiting is the point here: the deadline must pass while nothing deletes the key.
  sleep(20),
  values('k'),
  digest,
  ['GET', 'k'],
  values('k'),
  digest,
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
]);

dual.case('several databases: the DB index enters the digest', [
  ['SET', 'k', 'v'],
  digest,
  ['MOVE', 'k', '5'],
  digest,
  ['SELECT', '5'],
  values('k'),
  ['ZADD', 'z', '1', 'a'],
  ['SELECT', '15'],
  ['HSET', 'h', 'f', 'v'],
  ['SADD', 's', '1'],
  digest,
  ['SWAPDB', '5', '0'],
  digest,
  ['SELECT', '0'],
  values('k', 'z'),
  ['SWAPDB', '0', '5'],
  ['FLUSHDB'],
  ['SELECT', '5'],
  digest,
  ['FLUSHDB'],
  ['SELECT', '15'],
  digest,
  ['FLUSHALL'],
  digest,
]);

dual.case('after DEL, FLUSHDB and rewrites the digest follows the data', [
  ['SET', 'a', '1'],
  ['SET', 'b', '2'],
  digest,
  ['DEL', 'b'],
  digest,
  ['SET', 'b', '2'],
  digest,
  ['RENAME', 'b', 'c'],
  digest,
  ['COPY', 'a', 'copy'],
  values('a', 'copy'),
  ['SET', 'a', 'x'],
  ['GETSET', 'a', '1'],
  digest,
  ['FLUSHDB'],
  digest,
]);

dual.case('a restored and a reloaded dataset keep their digest', async (pair) => {
  const steps: Step[] = [
    ['SET', 'str', 'v'],
    ['SET', 'num', '42'],
    ['RPUSH', 'list', ...range(200, (i) => `e${i}`)],
    ['SADD', 'set', ...range(600, (i) => String(i))],
    ['HSET', 'hash', ...pairs(600, (i) => [`f${i}`, `v${i}`])],
    ['ZADD', 'zset', ...scoredMembers('m'), ...pairs(150, (i) => [String(i / 7), `n${i}`])],
    ['ZADD', 'zsmall', ...scoredMembers('m')],
    ['EXPIRE', 'list', '1000'],
    ['SELECT', '3'],
    ['SET', 'db3', 'v'],
    ['SELECT', '0'],
    digest,
    ['DEBUG', 'RELOAD'],
    digest,
    values('str', 'num', 'list', 'set', 'hash', 'zset', 'zsmall'),
  ];
  for (const step of steps) await pair.step(step);
  // DUMP/RESTORE on each side with its own payload (the payloads themselves are compared elsewhere).
  for (const key of ['zset', 'zsmall', 'hash']) {
    await pair.both(async (c) => {
      const dump = parseReply(await c.call('DUMP', key));
      if (dump.type !== '$' || dump.isNull) throw new Error(`DUMP ${key} gave no payload`);
      await c.call('RESTORE', `${key}-restored`, '0', dump.text);
    });
  }
  await pair.step(values('zset-restored', 'zsmall-restored', 'hash-restored'));
  await pair.step(digest);
});

// ─── Random sequences ───────────────────────────────────────────────────────────────────────────

const key = fc.constantFrom<Arg>('a', 'b', 'c', bin(0xff, 0x00));
const member = fc.constantFrom<Arg>('1', '2', '-3', 'x', 'y', '', '9223372036854775807', bin(0xfe), long('m', 70));
const score = fc.constantFrom('0', '-0', '1', '-1.5', '0.1', '1e20', '+inf', '-inf', '1e-310');
const many = (prefix: string, n: number): string[] => range(n, (i) => `${prefix}${i}`);

const command = fc.oneof(
  { weight: 3, arbitrary: fc.constant(['DEBUG', 'DIGEST'] as Arg[]) },
  { weight: 2, arbitrary: fc.tuple(key, key).map(([a, b]): Arg[] => ['DEBUG', 'DIGEST-VALUE', a, b]) },
  fc.tuple(key, member).map(([k, v]): Arg[] => ['SET', k, v]),
  fc.tuple(key, member).map(([k, v]): Arg[] => ['APPEND', k, v]),
  key.map((k): Arg[] => ['INCR', k]),
  fc.tuple(key, member, member).map(([k, a, b]): Arg[] => ['RPUSH', k, a, b]),
  fc.tuple(key, member).map(([k, v]): Arg[] => ['LPUSH', k, v]),
  key.map((k): Arg[] => ['RPUSH', k, ...many('', 130)]),
  fc.tuple(key, member, member).map(([k, a, b]): Arg[] => ['SADD', k, a, b]),
  key.map((k): Arg[] => ['SADD', k, ...range(520, String)]),
  fc.tuple(key, member).map(([k, m]): Arg[] => ['SREM', k, m]),
  fc.tuple(key, member, member).map(([k, f, v]): Arg[] => ['HSET', k, f, v]),
  key.map((k): Arg[] => ['HSET', k, ...many('f', 520).flatMap((f) => [f, f])]),
  fc.tuple(key, member).map(([k, f]): Arg[] => ['HDEL', k, f]),
  fc.tuple(key, score, member).map(([k, s, m]): Arg[] => ['ZADD', k, s, m]),
  key.map((k): Arg[] => ['ZADD', k, ...many('z', 130).flatMap((m, i) => [String(i / 4), m])]),
  fc.tuple(key, score, member).map(([k, s, m]): Arg[] => ['ZINCRBY', k, s, m]),
  fc.tuple(key, member).map(([k, m]): Arg[] => ['ZREM', k, m]),
  fc.tuple(key, fc.constantFrom('100', '5000')).map(([k, s]): Arg[] => ['EXPIRE', k, s]),
  key.map((k): Arg[] => ['PERSIST', k]),
  key.map((k): Arg[] => ['DEL', k]),
  fc.tuple(key, key).map(([a, b]): Arg[] => ['RENAME', a, b]),
  fc.tuple(key, fc.constantFrom('0', '1', '2')).map(([k, db]): Arg[] => ['MOVE', k, db]),
  fc.constantFrom('0', '1', '2').map((db): Arg[] => ['SELECT', db]),
  fc.constant(['FLUSHDB'] as Arg[]),
);

dual.case('random writes of every type give the same digests', (pair, tt) =>
  checkRandomSequences(pair, tt, command.map((argv) => exactCommand(...argv)), {
    numRuns: 300,
    timeLimitMs: 15_000,
    minLength: 5,
    maxLength: 30,
  }),
);
