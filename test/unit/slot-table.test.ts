/*
 * The slot table keeps each owner's bitmap and ranges up to date a slot at a time (so that a
 * reshard never walks all 16384 slots per moved slot). This checks it against the plainest
 * possible model, an array of owners, through a seeded random sequence of every operation that
 * changes the table, comparing every view after each step.
 */
import t from 'tap';
import { SlotTable } from '../../cluster-bus/slot-table';
import { emptySlotBitmap, setSlotBit } from '../../cluster-bus/slot-bitmap';
import { seededFloats } from '../../storage/random';

const SLOTS = 16384;
const NAMES = ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40), 'd'.repeat(40)];


function modelBitmap(model: Array<string | null>, name: string): Uint8Array {
  const bitmap = emptySlotBitmap();
  model.forEach((owner, slot) => {
    if (owner === name) setSlotBit(bitmap, slot);
  });
  return bitmap;
}

function modelRanges(model: Array<string | null>, name: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let slot = 0; slot < SLOTS; slot++) {
    if (model[slot] !== name) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === slot - 1) last[1] = slot;
    else out.push([slot, slot]);
  }
  return out;
}

t.test('bitmaps, ranges, counts and claim walks follow every change', async (t) => {
  const random = seededFloats(20261203);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const table = new SlotTable();
  const model: Array<string | null> = new Array<string | null>(SLOTS).fill(null);
  const names = [...NAMES];
  let mismatches = 0;
  for (let step = 0; step < 400; step++) {
    const op = random();
    if (op < 0.55) {
      // A run of slots to one owner, as CLUSTER ADDSLOTSRANGE or a claim does.
      const start = Math.floor(random() * SLOTS);
      const length = 1 + Math.floor(random() * (random() < 0.5 ? 8 : 600));
      const name = pick(names);
      for (let slot = start; slot < Math.min(SLOTS, start + length); slot++) {
        table.assign(slot, name);
        model[slot] = name;
      }
    } else if (op < 0.8) {
      const slot = Math.floor(random() * SLOTS);
      table.unassign(slot);
      model[slot] = null;
    } else if (op < 0.9) {
      const name = pick(names);
      const had = model.filter((o) => o === name).length;
      if (table.unassignAll(name) !== had) mismatches++;
      for (let slot = 0; slot < SLOTS; slot++) if (model[slot] === name) model[slot] = null;
    } else {
      // A handshake node learning its real id takes its slots along.
      const from = pick(names);
      const to = `${step}`.padStart(40, 'e');
      table.rename(from, to);
      if (model.some((o) => o === from)) {
        for (let slot = 0; slot < SLOTS; slot++) if (model[slot] === from) model[slot] = to;
        names[names.indexOf(from)] = to;
      }
    }
    for (const name of names) {
      const expected = modelBitmap(model, name);
      const count = model.filter((o) => o === name).length;
      if (table.count(name) !== count) mismatches++;
      if (!Buffer.from(table.bitmapOf(name)).equals(Buffer.from(expected))) mismatches++;
      if (!table.sameAs(name, expected)) mismatches++;
      if (JSON.stringify(table.rangesOf(name)) !== JSON.stringify(modelRanges(model, name))) mismatches++;
      // A claim of a random bitmap visits exactly the claimed slots the claimant lacks.
      const claim = emptySlotBitmap();
      for (let k = 0; k < 50; k++) setSlotBit(claim, Math.floor(random() * SLOTS));
      const visited: number[] = [];
      const walked = table.scanClaim(claim, name, (slot, owner) => {
        visited.push(slot);
        if (owner !== model[slot]) mismatches++;
      });
      const claimed = [...Array(SLOTS).keys()].filter((s) => ((claim[s >> 3] ?? 0) & (1 << (s & 7))) !== 0);
      if (walked !== claimed.length) mismatches++;
      if (JSON.stringify(visited) !== JSON.stringify(claimed.filter((s) => model[s] !== name))) mismatches++;
    }
    if (mismatches > 0) {
      t.fail(`step ${step}: the table differs from the model`);
      return;
    }
  }
  t.equal(mismatches, 0, '400 steps, every view equal to the model');
  const before = table.bitmapOf(names[0] ?? '');
  const copy = Buffer.from(before);
  table.assign(0, names[0] ?? '');
  table.unassign(1);
  t.ok(Buffer.from(before).equals(copy), 'a bitmap handed out earlier (as in a queued message) does not change');
});
