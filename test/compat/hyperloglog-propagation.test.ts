/*
 * What the HyperLogLog commands send to replicas, byte for byte as Redis 7.0 sends it (the runner
 * is propagation-forms.ts). Every form is the command as received; what is interesting is
 * whether it is sent at all:
 *  - PFADD only when a register rose (or the key was created), never when it failed on a
 *    corrupt sketch, even though the registers it raised before failing stay raised;
 *  - PFCOUNT of one key when it refreshed the count cached in the string (a read-only command
 *    that changed the value: the replica recomputes it), not when the cache was valid, and
 *    never PFCOUNT of several keys;
 *  - PFMERGE always;
 *  - PFDEBUG GETREG and TODENSE when they turned a sparse sketch dense.
 */
import t from 'tap';
import { redisServerPath, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import type { Arg } from '../../bench/harness/resp';
import { compareStreams, row, type Scenario } from './propagation-forms';
import { sparseSketch, xzero } from './hll-strings';

const SKETCH: Arg[] = ['PFADD', 'h', 'a', 'b', 'c'];
const COUNTED: Arg[][] = [SKETCH, ['PFCOUNT', 'h']];

const scenarios: Scenario[] = [
  row('PFADD creating the key', [], ['PFADD', 'h', 'a']),
  row('PFADD without elements creating the key', [], ['PFADD', 'h']),
  row('PFADD raising registers', [SKETCH], ['PFADD', 'h', 'd', 'e']),
  row('PFADD changing nothing', [SKETCH], ['PFADD', 'h', 'a', 'b']),
  row('PFADD failing half way on a corrupt sketch', [['SET', 'h', sparseSketch([...xzero(9000)])]], ['PFADD', 'h', ...Array.from({ length: 30 }, (_, i) => `p${i}`)]),
  row('PFADD on a wrong type', [['RPUSH', 'h', 'x']], ['PFADD', 'h', 'a']),
  row('PFCOUNT refreshing the cache', [SKETCH], ['PFCOUNT', 'h']),
  row('PFCOUNT with a valid cache', COUNTED, ['PFCOUNT', 'h']),
  row('PFCOUNT of several keys', [SKETCH, ['PFADD', 'g', 'x']], ['PFCOUNT', 'h', 'g']),
  row('PFCOUNT of a missing key', [], ['PFCOUNT', 'h']),
  row('PFCOUNT of a corrupt sketch', [['SET', 'h', sparseSketch([...xzero(9000)])]], ['PFCOUNT', 'h']),
  row('PFMERGE', [SKETCH, ['PFADD', 'g', 'x']], ['PFMERGE', 'm', 'h', 'g']),
  row('PFMERGE of nothing', [], ['PFMERGE', 'm']),
  row('PFMERGE onto a valid sketch', COUNTED, ['PFMERGE', 'h']),
  row('PFDEBUG TODENSE of a sparse sketch', [SKETCH], ['PFDEBUG', 'TODENSE', 'h']),
  row('PFDEBUG TODENSE of a dense sketch', [SKETCH, ['PFDEBUG', 'TODENSE', 'h']], ['PFDEBUG', 'TODENSE', 'h']),
  row('PFDEBUG GETREG of a sparse sketch', [SKETCH], ['PFDEBUG', 'GETREG', 'h']),
  row('PFDEBUG ENCODING', [SKETCH], ['PFDEBUG', 'ENCODING', 'h']),
  row('PFADD and PFCOUNT in MULTI', [], ['MULTI'], ['PFADD', 'h', 'a'], ['PFCOUNT', 'h'], ['PFCOUNT', 'h'], ['EXEC']),
  row('PFCOUNT in a script', [SKETCH], ['EVAL', "return redis.call('pfcount', KEYS[1])", '1', 'h']),
];

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  t.test('HyperLogLog: the replication stream is Redis 7.0\'s', (tt) =>
    compareStreams(tt, scenarios, {
      'PFCOUNT refreshing the cache': [['PFCOUNT', 'h']],
      'PFCOUNT with a valid cache': [],
    }),
  );
}
