/*
 * Differential tests for DEBUG PAUSE-CRON: what stops with the server cron and what does not.
 *
 *   stops      the slow active expire cycle (keys past their deadline stay), idle clients'
 *              `timeout`, Redis's cached LRU clock (OBJECT IDLETIME stays 0)
 *   goes on    the fast expire cycle of beforeSleep, but only after a cycle that ran out of time:
 *              a high expired_stale_perc alone does not start it in Redis 7.0
 *
 * Timing-dependent by nature: the waits are long compared to a cron tick (100 ms), and what is
 * compared is what both servers must show (a count that stayed, a count that fell), not rates.
 * Every case sets PAUSE-CRON back to 0.
 */

import t from 'tap';
import { check, dualRun, sleep, until, type Pair } from './harness';
import type { Comparator } from './compare';
import { escapeMultiline } from '../../bench/harness/resp';
import { delay } from '../../bench/harness/server-process';
import type { RawClient } from '../../bench/harness/raw-client';
import * as net from 'node:net';

const dual = dualRun(t, { serverArgs: ['--enable-debug-command', 'yes'] });

/** Sends `commands` pipelined on both servers and waits for all the replies (not compared). */
async function onBoth(pair: Pair, commands: ReadonlyArray<readonly string[]>): Promise<void> {
  await pair.both(async (c) => {
    for (const argv of commands) c.send(...argv);
    await c.readReplies(commands.length, 60_000);
  });
}

async function infoField(c: RawClient, name: string): Promise<number> {
  const info = (await c.call('INFO', 'stats')).toString('latin1');
  return Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? NaN);
}

/** DEBUG OBJECT's lru_seconds_idle alone. */
const idleOnly: Comparator = (redis, target) => {
  const idle = (b: Buffer): string => /lru_seconds_idle:\d+/.exec(b.toString('latin1'))?.[0] ?? escapeMultiline(b);
  return { expected: idle(redis), actual: idle(target) };
};

/** An integer reply above 0 (an idle time that grew again), whatever its value. */
const positive: Comparator = (redis, target) => {
  const shown = (b: Buffer): string => (/^:[1-9]\d*\r\n$/.test(b.toString('latin1')) ? ':<positive>' : escapeMultiline(b));
  return { expected: shown(redis), actual: shown(target) };
};

dual.case('keys past their deadline stay while the cron is paused, and go once it runs', [
  ['DEBUG', 'PAUSE-CRON', '1'],
  ['SET', 'k', 'v', 'PX', '100'],
  ['SET', 'k2', 'v', 'PX', '100'],
  sleep(1500),
  ['DBSIZE'],
  ['DEBUG', 'PAUSE-CRON', '0'],
  until(':0\r\n', ['DBSIZE']),
]);

dual.case('the LRU clock stops: idle times stay 0', [
  ['DEBUG', 'PAUSE-CRON', '1'],
  ['SET', 'k', 'v'],
  sleep(2200),
  ['OBJECT', 'IDLETIME', 'k'],
  check(idleOnly, 'DEBUG', 'OBJECT', 'k'),
  // atoi("abc") is 0: the cron runs again, and with its first tick the clock catches up.
  ['DEBUG', 'PAUSE-CRON', 'abc'],
  sleep(300),
  check(positive, 'OBJECT', 'IDLETIME', 'k'),
]);

dual.case('idle clients outlive `timeout` while the cron is paused', async (pair, tt) => {
  await pair.step(['CONFIG', 'SET', 'timeout', '1']);
  await pair.step(['DEBUG', 'PAUSE-CRON', '1']);
  const closedAfter = async (_c: RawClient, side: string): Promise<string> => {
    const port = side === 'redis' ? dual.running.redis.port : dual.running.target.port;
    const idle = net.connect(port, '127.0.0.1');
    let closed = false;
    idle.on('close', () => (closed = true));
    idle.on('error', () => undefined);
    idle.resume();
    idle.write('PING\r\n');
    await delay(2500);
    const whilePaused = closed;
    idle.destroy();
    return `closed while paused: ${whilePaused}`;
  };
  const [r, h] = await pair.both(closedAfter);
  tt.equal(r, 'closed while paused: false', 'redis-server keeps the idle client');
  tt.equal(h, r, 'hashslot keeps it too');
  await pair.step(['DEBUG', 'PAUSE-CRON', '0']);
  await pair.step(['CONFIG', 'SET', 'timeout', '0']);
});

dual.case('a high expired_stale_perc alone does not start the fast cycle', async (pair, tt) => {
  await pair.step(['CONFIG', 'RESETSTAT']);
  // Cycles that each find every sampled key expired: the average climbs past 10%.
  for (let round = 0; round < 12; round++) {
    await onBoth(pair, Array.from({ length: 300 }, (_, i) => ['SET', `r${round}:${i}`, 'v', 'PX', '1']));
    await delay(100);
  }
  // The cron is paused before the keys are written: on a busy machine a tick falling between
  // two reads of the SETs could otherwise expire some of them in an ordinary slow cycle.
  await onBoth(pair, [['DEBUG', 'PAUSE-CRON', '1'], ...Array.from({ length: 3000 }, (_, i) => ['SET', `k${i}`, 'v', 'PX', '30'])]);
  const [r, h] = await pair.both(async (c) => {
    const stale = await infoField(c, 'expired_stale_perc');
    const capped = await infoField(c, 'expired_time_cap_reached_count');
    await delay(1000);
    return `stale above 10%: ${stale > 10}, capped: ${capped}, left: ${(await c.call('DBSIZE')).toString('latin1').trim()}`;
  });
  tt.equal(r, 'stale above 10%: true, capped: 0, left: :3000', 'redis-server: the keys stay');
  tt.equal(h, r, 'hashslot: the same');
  await pair.step(['DEBUG', 'PAUSE-CRON', '0']);
  await pair.step(until(':0\r\n', ['DBSIZE'], 10_000));
});

dual.case('after a cycle that ran out of time, the fast cycle goes on expiring while paused', async (pair, tt) => {
  const keys = 200_000;
  await pair.step(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
  await onBoth(pair, Array.from({ length: keys }, (_, i) => ['SET', `k${i}`, 'v', 'PX', '1']));
  await pair.step(sleep(20));
  await pair.step(['CONFIG', 'RESETSTAT']);
  await pair.step(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
  const [r, h] = await pair.both(async (c) => {
    // The first slow cycle over that many expired keys runs out of time.
    const deadline = Date.now() + 10_000;
    while ((await infoField(c, 'expired_time_cap_reached_count')) === 0 && Date.now() < deadline) await delay(2);
    await c.call('DEBUG', 'PAUSE-CRON', '1');
    const before = Number((await c.call('DBSIZE')).toString('latin1').slice(1));
    await delay(800);
    const after = Number((await c.call('DBSIZE')).toString('latin1').slice(1));
    return `some left when paused: ${before > 0}, fewer after: ${after < before}`;
  });
  tt.equal(r, 'some left when paused: true, fewer after: true', 'redis-server expires in beforeSleep');
  tt.equal(h, r, 'hashslot too');
  await pair.step(['DEBUG', 'PAUSE-CRON', '0']);
  await pair.step(until(':0\r\n', ['DBSIZE'], 20_000));
});
