/**
 * A database's keys with their values and access words, looked up once per command.
 *
 * Each key has a slot number, and each slot holds the value, the key, and the access word (the
 * LRU second or the LFU word, access-clock.ts), in arrays indexed by slot. An index (key-index.ts,
 * a hash table of integers) gives a key's slot:
 *
 *   index "user:1" ─▶ 0     values [ "alice", <hash>, "bob", ... ]
 *         "cart:7" ─▶ 1     keys   [ "user:1", "cart:7", "user:2", ... ]
 *         "user:2" ─▶ 2     access [ 1765000000, 1765000002, NaN, ... ]
 *                                                           ╰─ never accessed (loaded)
 *
 * Why: a SET used to look its key up three times in maps of a million entries, each lookup a
 * walk through memory the cache does not hold: the old value in the dictionary, the store into
 * it, then the access second in a second Map. Now the one lookup gives the slot, and the store
 * and the access word are array writes; overwriting a key leaves the index untouched.
 *
 * The slot's key lets eviction sample by walking the slots in order (Database.sampleSlots): the
 * keys and their words are read one after another, a few cache lines for a whole sample. The
 * walks over every key (KEYS, SCAN, a snapshot) go in slot order too. A key keeps its slot while
 * it exists, which is what SCAN's cursor, a slot number, relies on (scanSlots).
 *
 * A deleted key's slot goes on a free list and is reused by the next new key, so the arrays do
 * not grow with churn. They are kept in chunks of 1,024 slots, added as the table grows, so that
 * growing never copies them. They do not shrink either: a bit per slot (slot-occupancy.ts) lets
 * the walks jump over the free slots a mass delete leaves, 32 at a time.
 *
 * The access word's double also carries the string's memory charge (memory-accounting.ts), so
 * that a SET replacing a string, or a delete, need not read the old string to learn its size:
 * that read is a cache miss per write in a large keyspace, where the access word's line is
 * written anyway. An access word is a whole number below 2^32 (an LRU second, an LFU word), so
 * the double holds two halves:
 *
 *   stored = hi * 2^32 + lo     lo   the access word; 2^32 - 1 for "never accessed"
 *                               hi   0: charge unknown; else the charge + 1 (below 2^21 - 1,
 *                                    so the double stays an exact integer under 2^53)
 *
 * A charge is known only where the database stored a string and said what it cost
 * (add, setValueAt); a value stored without one leaves it unknown, and the old value is then
 * read instead. A negative access word (a RESTORE IDLETIME older than 1970) is stored as it
 * is, with no charge.
 */
import type { ByteString } from './bytes';
import { CHUNK_BITS, CHUNK_MASK, CHUNK_SLOTS, KeyIndex } from './key-index';
import { scanSlotChunks, SlotOccupancy } from './slot-occupancy';
import type { RandomSource } from './random';

/** The low half's weight in a stored access double. */
const HALF = 2 ** 32;
/** The low half of a slot whose key was never accessed (accessAt reads NaN). */
const NEVER = HALF - 1;
/** The largest charge the high half can hold (hi = charge + 1 < 2^21). */
const MAX_CHARGE = 2 ** 21 - 2;

export class KeyTable<V> {
  private readonly values: Array<Array<V | undefined>> = [];
  /** The key in each slot; undefined for a free one. */
  private readonly keys: Array<Array<ByteString | undefined>> = [];
  private readonly index: KeyIndex;
  private readonly access: Float64Array[] = [];
  /** Slots handed out so far, free ones included. */
  private used = 0;
  private readonly free: number[] = [];
  /** Which slots hold a key, for the walks to jump over free ones (slot-occupancy.ts). */
  private readonly occupancy = new SlotOccupancy(CHUNK_SLOTS);

  /** `hashSeed` seeds the index's hash (key-index.ts). */
  constructor(hashSeed = 0) {
    this.index = new KeyIndex(this.keys, hashSeed);
  }

  get size(): number {
    return this.index.size;
  }

  /** The key's slot, or -1 when it is absent: the one lookup a command makes. */
  slotOf(key: ByteString): number {
    return this.index.find(key);
  }

  /** The value in a slot (from slotOf, add, or a walk). */
  valueAt(slot: number): V {
    return (this.values[slot >>> CHUNK_BITS] as Array<V | undefined>)[slot & CHUNK_MASK] as V;
  }

  /** Replaces a slot's value, with the new value's charge (-1, the default: not known). */
  setValueAt(slot: number, value: V, charge = -1): void {
    (this.values[slot >>> CHUNK_BITS] as Array<V | undefined>)[slot & CHUNK_MASK] = value;
    this.setChargeAt(slot, charge);
  }

  /** The access word in a slot; NaN when the key was never accessed (loaded from a snapshot). */
  accessAt(slot: number): number {
    const stored = (this.access[slot >>> CHUNK_BITS] as Float64Array)[slot & CHUNK_MASK] as number;
    if (stored < 0) return stored;
    // ToUint32 is the stored integer modulo 2^32: the low half.
    const word = stored >>> 0;
    return word === NEVER ? NaN : word;
  }

  /** Sets a slot's access word (NaN: never accessed), keeping its charge. */
  setAccessAt(slot: number, word: number): void {
    const chunk = this.access[slot >>> CHUNK_BITS] as Float64Array;
    const at = slot & CHUNK_MASK;
    const stored = chunk[at] as number;
    const hi = stored >= HALF ? stored - (stored >>> 0) : 0;
    if (word >>> 0 === word && word !== NEVER) chunk[at] = hi + word;
    else if (Number.isNaN(word)) chunk[at] = hi + NEVER;
    else if (word < 0) chunk[at] = word;
    else chunk[at] = hi + (word >= NEVER ? NEVER - 1 : Math.floor(word));
  }

  /** The memory charge of the string in a slot, as setChargeAt recorded it; -1 when not known. */
  chargeAt(slot: number): number {
    const stored = (this.access[slot >>> CHUNK_BITS] as Float64Array)[slot & CHUNK_MASK] as number;
    return stored >= HALF ? (stored - (stored >>> 0)) / HALF - 1 : -1;
  }

  /** Records the memory charge of the string in a slot (-1: forget it). */
  setChargeAt(slot: number, charge: number): void {
    const chunk = this.access[slot >>> CHUNK_BITS] as Float64Array;
    const at = slot & CHUNK_MASK;
    const stored = chunk[at] as number;
    if (stored < 0) return;
    const hi = charge >= 0 && charge <= MAX_CHARGE ? (charge + 1) * HALF : 0;
    chunk[at] = hi + (stored >>> 0);
  }

  /**
   * Adds a key that is absent (slotOf said -1), with no access word yet and the value's charge
   * (-1, the default: not known); returns its slot.
   */
  add(key: ByteString, value: V, charge = -1): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.used++;
      if ((slot & CHUNK_MASK) === 0) {
        this.values.push(new Array<V | undefined>(CHUNK_SLOTS));
        this.keys.push(new Array<ByteString | undefined>(CHUNK_SLOTS));
        this.access.push(new Float64Array(CHUNK_SLOTS));
      }
    }
    const chunk = slot >>> CHUNK_BITS;
    const at = slot & CHUNK_MASK;
    (this.values[chunk] as Array<V | undefined>)[at] = value;
    (this.keys[chunk] as Array<ByteString | undefined>)[at] = key;
    (this.access[chunk] as Float64Array)[at] = charge >= 0 && charge <= MAX_CHARGE ? (charge + 1) * HALF + NEVER : NEVER;
    this.index.insert(key, slot);
    this.occupancy.mark(slot);
    return slot;
  }

  get(key: ByteString): V | undefined {
    const slot = this.index.find(key);
    return slot < 0 ? undefined : this.valueAt(slot);
  }

  has(key: ByteString): boolean {
    return this.index.find(key) >= 0;
  }

  /** The key's access word (NaN: none, or no such key). */
  accessOf(key: ByteString): number {
    const slot = this.index.find(key);
    return slot < 0 ? NaN : this.accessAt(slot);
  }

  /** Sets the access word of a key if it is present. */
  setAccess(key: ByteString, word: number): void {
    const slot = this.index.find(key);
    if (slot >= 0) this.setAccessAt(slot, word);
  }

  /** Removes the key in `slot` (its slot as slotOf gave it). */
  removeAt(slot: number): void {
    this.index.remove(slot);
    this.occupancy.unmark(slot);
    (this.values[slot >>> CHUNK_BITS] as Array<V | undefined>)[slot & CHUNK_MASK] = undefined;
    (this.keys[slot >>> CHUNK_BITS] as Array<ByteString | undefined>)[slot & CHUNK_MASK] = undefined;
    this.free.push(slot);
  }

  /** Slots in use or free: every slot number is below this. */
  get slotCount(): number {
    return this.used;
  }

  /** The key in a slot, or undefined when the slot is free. */
  keyAt(slot: number): ByteString | undefined {
    return (this.keys[slot >>> CHUNK_BITS] as Array<ByteString | undefined>)[slot & CHUNK_MASK];
  }

  /**
   * Visits every key with its slot, in slot order. `visit` may replace values (setValueAt), not
   * add or remove keys.
   */
  forEachKey(visit: (key: ByteString, slot: number) => void): void {
    const used = this.used;
    for (let slot = this.occupancy.next(0, used); slot < used; slot = this.occupancy.next(slot + 1, used)) {
      visit(this.keyAt(slot) as ByteString, slot);
    }
  }

  /** The first slot at or after `from` that holds a key; slotCount when there is none. */
  nextUsedSlot(from: number): number {
    return this.occupancy.next(from, this.used);
  }

  /** Every key, in slot order. */
  keysInOrder(): ByteString[] {
    const out: ByteString[] = [];
    this.forEachKey((key) => out.push(key));
    return out;
  }

  /** Every key and its value, in slot order, as two arrays (a snapshot's copy). */
  contents(): { keys: ByteString[]; values: V[] } {
    const keys: ByteString[] = [];
    const values: V[] = [];
    this.forEachKey((key, slot) => {
      keys.push(key);
      values.push(this.valueAt(slot));
    });
    return { keys, values };
  }

  /** One step of SCAN's walk over the slots: slot-occupancy.ts scanSlotChunks, over this table's keys. */
  scanSlots(from: number, count: number, out: ByteString[]): number {
    return scanSlotChunks(this.keys, this.occupancy, this.used, from, count, out);
  }

  /**
   * A key picked at random (RANDOMKEY), or undefined when the table is empty: the first key at or
   * after a random position of the index, which is at least an eighth full, so the walk is short
   * however many slots churn has freed. Not quite uniform (a key after a run of empty positions
   * is a likelier pick), as Redis's pick from a random bucket is not.
   */
  randomKey(random: RandomSource): ByteString | undefined {
    const index = this.index;
    if (index.size === 0) return undefined;
    const positions = index.positions;
    let at = Math.floor(random.next() * positions);
    for (;;) {
      const slot = index.slotAtPosition(at);
      if (slot >= 0) return this.keyAt(slot);
      at = at + 1 === positions ? 0 : at + 1;
    }
  }
}
