/*
 * Differential tests for the DEBUG subcommands client and server test suites use: PROTOCOL (every
 * type, in RESP2 and RESP3), POPULATE (names, values, sizes, keys left alone), ERROR (and that
 * INFO does not count it as an error reply), LOG, the accepted no-op toggles, CHANGE-REPL-ID and
 * SET-DISABLE-DENY-SCRIPTS (scripts calling DEBUG, CONFIG, CLIENT), compared byte for byte with a
 * real redis-server.
 * DEBUG HELP is not compared whole: hashslot lists only what it implements (checked below to be
 * a block-wise subset of Redis's text, short of RESTART and CRASH-AND-RECOVER alone).
 */

import t from 'tap';
import { dualRun, error, type Step } from './harness';
import type { RawClient } from '../../bench/harness/raw-client';

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
  // No config file: Redis's rewrite opens a null path.
  error('DEBUG', 'CONFIG-REWRITE-FORCE-ALL'),
  error('DEBUG', 'CONFIG-REWRITE-FORCE-ALL', 'x'),
  error('DEBUG', 'PAUSE-CRON', '0', '1'),
]);

/** INFO's error counters, and the calls and failures of DEBUG, EVAL and EXEC (times left out). */
async function errorCounters(c: RawClient): Promise<string[]> {
  const info = (await c.call('INFO', 'everything')).toString('latin1').split('\r\n');
  return info
    .filter((l) => l.startsWith('errorstat_') || l.startsWith('total_error_replies:') || /^cmdstat_(debug|eval|exec):/.test(l))
    .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
    .sort();
}

dual.case('ERROR is no error reply to INFO: alone, inside MULTI, from a script', async (pair, tt) => {
  const steps: Step[] = [
    ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'],
    ['CONFIG', 'RESETSTAT'],
    error('DEBUG', 'ERROR', 'CUSTOM y'),
    error('DEBUG', 'ERROR', 'ERR line\r\nbreaks\n'),
    ['MULTI'],
    ['DEBUG', 'ERROR', 'INMULTI z'],
    ['EXEC'],
    error('EVAL', "return redis.pcall('DEBUG', 'ERROR', 'X y')", '0'),
    ['EVAL', "local r = redis.pcall('DEBUG', 'ERROR', 'X2 y'); return {r['err'], tostring(r['ignore_error_stats_update'])}", '0'],
    error('EVAL', "return redis.call('DEBUG', 'ERROR', 'X3 y')", '0'),
    ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0'],
  ];
  for (const step of steps) await pair.step(step);
  const [r, h] = await pair.both(errorCounters);
  tt.same(r, ['cmdstat_debug:calls=7,rejected_calls=0,failed_calls=0', 'cmdstat_eval:calls=3,rejected_calls=0,failed_calls=2', 'cmdstat_exec:calls=1,rejected_calls=0,failed_calls=0', 'total_error_replies:0'], 'redis-server counts no error (the EVALs that return one fail)');
  tt.same(h, r, 'hashslot counts the same');
});

/** A script's command: `body` run by EVAL with no keys. */
const script = (body: string): Step => ['EVAL', body, '0'];
const protocolScripts = (resp: number): Step[] =>
  ['bignum', 'map', 'set', 'double', 'null', 'true', 'false', 'verbatim', 'attrib'].map((type) => script(`redis.setresp(${resp}); return redis.call('debug', 'protocol', '${type}')`));

const denyDisabledSteps: Step[] = [
  error('EVAL', "return redis.call('DEBUG', 'LOG', 'x')", '0'),
  ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'],
  script("return redis.call('DEBUG', 'LOG', 'from a script')"),
  ...protocolScripts(2),
  ...protocolScripts(3),
  script("return redis.call('CONFIG', 'GET', 'maxmemory')"),
  script("return redis.call('CLIENT', 'ID')"),
  script("return redis.call('SCRIPT', 'LOAD', 'return 1')"),
  script("return redis.call('BLPOP', 'nolist', '0')"),
  script("return redis.call('ACL', 'WHOAMI')"),
  script("return redis.call('ROLE')"),
  // C's atoi: junk is 0, so this turns the setting off; "2x" is 2, on.
  ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', 'abc'],
  error('EVAL', "return redis.call('DEBUG', 'LOG', 'x')", '0'),
  ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '2x'],
  script("return redis.call('DEBUG', 'LOG', 'x')"),
  ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0'],
  error('EVAL', "return redis.call('CLIENT', 'ID')", '0'),
  error('DEBUG', 'SET-DISABLE-DENY-SCRIPTS'),
  error('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1', '2'),
];

dual.case('SET-DISABLE-DENY-SCRIPTS lets scripts call DEBUG, CONFIG, CLIENT (RESP2)', denyDisabledSteps);
dual.case('SET-DISABLE-DENY-SCRIPTS lets scripts call DEBUG, CONFIG, CLIENT (RESP3)', denyDisabledSteps, { resp3: true });

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
  // Everything but the two restarts: Redis re-executes itself in place, which hashslot cannot.
  const ourBlocks = new Set(blocks(ours));
  const missing = blocks(redisLines).filter((b) => !ourBlocks.has(b)).map((b) => b.split(' ')[0] ?? '');
  tt.same(missing, ['CRASH-AND-RECOVER', 'RESTART'], 'lists every subcommand of Redis but CRASH-AND-RECOVER and RESTART');
});
