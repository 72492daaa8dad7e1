/**
 * The 16384 hash slots and who serves each: the cluster's routing table as this node sees it.
 *
 * A slot has at most one owner (a master's node id). During a resharding a slot may also be
 * MIGRATING to another node (here, the owner) or IMPORTING from another node (here, the
 * receiver); both marks are local and shown only on the myself line of CLUSTER NODES.
 */
import { SLOT_COUNT as WIRE_SLOT_COUNT } from './messages';
import { emptySlotBitmap, setSlotBit } from './slot-bitmap';

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
   * the whole-table walks (a node's ranges for every nodes.conf save, its bitmap for every
   * message header) compare integers, not 40-character ids.
   */
  private readonly owners = new Int32Array(SLOT_COUNT).fill(NO_OWNER);
  private readonly names: string[] = [];
  private readonly numbers = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  readonly migrating = new Map<number, string>();
  readonly importing = new Map<number, string>();
  /**
   * Views computed from the table, dropped at every change of owner: every nodes.conf save
   * asks for each node's ranges, and every message sent carries its sender's bitmap, many
   * times between two changes during a reshard.
   */
  private rangesByName: Map<string, Array<[number, number]>> | null = null;
  private readonly bitmaps = new Map<string, Uint8Array>();

  private changed(): void {
    this.rangesByName = null;
    this.bitmaps.clear();
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
    if (previous !== null) this.counts.set(previous, this.count(previous) - 1);
    this.changed();
    this.owners[slot] = this.numberFor(name);
    this.counts.set(name, this.count(name) + 1);
  }

  unassign(slot: number): void {
    const previous = this.owner(slot);
    if (previous === null) return;
    this.changed();
    this.owners[slot] = NO_OWNER;
    this.counts.set(previous, this.count(previous) - 1);
  }

  /** Removes every slot of a node; returns how many it had. */
  unassignAll(name: string): number {
    const n = this.numberOf(name);
    this.changed();
    let removed = 0;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (this.owners[slot] === n) {
        this.owners[slot] = NO_OWNER;
        removed++;
      }
    }
    this.counts.delete(name);
    return removed;
  }

  /** Renames an owner (a handshake node learning its real id). */
  rename(from: string, to: string): void {
    if (this.count(from) === 0) return;
    const n = this.numberOf(from);
    const m = this.numberFor(to);
    this.changed();
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (this.owners[slot] === n) this.owners[slot] = m;
    this.counts.set(to, this.count(from));
    this.counts.delete(from);
  }

  /** The slot bitmap a node claims, as sent in message headers (shared: never to be modified). */
  bitmapOf(name: string | null): Uint8Array {
    if (name === null || this.count(name) === 0) return emptySlotBitmap();
    const cached = this.bitmaps.get(name);
    if (cached !== undefined) return cached;
    const bitmap = emptySlotBitmap();
    const n = this.numberOf(name);
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (this.owners[slot] === n) setSlotBit(bitmap, slot);
    this.bitmaps.set(name, bitmap);
    return bitmap;
  }

  /** Whether `bitmap` is exactly the set of slots `name` owns here. */
  sameAs(name: string, bitmap: Uint8Array): boolean {
    const mine = this.bitmapOf(name);
    if (bitmap.length !== mine.length) return false;
    for (let i = 0; i < mine.length; i++) if (mine[i] !== bitmap[i]) return false;
    return true;
  }

  /**
   * Walks the slots set in `claimed` (a message's slot bitmap, one bit per slot): `visit` is
   * called for each one that `claimant` does not already own, with its current owner, and may
   * return true to stop. Returns how many slots were walked. Every message header carries such
   * a bitmap and the usual claim is of slots the sender already has here, so the walk skips
   * empty bytes and compares owner numbers, touching names only where they differ.
   */
  scanClaim(claimed: Uint8Array, claimant: string, visit: (slot: number, owner: string | null) => boolean | void): number {
    const n = this.numberOf(claimant);
    let walked = 0;
    const bytes = Math.min(claimed.length, SLOT_COUNT >> 3);
    for (let i = 0; i < bytes; i++) {
      const byte = claimed[i] ?? 0;
      if (byte === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((byte & (1 << bit)) === 0) continue;
        const slot = (i << 3) | bit;
        walked++;
        if (this.owners[slot] !== n && visit(slot, this.owner(slot)) === true) return walked;
      }
    }
    return walked;
  }

  /** Owned slots as [start, end] ranges, ascending (shared: never to be modified). */
  rangesOf(name: string): ReadonlyArray<readonly [number, number]> {
    if (this.rangesByName === null) {
      // One walk of the table finds every owner's ranges.
      const all = new Map<string, Array<[number, number]>>();
      for (const { start, end, owner } of this.allRanges()) {
        let list = all.get(owner);
        if (list === undefined) all.set(owner, (list = []));
        list.push([start, end]);
      }
      this.rangesByName = all;
    }
    return this.rangesByName.get(name) ?? [];
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
    this.changed();
    this.owners.fill(NO_OWNER);
    this.counts.clear();
    this.migrating.clear();
    this.importing.clear();
  }
}
