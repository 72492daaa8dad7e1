/**
 * In cluster mode, the keys of each of the 16384 hash slots (a database keeps none in standalone
 * mode, where nothing needs them). It makes CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT cheap, and
 * lets a node drop the keys of a slot it no longer serves, as Redis's slot-to-keys index does.
 */
import type { ByteString } from './bytes';
import { SLOT_COUNT, keyHashSlot } from './key-slot';

export class SlotKeyIndex {
  private slots = new Array<Set<ByteString> | undefined>(SLOT_COUNT);

  add(key: ByteString): void {
    const slot = keyHashSlot(key);
    let set = this.slots[slot];
    if (set === undefined) this.slots[slot] = set = new Set();
    set.add(key);
  }

  remove(key: ByteString): void {
    this.slots[keyHashSlot(key)]?.delete(key);
  }

  clear(): void {
    this.slots = new Array<Set<ByteString> | undefined>(SLOT_COUNT);
  }

  count(slot: number): number {
    return this.slots[slot]?.size ?? 0;
  }

  /** Up to `count` keys of a slot. */
  keys(slot: number, count = Number.POSITIVE_INFINITY): ByteString[] {
    const out: ByteString[] = [];
    const set = this.slots[slot];
    if (set === undefined) return out;
    for (const key of set) {
      if (out.length >= count) break;
      out.push(key);
    }
    return out;
  }
}
