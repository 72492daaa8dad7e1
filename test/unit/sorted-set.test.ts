/**
 * The sorted-set order (storage/sorted-set.ts) against a plain sorted array: random inserts,
 * deletes and score updates, after each batch every query (rank, at, countBefore, first/last,
 * next/prev walks) must agree with the array. Also SortedSetValue's bookkeeping (encoding
 * conversion, -0) and the strtod reader used for scores.
 */
import t from 'tap';
import fc from 'fast-check';
import { SeededRandom } from '../../storage/random';
import { entryBefore, SortedSetIndex } from '../../storage/sorted-set';
import { parseRangeNumber, parseScoreArg, strtod } from '../../storage/strtod';
import { SortedSetValue, cloneValue } from '../../storage/values';
import { valueEncoding } from '../../storage/encodings';

type Entry = [string, number];

function sortedEntries(map: Map<string, number>): Entry[] {
  return [...map].sort((a, b) => (entryBefore(a[1], a[0], b[1], b[0]) ? -1 : entryBefore(b[1], b[0], a[1], a[0]) ? 1 : 0));
}

function checkAgainst(t: tap.Test, index: SortedSetIndex, map: Map<string, number>): void {
  const expected = sortedEntries(map);
  t.equal(index.length, expected.length, 'length');
  const walked = [...index.entries()].map((n): Entry => [n.member, n.score]);
  t.same(walked, expected, 'ascending walk');
  const back = index.slice(0, expected.length - 1, true).map((n): Entry => [n.member, n.score]);
  t.same(back.reverse(), expected, 'descending slice');
  const last = index.last();
  t.same(last === null ? null : [last.member, last.score], expected[expected.length - 1] ?? null, 'last');
  const first = index.first();
  t.same(first === null ? null : [first.member, first.score], expected[0] ?? null, 'first');
  let slices = true;
  for (const from of [0, 1, 63, 64, 65, Math.floor(expected.length / 2), expected.length - 1]) {
    for (const length of [1, 10, 200]) {
      const got = index.slice(from, from + length - 1).map((n): Entry => [n.member, n.score]);
      if (JSON.stringify(got) !== JSON.stringify(expected.slice(from, from + length))) slices = false;
    }
  }
  t.ok(slices, 'slices from several ranks');
  let ok = true;
  for (const [i, [member, score]] of expected.entries()) {
    const node = index.at(i);
    if (node === null || node.member !== member || index.rankOf(member, score) !== i) ok = false;
  }
  t.ok(ok, 'at(rank) and rankOf agree with the array');
  t.equal(index.at(expected.length), null, 'at past the end');
  t.equal(index.at(-1), null, 'at before the start');
  for (const bound of [-Infinity, -1, 0, 0.5, 1, 2, 3, 10, Infinity]) {
    t.equal(index.countBefore((score) => score < bound), expected.filter((e) => e[1] < bound).length, `count below ${bound}`);
  }
}

t.test('random operations agree with a sorted array', async (t) => {
  await fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.constantFrom('add', 'add', 'del'), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '', '\xff', 'aa'), fc.constantFrom(0, 1, 2, 2, 3, -1, 0.5, Infinity, -Infinity)),
        { maxLength: 120 },
      ),
      (ops) => {
        const value = new SortedSetValue();
        const map = new Map<string, number>();
        for (const [op, member, score] of ops) {
          if (op === 'add') {
            value.add(member, score);
            map.set(member, score);
          } else {
            value.remove(member);
            map.delete(member);
          }
        }
        const expected = sortedEntries(map);
        const walked = [...value.order.entries()].map((n): Entry => [n.member, n.score]);
        if (JSON.stringify(walked) !== JSON.stringify(expected)) return false;
        return expected.every(([m, s], i) => value.order.rankOf(m, s) === i && value.order.at(i)?.member === m);
      },
    ),
    { numRuns: 300, seed: 42 },
  );
  t.pass('300 random sequences');
});

t.test('a large index keeps ranks exact through deletes', async (t) => {
  const index = new SortedSetIndex();
  const map = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const member = `m${(i * 7919) % 3000}`;
    const score = (i * 31) % 97;
    if (!map.has(member)) {
      index.insert(member, score);
      map.set(member, score);
    }
  }
  checkAgainst(t, index, map);
  for (let i = 0; i < 3000; i += 3) {
    const member = `m${i}`;
    const score = map.get(member);
    if (score === undefined) continue;
    t.ok(index.delete(member, score), 'deleted') || t.bailout();
    map.delete(member);
  }
  t.notOk(index.delete('absent', 1), 'deleting an absent entry');
  checkAgainst(t, index, map);
});

t.test('a tree that splits, merges, empties and grows again agrees with a sorted array', async (t) => {
  // Enough entries for three levels of 64-entry nodes, and deletions in runs and at random, so
  // that leaves and inner nodes split, merge, empty, and the root grows and collapses.
  const seeded = new SeededRandom(7);
  const random = (n: number): number => seeded.below(n);
  const index = new SortedSetIndex();
  const map = new Map<string, number>();
  const add = (member: string, score: number): void => {
    const old = map.get(member);
    if (old !== undefined) index.delete(member, old);
    index.insert(member, score);
    map.set(member, score);
  };
  for (let i = 0; i < 20000; i++) add(`k${random(30000)}`, random(500) / 4);
  checkAgainst(t, index, map);
  // Delete the lowest half in order (whole leaves empty from the left), then random ones.
  for (const [member, score] of sortedEntries(map).slice(0, map.size >> 1)) {
    if (!index.delete(member, score)) t.fail(`delete ${member}`);
    map.delete(member);
  }
  checkAgainst(t, index, map);
  for (const [member, score] of [...map]) {
    if (random(4) !== 0) continue;
    index.delete(member, score);
    map.delete(member);
  }
  checkAgainst(t, index, map);
  // Ascending inserts at the end (the tail leaf keeps splitting), then everything removed from the top.
  for (let i = 0; i < 5000; i++) add(`z${i}`, 1000 + i);
  checkAgainst(t, index, map);
  for (const [member, score] of sortedEntries(map).reverse()) {
    if (!index.delete(member, score)) t.fail(`delete ${member}`);
    map.delete(member);
  }
  checkAgainst(t, index, map);
  t.equal(index.first(), null, 'empty: no first');
  for (let i = 0; i < 300; i++) add(`again${i}`, -i);
  checkAgainst(t, index, map);
});

t.test('SortedSetValue: encoding conversion, -0, clone', async (t) => {
  const z = new SortedSetValue();
  z.add('a', -0);
  t.ok(Object.is(z.scores.get('a'), 0), '-0 reads back as 0 while listpack-shaped');
  t.equal(z.add('a', 0), 'same');
  t.equal(z.add('a', 1), 'updated');
  t.equal(valueEncoding(z), 'listpack');
  z.add('x'.repeat(65), -0);
  t.equal(valueEncoding(z), 'skiplist');
  t.ok(Object.is(z.scores.get('x'.repeat(65)), -0), '-0 kept once skiplist');
  z.remove('x'.repeat(65));
  t.equal(valueEncoding(z), 'skiplist', 'never converted back');
  const copy = cloneValue(z);
  t.equal(valueEncoding(copy), 'skiplist', 'a copy keeps the encoding');
  const big = new SortedSetValue(new Map(Array.from({ length: 129 }, (_, i): [string, number] => [`m${i}`, i])));
  t.equal(valueEncoding(big), 'skiplist');
  t.equal(big.order.at(128)?.member, 'm128');
});

t.test('strtod and the score readers', async (t) => {
  t.same(strtod('  1.5xyz'), { value: 1.5, end: 5, outOfRange: false });
  t.equal(strtod('0x1p-3').value, 0.125);
  t.equal(strtod('0X1A').value, 26);
  t.equal(strtod('-Infinity').value, -Infinity);
  t.ok(Number.isNaN(strtod('nan(123)').value));
  t.equal(strtod('abc').end, 0);
  t.equal(parseScoreArg('1e400'), null, 'overflow');
  t.equal(parseScoreArg('1e-400'), null, 'underflow to zero');
  t.equal(parseScoreArg('1e-310'), 1e-310, 'a subnormal is fine');
  t.equal(parseScoreArg(' 1'), null, 'leading space');
  t.equal(parseScoreArg(''), null);
  t.equal(parseScoreArg('nan'), null);
  t.equal(parseScoreArg('+inf'), Infinity);
  t.equal(parseRangeNumber(''), 0, 'an empty bound is 0');
  t.equal(parseRangeNumber(' 1'), 1);
  t.equal(parseRangeNumber('1e400'), Infinity);
  t.equal(parseRangeNumber('2\0junk'), 2, 'a NUL ends the C string');
  t.equal(parseRangeNumber('nan'), null);
  // Plain decimals take a shortcut past the regular expressions; it must read what parseFloat reads.
  for (const text of ['0', '-0', '+7', '007', '5.', '.5', '-.25', '123456789012345', '1234567890123456789', '9007199254740993', '0.1', '-3.000000000000000000001']) {
    t.same(strtod(text), { value: parseFloat(text), end: text.length, outOfRange: false }, text);
  }
  t.ok(Object.is(strtod('-0').value, -0), '-0 keeps its sign');
  for (const text of ['.', '-', '+', '1.2.3', '--1', '']) t.equal(parseScoreArg(text), null, `'${text}' refused`);
  fc.assert(
    fc.property(fc.stringMatching(/^[+-]?\d{0,20}(\.\d{0,20})?$/), (text) => {
      const r = strtod(text);
      const expected = /\d/.test(text) ? parseFloat(text) : null;
      if (expected === null) return r.end === 0;
      return Object.is(r.value, expected) && r.end === text.length && !r.outOfRange;
    }),
  );
  t.equal(parseRangeNumber(' '), null);
});
