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

  /**
   * Up to `count` keys of a slot, newest first, as CLUSTER GETKEYSINSLOT lists them: Redis 7.0
   * puts each new key at the head of its slot's list. A Set keeps insertion order and leaves an
   * overwritten key where it was (Redis overwrites in place too), and a key deleted and added
   * again goes last, so reading it backwards gives Redis's order.
   */
  keys(slot: number, count = Number.POSITIVE_INFINITY): ByteString[] {
    const set = this.slots[slot];
    if (set === undefined) return [];
    const all = [...set];
    const out: ByteString[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < count; i--) out.push(all[i] as ByteString);
    return out;
  }
}
