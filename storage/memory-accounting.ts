/**
 * One database's share of used_memory, kept as the dataset changes rather than recomputed: the
 * modelled bytes (memory-model.ts) of every key and value, so INFO, MEMORY STATS and the
 * maxmemory check before each command read a number, not a walk over the keyspace.
 *
 * Strings are charged exactly when stored and discharged when replaced or deleted; their charge
 * depends only on the key and the bytes, so it can be recomputed from the old value.
 *
 * Containers change in place (LPUSH edits the list the dictionary already holds), after the
 * database hears of the write: the command calls markModified, or stores a new empty container
 * and then fills it. So a container's charge is settled later: a written container key joins
 * `pending`, and `settle` (run before anyone reads the figure) re-estimates each pending key once
 * and remembers its charge in `charged`, so a delete can take back exactly what was added. A
 * string edited in place (MutableString) is kept in `charged` too, since its bytes change under
 * the database's feet. A counter INCR changes in place (InPlaceCounter) needs nothing of the kind:
 * every safe integer costs one object, whatever its digits, so it is charged as any integer string.
 *
 *   SET k v     bytes += charge(k, v)                               O(1)
 *   LPUSH l x   pending += l                                        O(1)
 *   INFO        for l in pending: bytes += estimate(l) - charged[l]  O(pending * samples)
 *   DEL l       bytes -= charged[l]                                 O(1)
 */
import type { ByteString } from './bytes';
import { InPlaceCounter } from './in-place-counter';
import { ACCOUNTING_SAMPLES, containerBytes, keyOverheadBytes, rawStringObjectBytes, ROBJ_BYTES, stringObjectBytes } from './memory-model';
import { MutableString } from './mutable-string';
import type { StoredValue } from './values';

type Held = StoredValue | MutableString | InPlaceCounter;

/**
 * A counter's charge: an integer string's, which stringObjectBytes makes one object whatever its
 * digits.
 */
function counterCharge(key: ByteString): number {
  return keyOverheadBytes(key) + ROBJ_BYTES;
}

export class MemoryAccount {
  /** The modelled bytes of every key charged so far (pending containers at their last charge). */
  private total = 0;
  /** The charge of each value that is not a plain byte string (containers, edited strings). */
  private charged = new Map<ByteString, number>();
  /** Container keys written since their last estimate. */
  private pending = new Set<ByteString>();

  /** A value was stored under `key`, replacing `old` (undefined for a new key). */
  stored(key: ByteString, old: Held | undefined, value: Held): void {
    // The hot case, a string replacing a string: the key's own cost cancels out.
    if (typeof value === 'string' && typeof old === 'string') {
      this.total += stringObjectBytes(value) - stringObjectBytes(old);
      return;
    }
    if (old !== undefined) this.removed(key, old);
    if (typeof value === 'string') {
      this.total += keyOverheadBytes(key) + stringObjectBytes(value);
    } else if (value instanceof MutableString) {
      const charge = keyOverheadBytes(key) + rawStringObjectBytes(value.length);
      this.charged.set(key, charge);
      this.total += charge;
    } else if (value instanceof InPlaceCounter) {
      this.total += counterCharge(key);
    } else {
      this.pending.add(key);
    }
  }

  /**
   * A string whose charge is `bytes` (stringObjectBytes) was stored under `key`, replacing a
   * string charged `oldBytes`, or nothing (-1): stored() for the case where the old string's
   * charge is known without reading it (key-table.ts keeps it beside the access word).
   */
  storedString(key: ByteString, oldBytes: number, bytes: number): void {
    this.total += oldBytes < 0 ? keyOverheadBytes(key) + bytes : bytes - oldBytes;
  }

  /** removed() of a string whose charge (stringObjectBytes) is known. */
  removedString(key: ByteString, bytes: number): void {
    this.total -= keyOverheadBytes(key) + bytes;
  }

  /** The key holding `old` was deleted (or is about to be replaced). */
  removed(key: ByteString, old: Held): void {
    if (typeof old === 'string') {
      this.total -= keyOverheadBytes(key) + stringObjectBytes(old);
      return;
    }
    if (old instanceof InPlaceCounter) {
      // It replaced an integer string without a charge of its own (database.ts
      // replaceWithCounter), so it gives back what that string was charged.
      this.total -= counterCharge(key);
      return;
    }
    const charge = this.charged.get(key);
    if (charge !== undefined) {
      this.total -= charge;
      this.charged.delete(key);
    }
    this.pending.delete(key);
  }

  /** A container was changed in place. */
  modified(key: ByteString): void {
    this.pending.add(key);
  }

  /** Re-estimates the pending containers; `lookup` reads the current value of a key. */
  settle(lookup: (key: ByteString) => Held | undefined): void {
    if (this.pending.size === 0) return;
    for (const key of this.pending) {
      const value = lookup(key);
      if (value === undefined || typeof value === 'string' || value instanceof MutableString || value instanceof InPlaceCounter) continue;
      const charge = keyOverheadBytes(key) + containerBytes(value, ACCOUNTING_SAMPLES);
      this.total += charge - (this.charged.get(key) ?? 0);
      this.charged.set(key, charge);
    }
    this.pending.clear();
  }

  /** The bytes charged, as of the last settle for containers. */
  get bytes(): number {
    return this.total;
  }

  /** Everything was deleted (FLUSHDB). */
  reset(): void {
    this.total = 0;
    this.charged = new Map();
    this.pending = new Set();
  }

  /** Exchanges the contents with another account (SWAPDB, loading a snapshot). */
  swap(other: MemoryAccount): void {
    [this.total, other.total] = [other.total, this.total];
    [this.charged, other.charged] = [other.charged, this.charged];
    [this.pending, other.pending] = [other.pending, this.pending];
  }
}
