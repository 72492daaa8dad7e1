/*
 * node-redis (v4) against hashslot: a small realistic workload through the official client, which
 * parses replies with its own decoder and uses scanIterator and multi-key helpers.
 */

import t from 'tap';
import { createClient, commandOptions } from 'redis';
import { startTarget, targetName } from '../helpers/target';
import type { ServerProcess } from '../../bench/harness/server-process';

type Client = ReturnType<typeof createClient>;

let server: ServerProcess | null = null;
let client: Client | null = null;

t.before(async () => {
  server = await startTarget();
  client = createClient({ socket: { port: server.port, host: '127.0.0.1', reconnectStrategy: false }, name: 'node-redis-test' });
  client.on('error', () => {
    // Surfaced through the failing command; without a listener node-redis would throw globally.
  });
  await client.connect();
});

t.teardown(async () => {
  if (client?.isOpen === true) await client.quit();
  await server?.stop();
});

function redis(): Client {
  if (client === null) throw new Error('client not connected');
  return client;
}

t.test(`strings and counters (${targetName()})`, async (t) => {
  const r = redis();
  t.equal(await r.set('k', 'v'), 'OK');
  t.equal(await r.get('k'), 'v');
  t.equal(await r.get('missing'), null);
  t.equal(await r.set('k', 'w', { GET: true }), 'v');
  t.equal(await r.set('k', 'x', { NX: true }), null);
  t.equal(await r.incr('n'), 1);
  t.equal(await r.incrBy('n', 41), 42);
  t.equal(await r.decrBy('n', 2), 40);
  t.equal(await r.incrByFloat('f', 0.5), '0.5');
  t.equal(await r.append('k', 'yz'), 3);
  t.equal(await r.getRange('k', 0, 1), 'wy');
  t.equal(await r.setRange('k', 1, 'Q'), 3);
  t.equal(await r.getDel('k'), 'wQz');
  t.equal(await r.clientGetName(), 'node-redis-test');
  await t.rejects(r.incr('f'), /ERR value is not an integer or out of range/);
});

t.test('expiry', async (t) => {
  const r = redis();
  await r.set('s', 'data', { EX: 100 });
  const ttl = await r.ttl('s');
  t.ok(ttl > 95 && ttl <= 100, `ttl ${ttl}`);
  t.equal(await r.expire('s', 10, 'LT'), true);
  t.equal(await r.persist('s'), true);
  t.equal(await r.pTTL('s'), -1);
  t.equal(await r.getEx('s', { PX: 30 }), 'data');
  const deadline = Date.now() + 5_000;
  while ((await r.exists('s')) === 1 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
  t.equal(await r.exists('s'), 0);
});

t.test('mget, mset, binary values and many concurrent commands', async (t) => {
  const r = redis();
  t.equal(await r.mSet({ a: '1', b: '2' }), 'OK');
  t.same(await r.mGet(['a', 'missing', 'b']), ['1', null, '2']);
  t.equal(await r.mSetNX({ a: 'x', c: '3' }), false);
  const value = Buffer.from([0x00, 0xff, 0x80]);
  await r.set('bin', value);
  t.same(await r.get(commandOptions({ returnBuffers: true }), 'bin'), value);
  const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => r.set(`c:${i}`, String(i))));
  t.ok(replies.every((x) => x === 'OK'));
});

t.test('scanIterator, keys, type, copy and dbSize', async (t) => {
  const r = redis();
  await r.flushAll();
  for (let i = 0; i < 120; i++) await r.set(`item:${i}`, 'x');
  const seen = new Set<string>();
  for await (const key of r.scanIterator({ MATCH: 'item:*', COUNT: 15 })) seen.add(key);
  t.equal(seen.size, 120);
  t.equal(await r.dbSize(), 120);
  t.equal(await r.type('item:1'), 'string');
  t.equal(await r.copy('item:1', 'copied'), true);
  t.equal((await r.keys('cop*')).length, 1);
  t.equal(await r.unlink(['item:1', 'item:2']), 2);
});

t.test('sendCommand and server commands', async (t) => {
  const r = redis();
  t.equal(await r.sendCommand(['PING']), 'PONG');
  t.equal(await r.sendCommand(['ECHO', 'x']), 'x');
  t.match(await r.info('keyspace'), /# Keyspace/);
  t.same(await r.configGet('databases'), { databases: '16' });
  t.equal(typeof (await r.clientId()), 'number');
});
