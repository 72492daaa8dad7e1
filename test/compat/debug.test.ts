/*
 * Differential tests for the DEBUG subcommands client and server test suites use: PROTOCOL (every
 * type, in RESP2 and RESP3), POPULATE (names, values, sizes, keys left alone), ERROR, LOG, the
 * accepted no-op toggles and CHANGE-REPL-ID, compared byte for byte with a real redis-server.
 * DEBUG HELP is not compared whole: hashslot lists only what it implements (checked below to be
 * a block-wise subset of Redis's text).
 */

import t from 'tap';
import { dualRun, error, type Step } from './harness';

const dual = dualRun(t, { serverArgs: ['--enable-debug-command', 'yes'] });

const TYPES = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'verbatim', 'true', 'false', 'STRING'];
const protocolSteps: Step[] = [...TYPES.map((type): Step => ['DEBUG', 'PROTOCOL', type]), error('DEBUG', 'PROTOCOL', 'foo'), error('DEBUG', 'PROTOCOL')];

dual.case('PROTOCOL in RESP2', [...protocolSteps, error('DEBUG', 'PROTOCOL', 'push'), ['PING']]);
dual.case('PROTOCOL in RESP3', [...protocolSteps, ['DEBUG', 'PROTOCOL', 'push'], ['PING']], { resp3: true });

dual.case('POPULATE', [
  ['DEBUG', 'POPULATE', '5'],
  ['DBSIZE'],
  ['GET', 'key:0'],
  ['GET', 'key:4'],
  ['SET', 'pre:1', 'mine'],
  ['DEBUG', 'POPULATE', '3', 'pre', '12'],
  ['GET', 'pre:0'],
  ['GET', 'pre:1'],
  ['GET', 'pre:2'],
  ['DEBUG', 'POPULATE', '2', 'cut', '3'],
  ['GET', 'cut:1'],
  ['DEBUG', 'POPULATE', '0'],
  ['DBSIZE'],
  error('DEBUG', 'POPULATE', 'x'),
  error('DEBUG', 'POPULATE', '-1'),
  error('DEBUG', 'POPULATE', '1', 'p', '-1'),
  error('DEBUG', 'POPULATE'),
]);

dual.case('ERROR, LOG, toggles, CHANGE-REPL-ID', [
  error('DEBUG', 'ERROR', 'some text'),
  error('DEBUG', 'ERROR', 'WRONGTYPE made up'),
  error('DEBUG', 'ERROR'),
  ['DEBUG', 'LOG', 'hello from the test'],
  error('DEBUG', 'LOG'),
  ['DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'],
  ['DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0'],
  ['DEBUG', 'PAUSE-CRON', '0'],
  error('DEBUG', 'PAUSE-CRON'),
  ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'],
  ['DEBUG', 'CHANGE-REPL-ID'],
  error('DEBUG', 'CHANGE-REPL-ID', 'x'),
  error('DEBUG', 'NOSUCH'),
]);

dual.case('HELP lists a block-wise subset of Redis text', async (pair, tt) => {
  const [r, h] = await pair.both((c) => c.call('DEBUG', 'HELP'));
  if (h instanceof Error) return void tt.fail(h.message);
  const lines = (b: Buffer): string[] => b.toString('latin1').split('\r\n').filter((l) => l.startsWith('+')).map((l) => l.slice(1));
  const redisLines = lines(r);
  const ours = lines(h);
  tt.equal(ours[0], redisLines[0], 'same first line');
  tt.equal(ours[ours.length - 1], '    Prints this help.', 'ends with HELP');
  const blocks = (ls: string[]): string[] => ls.slice(1).join('\n').split(/\n(?! )/);
  const redisBlocks = new Set(blocks(redisLines));
  for (const block of blocks(ours)) tt.ok(redisBlocks.has(block), `block from Redis: ${block.split('\n')[0] ?? ''}`);
  for (const sub of ['PROTOCOL', 'POPULATE', 'RELOAD', 'DIGEST', 'SLEEP', 'ERROR', 'LOG']) {
    tt.ok(ours.some((l) => l.startsWith(sub + ' ') || l === sub), `lists ${sub}`);
  }
  tt.notOk(ours.some((l) => l.startsWith('SEGFAULT')), 'does not list SEGFAULT');
});
