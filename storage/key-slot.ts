/**
 * The hash slot of a key: CRC-16/XMODEM of the key (or of its hash tag) modulo 16384, exactly as
 * Redis Cluster computes it (redis-wire.md §1.13). A hash tag is the part between the first '{'
 * and the first '}' after it, when non-empty: `{user1000}.following` and `{user1000}.followers`
 * land in the same slot, which is what makes multi-key commands possible in a cluster.
 *
 * Keys are byte strings; the table-driven CRC works on their char codes (bytes).
 */

/** How many hash slots a cluster has: every key maps to one of 0..SLOT_COUNT-1. */
export const SLOT_COUNT = 16384;

/**
 * The slots master `index` of `masters` serves in an even split, as `redis-cli --cluster create`
 * makes it (npm start's cluster and hashslot/testing form theirs this way).
 */
export function evenSlotShare(index: number, masters: number): number[] {
  const first = Math.floor((SLOT_COUNT * index) / masters);
  const last = Math.floor((SLOT_COUNT * (index + 1)) / masters) - 1;
  const slots: number[] = [];
  for (let slot = first; slot <= last; slot++) slots.push(slot);
  return slots;
}

/** CRC-16/XMODEM lookup table: polynomial 0x1021, MSB first. */
const CRC16_TABLE = ((): Uint16Array => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC-16/XMODEM of bytes [start, end) of a byte string. */
export function crc16(bytes: string, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ bytes.charCodeAt(i)) & 0xff] as number);
  }
  return crc;
}

export function keyHashSlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) & (SLOT_COUNT - 1);
  }
  return crc16(key) & (SLOT_COUNT - 1);
}
