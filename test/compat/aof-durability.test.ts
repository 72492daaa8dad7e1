/*
 * The append-only file under failure, against real redis-server 7.0 where a comparison is
 * possible (helpers in aof-helpers.ts; formats and interop in aof.test.ts):
 *
 *   start-up failures     a torn tail (aof-load-truncated yes: cut and loaded as redis does, no:
 *                         refused), a corrupt middle (refused, no file changed): each case run
 *                         on copies of one directory by both servers, outcomes compared
 *   automatic rewrite     past auto-aof-rewrite-min-size and -percentage, on both servers
 *   write errors          the next incr file on /dev/full: MISCONF for the next writes, as redis
 *   BGSAVE / BGREWRITEAOF scheduled or refused while the other runs, replies compared
 *   kill -9               with appendfsync always and everysec, no acknowledged write is lost
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
      // redis-server accepts connections before it creates its AOF directory.
      for (let i = 0; i < 400 && !fs.existsSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest')); i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
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
