/**
 * The server's own seeded generator (storage/random.ts, mulberry32) with the draws random tests
 * need: the same seed draws the same workload or script everywhere, so a printed seed replays a
 * failing run.
 */
import { SeededRandom } from '../../storage/random';

export class TestRandom extends SeededRandom {
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((s, [w]) => s + w, 0);
    let x = this.next() * total;
    for (const [w, v] of items) {
      x -= w;
      if (x < 0) return v;
    }
    const last = items[items.length - 1];
    if (last === undefined) throw new Error('weighted pick from an empty list');
    return last[1];
  }

  /** `fn` called a drawn number of times in [lo, hi], its results in order. */
  times<T>(lo: number, hi: number, fn: (i: number) => T): T[] {
    const n = this.int(lo, hi);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(fn(i));
    return out;
  }
}
