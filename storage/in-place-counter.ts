/**
 * A counter that INCR and its kin change where it is held, as Redis changes the integer inside an
 * int-encoded string object instead of making a new object and storing it again.
 *
 * A JavaScript string never changes, so an INCR that keeps its value as a string makes a new
 * string of digits and stores it in the dictionary again: a second hash-table lookup for the same
 * key, a new object for the garbage collector, and a write barrier, since the dictionary lives in
 * V8's old generation and the new string in the young one. Under `redis-benchmark -t incr` that
 * was about a quarter of INCR's instructions. So an INCR that finds a canonical integer string
 * stores this box in its place, and later INCRs add to its number:
 *
 *   INCR k    (none)     --store-->             "1"                 (a new key starts as a string)
 *   INCR k    "1"        --parse, add, box-->   InPlaceCounter { n: 2 }
 *   INCR k    { n: 2 }   --n += 1-->            { n: 3 }            (no store, no new string)
 *   GET k     { n: 3 }   --settle-->            "3"                 (every other reader)
 *
 * Like a string edited in place (mutable-string.ts), the box never leaves the database: every
 * lookup but INCR's own turns it back into the byte string first (database.ts `settle`), so the
 * rest of the server only ever sees strings; a snapshot settles them all. It holds only integers
 * of at most 2^53 in magnitude, whose decimal form is what Redis would keep int-encoded: a box is
 * charged the memory of that string (memory-accounting.ts). In the JavaScript heap a box takes
 * 32 bytes and a string of digits 24-32, though V8 shares the strings of small numbers.
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
