/**
 * Geohash maths for the GEO commands: how Redis turns a (longitude, latitude) pair into the score
 * of a sorted-set member, and back. See https://redis.io/commands/geoadd/ ("How does it work?")
 * and https://en.wikipedia.org/wiki/Geohash.
 *
 * A cell grid of 2^step × 2^step cells covers longitudes -180..180 and latitudes
 * -85.05112878..85.05112878 (the Web Mercator limits; the poles themselves cannot be stored).
 * A point's cell counters are
 *
 *     latIndex = trunc((lat - latMin) / (latMax - latMin) × 2^step)      (likewise lonIndex)
 *
 * and its hash interleaves the two counters bit by bit, latitude on the even bits:
 *
 *     bit   ... 5    4    3    2    1    0
 *           ... lon2 lat2 lon1 lat1 lon0 lat0
 *
 * Members are stored at step 26: a 52-bit integer, held exactly by a double, used as the score.
 * Interleaving keeps nearby points at nearby scores: the members of one cell at a coarser step s
 * are exactly the scores in [hash << (52-2s), (hash+1) << (52-2s)), one range query.
 *
 * Decoding gives the centre of the step-26 cell (about 0.6 m across), clamped to the limits, not
 * the point that was added: GEOPOS answers that centre, and every distance is measured from it.
 *
 * Edges reproduced on purpose, since they change observable answers:
 * - a coordinate exactly at the maximum gives counter 2^step, one past the last cell: its bit
 *   lands above bit 51 (a point at 180,85.05112878 scores 3 × 2^52), and decodes clamped;
 * - a score not made by GEOADD (ZADD -1, 1.5, 1e30) is read as C's conversion of a double to a
 *   64-bit unsigned integer on x86-64 does (scoreToUint64), 32 bits of each counter decoded, and
 *   the "counter + 1" of a cell's upper edge wraps at 32 bits;
 * - neighbour cells wrap around: east of the last column is the first, north of the top row is
 *   the bottom row (the counter arithmetic is modulo 2^step on the reduced coordinate only).
 *
 * Distances use the haversine formula on a sphere of radius 6372797.560856 m (Redis's earth),
 * with a shortcut Redis takes when both longitudes are equal: the arc along the meridian. The
 * trigonometry is correctly rounded (correctly-rounded-trig.ts says why not Math.sin); a search,
 * which measures every member of its cells, uses Math.sin with an error bound and comes back
 * here only where the last bits could show (geo-shape-test.ts).
 *
 * The search cells for a radius or box query are in geo-search-cells.ts.
 */

import { correctAsin, correctCos, correctSin } from './correctly-rounded-trig';

export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
/** The step members are stored at: 26 bits per coordinate, 52 in all. */
export const GEO_STEP_MAX = 26;
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
/** Half the earth's circumference in Web Mercator metres; the step estimate's starting range. */
export const MERCATOR_MAX = 20037726.37;

const DEGREES_TO_RADIANS = Math.PI / 180.0;

export function degreesToRadians(degrees: number): number {
  return degrees * DEGREES_TO_RADIANS;
}

export function radiansToDegrees(radians: number): number {
  return radians / DEGREES_TO_RADIANS;
}

export interface CoordRange {
  readonly min: number;
  readonly max: number;
}

/** The ranges scores are computed in. */
export const LONGITUDE_RANGE: CoordRange = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
export const LATITUDE_RANGE: CoordRange = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };
/** The latitude range of standard geohash strings (GEOHASH). */
export const STANDARD_LATITUDE_RANGE: CoordRange = { min: -90, max: 90 };

/** A cell of the grid at `step`: its two counters (each may equal 2^step at the maximum edge). */
export interface Cell {
  readonly latIndex: number;
  readonly lonIndex: number;
  readonly step: number;
}

/** A cell's extent in degrees. */
export interface CellArea {
  readonly lonMin: number;
  readonly lonMax: number;
  readonly latMin: number;
  readonly latMax: number;
}

/** Whether a pair lies inside what GEOADD accepts (the limits are inclusive). */
export function validLongLat(lon: number, lat: number): boolean {
  return lon >= GEO_LONG_MIN && lon <= GEO_LONG_MAX && lat >= GEO_LAT_MIN && lat <= GEO_LAT_MAX;
}

/** The cell holding (lon, lat) at `step`; null outside the limits or the given ranges. */
export function encodeCell(lon: number, lat: number, step: number, latRange: CoordRange = LATITUDE_RANGE, lonRange: CoordRange = LONGITUDE_RANGE): Cell | null {
  if (!validLongLat(lon, lat)) return null;
  if (lon < lonRange.min || lon > lonRange.max || lat < latRange.min || lat > latRange.max) return null;
  const cells = cellsPerSide(step);
  // Both products are exact (a power of two); truncation is the C cast to an unsigned counter.
  const latOffset = ((lat - latRange.min) / (latRange.max - latRange.min)) * cells;
  const lonOffset = ((lon - lonRange.min) / (lonRange.max - lonRange.min)) * cells;
  return { latIndex: Math.trunc(latOffset), lonIndex: Math.trunc(lonOffset), step };
}

/**
 * 2^step, the cells along each axis at a step. A shift, because with a step TurboFan cannot see,
 * `2 ** step` is a call to the C library's pow (5% of a GEOADD).
 */
function cellsPerSide(step: number): number {
  return step >= 0 && step <= 30 ? 1 << step : 2 ** step;
}

/** Spreads a counter's bits to the even positions of a BigInt. */
function spreadBits(counter: number): bigint {
  let out = 0n;
  let bit = 0n;
  for (let c = counter; c > 0; c = Math.floor(c / 2), bit += 2n) if (c % 2 === 1) out |= 1n << bit;
  return out;
}

/** The interleaved hash of a cell: latitude on even bits, longitude on odd bits. */
export function cellHash(cell: Cell): bigint {
  return spreadBits(cell.latIndex) | (spreadBits(cell.lonIndex) << 1n);
}

const TWO_26 = 2 ** 26;
const TWO_32 = 2 ** 32;

/** The 16 bits of `x` moved to the even bits of a 32-bit number. */
function spread16(x: number): number {
  let y = (x | (x << 8)) & 0x00ff00ff;
  y = (y | (y << 4)) & 0x0f0f0f0f;
  y = (y | (y << 2)) & 0x33333333;
  return (y | (y << 1)) & 0x55555555;
}

/**
 * cellHash for two counters below 2^26, in doubles: the result is below 2^52, so every partial
 * sum is exact (the bits added never overlap) and no BigInt is needed. GEOADD's usual case.
 */
function interleave26(latIndex: number, lonIndex: number): number {
  const lat = spread16(latIndex & 0xffff) + spread16(latIndex >>> 16) * TWO_32;
  const lon = spread16(lonIndex & 0xffff) + spread16(lonIndex >>> 16) * TWO_32;
  return lat + lon * 2;
}

/**
 * The scores of the members inside a cell: [min, max), the cell's hash and its successor moved
 * to the top of the 52 bits, each rounded to a double as the C conversion does.
 */
export function cellScoreRange(cell: Cell): [number, number] {
  if (cell.step <= GEO_STEP_MAX && cell.latIndex < TWO_26 && cell.lonIndex < TWO_26) {
    // The hash is below 2^52 and the shift a power of two: both products are exact doubles.
    const scale = 2 ** (52 - 2 * cell.step);
    const hash = interleave26(cell.latIndex, cell.lonIndex);
    return [hash * scale, (hash + 1) * scale];
  }
  const shift = BigInt(52 - 2 * cell.step);
  const hash = cellHash(cell);
  return [Number(hash << shift), Number((hash + 1n) << shift)];
}

/**
 * The score GEOADD stores for a valid pair, as ZADD reads geoScoreText's integer: exact below
 * 2^53, rounded to the nearest double above it (only where a coordinate is at its maximum).
 */
export function geoScore(lon: number, lat: number): number {
  const cell = encodeCell(lon, lat, GEO_STEP_MAX);
  if (cell === null) throw new Error(`geoScore: pair out of range ${lon},${lat}`);
  if (cell.latIndex < TWO_26 && cell.lonIndex < TWO_26) return interleave26(cell.latIndex, cell.lonIndex);
  return Number(cellHash(cell));
}

/** The score GEOADD stores for a valid pair, as the integer text ZADD receives. */
export function geoScoreText(lon: number, lat: number): string {
  const cell = encodeCell(lon, lat, GEO_STEP_MAX);
  if (cell === null) throw new Error(`geoScoreText: pair out of range ${lon},${lat}`);
  // A coordinate at its maximum has counter 2^26 (see above): bits past 52, the BigInt path.
  if (cell.latIndex < TWO_26 && cell.lonIndex < TWO_26) return String(interleave26(cell.latIndex, cell.lonIndex));
  return cellHash(cell).toString();
}

// ─── Decoding ────────────────────────────────────────────────────────────────────────────────

const TWO_52 = 2 ** 52;
const TWO_53 = 2 ** 53;
const TWO_63 = 2 ** 63;
const UINT64_INDEFINITE = 1n << 63n;

/**
 * A double converted to an unsigned 64-bit integer as x86-64 code compiled by GCC does it: below
 * 2^63 a signed truncation (negative values wrap; -inf and NaN give 2^63), at or above 2^63 the
 * truncation of x - 2^63 with the top bit flipped (so 2^64 and beyond, and +inf, give 0).
 */
export function scoreToUint64(score: number): bigint {
  const signed = (x: number): bigint => {
    if (!(x >= -TWO_63 && x < TWO_63)) return UINT64_INDEFINITE;
    const t = BigInt(Math.trunc(x));
    return t < 0n ? t + (1n << 64n) : t;
  };
  if (score >= TWO_63) return signed(score - TWO_63) ^ UINT64_INDEFINITE;
  return signed(score);
}

/** The even bits of a 32-bit word packed into 16 bits. */
function evenBits(word: number): number {
  let x = word & 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** A score's two 32-bit counters: [latitude, longitude]. */
function scoreCounters(score: number): [number, number] {
  let hi: number;
  let lo: number;
  const t = Math.trunc(score);
  if (t >= 0 && t < TWO_53) {
    hi = Math.floor(t / TWO_32);
    lo = t - hi * TWO_32;
  } else {
    const bits = scoreToUint64(score);
    hi = Number(bits >> 32n);
    lo = Number(bits & 0xffffffffn);
  }
  const lat = (evenBits(lo) | (evenBits(hi) << 16)) >>> 0;
  const lon = (evenBits(lo >>> 1) | (evenBits(hi >>> 1) << 16)) >>> 0;
  return [lat, lon];
}

/** A cell's extent; the upper counter is computed in 32-bit arithmetic, as in Redis. */
export function cellArea(latIndex: number, lonIndex: number, step: number, latRange: CoordRange = LATITUDE_RANGE, lonRange: CoordRange = LONGITUDE_RANGE): CellArea {
  const cells = cellsPerSide(step);
  const latScale = latRange.max - latRange.min;
  const lonScale = lonRange.max - lonRange.min;
  return {
    latMin: latRange.min + (latIndex / cells) * latScale,
    latMax: latRange.min + (((latIndex + 1) >>> 0) / cells) * latScale,
    lonMin: lonRange.min + (lonIndex / cells) * lonScale,
    lonMax: lonRange.min + (((lonIndex + 1) >>> 0) / cells) * lonScale,
  };
}

export function areaOfCell(cell: Cell): CellArea {
  return cellArea(cell.latIndex, cell.lonIndex, cell.step);
}

/** The point a score stands for: its step-26 cell's centre, clamped to the limits. [lon, lat] */
export function decodeScore(score: number): [number, number] {
  const [latIndex, lonIndex] = scoreCounters(score);
  const area = cellArea(latIndex, lonIndex, GEO_STEP_MAX);
  let lon = (area.lonMin + area.lonMax) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  let lat = (area.latMin + area.latMax) / 2;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  return [lon, lat];
}

// Module-local copies of the limits for decodeScoreInto: compiled to CommonJS, every use of an
// exported constant inside this module is a property load from `exports`, measurable per member.
const LONG_MIN = GEO_LONG_MIN;
const LONG_MAX = GEO_LONG_MAX;
const LAT_MIN = GEO_LAT_MIN;
const LAT_MAX = GEO_LAT_MAX;
const STEP_MAX_CELL = 2 ** -GEO_STEP_MAX;
const LON_SCALE = LONG_MAX - LONG_MIN;
const LAT_SCALE = LAT_MAX - LAT_MIN;

/**
 * The even bits of a 32-bit word gathered in its low 16 bits and the odd bits in its high 16
 * (the "unshuffle" of Hacker's Delight, 7-2): four swaps of bit groups, each moving the bits
 * that must cross one boundary of a 2-, 4-, 8- and 16-bit block.
 */
function unshuffle(word: number): number {
  let x = word;
  let t = (x ^ (x >>> 1)) & 0x22222222;
  x = x ^ t ^ (t << 1);
  t = (x ^ (x >>> 2)) & 0x0c0c0c0c;
  x = x ^ t ^ (t << 2);
  t = (x ^ (x >>> 4)) & 0x00f000f0;
  x = x ^ t ^ (t << 4);
  t = (x ^ (x >>> 8)) & 0x0000ff00;
  return x ^ t ^ (t << 8);
}

/**
 * decodeScore for a search's inner loop: the same doubles (dividing by 2^26 and multiplying by
 * 2^-26 are the same exact scaling), but written into `out` ([lon, lat]) instead of allocating an
 * array and an area per member, and with both counters unshuffled from each 32-bit half at once.
 * Only a GEOADD score (an integer below 2^52) takes this path; any other goes through decodeScore.
 */
export function decodeScoreInto(score: number, out: Float64Array): void {
  if (!(score >= 0 && score < TWO_52 && Math.trunc(score) === score)) {
    const [lon, lat] = decodeScore(score);
    out[0] = lon;
    out[1] = lat;
    return;
  }
  const hi = Math.floor(score / TWO_32);
  const low = unshuffle((score - hi * TWO_32) | 0);
  const high = unshuffle(hi | 0);
  const latIndex = ((low & 0xffff) | ((high & 0xffff) << 16)) >>> 0;
  const lonIndex = ((low >>> 16) | ((high >>> 16) << 16)) >>> 0;
  // As cellArea at step 26: the counters are below 2^26, so "+ 1" does not wrap.
  const lonMin = LONG_MIN + lonIndex * STEP_MAX_CELL * LON_SCALE;
  const lonMax = LONG_MIN + (lonIndex + 1) * STEP_MAX_CELL * LON_SCALE;
  const latMin = LAT_MIN + latIndex * STEP_MAX_CELL * LAT_SCALE;
  const latMax = LAT_MIN + (latIndex + 1) * STEP_MAX_CELL * LAT_SCALE;
  let lon = (lonMin + lonMax) / 2;
  if (lon > LONG_MAX) lon = LONG_MAX;
  if (lon < LONG_MIN) lon = LONG_MIN;
  let lat = (latMin + latMax) / 2;
  if (lat > LAT_MAX) lat = LAT_MAX;
  if (lat < LAT_MIN) lat = LAT_MIN;
  out[0] = lon;
  out[1] = lat;
}

// ─── GEOHASH strings ─────────────────────────────────────────────────────────────────────────

const GEOHASH_ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * The 11-character standard geohash of a stored score: the decoded point re-encoded with the
 * standard latitude range -90..90, 5 bits per character from the top of the 52 bits; the 11th
 * character stands for bits the score does not have and is always '0'.
 */
export function geohashString(score: number): string {
  const [lon, lat] = decodeScore(score);
  const cell = encodeCell(lon, lat, GEO_STEP_MAX, STANDARD_LATITUDE_RANGE);
  const hash = cell === null ? 0n : cellHash(cell);
  let out = '';
  for (let i = 0; i < 10; i++) out += GEOHASH_ALPHABET[Number((hash >> BigInt(52 - (i + 1) * 5)) & 0x1fn)];
  return out + '0';
}

// ─── Distances ───────────────────────────────────────────────────────────────────────────────

/** The arc between two latitudes along a meridian, in metres. */
export function latitudeDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degreesToRadians(lat2) - degreesToRadians(lat1));
}

/** Great-circle distance in metres (haversine), with the equal-longitude shortcut. */
export function geoDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  return geoDistanceWithCosines(lon1, lat1, lon2, lat2, NaN, NaN);
}

/**
 * geoDistance given cos(lat1) and cos(lat2) (latitudes in radians) when the caller already has
 * them (a search reuses its centre's for every member); NaN means "compute it". The result is
 * the same double: only the order of evaluation Redis uses matters, not where a factor came from.
 */
export function geoDistanceWithCosines(lon1: number, lat1: number, lon2: number, lat2: number, cosLat1: number, cosLat2: number): number {
  const lon1r = degreesToRadians(lon1);
  const lon2r = degreesToRadians(lon2);
  const v = correctSin((lon2r - lon1r) / 2);
  if (v === 0.0) return latitudeDistance(lat1, lat2);
  const lat1r = degreesToRadians(lat1);
  const lat2r = degreesToRadians(lat2);
  const u = correctSin((lat2r - lat1r) / 2);
  const cos1 = Number.isNaN(cosLat1) ? correctCos(lat1r) : cosLat1;
  const cos2 = Number.isNaN(cosLat2) ? correctCos(lat2r) : cosLat2;
  const a = u * u + cos1 * cos2 * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * correctAsin(Math.sqrt(a));
}
