/**
 * intset: Redis's compact set of integers, stored in RDB as one string (type 11, SET_INTSET).
 *
 *   <u32 LE encoding: 2, 4 or 8 bytes per element> <u32 LE count> <count sorted signed LE ints>
 *
 * Redis writes a set this way while it holds only integers and at most set-max-intset-entries
 * (512) of them. The width is the smallest that holds every element.
 */
import type { ByteString } from '../bytes';
import { ByteCursor } from './byte-cursor';
import { RdbError } from './rdb-error';

const HEADER_BYTES = 8;

export function decodeIntset(blob: Buffer): ByteString[] {
  if (blob.length < HEADER_BYTES) throw new RdbError(`intset of ${blob.length} bytes is shorter than its header`);
  const cursor = new ByteCursor(blob);
  const width = cursor.u32le('intset encoding');
  const count = cursor.u32le('intset count');
  if (width !== 2 && width !== 4 && width !== 8) throw new RdbError(`intset with invalid encoding ${width}`);
  if (HEADER_BYTES + count * width !== blob.length) {
    throw new RdbError(`intset of ${count} ${width}-byte elements cannot be ${blob.length} bytes long`);
  }
  // Redis checks the order only with sanitize-dump-payload; a set does not need it, so an
  // unsorted intset is accepted as Redis accepts it (duplicates are caught by the caller).
  const out: ByteString[] = [];
  const what = 'intset element';
  for (let i = 0; i < count; i++) {
    const v = width === 2 ? cursor.i16le(what) : width === 4 ? cursor.i32le(what) : cursor.i64le(what);
    out.push(String(v));
  }
  return out;
}

/** Encodes canonical integer strings (each a valid int64) as an intset. */
export function encodeIntset(members: Iterable<ByteString>): Buffer {
  const values = Array.from(members, (m) => BigInt(m)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of values) {
    if (v < -0x80000000n || v > 0x7fffffffn) {
      width = 8;
      break;
    }
    if (v < -0x8000n || v > 0x7fffn) width = 4;
  }
  const blob = Buffer.allocUnsafe(HEADER_BYTES + values.length * width);
  blob.writeUInt32LE(width, 0);
  blob.writeUInt32LE(values.length, 4);
  values.forEach((v, i) => {
    const at = HEADER_BYTES + i * width;
    if (width === 2) blob.writeInt16LE(Number(v), at);
    else if (width === 4) blob.writeInt32LE(Number(v), at);
    else blob.writeBigInt64LE(v, at);
  });
  return blob;
}
