/**
 * The simulation's agenda: actions due at a simulated time, taken in (time, insertion order).
 *
 * Ties are broken by a sequence number rather than left to the heap, because a binary heap does
 * not keep equal keys in insertion order, and two runs with one seed must take the same path:
 * two messages due in the same millisecond are always delivered in the order they were sent.
 */

export interface Scheduled {
  readonly atMs: number;
  readonly seq: number;
  readonly run: () => void;
}

export class EventQueue {
  private readonly heap: Scheduled[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(atMs: number, run: () => void): void {
    const item: Scheduled = { atMs, seq: this.nextSeq++, run };
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Scheduled;
      if (!before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  /** When the earliest action is due, or Infinity when there is none. */
  peekTime(): number {
    return this.heap[0]?.atMs ?? Infinity;
  }

  pop(): Scheduled | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      let child = left;
      if (right < heap.length && before(heap[right] as Scheduled, heap[left] as Scheduled)) child = right;
      const c = heap[child] as Scheduled;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
