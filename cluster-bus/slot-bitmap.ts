/**
 * Slot bitmaps: the 2048-byte sets of hash slots that travel in every bus header (`myslots`) and
 * in UPDATE messages (redis-wire.md §1.2). Slot j lives in byte j>>3, at bit j&7 counted from the
 * least significant bit, so slots 0-7 are byte 0 = 0xff and slots 0-100 are 12 bytes of 0xff and
 * then 0x1f (checked against a real 7.0 node's PONG in test/unit/message-codec.test.ts).
 *
 * These are plain functions over Uint8Array rather than a class so that the codec can hand the
 * state machine the bytes it decoded without wrapping them, and so that a bitmap can be compared
 * or copied with the ordinary typed-array tools.
 */
import { SLOT_BITMAP_BYTES, SLOT_COUNT } from './messages';

/** A fresh bitmap with no slot set. */
export function emptySlotBitmap(): Uint8Array {
  return new Uint8Array(SLOT_BITMAP_BYTES);
}

function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) {
    throw new RangeError(`slot out of range: ${slot}`);
  }
}

/** Whether `slot` is set. Throws RangeError for a slot outside 0..16383 (a caller's bug). */
export function slotBitmapHas(bitmap: Uint8Array, slot: number): boolean {
  checkSlot(slot);
  return ((bitmap[slot >> 3] ?? 0) & (1 << (slot & 7))) !== 0;
}

/** Sets `slot` in place. */
export function setSlotBit(bitmap: Uint8Array, slot: number): void {
  checkSlot(slot);
  const i = slot >> 3;
  bitmap[i] = (bitmap[i] ?? 0) | (1 << (slot & 7));
}

/** Clears `slot` in place. */
export function clearSlotBit(bitmap: Uint8Array, slot: number): void {
  checkSlot(slot);
  const i = slot >> 3;
  bitmap[i] = (bitmap[i] ?? 0) & ~(1 << (slot & 7));
}

/** Bits set in each byte value, so counting a whole bitmap is 2048 lookups. */
export const POPCOUNT_BYTE: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let b = 1; b < 256; b++) table[b] = (b & 1) + (table[b >> 1] ?? 0);
  return table;
})();

/** How many slots are set. */
export function slotBitmapCount(bitmap: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bitmap.length; i++) n += POPCOUNT_BYTE[bitmap[i] ?? 0] ?? 0;
  return n;
}

/** Whether two bitmaps hold the same slots (byte for byte). */
export function slotBitmapEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A bitmap with every slot of the inclusive range [first, last] set; handy in tests and setup. */
export function slotBitmapFromRange(first: number, last: number): Uint8Array {
  const bitmap = emptySlotBitmap();
  for (let s = first; s <= last; s++) setSlotBit(bitmap, s);
  return bitmap;
}

/**
 * The set slots as [start, end] ranges, ascending. A byte at 0x00 or 0xff continues or ends the
 * current range whole, so a node's usual few long ranges cost one look per byte, not per slot.
 */
export function slotBitmapRanges(bitmap: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i < bitmap.length; i++) {
    const byte = bitmap[i] ?? 0;
    if (byte === 0xff) {
      if (start < 0) start = i << 3;
      continue;
    }
    if (byte === 0 && start < 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      const slot = (i << 3) | bit;
      if ((byte & (1 << bit)) !== 0) {
        if (start < 0) start = slot;
      } else if (start >= 0) {
        out.push([start, slot - 1]);
        start = -1;
      }
    }
  }
  if (start >= 0) out.push([start, bitmap.length * 8 - 1]);
  return out;
}

/** The set slots in ascending order. */
export function slotBitmapSlots(bitmap: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bitmap.length; i++) {
    const byte = bitmap[i] ?? 0;
    if (byte === 0) continue;
    for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) out.push(i * 8 + bit);
  }
  return out;
}
