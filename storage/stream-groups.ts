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
import { lowerBoundId, type StreamId } from './stream-id';
import type { StreamValue } from './stream';

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
    return lowerBoundId(this.ids, id);
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

// -------------------------------------------------------------------------------------------------
// Membership and acknowledgements

/** Creates a consumer unless the group has one by that name (then null). */
export function createConsumer(group: ConsumerGroup, name: ByteString, nowMs: number): Consumer | null {
  if (group.consumers.has(name)) return null;
  const consumer = new Consumer(name, nowMs);
  group.consumers.set(name, consumer);
  return consumer;
}

/** Removes a consumer and its pending entries; returns how many it had. */
export function deleteConsumer(group: ConsumerGroup, consumer: Consumer): number {
  const pending = consumer.pel.size;
  for (const [id] of consumer.pel.entries()) group.pel.delete(id);
  group.consumers.delete(consumer.name);
  return pending;
}

/** Acknowledges one ID: removed from the group's PEL and its owner's. */
export function acknowledge(group: ConsumerGroup, id: StreamId): boolean {
  const pending = group.pel.get(id);
  if (pending === undefined) return false;
  group.pel.delete(id);
  pending.consumer.pel.delete(id);
  return true;
}

/** Moves (or gives) pending entry `id` to `consumer`. */
export function assignPending(group: ConsumerGroup, id: StreamId, pending: PendingEntry, consumer: Consumer): void {
  if (pending.consumer !== consumer) {
    if (pending.consumer.pel.get(id) === pending) pending.consumer.pel.delete(id);
    pending.consumer = consumer;
  }
  group.pel.set(id, pending);
  consumer.pel.set(id, pending);
}

// -------------------------------------------------------------------------------------------------
// entries-read and lag (Redis 7.0's logical read counters)
//
// A group counts the entries it has read (entries-read) so XINFO can say how far behind it is:
// lag = entries-added - entries-read. The counter stays exact while the group reads in order and
// no deleted entry lies ahead of it; otherwise it is estimated from the stream's own counters
// where that is possible (nothing deleted inside the stream, or the ID at one of its ends), and
// is unknown (-1, shown as null) where it is not.

/** -1: the counter is not known (SCG_INVALID_ENTRIES_READ). */
export const ENTRIES_READ_UNKNOWN = -1n;

/** Whether a deleted entry may lie in [start, end] (streamRangeHasTombstones). */
export function rangeHasTombstones(stream: StreamValue, start: StreamId, end: StreamId = (1n << 128n) - 1n): boolean {
  if (stream.length === 0 || stream.maxDeletedId === 0n) return false;
  if (stream.firstId > stream.maxDeletedId) return false;
  return start <= stream.maxDeletedId && stream.maxDeletedId <= end;
}

/** The entries-read counter a group at `id` would have, or -1 (streamEstimateDistanceFromFirstEverEntry). */
export function estimateEntriesRead(stream: StreamValue, id: StreamId): bigint {
  if (stream.entriesAdded === 0n) return 0n;
  if (stream.length === 0 && id <= stream.lastId) return stream.entriesAdded;
  if (id === stream.lastId) return stream.entriesAdded;
  if (id > stream.lastId) return ENTRIES_READ_UNKNOWN;
  if (stream.maxDeletedId === 0n || stream.maxDeletedId < stream.firstId) {
    if (id < stream.firstId) return stream.entriesAdded - BigInt(stream.length);
    if (id === stream.firstId) return stream.entriesAdded - BigInt(stream.length) + 1n;
  }
  return ENTRIES_READ_UNKNOWN;
}

/** A group read entry `id` beyond its last delivered ID: move it there and count the read. */
export function advanceGroup(stream: StreamValue, group: ConsumerGroup, id: StreamId): void {
  if (group.entriesRead !== ENTRIES_READ_UNKNOWN && !rangeHasTombstones(stream, id)) group.entriesRead++;
  else if (stream.entriesAdded !== 0n) group.entriesRead = estimateEntriesRead(stream, id);
  group.lastId = id;
}

/** The group's lag, or null when it cannot be known (streamReplyWithCGLag). */
export function groupLag(stream: StreamValue, group: ConsumerGroup): bigint | null {
  if (stream.entriesAdded === 0n) return 0n;
  if (group.entriesRead !== ENTRIES_READ_UNKNOWN && !rangeHasTombstones(stream, group.lastId)) return stream.entriesAdded - group.entriesRead;
  const estimate = estimateEntriesRead(stream, group.lastId);
  return estimate === ENTRIES_READ_UNKNOWN ? null : stream.entriesAdded - estimate;
}
