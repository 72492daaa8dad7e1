/*
 * A candidate keyspace table, for measurement only (bench/map-lookup-cost.ts): not used by the
 * server. It asks whether a table of our own would make a lookup of a random key cheaper than
 * V8's Map plus the second Map of access seconds that a hashslot database keeps today.
 *
 * Where the misses come from. A lookup in a Map of a million keys misses the cache at its
 * bucket, at the entry the bucket points to, and at the stored key string it compares; the
 * access-time Map misses again at its own bucket and entry. Redis keeps the access time in the
 * value's header, so it pays one table. This table keeps what a lookup touches side by side:
 *
 *   meta   Int32Array  [hash0, access0, hash1, access1, ...]   one line: probe + access time
 *   slots  Array       [key0, value0, key1, value1, ...]       one line: key pointer + value
 *
 * Open addressing with linear probing: a key's home is `hash & mask`, and a probe walks on until
 * it finds the key or an empty slot (hash 0; a computed hash of 0 is stored as 1). Only a slot
 * whose hash matches has its key string compared, so a probe that passes other keys reads their
 * hashes, not their characters. The hash is FNV-1a over the key's char codes (bytes, since keys
 * are latin1 byte strings): V8 computes its own hash of a fresh string too, but keeps it to itself.
 *
 * A table more than half full doubles: every key moves to its home in the new size, found from the
 * hash kept in `meta`, so no key is hashed again (V8's Map also rebuilds itself when it grows).
 *
 * Deliberately left out, since the benchmark needs none of it: deletion (it would need
 * tombstones or backward shifting) and iteration order. What the figures said (README, "A
 * keyspace table of our own"): lookups and stores 2-4x cheaper than the Maps here, one fresh key
 * per operation (inserts, where growth weighs, anywhere from 1.5x cheaper to 1.5x dearer), but no
 * faster as the server's dictionary in a prototype (not merged), where a command
 * touches its key more than once and V8 keeps a string's hash in the string.
 */

/** FNV-1a, 32 bits, over a byte string's char codes; never 0 (0 marks an empty slot). */
export function keyHash(key: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h === 0 ? 1 : h;
}

export class OpenAddressTable<V> {
  private mask: number;
  private meta: Int32Array;
  private slots: Array<string | V | undefined>;
  private count = 0;

  /** A table with room for `capacity` keys before it first grows. */
  constructor(capacity: number) {
    let size = 8;
    while (size < capacity * 2) size *= 2;
    this.mask = size - 1;
    this.meta = new Int32Array(size * 2);
    this.slots = new Array<string | V | undefined>(size * 2).fill(undefined);
  }

  /** Where the probe for `key` (hash `h`) stops: its slot, or the empty slot it would take. */
  private probe(key: string, h: number): number {
    const meta = this.meta;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const stored = meta[2 * i] as number;
      if (stored === 0 || (stored === h && this.slots[2 * i] === key)) return i;
    }
  }

  /** The slot holding `key`, or -1. */
  find(key: string): number {
    const i = this.probe(key, keyHash(key));
    return this.meta[2 * i] === 0 ? -1 : i;
  }

  /** The value stored for `key`, or undefined. */
  get(key: string): V | undefined {
    const slot = this.find(key);
    return slot < 0 ? undefined : (this.slots[2 * slot + 1] as V);
  }

  /** Stores `value` for `key` and records the access second beside it. */
  set(key: string, value: V, accessSecond: number): void {
    const h = keyHash(key);
    let i = this.probe(key, h);
    if (this.meta[2 * i] === 0) {
      if (2 * (this.count + 1) > this.mask + 1) {
        this.grow();
        i = this.probe(key, h);
      }
      this.count++;
    }
    this.meta[2 * i] = h;
    this.meta[2 * i + 1] = accessSecond;
    this.slots[2 * i] = key;
    this.slots[2 * i + 1] = value;
  }

  /** Twice the slots; each key moves to the first free slot from its home in the new size. */
  private grow(): void {
    const oldMeta = this.meta;
    const oldSlots = this.slots;
    const size = (this.mask + 1) * 2;
    this.mask = size - 1;
    this.meta = new Int32Array(size * 2);
    this.slots = new Array<string | V | undefined>(size * 2).fill(undefined);
    for (let j = 0; j < oldMeta.length; j += 2) {
      const h = oldMeta[j] as number;
      if (h === 0) continue;
      let i = h & this.mask;
      while (this.meta[2 * i] !== 0) i = (i + 1) & this.mask;
      this.meta[2 * i] = h;
      this.meta[2 * i + 1] = oldMeta[j + 1] as number;
      this.slots[2 * i] = oldSlots[j];
      this.slots[2 * i + 1] = oldSlots[j + 1];
    }
  }

  /** Replaces the value in `slot` (found by `find`) and records the access. */
  replace(slot: number, value: V, accessSecond: number): void {
    this.slots[2 * slot + 1] = value;
    this.meta[2 * slot + 1] = accessSecond;
  }
}
