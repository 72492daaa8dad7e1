/**
 * The one representation of binary data in the server: the byte string.
 *
 * Keys, values and command arguments are JavaScript strings in which every char code is a byte
 * (0..255); latin1 is the bijection between such strings and Buffers. A key with `\xff\x00` in
 * it is the two-char string "\xff\x00" and behaves like any other key. Byte strings were chosen
 * over Buffers because V8 stores them in one compact allocation with a cached hash, so they are
 * cheap Map keys and cheap values (a 100-byte value costs ~112 bytes), and they convert to and
 * from socket bytes with a single latin1 copy.
 *
 * Never pass a byte string through UTF-8 (`Buffer.from(s)`, `toString()`): always latin1.
 */
export type ByteString = string;

export function toByteString(buf: Buffer): ByteString {
  return buf.latin1Slice(0, buf.length);
}

export function toBuffer(bytes: ByteString): Buffer {
  return Buffer.from(bytes, 'latin1');
}

/** A readable ASCII byte string from text that may contain non-latin1 chars (for log lines etc.). */
export function fromUtf8(text: string): ByteString {
  return Buffer.from(text, 'utf8').latin1Slice();
}

/** Byte-wise comparison, as memcmp orders keys and members. */
export function compareBytes(a: ByteString, b: ByteString): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
