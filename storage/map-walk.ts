/**
 * A walk round a Map's entries that resumes where it stopped: each `next(map)` gives the entry
 * after the last one it gave, and starts over once past the end, so many short passes (active
 * expiry's samples, a writable replica's own expires) reach every entry in turn and none twice
 * in a pass. A Map iterator stays valid while the map changes (entries added later are visited,
 * deleted ones skipped), so the walk only restarts at the end, or after `reset()` when its owner
 * replaced the map.
 */
export class MapWalk<K, V> {
  private iterator: Iterator<[K, V]> | null = null;

  /** The next entry of `map`, or null when it is empty. */
  next(map: ReadonlyMap<K, V>): [K, V] | null {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (this.iterator === null) this.iterator = map.entries();
      const step = this.iterator.next();
      if (!step.done) return step.value;
      this.iterator = null;
    }
    return null;
  }

  /** Forgets the position (the map was replaced or swapped). */
  reset(): void {
    this.iterator = null;
  }
}
