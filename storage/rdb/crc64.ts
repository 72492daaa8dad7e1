/**
 * CRC-64 as RDB files and DUMP payloads use it ("Jones" polynomial 0xad93d23594c935a9, reflected
 * input and output, initial value 0, no final xor; redis-wire.md §3.7). An RDB file ends with the
 * CRC of every byte before it; a DUMP payload with the CRC of its type byte, value and version.
 *
 * Table-driven, one byte per step. JavaScript has no fast 64-bit integers, so the running CRC is
 * kept as two unsigned 32-bit halves and the table is split the same way; bigint appears only at
 * the interface, once per call. Calls chain: crc64(crc64(0n, a), b) === crc64(0n, a ++ b), which
 * is how the writer checksums a file produced in chunks.
 */

/** The polynomial with its bits reversed, as a reflected CRC shifts right. */
const POLY_REFLECTED = 0x95ac9329ac4bc9b5n;

const TABLE_LO = new Uint32Array(256);
const TABLE_HI = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let crc = BigInt(n);
  for (let bit = 0; bit < 8; bit++) crc = (crc & 1n) === 1n ? (crc >> 1n) ^ POLY_REFLECTED : crc >> 1n;
  TABLE_LO[n] = Number(crc & 0xffffffffn);
  TABLE_HI[n] = Number(crc >> 32n);
}

/** The CRC-64 of bytes[start, end) continuing from `init` (0n for a fresh checksum). */
export function crc64(init: bigint, bytes: Uint8Array, start = 0, end = bytes.length): bigint {
  let lo = Number(init & 0xffffffffn) >>> 0;
  let hi = Number((init >> 32n) & 0xffffffffn) >>> 0;
  for (let i = start; i < end; i++) {
    const index = (lo ^ (bytes[i] as number)) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ (TABLE_LO[index] as number)) >>> 0;
    hi = ((hi >>> 8) ^ (TABLE_HI[index] as number)) >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}
