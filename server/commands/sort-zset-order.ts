/**
 * How SORT reads a sorted set. SORT needs the (score, member) order only for "BY <constant>" (no
 * sorting: the set's own order, ranged by LIMIT); every other SORT re-sorts the members anyway.
 */
import type { ByteString } from '../../storage/bytes';
import { markConverted } from '../../storage/encodings';
import type { SortedSetValue } from '../../storage/values';

/**
 * The members of ranks start..end (inclusive, 0-based, in range) in ascending (score, member)
 * order, or counted from the highest with `desc`: one O(log n) seek, then a walk.
 */
export function zsetMembersByRank(value: SortedSetValue, start: number, end: number, desc: boolean): ByteString[] {
  const order = value.order;
  const ranks: [number, number] = desc ? [order.length - 1 - end, order.length - 1 - start] : [start, end];
  return order.slice(ranks[0], ranks[1], desc).map((entry) => entry.member);
}

/** The members in the order Redis's member dictionary would list them (any order will do). */
export function zsetMembersUnordered(value: SortedSetValue): ByteString[] {
  return [...value.scores.keys()];
}

/**
 * Redis converts a sorted set it sorts to its big encoding (skiplist) for good, so OBJECT
 * ENCODING answers "skiplist" afterwards even for a small set.
 */
export function convertZsetForSort(value: SortedSetValue): void {
  markConverted(value.scores);
}
