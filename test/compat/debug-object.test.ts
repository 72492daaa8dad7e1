/*
 * Differential tests for DEBUG OBJECT and the quicklist it reports on: serializedlength (the
 * length of the value's RDB encoding, integer and LZF forms included) for every type, a list's
 * ql_* fields under different list-max-listpack-size, list-compress-depth and
 * QUICKLIST-PACKED-THRESHOLD settings, and DUMP of the same lists, whose bytes show the node
 * layout. Also QUICKLIST-PACKED-THRESHOLD's argument checks.
 *
 * DEBUG OBJECT is compared with its address and LRU fields masked (a pointer, and a clock that
 * depends on when each server ran the command). The lists are built by RPUSH: hashslot works the
 * nodes out from the elements as a list filled at its tail (storage/rdb/quicklist-layout.ts).
 * Settings are server-wide; every case sets back what it changed.
 */

import t from 'tap';
import { check, dualRun, error, type Step } from './harness';
import { escapeMultiline } from '../../bench/harness/resp';
import type { Comparator } from './compare';
import type { Arg } from '../../bench/harness/resp';

const dual = dualRun(t, { serverArgs: ['--enable-debug-command', 'yes'] });

/** The reply with the object's address and its LRU clock and idle time masked. */
const maskedObject: Comparator = (redis, target) => {
  const mask = (b: Buffer): string => escapeMultiline(b).replace(/Value at:0x[0-9a-f]+ /, 'Value at:<addr> ').replace(/ lru:\d+ lru_seconds_idle:\d+/, ' lru:<clock>');
  return { expected: mask(redis), actual: mask(target) };
};

const object = (key: string): Step => check(maskedObject, 'DEBUG', 'OBJECT', key);
const words = (n: number, stem = 'abcdefghij'): string[] => Array.from({ length: n }, (_, i) => `${stem}${i}`);
const numbers = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

/** RPUSH `items` to k under `settings`, then DEBUG OBJECT and DUMP of it, and the settings back. */
function listCase(items: readonly string[], settings: ReadonlyArray<readonly [string, string]> = []): Step[] {
  const steps: Step[] = [['DEL', 'k']];
  for (const [name, value] of settings) steps.push(['CONFIG', 'SET', name, value]);
  steps.push(['RPUSH', 'k', ...items], object('k'), ['DUMP', 'k']);
  steps.push(['CONFIG', 'SET', 'list-max-listpack-size', '-2'], ['CONFIG', 'SET', 'list-compress-depth', '0']);
  return steps;
}

dual.case('serializedlength of strings: integers, short, empty, LZF with and without rdbcompression', [
  ['SET', 'k', '1000'], object('k'),
  ['SET', 'k', 'abc'], object('k'),
  ['SET', 'k', ''], object('k'),
  ['SET', 'k', 'ab'.repeat(100)], object('k'),
  ['SET', 'k', '-5'], object('k'),
  ['SET', 'k', '12345678901'], object('k'),
  ['SET', 'k', '9223372036854775807'], object('k'),
  ['SET', 'k', '1.5'], object('k'),
  ['DEL', 'k'], ['INCRBYFLOAT', 'k', '3'], object('k'),
  ['SET', 'k', '12'], ['APPEND', 'k', '34'], object('k'),
  ['CONFIG', 'SET', 'rdbcompression', 'no'],
  ['SET', 'k', 'ab'.repeat(100)], object('k'),
  ['CONFIG', 'SET', 'rdbcompression', 'yes'],
]);

dual.case('serializedlength of hashes, sets, sorted sets and streams, small and big', [
  ['HSET', 'h', 'a', 'b'], object('h'),
  ['HSET', 'hb', ...words(600).flatMap((w) => [w, w])], object('hb'),
  ['SADD', 'si', '1'], object('si'),
  ['SADD', 'ss', 'a', 'b'], object('ss'),
  ['SADD', 'sb', ...words(600)], object('sb'),
  ['ZADD', 'z', '1', 'a'], object('z'),
  ['ZADD', 'zb', ...words(200).flatMap((w, i) => [String(i), w])], object('zb'),
  ['XADD', 'x', '1-1', 'a', 'b'], object('x'),
  ['XGROUP', 'CREATE', 'x', 'g', '0'], object('x'),
]);

dual.case('lists: ql_* fields and DUMP under the default settings', [
  ...listCase(['a', 'b', 'c']),
  ...listCase(numbers(1, 3000)),
  ...listCase(numbers(-5000, -1000)),
  ...listCase(words(3000)),
  ...listCase(words(300, 'x'.repeat(100))),
  ...listCase(['q'.repeat(20000), 'a', 'b']),
  ...listCase(['q'.repeat(5000), 'r'.repeat(5000), 'a']),
]);

dual.case('lists: list-max-listpack-size, counts and sizes, clamped', [
  ...['0', '1', '3', '7', '100', '40000', '-1', '-3', '-4', '-5', '-6'].flatMap((fill) => listCase(words(2000), [['list-max-listpack-size', fill]])),
]);

dual.case('lists: a list keeps the fill it was created with', [
  ['CONFIG', 'SET', 'list-max-listpack-size', '3'],
  ['RPUSH', 'k', 'a', 'b', 'c', 'd', 'e'],
  ['CONFIG', 'SET', 'list-max-listpack-size', '-2'],
  ['RPUSH', 'k', 'f', 'g', 'h'],
  object('k'),
  ['DUMP', 'k'],
  // RESTORE and SORT ... STORE build the list with the settings in force.
  ['CONFIG', 'SET', 'list-max-listpack-size', '2'],
  ['SORT', 'k', 'ALPHA', 'STORE', 'sorted'],
  object('sorted'),
  ['RPUSH', 'src', ...words(10)],
  ['EVAL', "return redis.call('RESTORE', 'copy', 0, redis.call('DUMP', 'src'))", '0'],
  object('copy'),
  ['DUMP', 'copy'],
  ['CONFIG', 'SET', 'list-max-listpack-size', '-2'],
]);

dual.case('lists: list-compress-depth keeps the middle nodes compressed', [
  ...listCase(words(5000), [['list-compress-depth', '1']]),
  ...listCase(words(5000), [['list-compress-depth', '3']]),
  ...listCase(words(40), [['list-compress-depth', '1'], ['list-max-listpack-size', '5']]),
  ...listCase(['a', 'b', 'c', 'd', 'e', 'f', 'g'], [['list-compress-depth', '1'], ['list-max-listpack-size', '2']]),
  ...listCase(words(10, 'f'.repeat(60)), [['list-compress-depth', '2'], ['list-max-listpack-size', '1']]),
  ['CONFIG', 'SET', 'rdbcompression', 'no'],
  // Compressed nodes are written compressed whatever rdbcompression says.
  ...listCase(words(40), [['list-compress-depth', '1'], ['list-max-listpack-size', '5']]),
  ['CONFIG', 'SET', 'rdbcompression', 'yes'],
]);

dual.case('lists: elements past QUICKLIST-PACKED-THRESHOLD get plain nodes', [
  ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1b'],
  ...listCase(['a', '12', 'x'.repeat(30), '', 'b']),
  ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100b'],
  ...listCase(['a', 'x'.repeat(200), 'b', 'c', 'y'.repeat(100), 'z'.repeat(99)]),
  ...listCase(['a', 'x'.repeat(200), 'y'.repeat(200), 'z'.repeat(200), 'c'], [['list-compress-depth', '1']]),
  ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'],
  ...listCase(['a', 'x'.repeat(200), 'b']),
]);

const ok = (arg: Arg): Step => ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', arg];
const refused = (arg: Arg): Step => error('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', arg);

dual.case('QUICKLIST-PACKED-THRESHOLD takes a memory value up to 4gb minus 1mb', [
  ...['abc', '-1', '5000000000', '4gb', '4293918721', ' 5', '5 ', '1.5', '+5', '0x10', '1kbb', '1 kb'].map(refused),
  ...['1', '1b', '1kb', '1KB', '1k', '1gB', '1mb', '3gb', '4293918720', '', 'kb', '0'].map(ok),
  error('DEBUG', 'QUICKLIST-PACKED-THRESHOLD'),
  error('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1', '2'),
]);
