/*
 * Differential test for MONITOR: one connection monitors while another runs a script of
 * commands, on redis-server and on hashslot; the monitor's lines must match once the time stamp
 * and the client's port are masked. Covers the line format and argument escaping, the database
 * a command leaves the client in, MULTI/EXEC order, a script's commands (`lua`) after its EVAL,
 * redacted secrets, what is never shown (admin commands, unknown and wrong-arity commands), and
 * the monitor's own limits (no keyspace commands, a second MONITOR ignored, RESET ends it, its
 * own QUIT not shown to it), and MONITOR refused inside MULTI/EXEC.
 */

import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import type { Arg } from '../../bench/harness/resp';
import { dualRun, type Pair, type Side } from './harness';

const dual = dualRun(t);

const SCRIPT: Arg[][] = [
  ['SET', 'k', 'v\n\x01"\\ x\t\r\x07\x08\xff'],
  ['SELECT', '2'],
  ['GET', 'k'],
  ['MULTI'],
  ['SET', 'a', '1'],
  ['INCR', 'a'],
  ['EXEC'],
  ['EVAL', "redis.call('set', 'x', 'y') return 1", '0'],
  ['AUTH', 'secret'],
  ['HELLO', '2', 'AUTH', 'default', 'pw'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['SLOWLOG', 'LEN'],
  ['NOSUCH', 'x'],
  ['GET'],
  ['PING'],
  ['CLIENT', 'ID'],
  ['ECHO', 'hi'],
  ['SET', 'n', '12345'],
  ['ACL', 'WHOAMI'],
  ['BLPOP', 'bl', '0.01'],
  // Refused before it runs (its flags, over maxmemory): never shown; a failing script is.
  ['CONFIG', 'SET', 'maxmemory', '1'],
  ['EVAL', '#!lua\nreturn 1', '0'],
  ['CONFIG', 'SET', 'maxmemory', '0'],
  ['EVALSHA', 'a'.repeat(40), '0'],
  ['EVAL', "redis.call('get', 'k') return redis.call('nosuch')", '0'],
  ['ECHO', 'done'],
];

/** The monitor's lines for SCRIPT, with time stamps and ports masked, then the monitor's own tries. */
async function watch(port: number): Promise<string[]> {
  const monitor = await RawClient.connect(port);
  const client = await RawClient.connect(port);
  try {
    const masked = (reply: Buffer | undefined): string =>
      (reply ?? Buffer.alloc(0)).toString('latin1').replace(/^\+\d+\.\d{6} \[(\d+) ([^\]]*?)(:\d+)?\]/, '+<time> [$1 $2]');
    const out = [masked(await monitor.call('MONITOR'))];
    for (const argv of SCRIPT) await client.call(...argv);
    // One line per shown command: read until the last one arrives.
    for (;;) {
      const [line] = await monitor.readReplies(1);
      const text = masked(line);
      out.push(text);
      if (text.includes('"done"')) break;
    }
    out.push(masked(await monitor.call('GET', 'k')));
    monitor.send('MONITOR');
    // A monitor sees its own commands: PING's reply, then its own line.
    out.push(masked(await monitor.call('PING')));
    out.push(masked((await monitor.readReplies(1))[0]));
    out.push(masked(await monitor.call('RESET')));
    out.push(masked(await monitor.call('SELECT', '2')));
    out.push(masked(await monitor.call('GET', 'k')));
    // Inside EXEC a client cannot become a monitor (it stays an ordinary client).
    out.push(masked(await client.call('MULTI')), masked(await client.call('MONITOR')), masked(await client.call('EXEC')));
    out.push(masked(await client.call('GET', 'k')));
    // The monitor's own QUIT: the OK, and no line of it before the close.
    await monitor.call('MONITOR');
    monitor.send('QUIT');
    out.push(masked(await monitor.readUntilClose()));
    return out;
  } finally {
    monitor.close();
    client.close();
  }
}

dual.case('MONITOR lines, what they hide, and the monitor connection', async (pair: Pair) => {
  const [r, h] = await pair.both((_c, side: Side) => watch(side === 'redis' ? dual.running.redis.port : dual.running.target.port));
  pair.same(h, r, 'the monitor transcript');
});
