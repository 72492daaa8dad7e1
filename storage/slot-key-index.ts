/**
 * In cluster mode, the keys of each of the 16384 hash slots (a database keeps none in standalone
 * mode, where nothing needs them). It makes CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT cheap, and
 * lets a node drop the keys of a slot it no longer serves, as Redis's slot-to-keys index does.
 *
 * GETKEYSINSLOT lists a slot's keys newest first: Redis 7.0 puts each new key at the head of its
 * slot's list, and an overwritten key keeps its place. Each slot here keeps its keys in an
 * append-only array, oldest first, with a Map from key to its place:
 *
 *     order  [ a, (gone), c, d ]      live  { a → 0, c → 2, d → 3 }      newest first: d c a
 *
 * A key added again after a delete is appended anew; a deleted key leaves a hole (holes at the
 * end are dropped at once), and the array is compacted once holes are half of it. So reading `count` keys from the end costs about
 * `count` steps, not the slot's size: redis-cli's reshard asks for 10 keys at a time until a
 * slot is empty, and a walk over the whole slot per call would make moving a big slot quadratic.
 */
import type { ByteString } from './bytes';
import { SLOT_COUNT, keyHashSlot } from './key-slot';

class SlotKeys {
  /** Keys in the order they were added, with holes (undefined) where keys were removed. */
  order: Array<ByteString | undefined> = [];
  /** Each live key's place in `order`. */
  readonly live = new Map<ByteString, number>();

  add(key: ByteString): void {
    if (this.live.has(key)) return; // overwritten in place: it keeps its place
    this.live.set(key, this.order.length);
    this.order.push(key);
  }

  remove(key: ByteString): void {
    const at = this.live.get(key);
    if (at === undefined) return;
    this.live.delete(key);
    this.order[at] = undefined;
    // Holes at the end go at once: moving a slot takes its newest keys and deletes them, and
    // the next read must not step over all of those before.
    const order = this.order;
    while (order.length > 0 && order[order.length - 1] === undefined) order.pop();
    if (this.live.size * 2 < order.length) this.compact();
  }

  private compact(): void {
    const kept: ByteString[] = [];
    for (const key of this.order) {
      if (key === undefined) continue;
      this.live.set(key, kept.length);
      kept.push(key);
    }
    this.order = kept;
  }

  /** Up to `count` keys, newest first. */
  newest(count: number): ByteString[] {
    const out: ByteString[] = [];
    for (let i = this.order.length - 1; i >= 0 && out.length < count; i--) {
      const key = this.order[i];
      if (key !== undefined) out.push(key);
    }
    return out;
  }
}

export class SlotKeyIndex {
  private slots = new Array<SlotKeys | undefined>(SLOT_COUNT);

  add(key: ByteString): void {
    const slot = keyHashSlot(key);
    let keys = this.slots[slot];
    if (keys === undefined) this.slots[slot] = keys = new SlotKeys();
    keys.add(key);
  }

  remove(key: ByteString): void {
    this.slots[keyHashSlot(key)]?.remove(key);
  }

  clear(): void {
    this.slots = new Array<SlotKeys | undefined>(SLOT_COUNT);
  }

  count(slot: number): number {
    return this.slots[slot]?.live.size ?? 0;
  }

  /** Up to `count` keys of a slot, newest first, as CLUSTER GETKEYSINSLOT lists them. */
  keys(slot: number, count = Number.POSITIVE_INFINITY): ByteString[] {
    return this.slots[slot]?.newest(count) ?? [];
  }
}
