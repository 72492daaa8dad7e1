/**
 * A string value edited in place: the bytes in a Buffer with room to grow, for the commands
 * that change a few bytes of a long string (SETBIT, SETRANGE, BITFIELD, APPEND).
 *
 * Values are normally byte strings (storage/bytes.ts), which JavaScript never changes in place:
 * setting one bit of a 16 MB string that way builds a new 16 MB string, about 10 ms, where
 * redis-server pokes one byte of its sds buffer in about a microsecond. So a long string that
 * such a command touches is turned into this form once (one copy), kept in the database in
 * place of the byte string, and edited in place from then on:
 *
 *   SETBIT k 7 1         "....16 MB...."  --copy once-->  MutableString { bytes, length }
 *   SETBIT k 9 1                                          bytes[1] |= 0x40      (O(1))
 *   SETRANGE k 100 "ab"                                   bytes.latin1Write     (O(patch))
 *   GETBIT / BITCOUNT / GETRANGE / STRLEN                 read the bytes        (no copy)
 *   GET k, DUMP, SAVE ... --copy once-->  "....16 MB...." (the byte string again)
 *
 * Every other reader gets the byte string back: the database turns the value back when any
 * other lookup reaches it (database.ts `settle`), so the rest of the server never meets this
 * form. Short strings are not worth it (a Buffer costs more memory than a short string, and
 * copying a few KB is as cheap as the lookup): below EDIT_IN_PLACE_MIN_BYTES a command edits a
 * detached copy and stores a byte string again.
 *
 * Growth is greedy as in Redis's sdsMakeRoomFor: the buffer doubles up to 1 MB and then grows
 * by 1 MB, so a bitmap extended one bit at a time costs O(1) amortised per call. Bytes past
 * `length` are always zero, so growing only moves `length`.
 */
import type { ByteString } from './bytes';

/** Strings at least this long are kept in the editable form once an in-place edit reaches them. */
export const EDIT_IN_PLACE_MIN_BYTES = 4096;

/** Redis's SDS_MAX_PREALLOC: past it, growth adds this much instead of doubling. */
const MAX_PREALLOC_BYTES = 1024 * 1024;

export class MutableString {
  /** The first `length` bytes of the buffer: what the value holds. Replaced when it grows. */
  view: Buffer;
  private buffer: Buffer;

  private constructor(buffer: Buffer, length: number) {
    this.buffer = buffer;
    this.view = buffer.subarray(0, length);
  }

  static empty(): MutableString {
    return new MutableString(Buffer.alloc(0), 0);
  }

  /** A copy of the byte string, with no spare room (most long strings are never grown). */
  static from(s: ByteString): MutableString {
    const buffer = Buffer.allocUnsafeSlow(s.length);
    buffer.latin1Write(s, 0);
    return new MutableString(buffer, s.length);
  }

  /** A value built elsewhere (BITOP's result): adopted, not copied. */
  static adopt(buffer: Buffer): MutableString {
    return new MutableString(buffer, buffer.length);
  }

  get length(): number {
    return this.view.length;
  }

  /** Zero-extends the value to at least `length` bytes. */
  ensureLength(length: number): void {
    if (length <= this.view.length) return;
    if (length > this.buffer.length) {
      // A new value gets exactly its length, as Redis's sdsnewlen; a growing one gets room.
      const room = this.view.length === 0 ? length : length < MAX_PREALLOC_BYTES ? length * 2 : length + MAX_PREALLOC_BYTES;
      const grown = Buffer.alloc(room);
      this.buffer.copy(grown, 0, 0, this.view.length);
      this.buffer = grown;
    }
    this.view = this.buffer.subarray(0, length);
  }

  /** Writes `patch` at `offset`, zero-extending first when it ends past the value (SETRANGE). */
  write(offset: number, patch: ByteString): void {
    this.ensureLength(offset + patch.length);
    this.view.latin1Write(patch, offset);
  }

  /** Bytes start..end-1 as a byte string (GETRANGE). */
  slice(start: number, end: number): ByteString {
    return this.view.latin1Slice(start, Math.min(end, this.view.length));
  }

  toByteString(): ByteString {
    return this.view.latin1Slice(0, this.view.length);
  }
}

/** A string value in either form, as the commands that read its bytes where they are see it. */
export type StringBytes = ByteString | MutableString;

/** The byte at `index` of a string value in either form; 0 past its end. */
export function byteAt(value: StringBytes, index: number): number {
  // charCodeAt answers NaN past the end, and NaN | 0 is 0.
  return typeof value === 'string' ? value.charCodeAt(index) | 0 : (value.view[index] ?? 0);
}

/**
 * Bytes first..last (inclusive, clamped to the value) as a Uint8Array: the edited form's own
 * bytes, or a copy of just that part of a byte string. Index 0 of the result is byte `first`.
 */
export function bytesBetween(value: StringBytes, first: number, last: number): Uint8Array {
  const end = Math.min(last + 1, value.length);
  if (typeof value !== 'string') return value.view.subarray(first, end);
  return Buffer.from(value.slice(first, end), 'latin1');
}
