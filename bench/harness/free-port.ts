/*
 * A free loopback TCP port, found by letting the kernel pick one (listen on port 0) and releasing
 * it again. Between the release and the server's own bind another process could take the port;
 * that window is tiny on a test machine, and callers that start a server retry on EADDRINUSE-style
 * start failures by asking for a new port rather than using fixed ports, which collide across the
 * parallel test jobs tap runs.
 */

import * as net from 'node:net';

export const LOOPBACK_HOST = '127.0.0.1';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK_HOST, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('listening socket has no TCP address'));
        return;
      }
      const port = address.port;
      server.close(() => resolve(port));
    });
  });
}
