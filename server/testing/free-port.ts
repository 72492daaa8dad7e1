/**
 * A free loopback port, found by letting the kernel pick one and giving it back. Another process
 * could take it before it is bound again, so callers bind it soon and retry on EADDRINUSE; the
 * point is to never assume `client port + 10000` is free for the cluster bus.
 */
import * as net from 'node:net';

export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = address !== null && typeof address === 'object' ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
