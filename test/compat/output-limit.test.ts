/*
 * A client that never reads its replies (issue 14), on redis-server and on hashslot alike:
 *
 *   with `client-output-buffer-limit normal 1mb 512kb 1` it is closed once its waiting output
 *   passes the hard limit, with Redis's log line, and the other clients carry on;
 *   with the default (normal 0 0 0: no limit) it stays connected, its output waiting, and another
 *   client keeps answering PINGs promptly meanwhile.
 *
 * The non-reader pipelines LRANGEs of a 1 MB list into a socket it never reads. The latency
 * bound on the other client is deliberately loose (a busy CI machine): it catches a server that
 * stalls behind the pile-up, not a slow one.
 */

import * as net from 'node:net';
import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { REDIS_MISSING_MESSAGE, redisServerPath, startRealRedis } from '../../bench/harness/real-redis';
import { startHashslotLikeRedis } from '../../bench/harness/hashslot-process';
import { delay, type ServerProcess } from '../../bench/harness/server-process';
import { encodeCommand } from '../../bench/harness/resp';
import type { Test } from './harness';

const ELEMENTS = 1000;
const ELEMENT = 'e'.repeat(1000);
const REQUESTS = 60;
const SLOW_PING_MS = 1000;

/** A connection whose replies are never read: the kernel buffers fill, then the server's. */
function nonReader(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function clientCount(client: RawClient): Promise<number> {
  const list = (await client.call('CLIENT', 'LIST')).toString('latin1');
  return list.split('\n').filter((l) => l.startsWith('id=')).length;
}

/** PINGs one after another for `ms`; the slowest round trip. */
async function slowestPing(client: RawClient, ms: number): Promise<number> {
  let slowest = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const start = performance.now();
    await client.call('PING');
    slowest = Math.max(slowest, performance.now() - start);
    await delay(5);
  }
  return slowest;
}

async function scenario(t: Test, server: ServerProcess, limit: string): Promise<{ closed: boolean; slowestMs: number; logged: boolean }> {
  const other = await RawClient.connect(server.port);
  try {
    await other.call('CONFIG', 'SET', 'client-output-buffer-limit', limit);
    await other.call('DEL', 'big');
    for (let i = 0; i < ELEMENTS; i += 100) await other.call('RPUSH', 'big', ...new Array<string>(100).fill(ELEMENT));
    const before = await clientCount(other);
    const reader = await nonReader(server.port);
    t.teardown(() => reader.destroy());
    const request = encodeCommand(['LRANGE', 'big', '0', '-1']);
    for (let i = 0; i < REQUESTS; i++) reader.write(request);
    const slowestMs = await slowestPing(other, 1500);
    // Closed by the server: it is gone from CLIENT LIST within a deadline.
    let closed = false;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if ((await clientCount(other)) === before) {
        closed = true;
        break;
      }
      if (limit.startsWith('normal 0 0 0')) break;
      await delay(50);
    }
    reader.destroy();
    const logged = server.output().includes('scheduled to be closed ASAP for overcoming of output buffer limits.');
    return { closed, slowestMs, logged };
  } finally {
    other.close();
  }
}

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  for (const start of [startRealRedis, startHashslotLikeRedis]) {
    t.test(`a client that does not read (${start === startRealRedis ? 'redis-server' : 'hashslot'})`, async (t) => {
      t.setTimeout(60_000);
      const server = await start();
      t.teardown(() => server.stop());
      const limited = await scenario(t, server, 'normal 1mb 512kb 1');
      t.ok(limited.closed, `${server.name}: with normal 1mb 512kb 1 the non-reader is closed`);
      t.ok(limited.logged, `${server.name}: and the log says so in Redis's words`);
      t.ok(limited.slowestMs < SLOW_PING_MS, `${server.name}: another client's slowest PING meanwhile: ${limited.slowestMs.toFixed(1)} ms`);
      const unlimited = await scenario(t, server, 'normal 0 0 0');
      t.notOk(unlimited.closed, `${server.name}: with no limit it stays connected`);
      t.ok(unlimited.slowestMs < SLOW_PING_MS, `${server.name}: another client's slowest PING meanwhile: ${unlimited.slowestMs.toFixed(1)} ms`);
    });
  }
}
