/*
 * Unit tests for the pure bit arithmetic (storage/bits.ts, storage/bitfield.ts): fixed cases,
 * and fast-check properties against bit-by-bit reference implementations (a string unpacked
 * into an array of 0/1), which are too slow to serve but obviously right. Every read is checked
 * on both forms of a string value: the byte string, and the editable bytes SETBIT writes in
 * place (storage/mutable-string.ts), grown a byte at a time so it has spare room past its end.
 */
import t from 'tap';
import fc from 'fast-check';
import { combineBits, countBits, findBit, getBit, resolveRange, setBit, type BitRange } from '../../storage/bits';
import { MutableString, type StringBytes } from '../../storage/mutable-string';
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

/** The value in both forms: as a byte string, and as editable bytes with spare room. */
function bothForms(s: string): StringBytes[] {
  const grown = MutableString.empty();
  for (let i = 0; i < s.length; i++) grown.write(i, s.charAt(i));
  return [s, grown];
}

const byteString = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 12 }).map(bytesToString);

t.test('getBit and setBit', async (t) => {
  for (const form of [(s: string): StringBytes => s, (s: string): StringBytes => MutableString.from(s)]) {
    t.equal(getBit(form('\x80'), 0), 1);
    t.equal(getBit(form('\x80'), 1), 0);
    t.equal(getBit(form('\x01'), 7), 1);
    t.equal(getBit(form('\x01'), 8), 0, 'past the end reads 0');
    t.equal(getBit(form(''), 4294967295), 0);
  }
  const edited = MutableString.empty();
  edited.ensureLength(13);
  setBit(edited.view, 100, 1);
  t.equal(edited.toByteString(), '\0'.repeat(12) + '\x08');
  const ab = MutableString.from('ab');
  setBit(ab.view, 9, 0);
  t.equal(ab.toByteString(), 'a"', 'clears one bit of the second byte');
  setBit(ab.view, 1, 0);
  setBit(ab.view, 15, 1);
  t.equal(ab.toByteString(), '!#');
});

t.test('MutableString grows greedily, zero-filled, and reads back what was written', async (t) => {
  const m = MutableString.empty();
  m.write(3, 'xy');
  t.equal(m.toByteString(), '\0\0\0xy', 'a new value is zero-padded up to the offset');
  m.write(0, 'a');
  m.ensureLength(9);
  t.equal(m.toByteString(), 'a\0\0xy\0\0\0\0', 'growing exposes zeros only');
  t.equal(m.slice(3, 100), 'xy\0\0\0\0', 'slice stops at the end');
  t.equal(m.length, 9);
  // Model check: random writes and extensions against a plain string.
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), byteString)), (writes) => {
      const edited = MutableString.empty();
      let model = '';
      for (const [offset, patch] of writes) {
        if (patch.length === 0) continue;
        edited.write(offset, patch);
        const padded = model.length < offset ? model + '\0'.repeat(offset - model.length) : model;
        model = padded.slice(0, offset) + patch + padded.slice(offset + patch.length);
      }
      return edited.toByteString() === model && edited.length === model.length;
    }),
  );
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
      const expected = range.firstBit > range.lastBit ? 0 : bits.reduce((a, b) => a + b, 0);
      return bothForms(s).every((value) => countBits(value, range) === expected);
    }),
  );
  // Long enough for the word-at-a-time path, with ranges starting at unaligned bytes.
  const longString = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 250, maxLength: 700 }).map(bytesToString);
  fc.assert(
    fc.property(longString.chain((s) => fc.tuple(fc.constant(s), rangeOf(s))), ([s, range]) => {
      const bits = unpack(s).slice(range.firstBit, range.lastBit + 1);
      const expected = range.firstBit > range.lastBit ? 0 : bits.reduce((a, b) => a + b, 0);
      return bothForms(s).every((value) => countBits(value, range) === expected);
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
      return bothForms(s).every((value) => findBit(value, bit, range) === expected);
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
  t.equal(combineBits('xor', [MutableString.from('\xf0\x0f\xaa'), '\xff\x01']), '\x0f\x0e\xaa', 'sources in either form');
  fc.assert(
    fc.property(fc.array(byteString, { minLength: 1, maxLength: 4 }), fc.constantFrom('and', 'or', 'xor') as fc.Arbitrary<'and' | 'or' | 'xor'>, (sources, op) => {
      const out = combineBits(op, sources.map((s, i) => (i % 2 === 0 ? s : MutableString.from(s))));
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
