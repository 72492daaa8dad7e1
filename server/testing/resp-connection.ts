/**
 * The harness's own client: one TCP connection to a node's client port, commands written as
 * RESP multibulk requests and replies read back in order. It is what redis-cli is to an
 * operator, and no more: the harness issues operator commands (CLUSTER SETSLOT, MIGRATE) over
 * it, so a node sees exactly the bytes redis-cli would send and answers through its real
 * dispatcher, with its real checks and its real error texts.
 *
 * Why not ioredis: `hashslot/testing` ships to users, and ioredis is only a devDependency here.
 * The codec is the server's own (protocol/command-encoder.ts, protocol/resp-value.ts), so this
 * file is only the socket, a queue of waiting callers and a deadline for each.
 *
 *   call(a) ─▶ write ─▶ ┌ pending: [a, b, c] ┐ ◀─ replies decode in order; the first settles a
 *   call(b) ─▶ write ─▶ │                    │
 *   call(c) ─▶ write ─▶ └────────────────────┘    deadline passed or socket gone: every waiting
 *                                                 caller is rejected and the socket destroyed
 *
 * A deadline ends the connection rather than just one call: a reply that arrives late would
 * otherwise be taken as the answer to the next command. Arguments and bulk replies are byte
 * strings (one char per byte, storage/bytes.ts), so keys of any bytes travel unchanged.
 */
import * as net from 'node:net';
import { encodeCommand } from '../../protocol/command-encoder';
import { decodeRespValue, type RespValue } from '../../protocol/resp-value';

/** An error reply from the node (`-ERR ...`), as a rejection. */
export class RespReplyError extends Error {
  override readonly name = 'RespReplyError';
  /** `reply` is the error line as the node sent it; `message` may add where it came from. */
  constructor(
    readonly reply: string,
    message: string = reply,
  ) {
    super(message);
  }
}

interface Waiting {
  resolve(value: RespValue): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class RespConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly waiting: Waiting[] = [];
  private failure: Error | null = null;

  private constructor(
    private readonly socket: net.Socket,
    readonly label: string,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', (err) => this.fail(new Error(`connection to ${label}: ${err.message}`)));
    socket.on('close', () => this.fail(new Error(`connection to ${label} closed`)));
  }

  static connect(host: string, port: number, timeoutMs: number): Promise<RespConnection> {
    const label = `${host}:${port}`;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${label}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(new Error(`connecting to ${label}: ${err.message}`));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(new RespConnection(socket, label));
      });
    });
  }

  /** Sends one command; resolves with its reply, rejects with RespReplyError on an error reply. */
  call(argv: readonly string[], timeoutMs: number): Promise<RespValue> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<RespValue>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`${argv.slice(0, 3).join(' ')} on ${this.label}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.push({ resolve, reject, timer });
      this.socket.write(encodeCommand(argv));
    });
  }

  close(): void {
    this.fail(new Error(`connection to ${this.label} closed by the harness`));
  }

  private read(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let offset = 0;
    for (;;) {
      let decoded: [RespValue, number] | null;
      try {
        decoded = decodeRespValue(this.buffered, offset);
      } catch (err) {
        this.fail(new Error(`unreadable reply from ${this.label}: ${err instanceof Error ? err.message : String(err)}`));
        return;
      }
      if (decoded === null) break;
      const [value, next] = decoded;
      offset = next;
      const waiter = this.waiting.shift();
      if (waiter === undefined) {
        // Nobody asked: the stream is out of step with the callers, and every later reply would
        // be given to the wrong one.
        this.fail(new Error(`unexpected reply from ${this.label}`));
        return;
      }
      clearTimeout(waiter.timer);
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && '-' in value) waiter.reject(new RespReplyError(value['-']));
      else waiter.resolve(value);
    }
    this.buffered = offset === this.buffered.length ? Buffer.alloc(0) : this.buffered.subarray(offset);
  }

  private fail(error: Error): void {
    if (this.failure === null) this.failure = error;
    for (const waiter of this.waiting.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(this.failure);
    }
    if (!this.socket.destroyed) this.socket.destroy();
  }
}
