/**
 * SCAN's cursors and RANDOMKEY's walk over a database's dictionary, a JavaScript Map, which can
 * neither seek to a position nor pick an entry at random.
 *
 * SCAN: a cursor names a live iterator kept in a small cache together with how many entries it
 * has passed (cursor = passed * 2^16 + tag). A cursor still cached continues exactly: every key
 * present for the whole scan is returned once, keys added or deleted meanwhile may or may not
 * be. An evicted one falls back to skipping that many entries from the start, which keeps the
 * guarantee as long as no key before the position was deleted.
 *
 * RANDOMKEY: a persistent walk advances by a random stride on each call, so a pick costs
 * O(stride), not O(n), and over many calls reaches every key.
 *
 * The map is passed on each call, not held: FLUSHDB and SWAPDB replace a database's map, and
 * call `reset` so no iterator outlives the map it walks.
 */
import type { ByteString } from './bytes';
import type { RandomSource } from './random';

const SCAN_CACHE_SIZE = 64;
/** The longest stride of the random walk. */
const MAX_STRIDE = 32;

interface ScanPosition {
  iterator: Iterator<ByteString>;
  passed: number;
}

export class KeyWalks {
  private scanCache = new Map<number, ScanPosition>();
  private nextScanTag = 1;
  private randomWalk: Iterator<ByteString> | null = null;

  /** Forgets every cursor and the random walk (the map was replaced). */
  reset(): void {
    this.scanCache.clear();
    this.randomWalk = null;
  }

  /**
   * About `count` keys from the cursor's position, unfiltered, with the cursor to continue from
   * (0 when the iteration is complete).
   */
  scan(dict: Map<ByteString, unknown>, cursor: bigint, count: number): [bigint, ByteString[]] {
    const position = this.resume(dict, cursor);
    const out: ByteString[] = [];
    while (out.length < count) {
      const step = position.iterator.next();
      if (step.done) return [0n, out];
      out.push(step.value);
    }
    position.passed += out.length;
    return [this.save(position), out];
  }

  private resume(dict: Map<ByteString, unknown>, cursor: bigint): ScanPosition {
    if (cursor === 0n) return { iterator: dict.keys(), passed: 0 };
    const tag = Number(cursor & 0xffffn);
    const passed = Number(cursor >> 16n);
    const cached = this.scanCache.get(tag);
    if (cached !== undefined && cached.passed === passed) {
      this.scanCache.delete(tag);
      return cached;
    }
    const iterator = dict.keys();
    for (let i = 0; i < passed; i++) if (iterator.next().done) break;
    return { iterator, passed };
  }

  private save(position: ScanPosition): bigint {
    const tag = this.nextScanTag;
    this.nextScanTag = (this.nextScanTag % 0xffff) + 1;
    this.scanCache.set(tag, position);
    if (this.scanCache.size > SCAN_CACHE_SIZE) {
      const oldest = this.scanCache.keys().next();
      if (!oldest.done) this.scanCache.delete(oldest.value);
    }
    return (BigInt(position.passed) << 16n) | BigInt(tag);
  }

  /** The key a random stride ahead of the last pick (the map is not empty). */
  randomStep(dict: Map<ByteString, unknown>, random: RandomSource): ByteString | undefined {
    const stride = 1 + Math.floor(random.next() * Math.min(dict.size, MAX_STRIDE));
    let key: ByteString | undefined;
    for (let i = 0; i < stride; i++) {
      if (this.randomWalk === null) this.randomWalk = dict.keys();
      const step = this.randomWalk.next();
      if (step.done) {
        this.randomWalk = null;
        i--;
        continue;
      }
      key = step.value;
    }
    return key;
  }
}
