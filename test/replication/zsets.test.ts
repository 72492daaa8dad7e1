/*
 * The sorted-set commands on a replicated pair: what the master puts in the replication stream,
 * and that the replica ends up with the same sorted sets (scores compared as ZRANGE WITHSCORES
 * prints them).
 *
 * Redis 7.0 propagates ZMPOP and BZMPOP as ZPOPMIN/ZPOPMAX with the number of members actually
 * popped, BZPOPMIN/BZPOPMAX as ZPOPMIN/ZPOPMAX key (also when a waiter is served by a later
 * ZADD), the other writes as they are, and nothing for a command that changed nothing (ZADD NX
 * on existing members, ZREM of absent members, ZPOPMAX k 0, a store of an empty result onto a
 * missing key). Each step names what it must propagate; the master's offset must move by exactly
 * the RESP length of that (a keepalive PING that happens to fall in between is allowed for). The
 * redis → redis combination checks the table itself.
 */

import type { Arg } from '../../bench/harness/resp';
import { as, checkMoved, forEachSyncedPair, offsetOf, runSteps, same, sameKeysOnReplica, type Step } from './propagation-scaffold';
import { show, waitFor } from './replication-harness';

const STEPS: readonly Step[] = [
  same('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '0.1', 'd', '-inf', 'e'),
  as(null, 'ZADD', 'z', 'NX', '5', 'a'),
  as(null, 'ZADD', 'z', 'XX', '1', 'a'),
  as(null, 'ZADD', 'z', 'GT', '0', 'b'),
  same('ZADD', 'z', 'GT', 'CH', '10', 'b'),
  same('ZINCRBY', 'z', '1.5', 'a'),
  same('ZADD', 'z', 'INCR', '0.25', 'd'),
  as(null, 'ZREM', 'z', 'nope'),
  same('ZREM', 'z', 'c', 'nope'),
  same('ZPOPMIN', 'z'),
  as(null, 'ZPOPMAX', 'z', '0'),
  same('ZPOPMAX', 'z', '1'),
  same('ZADD', 'y', '1', 'a', '2', 'b', '3', 'c', '4', 'd'),
  as(['ZPOPMIN', 'y', '2'], 'ZMPOP', '2', 'nx', 'y', 'MIN', 'COUNT', '2'),
  as(['ZPOPMAX', 'y', '1'], 'ZMPOP', '1', 'y', 'MAX'),
  as(null, 'ZMPOP', '1', 'nx', 'MAX'),
  as(['ZPOPMAX', 'y'], 'BZPOPMAX', 'nx', 'y', '0'),
  same('ZADD', 'y', '1', 'x', '2', 'w', '3', 'v'),
  as(['ZPOPMIN', 'y', '3'], 'BZMPOP', '0', '1', 'y', 'MIN', 'COUNT', '10'),
  same('ZADD', 'u', '1', 'a', '2', 'b'),
  same('ZUNIONSTORE', 'd', '2', 'z', 'u', 'WEIGHTS', '2', '3'),
  same('ZINTERSTORE', 'd2', '2', 'z', 'u', 'AGGREGATE', 'MAX'),
  same('ZDIFFSTORE', 'd3', '2', 'u', 'z'),
  same('ZINTERSTORE', 'd3', '1', 'nx'),
  as(null, 'ZINTERSTORE', 'd3', '1', 'nx'),
  same('ZRANGESTORE', 'r', 'd', '0', '1'),
  same('ZREMRANGEBYSCORE', 'd', '-inf', '(5'),
  as(null, 'ZREMRANGEBYRANK', 'nx', '0', '-1'),
  same('ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c'),
  same('ZREMRANGEBYLEX', 'lex', '[b', '+'),
  same('ZREMRANGEBYRANK', 'lex', '0', '0'),
];

const KEYS = ['z', 'y', 'u', 'd', 'd2', 'd3', 'r', 'lex', 'nx', 'served', 'warmup'];

forEachSyncedPair('sorted-set commands are propagated as Redis propagates them', async (tt, master, replica) => {
  await runSteps(tt, master, STEPS);

  // A waiter served by a later ZADD: the ZADD, then the waiter's pop.
  const waiter = await master.connect();
  const pending = waiter.call('BZPOPMIN', 'served', '0');
  await waitFor('the waiter to block', 5_000, async () => {
    const n = (await master.info('clients')).num('blocked_clients');
    return { ok: n === 1, detail: `blocked_clients ${n}` };
  });
  const before = await offsetOf(master);
  await master.call('ZADD', 'served', '1', 'm', '2', 'n');
  tt.match(show(await pending), /served.*m/, 'the waiter was served');
  const moved = (await offsetOf(master)) - before;
  checkMoved(tt, [['ZADD', 'served', '1', 'm', '2', 'n'], ['ZPOPMIN', 'served']], moved, 'a served BZPOPMIN propagates ZADD + ZPOPMIN served');
  waiter.close();

  const range = (key: string): Arg[] => ['ZRANGE', key, '0', '-1', 'WITHSCORES'];
  await sameKeysOnReplica(tt, master, replica, KEYS, '+zset', range, (key) => `ZRANGE ${key} WITHSCORES on the replica`);
});
