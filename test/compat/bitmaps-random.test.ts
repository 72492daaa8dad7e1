/*
 * Property-based differential test for the bitmap commands: fast-check generates random
 * sequences of SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO over three
 * string keys and one list key (WRONGTYPE), mixed with plain string writes (SET, APPEND,
 * SETRANGE) so bitmaps meet integers, empty strings and binary bytes. Each sequence runs on both
 * servers after FLUSHALL and every reply must match byte for byte; the bitmap's bytes are then
 * visible through GET. Offsets stay small (a few bytes) so ranges, edges and BIT/BYTE units all
 * collide; BITFIELD draws widths from 1 to 64 bits, every overflow policy and 64-bit operands.
 * Once over RESP2 and once over RESP3, and once more with values past 4 KB (longCommand).
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

const bitmapKey = fc.constantFrom<Arg>('a', 'b', Buffer.from([0xff, 0x00]));
/** Mostly bitmaps, sometimes the list key (WRONGTYPE) or a key never written. */
const key = fc.oneof({ weight: 8, arbitrary: bitmapKey }, { weight: 1, arbitrary: fc.constantFrom<Arg>('list', 'none') });
const bitOffset = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('-1', 'x', '4294967296', '1.5', '') },
);
/** Reads may go to the last bit of the range; writes there would build 512 MB strings. */
const readOffset = fc.oneof({ weight: 8, arbitrary: bitOffset }, { weight: 1, arbitrary: fc.constant('4294967295') });
const bitValue = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('0', '1') }, { weight: 1, arbitrary: fc.constantFrom('2', '-1', 'x') });
const index = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -12, max: 12 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: -45, max: 45 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('x', '9223372036854775807', '-9223372036854775808') },
);
const unit = fc.constantFrom<Arg[]>([], ['BYTE'], ['BIT'], ['bit'], ['BITS']);
const value = fc.constantFrom<Arg>('', 'a', 'foobar', '12345', '-7', Buffer.from([0xff, 0xf0, 0x00, 0x0f]), Buffer.from([0, 0, 0]));

const fieldType = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('i', 'u'), fc.integer({ min: 1, max: 64 })).map(([s, n]) => `${s}${n}`) },
  { weight: 1, arbitrary: fc.constantFrom('u64', 'i0', 'I8', 'x') },
);
const fieldOffset = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 5 }).map((n) => `#${n}`) },
  { weight: 1, arbitrary: fc.constantFrom('-1', '#-1', 'x') },
);
const operand = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -300, max: 300 }).map(String) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('9223372036854775807', '-9223372036854775808', '4294967295', '-4294967296', '65535') },
  { weight: 1, arbitrary: fc.constantFrom('x', '1.5') },
);
const fieldOp = fc.oneof(
  fc.tuple(fieldType, fieldOffset).map(([ty, o]) => ['GET', ty, o]),
  fc.tuple(fieldType, fieldOffset, operand).map(([ty, o, v]) => ['SET', ty, o, v]),
  fc.tuple(fieldType, fieldOffset, operand).map(([ty, o, v]) => ['INCRBY', ty, o, v]),
  fc.constantFrom('WRAP', 'SAT', 'FAIL', 'fail').map((p) => ['OVERFLOW', p]),
);
const readOp = fc.tuple(fieldType, fieldOffset).map(([ty, o]) => ['GET', ty, o]);

const command: fc.Arbitrary<Arg[]> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(key, bitOffset, bitValue).map(([k, o, v]) => ['SETBIT', k, o, v]) },
  { weight: 2, arbitrary: fc.tuple(key, readOffset).map(([k, o]) => ['GETBIT', k, o]) },
  { weight: 1, arbitrary: key.map((k) => ['BITCOUNT', k]) },
  { weight: 3, arbitrary: fc.tuple(key, index, index, unit).map(([k, s, e, u]) => ['BITCOUNT', k, s, e, ...u]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('0', '1', '2')).map(([k, b]) => ['BITPOS', k, b]) },
  { weight: 2, arbitrary: fc.tuple(key, fc.constantFrom('0', '1'), index).map(([k, b, s]) => ['BITPOS', k, b, s]) },
  { weight: 4, arbitrary: fc.tuple(key, fc.constantFrom('0', '1'), index, index, unit).map(([k, b, s, e, u]) => ['BITPOS', k, b, s, e, ...u]) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('AND', 'OR', 'XOR', 'NOT', 'not'), key, fc.array(key, { minLength: 1, maxLength: 3 }))
      .map(([op, dest, srcs]) => ['BITOP', op, dest, ...srcs]),
  },
  { weight: 4, arbitrary: fc.tuple(key, fc.array(fieldOp, { maxLength: 4 })).map(([k, ops]) => ['BITFIELD', k, ...ops.flat()]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.array(fc.oneof(readOp, fieldOp), { maxLength: 2 })).map(([k, ops]) => ['BITFIELD_RO', k, ...ops.flat()]) },
  { weight: 1, arbitrary: fc.tuple(bitmapKey, value).map(([k, v]) => ['SET', k, v]) },
  { weight: 1, arbitrary: fc.tuple(bitmapKey, value).map(([k, v]) => ['APPEND', k, v]) },
  { weight: 1, arbitrary: fc.tuple(bitmapKey, fc.constantFrom('0', '2', '5'), value).map(([k, o, v]) => ['SETRANGE', k, o, v]) },
  { weight: 2, arbitrary: key.map((k) => ['GET', k]) },
  { weight: 1, arbitrary: key.map((k) => ['OBJECT', 'ENCODING', k]) },
  { weight: 1, arbitrary: fc.constant(['RPUSH', 'list', 'x']) },
  { weight: 1, arbitrary: key.map((k) => ['DEL', k]) },
);

/**
 * Values past 4 KB, which SETBIT, SETRANGE, BITFIELD and APPEND edit in place
 * (storage/mutable-string.ts), and commands that reach their far end, mixed with the ones above,
 * so values cross between the two forms (SET of a short value, GET, DUMP, a reload from an RDB
 * snapshot) in every order.
 */
const LONG_BYTES = 4096;
const longValue = fc.constantFrom<Arg>(
  'x'.repeat(LONG_BYTES),
  Buffer.alloc(LONG_BYTES + 100, 0xa5),
  Buffer.from(Array.from({ length: LONG_BYTES + 7 }, (_, i) => (i * 131 + 7) & 0xff)),
);
const farOffset = fc.integer({ min: LONG_BYTES * 8 - 40, max: LONG_BYTES * 8 + 900 }).map(String);
const farIndex = fc.integer({ min: -20, max: 20 }).map((n) => String(n < 0 ? n : LONG_BYTES + n));
const longCommand: fc.Arbitrary<Arg[]> = fc.oneof(
  { weight: 10, arbitrary: command },
  { weight: 2, arbitrary: fc.tuple(bitmapKey, longValue).map(([k, v]) => ['SET', k, v]) },
  { weight: 1, arbitrary: fc.tuple(bitmapKey, longValue).map(([k, v]) => ['APPEND', k, v]) },
  { weight: 2, arbitrary: fc.tuple(key, farOffset, bitValue).map(([k, o, v]) => ['SETBIT', k, o, v]) },
  { weight: 1, arbitrary: fc.tuple(key, farOffset).map(([k, o]) => ['GETBIT', k, o]) },
  { weight: 1, arbitrary: fc.tuple(bitmapKey, farIndex, value).map(([k, o, v]) => ['SETRANGE', k, o.replace('-', ''), v]) },
  { weight: 1, arbitrary: fc.tuple(key, farIndex, farIndex).map(([k, a, b]) => ['GETRANGE', k, a, b]) },
  { weight: 1, arbitrary: fc.tuple(key, farIndex, farIndex, unit).map(([k, a, b, u]) => ['BITCOUNT', k, a, b, ...u]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('0', '1'), farIndex).map(([k, b, a]) => ['BITPOS', k, b, a]) },
  { weight: 1, arbitrary: fc.tuple(key, fieldType, farOffset, operand).map(([k, ty, o, v]) => ['BITFIELD', k, 'INCRBY', ty, o, v]) },
  { weight: 1, arbitrary: fc.tuple(key, fieldType, farOffset).map(([k, ty, o]) => ['BITFIELD_RO', k, 'GET', ty, o]) },
  { weight: 1, arbitrary: key.map((k) => ['STRLEN', k]) },
  { weight: 1, arbitrary: key.map((k) => ['DUMP', k]) },
  { weight: 1, arbitrary: key.map((k) => ['DEBUG', 'DIGEST-VALUE', k]) },
  { weight: 1, arbitrary: fc.constant(['DEBUG', 'RELOAD']) },
  { weight: 1, arbitrary: fc.tuple(bitmapKey, bitmapKey).map(([a, b]) => ['COPY', a, b, 'REPLACE']) },
);

const runSequences = (pair: Pair, tt: Test, seedOffset: number, events?: Record<Side, RawClient>, commands = command): Promise<void> =>
  checkRandomSequences(pair, tt, commands.map((argv) => exactCommand(...argv)), {
    numRuns: NUM_RUNS,
    timeLimitMs: TIME_LIMIT_MS,
    maxLength: 25,
    seedOffset,
    ...(events === undefined ? {} : { events }),
  });

dual.case('random bitmap command sequences give the same replies and keyspace notifications', (pair, tt) =>
  withKeyspaceEvents(pair, dual.running, ALL_EVENTS, (events) => runSequences(pair, tt, 0, events)),
);
dual.case('random bitmap command sequences give the same replies (RESP3)', (pair, tt) => runSequences(pair, tt, 4099), { resp3: true });
dual.case('random sequences over values past 4 KB, edited in place, give the same replies', (pair, tt) =>
  withKeyspaceEvents(pair, dual.running, ALL_EVENTS, (events) => runSequences(pair, tt, 8191, events, longCommand)),
);
