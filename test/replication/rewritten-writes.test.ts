/*
 * Writes a master replicates as other commands, applied by a real replica: SPOP (one SREM per
 * member it picked, in MULTI/EXEC when several, or DEL when it took the whole set), GETSET and
 * SET ... GET (a plain SET), GETDEL (DEL), EXPIRE with NX (PEXPIREAT with the NX kept). The
 * byte-for-byte forms are pinned against redis-server by test/compat/propagation-forms*.test.ts;
 * here each step's size in the stream is checked (the popped members are random, but every
 * member name has the same length, so the size does not depend on which were picked) and the
 * replica must end up with the same data, and must never have run a GETSET itself.
 */

import type { Arg } from '../../bench/harness/resp';
import { as, forEachSyncedPair, runSteps, same, sameOnReplica, type Step } from './propagation-scaffold';
import { waitForSync } from './replication-harness';

const MEMBERS = Array.from({ length: 10 }, (_, i) => `m${i}`);
/** A stand-in for a random member: the same length as every real one. */
const ANY = 'm0';
/** A stand-in for an absolute deadline in ms: 13 digits, as every one until 2286. */
const SOME_MS = '0000000000000';

const STEPS: readonly Step[] = [
  same('SADD', 's', ...MEMBERS),
  same('SADD', 't', ...MEMBERS),
  { argv: ['SPOP', 's', '3'], propagated: [['MULTI'], ['SREM', 's', ANY], ['SREM', 's', ANY], ['SREM', 's', ANY], ['EXEC']] },
  as(['SREM', 's', ANY], 'SPOP', 's'),
  as(['SREM', 's', ANY], 'SPOP', 's', '1'),
  as(['DEL', 't'], 'SPOP', 't', '10'),
  as(null, 'SPOP', 't', '2'),
  same('SET', 'k', 'a'),
  as(['SET', 'k', 'b'], 'GETSET', 'k', 'b'),
  as(['SET', 'k', 'c'], 'SET', 'k', 'c', 'GET'),
  as(['PEXPIREAT', 'k', SOME_MS, 'NX'], 'EXPIRE', 'k', '100', 'NX'),
  as(['SET', 'g', 'v'], 'GETSET', 'g', 'v'),
  as(['DEL', 'g'], 'GETDEL', 'g'),
];

forEachSyncedPair('rewritten writes reach the replica as Redis sends them', async (tt, master, replica) => {
  await runSteps(tt, master, STEPS);
  await waitForSync(master, replica);
  const check = (argv: Arg[]): Promise<string> => sameOnReplica(tt, master, replica, argv, `${argv.join(' ')} on the replica`);
  await check(['SMISMEMBER', 's', ...MEMBERS]);
  await check(['EXISTS', 't', 'g']);
  await check(['GET', 'k']);
  await check(['PEXPIRETIME', 'k']);
  const stats = await replica.info('commandstats');
  tt.equal(stats.get('cmdstat_getset'), undefined, 'the replica never ran GETSET');
  tt.match(stats.get('cmdstat_set') ?? '', /^calls=/, 'the replica ran SET');
});
