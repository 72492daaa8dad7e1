/*
 * Differential tests where a search's fast distances (Math.sin/cos/asin, storage/geo-shape-test.ts)
 * could answer differently from the exact ones redis-server computes, so the exact path must be
 * taken: members exactly at the radius (and one double either side), WITHDIST values at a "%.4f"
 * rounding boundary, and many equal or nearly equal distances sorted with and without COUNT.
 *
 * Each centre is used only when redis-server's full distances from it (GEOSEARCHSTORE ...
 * STOREDIST) all equal the correctly rounded ones, computed here in the test process: glibc's
 * sin/cos/asin, which redis-server calls, misround about 0.1% of values in the last bit, and a
 * case built on such a distance would test that known difference rather than the search. The
 * number of centres used and skipped is printed.
 *
 * Sensitivity, checked by hand: with the fast path's error bound set to 0 (no exact fallback),
 * the members-at-the-radius case fails. The other two pass even then: adjacent centre doubles
 * move a distance by tens of ulps, so a case where the fast and exact values print differently
 * is too rare to build here; test/unit/geo-shape-test.test.ts builds such values directly.
 */
import t from 'tap';
import { dualRun, type Pair } from './harness';
import type { Arg } from '../../bench/harness/resp';
import { formatFixed } from '../../storage/fixed-point';
import { decodeScore, geoDistance, geoScoreText } from '../../storage/geohash';

const dual = dualRun(t);

const SCRATCH = new DataView(new ArrayBuffer(8));
/** The next double towards +inf (up) or -inf (down), for positive finite x. */
function adjacent(x: number, up: boolean): number {
  SCRATCH.setFloat64(0, x);
  SCRATCH.setBigUint64(0, SCRATCH.getBigUint64(0) + (up ? 1n : -1n));
  return SCRATCH.getFloat64(0);
}
/** Text strtod reads back as exactly x. */
const exact = (x: number): string => x.toPrecision(17);

/** A small deterministic generator, so a failure replays. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Tally {
  used: number;
  skipped: number;
}

/**
 * redis-server's full distances (GEOSEARCHSTORE ... STOREDIST) from `from` to every member of
 * `key`, when each equals the correctly rounded one computed here (independently of the server
 * under test); null when glibc's last bits differ for some member.
 */
async function distancesAgree(pair: Pair, key: string, from: Arg[]): Promise<string | null> {
  const redis = pair.client('redis');
  await redis.call('GEOSEARCHSTORE', 'probe', key, ...from, 'BYRADIUS', '20000000', 'm', 'STOREDIST');
  const stored = (await redis.call('ZRANGE', 'probe', '0', '-1', 'WITHSCORES')).toString('latin1');
  await redis.call('DEL', 'probe');
  const scores = new Map(parsePairs((await redis.call('ZRANGE', key, '0', '-1', 'WITHSCORES')).toString('latin1')));
  const [lon, lat] = [Number(from[1]), Number(from[2])];
  for (const [member, distance] of parsePairs(stored)) {
    const [mlon, mlat] = decodeScore(scores.get(member) as number);
    if (geoDistance(lon, lat, mlon, mlat) !== distance) return null;
  }
  return stored;
}

/** Members and their stored distances from a ZRANGE ... WITHSCORES reply (RESP2 array). */
function parsePairs(reply: string): Array<[string, number]> {
  const lines = reply.split('\r\n').filter((l) => l !== '' && !l.startsWith('*') && !l.startsWith('$'));
  const out: Array<[string, number]> = [];
  for (let i = 0; i + 1 < lines.length; i += 2) out.push([lines[i] as string, Number(lines[i + 1])]);
  return out;
}

dual.case('members exactly at the radius, and one double inside or outside it', async (pair, tt) => {
  const random = lcg(19);
  const members: string[] = [];
  for (let i = 0; i < 60; i++) members.push((13.4 + random() * 1.2).toFixed(6), (37 + random()).toFixed(6), `m${i}`);
  await pair.do('GEOADD', 'ring', ...members);
  const tally: Tally = { used: 0, skipped: 0 };
  for (let c = 0; c < 12; c++) {
    const from = ['FROMLONLAT', (13.5 + random()).toFixed(c % 3 === 0 ? 2 : 9), (37.1 + random() * 0.8).toFixed(c % 3 === 0 ? 2 : 9)];
    const stored = await distancesAgree(pair, 'ring', from);
    if (stored === null) {
      tally.skipped++;
      continue;
    }
    tally.used++;
    for (const [, distance] of parsePairs(stored).filter((_, i) => i % 4 === c % 4)) {
      for (const radius of [distance, adjacent(distance, false), adjacent(distance, true)]) {
        await pair.do('GEOSEARCH', 'ring', ...from, 'BYRADIUS', exact(radius), 'm', 'ASC', 'WITHDIST');
        await pair.do('GEOSEARCH', 'ring', ...from, 'BYRADIUS', exact(radius / 1000), 'km', 'COUNT', '3', 'DESC');
      }
      // A box whose half-side is the member's distance: the parallel test at the edge.
      await pair.do('GEOSEARCH', 'ring', ...from, 'BYBOX', exact(distance * 2), exact(distance * 2), 'm', 'ASC', 'WITHDIST');
    }
  }
  tt.comment(`centres used ${tally.used}, skipped ${tally.skipped} (glibc's last bits differ)`);
  tt.ok(tally.used >= 6, 'most centres usable');
});

const UNITS: Array<[string, number]> = [['m', 1], ['km', 1000], ['mi', 1609.34], ['ft', 0.3048]];

/**
 * Longitudes for a centre at `lat` whose distance to (lon, lat) of `point`, printed "%.4f" in
 * `unit`, changes between two adjacent doubles: a centre right at a rounding boundary.
 */
function boundaryLongitudes(point: [number, number], lat: number, metresPerUnit: number, start: number): [number, number] {
  const printed = (lon: number): string => formatFixed(geoDistance(lon, lat, point[0], point[1]) / metresPerUnit, 4);
  let low = start;
  let high = start + 1e-4;
  if (printed(low) === printed(high)) throw new Error('no boundary in the first bracket');
  for (let i = 0; i < 200; i++) {
    const mid = (low + high) / 2;
    if (mid === low || mid === high) break;
    if (printed(mid) === printed(low)) low = mid;
    else high = mid;
  }
  return [low, high];
}

dual.case('WITHDIST values at a %.4f rounding boundary', async (pair, tt) => {
  const random = lcg(4);
  const tally: Tally = { used: 0, skipped: 0 };
  for (let i = 0; i < 10; i++) {
    const key = `one${i}`;
    const score = Number(geoScoreText(13.2 + random() * 1.6, 36.8 + random() * 1.4));
    const point = decodeScore(score);
    await pair.do('ZADD', key, String(score), 'p');
    const [unit, metresPerUnit] = UNITS[i % UNITS.length] as [string, number];
    const lat = 37.5 + random() * 0.1;
    for (const lon of boundaryLongitudes(point, lat, metresPerUnit, 14 + random() * 0.01)) {
      for (const centre of [lon, adjacent(lon, false), adjacent(lon, true)]) {
        const from = ['FROMLONLAT', exact(centre), exact(lat)];
        if ((await distancesAgree(pair, key, from)) === null) {
          tally.skipped++;
          continue;
        }
        tally.used++;
        await pair.do('GEOSEARCH', key, ...from, 'BYRADIUS', '500', unit, 'WITHDIST');
        await pair.do('GEORADIUS', key, exact(centre), exact(lat), '500', unit, 'WITHDIST', 'WITHCOORD');
        await pair.do('GEOSEARCH', key, ...from, 'BYBOX', '900', '900', unit, 'WITHDIST', 'ASC', 'COUNT', '1');
      }
    }
  }
  tt.comment(`centres used ${tally.used}, skipped ${tally.skipped} (glibc's last bits differ)`);
  tt.ok(tally.used >= 30, 'most centres usable');
});

dual.case('many equal and nearly equal distances, sorted whole and partly (COUNT)', async (pair, tt) => {
  // Mirror images about the meridian 0 (the grid is symmetric there, so their decoded points are
  // too): from a centre on that meridian their distances are equal to the last bit.
  const members: string[] = [];
  for (let k = 1; k <= 12; k++) {
    for (const lat of ['10', '10.01', '10.02']) {
      members.push(String(0.01 * k), lat, `e${k}@${lat}`, String(-0.01 * k), lat, `w${k}@${lat}`);
    }
  }
  for (let i = 0; i < 20; i++) members.push('0.05', '10.005', `same${i}`);
  await pair.do('GEOADD', 'ties', ...members);
  const tally: Tally = { used: 0, skipped: 0 };
  // On the meridian, then a few units in the last place off it: ties become near-ties.
  for (const lon of ['0', '1e-15', '-1e-14', '3e-13', '1e-12', '5e-324']) {
    for (const lat of ['10', '10.01', '10.005']) {
      const from = ['FROMLONLAT', lon, lat];
      if ((await distancesAgree(pair, 'ties', from)) === null) {
        tally.skipped++;
        continue;
      }
      tally.used++;
      for (const options of [['ASC'], ['DESC'], ['ASC', 'COUNT', '5'], ['DESC', 'COUNT', '17'], ['COUNT', '40'], ['ASC', 'COUNT', '1'], ['WITHDIST', 'ASC'], []] as Arg[][]) {
        await pair.do('GEOSEARCH', 'ties', ...from, 'BYRADIUS', '50', 'km', ...options);
        await pair.do('GEOSEARCH', 'ties', ...from, 'BYBOX', '20', '4', 'km', ...options);
      }
      await pair.do('GEOSEARCHSTORE', 'dst', 'ties', ...from, 'BYRADIUS', '50', 'km', 'ASC', 'COUNT', '9', 'STOREDIST');
      await pair.do('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
      await pair.do('GEORADIUSBYMEMBER', 'ties', 'same3', '30', 'km', 'ASC', 'COUNT', '25', 'WITHDIST');
    }
  }
  tt.comment(`centres used ${tally.used}, skipped ${tally.skipped} (glibc's last bits differ)`);
  tt.ok(tally.used >= 12, 'most centres usable');
});
