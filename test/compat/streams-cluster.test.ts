/*
 * Streams in cluster mode: XREAD and XREADGROUP find their keys after STREAMS through the
 * command table's key specs, so keys in different slots answer CROSSSLOT before anything runs
 * (also with BLOCK), and keys sharing a slot (a hash tag) run normally. Each server is a
 * one-node cluster owning every slot.
 */

import t from 'tap';
import { dualRun, error } from './harness';
import { RawClient } from '../../bench/harness/raw-client';
import { clusterOk } from '../helpers/cluster-ok';
import type { Arg } from '../../bench/harness/resp';

const dual = dualRun(t, { serverArgs: ['--cluster-enabled', 'yes'] });

const crossSlot: Arg[][] = [
  ['XREAD', 'STREAMS', 'a', 'b', '0', '0'],
  ['XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 'a', 'b', '$', '$'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', 'b', '>', '>'],
];

const sameSlot: Arg[][] = [
  ['XADD', '{t}a', '1-1', 'f', 'v'],
  ['XADD', '{t}b', '2-1', 'f', 'v'],
  ['XREAD', 'STREAMS', '{t}a', '{t}b', '0', '0'],
  ['XGROUP', 'CREATE', '{t}a', 'g', '0'],
  ['XGROUP', 'CREATE', '{t}b', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', '{t}a', '{t}b', '>', '>'],
  ['XINFO', 'GROUPS', '{t}b'],
  ['XREAD', 'BLOCK', '10', 'STREAMS', '{t}a', '{t}b', '$', '$'],
];

dual.case('CROSSSLOT for streams in different slots; streams of one slot are read', async (pair) => {
  await pair.do('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await pair.both((c) => clusterOk(c));
  for (const argv of crossSlot) await pair.step(error(...argv));
  for (const argv of sameSlot) await pair.do(...argv);
});

/*
 * Routing finds XREAD's keys as Redis's getkeys procedure does: a list of streams and IDs that
 * does not split in two has no keys, so the call runs where it was sent and answers "Unbalanced"
 * rather than a redirect. Here the streams' slot (7365, of "c") is served by nobody.
 */
dual.case('an unbalanced XREAD list is not routed', async (pair) => {
  await pair.do('CLUSTER', 'DELSLOTS', '7365');
  for (const argv of [
    ['XREAD', 'STREAMS', 'c', '{c}x', '0'],
    ['XREAD', 'STREAMS', 'c', '0', '0'],
    ['XREAD', 'BLOCK', '0', 'STREAMS', 'c', '{c}x', '0'],
    ['XREAD', 'COUNT', '1', 'STREAMS', 'c', 'STREAMS', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'c', '{c}x', '0'],
    ['XREADGROUP', 'GROUP', 'g', 'c', 'NOACK', 'STREAMS', 'c', '{c}x', '0'],
    ['XREAD', 'FOO', 'STREAMS', 'c', '0'],
    ['XREAD', 'STREAMS', 'c', '{c}x', '0', '0'],
    ['XREADGROUP', 'GROUP', 'streams', 'c', 'STREAMS', 'c', '0'],
  ]) {
    await pair.step(error(...argv));
  }
  await pair.do('COMMAND', 'GETKEYS', 'XREAD', 'STREAMS', 'c', '{c}x', '0');
  await pair.do('CLUSTER', 'ADDSLOTS', '7365');
});
