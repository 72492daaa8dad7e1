/*
 * The bitmap commands on a replicated pair: what the master puts in the replication stream, and
 * that the replica ends up with the same bytes.
 *
 * Redis 7.0 propagates SETBIT, BITFIELD and BITOP as they are, and only when they changed
 * something: a SETBIT that leaves its bit as it was (and does not grow the string), a BITFIELD
 * whose writes all store the value already there or are refused by OVERFLOW FAIL, and a BITOP
 * with an empty result on a missing destination propagate nothing. (Such a BITFIELD may still
 * create or extend the key on the master, unpropagated, as Redis does: `nk` below.) Each step
 * names what it must propagate; the master's offset must move by exactly the RESP length of that
 * (a keepalive PING that happens to fall in between is allowed for). The redis → redis
 * combination checks the table itself.
 */

import { forEachSyncedPair, none, runSteps, same, sameOnReplica, type Step } from './propagation-scaffold';
import { show, waitForSync } from './replication-harness';

const STEPS: readonly Step[] = [
  same('SETBIT', 'b', '7', '1'),
  none('SETBIT', 'b', '7', '1'),
  none('SETBIT', 'b', '0', '0'),
  same('SETBIT', 'b', '100', '0'),
  same('BITFIELD', 'b', 'SET', 'u8', '0', '255'),
  none('BITFIELD', 'b', 'SET', 'u8', '0', '255'),
  none('BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1'),
  same('BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1', 'INCRBY', 'u8', '0', '-2'),
  same('BITFIELD', 'b', 'OVERFLOW', 'SAT', 'INCRBY', 'i16', '#3', '100000', 'GET', 'u8', '0'),
  none('BITFIELD', 'b', 'GET', 'u8', '0'),
  none('BITFIELD_RO', 'b', 'GET', 'u8', '0'),
  none('BITFIELD', 'nk', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '10'),
  same('BITOP', 'OR', 'd', 'b', 'missing'),
  same('BITOP', 'AND', 'd', 'missing'),
  none('BITOP', 'AND', 'd', 'missing'),
  same('BITOP', 'NOT', 'd', 'b'),
];

forEachSyncedPair('bitmap commands are propagated as Redis propagates them', async (tt, master, replica) => {
  await runSteps(tt, master, STEPS);
  await waitForSync(master, replica);
  for (const key of ['b', 'd']) await sameOnReplica(tt, master, replica, ['GET', key], `GET ${key} on the replica`);
  tt.equal(show(await master.call('EXISTS', 'nk')), ':1', 'the refused BITFIELD created nk on the master');
  tt.equal(show(await replica.call('EXISTS', 'nk')), ':0', 'but not on the replica');
});
