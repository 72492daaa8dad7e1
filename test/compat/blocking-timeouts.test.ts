/*
 * Differential tests for blocking timeouts under one millisecond (issue 11). Redis 7.0 turns the
 * timeout's seconds into milliseconds by rounding up (ceill), so any positive timeout waits at
 * least 1 ms and then answers the null reply at its next timeout check (within about 100 ms at hz
 * 10); hashslot used to truncate such a timeout to 0, which means "wait forever". Each of the
 * eight blocking pops, on a missing key, must answer what Redis answers, well within a deadline.
 * Negative timeouts above -1 ms stay "forever" on both (ceil(-0.5) is 0): that side is covered
 * in blocking-lists.test.ts's argument table.
 */

import t from 'tap';
import type { Arg } from '../../bench/harness/resp';
import { dualRun, type Pair } from './harness';

const dual = dualRun(t);

/** Redis answers within about 100 ms; a server that blocks forever fails here, not at tap's timeout. */
const REPLY_DEADLINE_MS = 2_000;

/** Every blocking pop, on keys that do not exist, with the given timeout. */
function blockingPops(timeout: string): Arg[][] {
  return [
    ['BLPOP', 'list', timeout],
    ['BRPOP', 'list', 'other', timeout],
    ['BLMOVE', 'list', 'dst', 'LEFT', 'RIGHT', timeout],
    ['BRPOPLPUSH', 'list', 'dst', timeout],
    ['BLMPOP', timeout, '1', 'list', 'LEFT'],
    ['BZPOPMIN', 'zset', timeout],
    ['BZPOPMAX', 'zset', 'other', timeout],
    ['BZMPOP', timeout, '1', 'zset', 'MIN', 'COUNT', '2'],
  ];
}

/** Sends `argv` to both and compares the replies; false when hashslot gave none in time. */
async function answersLikeRedis(pair: Pair, argv: Arg[]): Promise<boolean> {
  const [r, h] = await pair.both(async (c) => {
    c.send(...argv);
    const [reply] = await c.readReplies(1, REPLY_DEADLINE_MS);
    return (reply ?? Buffer.alloc(0)).toString('latin1');
  });
  pair.same(h instanceof Error ? h.message : h, r, argv.join(' '));
  // A connection still blocked holds every later request: the rest of the case would only repeat this.
  return !(h instanceof Error);
}

for (const timeout of ['0.001', '0.0001']) {
  dual.case(`every blocking pop with timeout ${timeout} answers null`, async (pair) => {
    for (const argv of blockingPops(timeout)) if (!(await answersLikeRedis(pair, argv))) return;
    await pair.do('EXISTS', 'list', 'dst', 'zset');
  });
}

dual.case('sub-millisecond timeouts in other spellings', async (pair) => {
  for (const timeout of ['1e-10', '0x1p-20', '0.0009', '0.00099999999999999999999', '+.0005']) {
    if (!(await answersLikeRedis(pair, ['BLPOP', 'list', timeout]))) return;
  }
});

dual.case(
  'every blocking pop with timeout 0.001 answers null (RESP3)',
  async (pair) => {
    for (const argv of blockingPops('0.001')) if (!(await answersLikeRedis(pair, argv))) return;
  },
  { resp3: true },
);
