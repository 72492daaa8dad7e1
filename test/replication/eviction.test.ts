/*
 * Eviction and replication (issue 20), for every master/replica combination of redis-server and
 * hashslot: a master over maxmemory evicts and sends each eviction to its replica as a DEL; the
 * replica (replica-ignore-maxmemory yes, the default) evicts nothing itself, so after the burst
 * both hold exactly the same keys.
 */
import t from 'tap';
import { forEachCombo, missingPrerequisite, show, stat, startPair, waitForSync, writeBurst, FAST_SYNC_ARGS } from './replication-harness';

const skip = missingPrerequisite();
if (skip !== null) {
  t.plan(0, skip);
} else {
  forEachCombo(t, 'evictions reach the replica as DELs; the replica does not evict', async (tt, combo) => {
    const [master, replica] = await startPair(tt, combo, [...FAST_SYNC_ARGS, '--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-random']);
    await replica.replicaOf(master);
    await waitForSync(master, replica);
    const bad = await writeBurst(master, 'k', 20000, 200);
    tt.same(bad, [], 'every SET was accepted (eviction made room)');
    await waitForSync(master, replica);
    const evicted = await stat(master, 'evicted_keys');
    tt.ok(evicted > 5000, `the master evicted keys (${evicted})`);
    tt.equal(await stat(replica, 'evicted_keys'), 0, 'the replica evicted nothing');
    const [masterSize, replicaSize] = [show(await master.call('DBSIZE')), show(await replica.call('DBSIZE'))];
    tt.equal(replicaSize, masterSize, `both hold the same number of keys (${masterSize})`);
    // The same contents too, where hashslot is the master. A redis-server 7.0.15 master's pair
    // ended this burst with equal DBSIZE but different DEBUG DIGESTs in every run tried (its
    // eviction DELs and the SETs around them; not investigated further), so the reference
    // cannot vouch for this check on its own side.
    if (combo.master === 'hashslot') {
      const digest = async (node: typeof master): Promise<string> => show(await node.call('DEBUG', 'DIGEST'));
      tt.equal(await digest(replica), await digest(master), 'and the same keys and values (DEBUG DIGEST)');
    }
  });
}
