/*
 * Differential tests for the DEBUG subcommands that report Redis's internal structures:
 * STRUCTSIZE, HTSTATS, HTSTATS-KEY, SDSLEN, LISTPACK, QUICKLIST, and the allocator and fuzz hooks
 * MALLCTL, MALLCTL-STR, STRINGMATCH-TEST. (REPLICATE is tested on a replicated pair:
 * test/replication/debug-replicate.test.ts.)
 *
 * Exact where Redis is deterministic: replies, errors, sds sizes, and the table sizes and element
 * counts of HTSTATS once the cron has finished rehashing and shrinking (both servers are polled
 * until then). The bucket figures of a report come from Redis's randomly seeded hash: there the
 * reports of both servers are checked to be consistent with themselves (htstats-text.ts), the
 * redis-server one included, which checks the checker.
 */

import t from 'tap';
import { dualRun, error, until, type Pair, type Step, type Test } from './harness';
import { exactly } from './compare';
import { inconsistencies, parseTables, replyText, sizesOf, unsettled } from './htstats-text';
import type { Arg } from '../../bench/harness/resp';
import { delay } from '../../bench/harness/server-process';
import type { RawClient } from '../../bench/harness/raw-client';

const dual = dualRun(t, { serverArgs: ['--enable-debug-command', 'yes'] });

const SETTLE_DEADLINE_MS = 10_000;

/** Runs `commands` on both servers (replies not compared: the steps that follow are). */
async function onBoth(pair: Pair, commands: readonly (readonly Arg[])[]): Promise<void> {
  await pair.both(async (c) => {
    for (const argv of commands) c.send(...argv);
    await c.readReplies(commands.length, 30_000);
  });
}

/** HTSTATS once no rehash is under way and no table waits for the cron to shrink it. */
async function settledStats(c: RawClient, db: number): Promise<string> {
  const deadline = Date.now() + SETTLE_DEADLINE_MS;
  for (;;) {
    const text = replyText(await c.call('DEBUG', 'HTSTATS', String(db))) ?? '';
    if (!unsettled(text) || Date.now() > deadline) return text;
    await delay(20);
  }
}

/** Compares the settled table sizes of database `db`, and checks both reports' arithmetic. */
async function sameTables(pair: Pair, tt: Test, label: string, db = 0): Promise<void> {
  const [r, h] = await pair.both((c) => settledStats(c, db));
  if (h instanceof Error) return void tt.fail(`${label}: ${h.message}`);
  tt.equal(sizesOf(h), sizesOf(r), `${label}: table sizes and element counts`);
  consistent(tt, `${label} (redis-server)`, r);
  consistent(tt, label, h);
}

function consistent(tt: Test, label: string, text: string): void {
  const problems = parseTables(text).flatMap(inconsistencies);
  tt.same(problems, [], `${label}: the report adds up`);
}

const keys = (n: number, prefix = 'k', extra: Arg[] = []): Arg[][] => Array.from({ length: n }, (_, i) => ['SET', `${prefix}${i}`, 'v', ...extra]);

dual.case('STRUCTSIZE, and the errors of HTSTATS and HTSTATS-KEY', [
  ['DEBUG', 'STRUCTSIZE'],
  ['DEBUG', 'HTSTATS', '0'],
  ['DEBUG', 'HTSTATS', '15'],
  error('DEBUG', 'HTSTATS', '16'),
  error('DEBUG', 'HTSTATS', '-1'),
  error('DEBUG', 'HTSTATS', 'x'),
  error('DEBUG', 'HTSTATS', '0', 'full'),
  error('DEBUG', 'HTSTATS'),
  error('DEBUG', 'STRUCTSIZE', 'x'),
  error('DEBUG', 'HTSTATS-KEY', 'missing'),
  ['SET', 's', 'v'],
  error('DEBUG', 'HTSTATS-KEY', 's'),
  ['HSET', 'h', 'f', 'v'],
  error('DEBUG', 'HTSTATS-KEY', 'h'),
  ['SADD', 'i', '1', '2'],
  error('DEBUG', 'HTSTATS-KEY', 'i'),
  ['ZADD', 'z', '1', 'm'],
  error('DEBUG', 'HTSTATS-KEY', 'z'),
  ['RPUSH', 'l', 'a'],
  error('DEBUG', 'HTSTATS-KEY', 'l'),
  error('DEBUG', 'HTSTATS-KEY', 'h', 'full'),
]);

dual.case('STRUCTSIZE and an empty HTSTATS in RESP3 (a verbatim string)', [['DEBUG', 'STRUCTSIZE'], ['DEBUG', 'HTSTATS', '3']], { resp3: true });

dual.case('HTSTATS: table sizes as keys are added', async (pair, tt) => {
  for (const n of [1, 4, 5, 8, 9, 16, 17, 100, 1000, 5000]) {
    await onBoth(pair, [['FLUSHALL'], ...keys(n)]);
    await sameTables(pair, tt, `${n} keys`);
  }
});

dual.case('HTSTATS: deletions, the cron shrinking, FLUSHALL', async (pair, tt) => {
  await onBoth(pair, [...keys(128), ...Array.from({ length: 123 }, (_, i) => ['DEL', `k${i}`])]);
  await sameTables(pair, tt, '128 keys, 123 deleted');
  await onBoth(pair, Array.from({ length: 5 }, (_, i) => ['DEL', `k${123 + i}`]));
  await sameTables(pair, tt, 'all deleted');
  await onBoth(pair, keys(300));
  await onBoth(pair, [['FLUSHALL']]);
  await sameTables(pair, tt, 'after FLUSHALL');
  await onBoth(pair, keys(40));
  await onBoth(pair, [['FLUSHDB']]);
  await sameTables(pair, tt, 'after FLUSHDB');
});

dual.case('HTSTATS: the expires dict', async (pair, tt) => {
  await onBoth(pair, keys(20, 'k', ['EX', '100']));
  await sameTables(pair, tt, '20 keys with a TTL');
  await onBoth(pair, [['FLUSHALL'], ...keys(4, 'k', ['EX', '100']), ['EXPIRE', 'k0', '300']]);
  await sameTables(pair, tt, 'a TTL changed on a full expires table grows it');
  await onBoth(pair, [['FLUSHALL'], ...keys(50, 'k', ['EX', '100']), ...Array.from({ length: 48 }, (_, i) => ['PERSIST', `k${i}`])]);
  await sameTables(pair, tt, '50 TTLs, 48 removed');
  await onBoth(pair, [['FLUSHALL'], ...keys(200, 'e', ['PX', '1'])]);
  await pair.step(until(':0\r\n', ['DBSIZE'], 10_000));
  await sameTables(pair, tt, '200 keys expired');
});

dual.case('HTSTATS: POPULATE presizes, SWAPDB, DEBUG RELOAD, RENAME at a full table', async (pair, tt) => {
  await onBoth(pair, [['DEBUG', 'POPULATE', '100']]);
  await sameTables(pair, tt, 'POPULATE 100');
  await onBoth(pair, [['DEBUG', 'POPULATE', '1000']]);
  await sameTables(pair, tt, 'POPULATE 1000 over 100');
  await onBoth(pair, [['FLUSHALL'], ['SET', 'a', '1'], ['DEBUG', 'POPULATE', '3'], ['DEBUG', 'POPULATE', '5']]);
  await sameTables(pair, tt, 'POPULATE 3 then 5');
  await onBoth(pair, [['FLUSHALL'], ['SELECT', '2'], ...keys(40), ['SWAPDB', '0', '2'], ['SELECT', '0']]);
  await sameTables(pair, tt, 'SWAPDB: db 0', 0);
  await sameTables(pair, tt, 'SWAPDB: db 2', 2);
  await onBoth(pair, [['FLUSHALL'], ...keys(300), ['DEBUG', 'RELOAD']]);
  await sameTables(pair, tt, 'DEBUG RELOAD of 300 keys');
  await onBoth(pair, [['FLUSHALL'], ...keys(64), ['RENAME', 'k0', 'z']]);
  await sameTables(pair, tt, 'RENAME with 64 keys in 64 buckets');
});

/** A value's dict sizes; the bucket figures checked for consistency only. */
async function sameValueTables(pair: Pair, tt: Test, label: string, commands: readonly (readonly Arg[])[]): Promise<void> {
  await onBoth(pair, [['DEL', 'x'], ...commands]);
  const [r, h] = await pair.both((c) => c.call('DEBUG', 'HTSTATS-KEY', 'x'));
  if (h instanceof Error) return void tt.fail(`${label}: ${h.message}`);
  const sizes = (b: Buffer): string[] => (replyText(b) ?? b.toString('latin1')).split('\n').filter((l) => l.startsWith(' table size') || l.startsWith('Hash table'));
  tt.same(sizes(h), sizes(r), `${label}: the tables and their sizes`);
  consistent(tt, `${label} (redis-server)`, replyText(r) ?? '');
  consistent(tt, label, replyText(h) ?? '');
}

dual.case('HTSTATS-KEY: the dicts of big hashes, sets and sorted sets', async (pair, tt) => {
  const n = (count: number, make: (i: number) => Arg[]): Arg[][] => Array.from({ length: count }, (_, i) => make(i));
  // Sizes chosen away from where a rehash may or may not have finished, which depends on
  // Redis's random hash.
  for (const count of [4, 5, 129, 513, 600, 3000]) await sameValueTables(pair, tt, `set of ${count} strings`, n(count, (i) => ['SADD', 'x', `m${i}`]));
  for (const count of [513, 600]) await sameValueTables(pair, tt, `set of ${count} integers`, n(count, (i) => ['SADD', 'x', String(i)]));
  await sameValueTables(pair, tt, 'intset turned by a string', [['SADD', 'x', '1', '2', '3', '4', '5', '6', '7', 'a']]);
  for (const count of [513, 600, 3000]) await sameValueTables(pair, tt, `hash of ${count} fields`, n(count, (i) => ['HSET', 'x', `f${i}`, 'v']));
  await sameValueTables(pair, tt, 'hash turned by a long value', [['HSET', 'x', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'], ['HSET', 'x', 'long', 'v'.repeat(70)]]);
  for (const count of [129, 200, 600, 3000]) await sameValueTables(pair, tt, `sorted set of ${count}`, n(count, (i) => ['ZADD', 'x', String(i), `m${i}`]));
});

const SDSLEN_CASES: Array<[string, Arg[][], string]> = [
  ...[0, 1, 5, 31, 32, 44, 45, 50, 100, 250, 253, 254, 255, 256, 1000, 4000, 4096, 5000, 20000, 33000, 40000, 70000, 100000].map(
    (n): [string, Arg[][], string] => [`SET of ${n} bytes`, [['SET', 'v', 'z'.repeat(n)]], 'v'],
  ),
  ...['', 'a', 'y'.repeat(31), 'y'.repeat(32), 'y'.repeat(41), 'y'.repeat(300)].map((k): [string, Arg[][], string] => [`key of ${k.length} bytes`, [['SET', k, 'x']], k]),
  ['APPEND to an embstr', [['SET', 'a', 'hello'], ['APPEND', 'a', ' world']], 'a'],
  ['APPEND within the room', [['APPEND', 'a', '!']], 'a'],
  ['APPEND past the room', [['APPEND', 'a', 'q'.repeat(100)]], 'a'],
  ['APPEND to an integer', [['SET', 'i', '12345'], ['APPEND', 'i', '6']], 'i'],
  ['SETRANGE creating', [['SETRANGE', 'sr', '10', 'abc']], 'sr'],
  ['SETRANGE growing', [['SETRANGE', 'sr', '20', 'abc']], 'sr'],
  ['SETRANGE within', [['SETRANGE', 'sr', '0', 'x']], 'sr'],
  ['SETBIT creating', [['SETBIT', 'b', '100', '1']], 'b'],
  ['SETBIT growing', [['SETBIT', 'b', '1000', '1']], 'b'],
  ['SETBIT growing past 4 KB', [['SETBIT', 'b', '100000', '1']], 'b'],
  ['APPEND to a raw 300', [['SET', 'big', 'z'.repeat(300)], ['APPEND', 'big', 'z']], 'big'],
  ['APPEND 100 more', [['APPEND', 'big', 'z'.repeat(100)]], 'big'],
  ['SETRANGE on a raw 5000', [['SET', 'L', 'z'.repeat(5000)], ['SETRANGE', 'L', '4999', 'abc']], 'L'],
  ['SETRANGE far out', [['SETRANGE', 'L', '20000', 'abc']], 'L'],
  ['APPEND to a raw 5000', [['SET', 'L2', 'z'.repeat(5000)], ['APPEND', 'L2', 'abc']], 'L2'],
  ['SETBIT leaving a raw 5000 as it was', [['SET', 'L3', 'z'.repeat(5000)], ['SETBIT', 'L3', '0', '1']], 'L3'],
  ['INCRBYFLOAT', [['SET', 'f', '1.5'], ['INCRBYFLOAT', 'f', '1']], 'f'],
  ['BITOP result', [['SETBIT', 'b1', '100000', '1'], ['BITOP', 'OR', 'dest', 'b1', 'missing']], 'dest'],
  ['GETSET', [['GETSET', 'g', 'z'.repeat(60)]], 'g'],
  ['MSET', [['MSET', 'm1', 'z'.repeat(60), 'm2', 'z'.repeat(300)]], 'm2'],
  ['COPY of a raw string', [['SET', 'c1', 'z'.repeat(50)], ['COPY', 'c1', 'c2']], 'c2'],
  ['RENAME of an edited string', [['SET', 'r1', 'abc'], ['APPEND', 'r1', 'def'], ['RENAME', 'r1', 'r2']], 'r2'],
  ['PFADD creating', [['PFADD', 'hll', 'a', 'b', 'c']], 'hll'],
  ['PFADD growing', [['PFADD', 'hll', ...Array.from({ length: 100 }, (_, i) => `e${i}`)]], 'hll'],
  ['PFADD turning dense', [['PFADD', 'h2', ...Array.from({ length: 3000 }, (_, i) => `x${i}`)]], 'h2'],
  ['PFADD one at a time', Array.from({ length: 300 }, (_, i) => ['PFADD', 'h3', `y${i}`]), 'h3'],
  ['PFCOUNT caching', [['PFCOUNT', 'h3']], 'h3'],
  ['PFMERGE into a dense result', [['PFMERGE', 'h4', 'h3', 'h2']], 'h4'],
];

dual.case('SDSLEN', async (pair) => {
  for (const [label, commands, key] of SDSLEN_CASES) {
    await onBoth(pair, commands);
    await pair.step({ kind: 'command', argv: ['DEBUG', 'SDSLEN', key], compare: exactly, mustError: false, label: `SDSLEN after ${label}` });
  }
});

dual.case('SDSLEN errors', [
  error('DEBUG', 'SDSLEN', 'missing'),
  ['SET', 'n', '123'],
  error('DEBUG', 'SDSLEN', 'n'),
  ['RPUSH', 'l', 'a'],
  error('DEBUG', 'SDSLEN', 'l'),
  error('DEBUG', 'SDSLEN'),
  error('DEBUG', 'SDSLEN', 'n', 'x'),
]);

dual.case('LISTPACK and QUICKLIST replies', [
  ['HSET', 'h', 'a', '1', 'bb', '300'],
  ['ZADD', 'z', '1.5', 'm'],
  ['RPUSH', 'l', 'a', 'b', '12345', 'q'.repeat(50)],
  ['SET', 's', 'x'],
  ['SADD', 'st', 'a'],
  ['DEBUG', 'LISTPACK', 'h'],
  ['DEBUG', 'LISTPACK', 'z'],
  error('DEBUG', 'LISTPACK', 'l'),
  error('DEBUG', 'LISTPACK', 's'),
  error('DEBUG', 'LISTPACK', 'st'),
  error('DEBUG', 'LISTPACK', 'missing'),
  error('DEBUG', 'LISTPACK'),
  ['DEBUG', 'QUICKLIST', 'l'],
  ['DEBUG', 'QUICKLIST', 'l', '1'],
  ['DEBUG', 'QUICKLIST', 'l', 'x'],
  error('DEBUG', 'QUICKLIST', 'h'),
  error('DEBUG', 'QUICKLIST', 'missing', '1'),
  error('DEBUG', 'QUICKLIST', 'l', '1', '2'),
]);

/** What redis-server 7.0.15 printed on its stdout for DEBUG LISTPACK h (pointers left out). */
const LISTPACK_OF_H = [
  '{total bytes 19} {num entries 4}',
  ...[
    ['0', '6', ' 3', '1', '81|61|02|', 'a'],
    ['1', '9', ' 2', '0', '01|01|', '1'],
    ['2', '11', ' 4', '2', '82|62|62|03|', 'bb'],
    ['3', '15', ' 3', '1', 'c1|2c|02|', '300'],
  ].flatMap(([index, offset, whole, payload, bytes, value]) => [
    '{',
    `\tindex: ${(index as string).padStart(2)},`,
    `\toffset: ${offset},`,
    `\thdr+entrylen+backlen: ${whole},`,
    '\thdrlen:   1,',
    '\tbacklen:  1,',
    `\tpayload: ${payload}`,
    `\tbytes: ${bytes}`,
    `\t[str]${value}`,
    '}',
  ]),
  '{end}',
].join('\n');

dual.case('LISTPACK prints what Redis prints (hashslot: in its log)', async (pair, tt) => {
  const servers = dual.running;
  if (servers.targetName !== 'hashslot') return void tt.pass('redis-server buffers its stdout: checked against hashslot only');
  await onBoth(pair, [['HSET', 'h', 'a', '1', 'bb', '300'], ['DEBUG', 'LISTPACK', 'h'], ['RPUSH', 'l', 'a'], ['DEBUG', 'QUICKLIST', 'l', '1']]);
  const expected: Array<[string, string]> = [
    [LISTPACK_OF_H, 'the listpack of h, entry by entry'],
    ['{count : 1}\n{len : 1}\n{fill : -2}\n{compress : 0}\n{bookmark_count : 0}\n{quicklist node(0)\n', 'the quicklist header'],
    ['{container : PACKED, encoding: RAW, size: 10, count: 1, recompress: 0, attempted_compress: 0}\n{ listpack:\n{total bytes 10} {num entries 1}', 'its node, in full'],
  ];
  // The log reaches us through the process's stdout, which is not ordered with the replies:
  // wait (with a deadline) until the whole printout has arrived.
  const printed = (): string => servers.target.output().split('\n').filter((l) => !l.startsWith('\taddr: ')).join('\n');
  const deadline = Date.now() + 5_000;
  while (!expected.every(([text]) => printed().includes(text)) && Date.now() < deadline) await delay(20);
  for (const [text, what] of expected) tt.ok(printed().includes(text), what);
});

dual.case('MALLCTL, MALLCTL-STR', [
  ['DEBUG', 'MALLCTL', 'arenas.page'],
  ['DEBUG', 'MALLCTL', 'arenas.quantum'],
  error('DEBUG', 'MALLCTL', 'arenas.page', '5'),
  error('DEBUG', 'MALLCTL', 'no.such.name'),
  error('DEBUG', 'MALLCTL', 'no.such.name', '5'),
  error('DEBUG', 'MALLCTL', 'stats.allocated', 'x'),
  error('DEBUG', 'MALLCTL', 'thread.tcache.flush'),
  error('DEBUG', 'MALLCTL'),
  ['DEBUG', 'MALLCTL-STR', 'thread.tcache.flush', 'VOID'],
  error('DEBUG', 'MALLCTL-STR', 'thread.tcache.flush'),
  error('DEBUG', 'MALLCTL-STR', 'thread.tcache.flush', 'x'),
  error('DEBUG', 'MALLCTL-STR', 'no.such.name'),
  error('DEBUG', 'MALLCTL-STR', 'no.such.name', 'x'),
  error('DEBUG', 'STRINGMATCH-TEST', 'x'),
  error('DEBUG', 'REPLICATE'),
] satisfies Step[]);

dual.case('STRINGMATCH-TEST', async (pair, tt) => {
  // Redis runs ten million random matches: seconds on a busy machine.
  const [r, h] = await pair.both(async (c) => {
    c.send('DEBUG', 'STRINGMATCH-TEST');
    const [reply] = await c.readReplies(1, 120_000);
    return reply ?? Buffer.alloc(0);
  });
  tt.equal(h instanceof Error ? h.message : h.toString('latin1'), r.toString('latin1'), 'the fuzz test passes');
});
