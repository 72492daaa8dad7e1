/*
 * storage/memory-model.ts, memory-accounting.ts and access-clock.ts without a server: jemalloc's
 * size classes, sds and dict sizes, and the incremental account of a Database staying equal to
 * a recount from scratch after a seeded run of random writes, INCR-style integer replacements,
 * in-place container edits, deletes, expiries, evictions, FLUSHDB and SWAPDB (a drifting
 * account would make used_memory, and so eviction, wrong without anything failing at once). The
 * figures MEMORY USAGE gives are compared with redis-server's in test/compat/memory.test.ts.
 */
import t from 'tap';
import { lfuCounter, lfuInitial, lfuTouched, LFU_INIT_VAL } from '../../storage/access-clock';
import type { Database } from '../../storage/database';
import { Keyspace } from '../../storage/keyspace';
import { containerBytes, dictBucketBytes, keyOverheadBytes, mallocSize, rawStringObjectBytes, sdsAllocSize, stringObjectBytes, ACCOUNTING_SAMPLES } from '../../storage/memory-model';
import { MutableString } from '../../storage/mutable-string';
import { parseSafeInt } from '../../storage/numbers';
import { SeededRandom } from '../../storage/random';
import { HashValue, ListValue, SetValue, SortedSetValue } from '../../storage/values';

t.test('jemalloc size classes', async (tt) => {
  const classes: Array<[number, number]> = [
    [1, 8], [8, 8], [9, 16], [17, 32], [24, 32], [33, 48], [100, 112], [128, 128], [129, 160], [161, 192],
    [225, 256], [257, 320], [513, 640], [4097, 5120], [8192, 8192], [8193, 10240], [100000, 114688],
  ];
  for (const [request, size] of classes) tt.equal(mallocSize(request), size, `${request} bytes come from the ${size} class`);
});

t.test('sds, dict and string object sizes', async (tt) => {
  tt.equal(sdsAllocSize(3), 8, 'sds5 "foo": 1 + 3 + 1 -> 8');
  tt.equal(sdsAllocSize(31), 48, 'sds5 of 31 bytes');
  tt.equal(sdsAllocSize(32), 48, 'sds8 of 32 bytes: 3 + 32 + 1 -> 48');
  tt.equal(sdsAllocSize(300), 320, 'sds16 of 300 bytes');
  tt.equal(dictBucketBytes(0), 0);
  tt.equal(dictBucketBytes(3), 32);
  tt.equal(dictBucketBytes(100000), 131072 * 8);
  tt.equal(stringObjectBytes('123'), 16, 'int: the robj alone');
  tt.equal(stringObjectBytes('abc'), 32, 'embstr: 16 + 3 + 3 + 1 -> 32');
  tt.equal(stringObjectBytes('x'.repeat(44)), 64, 'embstr up to 44 bytes');
  tt.equal(stringObjectBytes('x'.repeat(45)), 80, 'raw: robj + sds8 block');
  tt.equal(stringObjectBytes('abc', true), 16 + 8, 'raw short string (APPEND)');
  tt.equal(rawStringObjectBytes(100), 16 + 112);
  tt.equal(keyOverheadBytes('foo'), 32 + 8, 'dict entry as allocated + key sds');
});

t.test('LFU counter: starts at 5, grows logarithmically, decays by the minute', async (tt) => {
  const settings = { logFactor: 10, decayTimeMin: 1 };
  const random = new SeededRandom(7);
  const t0 = 600_000_000;
  let word = lfuInitial(t0);
  tt.equal(lfuCounter(word, t0, settings), LFU_INIT_VAL);
  word = lfuTouched(word, t0, settings, random);
  tt.equal(lfuCounter(word, t0, settings), LFU_INIT_VAL + 1, 'the first access always counts (p = 1)');
  for (let i = 0; i < 100_000; i++) word = lfuTouched(word, t0, settings, random);
  const counter = lfuCounter(word, t0, settings);
  tt.ok(counter > 20 && counter < 255, `100k accesses give a counter well below 255 (${counter})`);
  tt.equal(lfuCounter(word, t0 + 3 * 60_000, settings), counter - 3, 'three idle minutes take 3');
  tt.equal(lfuCounter(word, t0 + 3 * 60_000, { logFactor: 10, decayTimeMin: 0 }), counter, 'decay time 0: no decay');
});

/** What the account should hold: every key charged from scratch. */
function recount(db: Database): number {
  let total = 0;
  db.forEachEntry((key, value) => {
    total += keyOverheadBytes(key) + (typeof value === 'string' ? stringObjectBytes(value) : containerBytes(value, ACCOUNTING_SAMPLES));
  });
  return total;
}

t.test('the incremental account equals a recount after random operations', async (tt) => {
  const seed = Number(process.env.SEED ?? 20);
  tt.comment(`SEED=${seed}`);
  const random = new SeededRandom(seed);
  const keyspace = new Keyspace(2, random);
  const [db0, db1] = keyspace.dbs as [Database, Database];
  let now = 1_000_000;
  const pick = (n: number): number => random.below(n);
  const value = (): string => {
    const kind = pick(4);
    if (kind === 0) return String(pick(100000) - 500);
    if (kind === 1) return 'v'.repeat(pick(50));
    if (kind === 2) return 'w'.repeat(40 + pick(300));
    return 'z'.repeat(pick(5000));
  };
  for (let step = 0; step < 20000; step++) {
    const db = pick(5) === 0 ? db1 : db0;
    const key = `k${pick(300)}`;
    const existing = db.get(key, now);
    switch (pick(13)) {
      case 0:
      case 1:
        db.set(key, value(), now);
        break;
      case 2: {
        if (existing === undefined) db.set(key, new ListValue(), now);
        const list = db.get(key, now);
        if (list instanceof ListValue) {
          for (let i = pick(20); i >= 0; i--) list.items.push(value());
          db.markModified(key, now);
        }
        break;
      }
      case 3: {
        const hash = existing instanceof HashValue ? existing : new HashValue();
        for (let i = pick(10); i >= 0; i--) hash.fields.set(`f${pick(600)}`, value());
        if (existing === undefined) db.set(key, hash, now);
        else if (existing instanceof HashValue) db.markModified(key, now);
        break;
      }
      case 4: {
        const set = existing instanceof SetValue ? existing : new SetValue();
        for (let i = pick(10); i >= 0; i--) set.members.add(pick(2) === 0 ? String(pick(1000)) : `m${pick(1000)}`);
        if (existing === undefined) db.set(key, set, now);
        else if (existing instanceof SetValue) db.markModified(key, now);
        break;
      }
      case 5: {
        const zset = existing instanceof SortedSetValue ? existing : new SortedSetValue();
        for (let i = pick(10); i >= 0; i--) zset.add(`m${pick(200)}`, pick(1000) / 7);
        if (existing === undefined) db.set(key, zset, now);
        else if (existing instanceof SortedSetValue) db.markModified(key, now);
        break;
      }
      case 6:
        db.delete(key);
        break;
      case 7:
        if (existing !== undefined) db.setExpireAt(key, now + pick(2000));
        break;
      case 8: {
        // An in-place string edit (SETRANGE / APPEND on a long string).
        const edited = db.getForEdit(key, now);
        if (edited instanceof MutableString) {
          edited.write(edited.length + pick(100), 'edited');
          db.overwriteInPlace(key, edited, now);
        }
        break;
      }
      case 9:
        if (existing !== undefined) db.evict(key);
        break;
      case 10:
        if (pick(200) === 0) db.flush();
        else if (pick(100) === 0) keyspace.swap(0, 1);
        break;
      case 11: {
        // INCR and its kin on an integer: Database.replaceInteger leaves the charge as it is.
        const n = typeof existing === 'string' ? parseSafeInt(existing) : null;
        if (n !== null) db.replaceInteger(key, String(n + pick(2000) - 1000));
        break;
      }
      default:
        db.overwrite(key, value(), now);
    }
    now += pick(3);
    if (step % 500 === 0) db.activeExpireCycle(now, { keysPerLoop: 20, acceptableStalePerc: 10 }, () => false);
    if (step % 1000 === 999) {
      for (const d of [db0, db1]) tt.equal(d.modelledBytes(), recount(d), `db ${d.id} after ${step + 1} steps`);
    }
  }
});
