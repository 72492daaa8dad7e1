/**
 * SORT's pure parts: the strtod-style score reader (what Redis's numeric SORT accepts, checked
 * against redis-server 7.0.15 by hand and by test/compat/sort.test.ts), the BY/GET pattern
 * splitter, and the key procedure that finds SORT's STORE key.
 */
import t from 'tap';
import fc from 'fast-check';
import { partialQuicksort } from '../../storage/partial-quicksort';
import { movableKeys } from '../../server/dispatch/movable-keys';
import { compilePattern } from '../../server/commands/sort-pattern';
import { sortScore } from '../../server/commands/sort-score';

t.test('sortScore reads numbers the way strtod does', async (t) => {
  const accepted: Array<[string, number]> = [
    ['1', 1], ['-2.5', -2.5], ['+.5', 0.5], ['1.', 1], ['.5e1', 5], ['1E2', 100], [' \t7', 7],
    ['0x10', 16], ['0X1p4', 16], ['0x.8', 0.5], ['inf', Infinity], ['-Infinity', -Infinity], ['INF', Infinity],
    ['', 0], ['\x00junk', 0], ['5\x00junk', 5], ['0e-999', 0], ['-0', -0], ['1e308', 1e308],
    ['2.2250738585072014e-308', 2.2250738585072014e-308],
  ];
  for (const [text, value] of accepted) t.equal(sortScore(text), value, JSON.stringify(text));
  const refused = ['x', '1x', '5 ', ' ', '0x', '1e', '1e+', 'nan', '-nan', 'nan(123)', '1e400', '-1e400', '1e-310', '2.2250738585072011e-308', '--1', '+-1', 'infinit', '.', '-'];
  for (const text of refused) t.equal(sortScore(text), null, `refuses ${JSON.stringify(text)}`);
});

t.test('compilePattern splits key and hash field around the first *', async (t) => {
  t.same(compilePattern('#'), { isElement: true, prefix: null, suffix: '', field: null });
  t.same(compilePattern('fixed'), { isElement: false, prefix: null, suffix: '', field: null });
  t.same(compilePattern('w_*'), { isElement: false, prefix: 'w_', suffix: '', field: null });
  t.same(compilePattern('a*b*c'), { isElement: false, prefix: 'a', suffix: 'b*c', field: null });
  t.same(compilePattern('h_*->f'), { isElement: false, prefix: 'h_', suffix: '', field: 'f' });
  t.same(compilePattern('h_*x->f->g'), { isElement: false, prefix: 'h_', suffix: 'x', field: 'f->g' });
  t.same(compilePattern('h_*->'), { isElement: false, prefix: 'h_', suffix: '->', field: null });
  t.same(compilePattern('->*'), { isElement: false, prefix: '->', suffix: '', field: null });
  // C string semantics: nothing after a NUL is searched, but it stays part of the names.
  t.same(compilePattern('x\x00*'), { isElement: false, prefix: null, suffix: '', field: null });
  t.same(compilePattern('#\x00tail'), { isElement: true, prefix: null, suffix: '', field: null });
  t.same(compilePattern('h_*->\x00f'), { isElement: false, prefix: 'h_', suffix: '->\x00f', field: null });
});

t.test('SORT key procedure: the source, then the last STORE', async (t) => {
  const keys = (args: string[]): number[] => (movableKeys('sort', args) ?? []).map(([i]) => i);
  t.same(keys(['SORT', 'src']), [1]);
  t.same(keys(['SORT', 'src', 'STORE', 'd']), [1, 3]);
  t.same(keys(['SORT', 'src', 'store', 'd1', 'LIMIT', '0', '1', 'STORE', 'd2']), [1, 8]);
  t.same(keys(['SORT', 'src', 'BY', 'store', 'GET', 'store']), [1]);
  t.same(keys(['SORT', 'src', 'STORE']), [1]);
  t.same(keys(['SORT', 'src', 'STORE', 'STORE', 'd']), [1, 4]);
  t.same(movableKeys('sort_ro', ['SORT_RO', 'src', 'STORE', 'd']), [[1, ['RO', 'access']]]);
  t.equal(movableKeys('get', ['GET', 'k']), undefined);
});

t.test('partialQuicksort puts the wanted range in sorted order', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 120 }), fc.nat(130), fc.integer({ min: -1, max: 130 }), (values, first, count) => {
      const items = [...values];
      const last = count < 0 ? items.length - 1 : Math.min(items.length - 1, first + count - 1);
      partialQuicksort(items, (a, b) => a - b, first, last);
      const sorted = [...values].sort((a, b) => a - b);
      for (let i = first; i <= last; i++) if (items[i] !== sorted[i]) return false;
      return items.length === values.length && [...items].sort((a, b) => a - b).every((v, i) => v === sorted[i]);
    }),
    { numRuns: 500 },
  );
  t.pass('wanted ranges sorted, nothing lost');
});
