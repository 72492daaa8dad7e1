/*
 * Differential tests for DEBUG's test hooks and the client-eviction report: AOF-FLUSH-SLEEP,
 * REPLYBUFFER RESIZING / PEAK-RESET-TIME, LEAK and CLIENT-EVICTION, their replies and errors
 * compared exactly, and what each changes: a reply buffer left unshrunk by the clients cron, an
 * AOF write that stalls the server, a client moving into a bucket after its first command.
 *
 * The hooks are server-wide; every case sets back what it changed.
 */

import t from 'tap';
import { dualRun, error, reconnect, sleep } from './harness';
import type { RawClient } from '../../bench/harness/raw-client';

const dual = dualRun(t, { serverArgs: ['--enable-debug-command', 'yes'] });

dual.case('replies and errors', [
  ['DEBUG', 'LEAK', 'some bytes'],
  error('DEBUG', 'LEAK'),
  error('DEBUG', 'LEAK', 'a', 'b'),
  ['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'never'],
  ['DEBUG', 'REPLYBUFFER', 'peak-reset-time', '100'],
  ['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', '-5'],
  error('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'abc'),
  error('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', '1.5'),
  ['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'RESET'],
  ['DEBUG', 'REPLYBUFFER', 'RESIZING', 'abc'],
  ['DEBUG', 'REPLYBUFFER', 'RESIZING', '2'],
  ['DEBUG', 'REPLYBUFFER', 'RESIZING', '1'],
  error('DEBUG', 'REPLYBUFFER', 'RESIZING'),
  error('DEBUG', 'REPLYBUFFER', 'SIZE', '1'),
  error('DEBUG', 'REPLYBUFFER'),
  ['DEBUG', 'AOF-FLUSH-SLEEP', 'abc'],
  ['DEBUG', 'AOF-FLUSH-SLEEP', '0'],
  error('DEBUG', 'AOF-FLUSH-SLEEP'),
  error('DEBUG', 'CLIENT-EVICTION'),
  error('DEBUG', 'CLIENT-EVICTION', 'x'),
]);

dual.case('CLIENT-EVICTION: the caller is bucketed after its first command, NO-EVICT leaves the buckets', [
  ['CONFIG', 'SET', 'maxmemory-clients', '10mb'],
  ['DEBUG', 'CLIENT-EVICTION'],
  ['SET', 'k', 'v'.repeat(100)],
  ['DEBUG', 'CLIENT-EVICTION'],
  ['CLIENT', 'NO-EVICT', 'on'],
  ['DEBUG', 'CLIENT-EVICTION'],
  ['CLIENT', 'NO-EVICT', 'off'],
  ['CONFIG', 'SET', 'maxmemory-clients', '10%'],
  ['DEBUG', 'CLIENT-EVICTION'],
  ['CONFIG', 'SET', 'maxmemory-clients', '0'],
  error('DEBUG', 'CLIENT-EVICTION'),
]);

/** The rbs= and rbp= fields of the connection's CLIENT INFO. */
async function replyBufferFields(c: RawClient): Promise<string> {
  const info = (await c.call('CLIENT', 'INFO')).toString('latin1');
  return /rbs=\d+ rbp=\d+/.exec(info)?.[0] ?? info;
}

dual.case('REPLYBUFFER RESIZING 0: the clients cron leaves the reply buffer alone', async (pair, tt) => {
  await pair.step(['DEBUG', 'REPLYBUFFER', 'RESIZING', '0']);
  // A connection made after the hook is set: the case's own connection may already have met a
  // cron pass (redis-server 7.0 resets a new client's peak on its first one).
  await pair.step(reconnect());
  // Several cron passes (hz 10): with resizing on, the first resets the peak and the next shrinks.
  await pair.step(sleep(500));
  const [r, h] = await pair.both(replyBufferFields);
  tt.equal(r, 'rbs=16384 rbp=16384', 'redis-server: untouched');
  tt.equal(h, r, 'hashslot: untouched');
  await pair.step(['DEBUG', 'REPLYBUFFER', 'RESIZING', '1']);
  await pair.step(sleep(500));
  // Only the size is compared here: rbp is the last reply (+OK, 5 bytes) or 0, depending on
  // whether a peak reset fell after that reply, which is cron timing on either server.
  const [r2, h2] = await pair.both(async (c) => (await replyBufferFields(c)).split(' ')[0]);
  tt.equal(r2, 'rbs=1024', 'redis-server: shrunk once resizing is back on');
  tt.equal(h2, r2, 'hashslot: the same size');
});

dual.case('REPLYBUFFER PEAK-RESET-TIME NEVER: the peak stays, so the buffer is not shrunk', async (pair, tt) => {
  await pair.step(['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'NEVER']);
  // As above: only a connection made after NEVER is sure never to have had its peak reset.
  await pair.step(reconnect());
  await pair.step(sleep(500));
  const [r, h] = await pair.both(replyBufferFields);
  tt.equal(r, 'rbs=16384 rbp=16384', 'redis-server: untouched');
  tt.equal(h, r, 'hashslot: untouched');
  await pair.step(['DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'RESET']);
});

dual.case('AOF-FLUSH-SLEEP stalls each AOF write: a SET waits for it', async (pair, tt) => {
  await pair.step(['CONFIG', 'SET', 'appendonly', 'yes']);
  // The AOF turns on once its first rewrite is done.
  await pair.both(async (c) => {
    const deadline = Date.now() + 10_000;
    while (!/aof_enabled:1\r\n[\s\S]*aof_rewrite_in_progress:0/.test((await c.call('INFO', 'persistence')).toString('latin1'))) {
      if (Date.now() > deadline) throw new Error('the AOF did not turn on');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  await pair.step(['DEBUG', 'AOF-FLUSH-SLEEP', '300000']);
  const [r, h] = await pair.both(async (c) => {
    const started = Date.now();
    const reply = (await c.call('SET', 'k', 'v')).toString('latin1');
    return `${reply.trim()} after ${Date.now() - started >= 250 ? 'at least 250 ms' : `${Date.now() - started} ms`}`;
  });
  tt.equal(r, '+OK after at least 250 ms', 'redis-server stalls');
  tt.equal(h, r, 'hashslot stalls');
  await pair.step(['DEBUG', 'AOF-FLUSH-SLEEP', '0']);
  await pair.step(['CONFIG', 'SET', 'appendonly', 'no']);
});
