/**
 * Listpack elements, one at a time, for the packed stream nodes (stream-node.ts).
 *
 * A stream node keeps its entries as the run of listpack elements Redis's node holds after its
 * master entry, so that the bytes are both the in-memory form and (with a header, the master
 * entry and the terminator around them) the RDB form. rdb/listpack.ts reads and writes whole
 * listpacks; this file appends and reads single elements in a growing buffer, on the XADD and
 * XRANGE paths, where building an array of strings first would cost what packing saves.
 *
 * An element is an encoding byte (with its data), then a "backlen", the size of encoding+data in
 * 1 to 5 bytes, 7 bits each, so that the element can also be found walking backwards:
 *
 *   0xxxxxxx                  integer 0..127           110xxxxx yyyyyyyy   13-bit signed integer
 *   10xxxxxx <data>           string, length < 64      1110xxxx yyyyyyyy   string, length < 4096
 *   F0 <u32 len> <data>       longer string            F1 / F2 / F3 / F4   int16 / 24 / 32 / 64 LE
 *
 * A string that is a canonical int64 ("17", "-3", not "017" or "+3") is stored as an integer, in
 * the smallest encoding that holds it, exactly as rdb/listpack.ts (and Redis) does: encoding is a
 * function of the element, so the bytes here equal the bytes Redis would have.
 */
import type { ByteString } from './bytes';
import { parseInt64, parseSafeInt } from './numbers';

// ---------------------------------------------------------------------------------------------
// Sizes

/** Bytes of the backlen of an element whose encoding+data take `size` bytes. */
function backlenSize(size: number): number {
  return size <= 127 ? 1 : size < 16383 ? 2 : size < 2097151 ? 3 : size < 268435455 ? 4 : 5;
}

/** Bytes an integer element takes, backlen included. */
export function intElementBytes(n: number | bigint): number {
  if (n >= 0 && n <= 127) return 2;
  if (n >= -4096 && n <= 4095) return 3;
  if (n >= -32768 && n <= 32767) return 4;
  if (n >= -8388608 && n <= 8388607) return 5;
  if (n >= -2147483648 && n <= 2147483647) return 6;
  return 10;
}

/**
 * The value of a string that is a canonical int64 (a number when it fits a double exactly, a
 * bigint when not), or null. Most values are not integers: the first character decides.
 */
export function canonicalInt(s: ByteString): number | bigint | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  const c = s.charCodeAt(0);
  if (c !== 0x2d && (c < 0x30 || c > 0x39)) return null;
  return parseSafeInt(s) ?? parseInt64(s);
}

/** Bytes a string element takes, backlen included (an integer-looking one as an integer). */
export function stringElementBytes(s: ByteString): number {
  const n = canonicalInt(s);
  if (n !== null) return intElementBytes(n);
  const len = s.length;
  const size = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  return size + backlenSize(size);
}

/** The most bytes a string element can take: to reserve room before writing it. */
export function maxStringElementBytes(s: ByteString): number {
  return s.length + 10;
}

// ---------------------------------------------------------------------------------------------
// Writing: each writer puts one element at `p` and returns the position after it.

function writeBacklen(buf: Uint8Array, p: number, size: number): number {
  if (size <= 127) {
    buf[p] = size;
    return p + 1;
  }
  const bytes = backlenSize(size);
  // Most significant group first, without the continuation bit; later groups carry it.
  for (let k = bytes - 1; k >= 0; k--) {
    const group = Math.floor(size / 2 ** (7 * k)) & 127;
    buf[p++] = k === bytes - 1 ? group : group | 128;
  }
  return p;
}

/** An integer element (a number must be a safe integer). */
export function writeInt(buf: Buffer, p: number, n: number | bigint): number {
  if (n >= 0 && n <= 127) {
    buf[p] = Number(n);
    buf[p + 1] = 1;
    return p + 2;
  }
  if (n >= -4096 && n <= 4095) {
    const v = Number(n) & 0x1fff;
    buf[p] = (v >> 8) | 0xc0;
    buf[p + 1] = v & 0xff;
    buf[p + 2] = 2;
    return p + 3;
  }
  if (n >= -32768 && n <= 32767) {
    buf[p] = 0xf1;
    buf.writeInt16LE(Number(n), p + 1);
    buf[p + 3] = 3;
    return p + 4;
  }
  if (n >= -8388608 && n <= 8388607) {
    buf[p] = 0xf2;
    buf.writeIntLE(Number(n), p + 1, 3);
    buf[p + 4] = 4;
    return p + 5;
  }
  if (n >= -2147483648 && n <= 2147483647) {
    buf[p] = 0xf3;
    buf.writeInt32LE(Number(n), p + 1);
    buf[p + 5] = 5;
    return p + 6;
  }
  buf[p] = 0xf4;
  buf.writeBigInt64LE(BigInt(n), p + 1);
  buf[p + 9] = 9;
  return p + 10;
}

/** A string element, or an integer one when the string is a canonical int64. */
export function writeString(buf: Buffer, p: number, s: ByteString): number {
  const n = canonicalInt(s);
  if (n !== null) return writeInt(buf, p, n);
  const len = s.length;
  const start = p;
  if (len < 64) buf[p++] = 0x80 | len;
  else if (len < 4096) {
    buf[p++] = 0xe0 | (len >> 8);
    buf[p++] = len & 0xff;
  } else {
    buf[p++] = 0xf0;
    buf.writeUInt32LE(len, p);
    p += 4;
  }
  // Short strings copy faster in a loop than through a native call.
  if (len < 32) for (let i = 0; i < len; i++) buf[p++] = s.charCodeAt(i);
  else p += buf.latin1Write(s, p, len);
  return writeBacklen(buf, p, p - start);
}

// ---------------------------------------------------------------------------------------------
// Reading

/** A malformed element: only bytes from outside (a DUMP payload, an RDB file) can be. */
export class ListpackFormatError extends Error {}

/** Size of the encoding byte(s) and data of the element at p (backlen excluded). */
function elementSize(buf: Uint8Array, p: number): number {
  const b = buf[p] as number;
  if ((b & 0x80) === 0) return 1;
  if ((b & 0xc0) === 0x80) return 1 + (b & 0x3f);
  if ((b & 0xe0) === 0xc0) return 2;
  if ((b & 0xf0) === 0xe0) return 2 + (((b & 0x0f) << 8) | (buf[p + 1] as number));
  switch (b) {
    case 0xf0:
      return 5 + ((buf[p + 1] as number) | ((buf[p + 2] as number) << 8) | ((buf[p + 3] as number) << 16)) + (buf[p + 4] as number) * 2 ** 24;
    case 0xf1:
      return 3;
    case 0xf2:
      return 4;
    case 0xf3:
      return 5;
    case 0xf4:
      return 9;
  }
  throw new ListpackFormatError(`invalid listpack encoding 0x${b.toString(16)}`);
}

/** The position after the element at p. */
export function skipElement(buf: Uint8Array, p: number): number {
  const size = elementSize(buf, p);
  return p + size + backlenSize(size);
}

/**
 * The integer element at p: a number, or a bigint for an int64 beyond a double's exact range.
 * A string element here is a malformed node.
 */
export function readInt(buf: Buffer, p: number): number | bigint {
  const b = buf[p] as number;
  if ((b & 0x80) === 0) return b;
  if ((b & 0xe0) === 0xc0) {
    const raw = ((b & 0x1f) << 8) | (buf[p + 1] as number);
    return raw >= 4096 ? raw - 8192 : raw;
  }
  switch (b) {
    case 0xf1:
      return buf.readInt16LE(p + 1);
    case 0xf2:
      return buf.readIntLE(p + 1, 3);
    case 0xf3:
      return buf.readInt32LE(p + 1);
    case 0xf4: {
      const n = buf.readBigInt64LE(p + 1);
      return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
    }
  }
  if ((b & 0xc0) !== 0x80 && (b & 0xf0) !== 0xe0 && b !== 0xf0) throw new ListpackFormatError(`invalid listpack encoding 0x${b.toString(16)}`);
  const n = canonicalInt(readString(buf, p));
  if (n === null) throw new ListpackFormatError(`a listpack string where an integer was expected`);
  return n;
}

/** The element at p as a byte string (an integer as its decimal text). */
export function readString(buf: Buffer, p: number): ByteString {
  const b = buf[p] as number;
  if ((b & 0xc0) === 0x80) return buf.latin1Slice(p + 1, p + 1 + (b & 0x3f));
  if ((b & 0xf0) === 0xe0) return buf.latin1Slice(p + 2, p + 2 + (((b & 0x0f) << 8) | (buf[p + 1] as number)));
  if (b === 0xf0) return buf.latin1Slice(p + 5, p + elementSize(buf, p));
  return String(readInt(buf, p));
}

/**
 * The start of the element that ends at `end` (where its backlen's last byte is end - 1): read
 * its backlen backwards, least significant group last in memory.
 */
export function elementStartBefore(buf: Uint8Array, end: number): number {
  let p = end - 1;
  let size = 0;
  let scale = 1;
  for (;;) {
    const b = buf[p] as number;
    size += (b & 127) * scale;
    if ((b & 128) === 0) break;
    scale *= 128;
    p--;
  }
  return p - size;
}
