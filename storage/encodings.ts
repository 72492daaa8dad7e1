/**
 * The encoding names OBJECT ENCODING reports, chosen by Redis 7.0.15's default thresholds
 * (list-max-listpack-size and friends). hashslot stores every type one way; these names tell a
 * client what Redis would hold for the same value, which tests and tools read.
 */
import type { ByteString } from './bytes';
import { isInt64String } from './numbers';
import type { StoredValue } from './values';

/**
 * Containers that have been converted to Redis's big encoding (hashtable): Redis never converts
 * back when they shrink, so once a member or size crossed a threshold the container stays big.
 * Keyed by the Map/Set object a value holds.
 */
const converted = new WeakSet<object>();

/** Records that a hash or set container crossed its compact encoding's limits. */
export function markConverted(container: object): void {
  converted.add(container);
}

export function wasConverted(container: object): boolean {
  return converted.has(container);
}

export const HASH_MAX_LISTPACK_ENTRIES = 512;
export const ZSET_MAX_LISTPACK_ENTRIES = 128;
export const LISTPACK_MAX_VALUE = 64;
export const SET_MAX_INTSET_ENTRIES = 512;

/**
 * How Redis holds a string where its bytes alone do not decide (null: as they decide). 'raw':
 * modified in place; 'embstr': made by createStringObject although it reads as an integer
 * (INCRBYFLOAT's "3"); 'unshared': an integer in an object of its own rather than one of the
 * shared 0-9999 (a COPY of one).
 */
export type HeldStringForm = 'raw' | 'embstr' | 'unshared' | null;

/** OBJ_SHARED_INTEGERS: Redis keeps one object for each of 0..9999 and stores that. */
const SHARED_INTEGERS = 10000;

/**
 * Whether a string stored from a client would be one of Redis's shared integer objects (with no
 * maxmemory policy that forbids them): OBJECT REFCOUNT then says 2147483647.
 */
export function isSharedInteger(value: ByteString): boolean {
  if (value.length > 4 || !isInt64String(value)) return false;
  const n = Number(value);
  return n >= 0 && n < SHARED_INTEGERS;
}

/** A string's encoding: int, embstr (up to 44 bytes) or raw (also after in-place edits). */
export function stringEncoding(value: ByteString, form: HeldStringForm = null): string {
  if (form === 'raw') return 'raw';
  if (form !== 'embstr' && value.length <= 20 && isInt64String(value)) return 'int';
  return value.length <= 44 ? 'embstr' : 'raw';
}

export function valueEncoding(value: StoredValue, form: HeldStringForm = null): string {
  if (typeof value === 'string') return stringEncoding(value, form);
  switch (value.kind) {
    case 'list':
      return 'quicklist';
    case 'hash':
      if (converted.has(value.fields)) return 'hashtable';
      return value.fields.size <= HASH_MAX_LISTPACK_ENTRIES && allShort(value.fields.keys()) && allShort(value.fields.values()) ? 'listpack' : 'hashtable';
    case 'set':
      if (converted.has(value.members)) return 'hashtable';
      return value.members.size <= SET_MAX_INTSET_ENTRIES && every(value.members, isInt64String) ? 'intset' : 'hashtable';
    case 'zset':
      if (converted.has(value.scores)) return 'skiplist';
      return value.scores.size <= ZSET_MAX_LISTPACK_ENTRIES && allShort(value.scores.keys()) ? 'listpack' : 'skiplist';
    case 'stream':
      return 'stream';
  }
}

function allShort(items: Iterable<ByteString>): boolean {
  return every(items, (s) => s.length <= LISTPACK_MAX_VALUE);
}

function every(items: Iterable<ByteString>, test: (s: ByteString) => boolean): boolean {
  for (const item of items) if (!test(item)) return false;
  return true;
}
