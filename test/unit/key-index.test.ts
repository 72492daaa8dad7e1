/*
 * storage/key-index.ts, the open-addressing index from key to slot, against a Map doing the same
 * work: random adds and removes through growth and shrinking; keys whose hashes share their low
 * bits, so that a run of them wraps around the end of the table (where backward-shift deletion is
 * easiest to get wrong); KeyTable's walks (SCAN's slot cursor, RANDOMKEY) over the result, and
 * over a table emptied to a few keys, whose free slots slot-occupancy.ts jumps over (checked
 * against a walk slot by slot); and a seeded keyspace's RANDOMKEY picks, which must replay.
 */
import t from 'tap';
import { KeyIndex, keyHash } from '../../storage/key-index';
import { KeyTable } from '../../storage/key-table';
import { Keyspace } from '../../storage/keyspace';
import { SeededRandom } from '../../storage/random';
import { SlotOccupancy } from '../../storage/slot-occupancy';

/** Key chunks laid out as KeyTable lays them (1,024 slots a chunk). */
function chunkedKeys(): { chunks: Array<Array<string | undefined>>; put(slot: number, key: string | undefined): void } {
  const chunks: Array<Array<string | undefined>> = [];
  return {
    chunks,
    put(slot, key) {
      while (chunks.length <= slot >>> 10) chunks.push(new Array<string | undefined>(1024));
      (chunks[slot >>> 10] as Array<string | undefined>)[slot & 1023] = key;
    },
  };
}

t.test('finds what a Map finds through random adds and removes', async (t) => {
  for (const seed of [1, 2, 3]) {
    const random = new SeededRandom(seed);
    const { chunks, put } = chunkedKeys();
    const index = new KeyIndex(chunks, seed);
    const model = new Map<string, number>();
    const freeSlots: number[] = [];
    let nextSlot = 0;
    let mismatches = 0;
    for (let step = 0; step < 40_000; step++) {
      // Few distinct keys early (the table grows and shrinks around small sizes), more later.
      const key = `k${Math.floor(random.next() * (step < 20_000 ? 300 : 5_000))}`;
      const found = index.find(key);
      if (found !== (model.get(key) ?? -1)) mismatches++;
      if (found < 0 && random.next() < 0.6) {
        const slot = freeSlots.pop() ?? nextSlot++;
        put(slot, key);
        index.insert(key, slot);
        model.set(key, slot);
      } else if (found >= 0) {
        index.remove(found);
        put(found, undefined);
        freeSlots.push(found);
        model.delete(key);
      }
      if (index.size !== model.size) mismatches++;
    }
    for (const [key, slot] of model) if (index.find(key) !== slot) mismatches++;
    t.equal(mismatches, 0, `seed ${seed}: every lookup agrees with the Map (${model.size} keys left)`);
  }
});

t.test('colliding hashes wrap around the table and survive deletes in any order', async (t) => {
  // Keys whose hashes share their low bits collide; find 40 that share the low 3.
  const seed = 7;
  const colliding: string[] = [];
  for (let i = 0; colliding.length < 40; i++) if ((keyHash(`c${i}`, seed) & 7) === 7) colliding.push(`c${i}`);
  const { chunks, put } = chunkedKeys();
  const index = new KeyIndex(chunks, seed);
  colliding.forEach((key, slot) => {
    put(slot, key);
    index.insert(key, slot);
  });
  const random = new SeededRandom(11);
  const left = new Map(colliding.map((key, slot) => [key, slot]));
  let mismatches = 0;
  while (left.size > 0) {
    const keys = [...left.keys()];
    const key = keys[Math.floor(random.next() * keys.length)] as string;
    const slot = left.get(key) as number;
    index.remove(slot);
    put(slot, undefined);
    left.delete(key);
    for (const [other, otherSlot] of left) if (index.find(other) !== otherSlot) mismatches++;
    if (index.find(key) !== -1) mismatches++;
  }
  t.equal(mismatches, 0, 'each remaining key is found after every delete, each deleted one is not');
  t.equal(index.size, 0);
});

t.test('SCAN over slots returns each key present throughout exactly once', async (t) => {
  const table = new KeyTable<string>(3);
  for (let i = 0; i < 5_000; i++) table.add(`key:${i}`, 'v');
  // Churn: free slots in the middle, so the walk passes holes and reused slots.
  for (let i = 0; i < 5_000; i += 3) table.removeAt(table.slotOf(`key:${i}`));
  const stable = new Set(table.keysInOrder());
  const seen = new Map<string, number>();
  let cursor = 0;
  let calls = 0;
  do {
    const out: string[] = [];
    const next = table.scanSlots(cursor, 10, out);
    for (const key of out) seen.set(key, (seen.get(key) ?? 0) + 1);
    // Keys added and removed mid-walk.
    table.add(`new:${calls}`, 'v');
    if (calls % 2 === 0) table.removeAt(table.slotOf(`new:${calls}`));
    cursor = next >= table.slotCount ? 0 : next;
    calls++;
  } while (cursor !== 0 && calls < 10_000);
  t.ok(calls < 10_000, `the walk ended (${calls} calls)`);
  const missing = [...stable].filter((key) => seen.get(key) !== 1);
  t.same(missing, [], 'every key present throughout, once');
});

t.test('a table emptied to a few keys is scanned in one call, and walked in slot order', async (t) => {
  const table = new KeyTable<string>(4);
  for (let i = 0; i < 200_000; i++) table.add(`key:${i}`, 'v');
  for (let i = 0; i < 199_991; i++) table.removeAt(table.slotOf(`key:${i}`));
  const out: string[] = [];
  const next = table.scanSlots(0, 10, out);
  t.equal(next, table.slotCount, 'one call reaches the end');
  t.equal(out.length, 9, 'with the nine keys left');
  t.same(table.keysInOrder(), out, 'KEYS walks the same slots, in the same order');
});

t.test('SlotOccupancy.next agrees with a walk slot by slot', async (t) => {
  const random = new SeededRandom(21);
  const occupancy = new SlotOccupancy();
  const used = new Set<number>();
  let mismatches = 0;
  for (let step = 0; step < 20_000; step++) {
    // Slots near word edges (31, 32, 63...) are drawn as often as any.
    const slot = Math.floor(random.next() * (step < 10_000 ? 100 : 3_000));
    if (random.next() < 0.55) {
      occupancy.mark(slot);
      used.add(slot);
    } else {
      occupancy.unmark(slot);
      used.delete(slot);
    }
    const from = Math.floor(random.next() * 3_100);
    const end = from + Math.floor(random.next() * 200);
    let expected = from;
    while (expected < end && !used.has(expected)) expected++;
    if (occupancy.next(from, end) !== Math.min(expected, end)) mismatches++;
  }
  t.equal(mismatches, 0, 'every next(from, end) is the first used slot in range, or end');
});

t.test('RANDOMKEY picks come from the keys, and reach all of them', async (t) => {
  const table = new KeyTable<string>(5);
  t.equal(table.randomKey(new SeededRandom(1)), undefined, 'an empty table has none');
  for (let i = 0; i < 2_000; i++) table.add(`key:${i}`, 'v');
  for (let i = 0; i < 1_990; i++) table.removeAt(table.slotOf(`key:${i}`));
  const random = new SeededRandom(9);
  const picked = new Set<string>();
  for (let i = 0; i < 500; i++) picked.add(table.randomKey(random) as string);
  t.same([...picked].sort(), table.keysInOrder().sort(), 'ten keys left of 2,000: all ten picked, nothing else');
});

t.test('a seeded keyspace picks the same RANDOMKEYs each time', async (t) => {
  const picks = (hashSeed: number): string[] => {
    const keyspace = new Keyspace(1, new SeededRandom(5), null, hashSeed);
    const db = keyspace.db(0);
    for (let i = 0; i < 500; i++) db.set(`key:${i}`, 'v', 0);
    return Array.from({ length: 50 }, () => db.randomKey(0) as string);
  };
  t.same(picks(77), picks(77), 'the same seeds, the same picks');
  t.notSame(picks(77), picks(78), 'another hash seed lays the keys out elsewhere');
});
