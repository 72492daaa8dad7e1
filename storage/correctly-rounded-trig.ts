/**
 * sin, cos and asin rounded correctly to the nearest double, for the geo distance formula.
 *
 * Why not Math.sin: JavaScript leaves the accuracy of Math.sin/cos/asin to the engine, and V8's
 * (a port of fdlibm) differs in the last bit from glibc's, which redis-server uses, for about
 * 0.3% of sines, 3.5% of cosines and 0.2% of arcsines in the ranges a distance needs. A distance
 * that differs in its last bit shows in GEOSEARCHSTORE ... STOREDIST scores (stored with all 17
 * digits) and, rarely, in which member is inside a radius. glibc is not correctly rounded either,
 * but it nearly is (measured: it misrounds about 0.03% of sines, 0.14% of cosines, 0.06% of
 * arcsines), so the correctly rounded value is the closest reproducible approximation of it.
 *
 * How: the functions are evaluated in double-double arithmetic (a value is hi + lo, two doubles,
 * about 106 bits), then rounded once to a double. Only a value within 2^-106 of a halfway point
 * between two doubles could round the wrong way.
 *   - sin, cos: x = k·π/2 + r with |r| ≤ π/4 (π/2 held in three doubles, so r keeps its bits),
 *     then the Taylor series of sin r or cos r, chosen and signed by k mod 4;
 *   - asin: one Newton step from Math.asin's estimate y: y + (x - sin y) / cos y, with sin y in
 *     double-double; the step is about an ulp, so its own rounding error is far below the result's.
 * Arguments beyond ±2^20 (only a search whose bounding box has a latitude of thousands of
 * degrees computes those) fall back to Math.sin/Math.cos.
 */

interface DoubleDouble {
  hi: number;
  lo: number;
}

const SPLITTER = 134217729; // 2^27 + 1

function twoSum(a: number, b: number): DoubleDouble {
  const s = a + b;
  const bb = s - a;
  return { hi: s, lo: a - (s - bb) + (b - bb) };
}

function quickTwoSum(a: number, b: number): DoubleDouble {
  const s = a + b;
  return { hi: s, lo: b - (s - a) };
}

/** The exact product of two doubles as hi + lo (Dekker). */
function twoProd(a: number, b: number): DoubleDouble {
  const p = a * b;
  const ta = SPLITTER * a;
  const ah = ta - (ta - a);
  const al = a - ah;
  const tb = SPLITTER * b;
  const bh = tb - (tb - b);
  const bl = b - bh;
  return { hi: p, lo: ah * bh - p + ah * bl + al * bh + al * bl };
}

function add(a: DoubleDouble, b: DoubleDouble): DoubleDouble {
  const s = twoSum(a.hi, b.hi);
  const t = twoSum(a.lo, b.lo);
  const u = quickTwoSum(s.hi, s.lo + t.hi);
  return quickTwoSum(u.hi, u.lo + t.lo);
}

function mul(a: DoubleDouble, b: DoubleDouble): DoubleDouble {
  const p = twoProd(a.hi, b.hi);
  return quickTwoSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

function divByDouble(a: DoubleDouble, d: number): DoubleDouble {
  const q1 = a.hi / d;
  const p = twoProd(q1, d);
  const q2 = (a.hi - p.hi - p.lo + a.lo) / d;
  return quickTwoSum(q1, q2);
}

function negate(a: DoubleDouble): DoubleDouble {
  return { hi: -a.hi, lo: -a.lo };
}

/** The double nearest to hi + lo. */
function rounded(a: DoubleDouble): number {
  return a.hi + a.lo;
}

// π/2 as three doubles: their sum is π/2 to about 160 bits.
const HALF_PI_1 = 1.5707963267948966;
const HALF_PI_2 = 6.123233995736766e-17;
const HALF_PI_3 = -1.4973849048591698e-33;

const LARGEST_REDUCED = 2 ** 20;

/** r = x - k·π/2 in double-double, and k. */
function reduce(x: number): [DoubleDouble, number] {
  const k = Math.round(x / HALF_PI_1);
  if (k === 0) return [{ hi: x, lo: 0 }, 0];
  let r = add({ hi: x, lo: 0 }, negate(twoProd(k, HALF_PI_1)));
  r = add(r, negate(twoProd(k, HALF_PI_2)));
  r = add(r, { hi: -k * HALF_PI_3, lo: 0 });
  return [r, k];
}

const TINY_TERM = 1e-36;
/**
 * Once a term falls below this fraction of the sum, the rest of the series (its tail) is added
 * in plain doubles: the tail's rounding errors are then below 2^-77 of the result, far under the
 * 2^-53 that decides the rounding, and the costly double-double steps stop early.
 */
const TAIL_FRACTION = 2 ** -27;

/**
 * Sums the alternating series first + t1 + t2 + ..., where each term is the previous one times
 * -r² / (k(k+1)) for k = `firstK`, `firstK` + 2, ...: sin (from r, k = 2) or cos (from 1, k = 1).
 */
function alternatingSeries(first: DoubleDouble, r2: DoubleDouble, firstK: number): DoubleDouble {
  let term = first;
  let sum = first;
  let k = firstK;
  for (; Math.abs(term.hi) > TAIL_FRACTION * Math.abs(sum.hi) && k < 80; k += 2) {
    term = negate(divByDouble(mul(term, r2), k * (k + 1)));
    sum = add(sum, term);
  }
  let tail = 0;
  let small = term.hi;
  for (; Math.abs(small) > TINY_TERM * Math.abs(sum.hi) && k < 80; k += 2) {
    small = (-small * r2.hi) / (k * (k + 1));
    tail += small;
  }
  return add(sum, { hi: tail, lo: 0 });
}

/** sin r by its Taylor series, |r| ≤ about π/4. */
function sinSeries(r: DoubleDouble): DoubleDouble {
  return alternatingSeries(r, mul(r, r), 2);
}

/** cos r by its Taylor series, |r| ≤ about π/4. */
function cosSeries(r: DoubleDouble): DoubleDouble {
  return alternatingSeries({ hi: 1, lo: 0 }, mul(r, r), 1);
}

function sinDD(x: number): DoubleDouble {
  const [r, k] = reduce(x);
  switch (((k % 4) + 4) % 4) {
    case 0:
      return sinSeries(r);
    case 1:
      return cosSeries(r);
    case 2:
      return negate(sinSeries(r));
    default:
      return negate(cosSeries(r));
  }
}

function cosDD(x: number): DoubleDouble {
  const [r, k] = reduce(x);
  switch (((k % 4) + 4) % 4) {
    case 0:
      return cosSeries(r);
    case 1:
      return negate(sinSeries(r));
    case 2:
      return negate(cosSeries(r));
    default:
      return sinSeries(r);
  }
}

export function correctSin(x: number): number {
  if (!(Math.abs(x) <= LARGEST_REDUCED)) return Math.sin(x);
  if (x === 0) return x;
  return rounded(sinDD(x));
}

export function correctCos(x: number): number {
  if (!(Math.abs(x) <= LARGEST_REDUCED)) return Math.cos(x);
  return rounded(cosDD(x));
}

export function correctAsin(x: number): number {
  if (!(Math.abs(x) < 1) || x === 0) return Math.asin(x);
  const y = Math.asin(x);
  // Newton: y + (x - sin y) / cos y, the residual computed in double-double.
  const residual = add({ hi: x, lo: 0 }, negate(sinDD(y)));
  const step = rounded(residual) / Math.cos(y);
  return rounded(twoSum(y, step));
}
