/**
 * listpack: the compact sequence Redis 7.0 keeps small hashes, sorted sets and list nodes in, and
 * writes to RDB as one string (types 16, 17 and the nodes of 18). redis-wire.md §3.5.
 *
 *   <u32 LE total bytes> <u16 LE count, 65535 = too many to count> <entry>... <FF>
 *
 * An entry is an encoding byte (with data), then its "backlen": the size of encoding+data, in
 * 1 to 5 bytes, 7 bits per byte, written so it can be read backwards from the entry's end.
 *
 *   0xxxxxxx                  integer 0..127           110xxxxx yyyyyyyy   13-bit signed integer
 *   10xxxxxx <data>           string, length < 64      1110xxxx yyyyyyyy   string, length < 4096
 *   F0 <u32 len> <data>       longer string            F1 / F2 / F3 / F4   int16 / 24 / 32 / 64
 *
 * A string that is a canonical int64 is always stored as an integer, with the smallest of the
 * integer encodings that holds it; so encoding is a function of the elements, and a listpack we
 * write for the same elements is byte-for-byte Redis's.
 */
import type { ByteString } from '../bytes';
import { parseInt64, parseSafeInt } from '../numbers';
import { ByteCursor } from './byte-cursor';
import { RdbError } from './rdb-error';

const HEADER_BYTES = 6;
const END = 0xff;
const UNKNOWN_COUNT = 0xffff;

// ---------------------------------------------------------------------------------------------
// Decoding

/** The elements of a listpack, integers as their decimal strings. */
export function decodeListpack(blob: Buffer): ByteString[] {
  if (blob.length < HEADER_BYTES + 1) throw new RdbError(`listpack of ${blob.length} bytes is shorter than its header`);
  const header = new ByteCursor(blob);
  const total = header.u32le('listpack total bytes');
  if (total !== blob.length) throw new RdbError(`listpack header says ${total} bytes, blob has ${blob.length}`);
  const declared = header.u16le('listpack count');
  if (blob[blob.length - 1] !== END) throw new RdbError('listpack does not end with its terminator');
  // The entries lie between the header and the terminator: an entry running into it is refused.
  const entries = new ByteCursor(blob, HEADER_BYTES, blob.length - 1);
  const out: ByteString[] = [];
  while (!entries.atEnd) {
    const start = entries.pos;
    out.push(readEntry(entries));
    checkBacklen(entries, start);
  }
  if (declared !== UNKNOWN_COUNT && declared !== out.length) {
    throw new RdbError(`listpack header says ${declared} elements, found ${out.length}`);
  }
  return out;
}

/** One entry's encoding byte and data (not its backlen). */
function readEntry(entries: ByteCursor): ByteString {
  const what = 'listpack entry';
  const b = entries.u8(what);
  if ((b & 0x80) === 0) return String(b);
  if ((b & 0xc0) === 0x80) return entries.latin1(b & 0x3f, what);
  if ((b & 0xe0) === 0xc0) {
    const raw = ((b & 0x1f) << 8) | entries.u8(what);
    return String(raw >= 4096 ? raw - 8192 : raw);
  }
  if ((b & 0xf0) === 0xe0) return entries.latin1(((b & 0x0f) << 8) | entries.u8(what), what);
  switch (b) {
    case 0xf0:
      return entries.latin1(entries.u32le(what), what);
    case 0xf1:
      return String(entries.i16le(what));
    case 0xf2:
      return String(entries.i24le(what));
    case 0xf3:
      return String(entries.i32le(what));
    case 0xf4:
      return String(entries.i64le(what));
    default:
      throw new RdbError(`listpack entry with invalid encoding 0x${b.toString(16)} at byte ${entries.pos - 1}`);
  }
}

/** Verifies the backlen after the entry that began at `start`. */
function checkBacklen(entries: ByteCursor, start: number): void {
  const expected = backlenBytes(entries.pos - start);
  const found = entries.take(expected.length, 'listpack back-length');
  for (let k = 0; k < expected.length; k++) {
    if (found[k] !== expected[k]) throw new RdbError(`listpack entry at byte ${start} has a wrong back-length`);
  }
}

/** The backlen of an entry of `size` bytes: most significant 7 bits first, later bytes flagged. */
function backlenBytes(size: number): number[] {
  if (size <= 127) return [size];
  if (size < 16383) return [size >> 7, (size & 127) | 128];
  if (size < 2097151) return [size >> 14, ((size >> 7) & 127) | 128, (size & 127) | 128];
  if (size < 268435455) return [size >> 21, ((size >> 14) & 127) | 128, ((size >> 7) & 127) | 128, (size & 127) | 128];
  return [
    Math.floor(size / 2 ** 28),
    ((size >>> 21) & 127) | 128,
    ((size >> 14) & 127) | 128,
    ((size >> 7) & 127) | 128,
    (size & 127) | 128,
  ];
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Bytes an element takes in a listpack, backlen included (for sizing quicklist nodes). */
export function listpackEntryBytes(item: ByteString): number {
  const size = encodedSize(item);
  return size + backlenBytes(size).length;
}

function integerOf(item: ByteString): bigint | number | null {
  if (item.length === 0 || item.length > 20) return null;
  return parseSafeInt(item) ?? parseInt64(item);
}

function encodedSize(item: ByteString): number {
  const n = integerOf(item);
  if (n !== null) {
    if (n >= 0 && n <= 127) return 1;
    if (n >= -4096 && n <= 4095) return 2;
    if (n >= -32768 && n <= 32767) return 3;
    if (n >= -8388608 && n <= 8388607) return 4;
    if (n >= -2147483648 && n <= 2147483647) return 5;
    return 9;
  }
  const len = item.length;
  return len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
}

/** A listpack holding `items` in order. */
export function encodeListpack(items: readonly ByteString[]): Buffer {
  let total = HEADER_BYTES + 1;
  for (const item of items) total += listpackEntryBytes(item);
  const blob = Buffer.allocUnsafe(total);
  blob.writeUInt32LE(total, 0);
  blob.writeUInt16LE(Math.min(items.length, UNKNOWN_COUNT), 4);
  let p = HEADER_BYTES;
  for (const item of items) {
    const start = p;
    p = writeEntry(blob, p, item);
    for (const b of backlenBytes(p - start)) blob[p++] = b;
  }
  blob[p] = END;
  return blob;
}

function writeEntry(blob: Buffer, p: number, item: ByteString): number {
  const n = integerOf(item);
  if (n !== null) {
    if (n >= 0 && n <= 127) {
      blob[p] = Number(n);
      return p + 1;
    }
    if (n >= -4096 && n <= 4095) {
      const v = Number(n) & 0x1fff;
      blob[p] = (v >> 8) | 0xc0;
      blob[p + 1] = v & 0xff;
      return p + 2;
    }
    if (n >= -32768 && n <= 32767) {
      blob[p] = 0xf1;
      blob.writeInt16LE(Number(n), p + 1);
      return p + 3;
    }
    if (n >= -8388608 && n <= 8388607) {
      blob[p] = 0xf2;
      blob.writeIntLE(Number(n), p + 1, 3);
      return p + 4;
    }
    if (n >= -2147483648 && n <= 2147483647) {
      blob[p] = 0xf3;
      blob.writeInt32LE(Number(n), p + 1);
      return p + 5;
    }
    blob[p] = 0xf4;
    blob.writeBigInt64LE(BigInt(n), p + 1);
    return p + 9;
  }
  const len = item.length;
  if (len < 64) {
    blob[p++] = 0x80 | len;
  } else if (len < 4096) {
    blob[p++] = 0xe0 | (len >> 8);
    blob[p++] = len & 0xff;
  } else {
    blob[p++] = 0xf0;
    blob.writeUInt32LE(len, p);
    p += 4;
  }
  return p + blob.latin1Write(item, p);
}
