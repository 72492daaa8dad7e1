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
 */
import * as net from 'node:net';
import type { Logger } from './log';

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
    const server = net.createServer(onSocket);
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
