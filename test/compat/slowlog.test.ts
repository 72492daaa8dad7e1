/*
 * Differential tests for SLOWLOG: with `slowlog-log-slower-than 0` every command is logged, so
 * both servers' logs list the same commands, in the same order, with the same (redacted,
 * truncated) arguments and client names; what differs between two servers by nature (the
 * entry's time, its duration, the client's port) is masked. Also GET's count, LEN, RESET,
 * slowlog-max-len, a negative threshold, HELP and the errors, in RESP2 and RESP3. A blocked
 * command is logged when it is served, after the push that served it; one that times out is not.
 */

import t from 'tap';
import { check, dualRun, error, type Step } from './harness';
import { inBothProtocols } from './random-picks';
import { escapeMultiline, parseReply, type RespNode } from '../../bench/harness/resp';
import { RawClient } from '../../bench/harness/raw-client';
import type { Comparator } from './compare';

const dual = dualRun(t);

/** An entry with its time, duration and client port masked: [id, args..., addr host, name]. */
function maskedEntry(entry: RespNode): string {
  const [, , , args, addr, name] = entry.items;
  const argText = (args?.items ?? []).map((a) => escapeMultiline(a.raw)).join('');
  const host = (addr?.text.toString('latin1') ?? '').replace(/:\d+$/, ':<port>');
  return `entry ${argText} ${host} ${name === undefined ? '' : escapeMultiline(name.raw)}`;
}

/** SLOWLOG GET's reply with what cannot match masked. */
const entries: Comparator = (redis, target) => {
  const render = (b: Buffer): string => {
    try {
      const node = parseReply(b);
      if (node.type !== '*') return escapeMultiline(b);
      return node.items.map(maskedEntry).join('\n');
    } catch {
      return escapeMultiline(b);
    }
  };
  return { expected: render(redis), actual: render(target) };
};

const get = (...count: string[]): Step => check(entries, 'SLOWLOG', 'GET', ...count);
const LONG = 'x'.repeat(300);
const MANY = Array.from({ length: 40 }, (_, i) => String(i));

inBothProtocols(dual, 'every command logged at threshold 0: order, arguments, redaction, names', [
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
  ['SLOWLOG', 'RESET'],
  ['SET', 'k', 'v'],
  ['CLIENT', 'SETNAME', 'logger'],
  ['GET', 'k'],
  ['SET', 'big', LONG],
  ['RPUSH', 'l', ...MANY],
  ['MULTI'],
  ['SET', 'x', '1'],
  ['GET', 'x'],
  ['EXEC'],
  ['EVAL', "redis.call('set', 'a', 'b') return 1", '0'],
  error('AUTH', 'nobody-knows'),
  error('AUTH', 'someone', 'secret'),
  ['CONFIG', 'SET', 'masterauth', 'hidden'],
  ['CONFIG', 'SET', 'masterauth', ''],
  error('MIGRATE', '127.0.0.1', '1', 'k', '0', '10', 'AUTH2', 'user', 'secret'),
  ['ACL', 'SETUSER', 'bob', 'on', '>pw', '~*'],
  ['ACL', 'DELUSER', 'bob'],
  ['SLOWLOG', 'LEN'],
  get('100'),
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
]);

dual.case('GET counts, LEN, RESET, max-len, a negative threshold, HELP and errors', [
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'],
  ['CONFIG', 'SET', 'slowlog-max-len', '5'],
  ['SLOWLOG', 'RESET'],
  ...Array.from({ length: 8 }, (_, i): Step => ['SET', `k${i}`, 'v']),
  ['SLOWLOG', 'LEN'],
  get(),
  get('2'),
  get('0'),
  get('-1'),
  error('SLOWLOG', 'GET', '-2'),
  error('SLOWLOG', 'GET', 'abc'),
  error('SLOWLOG', 'GET', '1', '2'),
  error('SLOWLOG', 'LEN', 'x'),
  error('SLOWLOG', 'FOO'),
  error('SLOWLOG'),
  ['SLOWLOG', 'HELP'],
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '-1'],
  ['SLOWLOG', 'RESET'],
  ['SET', 'not', 'logged'],
  ['SLOWLOG', 'LEN'],
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
  ['CONFIG', 'SET', 'slowlog-max-len', '128'],
]);

dual.case('a fast command under the default threshold is not logged', [
  ['SLOWLOG', 'RESET'],
  ['SET', 'k', 'v'],
  ['GET', 'k'],
  ['SLOWLOG', 'LEN'],
]);

/** 30,000 pairs: milliseconds on either server, past a 1 ms threshold even on a quiet machine. */
const MANY_PAIRS = Array.from({ length: 30_000 }, (_, i) => [`m${i}`, 'v']).flat();

// hashslot leaves writes of a few arguments untimed at thresholds of 1 ms and up (slowlog.ts):
// an MSET of many pairs must still be timed and logged.
dual.case('an MSET of many pairs is logged at a 1 ms threshold', [
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '1000'],
  ['SLOWLOG', 'RESET'],
  ['MSET', ...MANY_PAIRS],
  ['SLOWLOG', 'LEN'],
  ['CONFIG', 'SET', 'slowlog-log-slower-than', '10000'],
]);

/** Whether the server has `count` blocked clients (a reply that is the same on both servers). */
const BLOCKED = "return redis.call('INFO', 'clients'):match('blocked_clients:(%d+)')";

dual.case('a blocked command is logged when served, after the push; a timed-out one is not', async (pair, tt) => {
  const ports = { redis: dual.running.redis.port, target: dual.running.target.port };
  await pair.both(async (client, side) => {
    const blocked = await RawClient.connect(ports[side]);
    try {
      blocked.send('BLPOP', 'l', '0');
      for (let i = 0; (await client.call('EVAL', BLOCKED, '0')).toString('latin1') !== '$1\r\n1\r\n'; i++) {
        if (i > 500) throw new Error(`${side}: the BLPOP never blocked`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await client.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
      await client.call('SLOWLOG', 'RESET');
      await client.call('RPUSH', 'l', 'a');
      await blocked.readReplies(1);
      await blocked.call('BLPOP', 'nothing', '0.05');
      await client.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    } finally {
      blocked.close();
    }
  });
  await pair.step(get('10'));
  tt.pass('both logs compared');
});
