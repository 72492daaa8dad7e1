/**
 * One node of a stream (storage/stream.ts): up to stream-node-max-entries consecutive entries,
 * packed into one buffer the way Redis packs them into a listpack.
 *
 * Redis's node is a listpack that starts with a master entry, then holds one entry after another,
 * each entry's ID stored as two deltas from the master ID:
 *
 *   master: count deleted nfields f1..fn 0
 *   entry:  flags ms-delta seq-delta [nfields f1 v1 ... fn vn | v1 ... vn] lp-count
 *
 * An entry whose field names equal the master's (FLAG_SAMEFIELDS) stores only its values; the
 * common stream of same-shaped events therefore keeps each field name once per node. A deleted
 * entry (XDEL, an exact XTRIM inside a node) keeps its place with FLAG_DELETED set in its flags
 * byte. lp-count, the number of elements before it in the entry, lets the entries be walked
 * backwards (XREVRANGE) with the elements' backlens.
 *
 * hashslot's node keeps the entries part of that listpack, byte for byte, in `buf` (the element
 * codec is stream-listpack.ts). The master entry lives beside it as plain fields (masterId,
 * masterFields, live, deleted): its counters change with every XADD and XDEL, and kept outside
 * the bytes they never shift them. toListpack() puts the two together into the listpack Redis
 * would write in RDB and DUMP payloads.
 *
 *   StreamNode ── masterId 1700000000000-0, masterFields [field, other], live 99, deleted 1
 *     buf: |02 01|00 01|00 01|8c __rand_int__ 0d|85 value 06|05 01|   one entry, SAMEFIELDS
 *          |03 01|01 01|00 01|...                                      the next one, deleted
 *           flags  ms-d  seq-d  values...                  lp-count
 *
 * Every element is followed by its backlen (01, 0d...): a small entry costs ~30 bytes, close to
 * Redis's, where an entry unpacked into JS objects (a bigint ID, a string per value, arrays)
 * cost ~150.
 *
 * Entries are read through an EntryView, which read() fills with one entry's flags, ID and the
 * positions of its values; the ID is kept as two numbers when both halves fit a double exactly
 * (every ID from a real clock does) and as a bigint only beyond that, so that walking a node
 * allocates nothing until an entry is returned.
 */
import type { ByteString } from './bytes';
import { formatId, idMs, idSeq, makeId, type StreamId } from './stream-id';
import {
  elementStartBefore,
  intElementBytes,
  maxStringElementBytes,
  readInt,
  readString,
  skipElement,
  stringElementBytes,
  writeInt,
  writeString,
} from './stream-listpack';

/** Entry flags, as Redis stores them in the listpack. */
export const FLAG_DELETED = 1;
export const FLAG_SAMEFIELDS = 2;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_BIG = BigInt(MAX_SAFE);
/** The listpack's 6-byte header (total bytes, element count) and its 0xFF terminator. */
const LISTPACK_HEADER_BYTES = 6;
const LISTPACK_HEADER_AND_END_BYTES = 7;
const LISTPACK_UNKNOWN_COUNT = 0xffff;
/** First buffer size of a new node; it doubles as the node fills, and shrinks when it closes. */
const INITIAL_CAPACITY = 256;

/**
 * An ID half's delta as Redis stores it (unsigned 64-bit subtraction read back as a signed
 * 64-bit number), as a number when it fits one exactly.
 */
function deltaValue(a: bigint, b: bigint): number | bigint {
  const d = BigInt.asIntN(64, a - b);
  return d >= -MAX_SAFE_BIG && d <= MAX_SAFE_BIG ? Number(d) : d;
}

/** An ID from halves that fit a double exactly. */
export function idFromNumbers(ms: number, seq: number): StreamId {
  return makeId(BigInt(ms), BigInt(seq));
}

/** A half of an ID as a number, or -1 when it does not fit a double exactly. */
export function safeHalf(half: bigint): number {
  return half <= MAX_SAFE_BIG ? Number(half) : -1;
}

/**
 * An ID to compare entries with: its halves as numbers, a half beyond a double's exact range as
 * Infinity. An entry whose halves fit numbers then compares by numbers alone, also with bounds
 * like "+" (2^64-1 both halves) or XRANGE's "5" as an end (5-(2^64-1)).
 */
export class IdKey {
  readonly ms: number;
  readonly seq: number;
  constructor(readonly id: StreamId) {
    // Number() of a half beyond 2^53 rounds, but never to a value <= MAX_SAFE.
    const ms = Number(id >> 64n);
    const seq = Number(BigInt.asUintN(64, id));
    this.ms = ms <= MAX_SAFE ? ms : Infinity;
    this.seq = seq <= MAX_SAFE ? seq : Infinity;
  }
}

/** One entry as ranges return it; its ID becomes a bigint only when asked for. */
export class StreamEntry {
  constructor(
    /** The ID's halves, ms -1 when they do not both fit a double (then `big` holds the ID). */
    readonly ms: number,
    readonly seq: number,
    private big: StreamId | null,
    readonly pairs: ByteString[],
  ) {}

  get id(): StreamId {
    return (this.big ??= idFromNumbers(this.ms, this.seq));
  }

  /** "ms-seq", as replies print it. */
  idText(): string {
    return this.ms >= 0 ? `${this.ms}-${this.seq}` : formatId(this.id);
  }
}

/** One entry of a node, as StreamNode.read decoded it. Reused from entry to entry. */
export class EntryView {
  /** Where the entry starts in its node's buffer, and where the next one does. */
  pos = 0;
  next = 0;
  flags = 0;
  /** The ID's halves, ms -1 when they do not both fit a double (then `big` holds the ID). */
  ms = 0;
  seq = 0;
  big: StreamId | null = null;
  /** Where the values (SAMEFIELDS) or the field/value pairs start, and how many fields. */
  valuesPos = 0;
  fieldCount = 0;

  get deleted(): boolean {
    return (this.flags & FLAG_DELETED) !== 0;
  }

  id(): StreamId {
    return (this.big ??= idFromNumbers(this.ms, this.seq));
  }

  /** <0, 0, >0 as the entry's ID is below, equal to or above `key`. */
  compare(key: IdKey): number {
    if (this.ms >= 0) {
      if (this.ms !== key.ms) return this.ms < key.ms ? -1 : 1;
      return this.seq < key.seq ? -1 : this.seq > key.seq ? 1 : 0;
    }
    const id = this.id();
    return id < key.id ? -1 : id > key.id ? 1 : 0;
  }
}

export class StreamNode {
  /** The master ID's halves as numbers (ms -1 when they do not both fit a double). */
  private readonly masterMs: number;
  private readonly masterSeq: number;
  live = 0;
  deleted = 0;
  /** Entries, deleted ones included. */
  size = 0;
  /** Listpack elements of the entries (the header's count adds the master entry's). */
  private elements = 0;
  /** The entries' elements are buf[0, used); the rest is room for the next XADDs. */
  private buf: Buffer;
  used = 0;
  /** The master entry's bytes, without its two counters, plus the listpack header and end. */
  private readonly masterBytes: number;
  /** The last entry's ID: as numbers (lastMs -1 when not) and, once asked for, as a bigint. */
  private lastMs = -1;
  private lastSeq = -1;
  private lastBig: StreamId | null = null;

  constructor(
    readonly masterId: StreamId,
    readonly masterFields: readonly ByteString[],
    capacity = INITIAL_CAPACITY,
  ) {
    const ms = safeHalf(idMs(masterId));
    const seq = safeHalf(idSeq(masterId));
    this.masterMs = ms < 0 || seq < 0 ? -1 : ms;
    this.masterSeq = seq;
    let bytes = LISTPACK_HEADER_AND_END_BYTES + intElementBytes(masterFields.length) + intElementBytes(0);
    for (const field of masterFields) bytes += stringElementBytes(field);
    this.masterBytes = bytes;
    this.buf = Buffer.allocUnsafeSlow(capacity);
  }

  /** What lpBytes would say of this node's listpack. */
  get listpackBytes(): number {
    return this.masterBytes + intElementBytes(this.live) + intElementBytes(this.deleted) + this.used;
  }

  get lastId(): StreamId {
    return (this.lastBig ??= idFromNumbers(this.lastMs, this.lastSeq));
  }

  /** Whether items[from..] has exactly the master's field names, in order. */
  private sameFields(items: readonly ByteString[], from: number): boolean {
    const master = this.masterFields;
    if (items.length - from !== master.length * 2) return false;
    for (let i = 0; i < master.length; i++) if (items[from + i * 2] !== master[i]) return false;
    return true;
  }

  /**
   * Appends an entry: its ID as numbers (ms and seq, when both fit a double) or as `big` (then
   * ms is -1), its fields and values interleaved in items[from..]. The caller keeps IDs rising.
   */
  append(ms: number, seq: number, big: StreamId | null, items: readonly ByteString[], from: number): void {
    const same = this.sameFields(items, from);
    let msDelta: number | bigint;
    let seqDelta: number | bigint;
    if (ms >= 0 && this.masterMs >= 0) {
      // Both IDs fit doubles, so their difference does, and is the int64 Redis stores.
      msDelta = ms - this.masterMs;
      seqDelta = seq - this.masterSeq;
    } else {
      const id = big ?? idFromNumbers(ms, seq);
      msDelta = deltaValue(idMs(id), idMs(this.masterId));
      seqDelta = deltaValue(idSeq(id), idSeq(this.masterId));
    }
    // Room for the largest encoding of every element, then write them exactly.
    let room = 50;
    for (let i = from; i < items.length; i++) room += maxStringElementBytes(items[i] as ByteString);
    this.reserve(room);
    const buf = this.buf;
    let p = writeInt(buf, this.used, same ? FLAG_SAMEFIELDS : 0);
    p = writeInt(buf, p, msDelta);
    p = writeInt(buf, p, seqDelta);
    const fieldCount = (items.length - from) / 2;
    if (same) {
      for (let i = from + 1; i < items.length; i += 2) p = writeString(buf, p, items[i] as ByteString);
      p = writeInt(buf, p, fieldCount + 3);
      this.elements += fieldCount + 4;
    } else {
      p = writeInt(buf, p, fieldCount);
      for (let i = from; i < items.length; i++) p = writeString(buf, p, items[i] as ByteString);
      p = writeInt(buf, p, fieldCount * 2 + 4);
      this.elements += fieldCount * 2 + 5;
    }
    this.used = p;
    this.size++;
    this.live++;
    this.lastMs = ms;
    this.lastSeq = seq;
    this.lastBig = big;
  }

  /** Makes room for `bytes` more: the buffer doubles, so appends cost O(1) amortised. */
  private reserve(bytes: number): void {
    const needed = this.used + bytes;
    if (needed <= this.buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }

  /**
   * Gives back the room kept for appends: the node is closed (or was loaded whole). A few
   * percent of slack stays rather than cost a copy (a new node is sized like the one before).
   */
  seal(): void {
    if (this.buf.length - this.used <= this.used >> 5) return;
    const exact = Buffer.allocUnsafeSlow(this.used);
    this.buf.copy(exact, 0, 0, this.used);
    this.buf = exact;
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** Decodes the entry starting at `pos` (0, or a previous view's `next`) into `view`. */
  read(pos: number, view: EntryView): void {
    const buf = this.buf;
    view.pos = pos;
    // Flags are 0..3: a one-byte integer and its one-byte backlen.
    view.flags = buf[pos] as number;
    let p = pos + 2;
    const msDelta = readInt(buf, p);
    p = skipElement(buf, p);
    const seqDelta = readInt(buf, p);
    p = skipElement(buf, p);
    view.big = null;
    let ms = -1;
    let seq = -1;
    if (this.masterMs >= 0 && typeof msDelta === 'number' && typeof seqDelta === 'number') {
      ms = this.masterMs + msDelta;
      seq = this.masterSeq + seqDelta;
    }
    if (ms >= 0 && ms <= MAX_SAFE && seq >= 0 && seq <= MAX_SAFE) {
      view.ms = ms;
      view.seq = seq;
    } else {
      // Halves near 2^64, or deltas that wrapped: unsigned 64-bit arithmetic, as Redis does.
      view.ms = -1;
      view.big = makeId(BigInt.asUintN(64, idMs(this.masterId) + BigInt(msDelta)), BigInt.asUintN(64, idSeq(this.masterId) + BigInt(seqDelta)));
    }
    let elements: number;
    if ((view.flags & FLAG_SAMEFIELDS) !== 0) {
      view.fieldCount = this.masterFields.length;
      elements = view.fieldCount;
    } else {
      view.fieldCount = Number(readInt(buf, p));
      p = skipElement(buf, p);
      elements = view.fieldCount * 2;
    }
    view.valuesPos = p;
    for (let i = 0; i < elements; i++) p = skipElement(buf, p);
    view.next = skipElement(buf, p);
  }

  /** The viewed entry, as ranges return it. */
  entry(view: EntryView): StreamEntry {
    return new StreamEntry(view.ms, view.seq, view.big, this.pairs(view));
  }

  /** The viewed entry's fields and values, interleaved (a new array). */
  pairs(view: EntryView): ByteString[] {
    const buf = this.buf;
    const n = view.fieldCount;
    const out = new Array<ByteString>(n * 2);
    let p = view.valuesPos;
    if ((view.flags & FLAG_SAMEFIELDS) !== 0) {
      for (let i = 0; i < n; i++) {
        out[i * 2] = this.masterFields[i] as ByteString;
        out[i * 2 + 1] = readString(buf, p);
        p = skipElement(buf, p);
      }
    } else {
      for (let i = 0; i < n * 2; i++) {
        out[i] = readString(buf, p);
        p = skipElement(buf, p);
      }
    }
    return out;
  }

  /**
   * Where the entry before the one at `pos` starts (pos > 0): its last element, lp-count, says
   * how many elements precede it in the entry, and each element's backlen leads to the one
   * before.
   */
  previous(pos: number): number {
    const buf = this.buf;
    let p = elementStartBefore(buf, pos);
    const count = Number(readInt(buf, p));
    for (let i = 0; i < count; i++) p = elementStartBefore(buf, p);
    return p;
  }

  /** Where the last entry starts. */
  lastPos(): number {
    return this.previous(this.used);
  }

  /** Flags the viewed entry deleted in place; the counters follow. */
  markDeleted(view: EntryView): void {
    this.buf[view.pos] = view.flags = view.flags | FLAG_DELETED;
    this.live--;
    this.deleted++;
  }

  // -------------------------------------------------------------------------------------------
  // Copies

  /** An independent copy (the field name strings are immutable and shared). */
  clone(): StreamNode {
    const copy = new StreamNode(this.masterId, this.masterFields, Math.max(this.used, 1));
    this.buf.copy(copy.buf, 0, 0, this.used);
    copy.used = this.used;
    copy.live = this.live;
    copy.deleted = this.deleted;
    copy.size = this.size;
    copy.elements = this.elements;
    copy.lastMs = this.lastMs;
    copy.lastSeq = this.lastSeq;
    copy.lastBig = this.lastBig;
    return copy;
  }

  /** The whole listpack Redis keeps for this node: header, master entry, entries, terminator. */
  toListpack(): Buffer {
    const total = this.listpackBytes;
    const out = Buffer.allocUnsafe(total);
    out.writeUInt32LE(total, 0);
    out.writeUInt16LE(Math.min(this.masterFields.length + 4 + this.elements, LISTPACK_UNKNOWN_COUNT), 4);
    let p = writeInt(out, LISTPACK_HEADER_BYTES, this.live);
    p = writeInt(out, p, this.deleted);
    p = writeInt(out, p, this.masterFields.length);
    for (const field of this.masterFields) p = writeString(out, p, field);
    p = writeInt(out, p, 0);
    p += this.buf.copy(out, p, 0, this.used);
    out[p] = 0xff;
    return out;
  }
}
