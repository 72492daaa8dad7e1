/*
 * ioredis against hashslot: a small realistic workload through the most used Node client. ioredis
 * checks readiness with INFO (loading:0), pipelines freely and parses every reply type, so this
 * catches incompatibilities that byte comparisons of single commands can miss.
 */

import t from 'tap';
import Redis from 'ioredis';
import { startTarget, targetName } from '../helpers/target';
import type { ServerProcess } from '../../bench/harness/server-process';

let server: ServerProcess | null = null;
let client: Redis | null = null;

t.before(async () => {
  server = await startTarget();
  client = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1, connectionName: 'ioredis-test' });
  await client.connect();
});

t.teardown(async () => {
  client?.disconnect();
  await server?.stop();
});

function redis(): Redis {
  if (client === null) throw new Error('client not connected');
  return client;
}

t.test(`strings and counters (${targetName()})`, async (t) => {
  const r = redis();
  t.equal(await r.set('greeting', 'hello'), 'OK');
  t.equal(await r.get('greeting'), 'hello');
  t.equal(await r.get('missing'), null);
  t.equal(await r.append('greeting', ' world'), 11);
  t.equal(await r.strlen('greeting'), 11);
  t.equal(await r.getrange('greeting', -5, -1), 'world');
  t.equal(await r.incr('visits'), 1);
  t.equal(await r.incrby('visits', 10), 11);
  t.equal(await r.decr('visits'), 10);
  t.equal(await r.incrbyfloat('price', '1.5'), '1.5');
  t.equal(await r.set('greeting', 'bye', 'GET'), 'hello world');
  t.equal(await r.setnx('greeting', 'x'), 0);
  t.equal(await r.client('GETNAME'), 'ioredis-test');
  await t.rejects(r.incr('greeting'), /ERR value is not an integer or out of range/);
});

t.test('binary values', async (t) => {
  const r = redis();
  const key = Buffer.from([0x6b, 0xff, 0x00]);
  const value = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80]);
  t.equal(await r.set(key, value), 'OK');
  t.same(await r.getBuffer(key), value);
});

t.test('expiry', async (t) => {
  const r = redis();
  await r.set('session', 'data', 'EX', 100);
  const ttl = await r.ttl('session');
  t.ok(ttl > 95 && ttl <= 100, `ttl ${ttl}`);
  t.equal(await r.expire('session', 200, 'GT'), 1);
  t.equal(await r.persist('session'), 1);
  t.equal(await r.ttl('session'), -1);
  await r.set('short', 'x', 'PX', 30);
  const deadline = Date.now() + 5_000;
  while ((await r.exists('short')) === 1 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
  t.equal(await r.exists('short'), 0);
});

t.test('mget, mset and a pipeline', async (t) => {
  const r = redis();
  t.equal(await r.mset({ a: '1', b: '2', c: '3' }), 'OK');
  t.same(await r.mget('a', 'b', 'missing', 'c'), ['1', '2', null, '3']);
  const pipeline = r.pipeline();
  for (let i = 0; i < 100; i++) pipeline.set(`p:${i}`, String(i)).incr('p:count');
  pipeline.get('p:99').incr('a').get('nope');
  const results = await pipeline.exec();
  t.ok(results !== null);
  if (results === null) return;
  t.equal(results.length, 203);
  t.ok(results.every(([err]) => err === null), 'no errors in the pipeline');
  t.same(results.slice(-3).map(([, v]) => v), ['99', 2, null]);
});

t.test('scanStream, keys, del and dbsize', async (t) => {
  const r = redis();
  await r.flushall();
  const args: string[] = [];
  for (let i = 0; i < 250; i++) args.push(`user:${i}`, 'x');
  await r.mset(...args);
  await r.set('other', 'y');
  const seen = new Set<string>();
  await new Promise<void>((resolve, reject) => {
    const stream = r.scanStream({ match: 'user:*', count: 20 });
    stream.on('data', (keys: string[]) => keys.forEach((k) => seen.add(k)));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  t.equal(seen.size, 250);
  t.equal((await r.keys('user:1?')).length, 10);
  t.equal(await r.dbsize(), 251);
  t.equal(await r.del('other', 'user:0', 'missing'), 2);
  t.equal(await r.type('user:1'), 'string');
  t.equal(await r.rename('user:1', 'renamed'), 'OK');
  t.equal(await r.exists('renamed', 'user:1'), 1);
});

t.test('auto-pipelining and concurrent commands', async (t) => {
  const r = redis();
  const promises: Promise<number>[] = [];
  for (let i = 0; i < 500; i++) promises.push(r.incr('concurrent'));
  const values = await Promise.all(promises);
  t.equal(Math.max(...values), 500);
  t.equal(await r.get('concurrent'), '500');
});

t.test('server commands ioredis users call', async (t) => {
  const r = redis();
  t.match(await r.info('server'), /redis_version:/);
  t.equal(await r.ping(), 'PONG');
  t.equal(await r.echo('hi'), 'hi');
  t.equal(await r.select(2), 'OK');
  t.equal(await r.select(0), 'OK');
  const time = await r.time();
  t.equal(time.length, 2);
  t.same(await r.config('GET', 'databases'), ['databases', '16']);
});
