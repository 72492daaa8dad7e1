/*
 * Differential tests for sorted-set ranges (ZRANGE and its older forms, ZRANGESTORE) and algebra
 * (ZUNION, ZINTER, ZDIFF, the STORE forms, ZINTERCARD), compared byte for byte with a real
 * redis-server in RESP2 and RESP3, every error reply included.
 */

import t from 'tap';
import { dualRun, error } from './harness';
import { inBothProtocols } from './random-picks';
import type { Arg } from '../../bench/harness/resp';

const dual = dualRun(t);

const SETUP: Arg[][] = [
  ['ZADD', 'z', '1', 'a', '2', 'b', '2', 'c', '3', 'd', '4.5', 'e', '-inf', 'f', '+inf', 'g', '0.1', 'h'],
  ['ZADD', 'l', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e', '0', 'f', '0', Buffer.from([0xff]), '0', ''],
];

const ranks = ['0', '1', '2', '-1', '-2', '-3', '5', '-10', '100', '-100', '9223372036854775807', '-9223372036854775808'];
const rankPairs: Array<[string, string]> = [];
for (const a of ranks) for (const b of ['0', '-1', '3', '100', '-100']) rankPairs.push([a, b]);

inBothProtocols(dual, 'ZRANGE and ZREVRANGE by rank', [
  ...SETUP,
  ...rankPairs.map(([a, b]) => ['ZRANGE', 'z', a, b]),
  ...rankPairs.map(([a, b]) => ['ZREVRANGE', 'z', a, b, 'WITHSCORES']),
  ['ZRANGE', 'z', '0', '-1', 'REV', 'WITHSCORES'],
  ['ZRANGE', 'z', '0', '2', 'withscores', 'rev'],
  ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '-1'],
  ['ZRANGE', 'missing', '0', '-1'],
  ['ZRANGE', 'missing', '0', '-1', 'WITHSCORES'],
]);

const scoreRanges: Array<[string, string]> = [
  ['-inf', '+inf'], ['1', '2'], ['(1', '2'], ['(1', '(2'], ['2', '2'], ['(2', '2'], ['3', '1'], ['', '2'], ['-inf', '-inf'],
  ['+inf', '+inf'], ['(-inf', '(+inf'], ['0', '0.1'], ['0', '(0.1'], ['4.5', '100'], ['-1e400', '1e400'],
];

inBothProtocols(dual, 'ranges by score: ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGE BYSCORE, LIMIT', [
  ...SETUP,
  ...scoreRanges.map(([a, b]) => ['ZRANGEBYSCORE', 'z', a, b, 'WITHSCORES']),
  ...scoreRanges.map(([a, b]) => ['ZREVRANGEBYSCORE', 'z', b, a, 'WITHSCORES']),
  ...scoreRanges.map(([a, b]) => ['ZRANGE', 'z', a, b, 'BYSCORE']),
  ...scoreRanges.map(([a, b]) => ['ZRANGE', 'z', b, a, 'BYSCORE', 'REV', 'WITHSCORES']),
  ...[['0', '2'], ['1', '3'], ['2', '1'], ['7', '1'], ['0', '-1'], ['-1', '2'], ['3', '0'], ['0', '100'], ['1', '-5']].flatMap(([o, c]) => [
    ['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'LIMIT', o as string, c as string],
    ['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'WITHSCORES', 'LIMIT', o as string, c as string],
    ['ZRANGE', 'z', '(1', '4.5', 'BYSCORE', 'LIMIT', o as string, c as string, 'WITHSCORES'],
    ['ZRANGE', 'z', '4.5', '(1', 'BYSCORE', 'REV', 'LIMIT', o as string, c as string],
  ]),
  ['ZRANGEBYSCORE', 'missing', '-inf', '+inf'],
  ['ZRANGEBYSCORE', 'z', '(', '1'],
  ['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'LIMIT', '1', '1', 'LIMIT', '2', '2'],
]);

const lexRanges: Array<[string, string]> = [
  ['-', '+'], ['[a', '[c'], ['(a', '[c'], ['(a', '(c'], ['[c', '[a'], ['[b', '[b'], ['(b', '[b'], ['+', '-'], ['-', '-'],
  ['+', '+'], ['[', '(b'], ['(', '+'], ['[d', '+'], ['-', '[\xff'], ['-', '(\xff'], ['[aa', '[bb'],
];

inBothProtocols(dual, 'ranges by lex: ZRANGEBYLEX ZREVRANGEBYLEX ZRANGE BYLEX, LIMIT', [
  ...SETUP,
  ...lexRanges.map(([a, b]) => ['ZRANGEBYLEX', 'l', a, b]),
  ...lexRanges.map(([a, b]) => ['ZREVRANGEBYLEX', 'l', b, a]),
  ...lexRanges.map(([a, b]) => ['ZRANGE', 'l', a, b, 'BYLEX']),
  ...lexRanges.map(([a, b]) => ['ZRANGE', 'l', b, a, 'REV', 'BYLEX']),
  ...[['0', '2'], ['1', '3'], ['7', '1'], ['0', '-1'], ['-1', '2'], ['2', '0']].flatMap(([o, c]) => [
    ['ZRANGEBYLEX', 'l', '-', '+', 'LIMIT', o as string, c as string],
    ['ZREVRANGEBYLEX', 'l', '+', '-', 'LIMIT', o as string, c as string],
    ['ZRANGE', 'l', '(a', '+', 'BYLEX', 'LIMIT', o as string, c as string],
  ]),
  ['ZRANGEBYLEX', 'missing', '-', '+'],
]);

inBothProtocols(dual, 'range errors', [
  ...SETUP,
  ['SET', 'str', 'v'],
  ...[
    ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'], ['ZRANGE', 'l', '-', '+', 'BYLEX', 'WITHSCORES'],
    ['ZRANGEBYLEX', 'l', '-', '+', 'WITHSCORES'], ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'],
    ['ZRANGE', 'z', '0', '1', 'REV', 'REV'], ['ZRANGE', 'z', '0', '1', 'LIMIT', '0'], ['ZRANGE', 'z', '0', '1', 'FOO'],
    ['ZRANGE', 'z', 'a', '1'], ['ZRANGE', 'z', '0', '1.5'], ['ZRANGE', 'z', 'x', '1', 'BYSCORE'], ['ZRANGE', 'z', 'a', 'b', 'BYLEX'],
    ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'LIMIT', 'x', '1'], ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'LIMIT', '0', 'x'],
    ['ZRANGE', 'z', 'x', '1', 'LIMIT', '0', '1'], ['ZRANGE', 'str', '0', '1'], ['ZRANGE', 'str', 'x', '1'],
    ['ZREVRANGE', 'z', '0', '1', 'REV'], ['ZREVRANGE', 'z', '0', '1', 'BYSCORE'], ['ZREVRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
    ['ZRANGEBYSCORE', 'z', '0', '1', 'BYLEX'], ['ZRANGEBYSCORE', 'z', '0', '1', 'REV'], ['ZRANGEBYSCORE', 'z', 'nan', '1'],
    ['ZRANGEBYSCORE', 'z', '[1', '2'], ['ZRANGEBYSCORE', 'z', '0', '1', 'LIMIT', '1'],
    ['ZREVRANGEBYSCORE', 'z', '1', 'x'], ['ZRANGEBYLEX', 'l', 'a', 'b'], ['ZREVRANGEBYLEX', 'l', '[a', 'b'],
    ['ZRANGEBYLEX', 'str', 'a', 'b'], ['ZRANGESTORE', 'd', 'z', '0', '1', 'WITHSCORES'], ['ZRANGESTORE', 'd', 'str', '0', '1'],
    ['ZRANGESTORE', 'd', 'z', '0', '1', 'LIMIT', '0', '1'],
  ].map((argv) => error(...argv)),
]);

inBothProtocols(dual, 'ZRANGESTORE', [
  ...SETUP,
  ['ZRANGESTORE', 'd', 'z', '0', '2'],
  ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
  ['ZRANGESTORE', 'd', 'z', '(1', '+inf', 'BYSCORE', 'LIMIT', '1', '2'],
  ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
  ['ZRANGESTORE', 'd', 'l', '[b', '[e', 'BYLEX', 'REV'],
  ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
  ['ZRANGESTORE', 'd', 'z', '5', '1'],
  ['EXISTS', 'd'],
  ['SET', 'd', 'string'],
  ['ZRANGESTORE', 'd', 'missing', '0', '-1'],
  ['EXISTS', 'd'],
  ['ZRANGESTORE', 'z', 'z', '0', '1'],
  ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
  ['OBJECT', 'ENCODING', 'z'],
]);

inBothProtocols(dual, 'ZUNION ZINTER ZDIFF and their STORE forms', [
  ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z', '0.1', 'p'],
  ['ZADD', 'b', '10', 'y', '20', 'z', '30', 'w', '0.2', 'p'],
  ['ZADD', 'c', '100', 'z', 'inf', 'x', '-inf', 'y', '0.3', 'p'],
  ['SADD', 's', 'x', 'y', 'q'],
  ['ZUNION', '2', 'a', 'b'],
  ['ZUNION', '2', 'a', 'b', 'WITHSCORES'],
  ['ZUNION', '3', 'a', 'b', 'c', 'WITHSCORES'],
  ['ZUNION', '3', 'c', 'b', 'a', 'WITHSCORES'],
  ['ZUNION', '4', 'a', 'b', 'c', 's', 'WITHSCORES', 'AGGREGATE', 'MIN'],
  ['ZUNION', '4', 'a', 'b', 'c', 's', 'AGGREGATE', 'max', 'WITHSCORES'],
  ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '2', '0.5', 'WITHSCORES'],
  ['ZUNION', '2', 'a', 'c', 'WEIGHTS', '0', '-1', 'WITHSCORES'],
  ['ZUNION', '2', 'a', 'c', 'WEIGHTS', 'inf', '-inf', 'WITHSCORES'],
  ['ZUNION', '2', 'a', 'missing', 'WITHSCORES'],
  ['ZUNION', '1', 'missing'],
  ['ZINTER', '2', 'a', 'b', 'WITHSCORES'],
  ['ZINTER', '3', 'a', 'b', 'c', 'WITHSCORES'],
  ['ZINTER', '3', 'c', 'a', 'b', 'WITHSCORES', 'AGGREGATE', 'MIN'],
  ['ZINTER', '2', 'a', 's', 'WITHSCORES', 'WEIGHTS', '3', '7'],
  ['ZINTER', '2', 'a', 'missing'],
  ['ZDIFF', '2', 'a', 'b', 'WITHSCORES'],
  ['ZDIFF', '3', 'a', 'b', 's', 'WITHSCORES'],
  ['ZDIFF', '2', 'missing', 'a'],
  ['ZDIFF', '1', 's', 'WITHSCORES'],
  ['ZINTERCARD', '2', 'a', 'b'],
  ['ZINTERCARD', '3', 'a', 'b', 'c', 'LIMIT', '2'],
  ['ZINTERCARD', '3', 'a', 'b', 'c', 'limit', '0'],
  ['ZINTERCARD', '2', 'a', 'missing'],
  ['ZUNIONSTORE', 'd', '3', 'a', 'b', 'c', 'WEIGHTS', '1', '2', '3'],
  ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
  ['ZINTERSTORE', 'd', '2', 'a', 'b', 'AGGREGATE', 'MAX'],
  ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
  ['ZDIFFSTORE', 'd', '2', 'a', 'b'],
  ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'],
  ['ZINTERSTORE', 'd', '2', 'a', 'missing'],
  ['EXISTS', 'd'],
  ['ZUNIONSTORE', 'a', '2', 'a', 'a'],
  ['ZRANGE', 'a', '0', '-1', 'WITHSCORES'],
  ['SET', 'str', 'v'],
  ['ZUNIONSTORE', 'str', '1', 's'],
  ['TYPE', 'str'],
  ['ZADD', 'f1', '0.1', 'm', '0.2', 'n'],
  ['ZADD', 'f2', '0.2', 'm', '0.3', 'n', '1', 'o'],
  ['ZADD', 'f3', '0.3', 'm'],
  ['ZUNION', '3', 'f2', 'f1', 'f3', 'WITHSCORES'],
  ['ZINTER', '3', 'f2', 'f1', 'f3', 'WITHSCORES'],
  ['ZUNION', '3', 'f3', 'f2', 'f1', 'WITHSCORES'],
]);

inBothProtocols(dual, 'algebra errors', [
  ['ZADD', 'a', '1', 'x'],
  ['SET', 'str', 'v'],
  ...[
    ['ZUNION', '0', 'a'], ['ZUNION', '-1', 'a'], ['ZUNION', 'x', 'a'], ['ZUNION', '3', 'a'], ['ZINTER', '0', 'a'], ['ZDIFF', '0', 'a'],
    ['ZUNIONSTORE', 'd', '0', 'a'], ['ZINTERSTORE', 'd', '2', 'a'], ['ZDIFFSTORE', 'd', '0', 'a'], ['ZINTERCARD', '0', 'a'],
    ['ZINTERCARD', '-1', 'a'], ['ZINTERCARD', 'x', 'a'], ['ZINTERCARD', '3', 'a'],
    ['ZUNION', '1', 'a', 'WEIGHTS'], ['ZUNION', '1', 'a', 'WEIGHTS', 'x'], ['ZUNION', '1', 'a', 'WEIGHTS', 'nan'],
    ['ZUNION', '2', 'a', 'a', 'WEIGHTS', '1'], ['ZUNION', '1', 'a', 'AGGREGATE'], ['ZUNION', '1', 'a', 'AGGREGATE', 'avg'],
    ['ZUNION', '1', 'a', 'FOO'], ['ZUNIONSTORE', 'd', '1', 'a', 'WITHSCORES'], ['ZDIFF', '1', 'a', 'WEIGHTS', '1'],
    ['ZDIFF', '1', 'a', 'AGGREGATE', 'SUM'], ['ZINTERCARD', '1', 'a', 'WITHSCORES'], ['ZINTERCARD', '1', 'a', 'LIMIT'],
    ['ZINTERCARD', '1', 'a', 'LIMIT', '-1'], ['ZINTERCARD', '1', 'a', 'LIMIT', 'x'], ['ZINTERCARD', '1', 'a', 'WEIGHTS', '1'],
    ['ZUNION', '1', 'str', 'FOO'], ['ZINTER', '2', 'missing', 'str'], ['ZDIFF', '2', 'a', 'str'], ['ZINTERCARD', '2', 'str', 'a', 'LIMIT', 'x'],
    ['ZUNION', '1', 'a', 'LIMIT', '1'],
  ].map((argv) => error(...argv)),
]);
