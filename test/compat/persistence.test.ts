/*
 * Differential tests for DUMP, RESTORE, SAVE, BGSAVE, DEBUG RELOAD and INFO persistence: the
 * same commands to a real redis-server and to hashslot, replies compared byte for byte.
 *
 * DUMP of a string must be Redis's exact bytes, LZF included (random strings are thrown at both).
 * Values of the other types are created on the redis side only (their commands come later in
 * hashslot): each is DUMPed by redis, RESTOREd into hashslot, DUMPed back by hashslot and
 * RESTOREd into redis under another name, and redis then compares the two keys; where Redis's
 * encoding is a function of the contents (listpack hashes and sorted sets, intsets, small
 * lists) hashslot's DUMP must even be byte-identical.
 */

import t from 'tap';
import fc from 'fast-check';
import { approx, dualRun, error, shape } from './harness';
import { delay } from '../../bench/harness/server-process';
import { parseReply, type Arg } from '../../bench/harness/resp';
import type { RawClient } from '../../bench/harness/raw-client';
import { createDumpPayload } from '../../storage/rdb/dump-payload';
import { crc64 } from '../../storage/rdb/crc64';
import { infoText, parseInfo } from './info-fields';

const dual = dualRun(t);

/** A DUMP-style payload around raw content, with a correct footer. */
function payload(bodyHex: string, version = 10): Buffer {
  const body = Buffer.from(bodyHex.replace(/\s+/g, ''), 'hex');
  const out = Buffer.concat([body, Buffer.alloc(10)]);
  out.writeUInt16LE(version, body.length);
  out.writeBigUInt64LE(crc64(0n, out, 0, out.length - 8), out.length - 8);
  return out;
}

const HELLO = createDumpPayload('hello', true);
const BAD_CRC = Buffer.from(HELLO);
BAD_CRC[BAD_CRC.length - 1] = (BAD_CRC[BAD_CRC.length - 1] as number) ^ 1;

const STRINGS: string[] = [
  '', 'a', '0', '-0', '1', '-1', '127', '128', '-128', '-129', '255', '32767', '32768', '-32768', '-32769',
  '2147483647', '2147483648', '-2147483648', '-2147483649', '12345678901', '-1234567890', '123456789012',
  '9223372036854775807', '-9223372036854775808', '9223372036854775808', '007', '+1', ' 1', '1 ', '1.5', '0x10',
  'a'.repeat(20), 'a'.repeat(21), 'ab'.repeat(11), 'abcd'.repeat(6), 'a'.repeat(24), 'a'.repeat(25), 'x'.repeat(1000),
  'The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.',
  '0123456789'.repeat(100), 'abc'.repeat(3000),
];

dual.case('DUMP of strings: byte-identical to Redis, integers and LZF included', async (pair) => {
  await pair.do('DUMP', 'missing');
  for (const [i, value] of STRINGS.entries()) {
    await pair.do('SET', `k${i}`, value);
    await pair.do('DUMP', `k${i}`);
  }
  await pair.do('SET', 'bin', Buffer.from([0, 1, 2, 255, 254, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 13, 10]));
  await pair.do('DUMP', 'bin');
  await pair.do('CONFIG', 'SET', 'rdbcompression', 'no');
  await pair.do('DUMP', `k${STRINGS.length - 1}`);
  await pair.do('CONFIG', 'SET', 'rdbcompression', 'yes');
  await pair.error('DUMP');
  await pair.error('DUMP', 'a', 'b');
});

dual.case('DUMP of random strings: the LZF choices match liblzf', async (pair) => {
  // Small alphabets and repeats make strings that compress, with matches of every length and
  // offset; mixing in random bytes makes runs of literals and near-misses of the 4-byte rule.
  const samples = fc.sample(
    fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: 15, maxLength: 600 }),
      fc.tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 80 })).map(([s, n]) => s.repeat(n)),
      fc.uint8Array({ minLength: 18, maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 40 }), fc.uint8Array({ maxLength: 30 }))
        .map(([a, n, b]) => Buffer.concat([Buffer.from(a), ...Array.from({ length: n }, () => Buffer.from(a)), Buffer.from(b)]).toString('latin1')),
    ),
    { seed: 1234, numRuns: 250 },
  );
  for (const [i, value] of samples.entries()) {
    const bytes = Buffer.from(value, 'latin1');
    await pair.do('SET', `r${i}`, bytes);
    await pair.do('DUMP', `r${i}`);
  }
});

dual.case('RESTORE: replies and errors in Redis\'s order', [
  ['SET', 'k', 'v'],
  error('RESTORE', 'k', '0', HELLO),
  error('RESTORE', 'k', '-1', HELLO),
  error('RESTORE', 'k', '0', HELLO, 'BOGUS'),
  error('RESTORE', 'new', '-1', HELLO),
  error('RESTORE', 'new', 'abc', HELLO),
  error('RESTORE', 'new', '-1', 'garbage'),
  error('RESTORE', 'new', '0', 'garbage'),
  error('RESTORE', 'new', '0', ''),
  error('RESTORE', 'new', '0', BAD_CRC),
  error('RESTORE', 'new', '0', payload('00 05 68656c6c6f', 11)),
  error('RESTORE', 'new', '0', payload('42 01 61')),
  error('RESTORE', 'new', '0', payload('02 00')),
  error('RESTORE', 'new', '0', payload('0e 00')),
  error('RESTORE', 'new', '0', payload('12 00')),
  error('RESTORE', 'new', '0', payload('02 05 0161')),
  ['RESTORE', 'unsorted-intset', '0', payload('0b 0c 02000000 02000000 0200 0100')],
  ['TYPE', 'unsorted-intset'],
  error('RESTORE', 'new', '0', HELLO, 'IDLETIME', '-1'),
  error('RESTORE', 'new', '0', HELLO, 'IDLETIME', 'x'),
  error('RESTORE', 'new', '0', HELLO, 'IDLETIME'),
  error('RESTORE', 'new', '0', HELLO, 'FREQ', '256'),
  error('RESTORE', 'new', '0', HELLO, 'FREQ', '-1'),
  error('RESTORE', 'new', '0', HELLO, 'IDLETIME', '1', 'FREQ', '2'),
  error('RESTORE', 'new', '0', HELLO, 'FREQ', '2', 'IDLETIME', '1'),
  error('RESTORE', 'new', '0'),
  ['RESTORE', 'new', '0', payload('00 05 616263')],
  ['GET', 'new'],
  ['RESTORE', 'k', '0', HELLO, 'REPLACE'],
  ['GET', 'k'],
  ['TTL', 'k'],
  ['RESTORE', 'ttl', '100000', HELLO],
  approx(1000, 'PTTL', 'ttl'),
  ['RESTORE', 'abs', '4102444800000', HELLO, 'ABSTTL'],
  ['PEXPIRETIME', 'abs'],
  ['RESTORE', 'past', '1', HELLO, 'ABSTTL'],
  ['EXISTS', 'past'],
  ['RESTORE', 'k', '1', HELLO, 'ABSTTL', 'REPLACE'],
  ['EXISTS', 'k'],
  ['RESTORE', 'overflow', '9223372036854775807', HELLO],
  ['EXISTS', 'overflow'],
  ['RESTORE', 'idle', '0', HELLO, 'IDLETIME', '1000', 'absttl', 'replace'],
  approx(1, 'OBJECT', 'IDLETIME', 'idle'),
  ['RESTORE', 'freq', '0', HELLO, 'FREQ', '5'],
  error('OBJECT', 'FREQ', 'freq'),
  ['RESTORE', 'int', '0', createDumpPayload('12345', true)],
  ['OBJECT', 'ENCODING', 'int'],
  ['RESTORE', 'long', '0', createDumpPayload('a'.repeat(40), true)],
  ['GET', 'long'],
  ['OBJECT', 'ENCODING', 'long'],
  ['TYPE', 'long'],
  ['DBSIZE'],
]);

dual.case('RESTORE of a list DUMPed by hashslot, and of the documented vector', [
  ['RESTORE', 'l', '0', Buffer.from('12010215150000000500817802020181610281620281630' + '2ff0a0067fab155c4be5a19', 'hex')],
  ['TYPE', 'l'],
  ['DUMP', 'l'],
  ['OBJECT', 'ENCODING', 'l'],
]);

/** Polls INFO until no background save is running. */
async function bgsaveDone(c: RawClient): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const info = parseInfo(infoText(await c.call('INFO', 'persistence')))[0]?.fields;
    if (info?.get('rdb_bgsave_in_progress') === '0') return;
    if (Date.now() > deadline) throw new Error('BGSAVE still running after 10 s');
    await delay(20);
  }
}

/** A raw bulk reply's payload. */
function bulk(reply: Buffer): Buffer {
  const node = parseReply(reply);
  if (node.type !== '$' || node.isNull) throw new Error(`not a bulk: ${reply.toString('latin1').slice(0, 80)}`);
  return node.text;
}

async function pipeline(c: RawClient, commands: Arg[][]): Promise<void> {
  for (let i = 0; i < commands.length; i += 500) {
    const batch = commands.slice(i, i + 500);
    for (const argv of batch) c.send(...argv);
    await c.readReplies(batch.length, 30_000);
  }
}

/** Keys of every type and encoding, built with data-type commands on the redis side. */
function typedDataset(): Array<{ key: string; build: Arg[][]; read: Arg[]; sameBytes: boolean }> {
  const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));
  return [
    { key: 'list:small', build: [['RPUSH', 'list:small', 'x', '2', 'a', '-5', '70000', '9223372036854775807']], read: ['LRANGE', '$', '0', '-1'], sameBytes: true },
    { key: 'list:long', build: [['RPUSH', 'list:long', ...range(3000, (i) => `item-${i}`)]], read: ['LRANGE', '$', '0', '-1'], sameBytes: false },
    { key: 'list:bigitems', build: [['RPUSH', 'list:bigitems', 'a'.repeat(16378), 'b'.repeat(5000), 'c', 'd'.repeat(9000)]], read: ['LRANGE', '$', '0', '-1'], sameBytes: false },
    { key: 'list:pushed-left', build: [['LPUSH', 'list:pushed-left', ...range(100, String)]], read: ['LRANGE', '$', '0', '-1'], sameBytes: true },
    { key: 'hash:listpack', build: [['HSET', 'hash:listpack', 'f', 'v', 'n', '12', 'neg', '-4097', 'e', '']], read: ['HGETALL', '$'], sameBytes: true },
    { key: 'hash:hashtable', build: [['HSET', 'hash:hashtable', ...range(1200, (i) => (i % 2 === 0 ? `field${i}` : `value${i}`))]], read: ['HGETALL', '$'], sameBytes: false },
    { key: 'hash:longvalue', build: [['HSET', 'hash:longvalue', 'f', 'v'.repeat(100), 'g', 'short']], read: ['HGETALL', '$'], sameBytes: false },
    { key: 'set:intset16', build: [['SADD', 'set:intset16', '5', '-3', '1', '32767']], read: ['SMEMBERS', '$'], sameBytes: true },
    { key: 'set:intset32', build: [['SADD', 'set:intset32', '5', '100000', '-2147483648']], read: ['SMEMBERS', '$'], sameBytes: true },
    { key: 'set:intset64', build: [['SADD', 'set:intset64', '5', '9223372036854775807', '-9223372036854775808']], read: ['SMEMBERS', '$'], sameBytes: true },
    { key: 'set:hashtable', build: [['SADD', 'set:hashtable', 'a', 'b', 'c', '1']], read: ['SMEMBERS', '$'], sameBytes: false },
    { key: 'set:bigint', build: [['SADD', 'set:bigint', ...range(700, (i) => String(i * 3))]], read: ['SMEMBERS', '$'], sameBytes: false },
    { key: 'zset:listpack', build: [['ZADD', 'zset:listpack', '1.5', 'm', '2', 'n', '-inf', 'o', '0.1', 'p', '+inf', 'q', '-3', 'r', '1e300', 's']], read: ['ZRANGE', '$', '0', '-1', 'WITHSCORES'], sameBytes: true },
    { key: 'zset:ties', build: [['ZADD', 'zset:ties', '1', 'b', '1', 'a', '1', 'c', '0', 'z']], read: ['ZRANGE', '$', '0', '-1', 'WITHSCORES'], sameBytes: true },
    { key: 'zset:skiplist', build: [['ZADD', 'zset:skiplist', ...range(400, (i) => (i % 2 === 0 ? String(i / 7) : `member${i}`))]], read: ['ZRANGE', '$', '0', '-1', 'WITHSCORES'], sameBytes: false },
    { key: 'zset:longmember', build: [['ZADD', 'zset:longmember', '1', 'm'.repeat(100), '2', 'x']], read: ['ZRANGE', '$', '0', '-1', 'WITHSCORES'], sameBytes: false },
    { key: 'string:long', build: [['SET', 'string:long', 'xyz'.repeat(5000)]], read: ['GET', '$'], sameBytes: true },
  ];
}

dual.case('RESTORE of every type and encoding DUMPed by redis, and back', async (pair, tt) => {
  const redis = pair.redis;
  const target = pair.target;
  for (const item of typedDataset()) {
    await pipeline(redis, item.build);
    const dumped = bulk(await redis.call('DUMP', item.key));
    const restored = await target.call('RESTORE', item.key, '0', dumped);
    tt.equal(restored.toString('latin1'), '+OK\r\n', `${item.key}: hashslot RESTOREs redis's payload`);
    tt.equal((await target.call('TYPE', item.key)).toString(), (await redis.call('TYPE', item.key)).toString(), `${item.key}: TYPE`);
    tt.equal(
      (await target.call('OBJECT', 'ENCODING', item.key)).toString(),
      (await redis.call('OBJECT', 'ENCODING', item.key)).toString(),
      `${item.key}: OBJECT ENCODING`,
    );
    const back = bulk(await target.call('DUMP', item.key));
    if (item.sameBytes) tt.equal(back.toString('hex'), dumped.toString('hex'), `${item.key}: hashslot's DUMP is byte-identical`);
    const copy = `copy:${item.key}`;
    tt.equal((await redis.call('RESTORE', copy, '0', back)).toString(), '+OK\r\n', `${item.key}: redis RESTOREs hashslot's payload`);
    const readOriginal = item.read.map((a) => (a === '$' ? item.key : a));
    const readCopy = item.read.map((a) => (a === '$' ? copy : a));
    const [original, copied] = [await redis.call(...readOriginal), await redis.call(...readCopy)];
    // Members of a set and fields of a hashtable hash come in no particular order.
    const normalise = (reply: Buffer): string[] => {
      const items = parseReply(reply).items.map((i) => i.text.toString('latin1'));
      if (item.read[0] === 'SMEMBERS') return items.sort();
      if (item.read[0] !== 'HGETALL') return items;
      const pairs: string[] = [];
      for (let i = 0; i < items.length; i += 2) pairs.push(`${items[i] ?? ''}=${items[i + 1] ?? ''}`);
      return pairs.sort();
    };
    if (item.read[0] === 'GET') tt.equal(copied.toString('latin1'), original.toString('latin1'), `${item.key}: same value`);
    else tt.same(normalise(copied), normalise(original), `${item.key}: same contents after the round trip`);
  }
});

dual.case('SAVE, BGSAVE, LASTSAVE and the INFO persistence counters', async (pair) => {
  const changes = async (): Promise<void> => {
    const [r, h] = await pair.both(async (c) => {
      const info = parseInfo(infoText(await c.call('INFO', 'persistence')))[0]?.fields;
      return ['rdb_changes_since_last_save', 'rdb_bgsave_in_progress', 'rdb_last_bgsave_status'].map((f) => `${f}:${info?.get(f) ?? '?'}`);
    });
    pair.same(h, r, 'INFO persistence counters');
  };
  await pair.do('SAVE');
  await changes();
  await pair.step(shape('LASTSAVE'));
  await pair.do('SET', 'a', '1');
  await pair.do('SET', 'b', '2');
  await pair.do('APPEND', 'b', '3');
  await pair.do('DEL', 'a', 'nothing');
  await pair.do('INCR', 'n');
  await pair.do('EXPIRE', 'b', '100');
  await changes();
  await pair.do('SAVE');
  await changes();
  await pair.do('BGSAVE');
  await pair.both((c) => bgsaveDone(c));
  await changes();
  await pair.step(error('BGSAVE', 'x'));
  await pair.step(error('BGSAVE', 'SCHEDULE', 'x'));
  await pair.step(error('SAVE', 'x'));
});

// Redis does not fork inside EXEC: both are scheduled, and its cron starts them one after the other.
dual.case('BGSAVE and BGREWRITEAOF inside MULTI are scheduled, then run', async (pair) => {
  await pair.do('SET', 'k', 'v');
  await pair.do('MULTI');
  await pair.do('BGSAVE');
  await pair.do('BGREWRITEAOF');
  await pair.do('EXEC');
  const [r, h] = await pair.both(async (c) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const persistence = parseInfo(infoText(await c.call('INFO', 'persistence')))[0]?.fields;
      const fields = ['rdb_bgsave_in_progress', 'aof_rewrite_in_progress', 'aof_rewrite_scheduled', 'rdb_last_bgsave_status', 'aof_last_bgrewrite_status'];
      const seen = fields.map((f) => `${f}:${persistence?.get(f) ?? '?'}`);
      if (seen.slice(0, 3).every((f) => f.endsWith(':0')) || Date.now() > deadline) return seen;
      await delay(50);
    }
  });
  pair.same(h, r, 'both ran, and succeeded');
});

dual.case('DEBUG RELOAD keeps the data and resets the change counter', async (pair) => {
  await pair.do('SET', 'a', '1');
  await pair.do('SET', 'b', 'x'.repeat(100), 'EX', '1000');
  await pair.do('SELECT', '5');
  await pair.do('SET', 'c', '3');
  await pair.do('DEBUG', 'RELOAD');
  await pair.do('GET', 'c');
  await pair.do('SELECT', '0');
  await pair.do('MGET', 'a', 'b');
  await pair.doApprox(1, 'TTL', 'b');
  await pair.step(error('DEBUG', 'RELOAD', 'BOGUS'));
  await pair.do('SET', 'a', '2');
  await pair.do('DEBUG', 'RELOAD', 'NOSAVE');
  await pair.do('GET', 'a');
  await pair.do('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE');
  await pair.do('DBSIZE');
  const [r, h] = await pair.both(async (c) => parseInfo(infoText(await c.call('INFO', 'persistence')))[0]?.fields.get('rdb_changes_since_last_save'));
  pair.same(h, r, 'rdb_changes_since_last_save after DEBUG RELOAD');
});
