/**
 * The 16384 hash slots and who serves each: the cluster's routing table as this node sees it.
 *
 * A slot has at most one owner (a master's node id). During a resharding a slot may also be
 * MIGRATING to another node (here, the owner) or IMPORTING from another node (here, the
 * receiver); both marks are local and shown only on the myself line of CLUSTER NODES.
 */
import { SLOT_COUNT as WIRE_SLOT_COUNT } from './messages';
import { clearSlotBit, emptySlotBitmap, POPCOUNT_BYTE, setSlotBit, slotBitmapRanges } from './slot-bitmap';

/** A local constant: an imported binding is a property load on every use in a hot loop. */
const SLOT_COUNT = WIRE_SLOT_COUNT;
const NO_OWNER = -1;
/** Matches no slot: the number of a name that owns nothing. */
const UNKNOWN_NAME = -2;
/** Past the last slot, different from every owner and from NO_OWNER. */
const END_OF_TABLE = -3;

/** The slot table as the rest of the node sees it: routing and views read, only the machine writes. */
export interface ReadonlySlotTable {
  owner(slot: number): string | null;
  count(name: string): number;
  readonly assigned: number;
  readonly migrating: ReadonlyMap<number, string>;
  readonly importing: ReadonlyMap<number, string>;
  bitmapOf(name: string | null): Uint8Array;
  sameAs(name: string, bitmap: Uint8Array): boolean;
  scanClaim(claimed: Uint8Array, claimant: string, visit: (slot: number, owner: string | null) => boolean | void): number;
  rangesOf(name: string): ReadonlyArray<readonly [number, number]>;
  allRanges(): Array<{ start: number; end: number; owner: string }>;
}

export class SlotTable implements ReadonlySlotTable {
  /**
   * Owners are kept as small numbers (NO_OWNER for none), one per node name ever seen, so that
   * whole-table walks (CLUSTER SLOTS) compare integers, not 40-character ids.
   */
  private readonly owners = new Int32Array(SLOT_COUNT).fill(NO_OWNER);
  private readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  readonly migrating = new Map<number, string>();
  readonly importing = new Map<number, string>();
  /**
   * Each owner's slots as a bitmap, by owner number, kept up to date a bit at a time: a reshard
   * changes one slot at a time, and every message header carries its sender's bitmap while
   * every header received is compared with the sender's bitmap here, so nothing that happens
   * once per slot may walk all 16384 slots.
   */
  private readonly live: Array<Uint8Array | undefined> = [];
  /**
   * What bitmapOf and rangesOf hand out, dropped per owner when its slots change: a copy, since
   * a bitmap put in a message must not change before the message is encoded.
   */
  private readonly bitmaps = new Map<string, Uint8Array>();
  private readonly ranges = new Map<string, Array<[number, number]>>();

  private changed(name: string): void {
    this.bitmaps.delete(name);
    this.ranges.delete(name);
  }

  private changedAll(): void {
    this.bitmaps.clear();
    this.ranges.clear();
  }

  /** The number standing for `name` in `owners`; -2 (matching no slot) for a name never seen. */
  private numberOf(name: string): number {
    return this.numbers.get(name) ?? UNKNOWN_NAME;
  }

  private numberFor(name: string): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      n = this.names.push(name) - 1;
      this.numbers.set(name, n);
    }
    return n;
  }

  private liveBitmap(n: number): Uint8Array {
    let bitmap = this.live[n];
    if (bitmap === undefined) this.live[n] = bitmap = emptySlotBitmap();
    return bitmap;
  }

  owner(slot: number): string | null {
    const n = this.owners[slot] ?? NO_OWNER;
    return n === NO_OWNER ? null : (this.names[n] ?? null);
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  get assigned(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  assign(slot: number, name: string): void {
    const previous = this.owner(slot);
    if (previous === name) return;
    if (previous !== null) this.release(slot, previous);
    const n = this.numberFor(name);
    this.owners[slot] = n;
    setSlotBit(this.liveBitmap(n), slot);
    this.counts.set(name, this.count(name) + 1);
    this.changed(name);
  }

  unassign(slot: number): void {
    const previous = this.owner(slot);
    if (previous === null) return;
    this.release(slot, previous);
    this.owners[slot] = NO_OWNER;
  }

  /** Takes `slot` out of `previous`'s count and bitmap. */
  private release(slot: number, previous: string): void {
    this.counts.set(previous, this.count(previous) - 1);
    clearSlotBit(this.liveBitmap(this.numberOf(previous)), slot);
    this.changed(previous);
  }

  /** Removes every slot of a node; returns how many it had. */
  unassignAll(name: string): number {
    const n = this.numberOf(name);
    let removed = 0;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (this.owners[slot] === n) {
        this.owners[slot] = NO_OWNER;
        removed++;
      }
    }
    if (n >= 0) this.live[n] = undefined;
    this.counts.delete(name);
    this.changed(name);
    return removed;
  }

  /** Renames an owner (a handshake node learning its real id). */
  rename(from: string, to: string): void {
    if (this.count(from) === 0) return;
    const n = this.numberOf(from);
    const m = this.numberFor(to);
    const moved = this.liveBitmap(m);
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (this.owners[slot] === n) {
        this.owners[slot] = m;
        setSlotBit(moved, slot);
      }
    }
    this.live[n] = undefined;
    this.counts.set(to, this.count(to) + this.count(from));
    this.counts.delete(from);
    this.changed(from);
    this.changed(to);
  }

  /** The slot bitmap a node claims, as sent in message headers (shared: never to be modified). */
  bitmapOf(name: string | null): Uint8Array {
    if (name === null || this.count(name) === 0) return emptySlotBitmap();
    let bitmap = this.bitmaps.get(name);
    if (bitmap === undefined) {
      bitmap = this.liveBitmap(this.numberOf(name)).slice();
      this.bitmaps.set(name, bitmap);
    }
    return bitmap;
  }

  /** Whether `bitmap` is exactly the set of slots `name` owns here. */
  sameAs(name: string, bitmap: Uint8Array): boolean {
    const n = this.numberOf(name);
    const mine = n >= 0 && this.count(name) > 0 ? this.live[n] : undefined;
    if (bitmap.length !== SLOT_COUNT >> 3) return false;
    if (mine === undefined) {
      for (let i = 0; i < bitmap.length; i++) if (bitmap[i] !== 0) return false;
      return true;
    }
    return bytesEqual(mine, bitmap);
  }

  /**
   * Walks the slots set in `claimed` (a message's slot bitmap, one bit per slot): `visit` is
   * called for each one that `claimant` does not already own, with its current owner, and may
   * return true to stop. Returns how many slots are set in `claimed` (as far as the walk went).
   * Every header carries such a bitmap and the usual claim is of slots the sender already has
   * here, so the walk compares the claim with the claimant's bitmap a byte at a time and looks
   * at single slots only where they differ.
   */
  scanClaim(claimed: Uint8Array, claimant: string, visit: (slot: number, owner: string | null) => boolean | void): number {
    const n = this.numberOf(claimant);
    const mine = n >= 0 ? this.live[n] : undefined;
    let walked = 0;
    const bytes = Math.min(claimed.length, SLOT_COUNT >> 3);
    for (let i = 0; i < bytes; i++) {
      const byte = claimed[i] ?? 0;
      if (byte === 0) continue;
      walked += POPCOUNT_BYTE[byte] ?? 0;
      const news = byte & ~(mine === undefined ? 0 : (mine[i] ?? 0));
      if (news === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((news & (1 << bit)) === 0) continue;
        const slot = (i << 3) | bit;
        if (visit(slot, this.owner(slot)) === true) return walked;
      }
    }
    return walked;
  }

  /** Owned slots as [start, end] ranges, ascending (shared: never to be modified). */
  rangesOf(name: string): ReadonlyArray<readonly [number, number]> {
    if (this.count(name) === 0) return [];
    let ranges = this.ranges.get(name);
    if (ranges === undefined) {
      ranges = slotBitmapRanges(this.liveBitmap(this.numberOf(name)));
      this.ranges.set(name, ranges);
    }
    return ranges;
  }

  /** Every (range, owner) in slot order, for CLUSTER SLOTS. */
  allRanges(): Array<{ start: number; end: number; owner: string }> {
    const out: Array<{ start: number; end: number; owner: string }> = [];
    let start = 0;
    for (let slot = 1; slot <= SLOT_COUNT; slot++) {
      const prev = this.owners[slot - 1] ?? NO_OWNER;
      const cur = slot < SLOT_COUNT ? (this.owners[slot] ?? NO_OWNER) : END_OF_TABLE;
      if (cur !== prev) {
        if (prev !== NO_OWNER) out.push({ start, end: slot - 1, owner: this.names[prev] as string });
        start = slot;
      }
    }
    return out;
  }

  clear(): void {
    this.changedAll();
    this.live.length = 0;
    this.owners.fill(NO_OWNER);
    this.counts.clear();
    this.migrating.clear();
    this.importing.clear();
  }
}

/** Byte-for-byte equality, four bytes at a time where both arrays are aligned for it. */
function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 && a.length % 4 === 0) {
    const wa = new Uint32Array(a.buffer, a.byteOffset, a.length / 4);
    const wb = new Uint32Array(b.buffer, b.byteOffset, b.length / 4);
    for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return false;
    return true;
  }
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
