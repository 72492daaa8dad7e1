/**
 * The order of a sorted set: a skiplist with spans, ordered by (score, member bytes), as Redis's
 * zskiplist. See https://redis.io/docs/data-types/sorted-sets/ and Pugh's "Skip Lists: A
 * Probabilistic Alternative to Balanced Trees".
 *
 * Every node sits on level 0 and, with probability 1/4 per step, on each level above. A forward
 * pointer on level i also records its span: how many level-0 steps it jumps. Summing spans along
 * a search path gives a node's rank, so rank, "the k-th element" and "how many elements come
 * before this boundary" all cost O(log n) expected, with no linear walk:
 *
 *   level 2  head ─────────────── 3 ───────────────▶ (c,5) ───────── 2 ─────────▶ nil
 *   level 1  head ──── 1 ──▶ (a,1) ──── 2 ─────────▶ (c,5) ── 1 ──▶ (d,7) ─ 1 ──▶ nil
 *   level 0  head ─▶ (a,1) ─▶ (b,3) ─▶ (c,5) ─▶ (d,7) ─▶ nil     (and backward pointers)
 *
 * Range queries are phrased as one primitive, `countBefore(pred)`: the number of leading
 * elements for which a monotone predicate holds (all elements before some boundary). The first
 * element of a score range [min, max] has rank countBefore(score < min); its end is
 * countBefore(score <= max); a lex range is the same over members. Reading the elements is then
 * `at(rank)` followed by next/prev steps, so a range costs O(log n + output).
 *
 * The member → score map lives beside this index (storage/values.ts SortedSetValue); this module
 * only keeps order. Members compare byte-wise: they are latin1 strings (one char per byte), for
 * which JavaScript's string comparison is byte order.
 *
 * Node levels come from a small xorshift generator owned by each index, seeded with a constant:
 * storage draws no ambient randomness, and the shape only affects speed, never results.
 */
import type { ByteString } from './bytes';

const MAX_LEVEL = 32;
/** 1/4 chance per level, as Redis's ZSKIPLIST_P: the low 31 bits of the draw below 2^29. */
const LEVEL_UP_BELOW = 0x20000000;

export interface SkipNode {
  readonly member: ByteString;
  readonly score: number;
  /** The previous node on level 0, null for the first element. */
  backward: SkipNode | null;
  readonly forward: Array<SkipNode | null>;
  readonly span: number[];
}

/** Whether (scoreA, memberA) orders before (scoreB, memberB). */
export function entryBefore(scoreA: number, memberA: ByteString, scoreB: number, memberB: ByteString): boolean {
  return scoreA < scoreB || (scoreA === scoreB && memberA < memberB);
}

function newNode(level: number, member: ByteString, score: number): SkipNode {
  return { member, score, backward: null, forward: new Array<SkipNode | null>(level).fill(null), span: new Array<number>(level).fill(0) };
}

export class SortedSetIndex {
  private readonly head: SkipNode = newNode(MAX_LEVEL, '', -Infinity);
  private tail: SkipNode | null = null;
  private level = 1;
  private count = 0;
  private seed = 0x9e3779b9;
  /** Scratch for insert/delete: the last node before the new one on each level, and its rank. */
  private readonly update = new Array<SkipNode>(MAX_LEVEL).fill(this.head);
  private readonly rank = new Array<number>(MAX_LEVEL).fill(0);

  get length(): number {
    return this.count;
  }

  private randomLevel(): number {
    let level = 1;
    for (;;) {
      // xorshift32
      let x = this.seed;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.seed = x >>> 0;
      if (level >= MAX_LEVEL || (this.seed & 0x7fffffff) >= LEVEL_UP_BELOW) return level;
      level++;
    }
  }

  /** Adds an entry; the caller guarantees the member is not already present. */
  insert(member: ByteString, score: number): void {
    const update = this.update;
    const rank = this.rank;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : (rank[i + 1] as number);
      let next = x.forward[i] ?? null;
      while (next !== null && entryBefore(next.score, next.member, score, member)) {
        rank[i] = (rank[i] as number) + (x.span[i] as number);
        x = next;
        next = x.forward[i] ?? null;
      }
      update[i] = x;
    }
    const level = this.randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.head;
        this.head.span[i] = this.count;
      }
      this.level = level;
    }
    const node = newNode(level, member, score);
    for (let i = 0; i < level; i++) {
      const prev = update[i] as SkipNode;
      node.forward[i] = prev.forward[i] ?? null;
      prev.forward[i] = node;
      const behind = (rank[0] as number) - (rank[i] as number);
      node.span[i] = (prev.span[i] as number) - behind;
      prev.span[i] = behind + 1;
    }
    for (let i = level; i < this.level; i++) (update[i] as SkipNode).span[i] = ((update[i] as SkipNode).span[i] as number) + 1;
    const first = update[0] as SkipNode;
    node.backward = first === this.head ? null : first;
    const after = node.forward[0] ?? null;
    if (after !== null) after.backward = node;
    else this.tail = node;
    this.count++;
  }

  /** Removes the entry (member, score); false when it is not there. */
  delete(member: ByteString, score: number): boolean {
    const update = this.update;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i] ?? null;
      while (next !== null && entryBefore(next.score, next.member, score, member)) {
        x = next;
        next = x.forward[i] ?? null;
      }
      update[i] = x;
    }
    const node = x.forward[0] ?? null;
    if (node === null || node.score !== score || node.member !== member) return false;
    for (let i = 0; i < this.level; i++) {
      const prev = update[i] as SkipNode;
      if (prev.forward[i] === node) {
        prev.span[i] = (prev.span[i] as number) + (node.span[i] as number) - 1;
        prev.forward[i] = node.forward[i] ?? null;
      } else {
        prev.span[i] = (prev.span[i] as number) - 1;
      }
    }
    const after = node.forward[0] ?? null;
    if (after !== null) after.backward = node.backward;
    else this.tail = node.backward;
    while (this.level > 1 && this.head.forward[this.level - 1] === null) this.level--;
    this.count--;
    return true;
  }

  /**
   * How many leading elements satisfy `before`, a predicate that holds for a prefix of the order
   * and fails for the rest (e.g. "score < 5").
   */
  countBefore(before: (node: SkipNode) => boolean): number {
    let x = this.head;
    let passed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i] ?? null;
      while (next !== null && before(next)) {
        passed += x.span[i] as number;
        x = next;
        next = x.forward[i] ?? null;
      }
    }
    return passed;
  }

  /** The 0-based rank of an entry known to be present. */
  rankOf(member: ByteString, score: number): number {
    return this.countBefore((n) => entryBefore(n.score, n.member, score, member));
  }

  /** The element at a 0-based rank, null when out of range. */
  at(rank: number): SkipNode | null {
    if (rank < 0 || rank >= this.count) return null;
    if (rank === this.count - 1) return this.tail;
    const target = rank + 1; // spans count from the head, which is "rank 0" here
    let x = this.head;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i] ?? null;
      while (next !== null && traversed + (x.span[i] as number) <= target) {
        traversed += x.span[i] as number;
        x = next;
        next = x.forward[i] ?? null;
      }
      if (traversed === target) return x;
    }
    return null;
  }

  first(): SkipNode | null {
    return this.head.forward[0] ?? null;
  }

  last(): SkipNode | null {
    return this.tail;
  }

  /** The element after `node` in the order. */
  next(node: SkipNode): SkipNode | null {
    return node.forward[0] ?? null;
  }

  /** The element before `node` in the order. */
  prev(node: SkipNode): SkipNode | null {
    return node.backward;
  }

  /** Every element in ascending order. */
  *entries(): IterableIterator<SkipNode> {
    for (let x = this.first(); x !== null; x = x.forward[0] ?? null) yield x;
  }
}
