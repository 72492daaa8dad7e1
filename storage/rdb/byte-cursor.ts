/**
 * A read position in a Buffer that never reads past its end: every read checks the bytes it
 * needs are there and throws an RdbError naming what was being read otherwise. Everything that
 * decodes snapshot bytes (RDB files, DUMP payloads, the blobs inside them) reads through one, so
 * a truncated or lying input fails cleanly instead of reading garbage or out of bounds.
 *
 * `end` may stop short of the buffer's end: the compact encodings (listpack, ziplist) read their
 * entries through a cursor that ends before their terminator byte, so an entry that claims to
 * run into or past the terminator is refused by the same check.
 */
import { RdbError } from './rdb-error';

export class ByteCursor {
  constructor(
    readonly bytes: Buffer,
    public pos = 0,
    readonly end = bytes.length,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number, what: string): void {
    if (n > this.end - this.pos) throw new RdbError(`unexpected end of data reading ${what} at offset ${this.pos}`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++] as number;
  }

  i8(what: string): number {
    this.need(1, what);
    return this.bytes.readInt8(this.pos++);
  }

  i16le(what: string): number {
    this.need(2, what);
    const v = this.bytes.readInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  /** A 24-bit signed integer (listpack's and ziplist's int24 entries). */
  i24le(what: string): number {
    this.need(3, what);
    const v = this.bytes.readIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u16le(what: string): number {
    this.need(2, what);
    const v = this.bytes.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32le(what: string): number {
    this.need(4, what);
    const v = this.bytes.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u32be(what: string): number {
    this.need(4, what);
    const v = this.bytes.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i32le(what: string): number {
    this.need(4, what);
    const v = this.bytes.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  i64le(what: string): bigint {
    this.need(8, what);
    const v = this.bytes.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  u64le(what: string): bigint {
    this.need(8, what);
    const v = this.bytes.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  u64be(what: string): bigint {
    this.need(8, what);
    const v = this.bytes.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  f64le(what: string): number {
    this.need(8, what);
    const v = this.bytes.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** The next `n` bytes as a view (no copy). */
  take(n: number, what: string): Buffer {
    this.need(n, what);
    const view = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  /** The next `n` bytes as a byte string. */
  latin1(n: number, what: string): string {
    this.need(n, what);
    const s = this.bytes.latin1Slice(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }
}
