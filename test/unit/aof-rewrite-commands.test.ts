/*
 * Unit tests for storage/aof-rewrite-commands.ts, the commands an AOF base without preamble
 * holds per key (its bytes against redis-server are in test/compat/aof-base-commands.test.ts):
 * batches of 64 items, an intset's numeric order at the int64 edges, a skiplist's -0 scores
 * written last and a long member first, deadlines beyond 2^53, a stream's commands in order.
 */
import t from 'tap';
import Denque from 'denque';
import { AOF_REWRITE_ITEMS_PER_CMD, keyRewriteCommands } from '../../storage/aof-rewrite-commands';
import { ConsumerGroup, assignPending, createConsumer } from '../../storage/stream-groups';
import { makeId } from '../../storage/stream-id';
import { HashValue, ListValue, SetValue, SortedSetValue } from '../../storage/values';
import { StreamValue } from '../../storage/stream';

const LIMITS = { maxBytes: 4096, maxEntries: 100 };
const all = (...args: Parameters<typeof keyRewriteCommands>): string[][] => [...keyRewriteCommands(...args)];

t.test('strings, and a deadline beyond 2^53 ms', async (t) => {
  t.same(all('k', 'v'), [['SET', 'k', 'v']]);
  t.same(all('k', '', 2n ** 60n), [['SET', 'k', ''], ['PEXPIREAT', 'k', '1152921504606846976']]);
});

t.test('containers go 64 items per command, the last batch taking the rest', async (t) => {
  const items = Array.from({ length: 2 * AOF_REWRITE_ITEMS_PER_CMD + 1 }, (_, i) => `e${i}`);
  const list = all('l', new ListValue(new Denque(items)));
  t.same(list.map((argv) => argv.length - 2), [64, 64, 1]);
  t.same(list.flatMap((argv) => argv.slice(2)), items, 'head to tail');
  t.same(list.map((argv) => argv.slice(0, 2)), [['RPUSH', 'l'], ['RPUSH', 'l'], ['RPUSH', 'l']]);

  const hash = new HashValue(new Map(items.map((f, i) => [f, String(i)])));
  t.same(all('h', hash).map((argv) => [argv[0], argv.length - 2]), [['HMSET', 128], ['HMSET', 128], ['HMSET', 2]], 'a pair counts as one item');
});

t.test('an intset is written ascending, at the int64 edges too', async (t) => {
  const set = new SetValue(new Set(['3', '9223372036854775807', '-1', '-9223372036854775808', '0']));
  t.same(all('s', set), [['SADD', 's', '-9223372036854775808', '-1', '0', '3', '9223372036854775807']]);
});

t.test('sorted sets: %.17g scores ascending; a skiplist writes a long member first and -0 last', async (t) => {
  const small = new SortedSetValue(new Map([['b', 0.1], ['a', Infinity], ['c', -Infinity], ['d', 1e17]]));
  t.same(all('z', small), [['ZADD', 'z', '-inf', 'c', '0.10000000000000001', 'b', '1e+17', 'd', 'inf', 'a']]);

  const long = 'y'.repeat(65);
  const skiplist = new SortedSetValue(new Map([['a', -1], [long, 5], ['z', 2]]));
  t.equal(skiplist.add('neg', -0), 'added');
  t.same(all('z', skiplist), [['ZADD', 'z', '5', long, '-1', 'a', '2', 'z', '-0', 'neg']]);
});

t.test('a stream: live entries, XSETID, groups by name, consumers by name, their pending entries', async (t) => {
  const stream = new StreamValue();
  stream.append(makeId(1n, 1n), ['f', 'v'], 0, LIMITS);
  stream.append(makeId(2n, 0n), ['f', 'w', 'g', 'x'], 0, LIMITS);
  stream.append(makeId(3n, 0n), ['f', 'y'], 0, LIMITS);
  t.ok(stream.deleteEntry(makeId(2n, 0n)));
  stream.maxDeletedId = makeId(2n, 0n);
  const g = new ConsumerGroup('g', makeId(3n, 0n), 3n);
  const alice = createConsumer(g, 'alice', 1000) as NonNullable<ReturnType<typeof createConsumer>>;
  createConsumer(g, 'bob', 1000);
  assignPending(g, makeId(3n, 0n), { consumer: alice, deliveryTimeMs: 1700000000000, deliveryCount: 2 }, alice);
  assignPending(g, makeId(1n, 1n), { consumer: alice, deliveryTimeMs: 1700000000001, deliveryCount: 1 }, alice);
  stream.groups.set('g', g);
  stream.groups.set('a', new ConsumerGroup('a', 0n, -1n));
  t.same(all('x', stream), [
    ['XADD', 'x', '1-1', 'f', 'v'],
    ['XADD', 'x', '3-0', 'f', 'y'],
    ['XSETID', 'x', '3-0', 'ENTRIESADDED', '3', 'MAXDELETEDID', '2-0'],
    ['XGROUP', 'CREATE', 'x', 'a', '0-0', 'ENTRIESREAD', '-1'],
    ['XGROUP', 'CREATE', 'x', 'g', '3-0', 'ENTRIESREAD', '3'],
    ['XCLAIM', 'x', 'g', 'alice', '0', '1-1', 'TIME', '1700000000001', 'RETRYCOUNT', '1', 'JUSTID', 'FORCE'],
    ['XCLAIM', 'x', 'g', 'alice', '0', '3-0', 'TIME', '1700000000000', 'RETRYCOUNT', '2', 'JUSTID', 'FORCE'],
    ['XGROUP', 'CREATECONSUMER', 'x', 'g', 'bob'],
  ]);
});

t.test('an empty stream: XADD MAXLEN 0 makes the key, XSETID puts its counters back', async (t) => {
  const stream = new StreamValue();
  stream.lastId = makeId(18446744073709551615n, 5n);
  stream.entriesAdded = 7n;
  t.same(all('x', stream, 1234), [
    ['XADD', 'x', 'MAXLEN', '0', '0-1', 'x', 'y'],
    ['XSETID', 'x', '18446744073709551615-5', 'ENTRIESADDED', '7', 'MAXDELETEDID', '0-0'],
    ['PEXPIREAT', 'x', '1234'],
  ]);
});
