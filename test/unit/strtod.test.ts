/*
 * Plain decimal scores ("13.361389", "-0.5") are read without parseFloat when they have at most
 * 15 digits: their digits as an integer divided by a power of ten. That quotient must be the
 * correctly rounded value, bit for bit what parseFloat (and glibc's strtod) gives, at every
 * length and position of the point; one half-way case wrong would move a member in its set.
 */
import t from 'tap';
import fc from 'fast-check';
import { parseScoreArg, strtod } from '../../storage/strtod';

/** A sign, up to `maxDigits` digits and one point somewhere among them (or none). */
const plainDecimal = (maxDigits: number): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom('', '-', '+'),
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: maxDigits }),
      fc.nat(),
      fc.boolean(),
    )
    .map(([sign, digits, at, withPoint]) => {
      const text = digits.join('');
      if (!withPoint) return sign + text;
      const point = at % (text.length + 1);
      return sign + text.slice(0, point) + '.' + text.slice(point);
    });

t.test('plain decimals read as parseFloat reads them', async (t) => {
  let checked = 0;
  fc.assert(
    fc.property(plainDecimal(24), (s) => {
      const value = parseScoreArg(s);
      checked++;
      return value !== null && Object.is(value, parseFloat(s)) && strtod(s).end === s.length;
    }),
    { numRuns: 20000, seed: 11 },
  );
  t.equal(checked, 20000);
});

t.test('the fast path at its edges', async (t) => {
  // 15 digits with 0 to 22 of them after the point (longer fractions go to parseFloat), values
  // whose decimal lies near a half-way point between doubles, signed zeros.
  const cases = [
    '0.1', '0.2', '0.3', '-0.0', '0.0', '.5', '5.', '-.5', '+1.5', '999999999999999', '99999999999999.9',
    '0.000000000000001', '9.99999999999999', '123456789012345', '1.23456789012345', '0.123456789012345',
    '0.0000000123456789012345', '0.00000001234567890123456', '13.361389', '38.115556', '-180.0', '85.05112878',
    '0.30000000000000004', '2.2250738585072014', '4.9406564584124654',
  ];
  for (const s of cases) t.ok(Object.is(parseScoreArg(s), parseFloat(s)), s);
  for (let k = 0; k <= 24; k++) {
    const s = '1.' + '0'.repeat(Math.max(0, k - 1)) + (k > 0 ? '7' : '');
    t.ok(Object.is(parseScoreArg(s), parseFloat(s)), s);
  }
});
