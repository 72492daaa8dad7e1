/*
 * A full sync slowed by rdb-key-save-delay on the master, with disk-based and diskless transfer:
 * Redis's replication child waits after each key as a BGSAVE's does, which is what its own
 * replication tests use to hold a sync "in progress". While it lasts, the master lists the
 * replica as wait_bgsave, the replica reports its link down and a sync in progress, and the
 * master keeps answering its clients; the sync ends after the keys' delays, with every key.
 * Disk-based, the replica has not even the RDB's length meanwhile, and says so in INFO.
 */

import t from 'tap';
import { FAST_SYNC_ARGS, forEachCombo, missingPrerequisite, startPair, waitFor, waitForSync } from './replication-harness';

const KEYS = 4;
const DELAY_US = 300_000;

const MODES = {
  disk: ['--repl-diskless-sync', 'no'],
  diskless: FAST_SYNC_ARGS,
} as const;

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  for (const [mode, args] of Object.entries(MODES)) {
    forEachCombo(t, `full sync (${mode}) slowed by rdb-key-save-delay`, async (t, combo) => {
      const [master, replica] = await startPair(t, combo, args);
      t.equal(await master.callText('DEBUG', 'POPULATE', String(KEYS)), 'OK', 'keys to sync');
      t.equal(await master.callText('CONFIG', 'SET', 'rdb-key-save-delay', String(DELAY_US)), 'OK', 'the delay set');
      const startedMs = Date.now();
      t.equal(await replica.replicaOf(master), '+OK', 'REPLICAOF answers +OK');

      await waitFor('the master lists the replica', 5_000, async () => {
        const lines = (await master.info('replication')).replicas();
        return { ok: lines.length === 1, detail: JSON.stringify(lines) };
      }, [master, replica]);
      const during = (await master.info('replication')).replicas()[0];
      const replicaSide = await replica.info('replication');
      // Well within the 1.2 s the keys take: the sync cannot be through yet.
      t.ok(Date.now() - startedMs < 1_000, 'looked at before the delays could be over');
      t.equal(during?.state, 'wait_bgsave', 'the master: the replica waits for the snapshot');
      t.same(
        [replicaSide.get('master_link_status'), replicaSide.get('master_sync_in_progress')],
        ['down', '1'],
        'the replica: link down, sync in progress',
      );
      if (mode === 'disk') {
        // The RDB's length comes first, so nothing of it has arrived: Redis's figures for that.
        t.same(
          ['master_sync_total_bytes', 'master_sync_read_bytes', 'master_sync_left_bytes', 'master_sync_perc'].map((f) => replicaSide.get(f)),
          ['-1', '0', '-1', '-0.00'],
          'the replica: no bulk header yet',
        );
      }
      const pingStartedMs = Date.now();
      t.equal(await master.callText('PING'), 'PONG', 'the master answers meanwhile');
      t.ok(Date.now() - pingStartedMs < 250, 'at once');

      await waitForSync(master, replica);
      t.ok(Date.now() - startedMs >= (KEYS * DELAY_US) / 1000, `the sync took at least ${KEYS} keys' delays`);
      t.equal(await replica.callText('DBSIZE'), String(KEYS), 'every key reached the replica');
      t.equal(await master.callText('CONFIG', 'SET', 'rdb-key-save-delay', '0'), 'OK', 'the delay reset');
    });
  }
}
