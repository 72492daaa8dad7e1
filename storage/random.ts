/**
 * Randomness is an input, never a global: the node that owns a keyspace passes a source in, so
 * a test or a simulation can seed it and replay a run exactly.
 */
export interface RandomSource {
  /** A float in [0, 1). */
  next(): number;
}

/** A small, fast, seedable generator (mulberry32). Good enough for sampling keys. */
export class SeededRandom implements RandomSource {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** `length` lowercase hex digits (run ids, replication ids). */
  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += this.below(16).toString(16);
    return out;
  }
}

/** The floats of SeededRandom(seed) as a function: for code that takes a `() => number`. */
export function seededFloats(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}
