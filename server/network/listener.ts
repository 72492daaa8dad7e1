/**
 * The client port's listening sockets: one per `bind` address, all on `port`.
 *
 * Opening is all or nothing. Each address is bound in turn; an address marked optional with a
 * leading '-' may be missing from the machine (it is then skipped, with a warning), any other
 * failure closes the sockets already opened and rejects with a ListenError saying which address
 * failed and why, in redis-server's words ("bind: Address already in use").
 *
 * CONFIG SET port / bind must not lose the port it is serving on when the new one is taken, so
 * the change is made in two steps, as Redis does it: open the new set first, and only when every
 * socket of it is listening close the old set (`swap`). A failure leaves the old set untouched and
 * the server still reachable where it was.
 *
 *     serving on 6379 ──▶ open 6380 ──ok──▶ swap: close 6379, serve on 6380
 *                            └──EADDRINUSE──▶ keep 6379, the CONFIG SET is refused
 *
 * New addresses on the same port cannot be bound while the old sockets hold it, so for a bind
 * change Redis closes the old set first and reopens it if the new one fails; so does this.
 */
import * as net from 'node:net';
import type { Config } from '../config/config';
import type { Logger } from '../log';

/** Where and how one listening socket could not be opened. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    /** The address as Redis prints it in the warning, e.g. `*:6380` or `127.0.0.1:6380`. */
    readonly address: string,
    /** The system call and its error, e.g. `bind: Address already in use`. */
    readonly reason: string,
    readonly code: string | undefined,
  ) {
    super(`Could not create server TCP listening socket ${address}: ${reason}`);
  }
}

/** strerror() texts for the errors a bind commonly meets, as redis-server logs them. */
const SYSTEM_ERROR_TEXT: Readonly<Record<string, string>> = {
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  EAFNOSUPPORT: 'Address family not supported by protocol',
};

/** Errors that make an optional ('-' prefixed) address skippable rather than fatal. */
const MISSING_ADDRESS_CODES = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'ENOTFOUND']);

/** The open listening sockets and the port/bind they were opened for. */
export interface ListenerSet {
  readonly servers: readonly net.Server[];
  /** The port the set listens on (the one the system picked when `port` was 0). */
  readonly port: number;
}

/**
 * Opens one listening socket per `bind` entry on `port`, calling `onSocket` for each accepted
 * connection. Rejects with ListenError (every socket of the set closed) if a required address
 * cannot be bound.
 */
export async function openListeners(
  bind: readonly string[],
  port: number,
  onSocket: (socket: net.Socket) => void,
  log: Logger,
): Promise<ListenerSet> {
  const servers: net.Server[] = [];
  let boundPort = port;
  for (const entry of bind) {
    // A leading '-' marks an address that may be unavailable; '*' and '::*' are the wildcards.
    const optional = entry.startsWith('-');
    const bare = optional ? entry.slice(1) : entry;
    const host = bare === '*' ? '0.0.0.0' : bare === '::*' ? '::' : bare;
    // Accepted paused: the node moves each connection to a socket reading into the shared
    // buffer before anything is read (shared-reads.ts).
    const server = net.createServer({ pauseOnConnect: true }, onSocket);
    try {
      await listenOn(server, host, boundPort);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const failure = new ListenError(`${bare}:${boundPort}`, `bind: ${(code !== undefined && SYSTEM_ERROR_TEXT[code]) || (err as Error).message}`, code);
      if (optional && code !== undefined && MISSING_ADDRESS_CODES.has(code)) {
        log.warning(`Warning: ${failure.message}`);
        continue;
      }
      await closeListeners(servers);
      throw failure;
    }
    servers.push(server);
    // With port 0 every address shares the port the first one was given.
    if (boundPort === 0) boundPort = portOf(server) ?? 0;
  }
  return { servers, port: boundPort };
}

function listenOn(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true, ipv6Only: host.includes(':') }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function portOf(server: net.Server): number | null {
  const address = server.address();
  return address !== null && typeof address === 'object' ? address.port : null;
}

/** Closes listening sockets (accepted connections stay open, as in Redis). */
export async function closeListeners(servers: readonly net.Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
}

/** A node's client-port listeners, and their replacement when CONFIG SET changes port or bind. */
export class ClientListeners {
  private servers: net.Server[] = [];
  /** Opened for a CONFIG SET still being applied (see prepare). */
  private prepared: ListenerSet | null = null;

  constructor(
    private readonly config: Config,
    private readonly onSocket: (socket: net.Socket) => void,
    private readonly log: Logger,
  ) {
    // A change nobody prepared listeners for (CONFIG SET inside EXEC, which cannot wait).
    config.onChange('port', () => this.followConfig());
    config.onChange('bind', () => this.followConfig());
  }

  /** The port listened on, or null when nothing listens. */
  get port(): number | null {
    const server = this.servers[0];
    return server === undefined ? null : portOf(server);
  }

  /** Listens as configured; rejects with ListenError. */
  async open(): Promise<void> {
    this.servers = [...(await this.openConfigured()).servers];
  }

  /**
   * CONFIG SET port/bind, first step: opens what the new values ask for, the old set still
   * serving (or, on the same port, closed and reopened on failure). `finish` then swaps the new
   * set in or discards it.
   */
  async prepare(port: number, bind: readonly string[]): Promise<ListenerSet> {
    const samePort = port === this.port;
    if (samePort) void closeListeners(this.servers);
    try {
      const set = await openListeners(bind, port, this.onSocket, this.log);
      this.prepared = set;
      return set;
    } catch (err) {
      if (samePort) await this.reopen();
      throw err;
    }
  }

  /** Serves on a prepared set from now on, closing the old one (`adopt`), or closes the set. */
  finish(set: ListenerSet, adopt: boolean): void {
    if (this.prepared === set) this.prepared = null;
    const retired = adopt ? this.servers : set.servers;
    if (adopt) this.servers = [...set.servers];
    void closeListeners(retired);
    if (!adopt && !this.servers.some((s) => s.listening)) void this.reopen();
  }

  /** Stops listening (waits for the sockets to close). */
  async close(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    await closeListeners(servers);
  }

  /** Opens the configured port and addresses in the background, keeping the old set on failure. */
  private followConfig(): void {
    if (this.prepared !== null) return;
    void this.prepare(this.config.number('port'), this.config.value('bind')).then(
      (set) => this.finish(set, true),
      (err: Error) => this.log.warning(`Failed to bind after CONFIG SET: ${err.message}`),
    );
  }

  /** Binds the configured port and addresses again after a failed change closed them. */
  private async reopen(): Promise<void> {
    try {
      this.servers = [...(await this.openConfigured()).servers];
    } catch (err) {
      this.log.warning(`Failed to restore old listening sockets: ${(err as Error).message}`);
    }
  }

  private openConfigured(): Promise<ListenerSet> {
    return openListeners(this.config.value('bind'), this.config.number('port'), this.onSocket, this.log);
  }
}
