/**
 * SWAP POINT: how SORT reads a sorted set until the sorted-set type has its own ordered index.
 *
 * SORT needs a sorted set's members in (score, member) order only for "BY <constant>" (no
 * sorting: the set's own order, ranged by LIMIT); every other SORT re-sorts the members anyway.
 * Today a SortedSetValue is only a member → score map, so the order is derived here by sorting
 * (O(n log n) per call). When the ordered structure lands, replace the body of
 * zsetMembersInScoreOrder with a walk of it (and ranged access for LIMIT); nothing else in SORT
 * depends on the representation.
 */
import { compareBytes, type ByteString } from '../../storage/bytes';
import { markConverted } from '../../storage/encodings';
import type { SortedSetValue } from '../../storage/values';

/** The members in ascending (score, member bytes) order, as ZRANGE lists them. */
export function zsetMembersInScoreOrder(value: SortedSetValue): ByteString[] {
  const entries = [...value.scores];
  entries.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : compareBytes(a[0], b[0])));
  return entries.map(([member]) => member);
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
