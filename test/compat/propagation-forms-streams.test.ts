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

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  t.test('streams: the replication stream is Redis 7.0\'s', (tt) => compareStreams(tt, streams));
}
