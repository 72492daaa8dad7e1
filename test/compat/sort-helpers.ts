/*
 * Helpers the SORT differential tests share. Sorted sets are written on the redis-server side
 * with ZADD and copied to the other side with DUMP/RESTORE, so SORT over sorted sets can be
 * compared before hashslot has ZADD (and keeps working after).
 */
import type { CaseBody, Pair, Step } from './harness';
import { parseReply, type Arg } from '../../bench/harness/resp';

/** [score, member] pairs of one sorted set. */
export type ZsetSpec = ReadonlyArray<readonly [string, Arg]>;

/** Creates the same sorted set on both servers: ZADD on redis-server, RESTORE of its DUMP elsewhere. */
export async function makeZset(pair: Pair, key: Arg, entries: ZsetSpec): Promise<void> {
  const added = await pair.redis.call('ZADD', key, ...entries.flat());
  if (!added.toString('latin1').startsWith(':')) throw new Error(`ZADD failed on redis-server: ${added.toString('latin1')}`);
  const dump = parseReply(await pair.redis.call('DUMP', key));
  const restored = await pair.target.call('RESTORE', key, '0', dump.text, 'REPLACE');
  if (restored.toString('latin1') !== '+OK\r\n') throw new Error(`RESTORE of a sorted set failed: ${restored.toString('latin1')}`);
}

/** A case body that first creates the given sorted sets on both servers, then runs the steps. */
export function withZsets(zsets: ReadonlyArray<readonly [Arg, ZsetSpec]>, steps: readonly Step[]): CaseBody {
  return async (pair) => {
    for (const [key, entries] of zsets) await makeZset(pair, key, entries);
    for (const step of steps) await pair.step(step);
  };
}
