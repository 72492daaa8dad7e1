/*
 * The list commands on a replicated pair: what the master puts in the replication stream, and
 * that the replica ends up with the same lists.
 *
 * Redis 7.0 propagates LMPOP as the LPOP/RPOP with the number of elements actually popped,
 * LMOVE and RPOPLPUSH as they are, and nothing at all for a command that changed nothing (LPOP k
 * 0, an LTRIM that keeps everything, an LREM or LINSERT that finds nothing, LMPOP on empty keys).
 * Each step below names what it must propagate; the master's offset must move by exactly the
 * RESP length of that (a keepalive PING that happens to fall in between is allowed for). The
 * redis → redis combination checks the table itself.
 */

import type { Arg } from '../../bench/harness/resp';
import { as, forEachSyncedPair, runSteps, same, sameKeysOnReplica, type Step } from './propagation-scaffold';

const STEPS: readonly Step[] = [
  same('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'),
  same('LMOVE', 'l', 'l2', 'left', 'right'),
  same('RPOPLPUSH', 'l', 'l2'),
  as(['LPOP', 'l', '2'], 'LMPOP', '2', 'nx', 'l', 'LEFT', 'COUNT', '2'),
  as(['RPOP', 'l', '1'], 'LMPOP', '1', 'l', 'RIGHT', 'COUNT', '5'),
  as(null, 'LMPOP', '1', 'l', 'RIGHT'),
  as(null, 'LPOP', 'l2', '0'),
  as(null, 'LTRIM', 'l2', '0', '-1'),
  as(null, 'LREM', 'l2', '0', 'zz'),
  as(null, 'LINSERT', 'l2', 'BEFORE', 'zz', 'q'),
  as(null, 'LPUSHX', 'nx', 'a'),
  same('LINSERT', 'l2', 'AFTER', 'e', 'q'),
  same('LSET', 'l2', '0', 'E'),
  same('LMOVE', 'l2', 'l2', 'LEFT', 'RIGHT'),
  same('RPUSH', 'm', '1', '2', '3', '4'),
  as(['LPOP', 'm', '1'], 'LMPOP', '1', 'm', 'LEFT'),
  same('LPOP', 'm', '2'),
  same('LREM', 'l2', '-1', 'q'),
  same('LTRIM', 'l2', '0', '0'),
  same('RPOP', 'm'),
];

forEachSyncedPair('list commands are propagated as Redis propagates them', async (tt, master, replica) => {
  await runSteps(tt, master, STEPS);
  const range = (key: string): Arg[] => ['LRANGE', key, '0', '-1'];
  await sameKeysOnReplica(tt, master, replica, ['l', 'l2', 'm', 'nx', 'warmup'], '+list', range, (key) => `LRANGE ${key} on the replica`);
});
