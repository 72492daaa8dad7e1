/*
 * The append-only file (server/persistence/aof*.ts) against real redis-server 7.0, with real
 * processes and real files:
 *
 *   INFO persistence      the same field names, in the same order, with appendonly yes and no
 *   hashslot ─▶ redis     hashslot's directory passes redis-check-aof, and redis-server started
 *                         on it holds the same dataset (DEBUG DIGEST), with and without the RDB
 *                         preamble, after a BGREWRITEAOF, with MULTI/EXEC and several dbs
 *   redis ─▶ hashslot     hashslot started on redis-server's directory holds the same dataset
 *   start-up failures     a torn tail (aof-load-truncated yes: cut and loaded as redis does, no:
 *                         refused), a corrupt middle (refused, no file changed): each case run
 *                         on copies of one directory by both servers, outcomes compared
 *   upgrade               an old single appendonly.aof becomes the same directory as redis makes
 *   kill -9               with appendfsync always and everysec, no acknowledged write is lost
 *   CONFIG SET appendonly yes at run time creates the AOF; a restart loads it
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { Arg } from '../../bench/harness/resp';
import { RawClient } from '../../bench/harness/raw-client';
import { commonServerArgs, redisServerPath, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import { hashslotBinPath, hashslotNodeFlags, startHashslot } from '../../bench/harness/hashslot-process';
import { freePort } from '../../bench/harness/free-port';
import { findExecutable, ServerProcess } from '../../bench/harness/server-process';
import { runProgram } from '../../bench/harness/run-program';
import { infoText, parseInfo } from './info-fields';

type Kind = 'redis' | 'hashslot';

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  main();
}

function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hashslot-aof-${label}-`));
}

/** A server on `dir` (not the harness's temp dir), so a restart finds the same files. */
function startOn(kind: Kind, dir: string, extra: readonly string[] = []): Promise<ServerProcess> {
  const args = (port: number): string[] => [...commonServerArgs(port, dir), '--appendonly', 'yes', ...extra];
  if (kind === 'hashslot') return startHashslot((port) => args(port));
  return ServerProcess.start({ name: 'redis-server', command: redisServerPath() as string, args: (port) => args(port) });
}

/** The server's command line without a port, to watch it refuse to start. */
function commandFor(kind: Kind, dir: string, port: number, extra: readonly string[]): [string, string[]] {
  const args = [...commonServerArgs(port, dir), '--appendonly', 'yes', ...extra];
  if (kind === 'hashslot') return [process.execPath, [...hashslotNodeFlags(), hashslotBinPath(), ...args]];
  return [redisServerPath() as string, args];
}

/** A command's raw reply; -LOADING (redis-server right after start) is retried. */
async function call(client: RawClient, ...argv: Arg[]): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const reply = (await client.call(...argv)).toString('latin1');
    if (!reply.startsWith('-LOADING') || attempt > 200) return reply;
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function digest(server: ServerProcess): Promise<string> {
  const client = await RawClient.connect(server.port);
  try {
    return await call(client, 'DEBUG', 'DIGEST');
  } finally {
    client.close();
  }
}

async function shutdown(server: ServerProcess): Promise<void> {
  const client = await RawClient.connect(server.port);
  client.send('SHUTDOWN');
  await server.exited();
  client.close();
  await server.stop();
}

async function kill9(server: ServerProcess): Promise<void> {
  process.kill(server.pid as number, 'SIGKILL');
  await server.exited();
  await server.stop();
}

/** Every file of `dir` (recursively) and a hash of its bytes: "nothing was changed". */
function dirFingerprint(dir: string): string {
  const lines: string[] = [];
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else lines.push(`${path.relative(dir, p)} ${createHash('sha1').update(fs.readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return lines.join('\n');
}

function copyDir(from: string, label: string): string {
  const to = tempDir(label);
  fs.cpSync(from, to, { recursive: true });
  return to;
}

/** A dataset of every type in several dbs, with deadlines, a transaction and a script. */
async function writeDataset(client: RawClient, round: number): Promise<void> {
  const p = `r${round}:`;
  const commands: Arg[][] = [
    ['SET', `${p}s`, 'hello'],
    ['SET', `${p}ttl`, 'v', 'EX', '10000'],
    ['RPUSH', `${p}l`, 'a', 'b', 'c', ...Array.from({ length: 200 }, (_, i) => `e${i}`)],
    ['LPOP', `${p}l`],
    ['HSET', `${p}h`, 'f1', 'v1', 'f2', 'v2'],
    ['SADD', `${p}set`, '1', '2', 'three'],
    ['SPOP', `${p}set`, '1'],
    ['ZADD', `${p}z`, '1', 'a', '2.5', 'b'],
    ['INCRBYFLOAT', `${p}f`, '1.5'],
    ['XADD', `${p}x`, '1-1', 'f', 'v'],
    ['XGROUP', 'CREATE', `${p}x`, 'g', '0'],
    ['EXPIRE', `${p}z`, '5000'],
    ['SELECT', '3'],
    ['SET', `${p}db3`, 'x'],
    ['MULTI'], ['INCR', `${p}ctr`], ['SET', `${p}in-multi`, '1'], ['EXEC'],
    ['SELECT', '0'],
    ['EVAL', "redis.call('set', KEYS[1], 'a'); redis.call('append', KEYS[1], 'b')", '1', `${p}lua`],
    ['SET', `${p}gone`, 'x'],
    ['DEL', `${p}gone`],
  ];
  for (const argv of commands) {
    const reply = await call(client, ...argv);
    if (reply.startsWith('-')) throw new Error(`${argv.join(' ')}: ${reply}`);
  }
}

async function waitRewriteDone(client: RawClient): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const info = infoText(await client.call('INFO', 'persistence'));
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('rewrite did not finish');
}

function main(): void {
  t.test('INFO persistence: the same fields in the same order, appendonly yes and no', async (t) => {
    for (const on of ['yes', 'no']) {
      const names: Record<Kind, string[]> = { redis: [], hashslot: [] };
      const values: Record<Kind, Map<string, string>> = { redis: new Map(), hashslot: new Map() };
      for (const kind of ['redis', 'hashslot'] as const) {
        const dir = tempDir(`info-${kind}`);
        const server = await startOn(kind, dir, ['--appendonly', on]);
        const client = await RawClient.connect(server.port);
        await call(client, 'SET', 'k', 'v');
        const section = parseInfo(infoText(await client.call('INFO', 'persistence')))[0];
        names[kind] = [...(section?.fields.keys() ?? [])];
        values[kind] = section?.fields ?? new Map();
        client.close();
        await shutdown(server);
        fs.rmSync(dir, { recursive: true, force: true });
      }
      t.same(names.hashslot, names.redis, `appendonly ${on}: field names`);
      for (const field of ['aof_enabled', 'aof_rewrite_in_progress', 'aof_rewrites', 'aof_last_bgrewrite_status', 'aof_last_write_status', 'aof_base_size', 'aof_pending_rewrite', 'aof_buffer_length', 'aof_delayed_fsync']) {
        t.equal(values.hashslot.get(field), values.redis.get(field), `appendonly ${on}: ${field}`);
      }
    }
  });

  for (const preamble of ['yes', 'no']) {
    t.test(`hashslot's AOF (aof-use-rdb-preamble ${preamble}) passes redis-check-aof and loads in redis-server`, async (t) => {
      const dir = tempDir('to-redis');
      const hashslot = await startOn('hashslot', dir, ['--aof-use-rdb-preamble', preamble, '--aof-timestamp-enabled', 'yes']);
      const client = await RawClient.connect(hashslot.port);
      await writeDataset(client, 1);
      t.equal(await call(client, 'BGREWRITEAOF'), '+Background append only file rewriting started\r\n');
      await waitRewriteDone(client);
      await writeDataset(client, 2);
      const expected = await digest(hashslot);
      client.close();
      await shutdown(hashslot);
      const manifest = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
      const ext = preamble === 'yes' ? 'rdb' : 'aof';
      t.equal(manifest, `file appendonly.aof.2.base.${ext} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`, 'manifest after one rewrite');
      t.same(fs.readdirSync(path.join(dir, 'appendonlydir')).sort(), [`appendonly.aof.2.base.${ext}`, 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest'], 'history files deleted');
      const incr = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.2.incr.aof'), 'latin1');
      t.match(incr, /^(#TS:\d+\r\n)?\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n/, 'incr file starts with a SELECT');
      if (preamble === 'no') {
        const base = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.2.base.aof'), 'latin1');
        t.match(base, /^#TS:\d+\r\n\*2\r\n\$6\r\nSELECT\r\n/, 'a command base opens with a timestamp annotation');
      }
      t.match(incr, /\*1\r\n\$5\r\nMULTI\r\n[^]*\*1\r\n\$4\r\nEXEC\r\n/, 'transactions stay MULTI/EXEC units');
      const checker = findExecutable('redis-check-aof');
      if (checker !== null) {
        const check = await runProgram(checker, [path.join(dir, 'appendonlydir', 'appendonly.aof.manifest')]);
        t.match(check.stdout, /All AOF files and manifest are valid/, 'redis-check-aof accepts the directory');
      }
      const redis = await startOn('redis', dir);
      t.equal(await digest(redis), expected, 'redis-server loads the same dataset');
      await shutdown(redis);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  t.test('the incr file holds the same bytes as redis-server writes for the same commands', async (t) => {
    const files: Record<Kind, string> = { redis: '', hashslot: '' };
    for (const kind of ['redis', 'hashslot'] as const) {
      const dir = tempDir(`bytes-${kind}`);
      const server = await startOn(kind, dir);
      const client = await RawClient.connect(server.port);
      await writeDataset(client, 1);
      await call(client, 'FLUSHALL');
      await writeDataset(client, 2);
      client.close();
      await shutdown(server);
      // Absolute deadlines (PXAT, PEXPIREAT) are the two servers' own clocks: compared as shapes.
      files[kind] = fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1').replace(/\$13\r\n\d{13}\r\n/g, '$13\r\n<ms>\r\n');
      fs.rmSync(dir, { recursive: true, force: true });
    }
    t.equal(files.hashslot, files.redis);
  });

  t.test("hashslot loads redis-server's AOF directory", async (t) => {
    const dir = tempDir('from-redis');
    const redis = await startOn('redis', dir);
    const client = await RawClient.connect(redis.port);
    await writeDataset(client, 1);
    await call(client, 'BGREWRITEAOF');
    await waitRewriteDone(client);
    await writeDataset(client, 2);
    const expected = await digest(redis);
    client.close();
    await shutdown(redis);
    const hashslot = await startOn('hashslot', dir);
    t.equal(await digest(hashslot), expected, 'same DEBUG DIGEST');
    t.ok(await hashslot.waitForOutput(/DB loaded from append only file/), 'logs the load as redis does');
    await shutdown(hashslot);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  t.test('torn tail and corrupt middle: the same outcome as redis-server', async (t) => {
    const dir = tempDir('torn');
    const hashslot = await startOn('hashslot', dir);
    const client = await RawClient.connect(hashslot.port);
    for (let i = 0; i < 50; i++) await call(client, 'SET', `key:${i}`, `value:${i}`);
    client.close();
    await shutdown(hashslot);
    const incr = path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const size = fs.statSync(incr).size;
    fs.truncateSync(incr, size - 7); // inside the last SET

    for (const truncated of ['yes', 'no']) {
      const outcome: Record<Kind, string> = { redis: '', hashslot: '' };
      for (const kind of ['redis', 'hashslot'] as const) {
        const copy = copyDir(dir, `torn-${kind}`);
        if (truncated === 'no') {
          const [command, args] = commandFor(kind, copy, await freePort(), ['--aof-load-truncated', 'no']);
          const run = await runProgram(command, args, { timeoutMs: 20_000 });
          t.not(run.code, 0, `${kind} refuses to start`);
          t.match(run.stdout, /Unexpected end of file reading the append only file appendonly\.aof\.1\.incr\.aof\. You can: 1\) Make a backup/, `${kind} says why`);
          outcome[kind] = `refused ${dirFingerprint(copy) === dirFingerprint(dir)}`;
        } else {
          const server = await startOn(kind, copy, ['--aof-load-truncated', 'yes']);
          t.ok(await server.waitForOutput(/!!! Truncating the AOF appendonly\.aof\.1\.incr\.aof at offset \d+ !!!/), `${kind} logs the cut`);
          const c = await RawClient.connect(server.port);
          outcome[kind] = `${await call(c, 'DBSIZE')} ${fs.statSync(path.join(copy, 'appendonlydir', 'appendonly.aof.1.incr.aof')).size}`;
          c.close();
          await shutdown(server);
        }
        fs.rmSync(copy, { recursive: true, force: true });
      }
      t.equal(outcome.hashslot, outcome.redis, `aof-load-truncated ${truncated}: ${outcome.redis}`);
    }

    // Garbage in the middle of the file: never repaired, nothing written.
    const original = fs.readFileSync(incr);
    fs.writeFileSync(incr, Buffer.concat([original.subarray(0, 40), Buffer.from('GARBAGE\r\n'), original.subarray(40)]));
    for (const kind of ['redis', 'hashslot'] as const) {
      const copy = copyDir(dir, `corrupt-${kind}`);
      const before = dirFingerprint(copy);
      const [command, args] = commandFor(kind, copy, await freePort(), []);
      const run = await runProgram(command, args, { timeoutMs: 20_000 });
      t.not(run.code, 0, `${kind} refuses a corrupt AOF`);
      t.match(run.stdout, /Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof: make a backup of your AOF file, then use \.\/redis-check-aof --fix <filename\.manifest>/, `${kind}'s message`);
      t.equal(dirFingerprint(copy), before, `${kind} changed no file`);
      fs.rmSync(copy, { recursive: true, force: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  t.test('an old single appendonly.aof is moved into the directory as redis does', async (t) => {
    const listings: Record<Kind, string> = { redis: '', hashslot: '' };
    for (const kind of ['redis', 'hashslot'] as const) {
      const dir = tempDir(`upgrade-${kind}`);
      fs.writeFileSync(path.join(dir, 'appendonly.aof'), '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$3\r\nyes\r\n');
      const server = await startOn(kind, dir);
      const client = await RawClient.connect(server.port);
      t.equal(await call(client, 'GET', 'old'), '$3\r\nyes\r\n', `${kind} loaded the old file`);
      client.close();
      await shutdown(server);
      const aofDir = path.join(dir, 'appendonlydir');
      listings[kind] = `${fs.readdirSync(aofDir).sort().join(',')} | ${fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1')}`;
      fs.rmSync(dir, { recursive: true, force: true });
    }
    t.equal(listings.hashslot, listings.redis, 'same files and manifest');
  });

  t.test('CONFIG SET appendonly yes at run time creates the AOF, and a restart loads it', async (t) => {
    const dir = tempDir('runtime');
    const server = await startOn('hashslot', dir, ['--appendonly', 'no']);
    const client = await RawClient.connect(server.port);
    await call(client, 'SET', 'before', '1');
    t.equal(await call(client, 'CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
    await waitRewriteDone(client);
    await call(client, 'SET', 'after', '2');
    const expected = await digest(server);
    t.match(infoText(await client.call('INFO', 'persistence')), /aof_enabled:1\r\n[^]*aof_rewrites:1\r\n/);
    client.close();
    await shutdown(server);
    t.equal(fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1'), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    const again = await startOn('hashslot', dir);
    t.equal(await digest(again), expected, 'restart with appendonly yes loads it');
    await shutdown(again);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  t.test('automatic rewrite past auto-aof-rewrite-min-size and -percentage, as redis-server', async (t) => {
    for (const kind of ['redis', 'hashslot'] as const) {
      const dir = tempDir(`auto-${kind}`);
      const server = await startOn(kind, dir, ['--auto-aof-rewrite-min-size', '20000', '--auto-aof-rewrite-percentage', '100']);
      const client = await RawClient.connect(server.port);
      t.match(infoText(await client.call('INFO', 'persistence')), /aof_rewrites:0\r\n/, `${kind}: no rewrite yet`);
      for (let i = 0; i < 1000; i++) client.send('SET', `key:${i}`, 'v'.repeat(20));
      await client.readReplies(1000);
      t.ok(await server.waitForOutput(/Starting automatic rewriting of AOF on \d+% growth/, 10_000), `${kind}: logs the automatic rewrite`);
      await waitRewriteDone(client);
      const info = infoText(await client.call('INFO', 'persistence'));
      t.match(info, /aof_rewrites:1\r\n/, `${kind}: one rewrite`);
      const base = Number(/aof_base_size:(\d+)/.exec(info)?.[1]);
      t.ok(base > 20000, `${kind}: aof_base_size is the new base's (${base})`);
      client.close();
      await shutdown(server);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  t.test('a failing AOF write refuses later writes with MISCONF, as redis-server', async (t) => {
    const transcripts: Record<Kind, string[]> = { redis: [], hashslot: [] };
    for (const kind of ['redis', 'hashslot'] as const) {
      const dir = tempDir(`enospc-${kind}`);
      const server = await startOn(kind, dir);
      // The incr file the rewrite opens next is /dev/full: every write to it fails with ENOSPC.
      fs.symlinkSync('/dev/full', path.join(dir, 'appendonlydir', 'appendonly.aof.2.incr.aof'));
      const client = await RawClient.connect(server.port);
      await call(client, 'BGREWRITEAOF');
      await waitRewriteDone(client);
      const log = transcripts[kind];
      log.push(await call(client, 'SET', 'a', '1'));
      log.push(await call(client, 'SET', 'b', '1'));
      log.push(await call(client, 'GET', 'a'));
      const info = infoText(await client.call('INFO', 'persistence'));
      log.push(/aof_last_write_status:\w+/.exec(info)?.[0] ?? '', /aof_buffer_length:\d+/.exec(info)?.[0] ?? '');
      log.push(await call(client, 'CONFIG', 'SET', 'appendonly', 'no'));
      log.push(await call(client, 'SET', 'c', '1'));
      t.ok(await server.waitForOutput(/Error writing to the AOF file: No space left on device/), `${kind} logs the error`);
      client.close();
      await shutdown(server);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    t.same(transcripts.hashslot, transcripts.redis, 'same replies and INFO fields');
    t.equal(transcripts.redis[1], '-MISCONF Errors writing to the AOF file: No space left on device\r\n');
  });

  t.test('BGREWRITEAOF and BGSAVE exclude each other as on redis-server (scheduled, or refused)', async (t) => {
    const transcripts: Record<Kind, string[]> = { redis: [], hashslot: [] };
    for (const kind of ['redis', 'hashslot'] as const) {
      const dir = tempDir(`sched-${kind}`);
      const server = await startOn(kind, dir);
      const client = await RawClient.connect(server.port);
      // Enough data that neither background job is over before the next command arrives.
      for (let batch = 0; batch < 20; batch++) {
        for (let i = 0; i < 10_000; i++) client.send('SET', `k:${batch}:${i}`, 'x'.repeat(40));
        await client.readReplies(10_000);
      }
      const log = transcripts[kind];
      client.send('BGSAVE');
      client.send('BGREWRITEAOF');
      for (const reply of await client.readReplies(2)) log.push(reply.toString('latin1'));
      log.push(/aof_rewrite_scheduled:\d/.exec(infoText(await client.call('INFO', 'persistence')))?.[0] ?? '');
      await waitRewriteDone(client);
      log.push(/aof_rewrites:\d+/.exec(infoText(await client.call('INFO', 'persistence')))?.[0] ?? '');
      client.send('BGREWRITEAOF');
      client.send('BGSAVE');
      client.send('BGREWRITEAOF');
      for (const reply of await client.readReplies(3)) log.push(reply.toString('latin1'));
      await waitRewriteDone(client);
      client.close();
      await shutdown(server);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    t.same(transcripts.hashslot, transcripts.redis, transcripts.redis.join(' | '));
  });

  t.test('DEBUG LOADAOF reloads the same dataset, as redis-server does', async (t) => {
    for (const kind of ['redis', 'hashslot'] as const) {
      const dir = tempDir(`loadaof-${kind}`);
      const server = await startOn(kind, dir);
      const client = await RawClient.connect(server.port);
      await writeDataset(client, 1);
      const before = await call(client, 'DEBUG', 'DIGEST');
      t.equal(await call(client, 'DEBUG', 'LOADAOF'), '+OK\r\n', `${kind}: +OK`);
      t.equal(await call(client, 'DEBUG', 'DIGEST'), before, `${kind}: same dataset`);
      t.equal(await call(client, 'SET', 'after-load', '1'), '+OK\r\n');
      client.close();
      await shutdown(server);
      const again = await startOn(kind, dir);
      const c2 = await RawClient.connect(again.port);
      t.equal(await call(c2, 'EXISTS', 'after-load'), ':1\r\n', `${kind}: writes after the reload are kept`);
      c2.close();
      await shutdown(again);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  t.test("a replica's AOF holds its master's dataset after a full sync", async (t) => {
    const master = await startHashslot((port, dir) => commonServerArgs(port, dir));
    const mc = await RawClient.connect(master.port);
    await call(mc, 'SET', 'old-on-master', '1');
    const dir = tempDir('replica');
    const replica = await startOn('hashslot', dir);
    const rc = await RawClient.connect(replica.port);
    await call(rc, 'SET', 'replica-own-old-key', 'x');
    await call(rc, 'REPLICAOF', '127.0.0.1', String(master.port));
    await writeDataset(mc, 1);
    const expected = await call(mc, 'DEBUG', 'DIGEST');
    let synced = false;
    for (let i = 0; i < 400 && !synced; i++) {
      synced = (await call(rc, 'DEBUG', 'DIGEST')) === expected && /aof_rewrite_in_progress:0/.test(infoText(await rc.call('INFO', 'persistence')));
      if (!synced) await new Promise((r) => setTimeout(r, 25));
    }
    t.ok(synced, 'the replica caught up');
    rc.close();
    mc.close();
    await shutdown(replica);
    await shutdown(master);
    const alone = await startOn('hashslot', dir);
    t.equal(await digest(alone), expected, "restarted alone, the replica's AOF gives the master's dataset (its own old key gone)");
    await shutdown(alone);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const fsyncPolicy of ['always', 'everysec']) {
    t.test(`kill -9 with appendfsync ${fsyncPolicy}: no acknowledged write is lost`, async (t) => {
      const dir = tempDir(`kill-${fsyncPolicy}`);
      const server = await startOn('hashslot', dir, ['--appendfsync', fsyncPolicy]);
      const acked: number[][] = [];
      let stop = false;
      const writers = Array.from({ length: 4 }, async (_, w) => {
        const client = await RawClient.connect(server.port);
        const mine: number[] = [];
        acked.push(mine);
        try {
          for (let i = 0; !stop; i++) {
            const reply = await call(client, 'SET', `w${w}:${i}`, String(i));
            if (reply === '+OK\r\n') mine.push(i);
          }
        } catch {
          // the server died under us: what was acknowledged is counted
        }
        client.close();
      });
      while (acked.reduce((n, a) => n + a.length, 0) < 2000) await new Promise((r) => setTimeout(r, 10));
      await kill9(server);
      stop = true;
      await Promise.all(writers);
      const total = acked.reduce((n, a) => n + a.length, 0);
      const restarted = await startOn('hashslot', dir, ['--appendfsync', fsyncPolicy]);
      const client = await RawClient.connect(restarted.port);
      let lost = 0;
      for (let w = 0; w < acked.length; w++) {
        for (const i of acked[w] as number[]) {
          if ((await call(client, 'EXISTS', `w${w}:${i}`)) !== ':1\r\n') lost++;
        }
      }
      client.close();
      t.ok(total >= 2000, `${total} writes acknowledged before the kill`);
      t.equal(lost, 0, 'every acknowledged write is in the AOF');
      await shutdown(restarted);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }
}
