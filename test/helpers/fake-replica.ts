/**
 * A raw "fake replica": a socket that asks a master for a full sync and then reads the
 * replication stream as commands, so a test can compare, command by command, what redis-server
 * and hashslot send their replicas.
 *
 *   fake replica ── PSYNC ? -1 ──────────▶ master
 *                ◀── +FULLRESYNC <replid> <offset>
 *                ◀── $<len>\r\n<RDB bytes>      (no trailing CRLF; no "capa eof" was announced,
 *                                                so even a diskless master sends the length form)
 *                ◀── *N\r\n$..  the stream: SELECT, writes, MULTI/EXEC, PING...
 *
 * The master's periodic PINGs (every repl-ping-replica-period) are dropped from what is read.
 */
import * as net from 'node:net';
import { LOOPBACK_HOST } from '../../bench/harness/free-port';
import { encodeCommand, frameReply, parseReply } from '../../bench/harness/resp';

/** One command of the stream: its arguments (latin1) and its bytes as sent. */
export interface StreamFrame {
  argv: string[];
  raw: Buffer;
}

export class FakeReplica {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** Connects, asks for a full sync and skips the snapshot; the stream follows. */
  static async attach(port: number, deadlineMs = 10_000): Promise<FakeReplica> {
    const socket = net.connect(port, LOOPBACK_HOST);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const replica = new FakeReplica(socket);
    socket.write(encodeCommand(['PSYNC', '?', '-1']));
    const deadline = Date.now() + deadlineMs;
    const fullResync = await replica.readLine(deadline);
    if (!fullResync.startsWith('+FULLRESYNC')) throw new Error(`expected +FULLRESYNC, got ${fullResync}`);
    let header = await replica.readLine(deadline);
    // A master may send newlines while it prepares the snapshot, to keep the link alive.
    while (header === '') header = await replica.readLine(deadline);
    if (!header.startsWith('$')) throw new Error(`expected the snapshot's length, got ${header}`);
    await replica.skip(Number(header.slice(1)), deadline);
    return replica;
  }

  /** Reads stream commands (PINGs left out) until one satisfies `last`, which is included. */
  async readUntil(last: (argv: string[]) => boolean, deadlineMs = 10_000): Promise<string[][]> {
    return (await this.readFramesUntil(last, deadlineMs)).map((frame) => frame.argv);
  }

  /**
   * Like readUntil, with each command's bytes exactly as the master sent them, for tests that
   * compare the stream byte for byte.
   */
  async readFramesUntil(last: (argv: string[]) => boolean, deadlineMs = 10_000): Promise<StreamFrame[]> {
    const deadline = Date.now() + deadlineMs;
    const out: StreamFrame[] = [];
    for (;;) {
      const end = frameReply(this.buffer, 0);
      if (end < 0) {
        await this.waitForData(deadline);
        continue;
      }
      const node = parseReply(this.buffer, 0);
      const raw = Buffer.from(this.buffer.subarray(0, end));
      this.buffer = this.buffer.subarray(end);
      const argv = node.items.map((item) => item.text.toString('latin1'));
      if (argv.length === 1 && argv[0]?.toLowerCase() === 'ping') continue;
      out.push({ argv, raw });
      if (last(argv)) return out;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private async readLine(deadline: number): Promise<string> {
    for (;;) {
      const eol = this.buffer.indexOf('\r\n');
      if (eol >= 0) {
        const line = this.buffer.toString('latin1', 0, eol);
        this.buffer = this.buffer.subarray(eol + 2);
        return line;
      }
      // A lone "\n" is the keep-alive a master sends while the snapshot is being made.
      if (this.buffer.length > 0 && this.buffer[0] === 0x0a) {
        this.buffer = this.buffer.subarray(1);
        return '';
      }
      await this.waitForData(deadline);
    }
  }

  private async skip(bytes: number, deadline: number): Promise<void> {
    while (this.buffer.length < bytes) await this.waitForData(deadline);
    this.buffer = this.buffer.subarray(bytes);
  }

  private waitForData(deadline: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the master closed the replication link'));
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.reject(new Error('timed out reading the replication stream'));
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        resolve();
      }, remaining);
      this.waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }
}
