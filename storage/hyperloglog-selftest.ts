/**
 * PFSELFTEST: checks the HyperLogLog machinery against itself and answers whether it holds.
 *
 * Redis's self-test writes random values to every register of a dense array a thousand times
 * and reads them back, then adds ten million elements and checks the estimate's error at
 * checkpoints; it takes seconds. This one runs the same two checks, smaller (a few cycles, a few
 * thousand elements), with its own fixed pseudo-random sequence so that it is repeatable, and
 * adds a third that matters for this implementation: a sparse sketch and a dense sketch fed the
 * same elements must have the same registers and the same count.
 *
 * It returns null when everything holds, or the failure's description.
 */
import { HllSketch } from './hyperloglog';
import { denseRegister, elementPattern, HLL_DENSE_BYTES, HLL_HEADER_BYTES, HLL_REGISTERS, setDenseRegister, type ElementPattern } from './hyperloglog-layout';
import { estimateCardinality } from './hyperloglog-estimate';
import type { Hash64 } from './murmur-hash';

const REGISTER_CYCLES = 4;
const ELEMENTS = 2_000;
/** Redis's expected relative error for 16384 registers, 1.04 / sqrt(m). */
const RELATIVE_ERROR = 1.04 / Math.sqrt(HLL_REGISTERS);

/** mulberry32: a tiny deterministic generator, enough to scatter test values. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function countOf(sketch: HllSketch): bigint | null {
  const histogram = new Float64Array(64);
  return sketch.registerHistogram(histogram) ? estimateCardinality(histogram) : null;
}

export function runHllSelfTest(): string | null {
  const next = generator(0x5eed);
  // 1. Dense registers read back what was written, neighbours included.
  const dense = new Uint8Array(HLL_DENSE_BYTES + 1);
  const expected = new Uint8Array(HLL_REGISTERS);
  for (let cycle = 0; cycle < REGISTER_CYCLES; cycle++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const value = next() & 63;
      expected[i] = value;
      setDenseRegister(dense, HLL_HEADER_BYTES, i, value);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      if (denseRegister(dense, HLL_HEADER_BYTES, i) !== expected[i]) return `Register error at ${i}`;
    }
  }
  // 2 and 3. Sparse and dense sketches agree, and the estimate stays within Redis's bounds.
  const sparse = HllSketch.empty();
  const full = HllSketch.empty();
  full.toDense();
  const scratch: Hash64 = { hi: 0, lo: 0 };
  const pattern: ElementPattern = { register: 0, count: 0 };
  let checkpoint = 1;
  for (let j = 1; j <= ELEMENTS; j++) {
    const element = `${next().toString(16)}:${j}`;
    const { register, count } = elementPattern(element, scratch, pattern);
    sparse.setRegister(register, count, HLL_DENSE_BYTES);
    full.setRegister(register, count, HLL_DENSE_BYTES);
    if (j !== checkpoint) continue;
    checkpoint *= 2;
    const sparseCount = countOf(sparse);
    const denseCount = countOf(full);
    if (sparseCount === null || sparseCount !== denseCount) return `Sparse and dense counts differ at ${j}: ${sparseCount} ${denseCount}`;
    const error = Math.abs(Number(denseCount) - j);
    const allowed = j === 10 ? 1 : Math.ceil(RELATIVE_ERROR * 6 * j);
    if (error > allowed) return `Too big error. card:${denseCount} abserr:${error}`;
  }
  return null;
}
