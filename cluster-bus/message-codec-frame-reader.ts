/**
 * Cuts the byte stream of one cluster bus link into frames, one `clusterMsg` each
 * (redis-wire.md §1.1). Messages follow each other with no padding; each starts with an 8-byte
 * prefix, "RCmb" then totlen (u32 BE, the whole message). Like Redis, the reader checks the prefix
 * as soon as it has it: a wrong signature or a totlen below the 2256-byte header means the peer
 * is not speaking the bus protocol (or we lost sync), and since there is no way to find the next
 * message boundary, the link must be closed. We add an upper bound that Redis lacks
 * (DEFAULT_MAX_FRAME_BYTES explains the number), so a corrupt length cannot make us buffer
 * without end. These are returned as FrameError values; the reader then stays failed, and the
 * transport closes the link.
 *
 * Buffering: fed chunks are kept in a list, not concatenated, so a chunk is never copied when the
 * next one arrives. A complete frame that lies within one chunk is returned as a view of it (no
 * copy at all: the usual case for small messages, since a socket delivers fresh buffers that
 * nobody writes to afterwards); a frame spread over several chunks is copied once into a buffer
 * of exactly totlen bytes. No buffer is allocated from a claimed length before the bytes arrive.
 *
 * ```
 *   feed(c1) feed(c2)           feed(c3)
 *   [RCmb|len|..... c1 ...][.... c2 ....][.. c3 ..|RCmb|len|...]
 *   |<------------- frame 1: totlen bytes ---------->|<- frame 2 ...
 *   next() → null until c3 arrives, then frame 1 (copied once), then null (frame 2 incomplete)
 * ```
 */
import {
  CLUSTER_MSG_HEADER_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_PREFIX_BYTES,
} from './message-codec-layout';

export type FrameErrorCode = 'bad-signature' | 'too-short' | 'too-long';

/** The link is unusable and must be closed. */
export interface FrameError {
  frameError: FrameErrorCode;
  reason: string;
}

export function isFrameError(value: Buffer | FrameError | null): value is FrameError {
  return value !== null && !Buffer.isBuffer(value);
}

export interface BusFrameReaderOptions {
  /** Largest totlen accepted; default DEFAULT_MAX_FRAME_BYTES (header + 8 + 1 GiB). */
  maxFrameBytes?: number;
}

/** "RCmb" */
const SIGNATURE_BYTES = [0x52, 0x43, 0x6d, 0x62] as const;

export class BusFrameReader {
  private readonly maxFrameBytes: number;
  /** Unconsumed chunks are chunks[head..]; the first of them starts at headOffset. */
  private chunks: Buffer[] = [];
  private head = 0;
  private headOffset = 0;
  private buffered = 0;
  /** totlen of the frame being assembled once its prefix was checked, else 0. */
  private pendingTotlen = 0;
  private failure: FrameError | null = null;

  constructor(options: BusFrameReaderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes received and not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The error that stopped this reader, if any. */
  get error(): FrameError | null {
    return this.failure;
  }

  /** Appends bytes read from the socket. The reader keeps a reference: do not reuse `chunk`. */
  feed(chunk: Buffer): void {
    if (this.failure !== null || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next complete frame (exactly totlen bytes, for decodeMessage), null when more bytes are
   * needed, or a FrameError once the stream is known to be broken (returned on every later call).
   */
  next(): Buffer | null | FrameError {
    if (this.failure !== null) return this.failure;
    if (this.pendingTotlen === 0) {
      if (this.buffered < FRAME_PREFIX_BYTES) return null;
      const checked = this.checkPrefix();
      if (checked !== null) return this.fail(checked);
    }
    if (this.buffered < this.pendingTotlen) return null;
    const frame = this.take(this.pendingTotlen);
    this.pendingTotlen = 0;
    return frame;
  }

  private fail(error: FrameError): FrameError {
    this.failure = error;
    this.chunks = [];
    this.head = 0;
    this.headOffset = 0;
    this.buffered = 0;
    return error;
  }

  /** Byte `i` of the unconsumed input (i < buffered); only used for the 8-byte prefix. */
  private peekByte(i: number): number {
    let at = this.headOffset + i;
    for (let c = this.head; c < this.chunks.length; c++) {
      const chunk = this.chunks[c];
      if (chunk === undefined) break;
      if (at < chunk.length) return chunk[at] ?? 0;
      at -= chunk.length;
    }
    return 0;
  }

  /** Checks signature and totlen; on success sets pendingTotlen. */
  private checkPrefix(): FrameError | null {
    for (let i = 0; i < SIGNATURE_BYTES.length; i++) {
      if (this.peekByte(i) !== SIGNATURE_BYTES[i]) {
        return { frameError: 'bad-signature', reason: 'frame does not start with RCmb' };
      }
    }
    // u32 BE; multiplications rather than shifts, so the top bit cannot make it negative.
    const totlen =
      this.peekByte(4) * 0x1000000 + this.peekByte(5) * 0x10000 + this.peekByte(6) * 0x100 + this.peekByte(7);
    if (totlen < CLUSTER_MSG_HEADER_BYTES) {
      return { frameError: 'too-short', reason: `totlen ${totlen} is below the ${CLUSTER_MSG_HEADER_BYTES}-byte minimum` };
    }
    if (totlen > this.maxFrameBytes) {
      return { frameError: 'too-long', reason: `totlen ${totlen} is above the ${this.maxFrameBytes}-byte limit` };
    }
    this.pendingTotlen = totlen;
    return null;
  }

  /** Removes and returns the first n buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[this.head];
    if (first !== undefined && first.length - this.headOffset >= n) {
      const view = first.subarray(this.headOffset, this.headOffset + n);
      this.advance(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.head];
      if (chunk === undefined) throw new Error('BusFrameReader: buffered byte count out of sync');
      const piece = Math.min(chunk.length - this.headOffset, n - filled);
      chunk.copy(out, filled, this.headOffset, this.headOffset + piece);
      filled += piece;
      this.advance(piece);
    }
    return out;
  }

  /** Consumes n bytes from the head chunk (n <= what it has left). */
  private advance(n: number): void {
    this.buffered -= n;
    this.headOffset += n;
    const chunk = this.chunks[this.head];
    if (chunk !== undefined && this.headOffset === chunk.length) {
      this.head++;
      this.headOffset = 0;
      if (this.head === this.chunks.length) {
        this.chunks = [];
        this.head = 0;
      } else if (this.head >= 64) {
        // Drop references to consumed chunks now and then, keeping each next() cheap.
        this.chunks.splice(0, this.head);
        this.head = 0;
      }
    }
  }
}
