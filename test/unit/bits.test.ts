/*
 * Unit tests for the pure bit arithmetic (storage/bits.ts, storage/bitfield.ts): fixed cases,
 * and fast-check properties against bit-by-bit reference implementations (a string unpacked
 * into an array of 0/1), which are too slow to serve but obviously right.
 */
import t from 'tap';
import fc from 'fast-check';
import { combineBits, countBits, findBit, getBit, resolveRange, withBit, type BitRange } from '../../storage/bits';
import {
  checkSignedOverflow,
  checkUnsignedOverflow,
  getSignedField,
  getUnsignedField,
  parseFieldType,
  setField,
} from '../../storage/bitfield';
import { parseInt64 } from '../../storage/numbers';

const bytesToString = (bytes: number[]): string => String.fromCharCode(...bytes);
const unpack = (s: string): number[] => [...s].flatMap((c) => [7, 6, 5, 4, 3, 2, 1, 0].map((b) => (c.charCodeAt(0) >> b) & 1));

const byteString = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }).map(bytesToString);

t.test('getBit and withBit', async (t) => {
  t.equal(getBit('\x80', 0), 1);
  t.equal(getBit('\x80', 1), 0);
  t.equal(getBit('\x01', 7), 1);
  t.equal(getBit('\x01', 8), 0, 'past the end reads 0');
  t.equal(getBit('', 4294967295), 0);
  t.equal(withBit('', 7, 1), '\x01');
  t.equal(withBit('', 100, 1), '\0'.repeat(12) + '\x08');
  t.equal(withBit('\xff', 0, 0), '\x7f');
  t.equal(withBit('ab', 9, 0), 'a"', 'clears one bit of the second byte');
});

t.test('resolveRange clamps like BITCOUNT/BITPOS', async (t) => {
  t.same(resolveRange(6, 0n, -1n, 'byte'), { firstBit: 0, lastBit: 47 });
  t.same(resolveRange(6, -2n, -1n, 'byte'), { firstBit: 32, lastBit: 47 });
  t.same(resolveRange(6, 5n, 30n, 'bit'), { firstBit: 5, lastBit: 30 });
  t.same(resolveRange(6, -100n, 1000n, 'bit'), { firstBit: 0, lastBit: 47 });
  t.ok(emptyRange(resolveRange(6, 3n, 1n, 'byte')));
  t.ok(emptyRange(resolveRange(0, 0n, -1n, 'byte')), 'an empty string has no bits');
  t.same(resolveRange(6, -(2n ** 63n), 2n ** 63n - 1n, 'byte'), { firstBit: 0, lastBit: 47 });
});

function emptyRange(r: BitRange): boolean {
  return r.firstBit > r.lastBit;
}

const rangeOf = (s: string): fc.Arbitrary<BitRange> =>
  fc.tuple(fc.integer({ min: 0, max: s.length * 8 + 3 }), fc.integer({ min: -1, max: s.length * 8 + 3 }))
    .map(([a, b]) => ({ firstBit: a, lastBit: Math.min(b, s.length * 8 - 1) }));

t.test('countBits matches counting bit by bit', async (t) => {
  fc.assert(
    fc.property(byteString.chain((s) => fc.tuple(fc.constant(s), rangeOf(s))), ([s, range]) => {
      const bits = unpack(s).slice(range.firstBit, range.lastBit + 1);
      return countBits(s, range) === (range.firstBit > range.lastBit ? 0 : bits.reduce((a, b) => a + b, 0));
    }),
  );
  // Long enough for the word-at-a-time path, with ranges starting at unaligned bytes.
  const longString = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 250, maxLength: 700 }).map(bytesToString);
  fc.assert(
    fc.property(longString.chain((s) => fc.tuple(fc.constant(s), rangeOf(s))), ([s, range]) => {
      const bits = unpack(s).slice(range.firstBit, range.lastBit + 1);
      return countBits(s, range) === (range.firstBit > range.lastBit ? 0 : bits.reduce((a, b) => a + b, 0));
    }),
    { numRuns: 300 },
  );
  t.equal(countBits('foobar', resolveRange(6, 0n, -1n, 'byte')), 26);
  t.equal(countBits('foobar', resolveRange(6, 5n, 30n, 'bit')), 17);
});

t.test('findBit matches searching bit by bit', async (t) => {
  fc.assert(
    fc.property(byteString.chain((s) => fc.tuple(fc.constant(s), rangeOf(s), fc.constantFrom<0 | 1>(0, 1))), ([s, range, bit]) => {
      const bits = unpack(s);
      let expected = -1;
      for (let i = range.firstBit; i <= range.lastBit; i++) {
        if (bits[i] === bit) {
          expected = i;
          break;
        }
      }
      return findBit(s, bit, range) === expected;
    }),
  );
  t.equal(findBit('\xff\xf0\x00', 0, { firstBit: 0, lastBit: 23 }), 12);
  t.equal(findBit('\x00\x00\x01', 1, { firstBit: 0, lastBit: 23 }), 23);
});

t.test('combineBits pads shorter sources with zeros', async (t) => {
  t.equal(combineBits('and', ['\xf0\x0f\xaa', '\xff\x01']), '\xf0\x01\x00');
  t.equal(combineBits('or', ['\xf0\x0f\xaa', '\xff\x01']), '\xff\x0f\xaa');
  t.equal(combineBits('xor', ['\xf0\x0f\xaa', '\xff\x01']), '\x0f\x0e\xaa');
  t.equal(combineBits('not', ['\xf0\x0f']), '\x0f\xf0');
  t.equal(combineBits('and', ['', '']), '');
  t.equal(combineBits('or', ['', 'ab']), 'ab', 'a missing first key reads as zeros');
  fc.assert(
    fc.property(fc.array(byteString, { minLength: 1, maxLength: 4 }), fc.constantFrom('and', 'or', 'xor') as fc.Arbitrary<'and' | 'or' | 'xor'>, (sources, op) => {
      const out = combineBits(op, sources);
      const length = Math.max(...sources.map((s) => s.length));
      if (out.length !== length) return false;
      for (let i = 0; i < length; i++) {
        let acc = sources[0]?.charCodeAt(i) || 0;
        for (const s of sources.slice(1)) {
          const b = s.charCodeAt(i) || 0;
          acc = op === 'and' ? acc & b : op === 'or' ? acc | b : acc ^ b;
        }
        if (out.charCodeAt(i) !== acc) return false;
      }
      return true;
    }),
  );
});

t.test('bitfield types', async (t) => {
  t.same(parseFieldType('i8', parseInt64), { signed: true, bits: 8 });
  t.same(parseFieldType('u63', parseInt64), { signed: false, bits: 63 });
  t.same(parseFieldType('i64', parseInt64), { signed: true, bits: 64 });
  t.same(parseFieldType('i8\0junk', parseInt64), { signed: true, bits: 8 }, 'the width stops at a NUL byte');
  for (const bad of ['u64', 'i65', 'i0', 'u0', 'I8', 'i08', 'i+8', 'i-1', 'i', '', '8', 'x8']) {
    t.equal(parseFieldType(bad, parseInt64), null, bad);
  }
});

t.test('field get/set round-trips at any offset and width', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 64 }), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), (offset, bits, value) => {
      const bytes = new Uint8Array(16).fill(0xa5);
      const before = unpack(String.fromCharCode(...bytes));
      setField(bytes, offset, bits, value);
      const after = unpack(String.fromCharCode(...bytes));
      // Only the field's bits may change.
      for (let i = 0; i < before.length; i++) if ((i < offset || i >= offset + bits) && before[i] !== after[i]) return false;
      return getUnsignedField(bytes, offset, bits) === BigInt.asUintN(bits, value) && getSignedField(bytes, offset, bits) === BigInt.asIntN(bits, value);
    }),
  );
  const bytes = new Uint8Array([0xff, 0x00]);
  t.equal(getSignedField(bytes, 0, 8), -1n);
  t.equal(getUnsignedField(bytes, 4, 8), 0xf0n);
  t.equal(getUnsignedField(bytes, 12, 8), 0n, 'past the end reads zeros');
});

t.test('overflow policies', async (t) => {
  t.same(checkUnsignedOverflow(3n, 1n, 2, 'wrap'), { overflow: 1, limit: 0n });
  t.same(checkUnsignedOverflow(3n, 1n, 2, 'sat'), { overflow: 1, limit: 3n });
  t.same(checkUnsignedOverflow(3n, 1n, 2, 'fail'), { overflow: 1, limit: null });
  t.same(checkUnsignedOverflow(0n, -1n, 2, 'wrap'), { overflow: -1, limit: 3n });
  t.same(checkUnsignedOverflow(0n, -1n, 2, 'sat'), { overflow: -1, limit: 0n });
  t.same(checkUnsignedOverflow(2n, 1n, 2, 'fail'), { overflow: 0, limit: null });
  t.same(checkUnsignedOverflow(2n ** 64n - 1n, 0n, 8, 'sat'), { overflow: 1, limit: 255n }, 'SET u8 -1 saturates high');
  t.same(checkSignedOverflow(127n, 1n, 8, 'wrap'), { overflow: 1, limit: -128n });
  t.same(checkSignedOverflow(-128n, -1n, 8, 'sat'), { overflow: -1, limit: -128n });
  t.same(checkSignedOverflow(200n, 0n, 8, 'wrap'), { overflow: 1, limit: -56n });
  t.same(checkSignedOverflow(2n ** 63n - 1n, 1n, 64, 'wrap'), { overflow: 1, limit: -(2n ** 63n) });
  t.same(checkSignedOverflow(-(2n ** 63n), -1n, 64, 'sat'), { overflow: -1, limit: -(2n ** 63n) });
  t.same(checkSignedOverflow(-(2n ** 63n), 0n, 8, 'sat'), { overflow: 1, limit: 127n }, "Redis's wrapped limit: -2^63 judged too big");
  // Away from the 64-bit corners, the policies are plain modular or clamped arithmetic.
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 62 }), fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), (bits, a, incr) => {
      const value = BigInt.asIntN(bits, a);
      const max = (1n << BigInt(bits - 1)) - 1n;
      const min = -max - 1n;
      const sum = value + incr;
      const wrap = checkSignedOverflow(value, incr, bits, 'wrap');
      const sat = checkSignedOverflow(value, incr, bits, 'sat');
      const inRange = sum >= min && sum <= max;
      if (inRange) return wrap.overflow === 0 && sat.overflow === 0;
      return wrap.limit === BigInt.asIntN(bits, sum) && sat.limit === (sum > max ? max : min);
    }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 62 }), fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), (bits, a, incr) => {
      const value = BigInt.asUintN(bits, a);
      const max = (1n << BigInt(bits)) - 1n;
      const sum = value + incr;
      const wrap = checkUnsignedOverflow(value, incr, bits, 'wrap');
      const sat = checkUnsignedOverflow(value, incr, bits, 'sat');
      if (sum >= 0n && sum <= max) return wrap.overflow === 0 && sat.overflow === 0;
      return wrap.limit === BigInt.asUintN(bits, sum) && sat.limit === (sum > max ? max : 0n);
    }),
  );
});
