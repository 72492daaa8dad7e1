/*
 * MIGRATE and RESTORE between standalone servers, differentially: every scenario runs once from
 * a redis-server to a redis-server (the reference) and then for each pairing that involves
 * hashslot (hashslot → hashslot, hashslot → redis, redis → hashslot), and what each pairing
 * observes (MIGRATE's replies, what the source and the target hold afterwards, the source's
 * keyspace events, its replica) must equal the reference's, byte for byte. That includes MIGRATE
 * inside MULTI/EXEC, which Redis runs there like anywhere else.
 *
 *   source ──MIGRATE──▶ target        each source has a replica: the deletions must reach it
 *      └── replica
 *
 * With HASHSLOT_COMPAT_TARGET=redis every "hashslot" server is a redis-server, which checks the
 * scenarios themselves.
 */

import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { redisServerPath, REDIS_MISSING_MESSAGE, startRealRedis } from '../../bench/harness/real-redis';
import type { ServerProcess } from '../../bench/harness/server-process';
import { escapeBytes, type Arg } from '../../bench/harness/resp';
import { FakeReplica } from '../helpers/fake-replica';
import { startTarget, targetName } from '../helpers/target';

interface Server {
  label: string;
  process: ServerProcess;
  client: RawClient;
}

interface Pairing {
  source: Server;
  target: Server;
  replica: Server;
}

/** What a scenario saw, in order: labelled raw replies. */
type Observations = Array<[string, string]>;

type Scenario = (p: Pairing, seen: Observations) => Promise<void>;

async function call(server: Server, ...argv: Arg[]): Promise<string> {
  return (await server.client.call(...argv)).toString('latin1');
}

async function observe(seen: Observations, label: string, server: Server, ...argv: Arg[]): Promise<string> {
  const reply = await call(server, ...argv);
  seen.push([label, reply]);
  return reply;
}

async function waitFor(what: string, deadlineMs: number, test: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The source's replica caught up with everything the source has done so far. */
async function replicaCaughtUp(p: Pairing): Promise<void> {
  const offset = async (s: Server, field: string): Promise<string> =>
    new RegExp(`${field}:(\\d+)`).exec(await call(s, 'INFO', 'replication'))?.[1] ?? '';
  await waitFor('the replica to catch up', 10_000, async () => (await offset(p.source, 'master_repl_offset')) === (await offset(p.replica, 'slave_repl_offset')));
}

/** A key's type and content in a canonical order (members sorted), to compare across servers. */
async function contentOf(server: Server, key: string): Promise<string> {
  const type = (await call(server, 'TYPE', key)).trim();
  const read: Record<string, Arg[]> = {
    '+string': ['GET', key],
    '+list': ['LRANGE', key, '0', '-1'],
    '+hash': ['HGETALL', key],
    '+set': ['SMEMBERS', key],
    '+zset': ['ZRANGE', key, '0', '-1', 'WITHSCORES'],
  };
  const argv = read[type];
  if (argv === undefined) return type;
  const reply = await call(server, ...argv);
  const lines = reply.split('\r\n');
  return `${type} ${type === '+set' || type === '+hash' ? [...lines].sort().join('|') : reply}`;
}

const SCENARIOS: Array<[string, Scenario]> = [
  ['argument errors', async (p, seen) => {
    const { source, target } = p;
    await call(source, 'SET', 'k', 'v');
    const port = String(target.process.port);
    for (const argv of [
      ['MIGRATE', '127.0.0.1', port, 'nokey', '0', '1000'],
      ['MIGRATE', '127.0.0.1', port, 'k', '0', '1000', 'KEYS', 'a'],
      ['MIGRATE', '127.0.0.1', port, 'k', '0', '1000', 'BOGUS'],
      ['MIGRATE', '127.0.0.1', port, 'k', '0', 'abc'],
      ['MIGRATE', '127.0.0.1', port, 'k', 'x', '1000'],
      ['MIGRATE', '127.0.0.1', port, 'k', '0', '1000', 'AUTH'],
      ['MIGRATE', '127.0.0.1', port, 'k', '0', '1000', 'AUTH2', 'user'],
      ['MIGRATE', '127.0.0.1', port, 'k', '0'],
      ['MIGRATE', '127.0.0.1', port, '', '0', '1000', 'KEYS', 'x', 'y'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'MIGRATE', 'h', '1', '', '0', '1', 'REPLACE', 'AUTH2', 'keys', 'x', 'KEYS', 'y', 'z'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'MIGRATE', 'h', '1', 'k', '0', '1', 'KEYS', 'a'],
      ['COMMAND', 'GETKEYS', 'MIGRATE', 'h', '1', 'k', '0', '1', 'COPY', 'AUTH', 'keys'],
    ]) {
      await observe(seen, argv.join(' '), source, ...argv);
    }
    await observe(seen, 'k still here', source, 'GET', 'k');
    // What MIGRATE sends, sent by hand: RESTORE-ASKING is RESTORE with the asking flag.
    const payload = await source.client.call('DUMP', 'k');
    const bytes = payload.subarray(payload.indexOf('\r\n') + 2, payload.length - 2);
    const corrupt = Buffer.from(bytes);
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] ?? 0) ^ 0xff;
    await observe(seen, 'RESTORE-ASKING', target, 'RESTORE-ASKING', 'r', '0', bytes);
    await observe(seen, 'RESTORE-ASKING busy', target, 'RESTORE-ASKING', 'r', '0', bytes);
    await observe(seen, 'RESTORE-ASKING bad checksum', target, 'RESTORE-ASKING', 'r2', '0', corrupt);
    await observe(seen, 'RESTORE-ASKING truncated', target, 'RESTORE-ASKING', 'r2', '0', bytes.subarray(0, 5));
    await observe(seen, 'RESTORE-ASKING not a payload', target, 'RESTORE-ASKING', 'r2', '0', 'garbage');
    await observe(seen, 'RESTORE-ASKING REPLACE ABSTTL', target, 'RESTORE-ASKING', 'r', '4102444800000', bytes, 'REPLACE', 'ABSTTL');
    await observe(seen, 'its deadline', target, 'PEXPIRETIME', 'r');
    await observe(seen, 'r2 never created', target, 'EXISTS', 'r2');
  }],

  ['every type, with and without TTL, one key and KEYS', async (p, seen) => {
    const { source, target } = p;
    const port = String(target.process.port);
    await call(source, 'SET', 'str', 'hello');
    await call(source, 'SET', 'int', '12345');
    await call(source, 'SET', 'big', 'x'.repeat(100_000));
    await call(source, 'HSET', 'hash', 'a', '1', 'b', '2');
    await call(source, 'RPUSH', 'list', 'a', 'b', 'c');
    await call(source, 'SADD', 'set', 'a', 'b', '3');
    await call(source, 'SADD', 'intset', '1', '2', '3');
    await call(source, 'ZADD', 'zset', '1', 'a', '2.5', 'b');
    await call(source, 'EXPIRE', 'hash', '1000');
    await call(source, 'PEXPIRE', 'zset', '900000');
    const keys = ['str', 'int', 'big', 'hash', 'list', 'set', 'intset', 'zset'];
    // DUMP bytes of a hash table follow its member order, which differs between any two
    // servers; the content and the encoding are what must arrive.
    const before = new Map<string, string>();
    for (const key of keys) before.set(key, await contentOf(source, key));
    await observe(seen, 'MIGRATE str', source, 'MIGRATE', '127.0.0.1', port, 'str', '0', '5000');
    await observe(seen, 'MIGRATE KEYS', source, 'MIGRATE', '127.0.0.1', port, '', '0', '5000', 'KEYS', 'int', 'missing', 'big', 'hash', 'list', 'set', 'intset', 'zset');
    for (const key of keys) {
      await observe(seen, `source EXISTS ${key}`, source, 'EXISTS', key);
      seen.push([`target holds the source's ${key}`, String((await contentOf(target, key)) === before.get(key))]);
      await observe(seen, `target OBJECT ENCODING ${key}`, target, 'OBJECT', 'ENCODING', key);
      const ttl = Number((await call(target, 'TTL', key)).slice(1));
      seen.push([`target TTL ${key}`, ttl < 0 ? String(ttl) : ttl > 800 ? 'kept' : `too small: ${ttl}`]);
    }
    await replicaCaughtUp(p);
    await observe(seen, 'replica DBSIZE', p.replica, 'DBSIZE');
  }],

  ['COPY, REPLACE, BUSYKEY and databases', async (p, seen) => {
    const { source, target } = p;
    const port = String(target.process.port);
    await call(source, 'SET', 'k', 'v1');
    await observe(seen, 'COPY', source, 'MIGRATE', '127.0.0.1', port, 'k', '0', '5000', 'COPY');
    await observe(seen, 'source keeps it', source, 'GET', 'k');
    await observe(seen, 'second COPY', source, 'MIGRATE', '127.0.0.1', port, 'k', '0', '5000', 'COPY');
    await call(source, 'SET', 'k', 'v2');
    await observe(seen, 'REPLACE', source, 'MIGRATE', '127.0.0.1', port, 'k', '0', '5000', 'REPLACE');
    await observe(seen, 'target has v2', target, 'GET', 'k');
    await observe(seen, 'source lost it', source, 'EXISTS', 'k');
    await call(source, 'SET', 'd', 'x');
    await observe(seen, 'to db 3', source, 'MIGRATE', '127.0.0.1', port, 'd', '3', '5000', 'COPY');
    await observe(seen, 'to db 0', source, 'MIGRATE', '127.0.0.1', port, 'd', '0', '5000', 'COPY');
    await observe(seen, 'to db 3 again', source, 'MIGRATE', '127.0.0.1', port, 'd', '3', '5000', 'COPY', 'REPLACE');
    await observe(seen, 'out of range db', source, 'MIGRATE', '127.0.0.1', port, 'd', '99', '5000');
    await observe(seen, 'AUTH without a password set', source, 'MIGRATE', '127.0.0.1', port, 'd', '0', '5000', 'AUTH', 'pw');
    await observe(seen, 'AUTH2 of an unknown user', source, 'MIGRATE', '127.0.0.1', port, 'd', '0', '5000', 'AUTH2', 'nobody', 'pw');
    await observe(seen, 'd kept after errors', source, 'GET', 'd');
    await call(target, 'SELECT', '3');
    await observe(seen, 'target db 3 has d', target, 'GET', 'd');
    await call(target, 'SELECT', '0');
  }],

  ['keyspace events and stats on the source', async (p, seen) => {
    const { source, target } = p;
    const port = String(target.process.port);
    await call(source, 'CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    const subscriber = await RawClient.connect(source.process.port);
    try {
      await subscriber.call('SUBSCRIBE', '__keyevent@0__:del');
      await call(source, 'SET', 'a', '1');
      await call(source, 'SET', 'b', '2');
      await observe(seen, 'MIGRATE a b', source, 'MIGRATE', '127.0.0.1', port, '', '0', '5000', 'KEYS', 'a', 'b');
      const events = await subscriber.readReplies(2);
      seen.push(['del events', events.map((e) => e.toString('latin1')).join('')]);
    } finally {
      subscriber.close();
      await call(source, 'CONFIG', 'SET', 'notify-keyspace-events', '');
    }
    const stats = await call(source, 'INFO', 'stats');
    seen.push(['migrate_cached_sockets', /migrate_cached_sockets:(\d+)/.exec(stats)?.[1] ?? 'absent']);
  }],

  ['a dead target and a stopped one', async (p, seen) => {
    const { source, target } = p;
    await call(source, 'SET', 'k', 'v');
    await observe(seen, 'dead port', source, 'MIGRATE', '127.0.0.1', '1', 'k', '0', '300');
    const pid = target.process.pid;
    if (pid === undefined) throw new Error('no target pid');
    process.kill(pid, 'SIGSTOP');
    let reply: string;
    const other = await RawClient.connect(source.process.port);
    try {
      // While MIGRATE waits for the stopped target, the source runs nothing else (Redis blocks).
      const migrate = call(source, 'MIGRATE', '127.0.0.1', String(target.process.port), 'k', '0', '300');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const order: string[] = [];
      const ping = other.call('GET', 'k').then((r) => { order.push('get'); return r; });
      reply = await migrate.then((r) => { order.push('migrate'); return r; });
      const got = await ping;
      seen.push(['stopped target', reply]);
      seen.push(['another client waited for MIGRATE', order.join(',')]);
      seen.push(['its GET', got.toString('latin1')]);
    } finally {
      other.close();
      process.kill(pid, 'SIGCONT');
    }
    await observe(seen, 'key kept', source, 'GET', 'k');
    const stats = await call(source, 'INFO', 'stats');
    seen.push(['migrate_cached_sockets after the timeout', /migrate_cached_sockets:(\d+)/.exec(stats)?.[1] ?? 'absent']);
    // The stopped target still applied the RESTORE once it went on: BUSYKEY now.
    await waitFor('the target to apply the late RESTORE', 5_000, async () => (await call(target, 'EXISTS', 'k')) === ':1\r\n');
    await observe(seen, 'late BUSYKEY', source, 'MIGRATE', '127.0.0.1', String(target.process.port), 'k', '0', '1000');
  }],

  // Redis runs MIGRATE inside EXEC like anywhere else, blocking until the target answers; the
  // transaction's later commands see its effect, replicas get its DELs inside the transaction's
  // one MULTI/EXEC, and a client blocked on a list the transaction pushed to is served after it.
  ['inside MULTI/EXEC', async (p, seen) => {
    const { source, target } = p;
    const port = String(target.process.port);
    await call(source, 'SET', 'k', 'v');
    await call(source, 'SET', 'k2', 'v2', 'PX', '900000');
    await call(source, 'SET', 'busy', 'mine');
    await call(target, 'SET', 'busy', 'theirs');
    const stream = await FakeReplica.attach(source.process.port);
    const waiter = await RawClient.connect(source.process.port);
    try {
      const popped = waiter.call('BLPOP', 'list', '10');
      await waitFor('the BLPOP to block', 5_000, async () => /blocked_clients:1\r\n/.test(await call(source, 'INFO', 'clients')));
      for (const argv of [
        ['MULTI'],
        ['SET', 'a', '1'],
        ['RPUSH', 'list', 'x', 'y'],
        ['MIGRATE', '127.0.0.1', port, 'k', '0', '5000'],
        ['GET', 'k'],
        ['MIGRATE', '127.0.0.1', port, 'nokey', '0', '5000'],
        ['MIGRATE', '127.0.0.1', '1', 'k2', '0', '300'],
        ['MIGRATE', '127.0.0.1', port, 'busy', '0', '5000'],
        ['MIGRATE', '127.0.0.1', port, '', '0', '5000', 'KEYS', 'k2', 'a', 'nope'],
        ['MIGRATE', '127.0.0.1', port, 'busy', '0', '5000', 'COPY', 'REPLACE'],
        ['MIGRATE', '127.0.0.1', port, 'k', '0', '5000', 'BOGUS'],
        ['SET', 'a', '2'],
        ['EXEC'],
      ]) {
        await observe(seen, argv.join(' '), source, ...argv);
      }
      seen.push(['the BLPOP', (await popped).toString('latin1')]);
      await call(source, 'SET', 'marker', '1');
      const sent = await stream.readUntil((argv) => argv[1] === 'marker');
      seen.push(['sent to replicas', sent.map((argv) => argv.join(' ')).join(' | ')]);
    } finally {
      waiter.close();
      stream.close();
    }
    for (const key of ['k', 'k2', 'a', 'busy', 'list']) {
      await observe(seen, `source EXISTS ${key}`, source, 'EXISTS', key);
      await observe(seen, `target GET ${key}`, target, 'GET', key);
    }
    const ttl = Number((await call(target, 'PTTL', 'k2')).slice(1));
    seen.push(['k2 kept its TTL', String(ttl > 800_000 && ttl <= 900_000)]);
    await replicaCaughtUp(p);
    await observe(seen, 'replica DBSIZE', p.replica, 'DBSIZE');
  }],

  // The whole EXEC is one command to other clients: one that arrives while its MIGRATE waits
  // for a stopped target runs after the EXEC, and sees all of it.
  ['EXEC waiting for a stopped target', async (p, seen) => {
    const { source, target } = p;
    await call(source, 'SET', 'k', 'v');
    const pid = target.process.pid;
    if (pid === undefined) throw new Error('no target pid');
    const other = await RawClient.connect(source.process.port);
    try {
      await observe(seen, 'MULTI', source, 'MULTI');
      await observe(seen, 'SET a', source, 'SET', 'a', '1');
      await observe(seen, 'MIGRATE', source, 'MIGRATE', '127.0.0.1', String(target.process.port), 'k', '0', '300');
      await observe(seen, 'SET b', source, 'SET', 'b', '2');
      process.kill(pid, 'SIGSTOP');
      const order: string[] = [];
      const exec = call(source, 'EXEC').then((r) => { order.push('exec'); return r; });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const read = other.call('MGET', 'a', 'b', 'k').then((r) => { order.push('mget'); return r; });
      seen.push(['EXEC', await exec]);
      seen.push(['the other client', (await read).toString('latin1')]);
      seen.push(['order', order.join(',')]);
    } finally {
      other.close();
      process.kill(pid, 'SIGCONT');
    }
    await observe(seen, 'k kept', source, 'GET', 'k');
  }],

  ['CLIENT REPLY OFF and SKIP silence the reply MIGRATE sends once its target answered', async (p, seen) => {
    const { source, target } = p;
    await call(source, 'SET', 'k', 'v');
    await call(target, 'SET', 'k', 'taken');
    const port = String(target.process.port);
    // The target refuses (BUSYKEY): an error reply that could not be mistaken for the next one.
    source.client.send('CLIENT', 'REPLY', 'OFF');
    source.client.send('MIGRATE', '127.0.0.1', port, 'k', '0', '1000');
    await observe(seen, 'CLIENT REPLY ON after a silenced MIGRATE', source, 'CLIENT', 'REPLY', 'ON');
    source.client.send('CLIENT', 'REPLY', 'SKIP');
    source.client.send('MIGRATE', '127.0.0.1', port, 'k', '0', '1000');
    await observe(seen, 'PING after a skipped MIGRATE', source, 'PING');
    await observe(seen, 'MIGRATE answered again', source, 'MIGRATE', '127.0.0.1', port, 'k', '0', '1000');
    await observe(seen, 'k kept', source, 'GET', 'k');
  }],
];

const PAIRINGS: Array<[string, 'redis' | 'hashslot', 'redis' | 'hashslot']> = [
  ['hashslot → hashslot', 'hashslot', 'hashslot'],
  ['hashslot → redis', 'hashslot', 'redis'],
  ['redis → hashslot', 'redis', 'hashslot'],
];

async function startServer(kind: 'redis' | 'hashslot', label: string, args: string[] = []): Promise<Server> {
  const process = kind === 'redis' ? await startRealRedis(args) : await startTarget(args);
  return { label, process, client: await RawClient.connect(process.port) };
}

async function resetAll(servers: readonly Server[]): Promise<void> {
  for (const s of servers) {
    s.client.close();
    s.client = await RawClient.connect(s.process.port);
    if ((await call(s, 'ROLE')).includes('slave')) continue;
    await call(s, 'FLUSHALL');
  }
}

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  t.test('MIGRATE between redis-server and hashslot, compared with redis → redis', async (t) => {
    t.setTimeout(240_000);
    const servers = {
      redis: await startServer('redis', 'redis'),
      redisTarget: await startServer('redis', 'redis target'),
      redisReplica: await startServer('redis', 'redis replica'),
      hashslot: await startServer('hashslot', `${targetName()} (as hashslot)`),
      hashslotTarget: await startServer('hashslot', `${targetName()} target`),
      hashslotReplica: await startServer('hashslot', `${targetName()} replica`),
    };
    const all = Object.values(servers);
    t.teardown(async () => {
      for (const s of all) s.client.close();
      await Promise.all(all.map((s) => s.process.stop()));
    });
    for (const [replica, master] of [[servers.redisReplica, servers.redis], [servers.hashslotReplica, servers.hashslot]] as const) {
      await call(replica, 'REPLICAOF', '127.0.0.1', String(master.process.port));
      await waitFor(`${replica.label} linked`, 10_000, async () => (await call(replica, 'INFO', 'replication')).includes('master_link_status:up'));
    }
    const sourceOf = (kind: 'redis' | 'hashslot'): [Server, Server] =>
      kind === 'redis' ? [servers.redis, servers.redisReplica] : [servers.hashslot, servers.hashslotReplica];
    const targetOf = (kind: 'redis' | 'hashslot'): Server => (kind === 'redis' ? servers.redisTarget : servers.hashslotTarget);

    for (const [name, scenario] of SCENARIOS) {
      await t.test(name, async (t) => {
        await resetAll(all);
        const reference: Observations = [];
        await scenario({ source: servers.redis, target: servers.redisTarget, replica: servers.redisReplica }, reference);
        for (const [pairing, from, to] of PAIRINGS) {
          await resetAll(all);
          const [source, replica] = sourceOf(from);
          const seen: Observations = [];
          await scenario({ source, target: targetOf(to), replica }, seen);
          t.equal(seen.length, reference.length, `${pairing}: as many observations`);
          reference.forEach(([label, expected], i) => {
            const got = seen[i]?.[1] ?? '(missing)';
            t.equal(escapeBytes(Buffer.from(got, 'latin1')), escapeBytes(Buffer.from(expected, 'latin1')), `${pairing}: ${label}`);
          });
        }
      });
    }
  });
}
