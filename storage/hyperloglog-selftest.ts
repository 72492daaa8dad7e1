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
import { SeededRandom } from './random';

const REGISTER_CYCLES = 4;
const ELEMENTS = 2_000;
/** Redis's expected relative error for 16384 registers, 1.04 / sqrt(m). */
const RELATIVE_ERROR = 1.04 / Math.sqrt(HLL_REGISTERS);

function countOf(sketch: HllSketch): bigint | null {
  const histogram = new Float64Array(64);
  return sketch.registerHistogram(histogram) ? estimateCardinality(histogram) : null;
}

export function runHllSelfTest(): string | null {
  // Whole 32-bit draws of the shared seeded generator, enough to scatter test values.
  const random = new SeededRandom(0x5eed);
  const next = (): number => random.below(4294967296);
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
