/*
 * Scenarios 1 and 6: a full sync followed by a stream of writes, with disk-based or diskless
 * transfer. full-sync-disk.test.ts and full-sync-diskless.test.ts each run this file's suite with
 * one transfer mode (two files, so tap runs them in parallel).
 *
 *   master: 30,000 writes ──▶ REPLICAOF on the replica ──▶ 70,000 more writes, pipelined, starting
 *           at once, so the first ones are buffered on the master while the snapshot is in flight
 *           ──▶ wait for every short TTL to run out ──▶ wait for equal offsets ──▶ compare
 *
 * Strings are the only type hashslot stores so far, so lists, hashes, sets and sorted sets come in
 * a second scenario run only with a real-redis master: loaded before REPLICAOF, they reach the
 * replica through the snapshot alone.
 */

import { assertSameDataset, lazyOracle, waitForExpiryDone } from './dataset-compare';
import { forEachCombo, missingPrerequisite, show, startPair, stat, waitForSync, type TapRoot } from './replication-harness';
import { containerCommands, runWorkload, StringWorkload, workloadSeed } from './workload';

export type TransferMode = 'disk' | 'diskless';

const DBS = [0, 1, 3, 9] as const;
const WRITES_BEFORE_SYNC = 30_000;
const WRITES_TOTAL = 100_000;

function masterArgs(mode: TransferMode): string[] {
  return mode === 'disk'
    ? ['--repl-diskless-sync', 'no']
    : ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'];
}

export function fullSyncSuite(t: TapRoot, mode: TransferMode): void {
  const missing = missingPrerequisite();
  if (missing !== null) {
    t.plan(0, missing);
    return;
  }
  const oracle = lazyOracle(t);

  forEachCombo(t, `full sync (${mode}) and ${WRITES_TOTAL.toLocaleString('en')} string writes over ${DBS.length} dbs`, async (t, combo) => {
    const [master, replica] = await startPair(t, combo, masterArgs(mode));
    const seed = workloadSeed();
    t.comment(`workload seed ${seed} (HASHSLOT_REPLICATION_SEED=${seed} replays it)`);
    const workload = new StringWorkload(seed, DBS);
    const conn = await master.connect();
    t.teardown(() => conn.close());

    const before = await runWorkload(conn, workload, WRITES_BEFORE_SYNC);
    const fullSyncs = await stat(master, 'sync_full');
    t.equal(await replica.replicaOf(master), '+OK', 'REPLICAOF answers +OK');
    const after = await runWorkload(conn, workload, WRITES_TOTAL - WRITES_BEFORE_SYNC);
    t.same([...before.unexpectedErrors, ...after.unexpectedErrors], [], 'the master answers the workload without unexpected errors');
    t.comment(`commands: ${[...workload.counts].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}=${n}`).join(' ')}`);

    await waitForExpiryDone(master, DBS, Math.max(before.shortTtlsGoneAt, after.shortTtlsGoneAt));
    const offset = await waitForSync(master, replica);
    t.pass(`the replica reached the master's offset ${offset}`);
    t.equal(await stat(master, 'sync_full') - fullSyncs, 1, 'the master counted one full sync');
    t.ok(await stat(master, 'expired_keys') > 0, 'keys with short TTLs expired on the master during the run');
    await assertSameDataset(t, master, replica, await oracle(), { dbs: DBS, minKeys: 1_000 });
  });

  forEachCombo(t, `full sync (${mode}) of lists, hashes, sets and sorted sets`, async (t, combo) => {
    const [master, replica] = await startPair(t, combo, masterArgs(mode));
    const seed = workloadSeed();
    t.comment(`seed ${seed}`);
    const conn = await master.connect();
    t.teardown(() => conn.close());
    const replies = await conn.pipeline(containerCommands(seed, DBS), 60_000);
    t.same(replies.filter((r) => r.type === '-').map(show), [], 'the master loads the containers without errors');
    t.equal(await replica.replicaOf(master), '+OK', 'REPLICAOF answers +OK');
    await waitForSync(master, replica);
    const report = await assertSameDataset(t, master, replica, await oracle(), { dbs: DBS });
    t.same([...report.keysPerType.keys()].sort(), ['hash', 'list', 'set', 'string', 'zset'], 'every type took part');
  }, (combo) => combo.master === 'redis');
}
