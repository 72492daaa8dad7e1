/*
 * Differential tests for the generic key commands (issue 2). SCAN cursors are an implementation
 * detail (redis's are reverse-binary hash-table positions), so SCAN is compared by the set of keys
 * a full iteration returns, plus the shape of each reply.
 */

import t from 'tap';
import { dualRun, error, sorted, approx, type Pair } from './harness';
import { parseReply } from '../../bench/harness/resp';
import type { RawClient } from '../../bench/harness/raw-client';
import type { Arg } from '../../bench/harness/resp';

const dual = dualRun(t);

dual.case('DEL UNLINK EXISTS', [
  ['MSET', 'a', '1', 'b', '2', 'c', '3'],
  ['EXISTS', 'a'],
  ['EXISTS', 'a', 'b', 'missing', 'a'],
  ['DEL', 'a', 'missing', 'a'],
  ['EXISTS', 'a'],
  ['UNLINK', 'b', 'c', 'zz'],
  ['EXISTS', 'b', 'c'],
  ['DEL', 'missing'],
  error('DEL'),
  error('UNLINK'),
  error('EXISTS'),
]);

dual.case('TYPE', [
  ['SET', 's', 'v'],
  ['TYPE', 's'],
  ['TYPE', 'missing'],
  ['SET', 'n', '12'],
  ['TYPE', 'n'],
  error('TYPE'),
  error('TYPE', 'a', 'b'),
]);

dual.case('RENAME RENAMENX', [
  ['SET', 'a', '1'],
  ['RENAME', 'a', 'b'],
  ['GET', 'b'],
  ['EXISTS', 'a'],
  error('RENAME', 'missing', 'x'),
  ['RENAME', 'b', 'b'],
  ['GET', 'b'],
  ['SET', 'c', '3'],
  ['RENAME', 'b', 'c'],
  ['GET', 'c'],
  ['SET', 'ttl', 'v', 'EX', '100'],
  ['RENAME', 'ttl', 'ttl2'],
  approx(1, 'TTL', 'ttl2'),
  ['SET', 'plain', 'v'],
  ['SET', 'dst', 'v', 'EX', '100'],
  ['RENAME', 'plain', 'dst'],
  ['TTL', 'dst'],
  ['RENAMENX', 'dst', 'c'],
  ['RENAMENX', 'dst', 'fresh'],
  ['GET', 'fresh'],
  ['RENAMENX', 'fresh', 'fresh'],
  error('RENAMENX', 'missing', 'x'),
  error('RENAME', 'a'),
  error('RENAMENX', 'a'),
]);

dual.case('COPY', [
  ['SET', 'src', 'v', 'EX', '100'],
  ['COPY', 'src', 'dst'],
  ['GET', 'dst'],
  approx(1, 'TTL', 'dst'),
  ['COPY', 'src', 'dst'],
  ['SET', 'src', 'w'],
  ['COPY', 'src', 'dst', 'REPLACE'],
  ['GET', 'dst'],
  ['TTL', 'dst'],
  ['COPY', 'missing', 'dst'],
  ['COPY', 'src', 'src'],
  ['COPY', 'src', 'src', 'REPLACE'],
  ['COPY', 'src', 'other', 'DB', '1'],
  ['EXISTS', 'other'],
  ['SELECT', '1'],
  ['GET', 'other'],
  ['SELECT', '0'],
  ['COPY', 'src', 'other', 'DB', '1'],
  ['COPY', 'src', 'other', 'DB', '1', 'REPLACE'],
  ['COPY', 'src', 'src', 'DB', '0'],
  error('COPY', 'src', 'x', 'DB', '16'),
  error('COPY', 'src', 'x', 'DB', '-1'),
  error('COPY', 'src', 'x', 'DB', 'abc'),
  error('COPY', 'src', 'x', 'DB'),
  error('COPY', 'src', 'x', 'BOGUS'),
  error('COPY', 'src'),
  ['SET', 'n', '123'],
  ['COPY', 'n', 'n2'],
  ['OBJECT', 'ENCODING', 'n2'],
]);

dual.case('MOVE', [
  ['SET', 'k', 'v', 'EX', '100'],
  ['MOVE', 'k', '1'],
  ['EXISTS', 'k'],
  ['SELECT', '1'],
  ['GET', 'k'],
  approx(1, 'TTL', 'k'),
  ['SET', 'k2', 'db1'],
  ['SELECT', '0'],
  ['SET', 'k2', 'db0'],
  ['MOVE', 'k2', '1'],
  ['GET', 'k2'],
  ['MOVE', 'missing', '1'],
  error('MOVE', 'k2', '0'),
  error('MOVE', 'k2', '16'),
  error('MOVE', 'k2', '-1'),
  error('MOVE', 'k2', 'x'),
  error('MOVE', 'k2'),
]);

dual.case('TOUCH', [
  ['MSET', 'a', '1', 'b', '2'],
  ['TOUCH', 'a', 'b', 'missing', 'a'],
  ['TOUCH', 'missing'],
  error('TOUCH'),
]);

dual.case('KEYS patterns', [
  ['MSET', 'hello', '1', 'hallo', '2', 'hxllo', '3', 'hllo', '4', 'heeeello', '5', 'h*llo', '6', 'h?llo', '7', 'a[b', '8', 'x\\y', '9'],
  sorted('KEYS', '*'),
  sorted('KEYS', 'h?llo'),
  sorted('KEYS', 'h*llo'),
  sorted('KEYS', 'h[ae]llo'),
  sorted('KEYS', 'h[^e]llo'),
  sorted('KEYS', 'h[a-e]llo'),
  sorted('KEYS', 'h[e-a]llo'),
  sorted('KEYS', 'h\\*llo'),
  sorted('KEYS', 'h\\?llo'),
  sorted('KEYS', 'a\\[b'),
  sorted('KEYS', 'a[b'),
  sorted('KEYS', 'x\\\\y'),
  sorted('KEYS', 'H*'),
  sorted('KEYS', 'nomatch*'),
  sorted('KEYS', ''),
  sorted('KEYS', 'h[!e]llo'),
  sorted('KEYS', '*llo*'),
  sorted('KEYS', '**'),
  error('KEYS'),
]);

dual.case('binary keys', [
  ['SET', Buffer.from([0xff, 0x00, 0x41]), 'v1'],
  ['SET', Buffer.from([0x00]), 'v2'],
  ['SET', Buffer.from('\r\n', 'latin1'), 'v3'],
  ['GET', Buffer.from([0xff, 0x00, 0x41])],
  sorted('KEYS', '*'),
  sorted('KEYS', Buffer.from([0xff, 0x2a])),
  sorted('KEYS', Buffer.from([0x3f])),
  ['EXISTS', Buffer.from([0x00]), Buffer.from([0xff, 0x00, 0x41])],
  ['RENAME', Buffer.from([0x00]), Buffer.from([0x00, 0x00])],
  ['TYPE', Buffer.from([0x00, 0x00])],
  ['DEL', Buffer.from([0xff, 0x00, 0x41]), Buffer.from('\r\n', 'latin1')],
  sorted('KEYS', '*'),
]);

dual.case('RANDOMKEY', [
  ['RANDOMKEY'],
  ['SET', 'only', 'v'],
  ['RANDOMKEY'],
  ['SET', 'k\xff', 'v'],
  ['DEL', 'only'],
  ['RANDOMKEY'],
  error('RANDOMKEY', 'x'),
]);

/** Every key a full SCAN iteration returns (sorted, deduplicated), plus each reply's shape. */
async function scanAll(client: RawClient, extra: Arg[]): Promise<{ keys: string[]; shapes: string[] }> {
  const seen = new Set<string>();
  const shapes = new Set<string>();
  let cursor = '0';
  for (let rounds = 0; rounds < 100_000; rounds++) {
    const reply = parseReply(await client.call('SCAN', cursor, ...extra));
    const [next, keys] = reply.items;
    if (reply.type !== '*' || next === undefined || keys === undefined) throw new Error(`bad SCAN reply ${reply.raw.toString('latin1')}`);
    shapes.add(`${reply.type}${reply.items.length}:${next.type}:${keys.type}`);
    for (const key of keys.items) seen.add(key.text.toString('latin1'));
    cursor = next.text.toString('latin1');
    if (cursor === '0') break;
  }
  return { keys: [...seen].sort(), shapes: [...shapes].sort() };
}

async function compareScan(pair: Pair, extra: Arg[]): Promise<void> {
  const [r, h] = await pair.both((c) => scanAll(c, extra));
  pair.same(h, r, `SCAN ${extra.join(' ')} (union of a full iteration)`);
}

dual.case('SCAN with MATCH COUNT TYPE', async (pair) => {
  const args: Arg[] = ['MSET'];
  for (let i = 0; i < 300; i++) args.push(`key:${i}`, String(i));
  args.push(Buffer.from([0xff, 0x00]), 'bin');
  await pair.do(...args);
  await pair.do('SET', 'other', 'x');
  await compareScan(pair, []);
  await compareScan(pair, ['COUNT', '1']);
  await compareScan(pair, ['COUNT', '1000']);
  await compareScan(pair, ['MATCH', 'key:1*']);
  await compareScan(pair, ['MATCH', 'key:1*', 'COUNT', '7']);
  await compareScan(pair, ['MATCH', 'nomatch']);
  await compareScan(pair, ['TYPE', 'string']);
  await compareScan(pair, ['TYPE', 'list']);
  await compareScan(pair, ['TYPE', 'nosuchtype']);
  await compareScan(pair, ['MATCH', 'other', 'TYPE', 'string', 'COUNT', '3']);
  await pair.do('SCAN', '0', 'MATCH', 'nomatch', 'COUNT', '100000');
  for (const bad of [
    ['SCAN'],
    ['SCAN', 'abc'],
    ['SCAN', '0', 'COUNT', '0'],
    ['SCAN', '0', 'COUNT', '-1'],
    ['SCAN', '0', 'COUNT', 'x'],
    ['SCAN', '0', 'COUNT'],
    ['SCAN', '0', 'MATCH'],
    ['SCAN', '0', 'BOGUS', 'x'],
    ['SCAN', '18446744073709551616'],
  ]) {
    await pair.error(...bad);
  }
});

dual.case('SCAN on an empty database', [
  ['SCAN', '0'],
  ['SCAN', '-1'],
  ['SCAN', '+5'],
  ['SCAN', ''],
  ['SCAN', '-0'],
  error('SCAN', ' 1'),
  error('SCAN', '1 '),
  error('SCAN', '-'),
  ['SCAN', '0', 'MATCH', '*', 'COUNT', '10', 'TYPE', 'string'],
]);

dual.case('keys in other databases are separate', [
  ['SET', 'k', 'db0'],
  ['SELECT', '5'],
  ['EXISTS', 'k'],
  ['SET', 'k', 'db5'],
  sorted('KEYS', '*'),
  ['SELECT', '0'],
  ['GET', 'k'],
  ['DBSIZE'],
]);
