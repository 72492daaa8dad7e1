/*
 * FUNCTION on a node with no library (hashslot has no scripting engine yet): FLUSH, LIST, DUMP
 * and RESTORE answer as Redis 7.0 answers for an empty library set, which is what
 * `redis-cli --cluster add-node` relies on to copy a cluster's libraries to a new master.
 */
import t from 'tap';
import { dualRun, error, type Pair } from './harness';
import type { Arg } from '../../bench/harness/resp';

const dual = dualRun(t);

dual.case('FUNCTION LIST of no libraries, and its argument errors', [
  ['FUNCTION', 'LIST'],
  ['FUNCTION', 'LIST', 'WITHCODE'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x*', 'withcode'],
  error('FUNCTION', 'LIST', 'bogus'),
  error('FUNCTION', 'LIST', 'LIBRARYNAME'),
  error('FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'),
  error('FUNCTION', 'LIST', 'LIBRARYNAME', 'a', 'LIBRARYNAME', 'b'),
]);

/** Both servers' raw replies to one command. */
async function both(pair: Pair, ...argv: Arg[]): Promise<{ redis: string; target: string }> {
  const [redis, target] = await pair.both((client) => client.call(...argv));
  return { redis: redis.toString('latin1'), target: target instanceof Error ? String(target) : target.toString('latin1') };
}

dual.case('FUNCTION DUMP of no libraries, restored with every policy', async (pair, tt) => {
  const [reply] = await pair.both((client) => client.call('FUNCTION', 'DUMP'));
  const dumps = await both(pair, 'FUNCTION', 'DUMP');
  tt.equal(dumps.target, dumps.redis, 'the same payload bytes');
  const payload = reply.subarray(reply.indexOf('\r\n') + 2, reply.length - 2);
  for (const argv of [
    ['FUNCTION', 'RESTORE', payload],
    ['FUNCTION', 'RESTORE', payload, 'FLUSH'],
    ['FUNCTION', 'RESTORE', payload, 'append'],
    ['FUNCTION', 'RESTORE', payload, 'REPLACE'],
    ['FUNCTION', 'RESTORE', payload, 'bogus'],
    ['FUNCTION', 'RESTORE', payload, 'FLUSH', 'extra'],
    ['FUNCTION', 'RESTORE', 'abc'],
    ['FUNCTION', 'RESTORE', Buffer.concat([payload.subarray(0, 2), Buffer.alloc(8)])],
    ['FUNCTION', 'RESTORE'],
  ]) {
    const replies = await both(pair, ...argv);
    tt.equal(replies.target, replies.redis, argv.map(String).join(' ').slice(0, 60));
  }
});
