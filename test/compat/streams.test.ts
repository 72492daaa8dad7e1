/*
 * Differential tests for the stream commands: every reply compared byte for byte with a real
 * redis-server, in RESP2 and RESP3. XADD's ID rules and errors, ranges with exclusive bounds,
 * trimming, XSETID, XREAD (also blocking), the generic key commands on streams, and DUMP/RESTORE
 * in both directions. streams-random.test.ts draws random sequences of the same commands.
 */

import t from 'tap';
import { blocked, call, close, read, scenarioRunner, send } from './connection-script';
import { check, dualRun, error, shape } from './harness';
import { parseReply } from '../../bench/harness/resp';
import { ByteCursor } from '../../storage/rdb/byte-cursor';
import { ByteSink } from '../../storage/rdb/byte-sink';
import { crc64 } from '../../storage/rdb/crc64';
import { RDB_VERSION, ValueType } from '../../storage/rdb/rdb-format';
import { readStream as readStreamValue, writeStream } from '../../storage/rdb/stream-codec';
import { inBothProtocols, scanUnordered } from './random-picks';

const dual = dualRun(t);
const scenario = scenarioRunner(dual);

inBothProtocols(dual, 'XADD IDs and errors', [
  ['XADD', 's', '1-1', 'a', '1'],
  error('XADD', 's', '1-1', 'a', '1'),
  error('XADD', 's', '1-0', 'a', '1'),
  ['XADD', 's', '1-*', 'b', '2'],
  ['XADD', 's', '5', 'c', '3', 'd', '4'],
  ['XADD', 's', '5-*', 'c', '3'],
  ['XADD', 's', '6-*', 'c', '3'],
  error('XADD', 's', '0-0', 'a', 'b'),
  error('XADD', 'new', '0-0', 'a', 'b'),
  ['EXISTS', 'new'],
  ['XADD', 'new', '0-*', 'a', 'b'],
  error('XADD', 's', 'abc', 'a', 'b'),
  error('XADD', 's', '7-x', 'a', 'b'),
  error('XADD', 's', '7-1', 'a'),
  error('XADD', 's', '7-1', 'a', 'b', 'c'),
  error('XADD', 's', '7-1'),
  error('XADD', 's', '-', 'a', 'b'),
  error('XADD', 's', '+', 'a', 'b'),
  ['XADD', 's', 'NOMKSTREAM', '8-1', 'a', 'b'],
  ['XADD', 'missing', 'NOMKSTREAM', '8-1', 'a', 'b'],
  ['XADD', 'missing', 'nomkstream', '*', 'a', 'b'],
  ['EXISTS', 'missing'],
  ['XADD', 'big', '18446744073709551615-18446744073709551614', 'a', 'b'],
  ['XADD', 'big', '18446744073709551615-*', 'a', 'b'],
  error('XADD', 'big', '18446744073709551615-*', 'a', 'b'),
  error('XADD', 'big', '*', 'a', 'b'),
  error('XADD', 'big', '18446744073709551616-1', 'a', 'b'),
  ['XLEN', 'big'],
  ['XADD', 'top', '3-18446744073709551615', 'c', '3'],
  error('XADD', 'top', '3-*', 'c', '3'),
  error('XADD', 'top', 'MAXLEN', '0', '3-*', 'c', '3'),
  error('XADD', 'top', 'NOMKSTREAM', '3-*', 'c', '3'),
  error('XADD', 'top', '2-*', 'c', '3'),
  ['XADD', 'top', '4-*', 'c', '3'],
  ['XRANGE', 's', '-', '+'],
  ['SET', 'str', 'x'],
  error('XADD', 'str', '*', 'a', 'b'),
  error('XLEN', 'str'),
  error('XRANGE', 'str', '-', '+'),
  ['TYPE', 's'],
  ['OBJECT', 'ENCODING', 's'],
  ['XLEN', 'nothing'],
  ['XRANGE', 'nothing', '-', '+'],
]);

inBothProtocols(dual, 'XADD with * picks increasing IDs', [
  shape('XADD', 's', '*', 'a', '1'),
  shape('XADD', 's', '*', 'a', '2'),
  ['XLEN', 's'],
  ['XADD', 'future', '99999999999999-5', 'a', '1'],
  ['XADD', 'future', '*', 'a', '1'],
  ['XADD', 'future', 'MAXLEN', '1', '*', 'a', '1'],
  ['XRANGE', 'future', '-', '+'],
]);

inBothProtocols(dual, 'XRANGE and XREVRANGE bounds and COUNT', [
  ['XADD', 's', '1-1', 'a', '1'],
  ['XADD', 's', '1-2', 'b', '2'],
  ['XADD', 's', '2-0', 'c', '3'],
  ['XADD', 's', '3-5', 'd', '4'],
  ['XRANGE', 's', '-', '+'],
  ['XRANGE', 's', '1', '2'],
  ['XRANGE', 's', '(1-1', '(3-5'],
  ['XRANGE', 's', '(1', '+'],
  ['XREVRANGE', 's', '+', '-', 'COUNT', '2'],
  ['XREVRANGE', 's', '(3-5', '(1-1'],
  ['XRANGE', 's', '-', '+', 'COUNT', '0'],
  ['XRANGE', 's', '-', '+', 'COUNT', '-3'],
  ['XRANGE', 's', '-', '+', 'count', '1', 'COUNT', '3'],
  error('XRANGE', 's', '-', '+', 'COUNT'),
  error('XRANGE', 's', '-', '+', 'COUNT', 'x'),
  error('XRANGE', 's', '-', '+', 'LIMIT', '1'),
  error('XRANGE', 's', '(-', '+'),
  error('XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'),
  error('XRANGE', 's', '-', '(0-0'),
  error('XRANGE', 's', 'x', '+'),
  ['XRANGE', 's', '3', '1'],
  ['XRANGE', 's', '(', '+'],
]);

inBothProtocols(dual, 'XDEL XTRIM XSETID', [
  ['XADD', 's', '1-1', 'a', '1'],
  ['XADD', 's', '2-1', 'b', '2'],
  ['XADD', 's', '3-1', 'c', '3'],
  ['XADD', 's', '4-1', 'd', '4'],
  ['XDEL', 's', '1-1', '9-9', '1-1'],
  error('XDEL', 's', '2-1', 'bad'),
  ['XLEN', 's'],
  ['XDEL', 'missing', 'bad'],
  ['XTRIM', 's', 'MAXLEN', '2'],
  ['XTRIM', 's', 'MINID', '=', '4'],
  ['XTRIM', 's', 'MAXLEN', '~', '0'],
  error('XTRIM', 's'),
  error('XTRIM', 's', 'MAXLEN', '1', 'LIMIT', '3'),
  error('XTRIM', 's', 'LIMIT', '3'),
  error('XTRIM', 's', 'MAXLEN', '-1'),
  error('XTRIM', 's', 'MAXLEN', '1', 'MINID', '1'),
  error('XTRIM', 's', 'MINID', '~', 'x'),
  error('XTRIM', 's', 'MAXLEN', '~', '1', 'LIMIT', '-1'),
  error('XTRIM', 's', 'FOO'),
  ['XTRIM', 'missing', 'MAXLEN', '0'],
  ['XRANGE', 's', '-', '+'],
  error('XADD', 's', '4-1', 'x', 'y'),
  ['XSETID', 's', '10-0'],
  error('XADD', 's', '9-0', 'x', 'y'),
  ['XSETID', 's', '1-0'],
  ['XADD', 's', '20-0', 'x', 'y'],
  error('XSETID', 's', '1-0'),
  error('XSETID', 'missing', '1-0'),
  error('XSETID', 's', '11-0', 'ENTRIESADDED', '-1'),
  error('XSETID', 's', '21-0', 'ENTRIESADDED', '0'),
  error('XSETID', 's', '11-0', 'MAXDELETEDID', '12-0'),
  error('XSETID', 's', '11-0', 'FOO', '1'),
  ['XSETID', 's', '21-0', 'ENTRIESADDED', '100', 'MAXDELETEDID', '5-0'],
  ['XSETID', 's', '21-0', 'ENTRIESADDED', '9223372036854775807'],
  ['XINFO', 'STREAM', 's'],
  error('XSETID', 's', '21-0', 'ENTRIESADDED', '9223372036854775808'),
  shape('XADD', 's', '*', 'x', 'y'),
  ['DEL', 's'],
  ['XADD', 's', '1-1', 'a', '1'],
  ['XDEL', 's', '1-1'],
  ['XLEN', 's'],
  ['EXISTS', 's'],
  ['XADD', 's', '1-2', 'a', '1'],
  ['XADD', 's', 'MAXLEN', '0', '5-0', 'a', '1'],
  ['XLEN', 's'],
  ['EXISTS', 's'],
]);

inBothProtocols(dual, 'XREAD', [
  ['XADD', 's', '1-1', 'a', '1'],
  ['XADD', 's', '2-1', 'b', '2'],
  ['XADD', 't', '1-5', 'c', '3'],
  ['XREAD', 'STREAMS', 's', '0'],
  ['XREAD', 'COUNT', '1', 'STREAMS', 's', 't', '0', '0'],
  ['XREAD', 'STREAMS', 's', 't', 'missing', '1-1', '$', '0'],
  ['XREAD', 'STREAMS', 's', '$'],
  ['XREAD', 'STREAMS', 's', 's', '0', '1-1'],
  error('XREAD', 'STREAMS', 's'),
  error('XREAD', 'STREAMS', 's', 't', '0'),
  error('XREAD', 'COUNT', '1', 's', '0'),
  error('XREAD', 'STREAMS', 's', '>'),
  error('XREAD', 'STREAMS', 's', 'x'),
  error('XREAD', 'GROUP', 'g', 'c', 'STREAMS', 's', '0'),
  error('XREAD', 'NOACK', 'STREAMS', 's', '0'),
  error('XREAD', 'BLOCK', '-1', 'STREAMS', 's', '0'),
  error('XREAD', 'BLOCK', 'x', 'STREAMS', 's', '0'),
  error('XREAD', 'COUNT', 'x', 'STREAMS', 's', '0'),
  ['SET', 'str', 'x'],
  error('XREAD', 'STREAMS', 's', 'str', '0', '0'),
  ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '0'],
  ['MULTI'],
  ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
  ['EXEC'],
  error('EVAL', "return redis.call('xread', 'block', '0', 'streams', 's', '$')", '0'),
  ['EVAL', "return redis.call('XREAD', 'COUNT', '1', 'STREAMS', 's', '0')", '0'],
]);

inBothProtocols(dual, 'generic key commands on streams', [
  ['XADD', 's', '1-1', 'a', '1'],
  ['XADD', 's', '2-1', 'b', '2'],
  ['XDEL', 's', '1-1'],
  ['COPY', 's', 'c'],
  ['XRANGE', 'c', '-', '+'],
  ['RENAME', 'c', 'r'],
  ['TYPE', 'r'],
  ['EXPIRE', 'r', '100'],
  ['TTL', 'r'],
  check(scanUnordered, 'SCAN', '0', 'TYPE', 'stream'),
  ['DUMP', 's'],
  ['DEL', 'r'],
  ['DEBUG', 'DIGEST-VALUE', 's'],
  ['MOVE', 's', '3'],
  ['SELECT', '3'],
  ['XRANGE', 's', '-', '+'],
  ['OBJECT', 'ENCODING', 's'],
  ['SWAPDB', '0', '3'],
  ['SELECT', '0'],
  ['XLEN', 's'],
  ['PERSIST', 's'],
  ['DEBUG', 'DIGEST'],
  ['DEBUG', 'RELOAD'],
  ['XRANGE', 's', '-', '+'],
  ['DUMP', 's'],
]);

dual.case('DUMP payloads RESTORE on the other server', async (pair, tt) => {
  const setup = [
    ['CONFIG', 'SET', 'stream-node-max-entries', '3'],
    ['XADD', 's', '1-1', 'a', '1', 'b', '2'],
    ['XADD', 's', '1-2', 'a', '3', 'b', '4'],
    ['XADD', 's', '2-0', 'other', 'x'.repeat(100)],
    ['XADD', 's', '3-0', 'a', '12345678901'],
    ['XADD', 's', '4-0', 'a', '-1', 'b', ''],
    ['XDEL', 's', '1-2'],
    ['XADD', 'e', '5-5', 'a', '1'],
    ['XDEL', 'e', '5-5'],
    ['XGROUP', 'CREATE', 's', 'g', '0'],
    ['XGROUP', 'CREATE', 's', 'h', '$', 'ENTRIESREAD', '3'],
    ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
    ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'],
    ['XGROUP', 'CREATECONSUMER', 's', 'h', 'idle'],
    ['XACK', 's', 'g', '1-1'],
  ];
  for (const argv of setup) await pair.both((c) => c.call(...argv));
  for (const key of ['s', 'e']) {
    const payload = async (side: 'redis' | 'target'): Promise<Buffer> => parseReply(await pair.client(side).call('DUMP', key)).text;
    const [fromRedis, fromTarget] = [await payload('redis'), await payload('target')];
    // With consumer groups the payload holds delivery and seen times, which differ by a few ms.
    if (key === 'e') tt.same(fromTarget, fromRedis, `DUMP ${key} is byte for byte Redis's`);
    else tt.equal(fromTarget.length, fromRedis.length, `DUMP ${key} has the length of Redis's`);
    await pair.both((c) => c.call('DEL', key));
    // Each side restores the other's payload.
    tt.equal((await pair.redis.call('RESTORE', key, '0', fromTarget)).toString(), '+OK\r\n', `Redis RESTOREs hashslot's ${key}`);
    tt.equal((await pair.target.call('RESTORE', key, '0', fromRedis)).toString(), '+OK\r\n', `hashslot RESTOREs Redis's ${key}`);
    for (const argv of [['XRANGE', key, '-', '+'], ['XINFO', 'STREAM', key], ['XINFO', 'GROUPS', key], ['XPENDING', key, 'g']]) {
      const [r, h] = await pair.both((c) => c.call(...argv));
      tt.same(h, r, `${argv.join(' ')} after the crossed RESTORE`);
    }
    // Each side now holds the other's payload, times included: their DUMPs swap.
    const [rd, hd] = [await payload('redis'), await payload('target')];
    tt.same(hd, fromRedis, `DUMP ${key} after RESTORE of Redis's payload is that payload`);
    tt.same(rd, fromTarget, `Redis's DUMP ${key} after RESTORE of hashslot's payload is that payload`);
  }
  await pair.both((c) => c.call('CONFIG', 'SET', 'stream-node-max-entries', '100'));
});

scenario('XADD wakes blocked XREADs that wait below its ID', [
  send('A', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'),
  blocked(1),
  send('B', 'XREAD', 'BLOCK', '0', 'STREAMS', 'other', 's', '0', '5-0'),
  blocked(2),
  call('C', 'XADD', 's', '3-0', 'a', '1'),
  read('A'),
  blocked(1),
  call('C', 'XADD', 's', '6-0', 'b', '2'),
  read('B'),
  blocked(0),
]);

// Redis signals waiters for new entries only: XSETID, XDEL, XTRIM and EXPIRE change the
// stream in place and wake nobody, even when the last ID moves past a waiter's.
scenario('XSETID, XDEL, XTRIM and EXPIRE leave XREAD waiters blocked', [
  call('C', 'XADD', 's', '1-1', 'a', '1'),
  call('C', 'XADD', 's', '2-1', 'a', '2'),
  send('A', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'),
  blocked(1),
  call('C', 'XSETID', 's', '5-0'),
  call('C', 'XDEL', 's', '1-1'),
  call('C', 'XTRIM', 's', 'MAXLEN', '0'),
  call('C', 'EXPIRE', 's', '1000'),
  blocked(1),
  call('C', 'XADD', 's', '10-0', 'x', 'y'),
  read('A'),
  blocked(0),
]);

// A waiter on several streams is served from the one that got entries first.
scenario('a waiter on two streams is served from the one written first in a transaction', [
  call('C', 'XADD', 's', '1-1', 'a', '1'),
  send('A', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', 't', '$', '$'),
  blocked(1),
  call('C', 'MULTI'),
  call('C', 'XADD', 't', '2-1', 'b', '2'),
  call('C', 'XADD', 's', '3-1', 'b', '2'),
  call('C', 'EXEC'),
  read('A'),
  send('A', 'XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 't', 's', '$', '$'),
  blocked(1),
  call('C', 'MULTI'),
  call('C', 'XSETID', 't', '9-0'),
  call('C', 'XADD', 's', '4-1', 'c', '3'),
  call('C', 'XADD', 't', '10-1', 'c', '3'),
  call('C', 'EXEC'),
  read('A'),
]);

scenario('XREAD BLOCK times out with the null array; MULTI wakes after EXEC', [
  call('A', 'XREAD', 'BLOCK', '50', 'STREAMS', 's', '$'),
  send('A', 'XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '$'),
  blocked(1),
  call('B', 'MULTI'),
  call('B', 'XADD', 's', '1-0', 'a', '1'),
  call('B', 'XADD', 's', '2-0', 'a', '2'),
  call('B', 'EXEC'),
  read('A'),
]);

scenario(
  'XREAD wake-ups in RESP3; a closed waiter is forgotten',
  [
    send('A', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '0'),
    blocked(1),
    send('B', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '0'),
    blocked(2),
    close('A'),
    blocked(1),
    call('C', 'XADD', 's', '1-0', 'a', '1'),
    read('B'),
  ],
  true,
);


scenario('a stream renamed onto a waited-on key serves its readers', [
  send('A', 'XREAD', 'BLOCK', '0', 'STREAMS', 'dst', '0'),
  blocked(1),
  call('B', 'XADD', 'src', '1-0', 'a', '1'),
  call('B', 'RENAME', 'src', 'dst'),
  read('A'),
  send('A', 'XREAD', 'BLOCK', '0', 'STREAMS', 'other', '0'),
  blocked(1),
  call('B', 'RPUSH', 'other', 'x'),
  blocked(1),
  call('B', 'DEL', 'other'),
  call('B', 'COPY', 'dst', 'other'),
  read('A'),
]);

dual.case('a type-15 stream (the pre-7.0 RDB form) RESTOREs as Redis reads it', async (pair, tt) => {
  const setup = [
    ['XADD', 's', '1-1', 'a', '1'],
    ['XADD', 's', '2-1', 'b', '2'],
    ['XADD', 's', '3-1', 'c', '3'],
    ['XADD', 's', '4-1', 'd', '4'],
    ['XDEL', 's', '2-1'],
    ['XGROUP', 'CREATE', 's', 'before', '0'],
    ['XGROUP', 'CREATE', 's', 'first', '1-1'],
    ['XGROUP', 'CREATE', 's', 'last', '$'],
    ['XGROUP', 'CREATE', 's', 'inside', '3-1'],
    ['XREADGROUP', 'GROUP', 'before', 'alice', 'COUNT', '1', 'STREAMS', 's', '>'],
  ];
  for (const argv of setup) await pair.redis.call(...argv);
  // Redis 7.0 writes type 19 only: rewrite its payload as type 15 with hashslot's codec.
  const payload = parseReply(await pair.redis.call('DUMP', 's')).text;
  const stream = readStreamValue(new ByteCursor(payload.subarray(1, payload.length - 10)), true);
  const sink = new ByteSink();
  sink.u8(ValueType.STREAM_LISTPACKS);
  writeStream(sink, stream, false, false);
  sink.u16le(RDB_VERSION);
  sink.u64le(crc64(0n, sink.view()));
  const old = sink.take();
  await pair.both((c) => c.call('DEL', 's'));
  const restored = await pair.both((c) => c.call('RESTORE', 's', '0', old));
  tt.same(restored[1], restored[0], 'RESTORE of the type-15 payload');
  for (const argv of [['XINFO', 'STREAM', 's'], ['XINFO', 'GROUPS', 's'], ['XPENDING', 's', 'before']]) {
    const [r, h] = await pair.both((c) => c.call(...argv));
    tt.same(h, r, `${argv.join(' ')} after loading type 15`);
  }
});
