/**
 * Which slots of a slot table (key-table.ts, member-scores.ts) hold something: one bit per slot,
 * so that a walk over the table jumps over free slots 32 at a time instead of reading each.
 *
 * A table hands out slot numbers from 0 up and reuses freed ones, and never gives back the top
 * of its range: after a million keys are deleted, a million free slots stay between the few
 * that are left. Redis's dict shrinks in its cron instead, so a SCAN there finishes in one call;
 * here, reading the free slots one by one and passing at most ten per key asked for (Redis's
 * bound on empty buckets), it took 2,000 calls over the 200,000 slots of a database emptied to
 * 9 keys. With the bits, a walk reads one 32-bit word per 32 free slots and finds the next used
 * slot in the word with Math.clz32:
 *
 *   slots   0 1 2 3 4 5 6 7 8 ...          word 0 (bit i = slot i)
 *   used    . x . . . x . . . ...    ─▶    0b...0000_0010_0010
 *   next(1) = 1, next(2) = 5, next(6) = the first used slot of a later word
 *
 * The words grow by doubling as slots are handed out; a slot's bit is set when it takes a key
 * and cleared when the key goes.
 */
import type { ByteString } from './bytes';
import { CHUNK_BITS, CHUNK_MASK } from './key-index';

export class SlotOccupancy {
  private words: Int32Array;

  /** Room for `slots` slots to begin with. */
  constructor(slots = 32) {
    this.words = new Int32Array(Math.max(1, Math.ceil(slots / 32)));
  }

  /** Marks a slot as used. */
  mark(slot: number): void {
    const word = slot >>> 5;
    if (word >= this.words.length) this.grow(word);
    this.words[word] = (this.words[word] as number) | (1 << (slot & 31));
  }

  /** Marks a slot as free. */
  unmark(slot: number): void {
    const word = slot >>> 5;
    if (word < this.words.length) this.words[word] = (this.words[word] as number) & ~(1 << (slot & 31));
  }

  /** The first used slot in [from, end), or `end` when there is none. */
  next(from: number, end: number): number {
    if (from >= end) return end;
    const words = this.words;
    const lastWord = Math.min((end - 1) >>> 5, words.length - 1);
    let word = from >>> 5;
    if (word > lastWord) return end;
    // The bits of the first word below `from` are masked off.
    let bits = (words[word] as number) & (-1 << (from & 31));
    while (bits === 0) {
      if (++word > lastWord) return end;
      bits = words[word] as number;
    }
    // bits & -bits keeps the lowest bit set; 31 - clz32 is its position.
    const slot = (word << 5) + (31 - Math.clz32(bits & -bits));
    return slot < end ? slot : end;
  }

  private grow(word: number): void {
    let length = this.words.length;
    while (length <= word) length *= 2;
    const grown = new Int32Array(length);
    grown.set(this.words);
    this.words = grown;
  }
}

/**
 * One step of a cursor walk over a table's slots (SCAN, ZSCAN): the keys of `keys` (in chunks as
 * key-index.ts lays them out, undefined in a free slot) from slot `from` on, below `used`, until
 * `count` keys have been taken; returns the slot to resume from, `used` when no key is left
 * after those taken. Free slots are jumped over with `occupancy` (null: read one by one, for a
 * table of a few slots). A key present for the whole walk keeps its slot, so it is returned
 * exactly once; one added meanwhile may take a freed slot on either side of the cursor, and be
 * returned or not.
 */
export function scanSlotChunks(
  keys: ReadonlyArray<ReadonlyArray<ByteString | undefined>>,
  occupancy: SlotOccupancy | null,
  used: number,
  from: number,
  count: number,
  out: ByteString[],
): number {
  let slot = occupancy === null ? from : occupancy.next(from, used);
  while (slot < used) {
    const key = (keys[slot >>> CHUNK_BITS] as ReadonlyArray<ByteString | undefined>)[slot & CHUNK_MASK];
    if (key !== undefined) {
      // Stop at the next key, not after the last one taken: past only free slots, the walk is over.
      if (out.length === count) break;
      out.push(key);
    }
    slot = occupancy === null ? slot + 1 : occupancy.next(slot + 1, used);
  }
  return slot;
}
