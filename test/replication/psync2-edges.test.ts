/*
 * PSYNC2 where the topology moves (issue 12), arranged as Redis's own replication tests arrange
 * them, and run once with every node a redis-server (which checks the test) and once with every
 * node a hashslot:
 *
 *   restart from RDB      a replica with a config file: REPLICAOF, CONFIG REWRITE (which must
 *                         record the master), SHUTDOWN SAVE, started again from the file and its
 *                         dump.rdb: it continues with a partial resync from the repl-id /
 *                         repl-offset aux fields (one more sync_partial_ok, no full sync)
 *   missing pings         M with R1-R4; R1 REPLICAOF NO ONE, R2 pointed at a dead port; M pings
 *                         R3/R4 so their offsets pass R1's; then R3 and M follow R1 (M's history
 *                         goes back in time: full sync), R4 stays under M, R2 returns to M. An
 *                         INCR on R1 reaches everyone, and the full-sync counts are Redis's
 *   chained reconnect     M → R1 → R2 with pings flowing; M kills its replica link; R1 resyncs
 *                         partially and R2 stays attached, all offsets equal
 *   re-pointed master     M → R1 → R2 and M → R3; R1 REPLICAOF R3 (same history: a partial
 *                         resync); R2 keeps its connection to R1 throughout (Redis 7.0 drops a
 *                         node's replicas only when its history changes) and gets the next write
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import {
  FAST_SYNC_ARGS, missingPrerequisite, startNodes, stat, waitFor, waitForSync, type NodeKind, type ReplNode, type Test,
} from './replication-harness';

const KINDS: readonly NodeKind[] = ['redis', 'hashslot'];
const PING_EVERY_SECOND = ['--repl-ping-replica-period', '1'];

async function startKind(t: Test, kind: NodeKind, names: readonly string[], args: readonly string[] = []): Promise<ReplNode[]> {
  return startNodes(t, names.map((name) => ({ kind, name, args: [...FAST_SYNC_ARGS, ...args] })));
}

async function offsetOf(node: ReplNode): Promise<number> {
  return (await node.info('replication')).num('master_repl_offset');
}

async function linkUp(node: ReplNode): Promise<boolean> {
  return (await node.info('replication')).get('master_link_status') === 'up';
}

/** Until every node answers `value` for `key`. */
async function waitForValue(nodes: readonly ReplNode[], key: string, value: string): Promise<void> {
  await waitFor(`${key} = ${value} everywhere`, 20_000, async () => {
    const values = await Promise.all(nodes.map(async (n) => `${n.label}=${await n.callText('GET', key)}`));
    return { ok: values.every((v) => v.endsWith(`=${value}`)), detail: values.join(' ') };
  }, nodes);
}

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  for (const kind of KINDS) {
    t.test(`${kind}: a replica restarted from its RDB continues with a partial resync`, async (t) => {
      // As Redis's test does it: the replica has a config file, CONFIG REWRITE records its
      // master there, and the restart reads the master from the file, not from the command line.
      const keep = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-test-psync-restart-'));
      t.teardown(() => fs.rmSync(keep, { recursive: true, force: true }));
      const configFile = path.join(keep, 'replica.conf');
      fs.writeFileSync(configFile, '# replica\n');
      const [master, replica] = await startNodes(t, [
        { kind, name: 'master', args: FAST_SYNC_ARGS },
        { kind, name: 'replica', args: FAST_SYNC_ARGS, configFile },
      ]);
      if (master === undefined || replica === undefined) throw new Error('too few nodes');
      await replica.replicaOf(master);
      for (let i = 0; i < 100; i++) await master.callText('SET', `k${i}`, String(i));
      await master.callText('SELECT', '3');
      await master.callText('INCR', 'in-db-3');
      await waitForSync(master, replica);
      const fullBefore = await stat(master, 'sync_full');
      const partialBefore = await stat(master, 'sync_partial_ok');
      const historyBefore = (await replica.info('replication')).get('master_replid');
      t.equal(await replica.callText('CONFIG', 'REWRITE'), 'OK');
      t.match(fs.readFileSync(configFile, 'latin1'), `\nreplicaof ${master.host} ${master.port}\n`, 'CONFIG REWRITE wrote the replicaof line');
      // SHUTDOWN SAVE writes dump.rdb with the replication position in its aux fields.
      await replica.call('SHUTDOWN', 'SAVE').catch(() => undefined);
      await waitFor('the replica exits', 10_000, async () => ({ ok: !replica.isRunning, detail: 'still running' }));
      fs.copyFileSync(path.join(replica.process.dir, 'dump.rdb'), path.join(keep, 'dump.rdb'));
      // The same file loaded by a node that starts as a master: it takes a new replication id
      // and keeps the saved one as its secondary id, valid up to the saved offset.
      const asMasterDir = path.join(keep, 'as-master');
      fs.mkdirSync(asMasterDir);
      fs.copyFileSync(path.join(keep, 'dump.rdb'), path.join(asMasterDir, 'dump.rdb'));
      const [asMaster] = await startNodes(t, [{ kind, name: 'master from the replica rdb', args: [...FAST_SYNC_ARGS, '--dir', asMasterDir] }]);
      if (asMaster === undefined) throw new Error('the node did not start');
      const asMasterInfo = await asMaster.info('replication');
      t.equal(await asMaster.callText('DBSIZE'), '100', 'it loaded the keys');
      const savedOffset = asMasterInfo.num('master_repl_offset');
      t.not(asMasterInfo.get('master_replid'), historyBefore, 'a node starting as a master takes a new replication id');
      t.equal(asMasterInfo.get('master_replid2'), historyBefore, 'and keeps the saved one as replid2');
      t.ok(savedOffset > 0, 'at the saved offset');
      t.equal(asMasterInfo.num('second_repl_offset'), savedOffset + 1, 'valid up to the saved offset');
      t.equal(asMasterInfo.get('repl_backlog_active'), '1', 'with a backlog');
      t.equal(asMasterInfo.num('repl_backlog_first_byte_offset'), savedOffset + 1, 'that starts after it');
      t.equal(asMasterInfo.num('repl_backlog_histlen'), 0, 'empty');
      await asMaster.stop();
      await master.callText('SELECT', '0');
      await master.callText('SET', 'after', 'restart');
      const [restarted] = await startNodes(t, [{
        kind, name: 'restarted replica', args: [...FAST_SYNC_ARGS, '--dir', keep], configFile,
      }]);
      if (restarted === undefined) throw new Error('the replica did not restart');
      await waitForSync(master, restarted);
      t.equal(await stat(master, 'sync_partial_ok'), partialBefore + 1, 'the master accepted a partial resync');
      t.equal(await stat(master, 'sync_full'), fullBefore, 'and made no full sync');
      t.equal(await restarted.callText('GET', 'after'), 'restart', 'the write made while it was down arrived');
      await master.callText('SELECT', '3');
      await master.callText('INCR', 'in-db-3');
      await waitForSync(master, restarted);
      await restarted.callText('SELECT', '3');
      t.equal(await restarted.callText('GET', 'in-db-3'), '2', 'the stream continues in the right db');
    });

    t.test(`${kind}: topology changes with missing pings at the end`, async (t) => {
      const nodes = await startKind(t, kind, ['M', 'R1', 'R2', 'R3', 'R4']);
      const [m, r1, r2, r3, r4] = nodes as [ReplNode, ReplNode, ReplNode, ReplNode, ReplNode];
      for (const r of [r1, r2, r3, r4]) await r.replicaOf(m);
      await waitFor('4 replicas online', 20_000, async () => {
        const info = await m.info('replication');
        return { ok: info.num('connected_slaves') === 4, detail: info.toString() };
      }, nodes);
      await m.callText('INCR', 'x');
      await waitForValue([r1, r2, r3, r4], 'x', '1');

      await r1.replicaOf(null);
      // A dead address: promoting R2 would change its replid.
      await r2.call('REPLICAOF', '127.0.0.1', '1');
      await m.callText('CONFIG', 'SET', 'repl-ping-replica-period', '1');
      const before = await offsetOf(m);
      await waitFor('the master pings R3 and R4 past R1', 10_000, async () => {
        const [o3, o4] = await Promise.all([offsetOf(r3), offsetOf(r4)]);
        return { ok: o3 > before && o4 > before, detail: `R3 ${o3} R4 ${o4} before ${before}` };
      }, nodes);

      await r3.replicaOf(r1);
      await m.replicaOf(r1);
      await r2.replicaOf(m);
      await waitFor('every link up', 20_000, async () => {
        const up = await Promise.all([r2, r3, r4, m].map(linkUp));
        return { ok: up.every(Boolean), detail: up.join(' ') };
      }, nodes);
      await r1.callText('INCR', 'x');
      await waitForValue([r2, r3, r4, m], 'x', '2');
      const fullSyncs = async (): Promise<number[]> => Promise.all([m, r1, r2, r3, r4].map((n) => stat(n, 'sync_full')));
      t.same(await fullSyncs(), [6, 2, 0, 0, 0], 'full syncs on M, R1..R4 as Redis makes them');

      // Every link breaks once more: all of them must continue partially.
      for (const n of [m, r2, r3, r4]) await n.callText('CLIENT', 'KILL', 'TYPE', 'master');
      await r1.callText('INCR', 'x');
      await waitForValue([r2, r3, r4, m], 'x', '3');
      t.same(await fullSyncs(), [6, 2, 0, 0, 0], 'no full sync after the links broke');
    });

    t.test(`${kind}: chained replicas stay when their master reconnects to the same master`, async (t) => {
      const nodes = await startKind(t, kind, ['M', 'R1', 'R2'], PING_EVERY_SECOND);
      const [m, r1, r2] = nodes as [ReplNode, ReplNode, ReplNode];
      await r1.replicaOf(m);
      await r2.replicaOf(r1);
      await waitFor('R2 linked', 20_000, async () => ({ ok: await linkUp(r2), detail: '' }), nodes);
      await m.callText('INCR', 'counter2');
      const before = await offsetOf(m);
      await waitFor('pings reach R1 and R2', 10_000, async () => {
        const [o1, o2] = await Promise.all([offsetOf(r1), offsetOf(r2)]);
        return { ok: o1 > before && o2 > before, detail: `R1 ${o1} R2 ${o2} before ${before}` };
      }, nodes);
      const partialM = await stat(m, 'sync_partial_ok');
      const partialR1 = await stat(r1, 'sync_partial_ok');
      await m.callText('CONFIG', 'SET', 'repl-ping-replica-period', '100');
      await m.callText('CLIENT', 'KILL', 'TYPE', 'replica');
      await waitFor('R1 resynced partially, R2 untouched', 20_000, async () => {
        // One call at a time per node: a node's control connection carries one request at once.
        const up1 = await linkUp(r1);
        const p1 = await stat(r1, 'sync_partial_ok');
        const up2 = await linkUp(r2);
        const pm = await stat(m, 'sync_partial_ok');
        return { ok: up1 && up2 && pm === partialM + 1 && p1 === partialR1, detail: `links ${up1} ${up2}, partial M ${pm} R1 ${p1}` };
      }, nodes);
      const offsets = async (): Promise<number[]> => Promise.all([m, r1, r2].map(offsetOf));
      await waitFor('offsets agree', 10_000, async () => {
        const o = await offsets();
        return { ok: o.every((x) => x === o[0]), detail: o.join(' ') };
      }, nodes);
      await m.callText('INCR', 'counter2');
      await waitForValue([r1, r2], 'counter2', '2');
      await waitFor('offsets agree after the write', 10_000, async () => {
        const o = await offsets();
        return { ok: o.every((x) => x === o[0]), detail: o.join(' ') };
      }, nodes);
      t.pass('offsets agree');
    });

    t.test(`${kind}: REPLICAOF to a master of the same history keeps the chained replicas`, async (t) => {
      const nodes = await startKind(t, kind, ['M', 'R1', 'R2', 'R3']);
      const [m, r1, r2, r3] = nodes as [ReplNode, ReplNode, ReplNode, ReplNode];
      await r1.replicaOf(m);
      await r3.replicaOf(m);
      await r2.replicaOf(r1);
      await m.callText('INCR', 'counter3');
      await waitForValue([r1, r2, r3], 'counter3', '1');
      const replicaIds = async (): Promise<string> => (await r1.callText('CLIENT', 'LIST', 'TYPE', 'replica')).match(/^id=\d+/gm)?.join(',') ?? '';
      const before = await replicaIds();
      t.match(before, /^id=\d+$/, 'R2 is the one replica of R1');
      const partialR3 = await stat(r3, 'sync_partial_ok');
      await r1.replicaOf(r3);
      await waitFor('R1 resynced partially from R3', 20_000, async () => {
        const up = await linkUp(r1);
        const partial = await stat(r3, 'sync_partial_ok');
        return { ok: up && partial === partialR3 + 1, detail: `link ${up}, R3 sync_partial_ok ${partial}` };
      }, nodes);
      t.equal(await replicaIds(), before, "R2's connection to R1 was never closed");
      await m.callText('INCR', 'counter3');
      await waitForValue([r1, r2, r3], 'counter3', '2');
      t.equal(await replicaIds(), before, 'and still the same after the next write');
    });
  }
}
