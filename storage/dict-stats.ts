/**
 * The text of DEBUG HTSTATS and HTSTATS-KEY: Redis's dictGetStats report for one dict, drawn
 * from the modelled table sizes (dict-tables.ts) and the real elements.
 *
 *   Hash table 0 stats (main hash table):
 *    table size: 8                         exact: the modelled size
 *    number of elements: 5                 exact when no rehash is under way
 *    different slots: 4                    buckets holding at least one element
 *    max chain length: 2
 *    avg chain length (counted): 1.25      elements in chains / non-empty buckets
 *    avg chain length (computed): 1.25     elements / non-empty buckets
 *    Chain length distribution:
 *      0: 4 (50.00%)                       buckets with that many elements, and their share
 *      1: 3 (37.50%)
 *      2: 1 (12.50%)
 *   Hash table 1 stats (rehashing target): the same, while a rehash is under way
 *
 * Which bucket an element falls into depends on Redis's siphash with a random seed chosen at
 * start-up, so no two redis-servers print the same distribution. Here the buckets come from a
 * hash of hashslot's own over the real elements: the figures have Redis's shape and agree with
 * each other (chains add up to the elements, buckets to the table size), without claiming to be
 * Redis's. While rehashing, the elements added since the rehash began are taken to be the last
 * ones given (a Map's most recent; for the keyspace, the key table's last slots) and are in
 * table 1, and the modelled steps are played over table 0's
 * buckets the way dictRehash walks them: one non-empty bucket moved per step, or ten empty ones
 * passed.
 *
 * The numbers are printed as Redis's C code prints them: the ratios are single-precision floats
 * and %.02f rounds the exact binary value, ties to even (3.125 prints 3.12).
 */
import type { ByteString } from './bytes';
import type { DictTables } from './dict-tables';

/** DICT_STATS_VECTLEN: chain lengths counted one by one; the last slot holds all longer ones. */
const STATS_VECTLEN = 50;
/** Redis formats the report into a 4096-byte buffer (with its NUL): longer text is cut. */
const STATS_BUFFER_BYTES = 4096;
/** dictRehash visits at most this many empty buckets per bucket it is asked to move. */
const EMPTY_VISITS_PER_STEP = 10;

/**
 * The report for one dict holding `elements` (oldest first, as far as known). Settles `tables` when the
 * played steps turn out to have finished the rehash, as they would have in Redis.
 */
export function dictStatsText(tables: DictTables, elements: readonly ByteString[]): string {
  let text: string;
  if (!tables.rehashing) {
    text = tableText(0, tables.size0, bucketsOf(elements, tables.size0));
  } else {
    const split = playRehash(tables, elements);
    if (split === null) {
      tables.finishRehash();
      text = tableText(0, tables.size0, bucketsOf(elements, tables.size0));
    } else {
      text = tableText(0, tables.size0, split.table0) + tableText(1, tables.size1, split.table1);
    }
  }
  return text.length < STATS_BUFFER_BYTES ? text : text.slice(0, STATS_BUFFER_BYTES - 1);
}

/** Elements per bucket of a table of `size` buckets. */
function bucketsOf(elements: readonly ByteString[], size: number): Uint32Array {
  const chains = new Uint32Array(size);
  const mask = size - 1;
  for (const element of elements) chains[elementHash(element) & mask]!++;
  return chains;
}

/** Where each element is after the modelled rehash steps; null when the rehash has finished. */
function playRehash(tables: DictTables, elements: readonly ByteString[]): { table0: Uint32Array; table1: Uint32Array } | null {
  const older = Math.max(0, elements.length - tables.addedSinceExpand);
  const mask0 = tables.size0 - 1;
  const table0 = new Uint32Array(tables.size0);
  for (let i = 0; i < older; i++) table0[elementHash(elements[i] as ByteString) & mask0]!++;
  // dictRehash, one step at a time: skip empty buckets (at most ten per step), move one.
  let index = 0;
  let remaining = older;
  for (let step = 0; step < tables.steps && remaining > 0; step++) {
    let emptyVisits = EMPTY_VISITS_PER_STEP;
    while (index < tables.size0 && table0[index] === 0 && emptyVisits > 0) {
      index++;
      emptyVisits--;
    }
    if (emptyVisits === 0 || index >= tables.size0) continue;
    remaining -= table0[index] as number;
    index++;
  }
  if (remaining === 0) return null;
  const mask1 = tables.size1 - 1;
  const table1 = new Uint32Array(tables.size1);
  for (let i = 0; i < elements.length; i++) {
    const h = elementHash(elements[i] as ByteString);
    if (i < older && (h & mask0) >= index) continue;
    table1[h & mask1]!++;
  }
  for (let b = 0; b < index; b++) table0[b] = 0;
  return { table0, table1 };
}

/** One table's paragraph (_dictGetStatsHt). */
function tableText(which: 0 | 1, size: number, chains: Uint32Array): string {
  const header = `Hash table ${which} stats (${which === 0 ? 'main hash table' : 'rehashing target'}):\n`;
  let used = 0;
  for (const n of chains) used += n;
  if (used === 0) return `${header}No stats available for empty dictionaries\n`;
  const histogram = new Array<number>(STATS_VECTLEN).fill(0);
  let slots = 0;
  let maxChain = 0;
  let totalChain = 0;
  for (const n of chains) {
    histogram[Math.min(n, STATS_VECTLEN - 1)]!++;
    if (n === 0) continue;
    slots++;
    if (n > maxChain) maxChain = n;
    totalChain += n;
  }
  let text =
    header +
    ` table size: ${size}\n` +
    ` number of elements: ${used}\n` +
    ` different slots: ${slots}\n` +
    ` max chain length: ${maxChain}\n` +
    ` avg chain length (counted): ${fixed2(Math.fround(totalChain / slots))}\n` +
    ` avg chain length (computed): ${fixed2(Math.fround(used / slots))}\n` +
    ' Chain length distribution:\n';
  // Redis prints lengths 0..48: the slot of longer chains is counted but not shown.
  for (let i = 0; i < STATS_VECTLEN - 1; i++) {
    const count = histogram[i] as number;
    if (count === 0) continue;
    text += `   ${i}: ${count} (${fixed2(Math.fround(Math.fround(count / size) * 100))}%)\n`;
  }
  return text;
}

/**
 * printf's %.2f of a double: the exact binary value rounded to two decimals, an exact tie to the
 * even digit (toFixed would round 3.125 up; glibc prints 3.12).
 */
export function fixed2(x: number): string {
  const rounded = x.toFixed(2);
  const exact = x.toFixed(60);
  const dot = exact.indexOf('.');
  const tail = exact.slice(dot + 3);
  if (!/^50*$/.test(tail)) return rounded;
  // An exact tie: toFixed went away from zero; step back if that made the last digit odd.
  const lastDigit = rounded.charCodeAt(rounded.length - 1) - 48;
  if (lastDigit % 2 === 0) return rounded;
  return exact.slice(0, dot + 3);
}

/**
 * hashslot's stand-in for Redis's siphash: FNV-1a over the bytes, then a finalizer so that the
 * low bits a table mask keeps depend on every byte.
 */
export function elementHash(s: ByteString): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i) & 0xff;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
