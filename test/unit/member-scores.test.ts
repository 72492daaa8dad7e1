/*
 * storage/member-scores.ts, a sorted set's member → score table, against a Map doing the same
 * work: random sets, adds and deletes in a set small enough to go without an index, and through
 * the index's building and the slot-hash chunk's growth (16 slots, doubling)
 * and past the first 1,024-slot chunk; iteration; ZSCAN's slot cursor under churn (a member present
 * for the whole walk comes back exactly once); and the scores kept exactly (-0, infinities).
 */
import t from 'tap';
import { MemberScores } from '../../storage/member-scores';
import { SeededRandom } from '../../storage/random';

t.test('agrees with a Map through random sets, adds and deletes', async (t) => {
  // Seed 4 draws from 14 names only: the set never passes LINEAR_MAX and never gets its index.
  for (const seed of [1, 2, 3, 4]) {
    const random = new SeededRandom(seed);
    const table = new MemberScores();
    const model = new Map<string, number>();
    let mismatches = 0;
    for (let step = 0; step < 60_000; step++) {
      // Few members early (the table grows and shrinks around small sizes), past a chunk later.
      const names = seed === 4 ? 14 : step < 20_000 ? 40 : 3_000;
      const member = `m${Math.floor(random.next() * names)}`;
      const score = Math.floor(random.next() * 1000) / 8;
      const roll = random.next();
      if (table.get(member) !== model.get(member)) mismatches++;
      if (roll < 0.3) {
        table.set(member, score);
        model.set(member, score);
      } else if (roll < 0.6) {
        if (!table.has(member)) {
          table.addNew(member, score);
          model.set(member, score);
        }
      } else if (table.delete(member) !== model.delete(member)) {
        mismatches++;
      }
      if (table.size !== model.size) mismatches++;
    }
    const listed = new Map(table.entries());
    t.same([...listed].sort(), [...model].sort(), `seed ${seed}: entries() lists what the Map holds (${model.size})`);
    t.same([...table.keys()].sort(), [...model.keys()].sort(), `seed ${seed}: keys() too`);
    t.equal(listed.size, table.size, `seed ${seed}: no member listed twice`);
    t.equal(mismatches, 0, `seed ${seed}: every get, delete and size agrees with the Map`);
  }
});

t.test('a scan under churn returns each member present throughout exactly once', async (t) => {
  const random = new SeededRandom(11);
  const table = new MemberScores();
  for (let i = 0; i < 5_000; i++) table.addNew(`s${i}`, i);
  // Members that stay for the whole walk; the others come and go between steps.
  const stable = new Set<string>();
  for (let i = 0; i < 5_000; i += 3) stable.add(`s${i}`);
  const seen = new Map<string, number>();
  let cursor = 0n;
  let steps = 0;
  let oversized = 0;
  do {
    const [next, members] = table.scan(cursor, 10);
    if (members.length > 10) oversized++;
    for (const m of members) seen.set(m, (seen.get(m) ?? 0) + 1);
    for (let k = 0; k < 5; k++) {
      const churned = `s${Math.floor(random.next() * 5_000)}`;
      if (stable.has(churned)) continue;
      if (table.has(churned)) table.delete(churned);
      else table.addNew(churned, -1);
      const fresh = `new${steps}-${k}`;
      if (random.next() < 0.5) table.addNew(fresh, 0);
    }
    cursor = next;
    steps++;
  } while (cursor !== 0n && steps < 100_000);
  t.equal(cursor, 0n, `the walk ends (${steps} steps)`);
  t.equal(oversized, 0, 'no step returns more than COUNT members');
  const missing = [...stable].filter((m) => seen.get(m) !== 1);
  t.same(missing, [], 'every stable member came back exactly once');
});

t.test('a cursor past the end, and an empty table, end the walk', async (t) => {
  const table = new MemberScores();
  t.same(table.scan(0n, 10), [0n, []], 'empty');
  table.addNew('a', 1);
  t.same(table.scan(1n << 40n, 10), [0n, []], 'a cursor beyond every slot');
});

t.test('scores come back exactly', async (t) => {
  const table = new MemberScores([
    ['neg-zero', -0],
    ['inf', Infinity],
    ['-inf', -Infinity],
    ['tiny', 5e-324],
    ['big', 2 ** 53 + 2],
  ]);
  t.ok(Object.is(table.get('neg-zero'), -0), '-0 stays -0');
  t.equal(table.get('inf'), Infinity);
  t.equal(table.get('-inf'), -Infinity);
  t.equal(table.get('tiny'), 5e-324);
  t.equal(table.get('big'), 2 ** 53 + 2);
  t.equal(table.get('absent'), undefined);
  t.equal(table.size, 5);
});
