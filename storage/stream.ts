/**
 * The stream value: an append-only log of entries (an ID and field/value pairs), as XADD builds it.
 *
 * Redis keeps a stream as a radix tree of listpacks. Each listpack ("node") starts with a master
 * entry (live count, deleted count, the field names of the node's first entry, a 0 terminator),
 * then one entry after another, each stored as deltas from the node's master ID:
 *
 *   master: count deleted nfields f1..fn 0 | entry: flags ms-delta seq-delta [nfields f1 v1 ... | v1..vn] lp-count
 *
 * An entry whose field names equal the master's (flag SAMEFIELDS) stores only its values. A
 * deleted entry (XDEL, XTRIM inside a node) keeps its place with the DELETED flag; a node whose
 * last live entry goes is removed whole.
 *
 * hashslot keeps the same nodes, in a sorted array, with the entries unpacked: a node is closed,
 * and the next XADD starts a new one, exactly when Redis's would be (its listpack has reached
 * stream-node-max-bytes, or holds stream-node-max-entries entries counting deleted ones). That
 * matters beyond memory: approximate trimming (MAXLEN ~, MINID ~) removes only whole nodes, so
 * the entries left after it depend on where the node boundaries are. The listpack's byte size is
 * tracked entry by entry with the sizes Redis's listpack would use (listpackEntryBytes).
 *
 * Costs: XADD appends to the last node, O(1) amortised; a range finds its first node and entry by
 * binary search, O(log n), then walks; XDEL is a binary search plus, rarely, a node removal.
 *
 * Beyond the entries a stream remembers its last ID (the top the next XADD must beat, which
 * survives deleting the entries), the first live ID, the largest deleted ID, how many entries
 * were ever added, and its consumer groups (stream-groups.ts).
 */
import type { ByteString } from './bytes';
import { listpackEntryBytes } from './rdb/listpack';
import { ID_MAX, ID_ZERO, idMs, idSeq, lowerBoundId, type StreamId } from './stream-id';
import type { ConsumerGroup } from './stream-groups';

/** Entry flags, as Redis stores them in the listpack. */
export const FLAG_DELETED = 1;
export const FLAG_SAMEFIELDS = 2;

/** The most a listpack may hold (STREAM_LISTPACK_MAX_SIZE); also the cap on node-max-bytes. */
export const STREAM_LISTPACK_MAX_SIZE = 1 << 30;
const LISTPACK_HEADER_AND_END_BYTES = 7;

/**
 * The size in a listpack of an integer element: the smallest integer encoding that holds it,
 * plus its one-byte back-length (what listpackEntryBytes(String(n)) says, without the text).
 */
function intBytes(n: bigint | number): number {
  if (typeof n === 'number') {
    if (n >= 0 && n <= 127) return 2;
    if (n >= -4096 && n <= 4095) return 3;
    if (n >= -32768 && n <= 32767) return 4;
    if (n >= -8388608 && n <= 8388607) return 5;
    if (n >= -2147483648 && n <= 2147483647) return 6;
    if (Number.isSafeInteger(n)) return 10;
  }
  const v = typeof n === 'bigint' ? n : BigInt(n);
  if (v >= 0n && v <= 127n) return 2;
  if (v >= -4096n && v <= 4095n) return 3;
  if (v >= -32768n && v <= 32767n) return 4;
  if (v >= -8388608n && v <= 8388607n) return 5;
  if (v >= -2147483648n && v <= 2147483647n) return 6;
  return 10;
}

/** Delta as Redis stores it: unsigned 64-bit subtraction read back as a signed 64-bit number. */
export function signedDelta(a: bigint, b: bigint): bigint {
  return BigInt.asIntN(64, a - b);
}

/** intBytes of a delta, without BigInt.asIntN when it is small (the usual case). */
function deltaBytes(a: bigint, b: bigint): number {
  const d = a - b;
  if (d >= 0n && d <= 127n) return 2;
  return intBytes(BigInt.asIntN(64, d));
}

export class StreamNode {
  readonly ids: StreamId[] = [];
  readonly flags: number[] = [];
  /**
   * Every entry's strings in one array, as the listpack lays them out: for a SAMEFIELDS entry
   * its values only (the names are the master's), for another its fields and values
   * interleaved. `starts[i]` is where entry i begins. One flat array instead of an array per
   * entry, and no repeated field names, keep a small entry at a fraction of the memory.
   */
  private readonly items: ByteString[] = [];
  private readonly starts: number[] = [];
  live = 0;
  deleted = 0;
  /** Listpack bytes of the entries (the master entry's are in masterBytes). */
  private entryBytes = 0;
  /** The master entry without its two counters, plus the listpack's header and terminator. */
  private readonly masterBytes: number;

  /** The master ID's halves, from which entries' deltas are taken. */
  private readonly masterMs: bigint;
  private readonly masterSeq: bigint;

  constructor(
    readonly masterId: StreamId,
    readonly masterFields: readonly ByteString[],
  ) {
    this.masterMs = idMs(masterId);
    this.masterSeq = idSeq(masterId);
    let bytes = LISTPACK_HEADER_AND_END_BYTES + intBytes(masterFields.length) + intBytes(0);
    for (const field of masterFields) bytes += listpackEntryBytes(field);
    this.masterBytes = bytes;
  }

  /** What lpBytes would say of this node's listpack. */
  get listpackBytes(): number {
    return this.masterBytes + intBytes(this.live) + intBytes(this.deleted) + this.entryBytes;
  }

  get size(): number {
    return this.ids.length;
  }

  /** Whether `pairs` has exactly the master's field names, in order. */
  sameFields(pairs: readonly ByteString[]): boolean {
    const master = this.masterFields;
    if (pairs.length !== master.length * 2) return false;
    for (let i = 0; i < master.length; i++) if (pairs[i * 2] !== master[i]) return false;
    return true;
  }

  append(id: StreamId, pairs: ByteString[]): void {
    const same = this.sameFields(pairs);
    const fieldCount = pairs.length / 2;
    let bytes = intBytes(same ? FLAG_SAMEFIELDS : 0);
    bytes += deltaBytes(idMs(id), this.masterMs);
    bytes += deltaBytes(idSeq(id), this.masterSeq);
    if (same) {
      for (let i = 1; i < pairs.length; i += 2) bytes += listpackEntryBytes(pairs[i] as ByteString);
      bytes += intBytes(fieldCount + 3);
    } else {
      bytes += intBytes(fieldCount);
      for (const item of pairs) bytes += listpackEntryBytes(item);
      bytes += intBytes(fieldCount * 2 + 4);
    }
    this.entryBytes += bytes;
    this.ids.push(id);
    this.flags.push(same ? FLAG_SAMEFIELDS : 0);
    this.starts.push(this.items.length);
    if (same) for (let i = 1; i < pairs.length; i += 2) this.items.push(pairs[i] as ByteString);
    else for (const item of pairs) this.items.push(item);
    this.live++;
  }

  /** Entry i's fields and values, interleaved (a new array). */
  pairsAt(i: number): ByteString[] {
    const start = this.starts[i] as number;
    const end = i + 1 < this.starts.length ? (this.starts[i + 1] as number) : this.items.length;
    if (((this.flags[i] as number) & FLAG_SAMEFIELDS) === 0) return this.items.slice(start, end);
    const master = this.masterFields;
    const out: ByteString[] = new Array<ByteString>(master.length * 2);
    for (let j = 0; j < master.length; j++) {
      out[j * 2] = master[j] as ByteString;
      out[j * 2 + 1] = this.items[start + j] as ByteString;
    }
    return out;
  }

  /** Index of the first entry with an ID >= id (size if none). */
  lowerBound(id: StreamId): number {
    return lowerBoundId(this.ids, id);
  }

  /** Flags entry i deleted; the counters follow. */
  markDeleted(i: number): void {
    this.flags[i] = (this.flags[i] as number) | FLAG_DELETED;
    this.live--;
    this.deleted++;
  }

  isDeleted(i: number): boolean {
    return ((this.flags[i] as number) & FLAG_DELETED) !== 0;
  }

  get lastId(): StreamId {
    return this.ids[this.ids.length - 1] as StreamId;
  }

  /** An independent copy (the strings themselves are immutable and shared). */
  clone(): StreamNode {
    const copy = new StreamNode(this.masterId, this.masterFields);
    // Loops, not push(...): a node can hold millions of entries (stream-node-max-entries 0),
    // more than a call's arguments may be.
    for (const id of this.ids) copy.ids.push(id);
    for (const flag of this.flags) copy.flags.push(flag);
    for (const item of this.items) copy.items.push(item);
    for (const start of this.starts) copy.starts.push(start);
    copy.live = this.live;
    copy.deleted = this.deleted;
    copy.entryBytes = this.entryBytes;
    return copy;
  }
}

/** One entry as ranges return it. */
export interface StreamEntry {
  id: StreamId;
  pairs: ByteString[];
}

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
  lastId: StreamId = ID_ZERO;
  /** The first live entry's ID, 0-0 when empty. */
  firstId: StreamId = ID_ZERO;
  maxDeletedId: StreamId = ID_ZERO;
  entriesAdded = 0n;
  /** Consumer groups by name. XINFO GROUPS lists them in name order; see sortedGroups. */
  readonly groups = new Map<ByteString, ConsumerGroup>();

  /**
   * Appends an entry with an ID the caller has checked is above lastId. A new node starts when
   * Redis's would: the last node's listpack plus the new field/value bytes reaches maxBytes, or
   * it holds maxEntries entries, deleted ones included.
   */
  append(id: StreamId, pairs: ByteString[], limits: NodeLimits): void {
    let node = this.nodes[this.nodes.length - 1];
    if (node !== undefined) {
      let payloadBytes = 0;
      for (const item of pairs) payloadBytes += item.length;
      const maxBytes = limits.maxBytes === 0 || limits.maxBytes > STREAM_LISTPACK_MAX_SIZE ? STREAM_LISTPACK_MAX_SIZE : limits.maxBytes;
      if (node.listpackBytes + payloadBytes >= maxBytes) node = undefined;
      else if (limits.maxEntries > 0 && node.live + node.deleted >= limits.maxEntries) node = undefined;
    }
    if (node === undefined) {
      const fields: ByteString[] = [];
      for (let i = 0; i < pairs.length; i += 2) fields.push(pairs[i] as ByteString);
      node = new StreamNode(id, fields);
      this.nodes.push(node);
    }
    node.append(id, pairs);
    if (this.length === 0) this.firstId = id;
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
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

  /** The live entry with this ID, if any. */
  get(id: StreamId): ByteString[] | undefined {
    const node = this.nodes[this.nodeIndexFor(id)];
    if (node === undefined) return undefined;
    const i = node.lowerBound(id);
    if (i >= node.size || node.ids[i] !== id || node.isDeleted(i)) return undefined;
    return node.pairsAt(i);
  }

  /**
   * XDEL of one ID: false if there is no live entry with it. A node losing its last live entry
   * goes. firstId/maxDeletedId are the caller's (XDEL updates them once for all its IDs).
   */
  deleteEntry(id: StreamId): boolean {
    const index = this.nodeIndexFor(id);
    const node = this.nodes[index];
    if (node === undefined) return false;
    const i = node.lowerBound(id);
    if (i >= node.size || node.ids[i] !== id || node.isDeleted(i)) return false;
    if (node.live === 1) this.nodes.splice(index, 1);
    else node.markDeleted(i);
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
    if (!reverse) {
      const firstNode = this.nodeIndexFor(start);
      for (let n = firstNode; n < this.nodes.length; n++) {
        const node = this.nodes[n] as StreamNode;
        // Only the first node can hold IDs below start; later ones are read from their start.
        for (let i = n === firstNode ? node.lowerBound(start) : 0; i < node.size; i++) {
          const id = node.ids[i] as StreamId;
          if (id > end) return out;
          if (node.isDeleted(i)) continue;
          out.push({ id, pairs: node.pairsAt(i) });
          if (out.length === count) return out;
        }
      }
      return out;
    }
    for (let n = this.nodeIndexFor(end); n >= 0; n--) {
      const node = this.nodes[n];
      if (node === undefined) break;
      let i = node.lowerBound(end);
      if (i >= node.size || (node.ids[i] as StreamId) > end) i--;
      for (; i >= 0; i--) {
        const id = node.ids[i] as StreamId;
        if (id < start) return out;
        if (node.isDeleted(i)) continue;
        out.push({ id, pairs: node.pairsAt(i) });
        if (out.length === count) return out;
      }
    }
    return out;
  }

  /** The first live ID (ID_MAX when empty, as streamGetEdgeID answers). */
  firstLiveId(): StreamId {
    const first = this.range(ID_ZERO, ID_MAX, 1)[0];
    return first === undefined ? ID_MAX : first.id;
  }

  /** The last live ID (0-0 when empty): streamLastValidID. */
  lastLiveId(): StreamId {
    const last = this.range(ID_ZERO, ID_MAX, 1, true)[0];
    return last === undefined ? ID_ZERO : last.id;
  }

  /** The first entry's ID, deleted or not (ID_MAX when empty): what a trimmed MINID is rewritten to. */
  firstStoredId(): StreamId {
    const node = this.nodes[0];
    return node === undefined ? ID_MAX : (node.ids[0] as StreamId);
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
      for (let i = 0; i < node.size; i++) {
        const stop = spec.strategy === 'maxlen' ? this.length <= spec.maxLength : (node.ids[i] as StreamId) >= spec.minId;
        if (stop) break;
        if (node.isDeleted(i)) continue;
        node.markDeleted(i);
        this.length--;
        removed++;
      }
      break;
    }
    this.refreshFirstId();
    return removed;
  }
}
