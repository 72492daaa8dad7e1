/**
 * MIGRATE's connections to target instances: one per "host:port", kept open for 10 s after its
 * last use (Redis's MIGRATE_SOCKET_CACHE_TTL; INFO's migrate_cached_sockets counts them), at
 * most 64 (one picked at random is closed to make room), so a reshard moving a slot with many
 * MIGRATE calls pays the TCP handshake once. Each remembers the db it last SELECTed, so a
 * MIGRATE to the same db sends no SELECT.
 *
 * Redis talks to the target with blocking reads and writes, each bounded by MIGRATE's timeout.
 * Node has no blocking sockets, so the same steps are promises here, with that timeout on the
 * node's clock:
 *
 *   get(timeout)        the cached connection, or a new one; a connect that does not complete in
 *                       time is a timeout, a refused one a failure (Redis sees that one only
 *                       when it writes)
 *   exchange(bytes, n)  sends the commands and collects the n reply lines; fails at the writing
 *                       or reading stage, by timeout when nothing moved for a whole timeout
 *
 * The caller (server/commands/migrate.ts) decides what a failure means for the reply.
 */
import * as net from 'node:net';
import type { NodeClock } from '../clock';

/** Redis closes a cached MIGRATE connection unused for this long. */
const IDLE_TTL_SEC = 10;
/** Redis caches at most this many. */
const MAX_CACHED = 64;

export class MigrateSocket {
  /** The db the target has selected on this connection; -1 when unknown (SELECT next time). */
  lastDbId = -1;
  lastUseSec: number;
  private input = '';
  /** Bytes received so far (progress, for the timeout). */
  private received = 0;
  private closed = false;
  /** The exchange in progress, told when bytes arrive or the connection ends. */
  private waiter: (() => void) | null = null;

  constructor(
    private readonly socket: net.Socket,
    private readonly time: NodeClock,
  ) {
    this.lastUseSec = Math.floor(time.now() / 1000);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.input += chunk.toString('latin1');
      this.received += chunk.length;
      this.waiter?.();
    });
    const end = (): void => {
      this.closed = true;
      this.waiter?.();
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
    this.waiter?.();
  }

  /**
   * Sends `bytes` and collects the next `lines` reply lines (CRLF stripped). Resolves with the
   * lines received and, if the link failed first, how: at the writing stage (bytes still queued,
   * or the write itself failed) or the reading stage, and whether by timeout, which is "no
   * progress (nothing sent, nothing received) for a whole timeout", Redis's bound on each of its
   * blocking reads and writes. One timer per exchange, not one per reply.
   */
  exchange(bytes: Buffer, lines: number, timeoutMs: number): Promise<Exchanged> {
    const got: string[] = [];
    if (this.closed) return Promise.resolve({ lines: got, failure: { stage: 'writing', timedOut: false } });
    const socket = this.socket;
    return new Promise((resolve) => {
      let writeFailed = false;
      let progress = 0;
      const finish = (failure: Exchanged['failure']): void => {
        if (this.waiter === null) return;
        this.waiter = null;
        watchdog.cancel();
        resolve({ lines: got, failure });
      };
      const stage = (): 'writing' | 'reading' => (writeFailed || socket.writableLength > 0 ? 'writing' : 'reading');
      this.waiter = () => {
        for (;;) {
          if (got.length === lines) return finish(null);
          const line = this.takeLine();
          if (line === null) break;
          got.push(line);
        }
        if (this.closed) finish({ stage: stage(), timedOut: false });
      };
      const watchdog = this.time.every(timeoutMs, () => {
        const now = this.received - socket.writableLength;
        if (now === progress) finish({ stage: stage(), timedOut: true });
        progress = now;
      });
      socket.write(bytes, (err) => {
        if (err === null || err === undefined) return;
        writeFailed = true;
        this.waiter?.();
      });
      progress = this.received - socket.writableLength;
      this.waiter();
    });
  }

  /** The next complete line of input, without its CRLF, or null. */
  private takeLine(): string | null {
    const nl = this.input.indexOf('\n');
    if (nl < 0) return null;
    const end = nl > 0 && this.input.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
    const line = this.input.slice(0, end);
    this.input = this.input.slice(nl + 1);
    return line;
  }
}

/** What an exchange got: the reply lines, and the failure that cut it short, if any. */
export interface Exchanged {
  lines: string[];
  failure: { stage: 'writing' | 'reading'; timedOut: boolean } | null;
}

export type OpenResult = { ok: true; socket: MigrateSocket } | { ok: false; timedOut: boolean };

export class MigrateSockets {
  private readonly cache = new Map<string, MigrateSocket>();

  constructor(
    private readonly time: NodeClock,
    private readonly pickIndex: (n: number) => number,
    /** Told of every socket opened (a test harness's hook, server/node-hooks.ts). */
    private readonly opened: (socket: net.Socket) => void = () => undefined,
  ) {}

  /** INFO migrate_cached_sockets. */
  get size(): number {
    return this.cache.size;
  }

  /** The cached connection to host:port (its use time refreshed), else a new one. */
  async get(host: string, port: string, timeoutMs: number): Promise<OpenResult> {
    const name = `${host}:${port}`;
    const cached = this.cache.get(name);
    if (cached !== undefined && !cached.isClosed) {
      cached.lastUseSec = Math.floor(this.time.now() / 1000);
      return { ok: true, socket: cached };
    }
    if (cached !== undefined) this.cache.delete(name);
    if (this.cache.size >= MAX_CACHED) {
      const names = [...this.cache.keys()];
      this.close(names[this.pickIndex(names.length)] as string);
    }
    const opened = await this.connect(host, Number(port), timeoutMs);
    if (opened.ok) this.cache.set(name, opened.socket);
    return opened;
  }

  /** Closes the connection to host:port, if cached (after an I/O error: the next use reconnects). */
  close(name: string): void {
    const socket = this.cache.get(name);
    if (socket === undefined) return;
    this.cache.delete(name);
    socket.close();
  }

  /** Once a second from the cron: closes the connections unused for 10 s. */
  closeIdle(nowMs: number): void {
    const nowSec = Math.floor(nowMs / 1000);
    for (const [name, socket] of this.cache) {
      if (socket.isClosed || nowSec - socket.lastUseSec > IDLE_TTL_SEC) this.close(name);
    }
  }

  closeAll(): void {
    for (const name of [...this.cache.keys()]) this.close(name);
  }

  private connect(host: string, port: number, timeoutMs: number): Promise<OpenResult> {
    // Redis reads the port with atoi: a port that is not one cannot be reached.
    if (!Number.isInteger(port) || port < 0 || port > 65535) return Promise.resolve({ ok: false, timedOut: false });
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      this.opened(socket);
      let settled = false;
      const settle = (result: OpenResult): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        resolve(result);
      };
      const timer = this.time.schedule(timeoutMs, () => {
        socket.destroy();
        settle({ ok: false, timedOut: true });
      });
      socket.once('connect', () => settle({ ok: true, socket: new MigrateSocket(socket, this.time) }));
      socket.once('error', () => {
        socket.destroy();
        settle({ ok: false, timedOut: false });
      });
    });
  }
}
