/**
 * zipmap: how Redis before 2.6 stored small hashes (type 9, HASH_ZIPMAP). Loaded from old files,
 * never written. Read-only.
 *
 *   <count byte, 254+ = unknown> ( <len> field <len> <free> value <free unused bytes> )... <FF>
 *
 * A <len> is one byte below 254, or FE followed by a u32 LE; FF marks the end.
 */
import type { ByteString } from '../bytes';
import { RdbError } from './rdb-error';

const BIG_LENGTH = 0xfe;
const END = 0xff;

/** The fields and values of a zipmap, alternating. */
export function decodeZipmap(blob: Buffer): ByteString[] {
  if (blob.length < 2) throw new RdbError(`zipmap of ${blob.length} bytes is too short`);
  const out: ByteString[] = [];
  let p = 1;
  for (;;) {
    if (p >= blob.length) throw new RdbError('zipmap does not end with its terminator');
    if (blob[p] === END) break;
    let length: number;
    [length, p] = readLength(blob, p);
    out.push(text(blob, p, length));
    p += length;
    [length, p] = readLength(blob, p);
    if (p >= blob.length) throw new RdbError('zipmap entry runs past the end');
    const free = blob[p++] as number;
    out.push(text(blob, p, length));
    p += length + free;
  }
  if (p !== blob.length - 1) throw new RdbError('zipmap has bytes after its terminator');
  return out;
}

function readLength(blob: Buffer, p: number): [number, number] {
  const first = blob[p];
  if (first === undefined || first === END) throw new RdbError(`zipmap length missing at byte ${p}`);
  if (first < BIG_LENGTH) return [first, p + 1];
  if (p + 5 > blob.length) throw new RdbError(`zipmap length at byte ${p} runs past the end`);
  return [blob.readUInt32LE(p + 1), p + 5];
}

function text(blob: Buffer, at: number, length: number): ByteString {
  if (at + length > blob.length) throw new RdbError(`zipmap entry at byte ${at} runs past the end`);
  return blob.latin1Slice(at, at + length);
}
