/*
 * A slot half-way through a migration, opened by hand with CLUSTER SETSLOT as redis-cli's reshard
 * does (redis-wire.md §4.4), to provoke the redirects only an open slot produces (§4.2):
 *
 *   source (MIGRATING) ── key present ──▶ served
 *                      ── key missing ──▶ -ASK <slot> <target>
 *                      ── some missing ─▶ -TRYAGAIN ...
 *   target (IMPORTING) ── no ASKING ────▶ -MOVED <slot> <source>
 *                      ── ASKING, cmd ──▶ served, and the flag is gone for the next command
 *
 * Then the slot is closed again (SETSLOT STABLE on both) and the cluster must agree as before. No
 * key is moved: MIGRATE is a separate feature, so the one key written on the target is deleted.
 */

import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { clusterTarget, LocalCluster, missingPrerequisite } from '../../bench/harness/cluster-harness';
import { agreementView, isMaster, keySlot, ownedSlots } from '../../bench/harness/cluster-replies';

const kind = clusterTarget();
const problem = missingPrerequisite([kind]);

if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test(`ASK, TRYAGAIN and ASKING on an open slot (${kind})`, async (t) => {
    const cluster = (await LocalCluster.launch([kind, kind, kind])).attach(t);
    await cluster.createOrThrow(0);
    await cluster.waitForOk();
    const view = await cluster.waitForAgreement(3);
    const before = agreementView(view);

    const slot = keySlot('{mig}');
    const sourceLine = view.find((n) => isMaster(n) && ownedSlots(n).includes(slot));
    const targetLine = view.find((n) => isMaster(n) && n !== sourceLine);
    if (sourceLine === undefined || targetLine === undefined) throw new Error('no source/target master');
    const source = await RawClient.connect(sourceLine.port);
    const target = await RawClient.connect(targetLine.port);
    t.teardown(() => { source.close(); target.close(); });
    const onSource = async (...argv: string[]): Promise<string> => (await source.call(...argv)).toString('latin1');
    const onTarget = async (...argv: string[]): Promise<string> => (await target.call(...argv)).toString('latin1');
    const s = String(slot);

    t.equal(await onSource('SET', '{mig}:present', 'v'), '+OK\r\n');
    t.equal(await onTarget('CLUSTER', 'SETSLOT', s, 'MIGRATING', sourceLine.id), `-ERR I'm not the owner of hash slot ${slot}\r\n`);
    t.equal(await onSource('CLUSTER', 'SETSLOT', s, 'IMPORTING', targetLine.id), `-ERR I'm already the owner of hash slot ${slot}\r\n`);
    t.equal(await onTarget('CLUSTER', 'SETSLOT', s, 'IMPORTING', sourceLine.id), '+OK\r\n', 'target: IMPORTING');
    t.equal(await onSource('CLUSTER', 'SETSLOT', s, 'MIGRATING', targetLine.id), '+OK\r\n', 'source: MIGRATING');

    const sourceMyself = await cluster.byPort(sourceLine.port).myself();
    const targetMyself = await cluster.byPort(targetLine.port).myself();
    t.ok(sourceMyself.slotTokens.includes(`[${slot}->-${targetLine.id}]`), 'source NODES line shows [slot->-target]', { line: sourceMyself.raw });
    t.ok(targetMyself.slotTokens.includes(`[${slot}-<-${sourceLine.id}]`), 'target NODES line shows [slot-<-source]', { line: targetMyself.raw });

    t.equal(await onSource('GET', '{mig}:present'), '$1\r\nv\r\n', 'source serves a key it still has');
    t.equal(await onSource('GET', '{mig}:absent'), `-ASK ${slot} 127.0.0.1:${targetLine.port}\r\n`, 'source: ASK for a missing key');
    t.equal(await onSource('MGET', '{mig}:present', '{mig}:absent'), '-TRYAGAIN Multiple keys request during rehashing of slot\r\n',
      'source: TRYAGAIN when only some keys are here');
    t.equal(await onSource('CLUSTER', 'SETSLOT', s, 'NODE', targetLine.id),
      `-ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.\r\n`);

    t.equal(await onTarget('GET', '{mig}:absent'), `-MOVED ${slot} 127.0.0.1:${sourceLine.port}\r\n`, 'target without ASKING: MOVED');
    t.equal(await onTarget('ASKING'), '+OK\r\n');
    t.equal(await onTarget('SET', '{mig}:absent', 'w'), '+OK\r\n', 'target after ASKING: served');
    t.equal(await onTarget('GET', '{mig}:absent'), `-MOVED ${slot} 127.0.0.1:${sourceLine.port}\r\n`, 'ASKING lasts one command');
    t.equal(await onTarget('ASKING'), '+OK\r\n');
    t.equal(await onTarget('GET', '{mig}:absent'), '$1\r\nw\r\n', 'the key is on the target');
    t.equal(await onTarget('ASKING'), '+OK\r\n');
    t.equal(await onTarget('DEL', '{mig}:absent'), ':1\r\n');

    t.equal(await onTarget('CLUSTER', 'SETSLOT', s, 'STABLE'), '+OK\r\n');
    t.equal(await onSource('CLUSTER', 'SETSLOT', s, 'STABLE'), '+OK\r\n');
    t.equal(await onSource('GET', '{mig}:absent'), '$-1\r\n', 'closed slot: the source answers for every key again');
    await cluster.waitForOk();
    t.equal(agreementView(await cluster.waitForAgreement(3)), before, 'the cluster agrees on the view it had before');
  });
}
