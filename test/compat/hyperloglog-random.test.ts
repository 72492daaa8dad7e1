/*
 * Property-based differential test for the HyperLogLog commands: fast-check draws sequences of
 * PFADD, PFCOUNT (one key and several), PFMERGE, PFDEBUG and plain string commands over a few
 * keys, and every reply must match redis-server's byte for byte, GET of the sketches included.
 *
 * Elements come from a small pool (so PFADD often changes nothing; it holds elements whose count
 * of 33 turns a sparse sketch dense at once) or in batches of hundreds to
 * thousands (so sketches cross from sparse into dense, at hll-sparse-max-bytes limits the
 * sequence itself sets). Sketches also meet a list (WRONGTYPE), plain strings, and header
 * corruptions made with SETRANGE and APPEND: a wrong magic or encoding byte, the cache's stale
 * bit cleared, an extra ZERO or VAL opcode at the end.
 *
 * (Corruptions that could leave a truncated XZERO as the last byte are left to the static
 * cases in hyperloglog.test.ts: Redis may later read a stale byte past the end of such a string,
 * which a string value here does not keep; see storage/hyperloglog.ts.)
 *
 * Seeded: the seed is printed, and FC_SEED=<n> replays a run. Runtime is capped by a time limit.
 */

import t from 'tap';
import fc from 'fast-check';
import { ALL_EVENTS, withKeyspaceEvents } from './keyspace-subscriber';
import { dualRun, type Pair, type Side, type Test } from './harness';
import type { RawClient } from '../../bench/harness/raw-client';
import type { Arg } from '../../bench/harness/resp';
import { checkRandomSequences, exactCommand } from './random-sequences';
import { COUNT_33_ELEMENTS } from './hll-strings';

const dual = dualRun(t);

const TIME_LIMIT_MS = 15_000;
const NUM_RUNS = 2000;

const sketchKey = fc.constantFrom<Arg>('a', 'b', 'c', Buffer.from([0xff, 0x00]));
const key = fc.oneof({ weight: 10, arbitrary: sketchKey }, { weight: 1, arbitrary: fc.constantFrom<Arg>('list', 'str', 'none') });
const keys = fc.array(key, { minLength: 1, maxLength: 4 });

const poolElement = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 60 }).map((i) => `e${i}`) },
  { weight: 1, arbitrary: fc.constantFrom<Arg>('', Buffer.from([0]), Buffer.from([0xff, 0xfe]), 'x'.repeat(33)) },
  // Counts of 33, past what a sparse sketch holds: promotion to dense at once.
  { weight: 1, arbitrary: fc.constantFrom<Arg>(...COUNT_33_ELEMENTS) },
);
/** A batch of distinct elements: `count` of them, named after `batch` so batches differ. */
const batch = fc
  .tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(20, 100, 400, 1500, 4000))
  .map(([id, count]) => Array.from({ length: count }, (_, i) => `b${id}:${i}`));

const command: fc.Arbitrary<Arg[]> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(key, fc.array(poolElement, { maxLength: 6 })).map(([k, els]) => ['PFADD', k, ...els]) },
  { weight: 2, arbitrary: fc.tuple(sketchKey, batch).map(([k, els]) => ['PFADD', k, ...els]) },
  { weight: 4, arbitrary: key.map((k) => ['PFCOUNT', k]) },
  { weight: 2, arbitrary: keys.map((ks) => ['PFCOUNT', ...ks]) },
  { weight: 3, arbitrary: fc.tuple(key, fc.array(key, { maxLength: 3 })).map(([d, ks]) => ['PFMERGE', d, ...ks]) },
  { weight: 4, arbitrary: key.map((k) => ['GET', k]) },
  { weight: 1, arbitrary: key.map((k) => ['GETRANGE', k, '0', '15']) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('ENCODING', 'DECODE', 'TODENSE', 'encoding'), key).map(([s, k]) => ['PFDEBUG', s, k]) },
  { weight: 1, arbitrary: key.map((k) => ['OBJECT', 'ENCODING', k]) },
  { weight: 1, arbitrary: key.map((k) => ['STRLEN', k]) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      sketchKey,
      fc.constantFrom<[string, Arg]>(['4', '\x02'], ['4', '\x00'], ['15', '\x00'], ['15', Buffer.from([0x80])], ['0', 'X'], ['5', 'z']),
    ).map(([k, [offset, value]]) => ['SETRANGE', k, offset, value]),
  },
  { weight: 1, arbitrary: fc.tuple(sketchKey, fc.constantFrom<Arg>(Buffer.from([0]), Buffer.from([0x80]), Buffer.from([0x3f]))).map(([k, v]) => ['APPEND', k, v]) },
  { weight: 1, arbitrary: fc.constantFrom('0', '25', '40', '200', '3000').map((n) => ['CONFIG', 'SET', 'hll-sparse-max-bytes', n]) },
  { weight: 1, arbitrary: fc.constantFrom<Arg[]>(['RPUSH', 'list', 'x'], ['SET', 'str', 'plain'], ['SET', 'a', 'HYLL'], ['DEL', 'a'], ['DEL', 'b']) },
  { weight: 1, arbitrary: fc.tuple(sketchKey, sketchKey).map(([a, b]) => ['COPY', a, b, 'REPLACE']) },
);

const runSequences = (pair: Pair, tt: Test, seedOffset: number, events?: Record<Side, RawClient>): Promise<void> =>
  checkRandomSequences(pair, tt, command.map((argv) => exactCommand(...argv)), {
    numRuns: NUM_RUNS,
    timeLimitMs: TIME_LIMIT_MS,
    maxLength: 30,
    seedOffset,
    ...(events === undefined ? {} : { events }),
  });

dual.case('random HyperLogLog command sequences give the same replies and keyspace notifications', (pair, tt) =>
  withKeyspaceEvents(pair, dual.running, ALL_EVENTS, (events) => runSequences(pair, tt, 0, events)),
);
dual.case('random HyperLogLog command sequences give the same replies (RESP3)', (pair, tt) => runSequences(pair, tt, 7919), { resp3: true });
