/**
 * The cardinality PFCOUNT reports, from a histogram of register values, computed with the same
 * floating-point steps as Redis 7.0's hllCount so that both servers answer the same integer.
 *
 * Redis 7.0 uses Otmar Ertl's improved raw estimator ("New cardinality estimation algorithms for
 * HyperLogLog sketches", arXiv:1702.01284), which needs no bias tables and no switch to linear
 * counting for small sets. With m = 16384 registers, q = 50 hash bits above the register index,
 * and C[k] the number of registers holding k:
 *
 *   z = m · τ(1 − C[q+1]/m)
 *   for k = q down to 1:  z = (z + C[k]) · 0.5
 *   z = z + m · σ(C[0]/m)
 *   E = round(α∞ · m · m / z)          α∞ = 1 / (2 ln 2)
 *
 * σ(x) = x + Σ x^(2^k)·2^(k−1) accounts for the empty registers (σ(1) = ∞: an empty sketch
 * counts 0), and τ(x) for registers saturated at q+1 (τ(0) = τ(1) = 0). Both are series summed
 * until adding a term no longer changes the double, exactly in Redis's order of operations:
 * any other order could round differently and change the last digit of a count. Redis writes
 * τ's square as pow(1 − x, 2), which its compiler turns into a single multiplication; so is it
 * here.
 *
 * The result is converted as Redis converts it (llroundl, then to a uint64): a value at or past
 * 2^63, or an infinite one (every register saturated), becomes 2^63, which PFCOUNT prints as
 * -9223372036854775808 and which, its top bit being the "stale" flag, is never taken from the
 * cache.
 */
import { HLL_REGISTERS } from './hyperloglog-layout';

/** Redis's HLL_Q: the hash bits left after the 14 that pick the register. */
const HASH_BITS_Q = 50;
const ALPHA_INF = 0.721347520444481703680;
const TWO_TO_63 = 2 ** 63;

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1.0;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (previous !== z);
  return z / 3;
}

/** The estimate from a 64-slot histogram of register values, as a 64-bit unsigned number. */
export function estimateCardinality(histogram: Float64Array): bigint {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histogram[HASH_BITS_Q + 1]!) / m);
  for (let k = HASH_BITS_Q; k >= 1; --k) {
    z += histogram[k]!;
    z *= 0.5;
  }
  z += m * sigma(histogram[0]! / m);
  const estimate = (ALPHA_INF * m * m) / z;
  // llroundl rounds halves away from zero; the estimate is never negative, so Math.round agrees.
  const rounded = Math.round(estimate);
  return rounded < TWO_TO_63 ? BigInt(rounded) : 1n << 63n;
}
