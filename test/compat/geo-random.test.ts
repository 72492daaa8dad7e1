/*
 * Property-based differential test for the GEO commands: fast-check draws sequences of GEOADD
 * batches and searches, runs each on a flushed redis-server and hashslot, and requires every
 * reply to match byte for byte (and, in the first case, the keyspace notifications too).
 *
 * What makes the draws bite:
 *   - points cluster around a few anchors (Sicily, the origin, the antimeridian, near both
 *     latitude limits, the corners ±180/±85.05112878) at offsets from a micrometre to tens of
 *     degrees, so searches find many members and meet the grid's wrap-around and clamping;
 *   - some points lie exactly on cell boundary lines of a random step (-180 + 360·i/2^s), and
 *     some are repeated, so equal distances reach the sorts;
 *   - searches take every form (GEOSEARCH, GEOSEARCHSTORE [STOREDIST], GEORADIUS[_RO],
 *     GEORADIUSBYMEMBER[_RO] with STORE/STOREDIST), BYRADIUS and BYBOX at scales from 0 m to
 *     more than the earth, all four units, every WITH* subset, ASC/DESC/none and COUNT [ANY];
 *   - a few arguments are bad (out-of-range coordinates, negative radius, unknown unit, COUNT 0),
 *     so error order is exercised as well.
 * Stored results are read back with ZRANGE ... WITHSCORES (scores are geohashes or distances).
 *
 * Seeded: the seed is printed, and FC_SEED=<n> replays a run. Runtime is capped by a time limit.
 */

import t from 'tap';
import fc from 'fast-check';
import { dualRun, type Pair, type Side, type Test } from './harness';
import type { RawClient } from '../../bench/harness/raw-client';
import type { Arg } from '../../bench/harness/resp';
import { ALL_EVENTS, withKeyspaceEvents } from './keyspace-subscriber';
import { checkRandomSequences, exactCommand, type RandomCommand } from './random-sequences';
import { approximately } from './compare';
import { SeededRandom } from '../../storage/random';

const dual = dualRun(t);

const TIME_LIMIT_MS = 10_000;
const NUM_RUNS = 2000;

const LAT_LIMIT = 85.05112878;

/** Centres the points and searches gather around: [longitude, latitude]. */
const ANCHORS: ReadonlyArray<[number, number]> = [
  [13.361389, 38.115556],
  [0, 0],
  [179.99, 0.5],
  [-179.99, -0.5],
  [10, 84.9],
  [-40, -84.9],
  [180, LAT_LIMIT],
  [-180, -LAT_LIMIT],
  [-122.4194, 37.7749],
  [2.8125, 2.8125],
];

const anchor = fc.constantFrom(...ANCHORS);
/** Offsets in degrees, from sub-metre to continental. */
const offset = fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.constantFrom(1e-6, 1e-4, 0.01, 0.3, 2, 20)).map(([f, scale]) => f * scale);

function clamp(x: number, limit: number): number {
  return Math.min(limit, Math.max(-limit, x));
}

/** A coordinate as a client would send it: a few decimals, or all of them. */
const decimals = fc.constantFrom(0, 2, 5, 7, 9, -1);
function text(x: number, places: number): string {
  return places < 0 ? String(x) : x.toFixed(places);
}

/** A point near an anchor, inside the limits. */
const nearPoint = fc.tuple(anchor, offset, offset, decimals).map(([[lon, lat], dLon, dLat, places]): [string, string] => {
  return [text(clamp(lon + dLon, 180), places), text(clamp(lat + dLat, LAT_LIMIT), places)];
});
/** A point on the boundary lines of the cells of a random step. */
const edgePoint = fc
  .tuple(fc.integer({ min: 1, max: 26 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([step, fLon, fLat]): [string, string] => {
    const cells = 2 ** step;
    const lon = -180 + (360 * Math.floor(fLon * cells)) / cells;
    const lat = -LAT_LIMIT + (2 * LAT_LIMIT * Math.floor(fLat * cells)) / cells;
    return [String(lon), String(clamp(lat, LAT_LIMIT))];
  });
const anyPoint = fc.tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -LAT_LIMIT, max: LAT_LIMIT, noNaN: true })).map(([a, b]): [string, string] => [String(a), String(b)]);
const badPoint = fc.constantFrom<[string, string]>(['180.5', '0'], ['0', '85.06'], ['x', '1'], ['1', 'inf'], ['-181', '-86']);
const point = fc.oneof({ weight: 6, arbitrary: nearPoint }, { weight: 2, arbitrary: edgePoint }, { weight: 1, arbitrary: anyPoint });

const members = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't'];
const member = fc.constantFrom(...members);
const key = fc.constantFrom<Arg>('geo', 'geo', 'geo', 'other', 'missing');

const geoadd = fc
  .tuple(key, fc.subarray(['NX', 'XX', 'CH']), fc.array(fc.tuple(point, member), { minLength: 1, maxLength: 25 }), fc.option(badPoint, { freq: 15 }))
  .map(([k, flags, pairs, bad]) => {
    const args = pairs.flatMap(([[lon, lat], m]) => [lon, lat, m]);
    if (bad !== null) args.push(bad[0], bad[1], 'bad');
    return ['GEOADD', k, ...flags, ...args];
  });

const unit = fc.constantFrom('m', 'km', 'mi', 'ft', 'KM');
/** Sizes in the chosen unit: mostly sensible, some zero, some larger than the earth. */
const size = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(1, 100, 10_000, 1_000_000, 10_000_000)).map(([f, s]) => text(f * s, 3)) },
  { weight: 1, arbitrary: fc.constantFrom('0', '1e9', '-1', 'x') },
);
const shapeArgs = fc.oneof(
  fc.tuple(size, unit).map(([r, u]) => ['BYRADIUS', r, u]),
  fc.tuple(size, size, unit).map(([w, h, u]) => ['BYBOX', w, h, u]),
);
const centre = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(nearPoint, edgePoint).map(([lon, lat]) => ['FROMLONLAT', lon, lat]) },
  { weight: 2, arbitrary: member.map((m) => ['FROMMEMBER', m]) },
);
const count = fc.constantFrom('1', '2', '3', '5', '10', '100', '0');
/** The option words in a random order (Redis reads them in any order). */
const options = fc
  .tuple(fc.subarray(['WITHDIST', 'WITHHASH', 'WITHCOORD']), fc.constantFrom<string[]>([], ['ASC'], ['DESC']), fc.option(fc.tuple(count, fc.boolean()), { freq: 2 }))
  .chain(([withs, sort, c]) => {
    const groups: string[][] = [...withs.map((w) => [w]), ...(sort.length > 0 ? [sort] : [])];
    if (c !== null) groups.push(['COUNT', c[0]], ...(c[1] ? [['ANY']] : []));
    return fc.shuffledSubarray(groups, { minLength: groups.length, maxLength: groups.length }).map((gs) => gs.flat());
  });

const geosearch = fc.tuple(key, centre, shapeArgs, options).map(([k, c, s, o]) => ['GEOSEARCH', k, ...c, ...s, ...o]);
const geosearchstore = fc
  .tuple(fc.constantFrom('dst', 'geo'), key, centre, shapeArgs, options, fc.boolean())
  .map(([d, k, c, s, o, dist]) => ['GEOSEARCHSTORE', d, k, ...c, ...s, ...o.filter((w) => !w.startsWith('WITH')), ...(dist ? ['STOREDIST'] : [])]);
const storeOption = fc.option(fc.tuple(fc.constantFrom('STORE', 'STOREDIST'), fc.constantFrom('dst', 'geo')), { freq: 3 });
const georadius = fc
  .tuple(fc.constantFrom('GEORADIUS', 'GEORADIUS_RO'), key, fc.oneof(nearPoint, edgePoint), size, unit, options, storeOption)
  .map(([name, k, [lon, lat], r, u, o, store]) => {
    const tail = store === null || name.endsWith('_RO') ? o : [...o.filter((w) => !w.startsWith('WITH')), ...store];
    return [name, k, lon, lat, r, u, ...tail];
  });
const georadiusbymember = fc
  .tuple(fc.constantFrom('GEORADIUSBYMEMBER', 'GEORADIUSBYMEMBER_RO'), key, member, size, unit, options, storeOption)
  .map(([name, k, m, r, u, o, store]) => {
    const tail = store === null || name.endsWith('_RO') ? o : [...o.filter((w) => !w.startsWith('WITH')), ...store];
    return [name, k, m, r, u, ...tail];
  });

const command = fc.oneof(
  { weight: 4, arbitrary: geoadd },
  { weight: 5, arbitrary: geosearch },
  { weight: 2, arbitrary: geosearchstore },
  { weight: 2, arbitrary: georadius },
  { weight: 2, arbitrary: georadiusbymember },
  { weight: 1, arbitrary: fc.tuple(key, member, member, fc.constantFrom<string[]>([], ['km'], ['mi'], ['ft'], ['m'])).map(([k, a, b, u]) => ['GEODIST', k, a, b, ...u]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 5 })).map(([k, ms]) => ['GEOPOS', k, ...ms]) },
  { weight: 1, arbitrary: fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 5 })).map(([k, ms]) => ['GEOHASH', k, ...ms]) },
  { weight: 1, arbitrary: fc.constantFrom(['ZRANGE', 'geo', '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', 'dst']) },
  { weight: 1, arbitrary: fc.tuple(key, member).map(([k, m]) => ['ZREM', k, m]) },
  { weight: 1, arbitrary: fc.constantFrom(['ZADD', 'geo', '-1', 'a'], ['ZADD', 'geo', '1.5', 'b'], ['SET', 'other', 'string'], ['DEL', 'other']) },
);

/**
 * A stored result read back. STOREDIST scores are distances at full precision, whose last bits
 * depend on the C library's sin, cos and asin (glibc's are not those of V8), so they may differ
 * by a few units in the last place; geohash scores are integers and compare exactly.
 */
const storedScores: RandomCommand = { argv: ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], compare: approximately(1e-6) };

const runSequences = (pair: Pair, tt: Test, seedOffset: number, events?: Record<Side, RawClient>): Promise<void> =>
  checkRandomSequences(pair, tt, fc.oneof({ weight: 20, arbitrary: command.map((argv) => exactCommand(...argv)) }, { weight: 1, arbitrary: fc.constant(storedScores) }), {
    numRuns: NUM_RUNS,
    timeLimitMs: TIME_LIMIT_MS,
    minLength: 6,
    maxLength: 30,
    seedOffset,
    ...(events === undefined ? {} : { events }),
  });

dual.case('random GEO command sequences give the same replies and keyspace notifications', (pair, tt) =>
  withKeyspaceEvents(pair, dual.running, ALL_EVENTS, (events) => runSequences(pair, tt, 0, events)),
);
dual.case('random GEO command sequences give the same replies (RESP3)', (pair, tt) => runSequences(pair, tt, 104729), { resp3: true });

// ─── Large sets ─────────────────────────────────────────────────────────────────────────────────
// Thousands of members (a skiplist, many per cell), then searches at every scale: what the short
// sequences above cannot build. Seeded by GEO_SEED (printed).

const LARGE_POINTS = 3000;
const LARGE_SEARCHES = 400;
/** Read back with a tolerance (storedScores above says why). */
const STORED_SCORES: Arg[] = ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'];

function largeSetCommands(random: SeededRandom): Arg[][] {
  const pick = <T>(items: readonly T[]): T => items[random.below(items.length)] as T;
  const scale = (): number => pick([1e-6, 1e-4, 0.01, 0.3, 2, 20, 90]);
  const signed = (): number => random.next() * 2 - 1;
  const coords = (): [string, string] => {
    const [lon, lat] = pick(ANCHORS);
    const places = pick([0, 3, 6, 9, -1]);
    return [text(clamp(lon + signed() * scale(), 180), places), text(clamp(lat + signed() * scale(), LAT_LIMIT), places)];
  };
  const out: Arg[][] = [];
  const names: string[] = [];
  for (let batch = 0; batch < LARGE_POINTS / 100; batch++) {
    const args: string[] = [];
    for (let i = 0; i < 100; i++) {
      const name = `p${random.below(LARGE_POINTS)}`;
      names.push(name);
      args.push(...coords(), name);
    }
    out.push(['GEOADD', 'big', ...args]);
  }
  const units = ['m', 'km', 'mi', 'ft'];
  const metres = { m: 1, km: 1000, mi: 1609.34, ft: 0.3048 } as Record<string, number>;
  for (let i = 0; i < LARGE_SEARCHES; i++) {
    const unit = pick(units);
    const sizeIn = (): string => text((random.next() * pick([10, 1000, 100_000, 1_000_000, 5_000_000])) / (metres[unit] as number), 2);
    const from = random.below(3) === 0 ? ['FROMMEMBER', pick(names)] : ['FROMLONLAT', ...coords()];
    const by = random.below(2) === 0 ? ['BYRADIUS', sizeIn(), unit] : ['BYBOX', sizeIn(), sizeIn(), unit];
    const opts: string[] = [];
    if (random.below(2) === 0) opts.push(pick(['ASC', 'DESC']));
    if (random.below(3) === 0) opts.push('COUNT', String(1 + random.below(50)), ...(random.below(2) === 0 ? ['ANY'] : []));
    const form = random.below(6);
    if (form === 0) {
      out.push(['GEOSEARCHSTORE', 'dst', 'big', ...from, ...by, ...opts, ...(random.below(2) === 0 ? ['STOREDIST'] : [])]);
      out.push(STORED_SCORES);
    } else if (form === 1 && by[0] === 'BYRADIUS' && from[0] === 'FROMLONLAT') {
      out.push(['GEORADIUS', 'big', from[1] as string, from[2] as string, by[1] as string, unit, 'WITHDIST', ...opts]);
    } else {
      const withs = ['WITHDIST', 'WITHHASH', 'WITHCOORD'].filter(() => random.below(2) === 0);
      out.push(['GEOSEARCH', 'big', ...from, ...by, ...withs, ...opts]);
    }
  }
  for (let i = 0; i < 50; i++) out.push(['GEODIST', 'big', pick(names), pick(names), pick(units)]);
  out.push(['GEOPOS', 'big', ...names.slice(0, 200)]);
  out.push(['GEOHASH', 'big', ...names.slice(0, 200)]);
  return out;
}

dual.case('a large geo set: searches at every scale', async (pair, tt) => {
  const envSeed = process.env['GEO_SEED'];
  const seed = envSeed !== undefined && envSeed !== '' ? Number(envSeed) : Date.now() % 2_147_483_647;
  tt.comment(`geo seed ${seed} (replay with GEO_SEED=${seed})`);
  for (const argv of largeSetCommands(new SeededRandom(seed))) {
    if (argv === STORED_SCORES) await pair.doApprox(1e-6, ...argv);
    else await pair.do(...argv);
  }
});
