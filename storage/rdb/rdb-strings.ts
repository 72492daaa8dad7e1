/**
 * The primitives every part of an RDB stream is made of (redis-wire.md §3.2-3.3): lengths,
 * strings and doubles, read from a ByteCursor and written to a ByteSink.
 *
 * Length: the first byte's top two bits say how long the length is.
 *   00xxxxxx                 6-bit length
 *   01xxxxxx yyyyyyyy        14-bit length, big-endian
 *   10000000 <u32 BE>        32-bit length
 *   10000001 <u64 BE>        64-bit length
 *   11xxxxxx                 not a length: the string that follows is specially encoded
 *                            (0 int8, 1 int16 LE, 2 int32 LE, 3 LZF)
 *
 * String: a canonical decimal integer of at most 11 bytes that fits 32 bits is stored as the
 * integer; a string longer than 20 bytes is LZF-compressed when compression is on and saves at
 * least 4 bytes; anything else is length + bytes. Writers pick exactly as Redis does, so that
 * DUMP of a string is byte-for-byte Redis's.
 */
import { constants as bufferConstants } from 'node:buffer';
import type { ByteString } from '../bytes';
import { parseSafeInt } from '../numbers';
import type { ByteCursor } from './byte-cursor';
import type { ByteSink } from './byte-sink';
import { lzfCompress, lzfDecompress } from './lzf';
import { RdbError } from './rdb-error';
import { StringEncoding } from './rdb-format';

/** One back-reference of 3 bytes yields at most 264: a bound on what LZF can expand to. */
const LZF_MAX_EXPANSION = 88;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

// ---------------------------------------------------------------------------------------------
// Reading

interface LengthOrEncoding {
  /** True when `value` is a special string encoding rather than a length. */
  encoded: boolean;
  value: number;
}

export function readLengthOrEncoding(c: ByteCursor, what: string): LengthOrEncoding {
  const first = c.u8(what);
  switch (first >> 6) {
    case 0:
      return { encoded: false, value: first & 0x3f };
    case 1:
      return { encoded: false, value: ((first & 0x3f) << 8) | c.u8(what) };
    case 3:
      return { encoded: true, value: first & 0x3f };
  }
  if (first === 0x80) return { encoded: false, value: c.u32be(what) };
  if (first === 0x81) {
    const big = c.u64be(what);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbError(`${what} too large (${big}) at offset ${c.pos - 9}`);
    return { encoded: false, value: Number(big) };
  }
  throw new RdbError(`unknown length encoding 0x${first.toString(16)} reading ${what} at offset ${c.pos - 1}`);
}

/** A length (never a special string encoding). */
export function readLength(c: ByteCursor, what: string): number {
  const start = c.pos;
  const length = readLengthOrEncoding(c, what);
  if (length.encoded) throw new RdbError(`a string encoding where ${what} was expected at offset ${start}`);
  return length.value;
}

/** A count of items each taking at least `minBytes`: checked against what is left to read. */
export function readCount(c: ByteCursor, what: string, minBytes = 1): number {
  const start = c.pos;
  const n = readLength(c, what);
  if (n * minBytes > c.remaining) throw new RdbError(`${what} ${n} at offset ${start} exceeds the data left`);
  return n;
}

/** A string as bytes: a view into the input when stored plainly. */
export function readStringBytes(c: ByteCursor, what: string): Buffer {
  const start = c.pos;
  const length = readLengthOrEncoding(c, what);
  if (!length.encoded) return c.take(length.value, what);
  switch (length.value) {
    case StringEncoding.INT8:
      return Buffer.from(String((c.u8(what) << 24) >> 24), 'latin1');
    case StringEncoding.INT16: {
      const v = c.u16le(what);
      return Buffer.from(String((v << 16) >> 16), 'latin1');
    }
    case StringEncoding.INT32:
      return Buffer.from(String(c.i32le(what)), 'latin1');
    case StringEncoding.LZF: {
      const compressed = readLength(c, `${what} (compressed length)`);
      const original = readLength(c, `${what} (length)`);
      c.need(compressed, what);
      if (original > compressed * LZF_MAX_EXPANSION || original > bufferConstants.MAX_LENGTH) {
        throw new RdbError(`invalid LZF string at offset ${start}: ${compressed} bytes cannot hold ${original}`);
      }
      const out = lzfDecompress(c.bytes, original, c.pos, c.pos + compressed);
      c.pos += compressed;
      return out;
    }
  }
  throw new RdbError(`unknown string encoding ${length.value} reading ${what} at offset ${start}`);
}

export function readString(c: ByteCursor, what: string): ByteString {
  const bytes = readStringBytes(c, what);
  return bytes.latin1Slice(0, bytes.length);
}

/** A score of the old ZSET type: length byte and ASCII, 253/254/255 for NaN, +inf, -inf. */
export function readAsciiDouble(c: ByteCursor, what: string): number {
  const length = c.u8(what);
  if (length === 253) return NaN;
  if (length === 254) return Infinity;
  if (length === 255) return -Infinity;
  return parseScore(c.latin1(length, what), what);
}

/** A score written as text (old zsets, ziplist and listpack zsets), as strtod reads it. */
export function parseScore(text: string, what: string): number {
  const lower = text.trim().toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  const n = lower === '' ? NaN : Number(lower);
  if (Number.isNaN(n)) throw new RdbError(`${what}: "${text.slice(0, 40)}" is not a number`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Writing

export function writeLength(sink: ByteSink, n: number): void {
  if (n < 1 << 6) {
    sink.u8(n);
  } else if (n < 1 << 14) {
    sink.u8((n >> 8) | 0x40);
    sink.u8(n & 0xff);
  } else if (n <= 0xffffffff) {
    sink.u8(0x80);
    sink.u32be(n);
  } else {
    sink.u8(0x81);
    sink.u64be(BigInt(n));
  }
}

/** The int8/16/32 encoding of a short canonical integer string, if it has one. */
function writeIfSmallInteger(sink: ByteSink, s: ByteString): boolean {
  if (s.length === 0 || s.length > 11) return false;
  const n = parseSafeInt(s);
  if (n === null || n < INT32_MIN || n > INT32_MAX) return false;
  if (n >= -128 && n <= 127) {
    sink.u8(0xc0 | StringEncoding.INT8);
    sink.u8(n & 0xff);
  } else if (n >= -32768 && n <= 32767) {
    sink.u8(0xc0 | StringEncoding.INT16);
    sink.u16le(n & 0xffff);
  } else {
    sink.u8(0xc0 | StringEncoding.INT32);
    sink.u32le(n >>> 0);
  }
  return true;
}

/** LZF when asked for, longer than 20 bytes and at least 4 bytes shorter compressed. */
function writeIfCompressible(sink: ByteSink, bytes: Uint8Array): boolean {
  if (bytes.length <= 20) return false;
  const compressed = lzfCompress(bytes, bytes.length - 4);
  if (compressed === null) return false;
  writeLzf(sink, compressed, bytes.length);
  return true;
}

/** A string already LZF-compressed: its compressed and original lengths, then the LZF bytes. */
export function writeLzf(sink: ByteSink, compressed: Uint8Array, originalLength: number): void {
  sink.u8(0xc0 | StringEncoding.LZF);
  writeLength(sink, compressed.length);
  writeLength(sink, originalLength);
  sink.bytes(compressed);
}

export function writeString(sink: ByteSink, s: ByteString, compress: boolean): void {
  if (writeIfSmallInteger(sink, s)) return;
  if (compress && s.length > 20 && writeIfCompressible(sink, Buffer.from(s, 'latin1'))) return;
  writeLength(sink, s.length);
  sink.latin1(s);
}

/** A binary blob (listpack, intset) stored as a string, with the same choices Redis makes. */
export function writeBlob(sink: ByteSink, bytes: Buffer, compress: boolean): void {
  if (bytes.length <= 11 && writeIfSmallInteger(sink, bytes.latin1Slice(0, bytes.length))) return;
  if (compress && writeIfCompressible(sink, bytes)) return;
  writeLength(sink, bytes.length);
  sink.bytes(bytes);
}
