/*
 * Scenario 3: a replica that lost its link resumes with a partial resync (PSYNC +CONTINUE) when the
 * bytes it missed are still in the master's backlog, and with a full resync when they are not.
 *
 *   replica ──SIGSTOP──▶ frozen, its socket still open
 *   master  ──CLIENT KILL TYPE replica──▶ drops the link (and keeps the replica's place in the
 *            stream: the backlog)
 *   master  ──burst of writes──▶ into the backlog only
 *   replica ──SIGCONT──▶ reads EOF, reconnects, PSYNC <replid> <offset+1>
 *            burst < repl-backlog-size (1mb)          ⇒ +CONTINUE: sync_partial_ok +1, sync_full +0
 *            burst ≫ repl-backlog-size (CONFIG SET 16kb) ⇒ +FULLRESYNC: sync_full +1
 *
 * Freezing the replica (rather than killing it) is what makes the resync partial: a restarted
 * process would have lost its replid and offset and could only ask for a full sync.
 */

import t from 'tap';
import { assertSameDataset, lazyOracle } from './dataset-compare';
import {
  forEachCombo, missingPrerequisite, show, startPair, stat, SYNC_DEADLINE_MS, text, waitFor, waitForSync, writeBurst,
  type ReplNode, type Test,
} from './replication-harness';

const DEFAULT_BACKLOG_BYTES = 1024 * 1024;

/** Freezes the replica, cuts its link on the master, runs `burst`, thaws it; returns the offset moved. */
async function missStream(t: Test, master: ReplNode, replica: ReplNode, clientType: string, burst: () => Promise<string[]>): Promise<number> {
  const offsetBefore = (await master.info('replication')).num('master_repl_offset');
  replica.pause();
  try {
    const killed = await master.call('CLIENT', 'KILL', 'TYPE', clientType);
    t.equal(show(killed), ':1', `CLIENT KILL TYPE ${clientType} on the master kills the replica's link`);
    await waitFor(`${master.label} no longer lists the replica`, 10_000, async () => {
      const info = await master.info('replication');
      return { ok: info.get('connected_slaves') === '0', detail: info.toString() };
    }, [master]);
    t.same(await burst(), [], 'the burst of writes is accepted while the replica is away');
  } finally {
    replica.resume();
  }
  return (await master.info('replication')).num('master_repl_offset') - offsetBefore;
}

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  const oracle = lazyOracle(t);

  forEachCombo(t, 'partial resync within the backlog, full resync beyond it', async (t, combo) => {
    const [master, replica] = await startPair(t, combo);
    t.same(await writeBurst(master, 'base', 2_000, 40), [], 'initial data');
    t.equal(await replica.replicaOf(master), '+OK', 'REPLICAOF answers +OK');
    await waitForSync(master, replica);
    const fullSyncs = await stat(master, 'sync_full');
    const partialSyncs = await stat(master, 'sync_partial_ok');

    // A burst smaller than the default 1mb backlog: the replica continues where it stopped.
    const moved = await missStream(t, master, replica, 'replica', () => writeBurst(master, 'small', 2_000, 100));
    t.ok(moved > 100_000 && moved < DEFAULT_BACKLOG_BYTES / 2, `the replica missed ${moved} bytes of stream, well inside the backlog`);
    await waitFor('the master counts a partial resync', SYNC_DEADLINE_MS, async () => {
      const ok = await stat(master, 'sync_partial_ok');
      return { ok: ok === partialSyncs + 1, detail: `sync_partial_ok ${ok}, was ${partialSyncs}` };
    }, [master, replica]);
    await waitForSync(master, replica);
    t.equal(await stat(master, 'sync_partial_ok') - partialSyncs, 1, 'sync_partial_ok +1');
    t.equal(await stat(master, 'sync_full') - fullSyncs, 0, 'sync_full +0: no snapshot was sent');
    await assertSameDataset(t, master, replica, await oracle(), { dbs: [0], minKeys: 4_000 });

    // With a 16kb backlog, a burst of about 1.2mb cannot be served from it: a full resync.
    t.equal(show(await master.call('CONFIG', 'SET', 'repl-backlog-size', '16kb')), '+OK', 'CONFIG SET repl-backlog-size 16kb');
    t.same((await master.call('CONFIG', 'GET', 'repl-backlog-size')).items.map(text), ['repl-backlog-size', '16384'], 'CONFIG GET repl-backlog-size');
    const movedFar = await missStream(t, master, replica, 'slave', () => writeBurst(master, 'large', 4_000, 300, 0));
    t.ok(movedFar > 64 * 16 * 1024, `the replica missed ${movedFar} bytes, far more than the backlog holds`);
    await waitFor('the master counts a full resync', SYNC_DEADLINE_MS, async () => {
      const full = await stat(master, 'sync_full');
      return { ok: full === fullSyncs + 1, detail: `sync_full ${full}, was ${fullSyncs}` };
    }, [master, replica]);
    await waitForSync(master, replica);
    t.equal(await stat(master, 'sync_full') - fullSyncs, 1, 'sync_full +1');
    t.equal(await stat(master, 'sync_partial_ok') - partialSyncs, 1, 'sync_partial_ok unchanged by the second reconnection');
    await assertSameDataset(t, master, replica, await oracle(), { dbs: [0], minKeys: 8_000 });
  });
}
