/**
 * A counter that INCR and its kin change where it is held, as Redis changes the integer inside an
 * int-encoded string object instead of making a new object and storing it again.
 *
 * A JavaScript string never changes, so an INCR that keeps its value as a string makes a new
 * string of digits and stores it in the dictionary again: a second hash-table lookup for the same
 * key, a new object for the garbage collector, and a write barrier, since the dictionary lives in
 * V8's old generation and the new string in the young one. Under `redis-benchmark -t incr` that
 * was about a quarter of INCR's instructions. So the second INCR of a key whose value is a
 * canonical integer stores this box instead, and later INCRs add to its number:
 *
 *   INCR k    "41"   --parse, add-->   "42"                   (a new key stays a string)
 *   INCR k    "42"   --box-->          InPlaceCounter { n: 43 }
 *   INCR k    { n: 43 }  --n += 1-->   { n: 44 }              (no lookup to store, no string)
 *   GET k     { n: 44 }  --settle-->   "44"                   (every other reader: the string)
 *
 * Like a string edited in place (mutable-string.ts), the box never leaves the database: every
 * lookup but INCR's own turns it back into the byte string first (database.ts `settle`), so the
 * rest of the server only ever sees strings; a snapshot settles them all. It holds only integers
 * of at most 2^53 in magnitude, whose decimal form is what Redis would keep int-encoded: a box is
 * charged the memory of that string (memory-accounting.ts). In the JavaScript heap a box (32
 * bytes) costs a few bytes more than a short string of digits.
 */
import type { ByteString } from './bytes';

export class InPlaceCounter {
  constructor(
    /** The value; always a safe integer. */
    public n: number,
  ) {}

  /** The value as the byte string GET would return. */
  toByteString(): ByteString {
    return String(this.n);
  }
}
