/**
 * Finding a key's table slot: an open-addressing hash table of 32-bit integers.
 *
 * KeyTable (key-table.ts) keeps each key's value, key and access word in arrays indexed by slot;
 * this index answers "which slot holds this key?". It is one Int32Array of positions, two
 * integers each: the key's hash and its slot. A key is looked for from the position its hash
 * names, moving on one position at a time (linear probing) until its hash and key match, or an
 * empty position (hash 0) says it is absent:
 *
 *   key "user:7", hash 0x5d2f_e931, 8 positions (mask 7): home = hash & 7 = 1
 *
 *   position   0        1            2            3        ...
 *   hash       0        0x2a7c_1009  0x5d2f_e931  0        ...
 *   slot       -        12           40           -
 *                       ^ home: another hash, go on
 *                                    ^ same hash: compare keys[40] with "user:7": found
 *                       (had position 2 been empty, the key would be absent)
 *
 * Why not a JavaScript Map: a Map of a million string keys costs three or four cache misses a
 * lookup. Its buckets hold chains of entries elsewhere in memory, and every entry on the chain
 * sends the comparison to the stored key string, a third place, even when the keys differ.
 * Here the probe reads one line of the Int32Array, and the hash kept beside the slot rules out
 * the other keys without reading them: an absent key costs one cache miss, a present one the
 * miss of the position, of its keys-array line and of its string. Under eviction, where each SET
 * adds a key and deletes another, the Map's lookups and deletes were a third of the server's
 * time (README, "AOF, eviction").
 *
 * The hash is computed here, in JavaScript (V8 keeps its own string hashes to itself): FNV-1a
 * over the key's chars from a seed, finished with MurmurHash3's mixer so that
 * the low bits that pick the position depend on every char (keys that differ only in their last
 * digit land far apart). A hash of 0 is made 1, since 0 marks an empty position. A command
 * often looks its key up more than once (a SET's lookup, then its insert), and V8 would hash a
 * string once and keep the hash in it; here the last key's hash is remembered instead, so the
 * second lookup costs a comparison of the two strings (the same object, usually), not a hash.
 *
 * The table is kept at most half full (it doubles beyond) and at least an eighth full (it halves
 * below, down to its initial 8 positions), so an absent key is found absent within a few
 * positions, nearly always on the line the probe started on. A delete moves later entries of the
 * same run back into the gap (backward-shift deletion), so no "deleted" markers accumulate and
 * lookups never slow with churn. Each slot's hash is kept by slot as well, so a delete or a
 * resize never reads a key string again.
 */
import type { ByteString } from './bytes';

/** Positions of a new or fully shrunk index. */
const MIN_POSITIONS = 8;
/**
 * The tables' slots are kept in chunks of 2^CHUNK_BITS (KeyTable, MemberScores): slot s is
 * element (s & CHUNK_MASK) of chunk (s >>> CHUNK_BITS). The slot hashes here are chunked alike.
 */
export const CHUNK_BITS = 10;
export const CHUNK_SLOTS = 1 << CHUNK_BITS;
export const CHUNK_MASK = CHUNK_SLOTS - 1;
/** Slot hashes the first chunk starts with. */
const MIN_FIRST_CHUNK = 16;

/** The index's 32-bit hash of a key (never 0). */
export function keyHash(key: ByteString, seed: number): number {
  let h = (0x811c9dc5 ^ seed ^ key.length) | 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h === 0 ? 1 : h;
}

export class KeyIndex {
  /** Two integers per position: the hash (0: empty) and the slot. */
  private entries = new Int32Array(2 * MIN_POSITIONS);
  /** Positions - 1 (a power of two less one): a hash's home position is `hash & mask`. */
  private mask = MIN_POSITIONS - 1;
  private count = 0;
  /** Each slot's hash, in chunks by slot number. */
  private readonly slotHashes: Int32Array[] = [];
  /** The key hashed last, and its hash. */
  private lastKey = '';
  private lastHash: number;

  /**
   * `keys` is the table's key-by-slot chunks (read to confirm a hash match), shared, not copied;
   * `seed` varies the hash. It comes from the node's seed (KeyspaceContext.hashSeed), so where
   * the keys land, and with it RANDOMKEY's picks, replays with a seeded run, and differs between
   * unseeded runs as Redis's randomly seeded hash does.
   */
  constructor(
    private readonly keys: ReadonlyArray<ReadonlyArray<ByteString | undefined>>,
    private readonly seed: number,
  ) {
    this.lastHash = keyHash('', seed);
  }

  get size(): number {
    return this.count;
  }

  /** Positions in the table: the walk of `slotAtPosition` goes over 0..positions-1. */
  get positions(): number {
    return this.mask + 1;
  }

  /** The slot holding `key`, or -1. */
  find(key: ByteString): number {
    const hash = this.hashOf(key);
    const { entries, mask, keys } = this;
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const stored = entries[2 * at] as number;
      if (stored === 0) return -1;
      if (stored === hash) {
        const slot = entries[2 * at + 1] as number;
        if ((keys[slot >>> CHUNK_BITS] as ReadonlyArray<ByteString | undefined>)[slot & CHUNK_MASK] === key) return slot;
      }
    }
  }

  /** Adds a key that is absent, held in `slot` (already written to the keys). */
  insert(key: ByteString, slot: number): void {
    if (2 * (this.count + 1) > this.mask + 1) this.resize(2 * (this.mask + 1));
    const hash = this.hashOf(key);
    const chunk = slot >>> CHUNK_BITS;
    const at = slot & CHUNK_MASK;
    let hashes = this.slotHashes[chunk];
    if (hashes === undefined || at >= hashes.length) hashes = this.growSlotHashes(chunk, at);
    hashes[at] = hash;
    this.place(hash, slot);
    this.count++;
  }

  /** Removes the key held in `slot` (it must be indexed). */
  remove(slot: number): void {
    const hash = (this.slotHashes[slot >>> CHUNK_BITS] as Int32Array)[slot & CHUNK_MASK] as number;
    const { entries, mask } = this;
    let gap = hash & mask;
    while (entries[2 * gap + 1] !== slot || entries[2 * gap] !== hash) gap = (gap + 1) & mask;
    // Backward shift: each later entry of the run that may sit at the gap (its home is not
    // cyclically after the gap and up to its own position) moves there, leaving a gap behind.
    for (let at = (gap + 1) & mask; ; at = (at + 1) & mask) {
      const moving = entries[2 * at] as number;
      if (moving === 0) break;
      const home = moving & mask;
      const reachable = gap <= at ? home <= gap || home > at : home <= gap && home > at;
      if (!reachable) continue;
      entries[2 * gap] = moving;
      entries[2 * gap + 1] = entries[2 * at + 1] as number;
      gap = at;
    }
    entries[2 * gap] = 0;
    entries[2 * gap + 1] = 0;
    this.count--;
    if (8 * this.count < this.mask + 1 && this.mask + 1 > MIN_POSITIONS) this.resize((this.mask + 1) / 2);
  }

  /** The slot at a position, or -1 when the position is empty (for walks at random: RANDOMKEY). */
  slotAtPosition(position: number): number {
    return this.entries[2 * position] === 0 ? -1 : (this.entries[2 * position + 1] as number);
  }

  /**
   * The slot-hash chunk `chunk`, long enough for index `at`. The first chunk starts at 16 slots
   * and doubles, so a small table (a sorted set's members, member-scores.ts) does not pay for
   * 1,024; the later ones are whole from the start.
   */
  private growSlotHashes(chunk: number, at: number): Int32Array {
    const chunks = this.slotHashes;
    while (chunks.length <= chunk) chunks.push(new Int32Array(chunks.length === 0 ? MIN_FIRST_CHUNK : CHUNK_SLOTS));
    let hashes = chunks[chunk] as Int32Array;
    if (at >= hashes.length) {
      let length = hashes.length;
      while (length <= at) length *= 2;
      const grown = new Int32Array(Math.min(length, CHUNK_SLOTS));
      grown.set(hashes);
      chunks[chunk] = hashes = grown;
    }
    return hashes;
  }

  private hashOf(key: ByteString): number {
    if (key === this.lastKey) return this.lastHash;
    const hash = keyHash(key, this.seed);
    this.lastKey = key;
    this.lastHash = hash;
    return hash;
  }

  private place(hash: number, slot: number): void {
    const { entries, mask } = this;
    let at = hash & mask;
    while (entries[2 * at] !== 0) at = (at + 1) & mask;
    entries[2 * at] = hash;
    entries[2 * at + 1] = slot;
  }

  private resize(positions: number): void {
    const old = this.entries;
    this.entries = new Int32Array(2 * positions);
    this.mask = positions - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.place(old[i] as number, old[i + 1] as number);
  }
}
