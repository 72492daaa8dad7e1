/**
 * MIGRATE's connections to target instances: one per "host:port", kept open for 10 s after its
 * last use (Redis's MIGRATE_SOCKET_CACHE_TTL; INFO's migrate_cached_sockets counts them), at
 * most 64 (one picked at random is closed to make room), so a reshard moving a slot with many
 * MIGRATE calls pays the TCP handshake once. Each remembers the db it last SELECTed, so a
 * MIGRATE to the same db sends no SELECT.
 *
 * Redis talks to the target with blocking reads and writes, each bounded by MIGRATE's timeout.
 * Node has no blocking sockets, so the same steps are promises here, each with that timeout on
 * the node's clock:
 *
 *   open(timeout)       connect; a connect that does not complete in time is a timeout, a
 *                       refused one a failure (Redis sees that one only when it writes)
 *   write(bytes)        resolves once the kernel took everything; times out when the queued
 *                       bytes made no progress for a whole timeout
 *   readLine()          the next reply line, CRLF stripped; times out like a blocking read
 *
 * The caller (server/commands/migrate.ts) decides what a failure means for the reply.
 */
import * as net from 'node:net';
import type { NodeClock } from '../clock';

/** Redis closes a cached MIGRATE connection unused for this long. */
const IDLE_TTL_SEC = 10;
/** Redis caches at most this many. */
const MAX_CACHED = 64;

export type IoResult = { ok: true } | { ok: false; timedOut: boolean };
export type LineResult = { ok: true; line: string } | { ok: false; timedOut: boolean };

export class MigrateSocket {
  /** The db the target has selected on this connection; -1 when unknown (SELECT next time). */
  lastDbId = -1;
  lastUseSec: number;
  private input = '';
  private closed = false;
  /** A read waiting for a line: called with it, or with null when the connection ends. */
  private lineWaiter: ((line: string | null) => void) | null = null;

  constructor(
    private readonly socket: net.Socket,
    private readonly time: NodeClock,
  ) {
    this.lastUseSec = Math.floor(time.now() / 1000);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.input += chunk.toString('latin1');
      this.deliverLine();
    });
    const end = (): void => {
      this.closed = true;
      this.deliverLine();
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
    this.deliverLine();
  }

  /** Hands the bytes to the socket; resolves when they have all left or the link failed. */
  write(bytes: Buffer, timeoutMs: number): Promise<IoResult> {
    if (this.closed) return Promise.resolve({ ok: false, timedOut: false });
    const socket = this.socket;
    return new Promise((resolve) => {
      let settled = false;
      let queued = Number.POSITIVE_INFINITY;
      const finish = (result: IoResult): void => {
        if (settled) return;
        settled = true;
        watchdog.cancel();
        socket.off('close', onClose);
        resolve(result);
      };
      const onClose = (): void => finish({ ok: false, timedOut: false });
      // Redis bounds each 64 KiB write by the timeout: here, the queue must shrink within it.
      const check = (): void => {
        const now = socket.writableLength;
        if (now === 0) finish({ ok: true });
        else if (now >= queued) finish({ ok: false, timedOut: true });
        else queued = now;
      };
      const watchdog = this.time.every(timeoutMs, check);
      socket.once('close', onClose);
      socket.write(bytes, (err) => finish(err === null || err === undefined ? { ok: true } : { ok: false, timedOut: false }));
    });
  }

  /** The next line the target sends, without its CRLF. */
  readLine(timeoutMs: number): Promise<LineResult> {
    return new Promise((resolve) => {
      const timer = this.time.schedule(timeoutMs, () => {
        this.lineWaiter = null;
        resolve({ ok: false, timedOut: true });
      });
      this.lineWaiter = (line) => {
        timer.cancel();
        resolve(line === null ? { ok: false, timedOut: false } : { ok: true, line });
      };
      this.deliverLine();
    });
  }

  private deliverLine(): void {
    const waiter = this.lineWaiter;
    if (waiter === null) return;
    const nl = this.input.indexOf('\n');
    if (nl >= 0) {
      const end = nl > 0 && this.input.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      const line = this.input.slice(0, end);
      this.input = this.input.slice(nl + 1);
      this.lineWaiter = null;
      waiter(line);
    } else if (this.closed) {
      this.lineWaiter = null;
      waiter(null);
    }
  }
}

export type OpenResult = { ok: true; socket: MigrateSocket } | { ok: false; timedOut: boolean };

export class MigrateSockets {
  private readonly cache = new Map<string, MigrateSocket>();

  constructor(
    private readonly time: NodeClock,
    private readonly pickIndex: (n: number) => number,
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
