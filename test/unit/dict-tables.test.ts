/*
 * The dict table model (storage/dict-tables.ts) against the rules of Redis 7.0's dict.c, and the
 * printf-style rounding of storage/dict-stats.ts. The differential test
 * (test/compat/debug-structures.test.ts) compares the same sizes with a running redis-server.
 */

import t from 'tap';
import { DictTables, estimatedContainerTables } from '../../storage/dict-tables';
import { dictStatsText, fixed2 } from '../../storage/dict-stats';

const always = (): boolean => true;
const never = (): boolean => false;

/** Adds `n` elements to a dict holding `from`, returning the element count. */
function addN(tables: DictTables, from: number, n: number, canResize = always): number {
  let used = from;
  for (let i = 0; i < n; i++) tables.add(used++, canResize);
  return used;
}

t.test('grows at used >= size to the next power of two of used + 1', async (tt) => {
  const d = new DictTables();
  tt.equal(d.size0, 0, 'no table before the first add');
  addN(d, 0, 4);
  tt.same([d.size0, d.size1], [4, 0], 'four elements fit the first table');
  addN(d, 4, 1);
  tt.same([d.size0, d.size1], [4, 8], 'the fifth starts a rehash into 8');
  tt.equal(d.addedSinceExpand, 1, 'and goes into table 1');
  addN(d, 5, 3);
  tt.same([d.size0, d.size1], [4, 8], 'three steps may not finish a 4-bucket rehash');
  d.touched(8);
  tt.same([d.size0, d.size1], [8, 0], 'four always do (a lookup is a step)');
  addN(d, 8, 1);
  tt.same([d.size0, d.size1], [8, 16], 'the ninth grows again');
});

t.test('a fork holds growth back until the table is five times overfull', async (tt) => {
  const d = new DictTables();
  addN(d, 0, 4);
  addN(d, 4, 20, never);
  tt.same([d.size0, d.size1], [4, 0], '24 elements in 4 buckets while a fork is alive');
  addN(d, 24, 1, never);
  tt.same([d.size0, d.size1], [4, 32], 'at 24 (24/4 = 6 > 5) it grows anyway');
});

t.test('the cron shrinks a table under 10% full, to max(used, 4)', async (tt) => {
  const d = new DictTables();
  d.expand(128, 0);
  d.shrinkIfSparse(13, true);
  tt.same([d.size0, d.size1], [128, 0], '13 of 128 is 10%: kept');
  d.shrinkIfSparse(12, false);
  tt.same([d.size0, d.size1], [128, 0], 'never beside a fork');
  d.shrinkIfSparse(5, true);
  tt.same([d.size0, d.size1], [128, 8], '5 of 128: rehash into 8');
  d.step(1, 0);
  tt.same([d.size0, d.size1], [8, 0], 'nothing left to move finishes at once');
  d.reset();
  tt.same([d.size0, d.size1], [0, 0], 'a flush frees both tables');
});

t.test('expand refuses what dictExpand refuses', async (tt) => {
  const d = new DictTables();
  addN(d, 0, 4);
  tt.notOk(d.expand(3, 4), 'smaller than the elements');
  tt.notOk(d.expand(4, 4), 'the size already in use');
  tt.ok(d.expand(1000, 4), 'presizing for 1000');
  tt.equal(d.size1, 1024);
  tt.notOk(d.expand(5000, 4), 'not while rehashing');
});

t.test('containers: presized at conversion, then grown by adds', async (tt) => {
  const sizes = (x: DictTables): number[] => [x.size0, x.size1];
  tt.same(sizes(estimatedContainerTables(600, 513, 2)), [1024, 0], 'a hash of 600: presized for 513');
  tt.same(sizes(estimatedContainerTables(129, 128, 2)), [128, 256], 'a zset at 129: growing');
  tt.same(sizes(estimatedContainerTables(5, 0, 1)), [4, 8], 'a set of 5 strings');
  tt.same(sizes(estimatedContainerTables(1025, 513, 2)), [1024, 2048], 'a hash of 1025');
});

t.test('reports add up, and ratios print as printf does', async (tt) => {
  tt.equal(fixed2(3.125), '3.12', 'a tie goes to the even digit');
  tt.equal(fixed2(0.375), '0.38');
  tt.equal(fixed2(Math.fround(1 / 3)), '0.33');
  tt.equal(fixed2(Math.fround(Math.fround(1 / 32) * 100)), '3.12', "Redis's 3.12% for 1 of 32 buckets");
  const d = new DictTables();
  const keys = Array.from({ length: 17 }, (_, i) => `k${i}`);
  addN(d, 0, 17);
  const text = dictStatsText(d, keys);
  tt.match(text, /^Hash table 0 stats \(main hash table\):\n table size: 16\n number of elements: 16\n/, 'table 0 keeps the older elements');
  tt.match(text, /Hash table 1 stats \(rehashing target\):\n table size: 32\n number of elements: 1\n/, 'the newest is in table 1');
  tt.equal(dictStatsText(new DictTables(), []), 'Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n');
});
