/*
 * Differential tests for MULTI / EXEC / DISCARD / WATCH / UNWATCH (issue 6): queuing, the
 * errors that doom a transaction, and WATCH broken by another client's write, an expiry, a
 * FLUSHALL or a SWAPDB. The second client of each side is opened in the case.
 */

import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import type { Arg } from '../../bench/harness/resp';
import { dualRun, error, shape, sleep, type Pair, type Side } from './harness';

const dual = dualRun(t);

dual.case('MULTI EXEC queues and runs in order', [
  ['MULTI'],
  ['SET', 'a', '1'],
  ['INCR', 'a'],
  ['GET', 'a'],
  ['INCR', 'missing-string-is-zero'],
  ['EXEC'],
  ['MULTI'],
  ['EXEC'],
]);

dual.case('errors outside and inside MULTI', [
  error('EXEC'),
  error('DISCARD'),
  ['MULTI'],
  error('MULTI'),
  error('WATCH', 'a'),
  ['SET', 'a', 'x'],
  ['INCR', 'a'],
  ['EXEC'],
  ['GET', 'a'],
  ['MULTI'],
  ['SHUTDOWN'],
  error('EXEC'),
  error('MULTI', 'extra'),
  error('EXEC', 'extra'),
]);

dual.case('a queuing error dooms the transaction', [
  ['MULTI'],
  ['SET', 'k', 'v'],
  error('SET', 'k'),
  error('NOSUCHCOMMAND', 'x'),
  error('EXEC'),
  ['EXISTS', 'k'],
]);

dual.case('DISCARD drops the queue and the watches', [
  ['MULTI'],
  ['SET', 'k', 'v'],
  ['DISCARD'],
  ['EXISTS', 'k'],
  ['WATCH', 'k'],
  ['UNWATCH'],
  ['MULTI'],
  ['PING'],
  ['DISCARD'],
]);

dual.case('RESP3 EXEC replies', [
  shape('HELLO', '3'),
  ['MULTI'],
  ['SET', 'r3', '1'],
  ['GET', 'r3'],
  ['EXEC'],
]);

/** Runs `steps` on a second connection of the same side. */
async function other(side: Side, steps: Arg[][]): Promise<string[]> {
  const port = side === 'redis' ? dual.running.redis.port : dual.running.target.port;
  const c = await RawClient.connect(port);
  try {
    const out: string[] = [];
    for (const argv of steps) out.push((await c.call(...argv)).toString('latin1'));
    return out;
  } finally {
    c.close();
  }
}

/** WATCH key, let `disturb` run on another connection, then MULTI/SET/EXEC: the replies. */
async function watchedExec(pair: Pair, setup: Arg[][], disturb: Arg[][], resp3 = false): Promise<void> {
  const [r, h] = await pair.both(async (c, side) => {
    const out: string[] = [];
    if (resp3) await c.call('HELLO', '3');
    for (const argv of setup) out.push((await c.call(...argv)).toString('latin1'));
    out.push((await c.call('WATCH', 'w')).toString('latin1'));
    out.push(...(await other(side, disturb)));
    for (const argv of [['MULTI'], ['SET', 'w', 'mine'], ['EXEC'], ['GET', 'w']] as Arg[][]) {
      out.push((await c.call(...argv)).toString('latin1'));
    }
    return out;
  });
  pair.same(h, r, `WATCH with ${JSON.stringify(disturb)}`);
}

dual.case('WATCH: untouched key lets EXEC run', (pair) => watchedExec(pair, [['SET', 'w', '0']], [['GET', 'w']]));
dual.case('WATCH: another client writes the key', (pair) => watchedExec(pair, [['SET', 'w', '0']], [['SET', 'w', 'theirs']]));
dual.case('WATCH: RESP3 null', (pair) => watchedExec(pair, [['SET', 'w', '0']], [['INCR', 'w']], true));
dual.case('WATCH: a missing key created', (pair) => watchedExec(pair, [['DEL', 'w']], [['SET', 'w', 'new']]));
dual.case('WATCH: a DEL of a missing key is no write', (pair) => watchedExec(pair, [['DEL', 'w']], [['DEL', 'w']]));
dual.case('WATCH: EXPIRE and PERSIST', (pair) => watchedExec(pair, [['SET', 'w', '0']], [['EXPIRE', 'w', '100']]));
dual.case('WATCH: FLUSHALL', (pair) => watchedExec(pair, [['SET', 'w', '0']], [['FLUSHALL']]));
dual.case('WATCH: FLUSHDB of an empty key space', (pair) => watchedExec(pair, [['FLUSHALL']], [['FLUSHDB']]));
dual.case('WATCH: SWAPDB', (pair) => watchedExec(pair, [['SET', 'w', '0']], [['SWAPDB', '0', '1'], ['SWAPDB', '0', '1']]));
dual.case('WATCH: a write in another db does not count', (pair) =>
  watchedExec(pair, [['SET', 'w', '0']], [['SELECT', '1'], ['SET', 'w', 'elsewhere'], ['DEL', 'w']]),
);

dual.case('WATCH: a key that expires before EXEC', [
  ['SET', 'w', 'v', 'PX', '50'],
  ['WATCH', 'w'],
  sleep(120),
  ['MULTI'],
  ['SET', 'other', '1'],
  ['EXEC'],
  ['EXISTS', 'other'],
]);

dual.case('WATCH: a key already expired when watched', [
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
  ['SET', 'w', 'v', 'PX', '1'],
  sleep(20),
  ['WATCH', 'w'],
  ['MULTI'],
  ['SET', 'other2', '1'],
  ['EXEC'],
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
]);
