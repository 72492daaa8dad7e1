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
  const servers = await Promise.all(ports.map((port) => new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, host: HOST, exclusive: true }, () => resolve(server));
  })));
  t.equal(servers.length, 120, 'every port bound at once');
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

t.test('300 calls one after another never repeat a port', async (t) => {
  const ports: number[] = [];
  for (let i = 0; i < 300; i++) ports.push(await freePort(HOST));
  t.equal(new Set(ports).size, 300);
});
