/**
 * The stream value: an append-only log of entries (an ID and field/value pairs), as XADD builds it.
 *
 * Redis keeps a stream as a radix tree of listpacks, keyed by each listpack's master ID (its
 * first entry's ID). hashslot keeps the same nodes, packed the same way (stream-node.ts explains
 * the bytes), in an array sorted by master ID: finding the node for an ID is a binary search, and
 * XADD appends to the last node. A node is closed, and the next XADD starts a new one, exactly
 * when Redis's would be (its listpack has reached stream-node-max-bytes, or holds
 * stream-node-max-entries entries counting deleted ones). That matters beyond memory:
 * approximate trimming (MAXLEN ~, MINID ~) removes only whole nodes, so the entries left after it
 * depend on where the node boundaries are, and XINFO STREAM shows the node count.
 *
 * Costs: XADD appends to the last node, O(1) amortised; a range finds its first node by binary
 * search, O(log n), walks that node's entries from the start (at most stream-node-max-entries,
 * as Redis walks its listpack), then walks on; XDEL is the same search plus a flag set in place,
 * or, when the node's last live entry goes, the node's removal.
 *
 * Beyond the entries a stream remembers its last ID (the top the next XADD must beat, which
 * survives deleting the entries), the first live ID, the largest deleted ID, how many entries
 * were ever added, and its consumer groups (stream-groups.ts). The last ID is kept as two numbers
 * while it fits them, so that XADD with "*" computes, stores and prints IDs without bigints.
 */
import type { ByteString } from './bytes';
import { ID_MAX, ID_ZERO, idMs, idSeq, type StreamId } from './stream-id';
import type { ConsumerGroup } from './stream-groups';
import { EntryView, FLAG_DELETED, FLAG_SAMEFIELDS, idFromNumbers, IdKey, safeHalf, StreamEntry, StreamNode } from './stream-node';

/** The most a listpack may hold (STREAM_LISTPACK_MAX_SIZE); also the cap on node-max-bytes. */
export const STREAM_LISTPACK_MAX_SIZE = 1 << 30;

/** How a trim is bounded (XADD's and XTRIM's MAXLEN / MINID with = or ~ and LIMIT). */
export interface TrimSpec {
  strategy: 'maxlen' | 'minid';
  maxLength: number;
  minId: StreamId;
  approximate: boolean;
  /** Entries one trim may remove at most; 0 = no limit. */
  limit: number;
}

/** Node limits, read from the config by the caller (stream-node-max-bytes / -entries). */
export interface NodeLimits {
  maxBytes: number;
  maxEntries: number;
}

export class StreamValue {
  readonly kind = 'stream';
  /** The nodes in ID order; every ID in nodes[i] is below nodes[i + 1].masterId. */
  readonly nodes: StreamNode[] = [];
  /** Live entries. */
  length = 0;
  /** The first live entry's ID, 0-0 when empty. */
  firstId: StreamId = ID_ZERO;
  maxDeletedId: StreamId = ID_ZERO;
  entriesAdded = 0n;
  /** Consumer groups by name. XINFO GROUPS lists them in name order; see sortedGroups. */
  readonly groups = new Map<ByteString, ConsumerGroup>();
  /** lastId's halves as numbers (lastMs -1 when they do not both fit), and as a bigint once asked. */
  private lastMs = 0;
  private lastSeq = 0;
  private lastBig: StreamId | null = ID_ZERO;
  /** Where the last search inside a node stopped (see seek). */
  private hintNode: StreamNode | null = null;
  private hintPos = 0;
  private hintId: StreamId = ID_ZERO;

  /** The top ID: the next XADD must beat it. */
  get lastId(): StreamId {
    return (this.lastBig ??= idFromNumbers(this.lastMs, this.lastSeq));
  }

  set lastId(id: StreamId) {
    const ms = safeHalf(idMs(id));
    const seq = safeHalf(idSeq(id));
    this.lastMs = ms < 0 || seq < 0 ? -1 : ms;
    this.lastSeq = seq;
    this.lastBig = id;
  }

  /** lastId's ms as a number, or -1 when its halves do not both fit a double (then use lastId). */
  get lastMsNumber(): number {
    return this.lastMs;
  }

  /** lastId's seq as a number; meaningful only when lastMsNumber is not -1. */
  get lastSeqNumber(): number {
    return this.lastSeq;
  }

  /**
   * Appends an entry with an ID the caller has checked is above lastId, its fields and values
   * interleaved in items[from..]. A new node starts when Redis's would: the last node's listpack
   * plus the new field/value bytes reaches maxBytes, or it holds maxEntries entries, deleted
   * ones included.
   */
  append(id: StreamId, items: readonly ByteString[], from: number, limits: NodeLimits): void {
    const ms = safeHalf(idMs(id));
    const seq = safeHalf(idSeq(id));
    if (ms >= 0 && seq >= 0) this.appendEntry(ms, seq, id, items, from, limits);
    else this.appendEntry(-1, -1, id, items, from, limits);
  }

  /** append() for an ID whose halves are given as numbers that fit a double exactly. */
  appendNumbers(ms: number, seq: number, items: readonly ByteString[], from: number, limits: NodeLimits): void {
    this.appendEntry(ms, seq, null, items, from, limits);
  }

  private appendEntry(ms: number, seq: number, big: StreamId | null, items: readonly ByteString[], from: number, limits: NodeLimits): void {
    let node = this.nodes[this.nodes.length - 1];
    // A new node starts with room for as many bytes as the one before it filled.
    let capacity = 256;
    if (node !== undefined) {
      let payloadBytes = 0;
      for (let i = from; i < items.length; i++) payloadBytes += (items[i] as ByteString).length;
      const maxBytes = limits.maxBytes === 0 || limits.maxBytes > STREAM_LISTPACK_MAX_SIZE ? STREAM_LISTPACK_MAX_SIZE : limits.maxBytes;
      if (node.listpackBytes + payloadBytes >= maxBytes || (limits.maxEntries > 0 && node.size >= limits.maxEntries)) {
        node.seal();
        capacity = Math.min(Math.max(capacity, node.used + 64), 1 << 16);
        node = undefined;
      }
    }
    if (node === undefined) {
      const fields: ByteString[] = [];
      for (let i = from; i < items.length; i += 2) fields.push(items[i] as ByteString);
      node = new StreamNode(big ?? idFromNumbers(ms, seq), fields, capacity);
      this.nodes.push(node);
    }
    node.append(ms, seq, big, items, from);
    if (this.length === 0) this.firstId = big ?? idFromNumbers(ms, seq);
    this.length++;
    this.entriesAdded++;
    this.lastMs = ms;
    this.lastSeq = seq;
    this.lastBig = big;
  }

  /** Index of the node that would hold `id`: the last whose master ID is <= id (0 if none). */
  private nodeIndexFor(id: StreamId): number {
    let lo = 0;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.nodes[mid] as StreamNode).masterId <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : lo - 1;
  }

  /**
   * The position in `node` of its first entry with an ID >= key (node.used if none), with `view`
   * on that entry. A node can only be walked forwards from its start; but lookups mostly come in
   * ascending order (XREADGROUP re-reading a consumer's history, XAUTOCLAIM walking the PEL), so
   * the stream remembers where the last search in a node stopped and a search for a larger ID
   * in the same node goes on from there. Positions never move: appends go after them, XDEL
   * flags in place, and a node that goes is no longer the hint's node.
   */
  private seek(node: StreamNode, key: IdKey, view: EntryView): number {
    let pos = node === this.hintNode && this.hintId < key.id ? this.hintPos : 0;
    for (; pos < node.used; pos = view.next) {
      node.read(pos, view);
      if (view.compare(key) >= 0) break;
    }
    this.hintNode = node;
    this.hintPos = pos;
    this.hintId = key.id;
    return pos;
  }

  /**
   * Finds the entry with this ID, live or deleted: its node's index, with `view` on it; -1 when
   * there is none.
   */
  private find(id: StreamId, view: EntryView): number {
    const index = this.nodeIndexFor(id);
    const node = this.nodes[index];
    if (node === undefined) return -1;
    const key = new IdKey(id);
    const pos = this.seek(node, key, view);
    return pos < node.used && view.compare(key) === 0 ? index : -1;
  }

  /** The live entry with this ID, if any: its fields and values. */
  get(id: StreamId): ByteString[] | undefined {
    return this.getEntry(id)?.pairs;
  }

  /**
   * The live entry with this ID, if any, as ranges return entries: a reply prints its ID from
   * the halves the node decoded (StreamEntry.idText), with no bigint arithmetic per entry.
   */
  getEntry(id: StreamId): StreamEntry | undefined {
    const view = new EntryView();
    const index = this.find(id, view);
    if (index < 0 || view.deleted) return undefined;
    return (this.nodes[index] as StreamNode).entry(view);
  }

  /**
   * XDEL of one ID: false if there is no live entry with it. A node losing its last live entry
   * goes. firstId/maxDeletedId are the caller's (XDEL updates them once for all its IDs).
   */
  deleteEntry(id: StreamId): boolean {
    const view = new EntryView();
    const index = this.find(id, view);
    if (index < 0 || view.deleted) return false;
    const node = this.nodes[index] as StreamNode;
    if (node.live === 1) this.nodes.splice(index, 1);
    else node.markDeleted(view);
    this.length--;
    return true;
  }

  /**
   * Live entries with start <= ID <= end, ascending (or descending when `reverse`), at most
   * `count` of them (0 = all).
   */
  range(start: StreamId, end: StreamId, count: number, reverse = false): StreamEntry[] {
    const out: StreamEntry[] = [];
    if (start > end) return out;
    const view = new EntryView();
    const startKey = new IdKey(start);
    const endKey = new IdKey(end);
    if (!reverse) {
      const firstNode = this.nodeIndexFor(start);
      for (let n = firstNode; n < this.nodes.length; n++) {
        const node = this.nodes[n] as StreamNode;
        // Only the first node can hold IDs below start, and may hold nothing else.
        if (n === firstNode && node.lastId < start) continue;
        for (let pos = n === firstNode ? this.seek(node, startKey, view) : 0; pos < node.used; pos = view.next) {
          node.read(pos, view);
          if (view.compare(endKey) > 0) return out;
          if (view.deleted) continue;
          out.push(node.entry(view));
          if (out.length === count) return out;
        }
      }
      return out;
    }
    for (let n = this.nodeIndexFor(end); n >= 0; n--) {
      const node = this.nodes[n];
      if (node === undefined) break;
      for (let pos = node.lastPos(); pos >= 0; pos = pos === 0 ? -1 : node.previous(pos)) {
        node.read(pos, view);
        if (view.compare(endKey) > 0) continue;
        if (view.compare(startKey) < 0) return out;
        if (view.deleted) continue;
        out.push(node.entry(view));
        if (out.length === count) return out;
      }
    }
    return out;
  }

  /** The first live ID (ID_MAX when empty, as streamGetEdgeID answers). */
  firstLiveId(): StreamId {
    const view = new EntryView();
    for (const node of this.nodes) {
      for (let pos = 0; pos < node.used; pos = view.next) {
        node.read(pos, view);
        if (!view.deleted) return view.id();
      }
    }
    return ID_MAX;
  }

  /** The last live ID (0-0 when empty): streamLastValidID. */
  lastLiveId(): StreamId {
    const view = new EntryView();
    for (let n = this.nodes.length - 1; n >= 0; n--) {
      const node = this.nodes[n] as StreamNode;
      for (let pos = node.lastPos(); pos >= 0; pos = pos === 0 ? -1 : node.previous(pos)) {
        node.read(pos, view);
        if (!view.deleted) return view.id();
      }
    }
    return ID_ZERO;
  }

  /** The first entry's ID, deleted or not (ID_MAX when empty): what a trimmed MINID is rewritten to. */
  firstStoredId(): StreamId {
    const node = this.nodes[0];
    if (node === undefined) return ID_MAX;
    const view = new EntryView();
    node.read(0, view);
    return view.id();
  }

  /** After entries went from the front: firstId follows. */
  refreshFirstId(): void {
    this.firstId = this.length === 0 ? ID_ZERO : this.firstLiveId();
  }

  /**
   * Trims from the front as streamTrim does; returns how many entries went. Whole nodes go
   * first; an approximate trim stops at the first node it could not remove whole; an exact one
   * then flags entries deleted inside that node. LIMIT bounds the entries removed: a node
   * whose removal would take the count past it stays, with everything after it.
   */
  trim(spec: TrimSpec): number {
    let removed = 0;
    while (this.nodes.length > 0) {
      if (spec.strategy === 'maxlen' && this.length <= spec.maxLength) break;
      const node = this.nodes[0] as StreamNode;
      if (spec.limit > 0 && removed + node.live > spec.limit) break;
      const removeWhole = spec.strategy === 'maxlen' ? this.length - node.live >= spec.maxLength : node.lastId < spec.minId;
      if (removeWhole) {
        this.nodes.shift();
        this.length -= node.live;
        removed += node.live;
        continue;
      }
      if (spec.approximate) break;
      const view = new EntryView();
      const minKey = new IdKey(spec.minId);
      for (let pos = 0; pos < node.used; pos = view.next) {
        node.read(pos, view);
        const stop = spec.strategy === 'maxlen' ? this.length <= spec.maxLength : view.compare(minKey) >= 0;
        if (stop) break;
        if (view.deleted) continue;
        node.markDeleted(view);
        this.length--;
        removed++;
      }
      break;
    }
    this.refreshFirstId();
    return removed;
  }
}
