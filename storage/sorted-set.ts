/**
 * The order of a sorted set: a counted B+tree ordered by (score, member bytes). Redis keeps this
 * order in a skiplist with spans; hashslot keeps the same answers (rank, "the k-th element", "how
 * many elements come before this boundary", all O(log n)) in a shape that suits a JavaScript heap.
 *
 * Why not a skiplist here: in V8 a skiplist node is an object plus an array of forward pointers,
 * an array of spans and a boxed double for the score, so every step of a search touches three or
 * four scattered objects, and a million members cost about 100 bytes each in nodes alone. A
 * B+tree keeps up to 64 entries per leaf in two plain arrays, so a search is a binary search
 * inside a few contiguous arrays. The number arrays (scores, counts) have array helpers of their
 * own: V8 keeps an array's numbers unboxed (8 bytes in place) only while every store site that
 * touches it has seen number arrays alone, and one helper shared with the member arrays made them
 * arrays of pointers to boxed numbers. Unboxed, a comparison reads the score in place rather than
 * through a pointer, and moving scores needs no GC write barrier. Measured together with the two
 * changes marked below (2026-12-07: 400,000 members at one score, inserted in random order, CPU
 * time, 9 alternated rounds on core 0) the median insert went from 1.21 to 1.03 µs; unboxing alone
 * had measured no faster earlier that day (README, issue 19).
 *
 *   inner   counts [3, 4]           max keys [(c,5), (g,9)]
 *            /                        \
 *   leaf   (a,1) (b,3) (c,5)  ⇄  (d,7) (e,8) (f,8) (g,9)       leaves are linked both ways
 *
 * Every inner node records, for each child, how many entries its subtree holds and its largest
 * key. A search for a key goes to the first child whose largest key is not before it; summing the
 * counts of the children passed on the way gives the key's rank. The k-th element is found by
 * walking down the counts. Ranges are phrased as one primitive, `countBefore(pred)`: the number of
 * leading elements for which a monotone predicate holds, e.g. countBefore(score < min) is the rank
 * where the score range [min, ...] starts. Reading a range is then `slice(from, to)`, a descent to
 * `from` and a walk along the leaves, O(log n + output).
 *
 * A node splits in two when it fills; one that falls under a quarter full is merged into a
 * neighbour when they fit together, and an emptied node leaves its parent, so the tree stays
 * about log64(n) deep and its leaves mostly full.
 *
 * The member → score map lives beside this index (storage/values.ts SortedSetValue); this module
 * only keeps order. Members compare byte-wise: they are latin1 strings (one char per byte), for
 * which JavaScript's string comparison is byte order.
 */
import type { ByteString } from './bytes';

/** Entries per node before it splits. */
const CAPACITY = 64;
/** A node with fewer entries than this after a removal tries to merge with a neighbour. */
const MERGE_BELOW = CAPACITY / 4;

/** One element of the order, as read out (a fresh object: the tree does not keep these). */
export interface OrderEntry {
  readonly member: ByteString;
  readonly score: number;
}

/** Whether (scoreA, memberA) orders before (scoreB, memberB). */
export function entryBefore(scoreA: number, memberA: ByteString, scoreB: number, memberB: ByteString): boolean {
  return scoreA < scoreB || (scoreA === scoreB && memberA < memberB);
}

class Leaf {
  readonly isLeaf = true;
  scores: number[] = [];
  members: ByteString[] = [];
  prev: Leaf | null = null;
  next: Leaf | null = null;

  get size(): number {
    return this.scores.length;
  }
}

class Inner {
  readonly isLeaf = false;
  children: TreeNode[] = [];
  /** Entries under each child. */
  counts: number[] = [];
  /** Each child's largest key. */
  maxScores: number[] = [];
  maxMembers: ByteString[] = [];
  /** Entries under this node. */
  size = 0;
}

type TreeNode = Leaf | Inner;

/** The index of the first of n (score, member) keys that is not before (score, member). */
function firstNotBefore(scores: number[], members: ByteString[], score: number, member: ByteString): number {
  let lo = 0;
  let hi = scores.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entryBefore(scores[mid] as number, members[mid] as ByteString, score, member)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the first key for which the monotone `before` fails. */
function firstFailing(scores: number[], members: ByteString[], before: (score: number, member: ByteString) => boolean): number {
  let lo = 0;
  let hi = scores.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(scores[mid] as number, members[mid] as ByteString)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// splice moves the entries after `index` in one native memmove; a JavaScript loop moving them
// one by one pays a write barrier per pointer moved, about twice the time for a 64-entry node.
// Each helper comes twice, once for the pointer arrays (members, children) and once for the
// number arrays (scores, counts), so that V8 keeps the latter unboxed (see the top).
function insertAt<T>(array: T[], index: number, value: T): void {
  if (index === array.length) array.push(value);
  else array.splice(index, 0, value);
}

// Numbers move with a loop (measured with the unboxing, see the top): they need no write
// barrier, and splice would also allocate the (empty) array of removed elements it returns.
function insertNumberAt(array: number[], index: number, value: number): void {
  let j = array.length;
  array.push(value);
  for (; j > index; j--) array[j] = array[j - 1] as number;
  array[index] = value;
}

function removeAt<T>(array: T[], index: number): void {
  if (index === array.length - 1) array.pop();
  else array.splice(index, 1);
}

function removeNumberAt(array: number[], index: number): void {
  if (index === array.length - 1) array.pop();
  else array.splice(index, 1);
}

/** Moves the entries from `index` on out of `from` to the end of `to`. */
function moveTail<T>(from: T[], index: number, to: T[]): void {
  for (let i = index; i < from.length; i++) to.push(from[i] as T);
  from.length = index;
}

function moveNumberTail(from: number[], index: number, to: number[]): void {
  for (let i = index; i < from.length; i++) to.push(from[i] as number);
  from.length = index;
}

function sizeOf(node: TreeNode): number {
  return node.size;
}

function maxScoreOf(node: TreeNode): number {
  return (node.isLeaf ? node.scores[node.scores.length - 1] : node.maxScores[node.maxScores.length - 1]) as number;
}

function maxMemberOf(node: TreeNode): ByteString {
  return (node.isLeaf ? node.members[node.members.length - 1] : node.maxMembers[node.maxMembers.length - 1]) as ByteString;
}

function entryCount(node: TreeNode): number {
  return node.isLeaf ? node.scores.length : node.children.length;
}

/** Refreshes what `parent` records about its child at `index` (count and largest key). */
function refreshChild(parent: Inner, index: number): void {
  const child = parent.children[index] as TreeNode;
  parent.counts[index] = sizeOf(child);
  parent.maxScores[index] = maxScoreOf(child);
  parent.maxMembers[index] = maxMemberOf(child);
}

function insertChild(parent: Inner, index: number, child: TreeNode): void {
  insertAt(parent.children, index, child);
  insertNumberAt(parent.counts, index, sizeOf(child));
  insertNumberAt(parent.maxScores, index, maxScoreOf(child));
  insertAt(parent.maxMembers, index, maxMemberOf(child));
}

function removeChild(parent: Inner, index: number): void {
  removeAt(parent.children, index);
  removeNumberAt(parent.counts, index);
  removeNumberAt(parent.maxScores, index);
  removeAt(parent.maxMembers, index);
}

/** Splits a full node in two; the returned right half goes after it in the parent. */
function split(node: TreeNode): TreeNode {
  const half = entryCount(node) >>> 1;
  if (node.isLeaf) {
    const right = new Leaf();
    moveNumberTail(node.scores, half, right.scores);
    moveTail(node.members, half, right.members);
    right.next = node.next;
    if (right.next !== null) right.next.prev = right;
    right.prev = node;
    node.next = right;
    return right;
  }
  const right = new Inner();
  moveTail(node.children, half, right.children);
  moveNumberTail(node.counts, half, right.counts);
  moveNumberTail(node.maxScores, half, right.maxScores);
  moveTail(node.maxMembers, half, right.maxMembers);
  for (const c of right.counts) right.size += c;
  node.size -= right.size;
  return right;
}

/** Appends `right`'s entries to `left` (its neighbour on the left); `right` is then empty. */
function mergeInto(left: TreeNode, right: TreeNode): void {
  if (left.isLeaf && right.isLeaf) {
    moveNumberTail(right.scores, 0, left.scores);
    moveTail(right.members, 0, left.members);
    left.next = right.next;
    if (left.next !== null) left.next.prev = left;
    return;
  }
  if (!left.isLeaf && !right.isLeaf) {
    moveTail(right.children, 0, left.children);
    moveNumberTail(right.counts, 0, left.counts);
    moveNumberTail(right.maxScores, 0, left.maxScores);
    moveTail(right.maxMembers, 0, left.maxMembers);
    left.size += right.size;
    right.size = 0;
  }
}

export class SortedSetIndex {
  private root: TreeNode = new Leaf();
  private head: Leaf = this.root as Leaf;
  private tail: Leaf = this.root as Leaf;

  get length(): number {
    return sizeOf(this.root);
  }

  /** Adds an entry; the caller guarantees the member is not already present. */
  insert(member: ByteString, score: number): void {
    const right = this.insertIn(this.root, score, member);
    if (right === null) return;
    const root = new Inner();
    root.size = sizeOf(this.root) + sizeOf(right);
    insertChild(root, 0, this.root);
    insertChild(root, 1, right);
    this.root = root;
  }

  /** Inserts under `node`; returns the new right sibling when `node` had to split. */
  private insertIn(node: TreeNode, score: number, member: ByteString): TreeNode | null {
    if (node.isLeaf) {
      const at = firstNotBefore(node.scores, node.members, score, member);
      insertNumberAt(node.scores, at, score);
      insertAt(node.members, at, member);
      if (node.scores.length < CAPACITY) return null;
      const right = split(node);
      if (this.tail === node) this.tail = right as Leaf;
      return right;
    }
    let i = firstNotBefore(node.maxScores, node.maxMembers, score, member);
    const pastEveryKey = i === node.children.length;
    if (pastEveryKey) i--; // the last child grows
    const child = node.children[i] as TreeNode;
    const right = this.insertIn(child, score, member);
    node.size++;
    if (right === null) {
      // The child holds one more entry; its largest key changed only if the new key is past
      // every key. (Measured with the unboxing: writing the largest key back regardless cost
      // a read of the child's arrays and a write barrier at every level.)
      node.counts[i] = (node.counts[i] as number) + 1;
      if (pastEveryKey) {
        node.maxScores[i] = score;
        node.maxMembers[i] = member;
      }
      return null;
    }
    refreshChild(node, i);
    insertChild(node, i + 1, right);
    return node.children.length < CAPACITY ? null : split(node);
  }

  /** Removes the entry (member, score); false when it is not there. */
  delete(member: ByteString, score: number): boolean {
    if (!this.deleteIn(this.root, score, member)) return false;
    if (this.length === 0) {
      this.root = this.head = this.tail = new Leaf();
      return true;
    }
    // A root left with one child hands the tree to that child.
    while (!this.root.isLeaf && this.root.children.length === 1) this.root = this.root.children[0] as TreeNode;
    if (this.root.isLeaf) this.head = this.tail = this.root;
    return true;
  }

  private deleteIn(node: TreeNode, score: number, member: ByteString): boolean {
    if (node.isLeaf) {
      const at = firstNotBefore(node.scores, node.members, score, member);
      if (at === node.scores.length || node.scores[at] !== score || node.members[at] !== member) return false;
      removeNumberAt(node.scores, at);
      removeAt(node.members, at);
      return true;
    }
    const i = firstNotBefore(node.maxScores, node.maxMembers, score, member);
    if (i === node.children.length) return false;
    const child = node.children[i] as TreeNode;
    if (!this.deleteIn(child, score, member)) return false;
    node.size--;
    if (entryCount(child) === 0) {
      this.unlinkLeaf(child);
      removeChild(node, i);
    } else {
      refreshChild(node, i);
      if (entryCount(child) < MERGE_BELOW) this.mergeNeighbours(node, i);
    }
    return true;
  }

  /** Merges the child at `i` with a neighbour in the same parent when both fit in one node. */
  private mergeNeighbours(parent: Inner, i: number): void {
    const child = parent.children[i] as TreeNode;
    let left = i;
    if (i + 1 < parent.children.length && entryCount(child) + entryCount(parent.children[i + 1] as TreeNode) < CAPACITY) left = i;
    else if (i > 0 && entryCount(child) + entryCount(parent.children[i - 1] as TreeNode) < CAPACITY) left = i - 1;
    else return;
    const into = parent.children[left] as TreeNode;
    const from = parent.children[left + 1] as TreeNode;
    if (this.tail === from) this.tail = into as Leaf;
    mergeInto(into, from);
    removeChild(parent, left + 1);
    refreshChild(parent, left);
  }

  /** Takes an emptied leaf out of the chain of leaves. */
  private unlinkLeaf(node: TreeNode): void {
    if (!node.isLeaf) return;
    if (node.prev !== null) node.prev.next = node.next;
    else if (node.next !== null) this.head = node.next;
    if (node.next !== null) node.next.prev = node.prev;
    else if (node.prev !== null) this.tail = node.prev;
  }

  /**
   * How many leading elements satisfy `before`, a predicate that holds for a prefix of the order
   * and fails for the rest (e.g. "score < 5").
   */
  countBefore(before: (score: number, member: ByteString) => boolean): number {
    let node = this.root;
    let passed = 0;
    while (!node.isLeaf) {
      const i = firstFailing(node.maxScores, node.maxMembers, before);
      for (let k = 0; k < i; k++) passed += node.counts[k] as number;
      if (i === node.children.length) return passed;
      node = node.children[i] as TreeNode;
    }
    return passed + firstFailing(node.scores, node.members, before);
  }

  /** The 0-based rank of an entry known to be present. */
  rankOf(member: ByteString, score: number): number {
    let node = this.root;
    let passed = 0;
    while (!node.isLeaf) {
      const i = firstNotBefore(node.maxScores, node.maxMembers, score, member);
      for (let k = 0; k < i; k++) passed += node.counts[k] as number;
      if (i === node.children.length) return passed;
      node = node.children[i] as TreeNode;
    }
    return passed + firstNotBefore(node.scores, node.members, score, member);
  }

  /** The leaf holding the element of a 0-based rank in range, and its index there. */
  private seek(rank: number): [Leaf, number] {
    let node = this.root;
    let left = rank;
    while (!node.isLeaf) {
      let i = 0;
      while (left >= (node.counts[i] as number)) left -= node.counts[i++] as number;
      node = node.children[i] as TreeNode;
    }
    return [node, left];
  }

  /** The element at a 0-based rank, null when out of range. */
  at(rank: number): OrderEntry | null {
    if (rank < 0 || rank >= this.length) return null;
    const [leaf, i] = this.seek(rank);
    return { member: leaf.members[i] as ByteString, score: leaf.scores[i] as number };
  }

  /**
   * The elements of ranks from..to (inclusive, clamped to the set), ascending, or from `to` down
   * to `from` with `reverse`.
   */
  slice(from: number, to: number, reverse = false): OrderEntry[] {
    const out: OrderEntry[] = [];
    const first = Math.max(0, from);
    const last = Math.min(to, this.length - 1);
    if (first > last) return out;
    let [leaf, i] = this.seek(first) as [Leaf | null, number];
    for (let left = last - first + 1; left > 0 && leaf !== null; leaf = leaf.next, i = 0) {
      const { scores, members } = leaf;
      for (; i < scores.length && left > 0; i++, left--) out.push({ member: members[i] as ByteString, score: scores[i] as number });
    }
    if (reverse) out.reverse();
    return out;
  }

  /**
   * Calls `visit` for the elements of ranks from..to (inclusive, clamped to the set), ascending,
   * until it returns false: slice without an entry object per element, for hot loops that read a
   * range once (a geo search reads every member of its cells).
   */
  visitRange(from: number, to: number, visit: (member: ByteString, score: number) => boolean): void {
    const first = Math.max(0, from);
    const last = Math.min(to, this.length - 1);
    if (first > last) return;
    let [leaf, i] = this.seek(first) as [Leaf | null, number];
    for (let left = last - first + 1; left > 0 && leaf !== null; leaf = leaf.next, i = 0) {
      const { scores, members } = leaf;
      for (; i < scores.length && left > 0; i++, left--) if (!visit(members[i] as ByteString, scores[i] as number)) return;
    }
  }

  first(): OrderEntry | null {
    return this.length === 0 ? null : { member: this.head.members[0] as ByteString, score: this.head.scores[0] as number };
  }

  last(): OrderEntry | null {
    const n = this.tail.scores.length;
    return n === 0 ? null : { member: this.tail.members[n - 1] as ByteString, score: this.tail.scores[n - 1] as number };
  }

  /** Every element in ascending order. */
  *entries(): IterableIterator<OrderEntry> {
    for (let leaf: Leaf | null = this.head; leaf !== null; leaf = leaf.next) {
      const { scores, members } = leaf;
      for (let i = 0; i < scores.length; i++) yield { member: members[i] as ByteString, score: scores[i] as number };
    }
  }
}
