/**
 * Cursor iteration over one Set or Map, the mechanism behind HSCAN and SSCAN (their arguments
 * are read in server/commands/scan-args.ts; this file knows nothing of clients).
 *
 * Redis answers a small container (a listpack hash, an intset set) in one call: every element,
 * cursor 0, whatever COUNT says, because such encodings have no buckets to resume from. We do
 * the same whenever Redis would hold the value in one of those encodings (storage/encodings.ts),
 * so replies for small containers match Redis byte for byte, order included.
 *
 * A larger container is walked so (the keyspace's SCAN and ZSCAN use slot numbers instead:
 * slot-occupancy.ts scanSlotChunks): a cursor names a live Map/Set iterator kept in a small
 * per-container cache, together with how many elements it has passed. A JS iterator is live,
 * so every element present for the whole scan is returned exactly once, and elements added or removed meanwhile may or may not be (SCAN's guarantee).
 * A cursor evicted from the cache (or never issued, e.g. typed by hand) falls back to skipping
 * `passed` elements from the start, which keeps the guarantee while nothing before the position
 * was deleted. The cursor's numbers differ from Redis's reverse-binary bucket cursors, which no
 * client may interpret anyway.
 *
 *     cursor = passed * 2^16 + tag        tag: key of the cached iterator (1..65535)
 */
import type { ByteString } from './bytes';

/** What can be scanned: a set's members, or the fields of a hash's Map. */
export type Scanned = ReadonlySet<ByteString> | ReadonlyMap<ByteString, unknown>;

/** Iterators kept per container; older cursors fall back to skipping. */
const CURSORS_PER_CONTAINER = 16;

interface ScanPosition {
  iterator: Iterator<ByteString>;
  passed: number;
}

interface CursorCache {
  positions: Map<number, ScanPosition>;
  nextTag: number;
}

const caches = new WeakMap<Scanned, CursorCache>();

/**
 * One step over a large container: about `count` elements (keys, for a Map) from the cursor's
 * position, unfiltered, and the cursor to continue from (0 when the walk is complete).
 */
export function scanStep(container: Scanned, cursor: bigint, count: number): [bigint, ByteString[]] {
  const position = resume(container, cursor);
  const out: ByteString[] = [];
  while (out.length < count) {
    const step = position.iterator.next();
    if (step.done) return [0n, out];
    out.push(step.value);
  }
  position.passed += out.length;
  // Nothing left after this batch: say so now rather than with an extra empty round trip.
  if (position.passed >= container.size) return [0n, out];
  return [save(container, position), out];
}

function resume(container: Scanned, cursor: bigint): ScanPosition {
  if (cursor === 0n) return { iterator: container.keys(), passed: 0 };
  const tag = Number(cursor & 0xffffn);
  const passedBig = cursor >> 16n;
  const passed = passedBig > BigInt(container.size) ? container.size : Number(passedBig);
  const cache = caches.get(container);
  const cached = cache?.positions.get(tag);
  if (cache !== undefined && cached !== undefined && cached.passed === passed) {
    cache.positions.delete(tag);
    return cached;
  }
  const iterator = container.keys();
  for (let i = 0; i < passed; i++) if (iterator.next().done === true) break;
  return { iterator, passed };
}

function save(container: Scanned, position: ScanPosition): bigint {
  let cache = caches.get(container);
  if (cache === undefined) {
    cache = { positions: new Map(), nextTag: 1 };
    caches.set(container, cache);
  }
  const tag = cache.nextTag;
  cache.nextTag = (cache.nextTag % 0xffff) + 1;
  cache.positions.set(tag, position);
  if (cache.positions.size > CURSORS_PER_CONTAINER) {
    const oldest = cache.positions.keys().next();
    if (oldest.done !== true) cache.positions.delete(oldest.value);
  }
  return (BigInt(position.passed) << 16n) | BigInt(tag);
}
