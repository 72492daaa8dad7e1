/*
 * A client blocked in BLPOP on a key whose slot is handed to another master must be answered
 * -MOVED (Redis checks its blocked clients periodically and redirects those whose keys are no
 * longer served here). The slot is moved empty, by hand, with CLUSTER SETSLOT ... NODE on both
 * masters, as the last step of redis-cli's reshard does.
 */

import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { clusterTarget, LocalCluster, missingPrerequisite } from '../../bench/harness/cluster-harness';
import { isMaster, keySlot, ownedSlots } from '../../bench/harness/cluster-replies';

const kind = clusterTarget();
const problem = missingPrerequisite([kind]);

if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test(`a blocked BLPOP is answered MOVED when its slot moves (${kind})`, async (t) => {
    const cluster = (await LocalCluster.launch([kind, kind, kind])).attach(t);
    await cluster.createOrThrow(0);
    await cluster.waitForOk();
    const view = await cluster.waitForAgreement(3);

    const slot = keySlot('{blk}');
    const sourceLine = view.find((n) => isMaster(n) && ownedSlots(n).includes(slot));
    const targetLine = view.find((n) => isMaster(n) && n !== sourceLine);
    if (sourceLine === undefined || targetLine === undefined) throw new Error('no source/target master');
    const waiter = await RawClient.connect(sourceLine.port);
    const source = await RawClient.connect(sourceLine.port);
    const target = await RawClient.connect(targetLine.port);
    t.teardown(() => { waiter.close(); source.close(); target.close(); });

    waiter.send('BLPOP', '{blk}:q', '0');
    const deadline = Date.now() + 5_000;
    while (!/blocked_clients:1\r\n/.test((await source.call('INFO', 'clients')).toString('latin1'))) {
      if (Date.now() > deadline) throw new Error('the BLPOP never blocked');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const s = String(slot);
    t.equal((await target.call('CLUSTER', 'SETSLOT', s, 'NODE', targetLine.id)).toString('latin1'), '+OK\r\n');
    t.equal((await source.call('CLUSTER', 'SETSLOT', s, 'NODE', targetLine.id)).toString('latin1'), '+OK\r\n');

    const [reply] = await waiter.readReplies(1, 5_000);
    t.equal(reply?.toString('latin1'), `-MOVED ${slot} 127.0.0.1:${targetLine.port}\r\n`, 'the blocked client is redirected');
    t.equal((await waiter.call('PING')).toString('latin1'), '+PONG\r\n', 'and is usable again');
    t.match((await source.call('INFO', 'clients')).toString('latin1'), /blocked_clients:0\r\n/, 'nobody is blocked any more');
  });
}
