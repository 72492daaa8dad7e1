/*
 * DEBUG REPLICATE on a replicated pair: the master sends the given command to its replicas
 * without running it itself ("allowing data divergence", as Redis's help says), so after
 * `DEBUG REPLICATE SET k v` the replica has k and the master does not.
 *
 * As Redis 7.0 does it (replicationFeedSlaves with the stream's current db): the command goes
 * into the stream as given, no SELECT before it, so it runs in whatever db the stream is in
 * whichever db the sending client selected; the master's offset grows by exactly its bytes.
 * The redis → redis combination checks the test itself.
 */

import { forEachSyncedPair, checkMoved, offsetOf } from './propagation-scaffold';
import { show, text, waitForSync } from './replication-harness';
import type { RespNode } from '../../bench/harness/resp';

const bulk = (node: RespNode): string | null => (node.isNull ? null : text(node));

forEachSyncedPair('DEBUG REPLICATE reaches the replica only', async (tt, master, replica) => {
  let before = await offsetOf(master);
  tt.equal(show(await master.call('DEBUG', 'REPLICATE', 'SET', 'k', 'v')), '+OK', 'DEBUG REPLICATE answers OK');
  checkMoved(tt, [['SET', 'k', 'v']], (await offsetOf(master)) - before, 'the stream got SET k v and nothing else');
  await waitForSync(master, replica);
  tt.equal(show(await master.call('EXISTS', 'k')), ':0', 'the master did not run it');
  tt.equal(bulk(await replica.call('GET', 'k')), 'v', 'the replica did');

  // A client in another db: the command still lands in the stream's db (0), with no SELECT.
  const conn = await master.connect();
  try {
    tt.equal(show(await conn.call('SELECT', '3')), '+OK');
    before = await offsetOf(master);
    await conn.call('DEBUG', 'REPLICATE', 'RPUSH', 'l', 'a', 'b');
    checkMoved(tt, [['RPUSH', 'l', 'a', 'b']], (await offsetOf(master)) - before, 'no SELECT before it');
  } finally {
    conn.close();
  }
  await waitForSync(master, replica);
  tt.equal(show(await replica.call('LLEN', 'l')), ':2', 'the replica ran it in db 0');
  tt.equal(show(await master.call('EXISTS', 'l')), ':0', 'the master has nothing in db 0');

  // Not a command the master knows the effect of: the replica diverges, the master stays as it is.
  await master.call('SET', 'k', 'master');
  await master.call('DEBUG', 'REPLICATE', 'INCR', 'counter');
  await waitForSync(master, replica);
  tt.equal(bulk(await replica.call('GET', 'k')), 'master', 'later writes still reach the replica');
  tt.equal(bulk(await replica.call('GET', 'counter')), '1', 'INCR ran on the replica');
  tt.equal(bulk(await master.call('GET', 'counter')), null, 'and not on the master');
});
