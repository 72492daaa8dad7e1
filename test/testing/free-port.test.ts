/**
 * Free ports for test servers (server/testing/free-port.ts). A 30-node cluster draws 60 ports;
 * drawn one by one, with each probe closed before the next, about one start in four drew the same
 * port twice, and after a test run had filled the ephemeral range with TIME-WAIT sockets a start
 * failed on all four attempts (CI, 2026-12-07). These check the two rules that prevent it: one
 * call's ports differ, and no port is handed out twice while it may still be in use.
 */
import * as net from 'node:net';
import t from 'tap';
import { freePort, freePorts } from '../../server/testing/free-port';

const HOST = '127.0.0.1';

t.test('one call for 120 ports: all different, and each can be listened on', async (t) => {
  const ports = await freePorts(HOST, 120);
  t.equal(ports.length, 120);
  t.equal(new Set(ports).size, 120, 'no port twice');
  // Bound all at once. Another process (tap's other job, an outgoing connection's local port) may
  // take one between the draw and the bind, which is why callers retry: a port or two lost that
  // way is not this module's fault, but a repeat within the call would fail here in numbers.
  const bound = await Promise.all(ports.map((port) => new Promise<net.Server | null>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(null) : reject(err)));
    server.listen({ port, host: HOST, exclusive: true }, () => resolve(server));
  })));
  const servers = bound.filter((server): server is net.Server => server !== null);
  t.ok(servers.length >= 118, `${servers.length} of 120 bound at once`);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

t.test('300 calls one after another never repeat a port', async (t) => {
  const ports: number[] = [];
  for (let i = 0; i < 300; i++) ports.push(await freePort(HOST));
  t.equal(new Set(ports).size, 300);
});
