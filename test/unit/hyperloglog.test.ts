/*
 * Unit tests for the HyperLogLog machinery (storage/hyperloglog.ts, hyperloglog-estimate.ts,
 * murmur-hash.ts): MurmurHash64A over 32-bit halves against a BigInt reference written straight
 * from the algorithm's definition; sparse and dense sketches fed the same elements holding the
 * same registers and counts; the four-registers-per-three-bytes reads against one-at-a-time
 * reads; and bytes pinned from redis-server 7.0.15 (the differential tests in
 * test/compat/hyperloglog*.test.ts compare everything else against a live one).
 */
import t from 'tap';
import fc from 'fast-check';
import { murmurHash64A } from '../../storage/murmur-hash';
import { HllSketch } from '../../storage/hyperloglog';
import {
  denseRegister,
  elementPattern,
  HLL_DENSE_BYTES,
  HLL_HEADER_BYTES,
  HLL_REGISTERS,
  isHllValue,
  setDenseRegister,
  validCachedCardinality,
} from '../../storage/hyperloglog-layout';
import { estimateCardinality } from '../../storage/hyperloglog-estimate';
import { runHllSelfTest } from '../../storage/hyperloglog-selftest';
import { MutableString } from '../../storage/mutable-string';

const MASK = (1n << 64n) - 1n;
const M = 0xc6a4a7935bd1e995n;

/** MurmurHash64A as its definition reads, in BigInt. */
function referenceMurmur(bytes: Uint8Array, seed: bigint): bigint {
  let h = (seed ^ BigInt(bytes.length) * M) & MASK;
  const blocks = bytes.length >> 3;
  for (let i = 0; i < blocks; i++) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(bytes[i * 8 + j]!);
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  const tail = bytes.length & 7;
  if (tail > 0) {
    for (let j = tail - 1; j >= 0; j--) h ^= BigInt(bytes[blocks * 8 + j]!) << BigInt(8 * j);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  h ^= h >> 47n;
  return h;
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).latin1Slice();

t.test('MurmurHash64A over 32-bit halves equals the BigInt definition', async (tt) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 0xffffffff }), (bytes, seed) => {
      const out = murmurHash64A(latin1(bytes), seed, { hi: 0, lo: 0 });
      return ((BigInt(out.hi) << 32n) | BigInt(out.lo)) === referenceMurmur(bytes, BigInt(seed));
    }),
    { numRuns: 3000 },
  );
  tt.pass('3000 random byte strings hash the same');
});

t.test('an element\'s register and count come from the hash as Redis splits it', async (tt) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 20 }), (bytes) => {
      const hash = referenceMurmur(bytes, 0xadc83b19n);
      const pattern = elementPattern(latin1(bytes), { hi: 0, lo: 0 }, { register: 0, count: 0 });
      let rest = (hash >> 14n) | (1n << 50n);
      let count = 1;
      while ((rest & 1n) === 0n) {
        count++;
        rest >>= 1n;
      }
      return pattern.register === Number(hash & 16383n) && pattern.count === count;
    }),
    { numRuns: 2000 },
  );
  tt.pass('register = low 14 bits, count = 1 + zeros above them');
});

t.test('PFADD h a b c makes the bytes redis-server 7.0.15 makes', async (tt) => {
  const sketch = HllSketch.empty();
  const scratch = { hi: 0, lo: 0 };
  const pattern = { register: 0, count: 0 };
  for (const element of ['a', 'b', 'c']) tt.equal(sketch.add(element, 3000, scratch, pattern), 1);
  sketch.invalidateCache();
  tt.equal(Buffer.from(sketch.toByteString(), 'latin1').toString('hex'), '48594c4c010000000000000000000080' + '60f38050b1844bfb80425a');
  tt.equal(sketch.decodeSparse(), 'Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603');
});

t.test('sparse and dense sketches fed the same elements agree', async (tt) => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 8 }), { maxLength: 300 }), (elements) => {
      const sparse = HllSketch.empty();
      const dense = HllSketch.empty();
      dense.toDense();
      const scratch = { hi: 0, lo: 0 };
      const pattern = { register: 0, count: 0 };
      for (const element of elements) {
        if (sparse.add(element, 1 << 20, scratch, pattern) !== dense.add(element, 1 << 20, scratch, pattern)) return false;
      }
      const a = new Uint8Array(HLL_REGISTERS);
      const b = new Uint8Array(HLL_REGISTERS);
      if (!sparse.mergeInto(a) || !dense.mergeInto(b) || Buffer.compare(a, b) !== 0) return false;
      const ha = new Float64Array(64);
      const hb = new Float64Array(64);
      return sparse.registerHistogram(ha) && dense.registerHistogram(hb) && estimateCardinality(ha) === estimateCardinality(hb);
    }),
    { numRuns: 200 },
  );
  tt.pass('same registers, same counts');
});

t.test('dense registers read four at a time equal one at a time', async (tt) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 63 }), { minLength: HLL_REGISTERS, maxLength: HLL_REGISTERS }), (values) => {
      const empty = HllSketch.empty();
      empty.toDense();
      const bytes = Buffer.from(empty.toByteString(), 'latin1');
      values.forEach((v, i) => setDenseRegister(bytes, HLL_HEADER_BYTES, i, v));
      const sketch = HllSketch.fromValue(MutableString.adopt(bytes));
      const max = new Uint8Array(HLL_REGISTERS);
      sketch.mergeInto(max);
      const histogram = new Float64Array(64);
      sketch.registerHistogram(histogram);
      const counted = new Float64Array(64);
      for (let i = 0; i < HLL_REGISTERS; i++) {
        const v = denseRegister(bytes, HLL_HEADER_BYTES, i);
        if (v !== values[i] || max[i] !== v) return false;
        counted[v]!++;
      }
      return Buffer.compare(Buffer.from(histogram.buffer), Buffer.from(counted.buffer)) === 0;
    }),
    { numRuns: 20 },
  );
  tt.pass('merge and histogram agree with register reads');
});

t.test('estimates at the edges', async (tt) => {
  const histogram = (fill: Record<number, number>): Float64Array => {
    const h = new Float64Array(64);
    for (const [value, count] of Object.entries(fill)) h[Number(value)] = count;
    return h;
  };
  tt.equal(estimateCardinality(histogram({ 0: HLL_REGISTERS })), 0n, 'empty: sigma(1) is infinite');
  tt.equal(estimateCardinality(histogram({ 51: HLL_REGISTERS })), 1n << 63n, 'saturated: 2^63, as Redis converts an infinite estimate');
  tt.equal(estimateCardinality(histogram({ 63: HLL_REGISTERS })), 1n << 63n, 'registers above 51 count for nothing');
  tt.equal(estimateCardinality(histogram({ 0: HLL_REGISTERS - 1, 1: 1 })), 1n);
});

t.test('strings that are or are not sketches, and cached counts', async (tt) => {
  const empty = HllSketch.empty().toByteString();
  tt.ok(isHllValue(empty));
  tt.notOk(isHllValue(empty.slice(0, 15)));
  tt.notOk(isHllValue('HYLL\x02' + empty.slice(5)));
  tt.notOk(isHllValue('HYLL\x00' + empty.slice(5)), 'dense needs the dense length');
  tt.ok(isHllValue('HYLL\x00' + '\x00'.repeat(HLL_DENSE_BYTES - 5)));
  tt.equal(validCachedCardinality(empty), 0);
  const big = 'HYLL\x00\x00\x00\x00' + '\xff'.repeat(7) + '\x7f';
  tt.equal(validCachedCardinality(big), (1n << 63n) - 1n);
  tt.equal(validCachedCardinality('HYLL\x00\x00\x00\x00' + '\x00'.repeat(7) + '\x80'), null);
});

t.test('PFSELFTEST passes', async (tt) => {
  tt.equal(runHllSelfTest(), null);
});
