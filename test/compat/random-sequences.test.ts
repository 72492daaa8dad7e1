/*
 * Property-based differential test: fast-check generates random sequences of string, key and
 * expiry commands over a handful of keys (so commands collide on the same keys and meet each
 * other's side effects: wrong types, existing TTLs, missing keys), runs each sequence on both
 * servers after FLUSHALL, and requires every reply to match.
 *
 * Seeded: the seed is printed, and FC_SEED=<n> replays a run. TTLs are long (or non-positive, which
 * deletes at once) so that no reply depends on how many milliseconds passed between servers; TTL
 * and PTTL replies are compared with a tolerance. Runtime is capped by a time limit.
 */

import t from 'tap';
import fc from 'fast-check';
import { dualRun } from './harness';
import { approximately, exactly, unordered } from './compare';
import type { Arg } from '../../bench/harness/resp';
import { ALL_EVENTS, withKeyspaceEvents } from './keyspace-subscriber';
import { checkRandomSequences, type RandomCommand } from './random-sequences';

const dual = dualRun(t);

const TIME_LIMIT_MS = 20_000;
const NUM_RUNS = 1500;

const key = fc.constantFrom<Arg>('a', 'b', 'c', Buffer.from([0xff, 0x00]));
const value = fc.constantFrom('', 'v', 'hello', '0', '1', '-1', '10', '1.5', '3e2', 'abc', '9223372036854775807', '-9223372036854775808', ' 1');
const int = fc.constantFrom('0', '1', '-1', '2', '100', '-100', 'x', '9223372036854775807');
// Neither here nor in longMillis a TTL equal to one of EXPIRE/PEXPIRE's amounts below (100000
// and 300000 ms are 100 and 300 s): the same relative TTL set twice gives equal or later
// deadlines depending on whether a millisecond passed in between, and GT/LT then differ from run
// to run on either server (SETEX k 100, then PEXPIRE k 100000 GT: 0 or 1).
const longSeconds = fc.constantFrom('101', '1000', '0', '-5', 'abc');
const longMillis = fc.constantFrom('150000', '2000000', '0', '-1');
const offset = fc.constantFrom('0', '1', '-1', '3', '-100', '100', '2');

type Command = RandomCommand;

const cmd = (...argv: Arg[]): Command => ({ argv, compare: exactly });

const setOptions = fc.tuple(
  fc.constantFrom<Arg[]>([], ['NX'], ['XX']),
  // EX 101, not 100: PEXPIRE ... 100000 GT must not depend on whether a millisecond passed.
  fc.constantFrom<Arg[]>([], ['EX', '101'], ['PX', '500000'], ['KEEPTTL'], ['EX', '0']),
  fc.constantFrom<Arg[]>([], ['GET']),
);

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.tuple(key, value, setOptions).map(([k, v, [a, b, c]]) => cmd('SET', k, v, ...a, ...b, ...c)),
  key.map((k) => cmd('GET', k)),
  fc.tuple(key, value).map(([k, v]) => cmd('GETSET', k, v)),
  key.map((k) => cmd('GETDEL', k)),
  fc.tuple(key, fc.constantFrom<Arg[]>([], ['PERSIST'], ['EX', '200'], ['PX', '0'])).map(([k, o]) => cmd('GETEX', k, ...o)),
  fc.tuple(key, key).map(([a, b]) => cmd('MGET', a, b)),
  fc.tuple(key, value, key, value).map(([a, v, b, w]) => cmd('MSET', a, v, b, w)),
  fc.tuple(key, value, key, value).map(([a, v, b, w]) => cmd('MSETNX', a, v, b, w)),
  fc.tuple(key, value).map(([k, v]) => cmd('SETNX', k, v)),
  fc.tuple(key, longSeconds, value).map(([k, s, v]) => cmd('SETEX', k, s, v)),
  fc.tuple(key, value).map(([k, v]) => cmd('APPEND', k, v)),
  key.map((k) => cmd('STRLEN', k)),
  key.map((k) => cmd('INCR', k)),
  key.map((k) => cmd('DECR', k)),
  fc.tuple(key, int).map(([k, n]) => cmd('INCRBY', k, n)),
  fc.tuple(key, int).map(([k, n]) => cmd('DECRBY', k, n)),
  fc.tuple(key, fc.constantFrom('1.5', '-0.25', '10', '1e2', 'abc')).map(([k, n]) => cmd('INCRBYFLOAT', k, n)),
  fc.tuple(key, offset, offset).map(([k, a, b]) => cmd('GETRANGE', k, a, b)),
  fc.tuple(key, fc.constantFrom('0', '1', '5', '-1'), value).map(([k, o, v]) => cmd('SETRANGE', k, o, v)),
  fc.tuple(key, key).map(([a, b]) => cmd('LCS', a, b)),
  fc.tuple(key, key).map(([a, b]) => cmd('DEL', a, b)),
  fc.tuple(key, key).map(([a, b]) => cmd('EXISTS', a, b)),
  key.map((k) => cmd('TYPE', k)),
  fc.tuple(key, key).map(([a, b]) => cmd('RENAME', a, b)),
  fc.tuple(key, key).map(([a, b]) => cmd('RENAMENX', a, b)),
  fc.tuple(key, key, fc.constantFrom<Arg[]>([], ['REPLACE'])).map(([a, b, o]) => cmd('COPY', a, b, ...o)),
  fc.tuple(fc.constantFrom('EXPIRE', 'PEXPIRE'), key, fc.constantFrom('0', '-1', '100000', '300000'), fc.constantFrom<Arg[]>([], ['NX'], ['XX'], ['GT'], ['LT']))
    .map(([c, k, n, o]) => cmd(c, k, n, ...o)),
  fc.tuple(key, longMillis).map(([k, n]) => cmd('PSETEX', k, n, 'p')),
  key.map((k) => ({ argv: ['TTL', k], compare: approximately(1) })),
  key.map((k) => ({ argv: ['PTTL', k], compare: approximately(1000) })),
  key.map((k) => cmd('PERSIST', k)),
  fc.constant<Command>({ argv: ['KEYS', '*'], compare: unordered(false) }),
  fc.constant(cmd('DBSIZE')),
);

dual.case('random command sequences give the same replies', (pair, tt) =>
  checkRandomSequences(pair, tt, command, { numRuns: NUM_RUNS, timeLimitMs: TIME_LIMIT_MS, maxLength: 25 }),
);

dual.case('random command sequences give the same keyspace notifications', (pair, tt) =>
  withKeyspaceEvents(pair, dual.running, ALL_EVENTS, (events) =>
    checkRandomSequences(pair, tt, command, { numRuns: 400, timeLimitMs: 10_000, maxLength: 25, seedOffset: 31, events })),
);
