/*
 * Differential tests for where stream node boundaries fall (storage/stream-node.ts packs each
 * node as Redis's listpack): XINFO STREAM's node counts, the entries a "~" trim leaves (it only
 * removes whole nodes), and DUMP payloads, byte for byte, of streams built with entries of
 * mixed shapes, deleted entries, IDs with large deltas, and node limits by count and by size.
 */

import t from 'tap';
import { dualRun, type Step } from './harness';

const dual = dualRun(t);

/** 1000 entries: most with the same two fields, every 7th with others; a value length that varies. */
const FILL = `for i = 1, 1000 do
  if i % 7 == 0 then redis.call('XADD', KEYS[1], i * ARGV[1] .. '-' .. (i % 3), 'other', i, 'third', string.rep('y', i % 90))
  else redis.call('XADD', KEYS[1], i * ARGV[1] .. '-' .. (i % 3), 'f', i, 'g', string.rep('x', i % 50)) end
end`;

function trimSteps(key: string, step: number): Step[] {
  return [
    ['EVAL', FILL, '1', key, String(step)],
    ['XLEN', key],
    ['XINFO', 'STREAM', key],
    ['DUMP', key],
    ['XDEL', key, `${7 * step}-1`, `${8 * step}-2`, `${500 * step}-2`, `${501 * step}-0`, '1-0'],
    ['XTRIM', key, 'MAXLEN', '~', '850'],
    ['XLEN', key],
    ['XINFO', 'STREAM', key],
    ['XTRIM', key, 'MAXLEN', '~', '849', 'LIMIT', '30'],
    ['XTRIM', key, 'MINID', '~', `${300 * step}-0`],
    ['XINFO', 'STREAM', key],
    ['XTRIM', key, 'MAXLEN', '=', '555'],
    ['XINFO', 'STREAM', key, 'FULL', 'COUNT', '3'],
    ['XRANGE', key, '-', '+', 'COUNT', '7'],
    ['XREVRANGE', key, '+', '-', 'COUNT', '7'],
    ['XRANGE', key, `${600 * step}`, `${610 * step}`],
    ['XREVRANGE', key, `(${611 * step}`, `(${599 * step}-2`],
    ['XADD', key, 'MAXLEN', '~', '400', `${2000 * step}-0`, 'f', 'new', 'g', 'x'],
    ['XLEN', key],
    ['DUMP', key],
    ['DEBUG', 'RELOAD'],
    ['XINFO', 'STREAM', key],
    ['DUMP', key],
  ];
}

dual.case('node boundaries and ~ trims, default limits', trimSteps('s', 1));

dual.case('node boundaries and ~ trims, large ID deltas', trimSteps('wide', 1000003));

dual.case('node boundaries by size: stream-node-max-bytes 300, max-entries 0', [
  ['CONFIG', 'SET', 'stream-node-max-bytes', '300'],
  ['CONFIG', 'SET', 'stream-node-max-entries', '0'],
  ...trimSteps('small', 13),
  ['CONFIG', 'SET', 'stream-node-max-bytes', '4096'],
  ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
]);

dual.case('node boundaries by count: stream-node-max-entries 7', [
  ['CONFIG', 'SET', 'stream-node-max-entries', '7'],
  ...trimSteps('seven', 5),
  ['CONFIG', 'SET', 'stream-node-max-entries', '100'],
]);
