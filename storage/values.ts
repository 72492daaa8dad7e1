/**
 * What a key can hold. A string value is stored as the byte string itself (no wrapper object),
 * which keeps the most common case as small as it can be; every other type is an object that
 * names its type in `kind`.
 *
 * The containers are the plain shapes snapshots (RDB, DUMP/RESTORE) and replication need to
 * carry every type; the data-type commands build on them and may give them richer indexes
 * (a sorted-set order, listpack-style encodings) without changing what they hold.
 */
import Denque from 'denque';
import type { ByteString } from './bytes';
import { LISTPACK_MAX_VALUE, markConverted, wasConverted, ZSET_MAX_LISTPACK_ENTRIES } from './encodings';
import { DEFAULT_QUICKLIST_SHAPE, type QuicklistShape } from './quicklist-shape';
import { MemberScores } from './member-scores';
import { SortedSetIndex } from './sorted-set';
import { StreamValue } from './stream';
import { cloneStream } from './stream-clone';

export class ListValue {
  readonly kind = 'list';
  constructor(
    readonly items: Denque<ByteString> = new Denque<ByteString>(),
    /** The settings Redis would have built its quicklist with (quicklist-shape.ts). */
    public shape: QuicklistShape = DEFAULT_QUICKLIST_SHAPE,
  ) {}
}

export class HashValue {
  readonly kind = 'hash';
  constructor(readonly fields: Map<ByteString, ByteString> = new Map()) {}
}

export class SetValue {
  readonly kind = 'set';
  constructor(readonly members: Set<ByteString> = new Set()) {}
}

/**
 * Member → score, plus the order by (score, member bytes) in a skiplist (sorted-set.ts). Change
 * it only through `add`/`remove`, which keep the two in step and note when Redis would have
 * converted the value to its skiplist encoding (more than 128 members, or one over 64 bytes;
 * never converted back). Scores are never NaN.
 */
export class SortedSetValue {
  readonly kind = 'zset';
  readonly order = new SortedSetIndex();
  readonly scores = new MemberScores();

  /**
   * A set holding `entries` (distinct members); `converted` starts it in the skiplist encoding
   * (a copy of a converted set, as Redis's duplicate keeps the encoding).
   */
  constructor(entries: Iterable<readonly [ByteString, number]> = [], converted = false) {
    if (converted) markConverted(this.scores);
    const pairs = Array.isArray(entries) ? (entries as ReadonlyArray<readonly [ByteString, number]>) : [...entries];
    // The encoding is decided by the whole set, before any score is stored (-0 depends on it).
    for (const [member] of pairs) this.noteSize(member, pairs.length);
    for (const [member, score] of pairs) this.add(member, score);
  }

  get size(): number {
    return this.scores.size;
  }

  /** Sets a member's score: 'added' for a new member, 'updated' or 'same' for an existing one. */
  add(member: ByteString, score: number): 'added' | 'updated' | 'same' {
    const old = this.scores.get(member);
    if (old === undefined) {
      this.addNew(member, score);
      return 'added';
    }
    const kept = this.storedScore(score);
    if (old === kept) return 'same';
    this.order.delete(member, old);
    this.scores.set(member, kept);
    this.order.insert(member, kept);
    return 'updated';
  }

  /** Adds a member the caller has just found missing (ZADD's common case: one lookup, not two). */
  addNew(member: ByteString, score: number): void {
    this.noteSize(member, this.scores.size + 1);
    const kept = this.storedScore(score);
    this.scores.addNew(member, kept);
    this.order.insert(member, kept);
  }

  remove(member: ByteString): boolean {
    const old = this.scores.get(member);
    if (old === undefined) return false;
    this.scores.delete(member);
    this.order.delete(member, old);
    return true;
  }

  /** Notes Redis's conversion when `member` makes the set `sizeWith` members long. */
  private noteSize(member: ByteString, sizeWith: number): void {
    if (sizeWith > ZSET_MAX_LISTPACK_ENTRIES || member.length > LISTPACK_MAX_VALUE) markConverted(this.scores);
  }

  /**
   * -0 is kept only in the skiplist encoding: Redis's listpack stores a score as text, and "-0"
   * reads back as the integer 0.
   */
  private storedScore(score: number): number {
    return score === 0 && !wasConverted(this.scores) ? 0 : score;
  }
}

export type ContainerValue = ListValue | HashValue | SetValue | SortedSetValue | StreamValue;
export type StoredValue = ByteString | ContainerValue;
export type TypeName = 'string' | ContainerValue['kind'];

/** The name TYPE and SCAN ... TYPE use for a value. */
export function typeName(value: StoredValue): TypeName {
  return typeof value === 'string' ? 'string' : value.kind;
}

/** An independent copy (COPY, point-in-time snapshots): strings are immutable and shared. */
export function cloneValue(value: StoredValue): StoredValue {
  if (typeof value === 'string') return value;
  switch (value.kind) {
    case 'list':
      return new ListValue(new Denque(value.items.toArray()), value.shape);
    case 'hash':
      return new HashValue(keepEncoding(value.fields, new Map(value.fields)));
    case 'set':
      return new SetValue(keepEncoding(value.members, new Set(value.members)));
    case 'zset':
      return new SortedSetValue(value.scores, wasConverted(value.scores));
    case 'stream':
      return cloneStream(value);
  }
}

/** A copy has its original's encoding, as Redis's object duplication keeps it. */
function keepEncoding<T extends object>(original: object, copy: T): T {
  if (wasConverted(original)) markConverted(copy);
  return copy;
}
