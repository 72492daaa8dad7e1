/**
 * CRC-64 as RDB files and DUMP payloads use it ("Jones" polynomial 0xad93d23594c935a9, reflected
 * input and output, initial value 0, no final xor; redis-wire.md §3.7). An RDB file ends with the
 * CRC of every byte before it; a DUMP payload with the CRC of its type byte, value and version.
 *
 * Table-driven, "slicing by 8": eight tables let one step fold in eight bytes, the inner loop of
 * a long RDB. The tail (and short inputs) go a byte per step. JavaScript has no fast 64-bit integers, so the running CRC is
 * kept as two 32-bit halves and the table is split the same way; bigint appears only at the
 * interface, once per call. The halves are kept *signed* (Int32Array, `| 0`): V8 holds int32
 * values unboxed, while unsigned values above 2^31 become doubles, which made the loop ~5x slower. Calls chain: crc64(crc64(0n, a), b) === crc64(0n, a ++ b), which
 * is how the writer checksums a file produced in chunks.
 */

/** The polynomial with its bits reversed, as a reflected CRC shifts right. */
const POLY_REFLECTED = 0x95ac9329ac4bc9b5n;

/** Table k, entry n: the CRC of byte n followed by k zero bytes; halves at [k * 256 + n]. */
const TABLE_LO = new Int32Array(8 * 256);
const TABLE_HI = new Int32Array(8 * 256);
const table0: bigint[] = [];
for (let n = 0; n < 256; n++) {
  let crc = BigInt(n);
  for (let bit = 0; bit < 8; bit++) crc = (crc & 1n) === 1n ? (crc >> 1n) ^ POLY_REFLECTED : crc >> 1n;
  table0.push(crc);
}
for (let n = 0; n < 256; n++) {
  let crc = table0[n] as bigint;
  for (let k = 0; k < 8; k++) {
    TABLE_LO[k * 256 + n] = Number(BigInt.asIntN(32, crc));
    TABLE_HI[k * 256 + n] = Number(BigInt.asIntN(32, crc >> 32n));
    // One more zero byte: shift out the low byte and fold it back through table 0.
    crc = (crc >> 8n) ^ (table0[Number(crc & 0xffn)] as bigint);
  }
}

/** The CRC-64 of bytes[start, end) continuing from `init` (0n for a fresh checksum). */
export function crc64(init: bigint, bytes: Uint8Array, start = 0, end = bytes.length): bigint {
  let lo = Number(BigInt.asIntN(32, init)) | 0;
  let hi = Number(BigInt.asIntN(32, init >> 32n)) | 0;
  let i = start;
  const T = TABLE_LO;
  const H = TABLE_HI;
  for (; i + 8 <= end; i += 8) {
    const a = lo ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
    const b = hi ^ ((bytes[i + 4] as number) | ((bytes[i + 5] as number) << 8) | ((bytes[i + 6] as number) << 16) | ((bytes[i + 7] as number) << 24));
    const i7 = 7 * 256 + (a & 0xff);
    const i6 = 6 * 256 + ((a >>> 8) & 0xff);
    const i5 = 5 * 256 + ((a >>> 16) & 0xff);
    const i4 = 4 * 256 + (a >>> 24);
    const i3 = 3 * 256 + (b & 0xff);
    const i2 = 2 * 256 + ((b >>> 8) & 0xff);
    const i1 = 256 + ((b >>> 16) & 0xff);
    const i0 = b >>> 24;
    lo = (T[i7] as number) ^ (T[i6] as number) ^ (T[i5] as number) ^ (T[i4] as number) ^ (T[i3] as number) ^ (T[i2] as number) ^ (T[i1] as number) ^ (T[i0] as number);
    hi = (H[i7] as number) ^ (H[i6] as number) ^ (H[i5] as number) ^ (H[i4] as number) ^ (H[i3] as number) ^ (H[i2] as number) ^ (H[i1] as number) ^ (H[i0] as number);
  }
  for (; i < end; i++) {
    const index = (lo ^ (bytes[i] as number)) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ (TABLE_LO[index] as number);
    hi = (hi >>> 8) ^ (TABLE_HI[index] as number);
  }
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
