/**
 * Whether a member's point is inside a search shape, and its distance from the centre: the
 * inner loop of GEOSEARCH / GEORADIUS, run for every member of the nine search cells.
 *
 * Two ways to compute a distance (geohash.ts has the haversine formula Redis uses):
 *   - exact: with sin, cos and asin rounded correctly (correctly-rounded-trig.ts), the closest
 *     reproducible stand-in for glibc's, which redis-server calls; about 40 times slower;
 *   - fast: the same formula, the same operations in the same order, with Math.sin, Math.cos and
 *     Math.asin, which may differ from the correctly rounded values in their last bit.
 *
 * A fast distance is within a known bound of the exact one (FAST_RELATIVE_ERROR below), so it
 * answers every question whose answer cannot change within that bound, and the exact distance is
 * computed only when it could:
 *
 *     inside?        fast distance further than the bound from the radius (or half a box side)
 *                    → decided; else recompute exactly and decide on that
 *     sorted order   two distances further apart than their bounds → ordered; else both exact
 *                    (compareDistances), so every comparison a sort makes, and with it the
 *                    order of ties, is the one the exact distances give
 *     WITHDIST       4 decimals of the fast value unless a rounding boundary is within the bound
 *                    (printableDistance)
 *     STOREDIST      the full double is stored: always exact (resolveDistance)
 *
 * Why the bound holds: V8's Math.sin/cos/asin are fdlibm's, documented within 1 ulp; a correctly
 * rounded value is within half an ulp, so each of the four trig values differs by at most 1.5
 * ulp (relative 2^-51.4). The formula only multiplies, adds positive terms, takes a square root
 * and an arcsine: first-order propagation gives a relative difference of the result below about
 * 25 × 2^-53, as long as the arcsine's argument stays below about 0.7 (beyond, asin is badly
 * conditioned: there a distance above FAST_DISTANCE_LIMIT is always recomputed exactly). The
 * bound used, 2^-40 relative, is 300 times that; test/unit/geo-shape-test.test.ts measures the
 * actual differences over random pairs. An absolute 1e-150 m covers products that underflow.
 */
import { correctCos } from './correctly-rounded-trig';
import { scaledFixed } from './fixed-point';
import type { GeoShape } from './geo-search-cells';
import { degreesToRadians, EARTH_RADIUS_IN_METERS, GEO_LAT_MAX, geoDistanceWithCosines, latitudeDistance } from './geohash';

// Local copies (geohash.ts's degreesToRadians and radius): imported constants compile to property
// loads from the module object, measurable in a loop run for every member.
const DEGREES_TO_RADIANS = Math.PI / 180.0;
const EARTH_RADIUS = EARTH_RADIUS_IN_METERS;

/** The largest relative difference assumed between a fast and an exact distance. */
export const FAST_RELATIVE_ERROR = 2 ** -40;
const FAST_ABSOLUTE_ERROR = 1e-150;
/** Beyond this many metres (asin's argument about 0.65) a fast distance carries no bound. */
export const FAST_DISTANCE_LIMIT = 9_000_000;

/** The bound on |fast - exact| for a fast distance; Infinity when there is none (or NaN). */
export function fastTolerance(distance: number): number {
  return distance <= FAST_DISTANCE_LIMIT ? distance * FAST_RELATIVE_ERROR + FAST_ABSOLUTE_ERROR : Infinity;
}

/**
 * geoDistanceWithCosines with Math.sin and Math.asin, and cos(lat2) from `cosLat2`, or from
 * Math.cos when NaN. cosLat1 must be given. Same operations, same order, same meridian shortcut
 * (Math.sin is 0 exactly when its argument is, as the correctly rounded sin is).
 */
export function fastDistance(lon1: number, lat1: number, lon2: number, lat2: number, cosLat1: number, cosLat2: number): number {
  const lon1r = lon1 * DEGREES_TO_RADIANS;
  const lon2r = lon2 * DEGREES_TO_RADIANS;
  const v = Math.sin((lon2r - lon1r) / 2);
  const lat1r = lat1 * DEGREES_TO_RADIANS;
  const lat2r = lat2 * DEGREES_TO_RADIANS;
  // latitudeDistance, the meridian shortcut.
  if (v === 0.0) return EARTH_RADIUS * Math.abs(lat2r - lat1r);
  const u = Math.sin((lat2r - lat1r) / 2);
  const cos2 = Number.isNaN(cosLat2) ? Math.cos(lat2r) : cosLat2;
  const a = u * u + cosLat1 * cos2 * v * v;
  return 2.0 * EARTH_RADIUS * Math.asin(Math.sqrt(a));
}

/** A safety factor on the pre-filter's thresholds, far above any rounding in them. */
const PREFILTER_MARGIN = 2 ** -30;
const LAT_MAX_RADIANS = degreesToRadians(GEO_LAT_MAX);

/**
 * One search's membership test. `test(lon, lat)` answers whether the point is inside and, when it
 * is, leaves its distance in `distance` and the bound on that distance's error in `tolerance`
 * (0 when the distance is already exact).
 *
 * Before any trigonometry, a pre-filter rejects points that are certainly outside, with two
 * thresholds computed once per search (in radians, each widened by PREFILTER_MARGIN):
 *   - latitude (circles only; a box's own first test is already this cheap): a great-circle
 *     distance is at least the meridian arc between the two latitudes, R·|Δφ|;
 *   - longitude: with a = sin²(Δφ/2) + cosφ1·cosφ2·sin²(Δλ/2) (haversine), a ≥ cosφ1·cosφ2·sin²(Δλ/2),
 *     and cosφ2 is at least the cosine at the far edge of the latitude band the point must be in;
 *     so past some |Δλ| the distance exceeds the radius (for a box: the arc along the point's
 *     parallel, whose a is cos²φ2·sin²(Δλ/2), exceeds half the width).
 * The filter applies only when |Δλ| (folded to 0..π) is at most π/2: then a ≤ (1 + sin²85.05°)/2
 * < 0.997, so the exact formula is well away from asin(√a > 1) = NaN, which redis-server answers
 * for points almost exactly antipodal, and counts as inside (NaN > radius is false).
 */
export class ShapeTest {
  distance = 0;
  tolerance = 0;
  /** cos of the centre's latitude, correctly rounded: once per search, shared by both paths. */
  private readonly centreCosine: number;
  private readonly limit: number;
  private readonly halfWidth: number;
  private readonly halfHeight: number;
  private readonly centreLonRadians: number;
  /** Pre-filter: beyond these, outside for sure (Infinity: no filter). */
  private readonly latitudeReach: number;
  private readonly longitudeReach: number;

  constructor(readonly shape: GeoShape) {
    this.centreCosine = correctCos(degreesToRadians(shape.lat));
    this.centreLonRadians = degreesToRadians(shape.lon);
    let reach: number;
    if (shape.kind === 'radius') {
      this.limit = shape.radius * shape.metresPerUnit;
      this.halfWidth = 0;
      this.halfHeight = 0;
      reach = this.limit;
      this.latitudeReach = widened(this.limit / EARTH_RADIUS_IN_METERS);
    } else {
      this.limit = 0;
      // As Redis: the sides are converted to metres first, then halved.
      this.halfWidth = (shape.width * shape.metresPerUnit) / 2;
      this.halfHeight = (shape.height * shape.metresPerUnit) / 2;
      reach = this.halfWidth;
      this.latitudeReach = widened(this.halfHeight / EARTH_RADIUS_IN_METERS);
    }
    this.longitudeReach = longitudeReach(shape, reach, this.latitudeReach);
  }

  test(lon: number, lat: number): boolean {
    const shape = this.shape;
    let across = Math.abs(lon * DEGREES_TO_RADIANS - this.centreLonRadians);
    if (across > Math.PI) across = 2 * Math.PI - across;
    const prefilter = across <= Math.PI / 2;
    if (prefilter && across > this.longitudeReach) return false;
    if (shape.kind === 'radius') {
      if (prefilter && Math.abs(lat * DEGREES_TO_RADIANS - shape.lat * DEGREES_TO_RADIANS) > this.latitudeReach) return false;
      let distance = fastDistance(shape.lon, shape.lat, lon, lat, this.centreCosine, NaN);
      let tolerance = fastTolerance(distance);
      if (!(Math.abs(distance - this.limit) > tolerance)) {
        distance = this.exactDistance(lon, lat);
        tolerance = 0;
      }
      if (distance > this.limit) return false;
      this.distance = distance;
      this.tolerance = tolerance;
      return true;
    }
    // A box: the arc along the point's meridian (no trigonometry, so exact), then the arc along
    // its parallel to the centre's meridian, then the distance itself.
    if (latitudeDistance(lat, shape.lat) > this.halfHeight) return false;
    const pointCosine = Math.cos(lat * DEGREES_TO_RADIANS);
    let alongParallel = fastDistance(lon, lat, shape.lon, lat, pointCosine, pointCosine);
    if (!(Math.abs(alongParallel - this.halfWidth) > fastTolerance(alongParallel))) {
      const exactCosine = correctCos(lat * DEGREES_TO_RADIANS);
      alongParallel = geoDistanceWithCosines(lon, lat, shape.lon, lat, exactCosine, exactCosine);
    }
    if (alongParallel > this.halfWidth) return false;
    let distance = fastDistance(shape.lon, shape.lat, lon, lat, this.centreCosine, pointCosine);
    let tolerance = fastTolerance(distance);
    if (tolerance === Infinity) {
      distance = this.exactDistance(lon, lat);
      tolerance = 0;
    }
    this.distance = distance;
    this.tolerance = tolerance;
    return true;
  }

  /** The distance from the centre as Redis computes it (correctly rounded trigonometry). */
  exactDistance(lon: number, lat: number): number {
    return geoDistanceWithCosines(this.shape.lon, this.shape.lat, lon, lat, this.centreCosine, NaN);
  }
}

function widened(radians: number): number {
  return radians * (1 + PREFILTER_MARGIN) + 1e-15;
}

/**
 * The |Δλ| (radians) beyond which a point within `latitudeReach` of the centre's latitude is
 * farther than `reach` metres (a circle: from the centre; a box: along its own parallel), or
 * Infinity when no such bound is worth having (a reach of a radian or more, or a band that
 * comes near the pole).
 */
function longitudeReach(shape: GeoShape, reach: number, latitudeReach: number): number {
  if (!(reach < EARTH_RADIUS_IN_METERS)) return Infinity;
  const farthest = Math.min(Math.abs(degreesToRadians(shape.lat)) + latitudeReach, LAT_MAX_RADIANS);
  const bandCosine = Math.cos(farthest) * (1 - PREFILTER_MARGIN);
  const centreCosine = Math.cos(degreesToRadians(shape.lat)) * (1 - PREFILTER_MARGIN);
  // a ≥ factor² · sin²(Δλ/2): cosφ1·cosφ2 for a circle, cos²φ2 for a box's parallel.
  const factor = shape.kind === 'radius' ? Math.sqrt(centreCosine * bandCosine) : bandCosine;
  const ratio = Math.sin(reach / (2 * EARTH_RADIUS_IN_METERS)) / factor;
  if (!(ratio < 0.99)) return Infinity;
  return widened(2 * Math.asin(ratio));
}

/** What a found member carries for the sorting and printing below. */
export interface Measured {
  readonly lon: number;
  readonly lat: number;
  distanceMetres: number;
  /** 0 once distanceMetres is exact. */
  tolerance: number;
}

/** Makes a member's distance exact (once). */
export function resolveDistance(test: ShapeTest, point: Measured): void {
  if (point.tolerance === 0) return;
  point.distanceMetres = test.exactDistance(point.lon, point.lat);
  point.tolerance = 0;
}

/**
 * Ascending order of distance, as the exact distances order them: decided on the fast values
 * when they are further apart than their bounds, else on both exact values.
 */
export function compareDistances(test: ShapeTest, a: Measured, b: Measured): number {
  const slack = a.tolerance + b.tolerance;
  if (a.distanceMetres - b.distanceMetres > slack) return 1;
  if (b.distanceMetres - a.distanceMetres > slack) return -1;
  resolveDistance(test, a);
  resolveDistance(test, b);
  return a.distanceMetres > b.distanceMetres ? 1 : a.distanceMetres === b.distanceMetres ? 0 : -1;
}

/**
 * The distance in `metresPerUnit` units as WITHDIST prints it (scaledFixed, 4 decimals). The
 * fast value prints the same digits as the exact one when no rounding boundary (an odd multiple
 * of 0.00005) lies within its bound, with a margin for the division and scaling; otherwise the
 * exact one is used.
 */
export function printableDistance(test: ShapeTest, point: Measured, metresPerUnit: number): string {
  if (point.tolerance !== 0) {
    const scaled = (point.distanceMetres / metresPerUnit) * 1e4;
    const fromBoundary = Math.abs(scaled - Math.floor(scaled) - 0.5);
    const margin = (point.tolerance / metresPerUnit) * 1e4 * 2 + Math.abs(scaled) * 2 ** -48;
    if (!(fromBoundary > margin)) resolveDistance(test, point);
  }
  return scaledFixed(point.distanceMetres / metresPerUnit, 4);
}
