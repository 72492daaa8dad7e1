/*
 * A deliberately dumb client: it writes whatever bytes it is given and hands back replies as raw
 * Buffers, one per complete RESP reply, so tests can compare servers byte for byte without any
 * client library normalising the answer (ioredis turns errors into exceptions, numbers into
 * strings, and hides RESP3 types).
 *
 * Reading is by count ("the next 3 replies") or until the server closes the connection, always
 * with a deadline so that a server that never answers fails the test instead of hanging it.
 */

import * as net from 'node:net';
import { LOOPBACK_HOST } from './free-port';
import { encodeCommand, escapeBytes, frameReply, type Arg } from './resp';

const DEFAULT_READ_DEADLINE_MS = 5_000;

export class ReadTimeoutError extends Error {}
export class ConnectionClosedError extends Error {}

export class RawClient {
  private buffered: Buffer = Buffer.alloc(0);
  private closed = false;
  private socketError: Error | null = null;
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.notify();
    });
    socket.on('error', (err) => {
      this.socketError = err;
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static connect(port: number, host = LOOPBACK_HOST, deadlineMs = DEFAULT_READ_DEADLINE_MS): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ReadTimeoutError(`connect to ${host}:${port} timed out`));
      }, deadlineMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(new RawClient(socket));
      });
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', onError);
    });
  }

  /** True once the server (or we) closed the connection. */
  get isClosed(): boolean {
    return this.closed;
  }

  write(data: Buffer | string): void {
    if (this.closed) return;
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Writes and waits until the bytes are handed to the kernel, for split-write tests. */
  writeFlushed(data: Buffer | string): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, () => resolve());
    });
  }

  send(...argv: Arg[]): void {
    this.write(encodeCommand(argv));
  }

  /** Sends one command and returns its raw reply. */
  async call(...argv: Arg[]): Promise<Buffer> {
    this.send(...argv);
    const [reply] = await this.readReplies(1);
    return reply ?? Buffer.alloc(0);
  }

  /** Exactly `count` complete replies, each as its raw bytes. */
  async readReplies(count: number, deadlineMs = DEFAULT_READ_DEADLINE_MS): Promise<Buffer[]> {
    const deadline = Date.now() + deadlineMs;
    const replies: Buffer[] = [];
    let pos = 0;
    while (replies.length < count) {
      const end = frameReply(this.buffered, pos);
      if (end >= 0) {
        replies.push(this.buffered.subarray(pos, end));
        pos = end;
        continue;
      }
      if (this.closed || this.socketError !== null) {
        this.consume(pos);
        const why = this.socketError !== null ? `socket error ${this.socketError.message}` : 'connection closed';
        throw new ConnectionClosedError(
          `${why} after ${replies.length} of ${count} replies; unframed bytes: "${escapeBytes(this.buffered)}"`,
        );
      }
      const waited = await this.waitForData(deadline);
      if (!waited) {
        this.consume(pos);
        throw new ReadTimeoutError(
          `no complete reply within ${deadlineMs} ms (${replies.length} of ${count}); pending bytes: "${escapeBytes(this.buffered.subarray(0, 200))}"`,
        );
      }
    }
    this.consume(pos);
    // Copy out: the replies must not alias a buffer that later concatenation could replace.
    return replies.map((r) => Buffer.from(r));
  }

  /** Every byte the server sends until it closes the connection. Fails at the deadline. */
  async readUntilClose(deadlineMs = DEFAULT_READ_DEADLINE_MS): Promise<Buffer> {
    const deadline = Date.now() + deadlineMs;
    while (!this.closed) {
      if (!(await this.waitForData(deadline))) {
        throw new ReadTimeoutError(
          `server did not close the connection within ${deadlineMs} ms; received "${escapeBytes(this.buffered)}"`,
        );
      }
    }
    const all = this.buffered;
    this.buffered = Buffer.alloc(0);
    return all;
  }

  /** Whatever arrived so far, without waiting. */
  takeBuffered(): Buffer {
    const all = this.buffered;
    this.buffered = Buffer.alloc(0);
    return all;
  }

  close(): void {
    this.socket.destroy();
  }

  private consume(pos: number): void {
    if (pos > 0) this.buffered = this.buffered.subarray(pos);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Resolves true when something happened (data, close, error), false at the deadline. */
  private waitForData(deadline: number): Promise<boolean> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(false);
      }, remaining);
      this.wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }
}
