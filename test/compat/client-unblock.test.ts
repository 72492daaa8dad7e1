/*
 * Differential tests for CLIENT UNBLOCK: a client blocked in a blocking pop, an XREAD or
 * XREADGROUP, or a WAIT gets its timeout reply (TIMEOUT, the default) or the UNBLOCKED error
 * (ERROR) at once, and CLIENT UNBLOCK answers 1; a client that is not blocked, or an unknown id,
 * answers 0. Argument errors come in Redis's words. (A client held by CLIENT PAUSE is not
 * compared: Redis 7.0.15 crashes on it; hashslot answers 0, as later Redis versions do.)
 */

import t from 'tap';
import { blocked, call, read, scenarioRunner, send } from './connection-script';
import { dualRun, error } from './harness';
import { inBothProtocols } from './random-picks';

const dual = dualRun(t);
const scenario = scenarioRunner(dual);

const BLOCKING: ReadonlyArray<readonly string[]> = [
  ['BLPOP', 'list', '0'],
  ['BLMOVE', 'list', 'dst', 'LEFT', 'RIGHT', '0'],
  ['BZPOPMIN', 'zset', '0'],
  ['BZMPOP', '0', '1', 'zset', 'MIN'],
  ['XREAD', 'BLOCK', '0', 'STREAMS', 'stream', '$'],
  ['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 'grouped', '>'],
  ['WAIT', '1', '0'],
];

for (const resp3 of [false, true]) {
  scenario(
    `CLIENT UNBLOCK answers every kind of blocked client, as a timeout or an error${resp3 ? ' (RESP3)' : ''}`,
    [
      call('C', 'XGROUP', 'CREATE', 'grouped', 'g', '$', 'MKSTREAM'),
      ...BLOCKING.flatMap((argv) => [
        send('A', ...argv),
        blocked(1),
        call('C', 'CLIENT', 'UNBLOCK', '{id:A}'),
        read('A'),
        send('A', ...argv),
        blocked(1),
        call('C', 'CLIENT', 'UNBLOCK', '{id:A}', 'error'),
        read('A'),
        send('A', ...argv),
        blocked(1),
        call('C', 'CLIENT', 'UNBLOCK', '{id:A}', 'TIMEOUT'),
        read('A'),
        blocked(0),
      ]),
      call('C', 'CLIENT', 'UNBLOCK', '{id:A}'),
      call('C', 'CLIENT', 'UNBLOCK', '{id:C}', 'ERROR'),
      // The unblocked client is served normally afterwards.
      call('A', 'RPUSH', 'list', 'x'),
      call('A', 'BLPOP', 'list', '0'),
    ],
    resp3,
  );
}

inBothProtocols(dual, 'CLIENT UNBLOCK arguments', [
  ['CLIENT', 'UNBLOCK', '999999'],
  ['CLIENT', 'UNBLOCK', '0'],
  ['CLIENT', 'UNBLOCK', '-1', 'ERROR'],
  error('CLIENT', 'UNBLOCK'),
  error('CLIENT', 'UNBLOCK', 'abc'),
  error('CLIENT', 'UNBLOCK', '1', 'soon'),
  error('CLIENT', 'UNBLOCK', '1', 'timeout', 'extra'),
  ['COMMAND', 'INFO', 'client|unblock'],
  ['COMMAND', 'DOCS', 'client|unblock'],
  ['COMMAND', 'DOCS', 'client|kill', 'client|nosuch', 'get'],
]);
