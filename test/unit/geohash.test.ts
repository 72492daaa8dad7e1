/*
 * Unit tests for the geo maths (storage/geohash.ts, geo-search-cells.ts, fixed-point.ts,
 * correctly-rounded-trig.ts). The expected values were read off redis-server 7.0.15 (scores,
 * GEOPOS and GEOHASH text) or computed with 200-bit arithmetic (mpmath) for the trigonometry;
 * the differential tests in test/compat/geo*.test.ts cover the commands themselves.
 */
import t from 'tap';
import fc from 'fast-check';
import { formatFixed, humanFixed, scaledFixed } from '../../storage/fixed-point';
import { correctAsin, correctCos, correctSin } from '../../storage/correctly-rounded-trig';
import { decodeScore, geohashString, geoScoreText, scoreToUint64 } from '../../storage/geohash';
import { estimateStep, searchCells } from '../../storage/geo-search-cells';

t.test('formatFixed is printf %.Nf: exact binary value, ties to even', async (tt) => {
  tt.equal(formatFixed(0.125, 2), '0.12');
  tt.equal(formatFixed(0.375, 2), '0.38');
  tt.equal(formatFixed(2.5, 0), '2');
  tt.equal(formatFixed(3.5, 0), '4');
  tt.equal(formatFixed(0.1, 20), '0.10000000000000000555');
  tt.equal(formatFixed(181, 6), '181.000000');
  tt.equal(formatFixed(-0, 6), '-0.000000');
  tt.equal(formatFixed(1e22, 1), '10000000000000000000000.0');
  tt.equal(formatFixed(5e-324, 4), '0.0000');
  tt.equal(formatFixed(Infinity, 6), 'inf');
  tt.equal(formatFixed(-Infinity, 6), '-inf');
  tt.equal(formatFixed(166274.15156960033, 4), '166274.1516');
  fc.assert(
    fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 8 }), (x, d) => {
      // Away from ties toFixed agrees; a tie needs the value to end exactly in 5 at d+1 digits.
      const text = formatFixed(x, d);
      return Math.abs(Number(text) - x) <= 0.5 * 10 ** -d * (1 + 1e-9) + Math.abs(x) * 1e-15;
    }),
  );
});

t.test('scaledFixed rounds the scaled double to even, as Redis prints distances', async (tt) => {
  // 5461283.90975 is stored just below (printf: ...9097); times 10^4 it is the tie 54612839097.5.
  tt.equal(formatFixed(5461283.9097499996, 4), '5461283.9097');
  tt.equal(scaledFixed(5461283.9097499996, 4), '5461283.9098');
  tt.equal(scaledFixed(0.00025, 4), '0.0002'); // 2.5 after scaling: the even 2
  tt.equal(scaledFixed(0.00035, 4), '0.0004');
  tt.equal(scaledFixed(0, 4), '0.0000');
  tt.equal(scaledFixed(-0, 4), '0.0000');
  tt.equal(scaledFixed(1e-9, 4), '0.0000');
  tt.equal(scaledFixed(12.5, 0), '12');
  tt.equal(scaledFixed(166274.15156960033, 4), '166274.1516');
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1e8, noNaN: true }), (x) => {
      // It agrees with printf except where the scaled product sits within an ulp of a half.
      const scaled = x * 1e4;
      const nearHalf = Math.abs(scaled - Math.floor(scaled) - 0.5) <= scaled * 2 ** -52;
      return nearHalf || scaledFixed(x, 4) === formatFixed(x, 4);
    }),
  );
});

t.test('humanFixed trims %.17Lf', async (tt) => {
  tt.equal(humanFixed(85.05112878), '85.0511287799999991');
  tt.equal(humanFixed(180), '180');
  tt.equal(humanFixed(-179.99999731779099), '-179.99999731779098511');
  tt.equal(humanFixed(-0), '0');
});

t.test('scores, positions and geohash strings as Redis gives them', async (tt) => {
  tt.equal(geoScoreText(13.361389, 38.115556), '3479099956230698');
  tt.equal(geoScoreText(15.087269, 37.502669), '3479447370796909');
  tt.equal(geoScoreText(180, 85.05112878), '13510798882111488');
  tt.equal(geoScoreText(-180, -85.05112878), '0');
  tt.equal(geoScoreText(0, 0), '3377699720527872');
  tt.same(decodeScore(3479099956230698).map((x) => humanFixed(x)), ['13.36138933897018433', '38.11555639549629859']);
  tt.same(decodeScore(0).map((x) => humanFixed(x)), ['-179.99999731779098511', '-85.05112751263942528']);
  tt.same(decodeScore(13510798882111488).map((x) => humanFixed(x)), ['180', '85.0511287799999991']);
  tt.equal(geohashString(3479099956230698), 'sqc8b49rny0');
  tt.equal(geohashString(0), '00bh0hbj200');
  tt.equal(geohashString(13510798882111488), 'bp05b5048p0');
  tt.equal(geohashString(3377699720527872), 's0000000000');
});

t.test('a double converted to uint64 as x86-64 does', async (tt) => {
  tt.equal(scoreToUint64(-1), 2n ** 64n - 1n);
  tt.equal(scoreToUint64(1.5), 1n);
  tt.equal(scoreToUint64(1e30), 0n);
  tt.equal(scoreToUint64(Infinity), 0n);
  tt.equal(scoreToUint64(-Infinity), 2n ** 63n);
  tt.equal(scoreToUint64(2 ** 63), 2n ** 63n);
  tt.equal(scoreToUint64(-(2 ** 63)), 2n ** 63n);
});

t.test('step estimate and the search cells', async (tt) => {
  tt.equal(estimateStep(0, 0), 26);
  tt.equal(estimateStep(1, 0), 24); // 1 m doubled 25 times passes MERCATOR_MAX: 1 + 25 - 2
  tt.equal(estimateStep(1000, 0), 14);
  tt.equal(estimateStep(1000, 70), 13);
  tt.equal(estimateStep(1000, -81), 12);
  tt.equal(estimateStep(5e7, 0), 1);
  // Step 1: the neighbours wrap onto each other; four distinct cells remain.
  const world = searchCells({ kind: 'radius', lon: 0, lat: 0, radius: 2e7, metresPerUnit: 1 });
  tt.equal(world.length, 4);
  tt.ok(world.every((c) => c.step === 1));
  const local = searchCells({ kind: 'radius', lon: 13.36, lat: 38.11, radius: 100, metresPerUnit: 1000 });
  tt.ok(local.length >= 1 && local.length <= 9);
});

t.test('sin, cos, asin are correctly rounded (values from 200-bit arithmetic; V8 misrounds these)', async (tt) => {
  const cases: Array<[(x: number) => number, number, number]> = [
    [correctSin, 0.9036429908657496, 0.7855862261453207],
    [correctSin, -0.2157425109950439, -0.21407278513709851],
    [correctSin, -0.13795827453964127, -0.13752107598556984],
    [correctCos, -2.2623592799873187, -0.6377418256789037],
    [correctCos, -0.725348695553933, 0.748268144085845],
    [correctCos, -0.2673221608749068, 0.9644817038764139],
    [correctAsin, 0.22519303349540196, 0.22714115407882632],
    [correctAsin, 0.8658019405372892, 1.0467507975364343],
    [correctAsin, 0.9731628635769914, 1.338597956350773],
  ];
  for (const [f, x, expected] of cases) tt.equal(f(x), expected, `${f.name}(${x})`);
  tt.equal(correctSin(0), 0);
  tt.ok(Object.is(correctSin(-0), -0));
  tt.equal(correctCos(0), 1);
  tt.equal(correctAsin(1), Math.asin(1));
  tt.ok(Number.isNaN(correctAsin(1.0000000000000002)));
  tt.equal(correctCos(1e300), Math.cos(1e300));
});
