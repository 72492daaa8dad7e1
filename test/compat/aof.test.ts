/*
 * The append-only file (server/persistence/aof*.ts) against real redis-server 7.0, with real
 * processes and real files:
 *
 *   INFO persistence      the same field names, in the same order, with appendonly yes and no
 *   hashslot ─▶ redis     hashslot's directory passes redis-check-aof, and redis-server started
 *                         on it holds the same dataset (DEBUG DIGEST), with and without the RDB
 *                         preamble, after a BGREWRITEAOF, with MULTI/EXEC and several dbs
 *   incr bytes            the same commands give the same incr file as redis-server's
 *   redis ─▶ hashslot     hashslot started on redis-server's directory holds the same dataset
 *   upgrade               an old single appendonly.aof becomes the same directory as redis makes
 *   CONFIG SET appendonly yes at run time creates the AOF; a restart loads it
 *   DEBUG LOADAOF, and a replica's AOF after a full sync
 * Failures (torn tail, corrupt file, write errors, kill -9) are in aof-durability.test.ts.
 */


import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { commonServerArgs, redisServerPath, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import { startHashslot } from '../../bench/harness/hashslot-process';
import { freePort } from '../../bench/harness/free-port';
import { findExecutable } from '../../bench/harness/server-process';
import { runProgram } from '../../bench/harness/run-program';
import { infoText, parseInfo } from './info-fields';
import {
  call, commandFor, copyDir, digest, dirFingerprint, type Kind, kill9, shutdown, startOn, tempDir, waitRewriteDone, writeDataset,
} from './aof-helpers';

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  main();
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

}
