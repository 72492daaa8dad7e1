/*
 * Differential tests for expiry (issue 2): the EXPIRE family with NX|XX|GT|LT, the TTL readers,
 * PERSIST, edge values, and keys disappearing both lazily (on access) and actively (the periodic
 * sampling cycle), which is observable through DBSIZE without touching the keys.
 *
 * Waiting for time to pass is unavoidable here; waits are short and conditions are polled with a
 * deadline, so a slow CI machine makes the test slower, not flaky.
 */

import t from 'tap';
import { approx, dualRun, error, sleep, sorted, until } from './harness';

const dual = dualRun(t);

const nowSec = (): number => Math.floor(Date.now() / 1000);

dual.case('EXPIRE PEXPIRE and the TTL readers', [
  ['SET', 'k', 'v'],
  ['TTL', 'k'],
  ['PTTL', 'k'],
  ['EXPIRETIME', 'k'],
  ['PEXPIRETIME', 'k'],
  ['TTL', 'missing'],
  ['PTTL', 'missing'],
  ['EXPIRETIME', 'missing'],
  ['PEXPIRETIME', 'missing'],
  ['EXPIRE', 'k', '100'],
  approx(1, 'TTL', 'k'),
  approx(1000, 'PTTL', 'k'),
  approx(2, 'EXPIRETIME', 'k'),
  approx(2000, 'PEXPIRETIME', 'k'),
  ['PEXPIRE', 'k', '50000'],
  approx(1, 'TTL', 'k'),
  ['EXPIRE', 'missing', '100'],
  ['PEXPIRE', 'missing', '100'],
  ['EXPIREAT', 'k', String(nowSec() + 500)],
  approx(2, 'TTL', 'k'),
  ['EXPIREAT', 'k', '4102444800'],
  ['EXPIRETIME', 'k'],
  ['PEXPIREAT', 'k', '4102444800123'],
  ['PEXPIRETIME', 'k'],
  ['EXPIRETIME', 'k'],
  ['PERSIST', 'k'],
  ['PERSIST', 'k'],
  ['PERSIST', 'missing'],
  ['TTL', 'k'],
  error('EXPIRE', 'k'),
  error('EXPIRE', 'k', 'abc'),
  error('EXPIRE', 'k', '1.5'),
  error('PEXPIRE', 'k', ''),
  error('TTL'),
  error('PERSIST'),
  error('EXPIRETIME'),
]);

dual.case('zero, negative and past times delete the key', [
  ['SET', 'a', 'v'],
  ['EXPIRE', 'a', '0'],
  ['EXISTS', 'a'],
  ['SET', 'b', 'v'],
  ['PEXPIRE', 'b', '-100'],
  ['GET', 'b'],
  ['SET', 'c', 'v'],
  ['EXPIREAT', 'c', '1'],
  ['EXISTS', 'c'],
  ['SET', 'd', 'v'],
  ['PEXPIREAT', 'd', '0'],
  ['EXISTS', 'd'],
  ['SET', 'e', 'v'],
  ['EXPIREAT', 'e', '-1'],
  ['EXISTS', 'e'],
  ['DBSIZE'],
]);

dual.case('overflowing times', [
  ['SET', 'k', 'v'],
  error('EXPIRE', 'k', '9223372036854775807'),
  error('EXPIRE', 'k', '9223372036854775'),
  error('PEXPIRE', 'k', '9223372036854775807'),
  error('EXPIREAT', 'k', '9223372036854775807'),
  error('EXPIRE', 'k', '-9223372036854775808'),
  error('PEXPIREAT', 'k', '9223372036854775808'),
  ['PEXPIREAT', 'k', '9223372036854775807'],
  ['PEXPIRETIME', 'k'],
  ['SET', 'k', 'v'],
  ['EXPIRE', 'k', '-9223372036854775'],
  ['EXISTS', 'k'],
  ['SET', 'k', 'v'],
  ['PEXPIRE', 'k', '-9223372036854775808'],
  ['EXISTS', 'k'],
  ['SET', 'k', 'v'],
  ['EXPIRE', 'k', '922337203685477'],
  ['EXISTS', 'k'],
]);

dual.case('NX XX GT LT', [
  ['SET', 'k', 'v'],
  ['EXPIRE', 'k', '100', 'XX'],
  ['EXPIRE', 'k', '100', 'GT'],
  ['TTL', 'k'],
  ['EXPIRE', 'k', '100', 'LT'],
  approx(1, 'TTL', 'k'),
  ['EXPIRE', 'k', '200', 'NX'],
  ['EXPIRE', 'k', '200', 'XX'],
  approx(1, 'TTL', 'k'),
  ['EXPIRE', 'k', '100', 'GT'],
  ['EXPIRE', 'k', '300', 'GT'],
  approx(1, 'TTL', 'k'),
  ['EXPIRE', 'k', '400', 'LT'],
  ['EXPIRE', 'k', '50', 'LT'],
  approx(1, 'TTL', 'k'),
  ['PEXPIRE', 'k', '10000', 'lt'],
  ['PEXPIREAT', 'k', String(Date.now() + 900_000), 'gt'],
  approx(2, 'TTL', 'k'),
  ['EXPIREAT', 'k', String(nowSec() + 10), 'NX'],
  ['EXPIRE', 'missing', '10', 'XX'],
  ['EXPIRE', 'missing', '10', 'NX'],
  ['EXPIRE', 'missing', '10', 'GT'],
  ['EXPIRE', 'missing', '10', 'LT'],
  error('EXPIRE', 'k', '10', 'NX', 'XX'),
  error('EXPIRE', 'k', '10', 'GT', 'LT'),
  error('EXPIRE', 'k', '10', 'NX', 'GT'),
  error('EXPIRE', 'k', '10', 'XX', 'NX'),
  error('PEXPIRE', 'k', '10', 'BOGUS'),
  ['EXPIRE', 'k', '10', 'XX', 'GT'],
  ['EXPIRE', 'k', '10', 'XX', 'LT'],
  ['EXPIRE', 'k', '10', 'LT', 'LT'],
  ['PERSIST', 'k'],
  ['EXPIRE', 'k', '10', 'GT'],
  ['EXPIRE', 'k', '10', 'LT'],
  approx(1, 'TTL', 'k'),
  ['EXPIRE', 'k', '-1', 'GT'],
  ['EXISTS', 'k'],
  ['SET', 'k', 'v', 'EX', '100'],
  ['EXPIRE', 'k', '-1', 'LT'],
  ['EXISTS', 'k'],
]);

dual.case('writes that drop or keep the TTL', [
  ['SET', 'k', 'v', 'EX', '100'],
  ['SET', 'k', 'w'],
  ['TTL', 'k'],
  ['SET', 'k', '1', 'EX', '100'],
  ['INCR', 'k'],
  ['APPEND', 'k', '0'],
  ['SETRANGE', 'k', '0', '5'],
  approx(1, 'TTL', 'k'),
  ['GETSET', 'k', 'x'],
  ['TTL', 'k'],
  ['SET', 'k', 'v', 'EX', '100'],
  ['RENAME', 'k', 'k2'],
  approx(1, 'TTL', 'k2'),
  ['GETDEL', 'k2'],
  ['TTL', 'k2'],
]);

dual.case('lazy expiry: an expired key is gone on access', [
  ['SET', 'k', 'v', 'PX', '40'],
  ['SET', 'keep', 'v'],
  approx(40, 'PTTL', 'k'),
  sleep(80),
  ['GET', 'k'],
  ['TTL', 'k'],
  ['EXISTS', 'k'],
  ['SET', 'k', 'v', 'PX', '40'],
  sleep(80),
  sorted('KEYS', '*'),
  ['SET', 'k', 'v', 'PX', '40'],
  sleep(80),
  ['SET', 'k', 'new', 'NX'],
  ['GET', 'k'],
  ['SET', 'e', '5', 'PX', '40'],
  sleep(80),
  ['EXPIRE', 'e', '100'],
  ['PERSIST', 'e'],
  ['EXISTS', 'e'],
]);

dual.case('lazy expiry with the active cycle off: DBSIZE counts a key until it is touched', [
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
  ['SET', 'a', 'v', 'PX', '30'],
  ['SET', 'b', 'v', 'PX', '30'],
  ['SET', 'c', 'v'],
  sleep(80),
  ['DBSIZE'],
  ['GET', 'a'],
  ['DBSIZE'],
  ['EXISTS', 'b'],
  ['DBSIZE'],
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
]);

dual.case('active expiry: keys disappear without being touched', [
  ['MSET', 'k1', 'v', 'k2', 'v', 'k3', 'v', 'k4', 'v', 'k5', 'v', 'keep', 'v'],
  ['PEXPIRE', 'k1', '50'],
  ['PEXPIRE', 'k2', '60'],
  ['PEXPIRE', 'k3', '70'],
  ['PEXPIRE', 'k4', '80'],
  ['PEXPIRE', 'k5', '90'],
  ['DBSIZE'],
  until(':1\r\n', ['DBSIZE'], 5_000),
  ['INFO', 'keyspace'],
]);

dual.case('active expiry of many keys', async (pair) => {
  const args: string[] = ['MSET'];
  for (let i = 0; i < 500; i++) args.push(`key:${i}`, 'v');
  await pair.do(...args);
  for (let i = 0; i < 500; i++) await pair.do('PEXPIRE', `key:${i}`, String(20 + (i % 50)));
  await pair.step(until(':0\r\n', ['DBSIZE'], 10_000));
});

dual.case('expiry in another database', [
  ['SELECT', '3'],
  ['SET', 'k', 'v', 'PX', '30'],
  ['SELECT', '0'],
  ['SET', 'k', 'v'],
  ['SELECT', '3'],
  until(':0\r\n', ['DBSIZE'], 5_000),
  ['SELECT', '0'],
  ['GET', 'k'],
]);

/** One INFO stats field as a number. */
async function statOf(client: { call(...argv: string[]): Promise<Buffer> }, field: string): Promise<number> {
  const text = (await client.call('INFO', 'stats')).toString('latin1');
  const match = new RegExp(`\\r\\n${field}:([0-9.]+)\\r\\n`).exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

// A mass expiry outlasts one cycle's time budget (25 ms at hz 10): both servers stop the cycle
// there, count it, and finish over the next ticks; the stale-key average moves up.
dual.case('a mass expiry is spread over cycles of limited time', async (pair, t) => {
  await pair.do('CONFIG', 'RESETSTAT');
  // 400,000 SETs in one script take seconds on a loaded machine, on either server: a deadline of
  // its own, not the harness's 5 s.
  const [r, h] = await pair.both(async (c) => {
    c.send('EVAL', "for i = 1, tonumber(ARGV[1]) do redis.call('SET', 'key:' .. i, 'v', 'PX', 1) end return 1", '0', '400000');
    return ((await c.readReplies(1, 60_000))[0] ?? Buffer.alloc(0)).toString('latin1');
  });
  t.same(h, r, 'the EVAL that writes the keys');
  await pair.step(until(':0\r\n', ['DBSIZE'], 60_000));
  for (const side of ['redis', 'target'] as const) {
    const client = pair.client(side);
    t.equal(await statOf(client, 'expired_keys'), 400000, `${side}: expired_keys`);
    t.ok(await statOf(client, 'expired_time_cap_reached_count') >= 1, `${side}: a cycle reached its time limit`);
    t.ok(await statOf(client, 'expire_cycle_cpu_milliseconds') >= 25, `${side}: expire_cycle_cpu_milliseconds counts the cycles' time`);
    t.ok(await statOf(client, 'expired_stale_perc') > 0, `${side}: expired_stale_perc rose`);
  }
});
