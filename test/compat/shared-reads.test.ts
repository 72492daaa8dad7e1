/*
 * Client connections share one read buffer (server/network/shared-reads.ts): a read's bytes are
 * only valid until the next read of any connection, so whatever part of a request is still
 * unconsumed must be copied out first. These tests interleave many connections' partial requests
 * so that every read overwrites bytes another connection has not finished, and run each against
 * redis-server too (the same outcome is expected of both):
 *
 *  - 24 connections each SET keys whose values (1 byte to 200 KB) arrive cut at seeded random
 *    points, the pieces of all connections written in a seeded random order; every reply must be
 *    +OK, and every value read back must equal what was sent, byte for byte;
 *  - a client blocked in BLPOP with requests pipelined behind it in the same write, while other
 *    connections send large values; once served, its queued requests run as sent;
 *  - a closed connection is noticed (connected_clients goes back down).
 */

import * as net from 'node:net';
import t from 'tap';
import { startRealRedis, redisServerPath, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import { startHashslotLikeRedis } from '../../bench/harness/hashslot-process';
import type { ServerProcess } from '../../bench/harness/server-process';
import { encodeCommand } from '../../bench/harness/resp';
import { eventually } from '../helpers/eventually';
import { TestRandom } from '../helpers/test-random';

const SEED = Number(process.env['HASHSLOT_TEST_SEED'] ?? 20261206);
const CONNECTIONS = 24;
const KEYS_PER_CONNECTION = 6;

/** A connection that collects every byte it receives. */
class Collector {
  received = Buffer.alloc(0);

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<Collector> {
    const socket = net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    return new Collector(socket);
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  async waitFor(text: string, timeoutMs = 20_000): Promise<string> {
    return eventually(timeoutMs, async () => {
      const got = this.received.toString('latin1');
      if (got !== text && !(text.startsWith(got) && got.length < text.length)) return got; // wrong: stop waiting
      if (got !== text) throw new Error(`waiting for ${JSON.stringify(text.slice(0, 80))}, have ${got.length} bytes`);
      return got;
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function valueOf(random: TestRandom, length: number): Buffer {
  const value = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) value[i] = random.int(0, 255);
  return value;
}

/** One request's bytes cut in 1 to 6 pieces at random points. */
function cut(random: TestRandom, bytes: Buffer): Buffer[] {
  const points = new Set<number>();
  const pieces = random.int(1, 6);
  while (points.size < pieces - 1 && bytes.length > pieces) points.add(random.int(1, bytes.length - 1));
  const sorted = [0, ...[...points].sort((a, b) => a - b), bytes.length];
  const out: Buffer[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) out.push(bytes.subarray(sorted[i], sorted[i + 1]));
  return out;
}

async function interleavedSets(server: ServerProcess): Promise<string[]> {
  const random = new TestRandom(SEED);
  const problems: string[] = [];
  const collectors = await Promise.all(Array.from({ length: CONNECTIONS }, () => Collector.open(server.port)));
  const expected = new Map<string, Buffer>();
  // Each connection's pieces in order; the connections' queues are drained in random order.
  const queues: Buffer[][] = collectors.map((_, c) => {
    const pieces: Buffer[] = [];
    for (let k = 0; k < KEYS_PER_CONNECTION; k++) {
      const key = `shared:${c}:${k}`;
      const length = random.weighted<number>([[4, random.int(1, 40)], [3, random.int(41, 5000)], [2, random.int(5001, 70_000)], [1, random.int(70_001, 200_000)]]);
      const value = valueOf(random, length);
      expected.set(key, value);
      pieces.push(...cut(random, encodeCommand(['SET', key, value])));
    }
    return pieces;
  });
  const writes: Promise<void>[] = [];
  for (;;) {
    const open = queues.map((q, i) => (q.length > 0 ? i : -1)).filter((i) => i >= 0);
    if (open.length === 0) break;
    const c = random.pick(open);
    writes.push((collectors[c] as Collector).write((queues[c] as Buffer[]).shift() as Buffer));
    // Now and then let the server read what is there, so pieces land in separate reads.
    if (random.chance(0.3)) await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(writes);
  const oks = '+OK\r\n'.repeat(KEYS_PER_CONNECTION);
  for (const [c, collector] of collectors.entries()) {
    const got = await collector.waitFor(oks);
    if (got !== oks) problems.push(`connection ${c} got ${JSON.stringify(got.slice(0, 200))}`);
  }
  const reader = await Collector.open(server.port);
  for (const [key, value] of expected) {
    reader.received = Buffer.alloc(0);
    await reader.write(encodeCommand(['GET', key]));
    const want = `$${value.length}\r\n${value.toString('latin1')}\r\n`;
    const got = await reader.waitFor(want);
    if (got !== want) problems.push(`${key}: ${got.length} bytes back instead of ${want.length}, or different bytes`);
  }
  reader.close();
  for (const collector of collectors) collector.close();
  return problems;
}

async function blockedWithPipeline(server: ServerProcess): Promise<string> {
  const random = new TestRandom(SEED + 1);
  const blocked = await Collector.open(server.port);
  await blocked.write(Buffer.concat([
    encodeCommand(['BLPOP', 'shared:queue', '0']),
    encodeCommand(['SET', 'shared:after', 'queued-behind-blpop']),
    encodeCommand(['GET', 'shared:after']),
    encodeCommand(['INCR', 'shared:counter']),
  ]));
  // Other connections fill many reads meanwhile.
  const others = await Promise.all(Array.from({ length: 4 }, () => Collector.open(server.port)));
  for (let round = 0; round < 5; round++) {
    for (const [i, other] of others.entries()) await other.write(encodeCommand(['SET', `shared:filler:${i}`, valueOf(random, 60_000)]));
  }
  const oks = '+OK\r\n'.repeat(5);
  for (const other of others) await other.waitFor(oks);
  const pusher = others[0] as Collector;
  pusher.received = Buffer.alloc(0);
  await pusher.write(encodeCommand(['LPUSH', 'shared:queue', 'item']));
  const want = '*2\r\n$12\r\nshared:queue\r\n$4\r\nitem\r\n+OK\r\n$19\r\nqueued-behind-blpop\r\n:1\r\n';
  const got = await blocked.waitFor(want);
  blocked.close();
  for (const other of others) other.close();
  return got;
}

async function connectedClients(port: number): Promise<number> {
  const probe = await Collector.open(port);
  await probe.write(encodeCommand(['INFO', 'clients']));
  const text = await eventually(5_000, async () => {
    const got = probe.received.toString('latin1');
    if (!got.includes('connected_clients:')) throw new Error('no reply yet');
    return got;
  });
  probe.close();
  // The probe counts itself.
  return Number(/connected_clients:(\d+)/.exec(text)?.[1] ?? NaN) - 1;
}

const kinds: Array<[string, () => Promise<ServerProcess>]> = [['hashslot', () => startHashslotLikeRedis()]];
if (redisServerPath() !== null) kinds.push(['redis-server', () => startRealRedis()]);
else t.comment(REDIS_MISSING_MESSAGE);

for (const [kind, start] of kinds) {
  t.test(`shared read buffer: ${kind}`, async (t) => {
    const server = await start();
    t.teardown(() => server.stop());

    t.test('interleaved partial requests of many connections', async (t) => {
      const problems = await interleavedSets(server);
      t.same(problems, [], `seed ${SEED}`);
    });

    t.test('requests pipelined behind a blocked BLPOP run as sent once it is served', async (t) => {
      t.equal(await blockedWithPipeline(server), '*2\r\n$12\r\nshared:queue\r\n$4\r\nitem\r\n+OK\r\n$19\r\nqueued-behind-blpop\r\n:1\r\n');
    });

    t.test('a closed connection is noticed', async (t) => {
      await eventually(10_000, async () => {
        if ((await connectedClients(server.port)) !== 0) throw new Error('clients still connected');
      });
      const extra = await Collector.open(server.port);
      await extra.write(encodeCommand(['PING']));
      await extra.waitFor('+PONG\r\n');
      t.equal(await connectedClients(server.port), 1, 'the open one counted');
      extra.close();
      await eventually(10_000, async () => {
        if ((await connectedClients(server.port)) !== 0) throw new Error('the closed one is still counted');
      });
      t.pass('count back to 0 after the close');
    });
  });
}
