/**
 * A sorted set's member → score table: Redis's zset dict, beside the order (sorted-set.ts).
 *
 * The same layout as the keyspace's KeyTable (key-table.ts), for the same reason. Each member
 * has a slot number; the member and its score sit in arrays indexed by slot, and an index of
 * integers (key-index.ts) finds a member's slot:
 *
 *   index "alice" ─▶ 0     members [ "alice", "bob", undefined, "carol" ]
 *         "bob"   ─▶ 1     scores  [ 12.5,    7,     -,         3     ]
 *         "carol" ─▶ 3                               ╰─ free: the next new member takes it
 *
 * Why not a JavaScript Map: a ZADD of a new member into a large set asks "is it there?" and
 * then stores it, and in a Map of half a million members each of those walks a bucket chain
 * through memory the cache does not hold, reading each chained entry's key string on the way
 * (key-index.ts counts the misses). Under GEOADDs of new members into such a set, V8's Map
 * search alone was 5.5% of the server's samples in `perf`, and 18% of the command's time
 * in-process. Here an absent member costs one cache miss, and the insert that follows reuses the
 * hash. The scores are unboxed doubles, 8 bytes in place, not a pointer to a boxed number each.
 *
 * A set of up to 16 members (LINEAR_MAX) has no index: a lookup compares the member with each
 * one, which for so few is as fast as hashing it, and saves the index's memory.
 *
 * A member keeps its slot while it is in the set, so a ZSCAN cursor is a slot number, and a
 * member present for the whole scan is returned exactly once (scan). A removed member's
 * slot is reused by the next new member, so the arrays do not grow with churn; they are kept in
 * chunks of 1,024 slots, each an array that grows as it fills, so a small set holds small
 * arrays and a big one never copies more than a chunk to grow.
 *
 * Iteration (keys, entries, for...of) goes in slot order, an order of no meaning, as the
 * dict's is: every reply that has an order takes it from the sorted order instead.
 */
import type { ByteString } from './bytes';
import { CHUNK_BITS, CHUNK_MASK, KeyIndex } from './key-index';
import { scanSlotChunks, SlotOccupancy } from './slot-occupancy';

/**
 * The members' hash seed, one per process. It decides only where members sit in the index, never
 * an order anyone sees (that is the slots'), so it need not replay with the node's seed; it is
 * random so that members cannot be chosen in advance to collide.
 */
const MEMBER_HASH_SEED = (Math.random() * 2 ** 32) | 0;

/**
 * Up to this many members a lookup compares the member with each one in turn (as Redis's
 * listpack is searched) and there is no index: with one, a 5-member sorted set took 2,122 bytes
 * of heap instead of 1,152 (a V8 Map in its place: 833).
 */
const LINEAR_MAX = 16;

export class MemberScores implements Iterable<[ByteString, number]> {
  /** The member in each slot, in chunks; undefined for a free one. (Literals: room for one chunk.) */
  private readonly members: Array<Array<ByteString | undefined>> = [[]];
  private readonly scoreChunks: number[][] = [[]];
  /** Finds a member's slot once the set has grown past LINEAR_MAX; null until then. */
  private index: KeyIndex | null = null;
  /** Which slots hold a member, kept with the index (slot-occupancy.ts); null until then. */
  private occupancy: SlotOccupancy | null = null;
  private count = 0;
  /** Slots handed out so far, free ones included. */
  private used = 0;
  private readonly free: number[] = [];

  /** A table holding `entries` (a member given twice keeps its last score). */
  constructor(entries?: Iterable<readonly [ByteString, number]>) {
    if (entries !== undefined) for (const [member, score] of entries) this.set(member, score);
  }

  get size(): number {
    return this.count;
  }

  /** The member's score, or undefined when it is not in the set. */
  get(member: ByteString): number | undefined {
    const slot = this.slotOf(member);
    return slot < 0 ? undefined : this.scoreAt(slot);
  }

  has(member: ByteString): boolean {
    return this.slotOf(member) >= 0;
  }

  /** Sets a member's score, adding the member when it is absent. */
  set(member: ByteString, score: number): void {
    const slot = this.slotOf(member);
    if (slot < 0) this.addNew(member, score);
    else (this.scoreChunks[slot >>> CHUNK_BITS] as number[])[slot & CHUNK_MASK] = score;
  }

  /** Adds a member the caller has just found absent (get said undefined): no second search. */
  addNew(member: ByteString, score: number): void {
    const reused = this.free.pop();
    const slot = reused ?? this.used++;
    const chunk = slot >>> CHUNK_BITS;
    const at = slot & CHUNK_MASK;
    if (chunk === this.members.length) {
      this.members.push([]);
      this.scoreChunks.push([]);
    }
    const members = this.members[chunk] as Array<ByteString | undefined>;
    const scores = this.scoreChunks[chunk] as number[];
    // A fresh slot is the chunk's next element: push keeps the arrays packed (and the scores unboxed).
    if (reused === undefined) {
      members.push(member);
      scores.push(score);
    } else {
      members[at] = member;
      scores[at] = score;
    }
    this.count++;
    if (this.index !== null) {
      this.index.insert(member, slot);
      this.occupancy?.mark(slot);
    } else if (this.count > LINEAR_MAX) {
      this.buildIndex();
    }
  }

  /** Removes a member; false when it was not in the set. */
  delete(member: ByteString): boolean {
    const slot = this.slotOf(member);
    if (slot < 0) return false;
    this.index?.remove(slot);
    this.occupancy?.unmark(slot);
    (this.members[slot >>> CHUNK_BITS] as Array<ByteString | undefined>)[slot & CHUNK_MASK] = undefined;
    this.free.push(slot);
    this.count--;
    return true;
  }

  /**
   * One ZSCAN step: about `count` members from the cursor (a slot number, as SCAN's is), and the
   * cursor to continue from, 0 when the walk is complete. Free slots are jumped over, so a call
   * goes on until it has `count` members or reaches the end.
   */
  scan(cursor: bigint, count: number): [bigint, ByteString[]] {
    const end = this.used;
    const out: ByteString[] = [];
    const next = scanSlotChunks(this.members, this.occupancy, end, cursor > BigInt(end) ? end : Number(cursor), count, out);
    return [next >= end ? 0n : BigInt(next), out];
  }

  *keys(): IterableIterator<ByteString> {
    for (let slot = this.nextSlot(0); slot < this.used; slot = this.nextSlot(slot + 1)) {
      const member = this.memberAt(slot);
      if (member !== undefined) yield member;
    }
  }

  *entries(): IterableIterator<[ByteString, number]> {
    for (let slot = this.nextSlot(0); slot < this.used; slot = this.nextSlot(slot + 1)) {
      const member = this.memberAt(slot);
      if (member !== undefined) yield [member, this.scoreAt(slot)];
    }
  }

  /** The next slot from `from` that may hold a member: the next used one, once there is an index. */
  private nextSlot(from: number): number {
    return this.occupancy === null ? from : this.occupancy.next(from, this.used);
  }

  [Symbol.iterator](): IterableIterator<[ByteString, number]> {
    return this.entries();
  }

  /** The member's slot, or -1: through the index, or by comparing the few members there are. */
  private slotOf(member: ByteString): number {
    if (this.index !== null) return this.index.find(member);
    // Without an index every slot is in the first chunk (LINEAR_MAX is far below a chunk).
    const members = this.members[0] as Array<ByteString | undefined>;
    for (let slot = 0; slot < this.used; slot++) if (members[slot] === member) return slot;
    return -1;
  }

  private buildIndex(): void {
    const index = new KeyIndex(this.members, MEMBER_HASH_SEED);
    const occupancy = new SlotOccupancy();
    for (let slot = 0; slot < this.used; slot++) {
      const member = this.memberAt(slot);
      if (member === undefined) continue;
      index.insert(member, slot);
      occupancy.mark(slot);
    }
    this.index = index;
    this.occupancy = occupancy;
  }

  private memberAt(slot: number): ByteString | undefined {
    return (this.members[slot >>> CHUNK_BITS] as Array<ByteString | undefined>)[slot & CHUNK_MASK];
  }

  private scoreAt(slot: number): number {
    return (this.scoreChunks[slot >>> CHUNK_BITS] as number[])[slot & CHUNK_MASK] as number;
  }
}
