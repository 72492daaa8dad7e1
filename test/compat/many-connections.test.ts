/*
 * 10,000 clients at once (issue 14), on redis-server and on hashslot, both with maxclients 10000:
 * every connection is held and answers PING, INFO counts them all, and connection 10,001 gets
 * Redis's "-ERR max number of clients reached" and is closed. The memory each idle connection
 * costs (RSS growth over the 10,000) is printed for both servers; the README quotes it.
 *
 * Needs 10,000+ file descriptors in this process and in each server (which inherit its limit):
 * skipped, saying so, where the hard limit is lower.
 */

import * as fs from 'node:fs';
import * as net from 'node:net';
import t from 'tap';
import { REDIS_MISSING_MESSAGE, redisServerPath, startRealRedis } from '../../bench/harness/real-redis';
import { startHashslotLikeRedis } from '../../bench/harness/hashslot-process';
import type { ServerProcess } from '../../bench/harness/server-process';
import { readNofileLimit } from '../../server/network/open-files-limit';

const CLIENTS = 10_000;
const BATCH = 500;
/** This process holds the clients; each server holds as many plus its own 32. */
const FDS_NEEDED = CLIENTS + 200;

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends one request and resolves with everything received until the first CRLF (or the close). */
function request(socket: net.Socket, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const done = (): void => {
      socket.off('data', onData);
      socket.off('close', done);
      resolve(got);
    };
    const onData = (d: Buffer): void => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) done();
    };
    socket.on('data', onData);
    socket.once('close', done);
    socket.write(bytes);
  });
}

interface Run {
  pongs: number;
  connectedClients: string;
  refusal: string;
  refusedClosed: boolean;
  bytesPerConnection: number;
}

async function hold(server: ServerProcess): Promise<Run> {
  const pid = server.pid as number;
  const before = rssBytes(pid);
  const sockets: net.Socket[] = [];
  try {
    for (let i = 0; i < CLIENTS; i += BATCH) {
      const batch: Array<Promise<net.Socket>> = [];
      for (let j = i; j < Math.min(CLIENTS, i + BATCH); j++) batch.push(connect(server.port));
      sockets.push(...(await Promise.all(batch)));
    }
    let pongs = 0;
    for (let i = 0; i < sockets.length; i += BATCH) {
      const replies = await Promise.all(sockets.slice(i, i + BATCH).map((s) => request(s, '*1\r\n$4\r\nPING\r\n')));
      pongs += replies.filter((r) => r === '+PONG\r\n').length;
    }
    const bytesPerConnection = Math.round((rssBytes(pid) - before) / CLIENTS);
    const info = await request(sockets[0] as net.Socket, '*2\r\n$4\r\nINFO\r\n$7\r\nclients\r\n');
    // The bulk's first line is its length; read on until the field has arrived.
    let text = info;
    const first = sockets[0] as net.Socket;
    while (!/connected_clients:\d+/.test(text)) text += await request(first, '');
    const connectedClients = /connected_clients:(\d+)/.exec(text)?.[1] ?? '?';
    const extra = await connect(server.port);
    const refusal = await request(extra, '*1\r\n$4\r\nPING\r\n');
    const refusedClosed = await new Promise<boolean>((resolve) => {
      if (extra.destroyed || extra.readableEnded) resolve(true);
      extra.once('close', () => resolve(true));
      extra.once('end', () => resolve(true));
      setTimeout(() => resolve(false), 5000);
    });
    extra.destroy();
    return { pongs, connectedClients, refusal, refusedClosed, bytesPerConnection };
  } finally {
    for (const s of sockets) s.destroy();
  }
}

const limit = readNofileLimit();
if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else if (limit === null || limit.hard < FDS_NEEDED) {
  t.plan(0, `needs ${FDS_NEEDED} open files (ulimit -n), this machine allows ${limit?.hard ?? 'an unknown number'}`);
} else {
  t.test(`${CLIENTS} clients held at once, then maxclients refuses one more`, async (t) => {
    t.setTimeout(180_000);
    const figures: string[] = [];
    for (const start of [startRealRedis, startHashslotLikeRedis]) {
      const server = await start(['--maxclients', String(CLIENTS)]);
      t.teardown(() => server.stop());
      const run = await hold(server);
      t.equal(run.pongs, CLIENTS, `${server.name}: every connection answers PING`);
      t.equal(run.connectedClients, String(CLIENTS), `${server.name}: INFO counts them`);
      t.equal(run.refusal, '-ERR max number of clients reached\r\n', `${server.name}: connection ${CLIENTS + 1} is refused`);
      t.ok(run.refusedClosed, `${server.name}: and closed`);
      figures.push(`${server.name} ${run.bytesPerConnection} bytes of RSS per idle connection`);
      await server.stop();
    }
    t.comment(figures.join('; '));
  });
}
