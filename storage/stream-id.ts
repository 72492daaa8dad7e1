/**
 * Stream entry IDs: a pair of unsigned 64-bit numbers, `<ms>-<seq>`, ordered by ms then seq.
 *
 * Both halves use the whole 64-bit range (XADD 18446744073709551615-18446744073709551615 is a
 * valid, if final, ID), which a double cannot hold. An ID is therefore one bigint, `ms << 64 | seq`:
 * comparing two IDs is comparing two bigints, and "the next ID" is `id + 1` with the carry from
 * seq into ms happening by itself (Redis's streamIncrID). The halves are split out only to print
 * them or to compute a listpack's deltas.
 */

export type StreamId = bigint;

export const U64_MAX = (1n << 64n) - 1n;
/** 0-0: below every entry; the last ID of a fresh stream. */
export const ID_ZERO: StreamId = 0n;
/** 18446744073709551615-18446744073709551615: the largest ID there is. */
export const ID_MAX: StreamId = (1n << 128n) - 1n;

export function makeId(ms: bigint, seq: bigint): StreamId {
  return (ms << 64n) | seq;
}

export function idMs(id: StreamId): bigint {
  return id >> 64n;
}

export function idSeq(id: StreamId): bigint {
  return id & U64_MAX;
}

/** "ms-seq", as every reply prints an ID. */
export function formatId(id: StreamId): string {
  return `${id >> 64n}-${id & U64_MAX}`;
}

/** The ID right after `id`, or null past the last one (streamIncrID's error). */
export function nextId(id: StreamId): StreamId | null {
  return id === ID_MAX ? null : id + 1n;
}

/** The ID right before `id`, or null before 0-0 (streamDecrID's error). */
export function previousId(id: StreamId): StreamId | null {
  return id === ID_ZERO ? null : id - 1n;
}

/** Index of the first of the ascending `ids` that is >= id (ids.length if none): a binary search. */
export function lowerBoundId(ids: readonly StreamId[], id: StreamId): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ids[mid] as StreamId) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
