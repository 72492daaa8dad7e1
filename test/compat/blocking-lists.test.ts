/*
 * Differential tests for the blocking list commands (issue 6): BLPOP, BRPOP, BLMPOP, BLMOVE and
 * BRPOPLPUSH. Immediate pops, timeouts, wake-ups by another client's push (also from EXEC),
 * first-come first-served order of several blocked clients, errors, and the at-once answers
 * inside MULTI.
 *
 * Scenarios run the same script of several connections on each side. Whether a client is
 * blocked yet is polled from INFO's blocked_clients (with a deadline), never slept on; the
 * only waits are the short blocking timeouts under test.
 */

import t from 'tap';
import type { Arg } from '../../bench/harness/resp';
import { blocked, call, close, read, scenarioRunner, send } from './connection-script';
import { dualRun, error } from './harness';

const dual = dualRun(t);

// ─── Tables ─────────────────────────────────────────────────────────────────────────────────────

dual.case('immediate pops answer like the non-blocking forms', [
  ['RPUSH', 'q', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
  ['BLPOP', 'missing', 'q', '0'],
  ['BRPOP', 'q', 'missing', '1.5'],
  ['BLMPOP', '0', '2', 'missing', 'q', 'RIGHT', 'COUNT', '2'],
  ['BLMPOP', '0.01', '1', 'q', 'left'],
  ['BLMOVE', 'q', 'd', 'LEFT', 'RIGHT', '0'],
  ['RPUSH', 'q', 'x', 'y'],
  ['BRPOPLPUSH', 'q', 'd', '0'],
  ['BLMOVE', 'q', 'q', 'left', 'right', '0'],
  ['LRANGE', 'q', '0', '-1'],
  ['LRANGE', 'd', '0', '-1'],
  ['EXISTS', 'q'],
  ['BLPOP', 'q', '0'],
  ['EXISTS', 'q'],
]);

dual.case('argument errors', [
  ['SET', 's', 'v'],
  ['RPUSH', 'q', 'a', 'b', 'c'],
  error('BLPOP', 'q', 'abc'),
  error('BLPOP', 'q', '-1'),
  error('BLPOP', 'q', '-0.002'),
  ['BLPOP', 'q', '-0.001'],
  ['BLPOP', 'q', '-0.0001'],
  error('BLPOP', 'q', ' 1'),
  error('BLPOP', 'q', 'nan'),
  error('BLPOP', 'q', 'inf'),
  error('BLPOP', 'q', '1e300'),
  error('BRPOP', 's', '0'),
  error('BLPOP', 'missing', 's', '0'),
  error('BLPOP', 'q'),
  error('BLMOVE', 'q', 'd', 'UP', 'LEFT', 'abc'),
  error('BLMOVE', 'q', 'd', 'LEFT', 'LEFT', 'abc'),
  error('BLMOVE', 'q', 's', 'LEFT', 'LEFT', '0'),
  error('BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0'),
  error('BLMOVE', 'q', 'd', 'LEFT', 'LEFT'),
  error('BRPOPLPUSH', 'q', 'd', '-1'),
  error('BRPOPLPUSH', 's', 'd', '0'),
  error('BLMPOP', '0', '0', 'q', 'LEFT'),
  error('BLMPOP', 'x', '1', 'q', 'LEFT'),
  error('BLMPOP', 'x', '1', 'q', 'UP'),
  error('BLMPOP', '-1', '1', 'q', 'LEFT'),
  error('BLMPOP', '0', '2', 'q', 'LEFT'),
  error('BLMPOP', '0', '1', 'q', 'LEFT', 'COUNT', '0'),
  error('BLMPOP', '0', '1', 's', 'LEFT'),
  ['LRANGE', 'q', '0', '-1'],
]);

const insideMulti: (readonly Arg[])[] = [
  ['MULTI'],
  ['BLPOP', 'empty', '0'],
  ['BRPOP', 'empty', 'other', '0'],
  ['BLMPOP', '0', '1', 'empty', 'LEFT'],
  ['BLMOVE', 'empty', 'd', 'LEFT', 'LEFT', '0'],
  ['BRPOPLPUSH', 'empty', 'd', '0'],
  ['RPUSH', 'q', 'x', 'y'],
  ['BLPOP', 'q', '0'],
  ['BRPOPLPUSH', 'q', 'd', '0'],
  ['EXEC'],
  ['LRANGE', 'd', '0', '-1'],
];
dual.case('inside MULTI they answer at once', insideMulti);
dual.case('inside MULTI they answer at once (RESP3)', insideMulti, { resp3: true });

// ─── Scenarios over several connections ─────────────────────────────────────────────────────────

const scenario = scenarioRunner(dual);

scenario('timeouts answer null', [
  call('A', 'BLPOP', 'q', '0.1'),
  call('A', 'BRPOP', 'q', 'other', '0.05'),
  call('A', 'BLMPOP', '0.1', '2', 'q', 'other', 'RIGHT', 'COUNT', '3'),
  call('A', 'BLMOVE', 'q', 'd', 'LEFT', 'RIGHT', '0.1'),
  call('A', 'BRPOPLPUSH', 'q', 'd', '0.1'),
  call('A', 'EXISTS', 'd'),
]);

scenario(
  'timeouts answer null (RESP3)',
  [
    call('A', 'BLPOP', 'q', '0.1'),
    call('A', 'BLMPOP', '0.1', '1', 'q', 'LEFT'),
    call('A', 'BLMOVE', 'q', 'd', 'LEFT', 'RIGHT', '0.1'),
    call('A', 'BRPOPLPUSH', 'q', 'd', '0.1'),
  ],
  true,
);

scenario('a push wakes a blocked BLPOP', [
  send('A', 'BLPOP', 'q1', 'q2', '0'),
  blocked(1),
  call('B', 'RPUSH', 'q2', 'x', 'y'),
  read('A'),
  blocked(0),
  call('B', 'LRANGE', 'q2', '0', '-1'),
  call('A', 'PING'),
]);

scenario('a blocked client runs its queued requests once served', [
  send('A', 'BRPOP', 'q', '0'),
  blocked(1),
  send('A', 'GET', 'k'),
  call('B', 'SET', 'k', 'v'),
  call('B', 'LPUSH', 'q', 'a', 'b'),
  read('A'),
  read('A'),
  call('B', 'LRANGE', 'q', '0', '-1'),
]);

scenario('blocked clients are served first come first served', [
  send('A', 'BLPOP', 'q', '0'),
  blocked(1),
  send('B', 'BLPOP', 'q', '0'),
  blocked(2),
  send('C', 'BRPOP', 'other', 'q', '0'),
  blocked(3),
  call('D', 'RPUSH', 'q', 'first', 'second'),
  read('A'),
  read('B'),
  blocked(1),
  call('D', 'EXISTS', 'q'),
  call('D', 'RPUSH', 'q', 'third'),
  read('C'),
  blocked(0),
]);

scenario('a push inside MULTI/EXEC wakes after the transaction', [
  send('A', 'BLPOP', 'q', '0'),
  blocked(1),
  call('B', 'MULTI'),
  call('B', 'RPUSH', 'q', 'a'),
  call('B', 'LPOP', 'q'),
  call('B', 'EXEC'),
  call('B', 'MULTI'),
  call('B', 'RPUSH', 'q', 'b', 'c'),
  call('B', 'LLEN', 'q'),
  call('B', 'EXEC'),
  read('A'),
  call('B', 'LRANGE', 'q', '0', '-1'),
]);

scenario('BLMOVE and BRPOPLPUSH are woken by pushes', [
  send('A', 'BLMOVE', 'src', 'dst', 'RIGHT', 'LEFT', '0'),
  blocked(1),
  send('B', 'BRPOPLPUSH', 'src', 'dst', '5'),
  blocked(2),
  call('C', 'LPUSH', 'src', 'x'),
  read('A'),
  call('C', 'LPUSH', 'src', 'y', 'z'),
  read('B'),
  call('C', 'LRANGE', 'src', '0', '-1'),
  call('C', 'LRANGE', 'dst', '0', '-1'),
]);

scenario('BLMOVE into a list another client waits on', [
  send('A', 'BLPOP', 'dst', '0'),
  blocked(1),
  send('B', 'BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0'),
  blocked(2),
  call('C', 'RPUSH', 'src', 'm'),
  read('B'),
  read('A'),
  call('C', 'EXISTS', 'src', 'dst'),
]);

// Issue 11: SWAPDB wakes clients blocked on keys that exist in their database after the swap.
scenario('SWAPDB serves clients blocked on keys the other database holds', [
  call('A', 'SELECT', '1'),
  send('A', 'BLPOP', 'k', '0'),
  blocked(1),
  call('C', 'SELECT', '1'),
  send('C', 'BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', '0'),
  blocked(2),
  call('B', 'RPUSH', 'k', 'a', 'b'),
  call('B', 'RPUSH', 'src', 'x'),
  call('B', 'SWAPDB', '0', '1'),
  read('A'),
  read('C'),
  blocked(0),
  call('A', 'LRANGE', 'k', '0', '-1'),
  call('A', 'LRANGE', 'dst', '0', '-1'),
  call('B', 'EXISTS', 'k', 'src', 'dst'),
  call('B', 'SWAPDB', '1', '0'),
  call('B', 'LRANGE', 'k', '0', '-1'),
]);

scenario('BLMPOP is woken with up to COUNT elements', [
  send('A', 'BLMPOP', '0', '2', 'a', 'b', 'RIGHT', 'COUNT', '2'),
  blocked(1),
  call('B', 'RPUSH', 'b', '1', '2', '3'),
  read('A'),
  call('B', 'LRANGE', 'b', '0', '-1'),
]);

scenario(
  'wake-ups in RESP3',
  [
    send('A', 'BLPOP', 'q', '0'),
    blocked(1),
    send('B', 'BLMPOP', '0', '1', 'q', 'LEFT', 'COUNT', '5'),
    blocked(2),
    call('C', 'RPUSH', 'q', 'a', 'b', 'c'),
    read('A'),
    read('B'),
  ],
  true,
);

scenario('a disconnected blocked client is forgotten', [
  send('A', 'BLPOP', 'q', '0'),
  blocked(1),
  close('A'),
  blocked(0),
  call('B', 'RPUSH', 'q', 'kept'),
  call('B', 'LRANGE', 'q', '0', '-1'),
]);

scenario('a key of another type does not serve', [
  send('A', 'BLPOP', 'q', '0'),
  blocked(1),
  call('B', 'SET', 'q', 'string'),
  call('B', 'DEL', 'q'),
  call('B', 'RPUSH', 'q', 'list'),
  read('A'),
]);

scenario('a key that becomes a list by RENAME, COPY or MOVE wakes its waiters', [
  call('B', 'RPUSH', 'src', 'a', 'b'),
  send('A', 'BLPOP', 'renamed', '0'),
  send('C', 'BRPOP', 'copied', '0'),
  blocked(2),
  call('B', 'RENAME', 'src', 'renamed'),
  read('A'),
  call('B', 'COPY', 'renamed', 'copied'),
  read('C'),
  call('B', 'SELECT', '1'),
  call('B', 'RPUSH', 'moved', 'm'),
  send('A', 'BLMPOP', '0', '1', 'moved', 'LEFT'),
  blocked(1),
  call('B', 'MOVE', 'moved', '0'),
  read('A'),
  blocked(0),
  call('B', 'SELECT', '0'),
  call('B', 'EXISTS', 'moved', 'renamed', 'copied'),
]);
