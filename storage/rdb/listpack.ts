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
import { RdbError } from './rdb-error';

const HEADER_BYTES = 6;
const END = 0xff;
const UNKNOWN_COUNT = 0xffff;

// ---------------------------------------------------------------------------------------------
// Decoding

/** The elements of a listpack, integers as their decimal strings. */
export function decodeListpack(blob: Buffer): ByteString[] {
  if (blob.length < HEADER_BYTES + 1) throw new RdbError(`listpack of ${blob.length} bytes is shorter than its header`);
  const total = blob.readUInt32LE(0);
  if (total !== blob.length) throw new RdbError(`listpack header says ${total} bytes, blob has ${blob.length}`);
  const declared = blob.readUInt16LE(4);
  const out: ByteString[] = [];
  let p = HEADER_BYTES;
  const end = blob.length - 1;
  while (p < end) {
    const start = p;
    const b = blob[p] as number;
    let value: ByteString;
    if ((b & 0x80) === 0) {
      value = String(b);
      p += 1;
    } else if ((b & 0xc0) === 0x80) {
      p = stringEntry(blob, start, 1, b & 0x3f, end);
      value = blob.latin1Slice(start + 1, p);
    } else if ((b & 0xe0) === 0xc0) {
      need(blob, start, 2, end);
      const raw = ((b & 0x1f) << 8) | (blob[p + 1] as number);
      value = String(raw >= 4096 ? raw - 8192 : raw);
      p += 2;
    } else if ((b & 0xf0) === 0xe0) {
      need(blob, start, 2, end);
      p = stringEntry(blob, start, 2, ((b & 0x0f) << 8) | (blob[p + 1] as number), end);
      value = blob.latin1Slice(start + 2, p);
    } else {
      switch (b) {
        case 0xf0:
          need(blob, start, 5, end);
          p = stringEntry(blob, start, 5, blob.readUInt32LE(p + 1), end);
          value = blob.latin1Slice(start + 5, p);
          break;
        case 0xf1:
          need(blob, start, 3, end);
          value = String(blob.readInt16LE(p + 1));
          p += 3;
          break;
        case 0xf2:
          need(blob, start, 4, end);
          value = String(blob.readIntLE(p + 1, 3));
          p += 4;
          break;
        case 0xf3:
          need(blob, start, 5, end);
          value = String(blob.readInt32LE(p + 1));
          p += 5;
          break;
        case 0xf4:
          need(blob, start, 9, end);
          value = String(blob.readBigInt64LE(p + 1));
          p += 9;
          break;
        default:
          throw new RdbError(`listpack entry with invalid encoding 0x${b.toString(16)} at byte ${start}`);
      }
    }
    p = checkBacklen(blob, p, p - start, end);
    out.push(value);
  }
  if (p !== end || blob[end] !== END) throw new RdbError('listpack does not end with its terminator');
  if (declared !== UNKNOWN_COUNT && declared !== out.length) {
    throw new RdbError(`listpack header says ${declared} elements, found ${out.length}`);
  }
  return out;
}

function need(blob: Buffer, start: number, bytes: number, end: number): void {
  if (start + bytes > end) throw new RdbError(`listpack entry at byte ${start} runs past the end`);
}

function stringEntry(blob: Buffer, start: number, headerBytes: number, length: number, end: number): number {
  need(blob, start, headerBytes + length, end);
  return start + headerBytes + length;
}

/** Verifies the backlen after an entry of `size` bytes; returns the position after it. */
function checkBacklen(blob: Buffer, p: number, size: number, end: number): number {
  const expected = backlenBytes(size);
  if (p + expected.length > end) throw new RdbError(`listpack entry at byte ${p - size} runs past the end`);
  for (let k = 0; k < expected.length; k++) {
    if (blob[p + k] !== expected[k]) throw new RdbError(`listpack entry at byte ${p - size} has a wrong back-length`);
  }
  return p + expected.length;
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
