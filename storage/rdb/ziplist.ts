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
import { ByteCursor } from './byte-cursor';
import { RdbError } from './rdb-error';

const HEADER_BYTES = 10;
const END = 0xff;
const BIG_PREVLEN = 0xfe;
const UNKNOWN_COUNT = 0xffff;

export function decodeZiplist(blob: Buffer): ByteString[] {
  if (blob.length < HEADER_BYTES + 1) throw new RdbError(`ziplist of ${blob.length} bytes is shorter than its header`);
  const header = new ByteCursor(blob);
  const total = header.u32le('ziplist total bytes');
  if (total !== blob.length) throw new RdbError(`ziplist header says ${total} bytes, blob has ${blob.length}`);
  const tail = header.u32le('ziplist tail offset');
  const declared = header.u16le('ziplist count');
  if (blob[blob.length - 1] !== END) throw new RdbError('ziplist does not end with its terminator');
  // The entries lie between the header and the terminator: an entry running into it is refused.
  const entries = new ByteCursor(blob, HEADER_BYTES, blob.length - 1);
  const out: ByteString[] = [];
  let previousSize = 0;
  let lastStart = HEADER_BYTES;
  while (!entries.atEnd) {
    const start = entries.pos;
    lastStart = start;
    let prevlen = entries.u8('ziplist previous-length');
    if (prevlen === BIG_PREVLEN) prevlen = entries.u32le('ziplist previous-length');
    if (prevlen !== previousSize) throw new RdbError(`ziplist entry at byte ${start} has a wrong previous-length`);
    out.push(readEntry(entries));
    previousSize = entries.pos - start;
  }
  if (out.length > 0 && tail !== lastStart) throw new RdbError('ziplist tail offset does not point at its last entry');
  if (declared !== UNKNOWN_COUNT && declared !== out.length) {
    throw new RdbError(`ziplist header says ${declared} entries, found ${out.length}`);
  }
  return out;
}

/** One entry's encoding and data (after its prevlen). */
function readEntry(entries: ByteCursor): ByteString {
  const what = 'ziplist entry';
  const enc = entries.u8(what);
  switch (enc >> 6) {
    case 0:
      return entries.latin1(enc & 0x3f, what);
    case 1:
      return entries.latin1(((enc & 0x3f) << 8) | entries.u8(what), what);
    case 2:
      return entries.latin1(entries.u32be(what), what);
  }
  switch (enc) {
    case 0xc0:
      return String(entries.i16le(what));
    case 0xd0:
      return String(entries.i32le(what));
    case 0xe0:
      return String(entries.i64le(what));
    case 0xf0:
      return String(entries.i24le(what));
    case 0xfe:
      return String(entries.i8(what));
  }
  if (enc >= 0xf1 && enc <= 0xfd) return String(enc - 0xf1);
  throw new RdbError(`ziplist entry with invalid encoding 0x${enc.toString(16)} at byte ${entries.pos - 1}`);
}
