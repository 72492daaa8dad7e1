/*
 * Differential tests for the blocking sorted-set commands: BZPOPMIN, BZPOPMAX and BZMPOP.
 * Immediate pops, timeouts, wake-ups by ZADD, ZINCRBY and the STORE forms (also from EXEC),
 * first-come first-served order, list and zset waiters on one key, errors, and the at-once
 * answers inside MULTI.
 */

import t from 'tap';
import type { Arg } from '../../bench/harness/resp';
import { blocked, call, close, read, scenarioRunner, send } from './connection-script';
import { dualRun, error, type Step } from './harness';

const dual = dualRun(t);
const scenario = scenarioRunner(dual);

const immediate: Step[] = [
  ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'f', '7', 'g'],
  ['BZPOPMIN', 'missing', 'z', '0'],
  ['BZPOPMAX', 'z', 'missing', '1.5'],
  ['BZMPOP', '0', '2', 'missing', 'z', 'MIN', 'COUNT', '2'],
  ['BZMPOP', '0.01', '1', 'z', 'max'],
  ['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '10'],
  ['EXISTS', 'z'],
  ['SET', 's', 'v'],
  error('BZPOPMIN', 's', 'z', '0'),
  ['ZADD', 'z', '1', 'a'],
  error('BZPOPMIN', 'missing', 's', 'z', '0'),
  ['BZPOPMIN', 'z', 's', '0'],
];
dual.case('immediate pops answer like the non-blocking forms', immediate);
dual.case('immediate pops answer like the non-blocking forms (RESP3)', immediate, { resp3: true });

const insideMulti: (readonly Arg[])[] = [
  ['MULTI'],
  ['BZPOPMIN', 'empty', '0'],
  ['BZPOPMAX', 'empty', 'other', '0'],
  ['BZMPOP', '0', '1', 'empty', 'MIN'],
  ['ZADD', 'q', '1', 'x', '2', 'y'],
  ['BZPOPMAX', 'q', '0'],
  ['EXEC'],
  ['ZRANGE', 'q', '0', '-1', 'WITHSCORES'],
];
dual.case('inside MULTI they answer at once', insideMulti);
dual.case('inside MULTI they answer at once (RESP3)', insideMulti, { resp3: true });

scenario('timeouts answer null', [
  call('A', 'BZPOPMIN', 'q', '0.1'),
  call('A', 'BZPOPMAX', 'q', 'other', '0.05'),
  call('A', 'BZMPOP', '0.1', '2', 'q', 'other', 'MAX', 'COUNT', '3'),
]);

scenario('timeouts answer null (RESP3)', [call('A', 'BZPOPMIN', 'q', '0.1'), call('A', 'BZMPOP', '0.1', '1', 'q', 'MIN')], true);

scenario('ZADD wakes a blocked BZPOPMIN', [
  send('A', 'BZPOPMIN', 'q1', 'q2', '0'),
  blocked(1),
  call('B', 'ZADD', 'q2', '2', 'y', '1', 'x'),
  read('A'),
  blocked(0),
  call('B', 'ZRANGE', 'q2', '0', '-1', 'WITHSCORES'),
  call('A', 'PING'),
]);

scenario('blocked clients are served first come first served', [
  send('A', 'BZPOPMAX', 'q', '0'),
  blocked(1),
  send('B', 'BZPOPMIN', 'q', '0'),
  blocked(2),
  send('C', 'BZMPOP', '0', '2', 'other', 'q', 'MIN', 'COUNT', '5'),
  blocked(3),
  call('D', 'ZADD', 'q', '1', 'first', '2', 'second'),
  read('A'),
  read('B'),
  blocked(1),
  call('D', 'EXISTS', 'q'),
  call('D', 'ZINCRBY', 'q', '3.5', 'third'),
  read('C'),
  blocked(0),
]);

scenario('ZADD inside MULTI/EXEC wakes after the transaction', [
  send('A', 'BZPOPMIN', 'q', '0'),
  blocked(1),
  call('B', 'MULTI'),
  call('B', 'ZADD', 'q', '1', 'a'),
  call('B', 'ZPOPMIN', 'q'),
  call('B', 'EXEC'),
  call('B', 'MULTI'),
  call('B', 'ZADD', 'q', '1', 'b', '2', 'c'),
  call('B', 'ZCARD', 'q'),
  call('B', 'EXEC'),
  read('A'),
  call('B', 'ZRANGE', 'q', '0', '-1'),
]);

scenario('the STORE forms wake waiters', [
  send('A', 'BZPOPMAX', 'd1', '0'),
  blocked(1),
  send('B', 'BZMPOP', '0', '1', 'd2', 'MIN', 'COUNT', '2'),
  blocked(2),
  call('C', 'ZADD', 'src', '1', 'a', '2', 'b', '3', 'c'),
  call('C', 'ZUNIONSTORE', 'd1', '1', 'src'),
  read('A'),
  call('C', 'ZRANGESTORE', 'd2', 'src', '0', '-1'),
  read('B'),
  call('C', 'ZRANGE', 'd2', '0', '-1'),
]);

scenario('list and zset waiters on one key each get their type', [
  send('A', 'BLPOP', 'k', '0'),
  blocked(1),
  send('B', 'BZPOPMIN', 'k', '0'),
  blocked(2),
  call('C', 'ZADD', 'k', '1', 'm'),
  read('B'),
  blocked(1),
  call('C', 'RPUSH', 'k', 'x'),
  read('A'),
  blocked(0),
]);

scenario(
  'wake-ups in RESP3',
  [
    send('A', 'BZPOPMIN', 'q', '0'),
    blocked(1),
    send('B', 'BZMPOP', '0', '1', 'q', 'MAX', 'COUNT', '5'),
    blocked(2),
    call('C', 'ZADD', 'q', '1', 'a', '2', 'b', '3', 'c'),
    read('A'),
    read('B'),
  ],
  true,
);

scenario('a disconnected blocked client is forgotten; another type does not serve', [
  send('A', 'BZPOPMIN', 'q', '0'),
  blocked(1),
  close('A'),
  blocked(0),
  call('B', 'ZADD', 'q', '1', 'kept'),
  call('B', 'ZRANGE', 'q', '0', '-1'),
  send('C', 'BZPOPMAX', 'r', '0'),
  blocked(1),
  call('B', 'SET', 'r', 'string'),
  call('B', 'DEL', 'r'),
  call('B', 'ZADD', 'r', '5', 'z'),
  read('C'),
]);

scenario('a sorted set arriving by RENAME, COPY or MOVE serves waiters', [
  send('A', 'BZPOPMIN', 'k1', '0'),
  blocked(1),
  send('B', 'BZPOPMAX', 'k2', '0'),
  blocked(2),
  send('C', 'BLPOP', 'k3', '0'),
  blocked(3),
  call('D', 'ZADD', 'src', '1', 'a', '2', 'b'),
  call('D', 'RENAME', 'src', 'k1'),
  read('A'),
  call('D', 'COPY', 'k1', 'k2'),
  read('B'),
  call('D', 'RPUSH', 'l', 'x'),
  call('D', 'RENAME', 'l', 'k3'),
  read('C'),
  blocked(0),
  call('D', 'ZRANGE', 'k1', '0', '-1', 'WITHSCORES'),
]);

// Issue 11: SWAPDB wakes clients blocked on keys that exist in their database after the swap.
scenario('SWAPDB serves a BZPOPMIN blocked on a key the other database holds', [
  call('A', 'SELECT', '1'),
  send('A', 'BZPOPMIN', 'k', 'other', '0'),
  blocked(1),
  call('B', 'ZADD', 'k', '1', 'a', '2', 'b'),
  call('B', 'SWAPDB', '0', '1'),
  read('A'),
  blocked(0),
  call('A', 'ZRANGE', 'k', '0', '-1', 'WITHSCORES'),
  call('B', 'EXISTS', 'k'),
]);
