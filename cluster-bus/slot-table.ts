/**
 * The 16384 hash slots and who serves each: the cluster's routing table as this node sees it.
 *
 * A slot has at most one owner (a master's node id). During a resharding a slot may also be
 * MIGRATING to another node (here, the owner) or IMPORTING from another node (here, the
 * receiver); both marks are local and shown only on the myself line of CLUSTER NODES.
 */
import { SLOT_COUNT } from './messages';
import { emptySlotBitmap, setSlotBit, slotBitmapHas } from './slot-bitmap';

/** The slot table as the rest of the node sees it: routing and views read, only the machine writes. */
export interface ReadonlySlotTable {
  owner(slot: number): string | null;
  count(name: string): number;
  readonly assigned: number;
  readonly migrating: ReadonlyMap<number, string>;
  readonly importing: ReadonlyMap<number, string>;
  bitmapOf(name: string | null): Uint8Array;
  sameAs(name: string, bitmap: Uint8Array): boolean;
  rangesOf(name: string): Array<[number, number]>;
  allRanges(): Array<{ start: number; end: number; owner: string }>;
}

export class SlotTable implements ReadonlySlotTable {
  private readonly owners: Array<string | null> = new Array<string | null>(SLOT_COUNT).fill(null);
  private readonly counts = new Map<string, number>();
  readonly migrating = new Map<number, string>();
  readonly importing = new Map<number, string>();

  owner(slot: number): string | null {
    return this.owners[slot] ?? null;
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
    const previous = this.owners[slot] ?? null;
    if (previous === name) return;
    if (previous !== null) this.counts.set(previous, this.count(previous) - 1);
    this.owners[slot] = name;
    this.counts.set(name, this.count(name) + 1);
  }

  unassign(slot: number): void {
    const previous = this.owners[slot] ?? null;
    if (previous === null) return;
    this.owners[slot] = null;
    this.counts.set(previous, this.count(previous) - 1);
  }

  /** Removes every slot of a node; returns how many it had. */
  unassignAll(name: string): number {
    let n = 0;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (this.owners[slot] === name) {
        this.unassign(slot);
        n++;
      }
    }
    this.counts.delete(name);
    return n;
  }

  /** Renames an owner (a handshake node learning its real id). */
  rename(from: string, to: string): void {
    if (this.count(from) === 0) return;
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (this.owners[slot] === from) this.owners[slot] = to;
    this.counts.set(to, this.count(from));
    this.counts.delete(from);
  }

  /** The slot bitmap a node claims, as sent in message headers. */
  bitmapOf(name: string | null): Uint8Array {
    const bitmap = emptySlotBitmap();
    if (name === null || this.count(name) === 0) return bitmap;
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (this.owners[slot] === name) setSlotBit(bitmap, slot);
    return bitmap;
  }

  /** Whether `bitmap` is exactly the set of slots `name` owns here. */
  sameAs(name: string, bitmap: Uint8Array): boolean {
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if ((this.owners[slot] === name) !== slotBitmapHas(bitmap, slot)) return false;
    }
    return true;
  }

  /** Owned slots as [start, end] ranges, ascending. */
  rangesOf(name: string): Array<[number, number]> {
    const ranges: Array<[number, number]> = [];
    if (this.count(name) === 0) return ranges;
    let start = -1;
    for (let slot = 0; slot <= SLOT_COUNT; slot++) {
      const mine = slot < SLOT_COUNT && this.owners[slot] === name;
      if (mine && start < 0) start = slot;
      if (!mine && start >= 0) {
        ranges.push([start, slot - 1]);
        start = -1;
      }
    }
    return ranges;
  }

  /** Every (range, owner) in slot order, for CLUSTER SLOTS. */
  allRanges(): Array<{ start: number; end: number; owner: string }> {
    const out: Array<{ start: number; end: number; owner: string }> = [];
    let start = 0;
    for (let slot = 1; slot <= SLOT_COUNT; slot++) {
      const prev = this.owners[slot - 1] ?? null;
      const cur = slot < SLOT_COUNT ? (this.owners[slot] ?? null) : undefined;
      if (cur !== prev) {
        if (prev !== null) out.push({ start, end: slot - 1, owner: prev });
        start = slot;
      }
    }
    return out;
  }

  clear(): void {
    this.owners.fill(null);
    this.counts.clear();
    this.migrating.clear();
    this.importing.clear();
  }
}
