/**
 * ziplist: the compact sequence of Redis before 7.0 (listpack's predecessor). Redis 7.0 no
 * longer writes it but loads it from older files (types 10, 12, 13 and the nodes of 14), so we
 * read it too. Read-only.
 *
 *   <u32 LE total bytes> <u32 LE offset of the last entry> <u16 LE count, 65535 = unknown>
 *   <entry>... <FF>
 *
 * An entry is <prevlen> <encoding> <data>: prevlen is the previous entry's size (1 byte, or FE
 * and a u32 LE when it is 254 or more), so the list can be walked backwards.
 *
 *   00xxxxxx                  string, length < 64      C0 int16   D0 int32   E0 int64
 *   01xxxxxx yyyyyyyy         string, 14-bit length    F0 int24   FE int8
 *   10______ <u32 BE len>     string                   F1..FD     the integer 0..12 itself
 */
import type { ByteString } from '../bytes';
import { RdbError } from './rdb-error';

const HEADER_BYTES = 10;
const END = 0xff;
const BIG_PREVLEN = 0xfe;
const UNKNOWN_COUNT = 0xffff;

export function decodeZiplist(blob: Buffer): ByteString[] {
  if (blob.length < HEADER_BYTES + 1) throw new RdbError(`ziplist of ${blob.length} bytes is shorter than its header`);
  const total = blob.readUInt32LE(0);
  if (total !== blob.length) throw new RdbError(`ziplist header says ${total} bytes, blob has ${blob.length}`);
  const tail = blob.readUInt32LE(4);
  const declared = blob.readUInt16LE(8);
  const end = blob.length - 1;
  const out: ByteString[] = [];
  let p = HEADER_BYTES;
  let previousSize = 0;
  let lastStart = HEADER_BYTES;
  while (p < end) {
    const start = p;
    lastStart = start;
    let prevlen = blob[p] as number;
    if (prevlen === BIG_PREVLEN) {
      need(start, 5, end);
      prevlen = blob.readUInt32LE(p + 1);
      p += 5;
    } else {
      p += 1;
    }
    if (prevlen !== previousSize) throw new RdbError(`ziplist entry at byte ${start} has a wrong previous-length`);
    need(p, 1, end);
    const enc = blob[p] as number;
    let value: ByteString;
    switch (enc >> 6) {
      case 0:
        value = text(blob, p + 1, enc & 0x3f, end);
        p += 1 + (enc & 0x3f);
        break;
      case 1: {
        need(p, 2, end);
        const len = ((enc & 0x3f) << 8) | (blob[p + 1] as number);
        value = text(blob, p + 2, len, end);
        p += 2 + len;
        break;
      }
      case 2: {
        need(p, 5, end);
        const len = blob.readUInt32BE(p + 1);
        value = text(blob, p + 5, len, end);
        p += 5 + len;
        break;
      }
      default:
        [value, p] = integer(blob, p, enc, end);
    }
    previousSize = p - start;
    out.push(value);
  }
  if (p !== end || blob[end] !== END) throw new RdbError('ziplist does not end with its terminator');
  if (out.length > 0 && tail !== lastStart) throw new RdbError('ziplist tail offset does not point at its last entry');
  if (declared !== UNKNOWN_COUNT && declared !== out.length) {
    throw new RdbError(`ziplist header says ${declared} entries, found ${out.length}`);
  }
  return out;
}

function need(at: number, bytes: number, end: number): void {
  if (at + bytes > end) throw new RdbError(`ziplist entry at byte ${at} runs past the end`);
}

function text(blob: Buffer, at: number, length: number, end: number): ByteString {
  need(at, length, end);
  return blob.latin1Slice(at, at + length);
}

function integer(blob: Buffer, p: number, enc: number, end: number): [ByteString, number] {
  switch (enc) {
    case 0xc0:
      need(p, 3, end);
      return [String(blob.readInt16LE(p + 1)), p + 3];
    case 0xd0:
      need(p, 5, end);
      return [String(blob.readInt32LE(p + 1)), p + 5];
    case 0xe0:
      need(p, 9, end);
      return [String(blob.readBigInt64LE(p + 1)), p + 9];
    case 0xf0:
      need(p, 4, end);
      return [String(blob.readIntLE(p + 1, 3)), p + 4];
    case 0xfe:
      need(p, 2, end);
      return [String(blob.readInt8(p + 1)), p + 2];
  }
  if (enc >= 0xf1 && enc <= 0xfd) return [String(enc - 0xf1), p + 1];
  throw new RdbError(`ziplist entry with invalid encoding 0x${enc.toString(16)} at byte ${p}`);
}
