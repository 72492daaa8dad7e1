/**
 * What Redis 7.0 would allocate for a key and its value: the figure MEMORY USAGE reports and the
 * figure used_memory (and so maxmemory eviction) adds up, modelled instead of measured.
 *
 * hashslot's own objects live on V8's heap, whose size moves with garbage collection, not with
 * DEL; a client watching used_memory, or a maxmemory limit, needs a figure that follows the
 * dataset at once and that means what it means on Redis. So each key is charged what Redis's
 * allocator (jemalloc, 16-byte quantum) would hand out for it:
 *
 *   dict entry (24)  +  key sds  +  value object
 *
 *   value object by encoding (OBJECT ENCODING's names, encodings.ts):
 *     int        robj (16)                         the number lives in the pointer
 *     embstr     one block: robj + sds8 header + bytes + NUL   (up to 44 bytes: one 64-byte class)
 *     raw        robj + sds block
 *     listpack   robj + the listpack block (hash, zset)        entries sized as Redis encodes them
 *     quicklist  robj + quicklist (40) + per node (40 + listpack block), nodes filled to 8 KB
 *     intset     robj + header (8) + n * width
 *     hashtable  robj + dict (56) + 8 * buckets + per element: sds(s) + dict entry
 *     skiplist   robj + zset + zskiplist + dict + buckets + 32-level header + per member: sds,
 *                node (levels drawn with p = 1/4: its mean size), dict entry
 *     stream     estimated from the stream's counts (see streamBytes)
 *
 * jemalloc rounds every request up to a size class: 8, 16, 32, 48 ... 128 by 16, then four
 * classes per doubling (160, 192, 224, 256, 320 ...). Every block above goes through `mallocSize`,
 * which is what makes MEMORY USAGE agree with Redis's to the byte for small values.
 *
 * Big containers are sampled (MEMORY USAGE's SAMPLES, and the accounting's own bound) the way
 * Redis's objectComputeSize samples: the mean of the first few elements times the count.
 */
import type { ByteString } from './bytes';
import { wasConverted, type HeldStringForm, HASH_MAX_LISTPACK_ENTRIES, LISTPACK_MAX_VALUE, SET_MAX_INTSET_ENTRIES, ZSET_MAX_LISTPACK_ENTRIES } from './encodings';
import { formatDouble, isInt64String, parseInt64 } from './numbers';
import { listpackEntryBytes } from './rdb/listpack';
import { ID_MAX, ID_ZERO } from './stream-id';
import type { ContainerValue, HashValue, ListValue, SetValue, SortedSetValue, StoredValue } from './values';
import type { StreamValue } from './stream';

/** sizeof(robj), dictEntry, dict, quicklist, quicklistNode in Redis 7.0 on x86-64. */
export const ROBJ_BYTES = 16;
export const DICT_ENTRY_BYTES = 24;
/**
 * What a dict entry really takes: jemalloc has no 24-byte class, so 32. MEMORY USAGE adds
 * sizeof(dictEntry) (24); used_memory counts the allocation (32).
 */
export const DICT_ENTRY_ALLOC_BYTES = 32;

/**
 * The sizes of Redis's fixed structures as counted: MEMORY USAGE adds sizeof() of each;
 * used_memory counts the jemalloc class each is allocated from (40 -> 48, 56 -> 64, 24 -> 32).
 */
export interface StructSizes {
  dictEntry: number;
  dict: number;
  quicklist: number;
  quicklistNode: number;
}
export const SIZEOF: StructSizes = { dictEntry: 24, dict: 56, quicklist: 40, quicklistNode: 40 };
export const ALLOCATED: StructSizes = { dictEntry: 32, dict: 64, quicklist: 48, quicklistNode: 48 };
/** struct zset (dict*, zsl*) and struct zskiplist (header, tail, length, level). */
const ZSET_BYTES = 16;
const ZSKIPLIST_BYTES = 32;
/** The skiplist's header node: 32 levels of (forward, span) after ele, score, backward. */
const ZSKIPLIST_HEADER_BYTES = mallocSize(24 + 32 * 16);
/**
 * The mean allocation of a skiplist node (ele, score, backward, then 16 bytes a level), levels
 * drawn as Redis draws them (p = 1/4, at most 32): sum over L of P(L) * mallocSize(24 + 16 L).
 */
const ZSKIPLIST_NODE_MEAN_BYTES = meanSkiplistNodeBytes();
/** The listpack header (total bytes, count) and end byte. */
const LISTPACK_EMPTY_BYTES = 7;
/** list-max-listpack-size -2: a quicklist node's listpack stays within 8 KB. */
const QUICKLIST_NODE_MAX_BYTES = 8192;
/** Redis's SIZE_ESTIMATE_OVERHEAD: what a node adds to an element's length before checking. */
const QUICKLIST_ESTIMATE_OVERHEAD = 8;
/** Elements a container estimate reads before it extrapolates (the accounting's own bound). */
export const ACCOUNTING_SAMPLES = 64;

/** The size class jemalloc serves a request of `n` bytes from. */
export function mallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~15;
  // Four classes per doubling: spacing is a quarter of the power of two below n.
  const power = 2 ** Math.floor(Math.log2(n - 1));
  const step = power / 4;
  return Math.ceil(n / step) * step;
}

/** The block of an sds string of `length` bytes: the smallest header that holds it, then NUL. */
export function sdsAllocSize(length: number, allowType5 = true): number {
  let header: number;
  if (length < 32 && allowType5) header = 1;
  else if (length < 256) header = 3;
  else if (length < 65536) header = 5;
  else if (length < 2 ** 32) header = 9;
  else header = 17;
  return mallocSize(header + length + 1);
}

/** A table of buckets for `used` elements: the next power of two, at least 4 (none when empty). */
export function dictBucketBytes(used: number): number {
  if (used === 0) return 0;
  if (used <= 4) return 32;
  // The next power of two by bit count (runs before every command under maxmemory); beyond
  // 2^30 keys a shift would overflow, so Math takes over.
  return used <= 1 << 30 ? 8 * (1 << (32 - Math.clz32(used - 1))) : 8 * 2 ** Math.ceil(Math.log2(used));
}

/** What a key costs besides its value: the dict entry (as allocated) and the key's sds. */
export function keyOverheadBytes(key: ByteString): number {
  return DICT_ENTRY_ALLOC_BYTES + sdsAllocSize(key.length);
}

/** A string value's object, by the encoding Redis would choose for it (int, embstr, raw). */
export function stringObjectBytes(value: ByteString, raw = false): number {
  const length = value.length;
  // Only a digit or '-' can start an integer: most values are turned away by one comparison.
  const first = value.charCodeAt(0);
  if (!raw && length <= 20 && (first === 45 || (first >= 48 && first <= 57)) && isInt64String(value)) return ROBJ_BYTES;
  if (!raw && length <= 44) return embstrObjectBytes(length);
  return ROBJ_BYTES + sdsAllocSize(length, false);
}

/** An embstr: the object and an sdshdr8 of `length` bytes (and its NUL) in one block. */
function embstrObjectBytes(length: number): number {
  return mallocSize(ROBJ_BYTES + 3 + length + 1);
}

/** A raw string's object of `length` bytes (a value edited in place). */
export function rawStringObjectBytes(length: number): number {
  return ROBJ_BYTES + sdsAllocSize(length, false);
}

/**
 * A container's object as Redis would hold it. `samples` bounds how many elements are read
 * before extrapolating (0: all of them), as MEMORY USAGE's SAMPLES does.
 */
export function containerBytes(value: ContainerValue, samples: number, sizes: StructSizes = ALLOCATED): number {
  switch (value.kind) {
    case 'list':
      return listBytes(value, samples, sizes);
    case 'hash':
      return hashBytes(value, samples, sizes);
    case 'set':
      return setBytes(value, samples, sizes);
    case 'zset':
      return zsetBytes(value, samples, sizes);
    case 'stream':
      return streamBytes(value, samples);
  }
}

/** MEMORY USAGE's figure: the value object, the key's sds and its dict entry. */
export function keyUsageBytes(key: ByteString, value: StoredValue, form: HeldStringForm, samples: number): number {
  let object: number;
  if (typeof value !== 'string') object = containerBytes(value, samples, SIZEOF);
  else if (form === 'embstr') object = embstrObjectBytes(value.length);
  else object = stringObjectBytes(value, form === 'raw');
  return object + DICT_ENTRY_BYTES + sdsAllocSize(key.length);
}

// ---------------------------------------------------------------------------------------------
// Lists: a quicklist of listpacks

/**
 * Fills nodes as Redis's pushes do: an element joins the current node while the node's
 * listpack plus the element's length plus 8 stays within 8 KB. Past `samples` elements the
 * rest is extrapolated from the mean element seen.
 */
function listBytes(list: ListValue, samples: number, sizes: StructSizes): number {
  const items = list.items;
  const count = items.length;
  // MEMORY USAGE reads up to 4096 elements (Redis samples whole 8 KB nodes); the accounting 256.
  const limit = samples === 0 ? count : Math.min(count, samples === ACCOUNTING_SAMPLES ? 256 : 4096);
  let nodes = 0;
  let nodeBytes = 0;
  let blocks = 0;
  for (let i = 0; i < limit; i++) {
    const item = items.peekAt(i) as ByteString;
    const entry = listpackEntryBytes(item);
    if (nodes === 0 || nodeBytes + item.length + QUICKLIST_ESTIMATE_OVERHEAD > QUICKLIST_NODE_MAX_BYTES) {
      if (nodes > 0) blocks += mallocSize(nodeBytes);
      nodes++;
      nodeBytes = LISTPACK_EMPTY_BYTES;
    }
    nodeBytes += entry;
  }
  if (limit < count) {
    // The rest at the mean of elements spread over the whole list (the first ones may not be
    // typical): first into the current node, then node after node.
    let entry = 0;
    let length = 0;
    const spread = Math.min(64, count);
    for (let k = 0; k < spread; k++) {
      const item = items.peekAt(Math.floor((k * count) / spread)) as ByteString;
      entry += listpackEntryBytes(item);
      length += item.length;
    }
    entry /= spread;
    length /= spread;
    const room = QUICKLIST_NODE_MAX_BYTES - QUICKLIST_ESTIMATE_OVERHEAD - length;
    let rest = count - limit;
    const intoCurrent = Math.min(rest, Math.max(0, Math.floor((room - nodeBytes) / entry) + 1));
    nodeBytes += intoCurrent * entry;
    rest -= intoCurrent;
    const perNode = Math.max(1, Math.floor((room - LISTPACK_EMPTY_BYTES) / entry) + 1);
    const fullNodes = Math.floor(rest / perNode);
    const last = rest - fullNodes * perNode;
    blocks += fullNodes * mallocSize(Math.round(LISTPACK_EMPTY_BYTES + perNode * entry));
    nodes += fullNodes;
    if (last > 0) {
      blocks += mallocSize(Math.round(nodeBytes));
      nodes++;
      nodeBytes = LISTPACK_EMPTY_BYTES + last * entry;
    }
  }
  if (nodes > 0) blocks += mallocSize(Math.round(nodeBytes));
  return ROBJ_BYTES + sizes.quicklist + nodes * sizes.quicklistNode + blocks;
}

// ---------------------------------------------------------------------------------------------
// Hashes, sets, sorted sets

function isListpackHash(hash: HashValue): boolean {
  const fields = hash.fields;
  if (wasConverted(fields) || fields.size > HASH_MAX_LISTPACK_ENTRIES) return false;
  for (const [field, value] of fields) if (field.length > LISTPACK_MAX_VALUE || value.length > LISTPACK_MAX_VALUE) return false;
  return true;
}

function hashBytes(hash: HashValue, samples: number, sizes: StructSizes): number {
  const fields = hash.fields;
  if (isListpackHash(hash)) {
    let bytes = LISTPACK_EMPTY_BYTES;
    for (const [field, value] of fields) bytes += listpackEntryBytes(field) + listpackEntryBytes(value);
    return ROBJ_BYTES + mallocSize(bytes);
  }
  const mean = sampleMean(fields, samples, (field, value) => sdsAllocSize(field.length) + sdsAllocSize(value.length) + sizes.dictEntry);
  return ROBJ_BYTES + sizes.dict + dictBucketBytes(fields.size) + Math.round(mean * fields.size);
}

function setBytes(set: SetValue, samples: number, sizes: StructSizes): number {
  const members = set.members;
  if (!wasConverted(members) && members.size <= SET_MAX_INTSET_ENTRIES) {
    let width = 2;
    let allInts = true;
    for (const member of members) {
      if (member.length > 20 || !isInt64String(member)) {
        allInts = false;
        break;
      }
      width = Math.max(width, intsetWidth(member));
    }
    if (allInts) return ROBJ_BYTES + mallocSize(8 + members.size * width);
  }
  const mean = sampleMean(members, samples, (member) => sdsAllocSize(member.length) + sizes.dictEntry);
  return ROBJ_BYTES + sizes.dict + dictBucketBytes(members.size) + Math.round(mean * members.size);
}

/** Bytes an intset needs per element to hold this integer (16, 32 or 64 bits). */
function intsetWidth(member: ByteString): number {
  const n = parseInt64(member) ?? 0n;
  if (n >= -32768n && n <= 32767n) return 2;
  if (n >= -2147483648n && n <= 2147483647n) return 4;
  return 8;
}

function zsetBytes(zset: SortedSetValue, samples: number, sizes: StructSizes): number {
  const scores = zset.scores;
  let listpack = !wasConverted(scores) && scores.size <= ZSET_MAX_LISTPACK_ENTRIES;
  if (listpack) for (const member of scores.keys()) if (member.length > LISTPACK_MAX_VALUE) listpack = false;
  if (listpack) {
    let bytes = LISTPACK_EMPTY_BYTES;
    for (const [member, score] of scores) bytes += listpackEntryBytes(member) + listpackEntryBytes(formatDouble(score));
    return ROBJ_BYTES + mallocSize(bytes);
  }
  const mean = sampleMean(scores, samples, (member) => sdsAllocSize(member.length) + ZSKIPLIST_NODE_MEAN_BYTES + sizes.dictEntry);
  const fixed = ROBJ_BYTES + ZSET_BYTES + ZSKIPLIST_BYTES + sizes.dict + ZSKIPLIST_HEADER_BYTES;
  return fixed + dictBucketBytes(scores.size) + Math.round(mean * scores.size);
}

/** A Map, a Set (each member its own value), or a sorted set's MemberScores. */
interface SampledEntries<K, V> {
  readonly size: number;
  entries(): IterableIterator<[K, V]>;
}

/** The mean cost of the first `samples` entries (all when 0, at least one). */
function sampleMean<K, V>(entries: SampledEntries<K, V>, samples: number, cost: (key: K, value: V) => number): number {
  if (entries.size === 0) return 0;
  const limit = samples === 0 ? entries.size : Math.min(entries.size, samples);
  let sum = 0;
  let n = 0;
  for (const [key, value] of entries.entries()) {
    sum += cost(key, value);
    if (++n >= limit) break;
  }
  return sum / n;
}

function meanSkiplistNodeBytes(): number {
  let mean = 0;
  let p = 0.75;
  for (let level = 1; level <= 32; level++) {
    const probability = level === 32 ? p / 0.75 : p;
    mean += probability * mallocSize(24 + 16 * level);
    p *= 0.25;
  }
  return mean;
}

// ---------------------------------------------------------------------------------------------
// Streams

/**
 * The stream struct, its radix tree and the consumer-group machinery, per piece: approximate,
 * calibrated on a one-entry stream's MEMORY USAGE (4728 with its key).
 */
const STREAM_BYTES = 536;
const RAX_NODE_BYTES = 48;
const STREAM_NODE_PREALLOC_BYTES = 4096;
const CONSUMER_GROUP_BYTES = 200;

/**
 * An estimate read from what any stream layout can answer (its node and entry counts, a few
 * entries from the front), so it survives a change of the node layout: Redis preallocates
 * 4 KB for the newest node's listpack; every entry costs its fields, values and ID deltas.
 */
function streamBytes(stream: StreamValue, samples: number): number {
  const count = stream.length;
  const nodes = stream.nodes.length;
  let perEntry = 0;
  if (count > 0) {
    const sample = stream.range(ID_ZERO, ID_MAX, samples === 0 ? Math.min(count, 1000) : Math.max(1, samples));
    let sum = 0;
    for (const entry of sample) {
      sum += 4; // flags and ID deltas, in their shortest forms
      for (const item of entry.pairs) sum += listpackEntryBytes(item);
    }
    perEntry = sample.length === 0 ? 0 : sum / sample.length;
  }
  // Each node's listpack is allocated 4 KB up front and grows past it only by its last entry.
  const listpacks = Math.max(Math.round(count * perEntry), nodes * STREAM_NODE_PREALLOC_BYTES);
  return ROBJ_BYTES + STREAM_BYTES + nodes * RAX_NODE_BYTES + listpacks + stream.groups.size * CONSUMER_GROUP_BYTES;
}
