/**
 * A growable output buffer for the encoders: append bytes, then `take()` what was written so far
 * and start over in the same storage. The RDB writer takes a chunk whenever about 64 KiB have
 * accumulated, so memory stays bounded by the largest single value, not the dataset. The AOF
 * writer keeps one for the turn's commands, writes its `view()` and `clear`s it.
 */
import type { ByteString } from '../bytes';

export class ByteSink {
  private buf: Buffer;
  length = 0;

  constructor(private readonly initialBytes = 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private reserve(n: number): void {
    const needed = this.length + n;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }

  u16le(v: number): void {
    this.reserve(2);
    this.buf.writeUInt16LE(v, this.length);
    this.length += 2;
  }

  u32le(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }

  u32be(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32BE(v, this.length);
    this.length += 4;
  }

  u64be(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigUInt64BE(v, this.length);
    this.length += 8;
  }

  i64le(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigInt64LE(v, this.length);
    this.length += 8;
  }

  u64le(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigUInt64LE(v, this.length);
    this.length += 8;
  }

  f64le(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(v, this.length);
    this.length += 8;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /**
   * `size` bytes written in place by `encode(buffer, at, arg)`, which returns the offset after
   * them (protocol/command-encoder.ts's encodeCommandInto, for one).
   */
  encoded<A>(size: number, encode: (out: Buffer, at: number, arg: A) => number, arg: A): void {
    this.reserve(size);
    this.length = encode(this.buf, this.length, arg);
  }

  latin1(s: ByteString): void {
    this.reserve(s.length);
    this.length += this.buf.latin1Write(s, this.length);
  }

  /** A copy of everything written since the last take; the sink is then empty. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.length));
    this.length = 0;
    return out;
  }

  /** A view of what has been written (valid until the next write or take). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Empties the sink; storage that grew past `keepBytes` is let go for a fresh initial one. */
  clear(keepBytes: number): void {
    this.length = 0;
    if (this.buf.length > keepBytes) this.buf = Buffer.allocUnsafe(this.initialBytes);
  }
}
