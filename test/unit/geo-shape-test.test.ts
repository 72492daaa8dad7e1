/*
 * Unit tests for the fast geo paths (storage/geo-shape-test.ts, decodeScoreInto and the numeric
 * interleaving in storage/geohash.ts, SortedSetIndex.visitRange): each must give what the exact /
 * BigInt / slice path gives, and the fast distances must stay well inside the error bound the
 * search relies on.
 */
import t from 'tap';
import fc from 'fast-check';
import { correctCos } from '../../storage/correctly-rounded-trig';
import { type OrderEntry, SortedSetIndex } from '../../storage/sorted-set';
import { scaledFixed } from '../../storage/fixed-point';
import { cellHash, cellScoreRange, decodeScore, decodeScoreInto, degreesToRadians, encodeCell, GEO_STEP_MAX, geoDistanceWithCosines, geoScoreText } from '../../storage/geohash';
import {
  compareDistances,
  FAST_DISTANCE_LIMIT,
  FAST_RELATIVE_ERROR,
  fastDistance,
  fastTolerance,
  type Measured,
  printableDistance,
  ShapeTest,
} from '../../storage/geo-shape-test';

const lonArb = fc.double({ min: -180, max: 180, noNaN: true });
const latArb = fc.double({ min: -85.05112878, max: 85.05112878, noNaN: true });
const scaleArb = fc.constantFrom(0, 1e-7, 1e-5, 1e-3, 0.1, 1, 10, 60);
const signedArb = fc.double({ min: -1, max: 1, noNaN: true });
const clamp = (x: number, limit: number): number => Math.max(-limit, Math.min(limit, x));

/** A centre and a point near it (at a random scale). */
const pairArb = fc.tuple(lonArb, latArb, scaleArb, signedArb, signedArb).map(([lon, lat, scale, dx, dy]) => ({
  lon,
  lat,
  lon2: clamp(lon + dx * scale, 180),
  lat2: clamp(lat + dy * scale, 85.05112878),
}));

t.test('fast distances differ from exact ones far less than the bound', async (tt) => {
  let worst = 0;
  let differing = 0;
  let runs = 0;
  fc.assert(
    fc.property(pairArb, ({ lon, lat, lon2, lat2 }) => {
      const cos1 = correctCos(degreesToRadians(lat));
      const exact = geoDistanceWithCosines(lon, lat, lon2, lat2, cos1, NaN);
      const fast = fastDistance(lon, lat, lon2, lat2, cos1, NaN);
      if (fast > FAST_DISTANCE_LIMIT) return fastTolerance(fast) === Infinity;
      runs++;
      if (fast !== exact) differing++;
      const relative = exact === 0 ? Math.abs(fast) : Math.abs(fast - exact) / exact;
      worst = Math.max(worst, relative);
      return Math.abs(fast - exact) <= fastTolerance(fast);
    }),
    { numRuns: 200_000 },
  );
  tt.comment(`${differing} of ${runs} fast distances differ from the exact ones; worst relative difference 2^${Math.log2(worst).toFixed(1)}`);
  // 2^-48 leaves the bound (2^-40) a margin of 256.
  tt.ok(worst < 2 ** -48, 'worst relative difference below 2^-48');
  tt.ok(FAST_RELATIVE_ERROR >= 2 ** -40);
  tt.equal(fastTolerance(NaN), Infinity);
});

t.test('decodeScoreInto gives decodeScore\'s doubles', async (tt) => {
  const out = new Float64Array(2);
  const same = (score: number): boolean => {
    decodeScoreInto(score, out);
    const [lon, lat] = decodeScore(score);
    return Object.is(out[0], lon) && Object.is(out[1], lat);
  };
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 52 - 1 }), same), { numRuns: 100_000 });
  fc.assert(fc.property(fc.double(), same), { numRuns: 20_000 });
  for (const score of [0, 2 ** 52 - 1, 2 ** 52, 3 * 2 ** 52, -1, 1.5, 1e30, NaN, Infinity, -Infinity]) tt.ok(same(score), `score ${score}`);
});

t.test('geoScoreText\'s numeric interleaving matches the BigInt one', async (tt) => {
  const bigint = (lon: number, lat: number): string => {
    const cell = encodeCell(lon, lat, GEO_STEP_MAX);
    return cell === null ? 'none' : cellHash(cell).toString();
  };
  fc.assert(fc.property(lonArb, latArb, (lon, lat) => geoScoreText(lon, lat) === bigint(lon, lat)), { numRuns: 100_000 });
  for (const [lon, lat] of [[180, 85.05112878], [-180, -85.05112878], [180, 0], [0, 85.05112878], [179.99999999, 85.0511287], [0, 0]] as const) {
    tt.equal(geoScoreText(lon, lat), bigint(lon, lat), `${lon},${lat}`);
  }
});

/** A member as the search records it: the fast distance and its bound. */
function measured(test: ShapeTest, lon: number, lat: number): Measured | null {
  if (!test.test(lon, lat)) return null;
  return { lon, lat, distanceMetres: test.distance, tolerance: test.tolerance };
}

t.test('membership, order and printed digits are those of the exact distances', async (tt) => {
  let boundaryCases = 0;
  fc.assert(
    fc.property(pairArb, fc.array(fc.tuple(signedArb, signedArb), { minLength: 2, maxLength: 12 }), fc.constantFrom(1, 1000, 1609.34, 0.3048), (p, offsets, unit) => {
      const scale = Math.abs(p.lon2 - p.lon) + Math.abs(p.lat2 - p.lat) + 1e-6;
      // Points mirrored about the centre's meridian give equal distances: ties for the sort.
      const points = offsets.flatMap(([dx, dy]) => [
        [clamp(p.lon + dx * scale, 180), clamp(p.lat + dy * scale, 85)],
        [clamp(p.lon - dx * scale, 180), clamp(p.lat + dy * scale, 85)],
      ]);
      const cos1 = correctCos(degreesToRadians(p.lat));
      const exact = points.map(([lon, lat]) => geoDistanceWithCosines(p.lon, p.lat, lon as number, lat as number, cos1, NaN));
      // A radius exactly at one point's exact distance: that point is on the boundary.
      const radius = (exact[0] as number) / unit;
      const test = new ShapeTest({ kind: 'radius', lon: p.lon, lat: p.lat, radius, metresPerUnit: unit });
      const found = points.map(([lon, lat]) => measured(test, lon as number, lat as number));
      for (let i = 0; i < points.length; i++) {
        const inside = !((exact[i] as number) > radius * unit);
        if ((found[i] !== null) !== inside) return false;
      }
      const inside = found.map((m, i) => [m, exact[i] as number] as const).filter((x): x is readonly [Measured, number] => x[0] !== null);
      for (const [a, ea] of inside) {
        for (const [b, eb] of inside) {
          if (Math.sign(compareDistances(test, a, b)) !== Math.sign(ea > eb ? 1 : ea === eb ? 0 : -1)) return false;
        }
      }
      // Digits: also with a unit chosen to put the value right at a rounding boundary.
      for (const [m, e] of inside) {
        if (printableDistance(test, { ...m }, unit) !== scaledFixed(e / unit, 4)) return false;
        const nearBoundary = e / ((Math.round((e / unit) * 1e4) + 0.5) / 1e4);
        if (nearBoundary > 0 && Number.isFinite(nearBoundary)) {
          boundaryCases++;
          const fresh = { ...m, distanceMetres: m.tolerance === 0 ? e : fastDistance(p.lon, p.lat, m.lon, m.lat, cos1, NaN), tolerance: m.tolerance === 0 ? 0 : fastTolerance(e) };
          if (printableDistance(test, fresh, nearBoundary) !== scaledFixed(e / nearBoundary, 4)) return false;
        }
      }
      return true;
    }),
    { numRuns: 3000 },
  );
  tt.comment(`${boundaryCases} values printed at a rounding boundary`);
});

t.test('box and circle membership (with the pre-filter) is that of the exact formula, at every scale and near the antipodes', async (tt) => {
  let inside = 0;
  let outside = 0;
  const exactBox = (lon: number, lat: number, c: { lon: number; lat: number }, halfWidth: number, halfHeight: number): boolean => {
    if (Math.abs(degreesToRadians(lat) - degreesToRadians(c.lat)) * 6372797.560856 > halfHeight) return false;
    const cos = correctCos(degreesToRadians(lat));
    return !(geoDistanceWithCosines(lon, lat, c.lon, lat, cos, cos) > halfWidth);
  };
  fc.assert(
    fc.property(
      lonArb,
      latArb,
      fc.constantFrom(0, 1, 1e3, 1e5, 1e6, 5e6, 2e7),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.array(fc.tuple(signedArb, signedArb, scaleArb, fc.boolean()), { minLength: 1, maxLength: 20 }),
      (lon, lat, size, w, h, offsets) => {
        const centre = { lon, lat };
        const width = size * w;
        const height = size * h;
        const box = new ShapeTest({ kind: 'box', lon, lat, width, height, metresPerUnit: 1 });
        const circle = new ShapeTest({ kind: 'radius', lon, lat, radius: width, metresPerUnit: 1 });
        const cos1 = correctCos(degreesToRadians(lat));
        for (const [dx, dy, scale, antipode] of offsets) {
          // Some points near the centre's antipode, where the haversine can reach asin(>1).
          const baseLon = antipode ? (lon > 0 ? lon - 180 : lon + 180) : lon;
          const baseLat = antipode ? -lat : lat;
          const plon = clamp(baseLon + dx * scale, 180);
          const plat = clamp(baseLat + dy * scale, 85.05112878);
          const inBox = exactBox(plon, plat, centre, width / 2, height / 2);
          if (box.test(plon, plat) !== inBox) return false;
          const inCircle = !(geoDistanceWithCosines(lon, lat, plon, plat, cos1, NaN) > width);
          if (circle.test(plon, plat) !== inCircle) return false;
          if (inCircle) inside++;
          else outside++;
        }
        return true;
      },
    ),
    { numRuns: 20_000 },
  );
  tt.comment(`${inside} points inside a circle, ${outside} outside`);
  tt.ok(inside > 1000 && outside > 1000, 'both sides exercised');
});

t.test('SortedSetIndex.visitRange visits what slice returns, and stops when asked', async (tt) => {
  const index = new SortedSetIndex();
  const random = (n: number): number => Math.floor(Math.random() * n);
  for (let i = 0; i < 3000; i++) index.insert(`m${random(100000)}-${i}`, random(50));
  fc.assert(
    fc.property(fc.integer({ min: -5, max: 3100 }), fc.integer({ min: -5, max: 3100 }), fc.integer({ min: 1, max: 200 }), (from, to, stopAfter) => {
      const seen: OrderEntry[] = [];
      index.visitRange(from, to, (member, score) => {
        seen.push({ member, score });
        return true;
      });
      const expected = index.slice(from, to);
      if (JSON.stringify(seen) !== JSON.stringify(expected)) return false;
      let visits = 0;
      index.visitRange(from, to, () => ++visits < stopAfter);
      return visits === Math.min(stopAfter, expected.length);
    }),
    { numRuns: 2000 },
  );
  tt.pass('visitRange matches slice');
});

t.test('cellScoreRange in doubles matches the BigInt conversion', async (tt) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 26 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (step, a, b) => {
      const cells = 2 ** step;
      // Counters up to 2^step itself: a coordinate at its maximum.
      const cell = { step, latIndex: Math.min(cells, Math.floor(a * (cells + 1))), lonIndex: Math.min(cells, Math.floor(b * (cells + 1))) };
      const shift = BigInt(52 - 2 * step);
      const hash = cellHash(cell);
      const [min, max] = cellScoreRange(cell);
      return min === Number(hash << shift) && max === Number((hash + 1n) << shift);
    }),
    { numRuns: 50_000 },
  );
  tt.pass('same ranges');
});
