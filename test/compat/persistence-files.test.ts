/*
 * RDB files between real redis-server and hashslot, both ways, with real processes:
 *
 *   redis SAVE ──▶ dump.rdb ──▶ hashslot DEBUG RELOAD NOSAVE ──▶ same keys, types, TTLs, contents
 *   hashslot SAVE ──▶ dump.rdb ──▶ redis-check-rdb accepts it; a fresh redis-server starts on it
 *                                  and holds what the first redis held
 *
 * The dataset has every type in every encoding Redis 7.0 writes (listpack / hashtable hashes,
 * intsets of each width and hashtable sets, listpack / skiplist sorted sets, lists of one and of
 * many quicklist nodes, LZF-compressible and incompressible strings), deadlines, and several
 * databases. Contents are compared by reading both sides with redis (hashslot's value is
 * DUMPed and RESTOREd into the reference redis), since hashslot's data-type commands come later.
 *
 * Then the failure paths: corrupted files are refused by DEBUG RELOAD with the data kept and the
 * server alive; SHUTDOWN saves when it should, and leaves no temp file of a BGSAVE it stopped; a
 * BGSAVE is point-in-time while clients write.
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { parseReply, type Arg } from '../../bench/harness/resp';
import { RawClient } from '../../bench/harness/raw-client';
import { redisServerPath, REDIS_MISSING_MESSAGE, startRealRedis } from '../../bench/harness/real-redis';
import { startHashslotLikeRedis } from '../../bench/harness/hashslot-process';
import { delay, findExecutable, type ServerProcess } from '../../bench/harness/server-process';
import { runProgram } from '../../bench/harness/run-program';
import { loadRdb } from '../../storage/rdb/rdb-reader';
import { crc64 } from '../../storage/rdb/crc64';
import { Keyspace } from '../../storage/keyspace';
import { SeededRandom } from '../../storage/random';
import { infoText, parseInfo } from './info-fields';
import type { Test } from './harness';

const DATABASES = [0, 1, 9, 15];
/** A database left empty in the reference redis, where hashslot's values are restored to be read. */
const SCRATCH_DB = 14;

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  main();
}

const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

function datasetCommands(db: number): Arg[][] {
  const p = `db${db}:`;
  return [
    ['SET', `${p}string`, 'hello'],
    ['SET', `${p}int`, '-123456'],
    ['SET', `${p}bigint`, '9223372036854775807'],
    ['SET', `${p}compressible`, 'redis '.repeat(2000)],
    ['SET', `${p}incompressible`, range(400, (i) => String.fromCharCode(33 + ((i * 7919) % 90))).join('')],
    ['SET', `${p}binary`, Buffer.from(range(300, (i) => String.fromCharCode((i * 31) % 256)).join(''), 'latin1')],
    ['SET', `${p}ttl`, 'expiring', 'EX', '5000'],
    ['SET', `${p}pttl`, 'x'.repeat(50), 'PX', '123456789'],
    ['RPUSH', `${p}list:small`, 'a', '1', '-70000', 'b'.repeat(100)],
    ['RPUSH', `${p}list:long`, ...range(20000, (i) => (i % 5 === 0 ? String(i) : `element:${i}`))],
    ['RPUSH', `${p}list:huge-items`, 'h'.repeat(100000), 'i'.repeat(20000)],
    ['HSET', `${p}hash:listpack`, ...range(40, (i) => `hf${i}`)],
    ['HSET', `${p}hash:hashtable`, ...range(2000, (i) => `f${i}`)],
    ['HSET', `${p}hash:long`, 'field', 'v'.repeat(200)],
    ['SADD', `${p}set:int16`, '1', '2', '-32768'],
    ['SADD', `${p}set:int32`, '1', '2000000'],
    ['SADD', `${p}set:int64`, '1', '-9223372036854775808'],
    ['SADD', `${p}set:strings`, ...range(50, (i) => `member${i}`)],
    ['SADD', `${p}set:many-ints`, ...range(1000, String)],
    ['ZADD', `${p}zset:listpack`, '1', 'a', '2.5', 'b', '-inf', 'c', '1e-20', 'd'],
    ['ZADD', `${p}zset:skiplist`, ...range(1000, (i) => (i % 2 === 0 ? String(i * 0.37) : `z${i}`))],
    ['EXPIRE', `${p}zset:skiplist`, '100000'],
    ...Array.from({ length: 300 }, (_, i): Arg[] => ['XADD', `${p}stream`, `${i + 1}-${i % 3}`, 'f', String(i), 'g', 'x'.repeat(i % 50)]),
    ['XDEL', `${p}stream`, '5-1', '100-0', '1-0'],
    ['XGROUP', 'CREATE', `${p}stream`, 'readers', '0'],
    ['XGROUP', 'CREATE', `${p}stream`, 'late', '$', 'ENTRIESREAD', '7'],
    ['XREADGROUP', 'GROUP', 'readers', 'alice', 'COUNT', '10', 'STREAMS', `${p}stream`, '>'],
    ['XREADGROUP', 'GROUP', 'readers', 'bob', 'COUNT', '5', 'STREAMS', `${p}stream`, '>'],
    ['XACK', `${p}stream`, 'readers', '2-1', '3-2'],
    ['XADD', `${p}stream:empty`, '1-1', 'a', 'b'],
    ['XDEL', `${p}stream:empty`, '1-1'],
  ];
}

async function send(c: RawClient, commands: Arg[][]): Promise<Buffer[]> {
  const replies: Buffer[] = [];
  for (let i = 0; i < commands.length; i += 200) {
    const batch = commands.slice(i, i + 200);
    for (const argv of batch) c.send(...argv);
    replies.push(...(await c.readReplies(batch.length, 30_000)));
  }
  return replies;
}

const text = (reply: Buffer): string => reply.toString('latin1');

/** How to read a key of each type so that two servers' answers compare (sets and hashes sorted). */
async function readValue(c: RawClient, key: string, type: string): Promise<string[]> {
  const items = (reply: Buffer): string[] => parseReply(reply).items.map((i) => i.text.toString('latin1'));
  switch (type) {
    case 'string':
      return [parseReply(await c.call('GET', key)).text.toString('latin1')];
    case 'list':
      return items(await c.call('LRANGE', key, '0', '-1'));
    case 'set':
      return items(await c.call('SMEMBERS', key)).sort();
    case 'zset':
      return items(await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES'));
    case 'hash': {
      const flat = items(await c.call('HGETALL', key));
      const pairs: string[] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i] ?? ''}=${flat[i + 1] ?? ''}`);
      return pairs.sort();
    }
    case 'stream':
      return [
        text(await c.call('XRANGE', key, '-', '+')),
        text(await c.call('XINFO', 'STREAM', key)),
        text(await c.call('XINFO', 'GROUPS', key)),
        text(await c.call('XPENDING', key, 'readers')),
      ];
    default:
      throw new Error(`unexpected type ${type}`);
  }
}

async function keysOf(c: RawClient): Promise<string[]> {
  return parseReply(await c.call('KEYS', '*')).items.map((i) => i.text.toString('latin1')).sort();
}

function infoField(reply: Buffer, field: string): string | undefined {
  for (const section of parseInfo(infoText(reply))) {
    const value = section.fields.get(field);
    if (value !== undefined) return value;
  }
  return undefined;
}

function main(): void {
  const started: ServerProcess[] = [];
  const tempDirs: string[] = [];
  t.teardown(async () => {
    await Promise.all(started.map((s) => s.stop()));
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  const start = async (kind: 'redis' | 'hashslot', args: string[] = []): Promise<ServerProcess> => {
    const server = kind === 'redis' ? await startRealRedis(args) : await startHashslotLikeRedis(args);
    started.push(server);
    return server;
  };
  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-rdb-'));
    tempDirs.push(dir);
    return dir;
  };

  let reference: RawClient;
  let referenceServer: ServerProcess;
  let hashslot: RawClient;
  let hashslotServer: ServerProcess;

  t.before(async () => {
    [referenceServer, hashslotServer] = await Promise.all([start('redis'), start('hashslot')]);
    [reference, hashslot] = await Promise.all([RawClient.connect(referenceServer.port), RawClient.connect(hashslotServer.port)]);
    for (const db of DATABASES) {
      await reference.call('SELECT', db);
      await send(reference, datasetCommands(db));
    }
  });
  t.teardown(() => {
    reference.close();
    hashslot.close();
  });

  /** Compares hashslot's keyspace with the reference redis's, database by database. */
  async function compareWithReference(tt: Test, label: string): Promise<void> {
    for (const db of DATABASES) {
      await reference.call('SELECT', db);
      await hashslot.call('SELECT', db);
      const keys = await keysOf(reference);
      tt.same(await keysOf(hashslot), keys, `${label}: db${db} has the same keys`);
      for (const key of keys) {
        const type = parseReply(await reference.call('TYPE', key)).text.toString();
        tt.equal(parseReply(await hashslot.call('TYPE', key)).text.toString(), type, `${label}: TYPE ${key}`);
        const [rTtl, hTtl] = [Number(text(await reference.call('PTTL', key)).slice(1)), Number(text(await hashslot.call('PTTL', key)).slice(1))];
        tt.ok(Math.abs(rTtl - hTtl) < 5000, `${label}: PTTL ${key} ${rTtl} ~ ${hTtl}`);
        const dumped = parseReply(await hashslot.call('DUMP', key)).text;
        await reference.call('SELECT', SCRATCH_DB);
        tt.equal(text(await reference.call('RESTORE', key, '0', dumped, 'REPLACE')), '+OK\r\n', `${label}: redis RESTOREs ${key}`);
        const fromHashslot = await readValue(reference, key, type);
        await reference.call('SELECT', db);
        const expected = await readValue(reference, key, type);
        tt.ok(fromHashslot.length === expected.length && fromHashslot.every((v, i) => v === expected[i]), `${label}: contents of ${key}`);
      }
    }
    await reference.call('SELECT', SCRATCH_DB);
    await reference.call('FLUSHDB');
    await reference.call('SELECT', 0);
    await hashslot.call('SELECT', 0);
  }

  t.test('a dump.rdb saved by redis-server loads into hashslot', async (tt) => {
    tt.equal(text(await reference.call('SAVE')), '+OK\r\n');
    fs.copyFileSync(path.join(referenceServer.dir, 'dump.rdb'), path.join(hashslotServer.dir, 'dump.rdb'));
    tt.equal(text(await hashslot.call('DEBUG', 'RELOAD', 'NOSAVE')), '+OK\r\n');
    const info = await hashslot.call('INFO', 'persistence');
    tt.equal(infoField(info, 'rdb_last_load_keys_loaded'), String(DATABASES.length * new Set(datasetCommands(0).filter((c) => c[0] !== 'XGROUP' && c[0] !== 'XREADGROUP').map((c) => String(c[1]))).size));
    await compareWithReference(tt, 'redis → hashslot');
  });

  t.test('a dump.rdb saved by hashslot passes redis-check-rdb and loads into redis-server', async (tt) => {
    tt.equal(text(await hashslot.call('SAVE')), '+OK\r\n');
    const file = path.join(hashslotServer.dir, 'dump.rdb');
    const checker = findExecutable('redis-check-rdb');
    if (checker !== null) {
      const check = await runProgram(checker, [file]);
      tt.equal(check.code, 0, 'redis-check-rdb exits 0');
      tt.match(check.stdout, /RDB looks OK/);
    }
    for (const compression of ['yes', 'no']) {
      await hashslot.call('CONFIG', 'SET', 'rdbcompression', compression);
      tt.equal(text(await hashslot.call('SAVE')), '+OK\r\n');
      const dir = tempDir();
      fs.copyFileSync(file, path.join(dir, 'dump.rdb'));
      const fresh = await start('redis', ['--dir', dir]);
      const c = await RawClient.connect(fresh.port);
      try {
        for (const db of DATABASES) {
          await reference.call('SELECT', db);
          await c.call('SELECT', db);
          const keys = await keysOf(reference);
          tt.same(await keysOf(c), keys, `rdbcompression ${compression}: db${db} keys`);
          for (const key of keys) {
            const type = parseReply(await reference.call('TYPE', key)).text.toString();
            tt.same(await readValue(c, key, type), await readValue(reference, key, type), `rdbcompression ${compression}: ${key}`);
            const [rTtl, cTtl] = [Number(text(await reference.call('PTTL', key)).slice(1)), Number(text(await c.call('PTTL', key)).slice(1))];
            tt.ok(Math.abs(rTtl - cTtl) < 5000, `PTTL ${key}`);
          }
        }
        await reference.call('SELECT', 0);
      } finally {
        c.close();
        await fresh.stop();
      }
    }
    await hashslot.call('CONFIG', 'SET', 'rdbcompression', 'yes');
  });

  t.test('corrupted files are refused by DEBUG RELOAD and the data is kept', async (tt) => {
    tt.equal(text(await hashslot.call('SAVE')), '+OK\r\n');
    const file = path.join(hashslotServer.dir, 'dump.rdb');
    const good = fs.readFileSync(file);
    const dbsize = text(await hashslot.call('DBSIZE'));
    const sample = text(await hashslot.call('GET', 'db0:compressible'));
    const variants: Array<[string, Buffer]> = [
      ['empty file', Buffer.alloc(0)],
      ['not an RDB', Buffer.from('hello world, not a snapshot')],
      ['version 11', Buffer.concat([Buffer.from('REDIS0011'), good.subarray(9)])],
    ];
    for (const fraction of [0.001, 0.01, 0.1, 0.3, 0.5, 0.9, 0.999]) {
      const end = Math.floor(good.length * fraction);
      variants.push([`truncated to ${end} bytes`, good.subarray(0, end)]);
    }
    variants.push(['truncated before the checksum', good.subarray(0, good.length - 3)]);
    const flips = new SeededRandom(12345);
    for (let i = 0; i < 25; i++) {
      const copy = Buffer.from(good);
      const at = flips.below(copy.length);
      copy[at] = (copy[at] as number) ^ (1 + flips.below(255));
      variants.push([`byte ${at} flipped`, copy]);
    }
    for (const [name, bytes] of variants) {
      fs.writeFileSync(file, bytes);
      tt.equal(text(await hashslot.call('DEBUG', 'RELOAD', 'NOSAVE')), '-ERR Error trying to load the RDB dump, check server logs.\r\n', name);
    }
    tt.equal(text(await hashslot.call('DBSIZE')), dbsize, 'no key lost');
    tt.equal(text(await hashslot.call('GET', 'db0:compressible')), sample, 'values intact');
    tt.ok(hashslotServer.isRunning, 'still running');
    fs.writeFileSync(file, good);
    tt.equal(text(await hashslot.call('DEBUG', 'RELOAD', 'NOSAVE')), '+OK\r\n', 'the good file loads again');
    tt.equal(text(await hashslot.call('DBSIZE')), dbsize);
  });

  t.test('RESTORE of damaged payloads with valid footers never brings hashslot down', async (tt) => {
    const payloads: Buffer[] = [];
    for (const key of ['db0:list:small', 'db0:hash:listpack', 'db0:set:int16', 'db0:zset:listpack', 'db0:compressible', 'db0:set:strings', 'db0:zset:skiplist', 'db0:stream', 'db0:stream:empty']) {
      payloads.push(parseReply(await reference.call('DUMP', key)).text);
    }
    const flips = new SeededRandom(99);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      const original = payloads[i % payloads.length] as Buffer;
      const copy = Buffer.from(original);
      for (let k = 1 + flips.below(3); k > 0; k--) {
        const at = flips.below(copy.length - 10);
        copy[at] = (copy[at] as number) ^ (1 + flips.below(255));
      }
      copy.writeBigUInt64LE(crc64(0n, copy, 0, copy.length - 8), copy.length - 8);
      const reply = text(await hashslot.call('RESTORE', `fuzz:${i}`, '0', copy));
      const kind = reply.startsWith('+OK') ? 'OK' : reply.replace(/\r\n$/, '');
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    }
    tt.comment(JSON.stringify([...outcomes]));
    tt.same([...outcomes.keys()].filter((k) => k !== 'OK' && k !== '-ERR Bad data format'), [], 'only OK or Bad data format');
    tt.equal(text(await hashslot.call('PING')), '+PONG\r\n', 'still serving');
    await send(hashslot, Array.from({ length: 600 }, (_, i) => ['DEL', `fuzz:${i}`]));
  });

  t.test('BGSAVE is point-in-time and does not stop the server', async (tt) => {
    const server = await start('hashslot');
    const c = await RawClient.connect(server.port);
    try {
      const keys = 150_000;
      const commands: Arg[][] = [];
      for (let i = 0; i < keys; i += 100) commands.push(['MSET', ...range(200, (j) => (j % 2 === 0 ? `key:${i + j / 2}` : `value:${i + (j - 1) / 2}`))]);
      await send(c, commands);
      // BGSAVE and the writes after it arrive in one read: they run right after the snapshot.
      c.write(Buffer.concat([
        Buffer.from('*1\r\n$6\r\nBGSAVE\r\n'),
        Buffer.from('*3\r\n$3\r\nSET\r\n$5\r\nkey:0\r\n$7\r\nchanged\r\n'),
        Buffer.from('*2\r\n$3\r\nDEL\r\n$5\r\nkey:1\r\n'),
        Buffer.from('*3\r\n$3\r\nSET\r\n$7\r\nnew-key\r\n$1\r\nx\r\n'),
      ]));
      const replies = (await c.readReplies(4)).map(text);
      tt.same(replies, ['+Background saving started\r\n', '+OK\r\n', ':1\r\n', '+OK\r\n']);
      let pings = 0;
      let worstMs = 0;
      for (;;) {
        const before = Date.now();
        const info = await c.call('INFO', 'persistence');
        worstMs = Math.max(worstMs, Date.now() - before);
        pings++;
        if (infoField(info, 'rdb_bgsave_in_progress') === '0') {
          tt.equal(infoField(info, 'rdb_last_bgsave_status'), 'ok');
          tt.equal(infoField(info, 'rdb_changes_since_last_save'), '3', 'the writes made during the save are still unsaved');
          break;
        }
        await delay(1);
      }
      tt.comment(`${pings} INFO calls answered during the save, the slowest in ${worstMs} ms`);
      const loaded = new Keyspace(16, new SeededRandom(1));
      const result = loadRdb(fs.readFileSync(path.join(server.dir, 'dump.rdb')), loaded, Date.now());
      tt.equal(result.keysLoaded, keys);
      tt.equal(loaded.db(0).get('key:0', 0), 'value:0', 'a later overwrite is not in the file');
      tt.equal(loaded.db(0).get('key:1', 0), 'value:1', 'a later delete is not in the file');
      tt.equal(loaded.db(0).get('new-key', 0), undefined, 'a later key is not in the file');
    } finally {
      c.close();
    }
  });

  t.test('SHUTDOWN saves when save points are configured, and as told', async (tt) => {
    const cases: Array<[string, string[], string[], boolean]> = [
      ['save points, SHUTDOWN', ['--save', '3600 1'], ['SHUTDOWN'], true],
      ['save points, SHUTDOWN NOSAVE', ['--save', '3600 1'], ['SHUTDOWN', 'NOSAVE'], false],
      ['no save points, SHUTDOWN', [], ['SHUTDOWN'], false],
      ['no save points, SHUTDOWN SAVE', [], ['SHUTDOWN', 'SAVE'], true],
    ];
    for (const [name, args, command, saves] of cases) {
      const server = await start('hashslot', args);
      const c = await RawClient.connect(server.port);
      await c.call('SET', 'k', 'v');
      c.send(...command);
      await server.exited();
      c.close();
      const file = path.join(server.dir, 'dump.rdb');
      tt.equal(fs.existsSync(file), saves, `${name}: ${saves ? 'saved' : 'nothing saved'}`);
      if (saves) {
        const loaded = new Keyspace(16, new SeededRandom(1));
        loadRdb(fs.readFileSync(file), loaded, Date.now());
        tt.equal(loaded.db(0).get('k', 0), 'v', `${name}: the key is in the file`);
      }
    }
  });

  // Redis's "Temp rdb will be deleted if we use bg_unlink when shutdown": a BGSAVE held up by
  // rdb-key-save-delay has its temp file on disk; SHUTDOWN stops it and leaves no file behind.
  t.test('SHUTDOWN during a BGSAVE slowed by rdb-key-save-delay leaves no temp file', async (tt) => {
    const tempFiles = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.startsWith('temp-')).sort();
    const leftOver = async (kind: 'redis' | 'hashslot'): Promise<string[]> => {
      const server = await start(kind);
      const c = await RawClient.connect(server.port);
      try {
        await send(c, [['DEBUG', 'POPULATE', '5'], ['CONFIG', 'SET', 'rdb-key-save-delay', '100000000'], ['BGSAVE']]);
        const deadline = Date.now() + 5_000;
        while (tempFiles(server.dir).length === 0) {
          if (Date.now() > deadline) throw new Error(`${kind}: no temp file while the BGSAVE runs`);
          await delay(20);
        }
        c.send('SHUTDOWN', 'NOSAVE');
        await server.exited();
      } finally {
        c.close();
      }
      return fs.readdirSync(server.dir).filter((f) => f.endsWith('.rdb'));
    };
    const [redisFiles, hashslotFiles] = await Promise.all([leftOver('redis'), leftOver('hashslot')]);
    tt.same(redisFiles, [], 'redis-server leaves no .rdb file');
    tt.same(hashslotFiles, redisFiles, 'neither does hashslot');
  });

  t.test('SHUTDOWN refuses to exit when the save fails, unless FORCE', async (tt) => {
    const server = await start('hashslot', ['--save', '3600 1']);
    const c = await RawClient.connect(server.port);
    try {
      await c.call('SET', 'k', 'v');
      // Without its directory the save cannot create its temp file.
      fs.rmSync(server.dir, { recursive: true, force: true });
      tt.equal(text(await c.call('SHUTDOWN')), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
      tt.equal(text(await c.call('PING')), '+PONG\r\n', 'still serving');
      tt.equal(text(await c.call('SAVE')), '-ERR\r\n', 'SAVE fails the same way');
      c.send('SHUTDOWN', 'FORCE');
      await server.exited();
      tt.pass('SHUTDOWN FORCE exits');
    } finally {
      c.close();
    }
  });
}
