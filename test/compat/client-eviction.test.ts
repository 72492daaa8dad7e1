/*
 * maxmemory-clients (issue 20), against redis-server: a client whose buffers push the clients'
 * total over the limit is disconnected and counted in INFO's evicted_clients; a client that said
 * CLIENT NO-EVICT ON is never disconnected, but its memory still counts, so the others go.
 */
import * as net from 'node:net';
import t from 'tap';
import { dualRun, type Pair } from './harness';
import { delay } from '../../bench/harness/server-process';
import { RawClient } from '../../bench/harness/raw-client';

const dual = dualRun(t);

/** A connection that sends half of a 1 MB SET argument and waits; resolves whether it was closed. */
async function bigRequest(port: number, noEvict: boolean, waitMs: number): Promise<boolean> {
  const socket = net.connect(port, '127.0.0.1');
  let closed = false;
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  if (noEvict) {
    socket.write('CLIENT NO-EVICT on\r\n');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  }
  socket.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000\r\n' + 'x'.repeat(500_000));
  const deadline = Date.now() + waitMs;
  while (!closed && Date.now() < deadline) await delay(20);
  socket.destroy();
  return closed;
}

dual.case('maxmemory-clients evicts the biggest client; CLIENT NO-EVICT ones stay and still count', async (pair: Pair, tt) => {
  const counts: Record<string, string | undefined> = {};
  for (const side of ['redis', 'target'] as const) {
    const port = side === 'redis' ? dual.running.redis.port : dual.running.target.port;
    const c = pair.client(side);
    await c.call('CONFIG', 'RESETSTAT');
    await c.call('CONFIG', 'SET', 'maxmemory-clients', '200kb');
    tt.equal(await bigRequest(port, false, 5_000), true, `${side}: the client holding 500 kB is disconnected`);
    tt.equal((await c.call('PING')).toString('latin1'), '+PONG\r\n', `${side}: the small client was spared`);
    tt.equal(await bigRequest(port, true, 1_000), false, `${side}: a CLIENT NO-EVICT client is not`);
    // Its 500 kB still count: the small client went over the limit with it, and was closed.
    const admin = await RawClient.connect(port);
    try {
      await admin.call('CONFIG', 'SET', 'maxmemory-clients', '0');
      const info = (await admin.call('INFO', 'stats')).toString('latin1');
      counts[side] = /evicted_clients:(\d+)/.exec(info)?.[1];
    } finally {
      admin.close();
    }
  }
  tt.equal(counts.target, counts.redis, `evicted_clients: ${counts.target} as redis-server's ${counts.redis}`);
});
