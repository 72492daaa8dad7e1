/*
 * The per-slot key index (storage/slot-key-index.ts): newest first, an overwrite keeps its
 * place, a re-added key is newest, counts follow deletions, and a big slot drained a few keys
 * at a time (as a reshard drains it) gives every key once.
 */
import t from 'tap';
import { SlotKeyIndex } from '../../storage/slot-key-index';
import { keyHashSlot } from '../../storage/key-slot';

t.test('keys come newest first; overwrite keeps the place, re-adding makes newest', async (tt) => {
  const index = new SlotKeyIndex();
  const keys = ['{t}a', '{t}b', '{t}c', '{t}d'];
  const slot = keyHashSlot('{t}a');
  for (const k of keys) index.add(k);
  tt.same(index.keys(slot), ['{t}d', '{t}c', '{t}b', '{t}a']);
  index.add('{t}b');
  tt.same(index.keys(slot, 2), ['{t}d', '{t}c']);
  index.remove('{t}b');
  index.add('{t}b');
  tt.same(index.keys(slot), ['{t}b', '{t}d', '{t}c', '{t}a']);
  index.remove('{t}b');
  index.remove('{t}d');
  tt.equal(index.count(slot), 2);
  tt.same(index.keys(slot), ['{t}c', '{t}a']);
  index.remove('{t}nothing');
  tt.equal(index.count(slot), 2);
});

t.test('draining a big slot ten keys at a time reads each key once', async (tt) => {
  const index = new SlotKeyIndex();
  const n = 200_000;
  for (let i = 0; i < n; i++) index.add(`{big}${i}`);
  const slot = keyHashSlot('{big}0');
  let seen = 0;
  // (Each read steps over about ten entries: holes at the end are dropped as keys go. A walk of
  // the whole slot per read made this quadratic; that is a speed matter, not asserted here.)
  for (;;) {
    const batch = index.keys(slot, 10);
    if (batch.length === 0) break;
    seen += batch.length;
    for (const k of batch) index.remove(k);
  }
  tt.equal(seen, n, 'every key once');
  tt.equal(index.count(slot), 0);
});
