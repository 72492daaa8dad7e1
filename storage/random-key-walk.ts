/**
 * RANDOMKEY's walk over a database's dictionary, a JavaScript Map, which cannot pick an entry at
 * random: a persistent iterator advances by a random stride (1 to 32) on each call, so a pick
 * costs O(stride), not O(n), and over many calls reaches every key.
 *
 * The map is passed on each call, not held: FLUSHDB and SWAPDB replace a database's map, and
 * call `reset` so the iterator does not outlive the map it walks.
 */
import type { ByteString } from './bytes';
import type { RandomSource } from './random';

/** The longest stride. */
const MAX_STRIDE = 32;

export class RandomKeyWalk {
  private iterator: Iterator<ByteString> | null = null;

  /** Forgets the position (the map was replaced). */
  reset(): void {
    this.iterator = null;
  }

  /** The key a random stride ahead of the last pick, or undefined for an empty map. */
  step(dict: ReadonlyMap<ByteString, unknown>, random: RandomSource): ByteString | undefined {
    if (dict.size === 0) return undefined;
    const stride = 1 + Math.floor(random.next() * Math.min(dict.size, MAX_STRIDE));
    let key: ByteString | undefined;
    for (let i = 0; i < stride; i++) {
      if (this.iterator === null) this.iterator = dict.keys();
      const next = this.iterator.next();
      if (next.done) {
        this.iterator = null;
        i--;
        continue;
      }
      key = next.value;
    }
    return key;
  }
}
