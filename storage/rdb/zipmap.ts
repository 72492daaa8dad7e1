/**
 * zipmap: how Redis before 2.6 stored small hashes (type 9, HASH_ZIPMAP). Loaded from old files,
 * never written. Read-only.
 *
 *   <count byte, 254+ = unknown> ( <len> field <len> <free> value <free unused bytes> )... <FF>
 *
 * A <len> is one byte below 254, or FE followed by a u32 LE; FF marks the end.
 */
import type { ByteString } from '../bytes';
import { ByteCursor } from './byte-cursor';
import { RdbError } from './rdb-error';

const BIG_LENGTH = 0xfe;
const END = 0xff;

/** The fields and values of a zipmap, alternating. */
export function decodeZipmap(blob: Buffer): ByteString[] {
  if (blob.length < 2) throw new RdbError(`zipmap of ${blob.length} bytes is too short`);
  const out: ByteString[] = [];
  const cursor = new ByteCursor(blob, 1); // after the count byte, which may be "unknown" anyway
  for (;;) {
    if (cursor.atEnd) throw new RdbError('zipmap does not end with its terminator');
    if (blob[cursor.pos] === END) break;
    const fieldLength = readLength(cursor);
    out.push(cursor.latin1(fieldLength, 'zipmap field'));
    const valueLength = readLength(cursor);
    const free = cursor.u8('zipmap free-space count');
    out.push(cursor.latin1(valueLength, 'zipmap value'));
    cursor.skip(free, 'zipmap free space');
  }
  if (cursor.pos !== blob.length - 1) throw new RdbError('zipmap has bytes after its terminator');
  return out;
}

function readLength(cursor: ByteCursor): number {
  const first = cursor.u8('zipmap length');
  if (first === END) throw new RdbError(`zipmap length missing at byte ${cursor.pos - 1}`);
  return first < BIG_LENGTH ? first : cursor.u32le('zipmap length');
}
