/*
 * What each stream write sends to replicas, byte for byte as Redis 7.0 sends it (runner in
 * propagation-forms.ts).
 *
 * The forms that differ from the command as received: XADD with "*" or "<ms>-*" is sent with the
 * ID it picked; a "~" trim (XADD's or XTRIM's) is sent as an exact one ("=") with what it left:
 * the length for MAXLEN, the first remaining ID for MINID, so a replica, whose node boundaries
 * need not be the primary's, keeps exactly the same entries. LIMIT stays in the argument list.
 */
import t from 'tap';
import { redisServerPath, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import type { Arg } from '../../bench/harness/resp';
import { compareStreams, row, type Scenario } from './propagation-forms';

/** 250 entries, so approximate trims (whole nodes of 100) have something to remove. */
const FILL: Arg[][] = Array.from({ length: 250 }, (_, i) => ['XADD', 's', `${i + 1}-0`, 'f', String(i)]);

const streams: Scenario[] = [
  row('XADD with an explicit ID', [], ['XADD', 's', '5-1', 'a', 'b']),
  row('XADD with ms-*', [['XADD', 's', '5-1', 'a', 'b']], ['XADD', 's', '5-*', 'a', 'b'], ['XADD', 's', '7-*', 'a', 'b']),
  row('XADD refused', [['XADD', 's', '5-1', 'a', 'b']], ['XADD', 's', '5-1', 'a', 'b']),
  row('XADD NOMKSTREAM on a missing key', [], ['XADD', 's', 'NOMKSTREAM', '1-1', 'a', 'b']),
  row('XADD with an exact MAXLEN', FILL, ['XADD', 's', 'MAXLEN', '10', '300-0', 'a', 'b']),
  row('XADD with MAXLEN ~', FILL, ['XADD', 's', 'MAXLEN', '~', '10', '300-0', 'a', 'b']),
  row('XADD with MAXLEN ~ that trims nothing', FILL, ['XADD', 's', 'MAXLEN', '~', '200', '300-0', 'a', 'b']),
  row('XADD with MINID ~ and LIMIT', FILL, ['XADD', 's', 'MINID', '~', '220', 'LIMIT', '100', '300-*', 'a', 'b']),
  row('XTRIM MAXLEN ~', FILL, ['XTRIM', 's', 'MAXLEN', '~', '10']),
  row('XTRIM MINID ~', FILL, ['XTRIM', 's', 'MINID', '~', '150']),
  row('XTRIM exact', FILL, ['XTRIM', 's', 'MAXLEN', '5']),
  row('XTRIM that trims nothing', FILL, ['XTRIM', 's', 'MAXLEN', '~', '240']),
  row('XDEL', [['XADD', 's', '1-1', 'a', 'b']], ['XDEL', 's', '1-1', '2-2']),
  row('XDEL of nothing', [['XADD', 's', '1-1', 'a', 'b']], ['XDEL', 's', '2-2']),
  row('XSETID', [['XADD', 's', '1-1', 'a', 'b']], ['XSETID', 's', '9-9', 'ENTRIESADDED', '5']),
];

const GROUP: Arg[][] = [
  ['XADD', 's', '1-1', 'a', '1'],
  ['XADD', 's', '2-1', 'b', '2'],
  ['XADD', 's', '3-1', 'c', '3'],
  ['XGROUP', 'CREATE', 's', 'g', '0'],
];
const READ: Arg[][] = [...GROUP, ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>']];

const groups: Scenario[] = [
  row('XGROUP CREATE', [['XADD', 's', '1-1', 'a', '1']], ['XGROUP', 'CREATE', 's', 'g', '$']),
  row('XGROUP CREATE MKSTREAM ENTRIESREAD', [], ['XGROUP', 'CREATE', 's', 'g', '0', 'MKSTREAM', 'ENTRIESREAD', '3']),
  row('XGROUP SETID', GROUP, ['XGROUP', 'SETID', 's', 'g', '2-1']),
  row('XGROUP DESTROY', GROUP, ['XGROUP', 'DESTROY', 's', 'g'], ['XGROUP', 'DESTROY', 's', 'g']),
  row('XGROUP CREATECONSUMER', GROUP, ['XGROUP', 'CREATECONSUMER', 's', 'g', 'bob'], ['XGROUP', 'CREATECONSUMER', 's', 'g', 'bob']),
  row('XGROUP DELCONSUMER', READ, ['XGROUP', 'DELCONSUMER', 's', 'g', 'alice']),
  row('XREADGROUP of new entries', GROUP, ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>']),
  row('XREADGROUP NOACK', GROUP, ['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'STREAMS', 's', '>']),
  row('XREADGROUP with nothing new', READ, ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>']),
  row('XREADGROUP of the history', READ, ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0']),
  row('XREADGROUP history of a new consumer', READ, ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '0']),
  row('XACK', READ, ['XACK', 's', 'g', '1-1', '9-9']),
  row('XCLAIM', READ, ['XCLAIM', 's', 'g', 'bob', '0', '1-1', '2-1']),
  row('XCLAIM JUSTID RETRYCOUNT', READ, ['XCLAIM', 's', 'g', 'bob', '0', '1-1', 'JUSTID', 'RETRYCOUNT', '5']),
  row('XCLAIM FORCE of an unread entry', GROUP, ['XCLAIM', 's', 'g', 'bob', '0', '2-1', 'FORCE']),
  row('XCLAIM of a deleted entry', [...READ, ['XDEL', 's', '2-1']], ['XCLAIM', 's', 'g', 'bob', '0', '2-1']),
  row('XCLAIM with LASTID only', GROUP, ['XCLAIM', 's', 'g', 'bob', '0', '2-1', 'LASTID', '3-1']),
  row('XAUTOCLAIM', [...READ, ['XDEL', 's', '2-1']], ['XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '5']),
  {
    name: 'blocked XREADGROUP served by XADD',
    setup: [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']],
    blocked: [['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']],
    run: [['XADD', 's', '5-1', 'a', '1']],
  },
  {
    name: 'blocked XREADGROUP NOACK served by XADD',
    setup: [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']],
    blocked: [['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'BLOCK', '0', 'STREAMS', 's', '>']],
    run: [['XADD', 's', '5-1', 'a', '1']],
  },
  {
    name: 'two blocked XREADGROUP clients served after one EXEC',
    setup: [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']],
    blocked: [
      ['XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>'],
      ['XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>'],
    ],
    run: [['MULTI'], ['XADD', 's', 'MAXLEN', '5', '5-1', 'a', '1'], ['XADD', 's', '6-1', 'a', '1'], ['EXEC']],
  },
  {
    name: 'blocked XREADGROUP served inside EXEC',
    setup: [['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']],
    blocked: [['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']],
    run: [['MULTI'], ['XADD', 's', '5-1', 'a', '1'], ['XADD', 's', '6-1', 'a', '1'], ['EXEC']],
  },
  {
    name: 'blocked XREAD served by XADD',
    setup: [],
    blocked: [['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']],
    run: [['XADD', 's', '5-1', 'a', '1']],
  },
];

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  t.test('streams: the replication stream is Redis 7.0\'s', (tt) => compareStreams(tt, streams));
  t.test('consumer groups: the replication stream is Redis 7.0\'s', (tt) => compareStreams(tt, groups));
}
