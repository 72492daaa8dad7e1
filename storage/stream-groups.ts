/**
 * Consumer groups of a stream: each group has a last-delivered ID, an entries-read counter (for
 * XINFO's lag), a pending entries list (PEL: delivered, not yet acknowledged) and consumers, each
 * with its own PEL that shares the group's entries.
 *
 *   group ── lastId, entriesRead
 *     ├── pel: id → PendingEntry { consumer, deliveryTimeMs, deliveryCount }   (ordered by id)
 *     └── consumers: name → Consumer { seenTimeMs, pel: the ids it owns (ordered by id) }
 *
 * Redis keeps the PELs as radix trees ordered by ID; hashslot keeps a Map for lookups plus a
 * sorted array of IDs for the ranges XPENDING and XAUTOCLAIM walk (PendingIndex).
 */
import type { ByteString } from './bytes';
import type { StreamId } from './stream-id';

/** A set of IDs in order: binary search for ranges, O(1) appends of a new largest ID. */
export class PendingIndex<T> {
  private readonly ids: StreamId[] = [];
  private readonly byId = new Map<StreamId, T>();

  get size(): number {
    return this.byId.size;
  }

  get(id: StreamId): T | undefined {
    return this.byId.get(id);
  }

  has(id: StreamId): boolean {
    return this.byId.has(id);
  }

  set(id: StreamId, value: T): void {
    if (!this.byId.has(id)) {
      const last = this.ids[this.ids.length - 1];
      if (last === undefined || last < id) this.ids.push(id);
      else this.ids.splice(this.lowerBound(id), 0, id);
    }
    this.byId.set(id, value);
  }

  delete(id: StreamId): boolean {
    if (!this.byId.delete(id)) return false;
    this.ids.splice(this.lowerBound(id), 1);
    return true;
  }

  /** Index of the first ID >= id. */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ids[mid] as StreamId) < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** IDs in [start, end], ascending, at most `count` (0 = all). */
  idsInRange(start: StreamId, end: StreamId, count: number): StreamId[] {
    const out: StreamId[] = [];
    for (let i = this.lowerBound(start); i < this.ids.length; i++) {
      const id = this.ids[i] as StreamId;
      if (id > end) break;
      out.push(id);
      if (out.length === count) break;
    }
    return out;
  }

  first(): StreamId | undefined {
    return this.ids[0];
  }

  last(): StreamId | undefined {
    return this.ids[this.ids.length - 1];
  }

  *entries(): IterableIterator<[StreamId, T]> {
    for (const id of this.ids) yield [id, this.byId.get(id) as T];
  }
}

export interface PendingEntry {
  consumer: Consumer;
  deliveryTimeMs: number;
  deliveryCount: number;
}

export class Consumer {
  readonly pel = new PendingIndex<PendingEntry>();
  constructor(
    readonly name: ByteString,
    public seenTimeMs: number,
  ) {}
}

export class ConsumerGroup {
  readonly pel = new PendingIndex<PendingEntry>();
  readonly consumers = new Map<ByteString, Consumer>();

  constructor(
    readonly name: ByteString,
    public lastId: StreamId,
    /** Entries the group has read, or -1 when unknown (SCG_INVALID_ENTRIES_READ). */
    public entriesRead: bigint,
  ) {}

  /** Consumers in name order, as Redis's radix tree lists them. */
  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
