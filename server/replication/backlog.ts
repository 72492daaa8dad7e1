/**
 * The replication backlog: the last `size` bytes of the replication stream in a fixed ring, so
 * a replica that reconnects can be sent just what it missed (PSYNC → +CONTINUE).
 *
 * Offsets are stream offsets as Redis counts them: the byte at offset o is the o-th byte ever
 * fed (the first one is 1). The ring holds [firstByteOffset, firstByteOffset + histlen).
 */
export class ReplicationBacklog {
  private ring: Buffer;
  /** Where the next byte goes in the ring. */
  private writeAt = 0;
  /** Bytes of valid history in the ring (≤ ring size). */
  private held = 0;
  /** Stream offset of the last byte fed. */
  private endOffset: number;

  /** `startOffset` is master_repl_offset when the backlog is created: history begins after it. */
  constructor(size: number, startOffset: number) {
    this.ring = Buffer.alloc(size);
    this.endOffset = startOffset;
  }

  get size(): number {
    return this.ring.length;
  }

  get histlen(): number {
    return this.held;
  }

  /** Offset of the oldest byte held (endOffset + 1 when empty, as Redis reports it). */
  get firstByteOffset(): number {
    return this.endOffset - this.held + 1;
  }

  append(data: Buffer): void {
    const size = this.ring.length;
    this.endOffset += data.length;
    if (data.length >= size) {
      data.copy(this.ring, 0, data.length - size);
      this.writeAt = 0;
      this.held = size;
      return;
    }
    const first = Math.min(data.length, size - this.writeAt);
    data.copy(this.ring, this.writeAt, 0, first);
    if (first < data.length) data.copy(this.ring, 0, first);
    this.writeAt = (this.writeAt + data.length) % size;
    this.held = Math.min(size, this.held + data.length);
  }

  /** Whether every byte from `offset` on is held (offset = endOffset + 1 means "nothing missing"). */
  covers(offset: number): boolean {
    return offset >= this.firstByteOffset && offset <= this.endOffset + 1;
  }

  /** The bytes from `offset` to the end; the caller checked covers(offset). */
  readFrom(offset: number): Buffer {
    const count = this.endOffset + 1 - offset;
    const out = Buffer.allocUnsafe(count);
    const size = this.ring.length;
    const start = (this.writeAt - count + size * 2) % size;
    const first = Math.min(count, size - start);
    this.ring.copy(out, 0, start, start + first);
    if (first < count) this.ring.copy(out, first, 0, count - first);
    return out;
  }

  /** CONFIG SET repl-backlog-size: keeps as much of the newest history as fits. */
  resize(size: number): void {
    if (size === this.ring.length) return;
    const keep = Math.min(size, this.held);
    const history = this.readFrom(this.endOffset + 1 - keep);
    this.ring = Buffer.alloc(size);
    history.copy(this.ring, 0);
    this.writeAt = keep % size;
    this.held = keep;
  }
}
