/*
 * The AOF base file without the RDB preamble (aof-use-rdb-preamble no), the commands written by
 * server/persistence/aof-base.ts and storage/aof-rewrite-commands.ts, against redis-server 7.0:
 *
 *   bytes      each dataset case of aof-base-helpers.ts built alone on both servers, then
 *              BGREWRITEAOF on both: the two base files are the same bytes (a hash table's
 *              items, in Redis's dict order, compared as sorted pools)
 *              also: an empty dataset, a function library, several dbs, aof-timestamp-enabled,
 *              a key already past its deadline
 *   together   every case at once, with a library and #TS: the same commands for every key
 *   loading    both directories (hashslot's passes redis-check-aof) loaded by both servers:
 *              every key the same (type, encoding, digest, deadline, contents, stream groups
 *              and pending entries), the same as before the restart
 */

import fs from 'node:fs';
import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { redisServerPath, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import type { Arg } from '../../bench/harness/resp';
import { escapeMultiline } from '../../bench/harness/resp';
import type { ServerProcess } from '../../bench/harness/server-process';
import { findExecutable } from '../../bench/harness/server-process';
import { runProgram } from '../../bench/harness/run-program';
import { type BaseCase, DATA_CASES, datasetRecord, keyGroups, parseCommands, readBase } from './aof-base-helpers';
import { call, copyDir, digest, type Kind, shutdown, startOn, tempDir, waitRewriteDone } from './aof-helpers';

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  main();
}

const LIBRARY = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 1 end)";

interface Side {
  server: ServerProcess;
  client: RawClient;
  dir: string;
}

async function startSide(kind: Kind, label: string): Promise<Side> {
  const dir = tempDir(`${label}-${kind}`);
  const server = await startOn(kind, dir, ['--aof-use-rdb-preamble', 'no']);
  return { server, client: await RawClient.connect(server.port), dir };
}

async function run(side: Side, commands: readonly Arg[][]): Promise<void> {
  for (const argv of commands) {
    const reply = await call(side.client, ...argv);
    if (reply.startsWith('-')) throw new Error(`${argv.map(String).join(' ')}: ${reply}`);
  }
}

/** BGREWRITEAOF, then the base file it wrote. */
async function rewrite(side: Side): Promise<Buffer> {
  await waitRewriteDone(side.client);
  const reply = await call(side.client, 'BGREWRITEAOF');
  if (!reply.startsWith('+Background append only file rewriting')) throw new Error(`BGREWRITEAOF: ${reply}`);
  await waitRewriteDone(side.client);
  const base = readBase(side.dir);
  if (base === null) throw new Error('no base file in the manifest');
  return base;
}

function unorderedKeys(cases: readonly BaseCase[]): Set<string> {
  const keys = new Set<string>();
  for (const c of cases) {
    if (c.order !== 'any') continue;
    for (const argv of c.commands) keys.add(String(argv[1]));
  }
  return keys;
}

function main(): void {
  t.test('one dataset at a time: the same base file bytes as redis-server', async (t) => {
    const sides = { redis: await startSide('redis', 'bytes'), hashslot: await startSide('hashslot', 'bytes') };
    const both = async (commands: readonly Arg[][]): Promise<Record<Kind, Buffer>> => {
      const out: Partial<Record<Kind, Buffer>> = {};
      for (const kind of ['redis', 'hashslot'] as const) {
        await run(sides[kind], [['FLUSHALL'], ['FUNCTION', 'FLUSH'], ...commands]);
        out[kind] = await rewrite(sides[kind]);
      }
      return out as Record<Kind, Buffer>;
    };

    const empty = await both([]);
    t.equal(empty.redis.length, 0, 'redis-server: an empty dataset makes an empty base');
    t.equal(empty.hashslot.length, 0, 'hashslot: an empty base too');

    for (const c of DATA_CASES) {
      const files = await both(c.commands);
      if (c.order === 'any') {
        const keys = unorderedKeys([c]);
        t.same(keyGroups(parseCommands(files.hashslot), keys), keyGroups(parseCommands(files.redis), keys), c.name);
      } else {
        t.equal(escapeMultiline(files.hashslot), escapeMultiline(files.redis), c.name);
      }
    }

    const extras: Array<{ name: string; commands: Arg[][] }> = [
      { name: 'a function library, before the first SELECT', commands: [['FUNCTION', 'LOAD', LIBRARY], ['SET', 'k', 'v']] },
      { name: 'a function library and no keys', commands: [['FUNCTION', 'LOAD', LIBRARY]] },
      { name: 'keys in dbs 0, 3 and 15', commands: [['SELECT', '15'], ['SET', 'c', '3'], ['SELECT', '3'], ['RPUSH', 'b', '2'], ['SELECT', '0'], ['SET', 'a', '1']] },
    ];
    for (const c of extras) {
      const files = await both(c.commands);
      t.equal(escapeMultiline(files.hashslot), escapeMultiline(files.redis), c.name);
    }

    // aof-timestamp-enabled: the base opens with #TS:<seconds>, the two clocks' own.
    for (const side of Object.values(sides)) await run(side, [['CONFIG', 'SET', 'aof-timestamp-enabled', 'yes']]);
    const stamped = await both([['FUNCTION', 'LOAD', LIBRARY], ['SET', 'k', 'v']]);
    t.match(stamped.hashslot.toString('latin1'), /^#TS:\d{10}\r\n\*3\r\n\$8\r\nFUNCTION\r\n/, 'aof-timestamp-enabled: #TS first, then the functions');
    const unstamp = (b: Buffer): string => escapeMultiline(b).replace(/^#TS:\d+/, '#TS:<sec>');
    t.equal(unstamp(stamped.hashslot), unstamp(stamped.redis), 'aof-timestamp-enabled: the same file but for the time');
    for (const side of Object.values(sides)) await run(side, [['CONFIG', 'SET', 'aof-timestamp-enabled', 'no']]);

    // A key past its deadline that nothing has expired yet is written with it; the loader drops it.
    const expired = await both([['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'gone', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01']]);
    const undeadline = (b: Buffer): string => escapeMultiline(b).replace(/\$13\\r\\n\n\d{13}\\r\\n/, '$13\\r\\n\n<ms>\\r\\n');
    t.match(undeadline(expired.hashslot), /PEXPIREAT/, 'a key past its deadline: written with its PEXPIREAT');
    t.equal(undeadline(expired.hashslot), undeadline(expired.redis), 'a key past its deadline: as redis-server writes it');
    for (const side of Object.values(sides)) await run(side, [['DEBUG', 'SET-ACTIVE-EXPIRE', '1']]);

    for (const side of Object.values(sides)) {
      side.client.close();
      await shutdown(side.server);
      fs.rmSync(side.dir, { recursive: true, force: true });
    }
  });

  t.test('every dataset at once: written as redis-server writes it, loaded by both servers as redis-server loads it', async (t) => {
    const sides = { redis: await startSide('redis', 'all'), hashslot: await startSide('hashslot', 'all') };
    const before: Partial<Record<Kind, Map<string, string>>> = {};
    const files: Partial<Record<Kind, Buffer>> = {};
    for (const kind of ['redis', 'hashslot'] as const) {
      const side = sides[kind];
      await run(side, [['CONFIG', 'SET', 'aof-timestamp-enabled', 'yes'], ['FUNCTION', 'LOAD', LIBRARY]]);
      for (const c of DATA_CASES) await run(side, c.commands);
      files[kind] = await rewrite(side);
      // A write after the rewrite: the loader replays the incr file after the base.
      await run(side, [['SET', 'after-rewrite', '1']]);
      before[kind] = await datasetRecord(side.client);
      side.client.close();
      await shutdown(side.server);
    }
    const keys = unorderedKeys(DATA_CASES);
    const groups = { redis: keyGroups(parseCommands(files.redis as Buffer), keys), hashslot: keyGroups(parseCommands(files.hashslot as Buffer), keys) };
    t.same([...groups.hashslot.keys()].sort(), [...groups.redis.keys()].sort(), 'the same keys in the same dbs');
    for (const [id, text] of groups.redis) t.equal(groups.hashslot.get(id), text, `the commands of ${id}`);
    const head = (b: Buffer): string => parseCommands(b).slice(0, 3).map((argv) => argv.map((a) => a.toString('latin1')).join(' ')).join('\n').replace(/^#TS:\d+/, '#TS');
    t.equal(head(files.hashslot as Buffer), head(files.redis as Buffer), '#TS, FUNCTION LOAD, then SELECT 0');

    const checker = findExecutable('redis-check-aof');
    if (checker !== null) {
      const check = await runProgram(checker, [`${sides.hashslot.dir}/appendonlydir/appendonly.aof.manifest`]);
      t.match(check.stdout, /All AOF files and manifest are valid/, "redis-check-aof accepts hashslot's directory");
    }

    const load = async (kind: Kind, from: Kind): Promise<Map<string, string>> => {
      const dir = copyDir(sides[from].dir, `load-${from}-by-${kind}`);
      const server = await startOn(kind, dir);
      await digest(server);
      const client = await RawClient.connect(server.port);
      const record = await datasetRecord(client);
      client.close();
      await shutdown(server);
      fs.rmSync(dir, { recursive: true, force: true });
      return record;
    };
    const loaded = {
      redisFromRedis: await load('redis', 'redis'),
      hashslotFromRedis: await load('hashslot', 'redis'),
      redisFromHashslot: await load('redis', 'hashslot'),
      hashslotFromHashslot: await load('hashslot', 'hashslot'),
    };
    t.same(Object.fromEntries(loaded.hashslotFromRedis), Object.fromEntries(loaded.redisFromRedis), "hashslot loads redis-server's base as redis-server does");
    const lossy = DATA_CASES.filter((c) => c.redisMayLoseNegativeZero === true).flatMap((c) => c.commands.map((argv) => `db0 ${String(argv[1])}`));
    const without = (record: Map<string, string>, ids: readonly string[]): Record<string, string> => {
      const copy = new Map(record);
      for (const id of ids) copy.delete(id);
      return Object.fromEntries(copy);
    };
    t.same(without(loaded.redisFromHashslot, lossy), without(loaded.redisFromRedis, lossy), "redis-server loads hashslot's base into the dataset it loads from its own");
    t.same(Object.fromEntries(loaded.hashslotFromHashslot), Object.fromEntries(loaded.redisFromHashslot), 'hashslot loads its own base as redis-server loads it');

    // Against the dataset before the restart: the same, except what XCLAIM ... FORCE cannot
    // bring back (a pending entry whose stream entry was deleted), as on redis-server; and on
    // redis-server, -0 scores its dict's order happened to write before the skiplist existed.
    const orphan = 'db0 xorphan';
    for (const kind of ['redis', 'hashslot'] as const) {
      const was = before[kind] as Map<string, string>;
      const now = kind === 'redis' ? loaded.redisFromRedis : loaded.hashslotFromHashslot;
      t.not(now.get(orphan), was.get(orphan), `${kind}: the deleted entry's pending entry is gone after loading`);
      t.match(now.get(orphan) ?? '', /pel-count\\r\\n, :1/, `${kind}: the other pending entry is kept`);
      const skipped = kind === 'redis' ? [orphan, ...lossy] : [orphan];
      t.same(without(now, skipped), without(was, skipped), `${kind}: every other key as before the restart${kind === 'hashslot' ? ', -0 scores included' : ''}`);
    }

    for (const side of Object.values(sides)) fs.rmSync(side.dir, { recursive: true, force: true });
  });
}
