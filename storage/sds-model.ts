/**
 * The sds strings Redis 7.0 would hold for a key's name and a string value: their length, the
 * room left after it (avail) and the allocator's block (zmalloc), as DEBUG SDSLEN reports them.
 *
 *   ┌────────┬──────────────────────────┬───┬───────────┐
 *   │ header │ bytes (len)              │\0 │ avail     │   one jemalloc block (zmalloc)
 *   └────────┴──────────────────────────┴───┴───────────┘
 *   header by capacity: sdshdr5 (1 byte, below 32, no room for an alloc field: avail is 0),
 *   sdshdr8 (3, below 256), sdshdr16 (5, below 64 KiB), sdshdr32 (9), sdshdr64 (17)
 *
 * Where the figures come from, following Redis's code paths:
 *   - a new sds (sdsnewlen: a key's name, a copy) asks for header + len + 1 bytes and keeps
 *     whatever room jemalloc's size class gives it (up to what the header type can record);
 *   - a value from a client (SET and friends, RDB loading) above 44 bytes is a raw sds made that
 *     way, then trimmed to no room if the room exceeds a tenth of its length (the block stays);
 *     44 bytes or less is an embstr: object header and sds in one block, no room;
 *   - APPEND, SETRANGE, SETBIT, BITFIELD first turn an embstr or integer into a raw sds of its
 *     exact length, then grow it greedily when it must grow (sdsMakeRoomFor: twice the needed
 *     length below 1 MB, 1 MB more beyond; never an sdshdr5).
 * Growth depends on history, so the database remembers the state of each string edited in place
 * (an SdsAlloc); any other string's state follows from its bytes.
 */
import { mallocSize } from './memory-model';

/** An sds's capacity (`alloc`: the length an sdshdr5 holds) and the block it lives in. */
export interface SdsAlloc {
  readonly alloc: number;
  readonly zmalloc: number;
}

/** SDS_MAX_PREALLOC: beyond this length growth adds 1 MB instead of doubling. */
const MAX_PREALLOC_BYTES = 1024 * 1024;
/** sizeof(robj). */
const ROBJ_BYTES = 16;

/** The header an sds of capacity `length` gets (sdsReqType), in bytes. */
function headerBytes(length: number, allowType5: boolean): number {
  if (length < 32) return allowType5 ? 1 : 3;
  if (length < 256) return 3;
  if (length < 65536) return 5;
  if (length < 2 ** 32) return 9;
  return 17;
}

/** The largest capacity a header of `header` bytes can record (sdsTypeMaxSize). */
function headerMaxAlloc(header: number): number {
  switch (header) {
    case 3: return 255;
    case 5: return 65535;
    case 9: return 2 ** 32 - 1;
    default: return Number.MAX_SAFE_INTEGER;
  }
}

/** What jemalloc's block leaves as capacity under a header of `header` bytes. */
function usableAlloc(header: number, zmalloc: number): number {
  return Math.min(zmalloc - header - 1, headerMaxAlloc(header));
}

/** sdsnewlen(len): an sds of exactly `length` bytes keeping the block's slack (an empty one is sdshdr8). */
export function newSds(length: number): SdsAlloc {
  const header = headerBytes(length, length !== 0);
  const zmalloc = mallocSize(header + length + 1);
  return { alloc: header === 1 ? length : usableAlloc(header, zmalloc), zmalloc };
}

/** A raw value as a client's SET leaves it: a new sds, trimmed if its room exceeds len / 10. */
export function trimmedSds(length: number): SdsAlloc {
  const fresh = newSds(length);
  return fresh.alloc - length > Math.floor(length / 10) ? { alloc: length, zmalloc: fresh.zmalloc } : fresh;
}

/** sdsMakeRoomFor (greedy) so that `length` bytes fit: unchanged if they fit already. */
export function grownSds(current: SdsAlloc, length: number): SdsAlloc {
  if (length <= current.alloc) return current;
  const wanted = length < MAX_PREALLOC_BYTES ? length * 2 : length + MAX_PREALLOC_BYTES;
  const header = headerBytes(wanted, false);
  const zmalloc = mallocSize(header + wanted + 1);
  return { alloc: usableAlloc(header, zmalloc), zmalloc };
}

/** The sds part of an embstr's block: the block minus the object header. */
export function embstrSdsBytes(length: number): number {
  return mallocSize(ROBJ_BYTES + 3 + length + 1) - ROBJ_BYTES;
}

/** The encoding byte of a sparse HyperLogLog ("HYLL" then 0 dense, 1 sparse). */
const HLL_SPARSE = 1;
/** A HyperLogLog's sparse form as createHLLObject makes it: the header and one XZERO opcode. */
const HLL_NEW_SPARSE_BYTES = 18;
/** The room hllSparseSet asks for before every register update (an XZERO split in three). */
const HLL_SPARSE_UPDATE_ROOM = 3;

/**
 * The state of a HyperLogLog after PFADD, PFMERGE or PFCOUNT's cache update left it `length`
 * bytes long. A sparse one grew by register updates of up to 3 bytes, each preceded by
 * sdsMakeRoomFor(3): replayed in steps of 3 from `fromLength`, which places each growth within
 * two bytes of where Redis made it. A dense one that was not dense before was built afresh at
 * its exact size (promotion, or a merge into a dense result).
 */
function hllEditedSds(base: SdsAlloc | undefined, fromLength: number, length: number, sparse: boolean): SdsAlloc {
  if (!sparse) return base !== undefined && base.alloc >= length ? base : newSds(length);
  let state = base ?? newSds(HLL_NEW_SPARSE_BYTES);
  let at = base === undefined ? HLL_NEW_SPARSE_BYTES : fromLength;
  do {
    state = grownSds(state, at + HLL_SPARSE_UPDATE_ROOM);
    at += HLL_SPARSE_UPDATE_ROOM;
  } while (at < length);
  return state;
}

/** The sds an embstr, integer or raw value has once an edit has unshared it (before growing). */
function unsharedSds(before: PriorString): SdsAlloc {
  return before.raw ? trimmedSds(before.length) : newSds(before.length);
}

/** A string before an in-place edit, as far as its sds goes: its length, and whether Redis held it raw. */
export interface PriorString {
  readonly length: number;
  readonly raw: boolean;
}

/**
 * The sds after an in-place write leaves a string `length` bytes long, its first bytes `head`.
 * `prior` is what was there: the remembered sds of a string edited before; the string itself
 * (a raw one is edited where it is, an embstr or integer first copied into an exact sds);
 * undefined for a key the edit creates; 'fresh' for a value the command built anew (BITOP's
 * result, a new HyperLogLog). `priorLength`: the string's length before the write.
 * HyperLogLogs grow by their own steps (hllEditedSds).
 */
export function sdsAfterInPlaceWrite(prior: SdsAlloc | PriorString | 'fresh' | undefined, priorLength: number, head: string, length: number): SdsAlloc {
  const hll = head.startsWith('HYLL') && head.length > 4 ? head.charCodeAt(4) : null;
  if (prior === 'fresh') return hll === null ? newSds(length) : hllEditedSds(undefined, 0, length, hll === HLL_SPARSE);
  const base = prior === undefined ? undefined : 'raw' in prior ? unsharedSds(prior) : prior;
  if (hll !== null) return hllEditedSds(base, priorLength, length, hll === HLL_SPARSE);
  return base === undefined ? newSds(length) : grownSds(base, length);
}
