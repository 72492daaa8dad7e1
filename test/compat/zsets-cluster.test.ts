/*
 * The multi-key sorted-set commands in cluster mode: their keys are found through the command
 * table's key specs (numkeys included), so keys in different slots answer CROSSSLOT before
 * anything runs, and keys sharing a slot (a hash tag) run normally. Each server is a one-node
 * cluster owning every slot. COMMAND GETKEYS is compared in zsets.test.ts.
 */

import t from 'tap';
import { dualRun, error } from './harness';
import { RawClient } from '../../bench/harness/raw-client';
import { clusterOk } from '../helpers/cluster-ok';
import type { Arg } from '../../bench/harness/resp';

const dual = dualRun(t, { serverArgs: ['--cluster-enabled', 'yes'] });

const crossSlot: Arg[][] = [
  ['ZUNIONSTORE', 'd', '2', 'a', 'b'],
  ['ZUNIONSTORE', '{a}d', '2', 'a', 'b'],
  ['ZINTERSTORE', 'a', '2', 'a', 'b'],
  ['ZDIFFSTORE', 'd', '1', 'a'],
  ['ZUNION', '2', 'a', 'b'],
  ['ZINTER', '2', 'a', 'b', 'WITHSCORES'],
  ['ZDIFF', '2', 'a', 'b'],
  ['ZINTERCARD', '2', 'a', 'b'],
  ['ZMPOP', '2', 'a', 'b', 'MIN'],
  ['BZMPOP', '0', '2', 'a', 'b', 'MIN'],
  ['BZPOPMIN', 'a', 'b', '0'],
  ['BZPOPMAX', 'a', 'b', '0'],
  ['ZRANGESTORE', 'd', 's', '0', '1'],
];

const sameSlot: Arg[][] = [
  ['ZADD', '{t}a', '1', 'x', '2', 'y'],
  ['ZADD', '{t}b', '3', 'y', '4', 'z'],
  ['ZUNIONSTORE', '{t}d', '2', '{t}a', '{t}b'],
  ['ZUNION', '2', '{t}a', '{t}b', 'WITHSCORES'],
  ['ZINTERCARD', '2', '{t}a', '{t}b'],
  ['ZMPOP', '2', '{t}missing', '{t}a', 'MIN'],
  ['BZMPOP', '0', '2', '{t}a', '{t}b', 'MAX'],
  ['ZRANGESTORE', '{t}r', '{t}d', '0', '1'],
  ['ZRANGE', '{t}r', '0', '-1', 'WITHSCORES'],
  ['ZUNION', '3', '{t}a', '{t}b', 'WITHSCORES'],
];

dual.case('CROSSSLOT for keys in different slots; keys of one slot run', async (pair) => {
  await pair.do('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await pair.both((c) => clusterOk(c));
  for (const argv of crossSlot) await pair.step(error(...argv));
  for (const argv of sameSlot) await pair.do(...argv);
});
