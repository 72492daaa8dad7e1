/*
 * storage/key-table.ts's access words and string charges, which share one double per slot: each
 * must read back what was written whatever the other half holds, a replaced value must forget its
 * charge, and the exotic words (never accessed, negative, too large) must keep their meaning.
 * The memory account built on the charges is checked against a recount in memory-model.test.ts.
 */
import t from 'tap';
import { KeyTable } from '../../storage/key-table';

t.test('access words and charges read back independently', async (t) => {
  const table = new KeyTable<string>();
  const slot = table.add('k', 'v');
  t.ok(Number.isNaN(table.accessAt(slot)), 'a new slot was never accessed');
  t.equal(table.chargeAt(slot), -1, 'and has no charge');
  table.setChargeAt(slot, 48);
  t.equal(table.chargeAt(slot), 48, 'a charge on a never-accessed slot');
  t.ok(Number.isNaN(table.accessAt(slot)), 'which stays never accessed');
  for (const word of [0, 1, 1_765_000_000, 0xfffffffe, 0xffffff]) {
    table.setAccessAt(slot, word);
    t.equal(table.accessAt(slot), word, `word ${word} reads back`);
    t.equal(table.chargeAt(slot), 48, 'the charge is kept');
  }
  for (const charge of [0, 1, 123_456, 2 ** 21 - 2]) {
    table.setChargeAt(slot, charge);
    t.equal(table.chargeAt(slot), charge, `charge ${charge} reads back`);
    t.equal(table.accessAt(slot), 0xffffff, 'the word is kept');
  }
  table.setChargeAt(slot, 2 ** 21 - 1);
  t.equal(table.chargeAt(slot), -1, 'a charge too large for the high half is not recorded');
  table.setChargeAt(slot, 64);
  table.setValueAt(slot, 'other');
  t.equal(table.chargeAt(slot), -1, 'a replaced value forgets its charge');
  t.equal(table.accessAt(slot), 0xffffff, 'but not its access word');
  table.setAccessAt(slot, NaN);
  t.ok(Number.isNaN(table.accessAt(slot)), 'NaN written back means never accessed');
});

t.test('exotic words', async (t) => {
  const table = new KeyTable<string>();
  const slot = table.add('k', 'v');
  table.setChargeAt(slot, 10);
  table.setAccessAt(slot, -5);
  t.equal(table.accessAt(slot), -5, 'a negative word (an IDLETIME before 1970) reads back');
  t.equal(table.chargeAt(slot), -1, 'with no charge');
  table.setChargeAt(slot, 10);
  t.equal(table.chargeAt(slot), -1, 'and none can be recorded beside it');
  table.setAccessAt(slot, 7);
  table.setChargeAt(slot, 10);
  t.equal(table.accessAt(slot), 7, 'a whole word again');
  t.equal(table.chargeAt(slot), 10, 'carries a charge again');
  table.setAccessAt(slot, 2 ** 40);
  t.equal(table.accessAt(slot), 0xfffffffe, 'a word past 32 bits is clamped, never read as "never"');
  table.setAccessAt(slot, 12.7);
  t.equal(table.accessAt(slot), 12, 'a fractional word is floored');
  t.equal(table.chargeAt(slot), 10, 'neither loses the charge');
  const reused = (table.removeAt(slot), table.add('k2', 'w'));
  t.equal(reused, slot, 'the freed slot is reused');
  t.equal(table.chargeAt(reused), -1, 'without the old key\'s charge');
  t.ok(Number.isNaN(table.accessAt(reused)), 'or its access word');
});
