/**
 * The live view's controls, each clicked in Debian's headless Chromium and seen to act on a
 * nine-node cluster (three shards, two replicas each, so that "fail over to this replica" can
 * pick the second replica where the control port's FAILOVER <shard> would pick the first):
 *
 *   pause / resume     the card goes grey, the peers come to suspect it, then forget it
 *   kill / restart     a replica comes back as a replica of its primary, its line green again
 *   failover           CLUSTER FAILOVER on the replica clicked: it, not its sibling, takes over
 *   move a slot        paused after the first step: both ends marked on the slot map, hover
 *                      says "migrating to" and "importing from", keys on both sides; resumed:
 *                      the strip recoloured to the new owner
 *   drop a bus type    PING and PONG dropped: the link matrix goes quiet; healed, ok again
 *
 * The kill of a primary, the partition and the virtual clock's steps are in live-view.test.ts.
 */
import t from 'tap';
import Redis from 'ioredis';
import type { Page } from 'puppeteer-core';
import { startCluster, type TestCluster } from '../../server/testing';
import { CHROMIUM, box, keysOfSlot, lastRow, markColors, openView, shot, stripColor } from './live-view-helpers';

t.setTimeout(300_000);

/**
 * Waits until every card of a running node says cluster_state:ok. If that never comes, the error
 * carries what each card showed and what each node answers itself (CLUSTER INFO's state, CLUSTER
 * NODES), so that a failure in CI says which node stayed down and why.
 */
async function allOk(page: Page, cluster: TestCluster, timeoutMs: number): Promise<void> {
  try {
    await page.waitForFunction("[...document.querySelectorAll('.card')].every((c) => c.dataset.role === 'down' || c.dataset.clusterState === 'ok')", { timeout: timeoutMs });
  } catch (err) {
    const cards = String(await page.evaluate("[...document.querySelectorAll('.card')].map((c) => `#${c.dataset.index} ${c.dataset.role} ${c.dataset.clusterState} pfail=${c.dataset.pfail} fail=${c.dataset.fail}`).join('\\n')"));
    const answers: string[] = [];
    for (const node of cluster.nodes) {
      const client = new Redis({ port: node.port, lazyConnect: true, maxRetriesPerRequest: 0, commandTimeout: 2_000 });
      try {
        const info = await client.call('CLUSTER', 'INFO');
        const nodes = await client.call('CLUSTER', 'NODES');
        answers.push(`node ${node.index} (${node.role}): ${String(info).match(/cluster_state:\w+/)?.[0] ?? '?'}\n${String(nodes)}`);
      } catch (askErr) {
        answers.push(`node ${node.index} (${node.role}): ${String(askErr)}`);
      } finally {
        client.disconnect();
      }
    }
    const events = cluster.history().slice(-40).map((e) => JSON.stringify(e)).join('\n');
    throw new Error(`${String(err)}\ncards:\n${cards}\n${answers.join('\n')}\nlast events:\n${events}`);
  }
}

if (CHROMIUM === undefined) {
  t.plan(0, 'Chromium is not installed (apt-get install chromium; .ci/run does)');
} else {
  t.test('every control of the page acts on the cluster, and the page shows it', { timeout: 150_000 }, async (t) => {
    const cluster = await startCluster({ seed: 41, shards: 3, replicasPerShard: 2, nodeTimeoutMs: 500 });
    t.teardown(() => cluster.close());
    const { page, pageErrors } = await openView(t, cluster, true);
    await page.waitForFunction("document.querySelectorAll('.card').length === 9", { timeout: 10_000 });
    t.same(
      cluster.nodes.map((n) => `${n.index}:${n.shard}:${n.role}`),
      ['0:0:primary', '1:1:primary', '2:2:primary', '3:0:replica', '4:1:replica', '5:2:replica', '6:0:replica', '7:1:replica', '8:2:replica'],
      'shard 0 is node 0 with replicas 3 and 6',
    );
    const reply = async (): Promise<string> => page.$eval('#control-reply', (e) => e.textContent ?? '');

    // ─── pause and resume: a frozen node is suspected by its peers, then answers again ───────
    await page.click('.card[data-index="8"] button[data-action="pause"]');
    await page.waitForSelector('.card[data-index="8"][data-state="paused"]', { timeout: 5_000 });
    t.match(await page.$eval('.card[data-index="8"] .role', (e) => e.textContent ?? ''), /^#8 replica \(paused\)$/, 'paused: its card says so');
    t.match(await lastRow(page, 'node-paused'), /#8 *node-paused/, 'node-paused on the timeline');
    await page.waitForFunction("Number(document.querySelector('.card[data-index=\"8\"]').dataset.pfail) + Number(document.querySelector('.card[data-index=\"8\"]').dataset.fail) > 0", { timeout: 10_000 });
    t.pass('its peers come to suspect it (it answers no PING)');
    await page.click('.card[data-index="8"] button[data-action="resume"]');
    await page.waitForSelector('.card[data-index="8"][data-state="ok"][data-pfail="0"][data-fail="0"]', { timeout: 15_000 });
    t.match(await lastRow(page, 'node-resumed'), /#8 *node-resumed/, 'resumed: no peer suspects it any more');
    t.match(await reply(), /^NODE RESUME 8 → OK$/, 'the reply reads as redis-cli prints it');

    // ─── kill and restart a replica: it rejoins as a replica of the same primary ─────────────
    await page.click('.card[data-index="7"] button[data-action="kill"]');
    await page.waitForSelector('.card[data-index="7"][data-role="down"]', { timeout: 5_000 });
    t.equal(await page.$('#replica-links path[data-replica="7"]'), null, 'a dead replica has no line');
    await page.click('.card[data-index="7"] button[data-action="restart"]');
    await page.waitForSelector('#timeline div[data-type="node-restarted"]', { timeout: 15_000 });
    await page.waitForSelector('.card[data-index="7"][data-role="replica"][data-own-flags="myself,slave"]', { timeout: 15_000 });
    await page.waitForSelector('#replica-links path.up[data-replica="7"][data-master="1"]', { timeout: 15_000 });
    t.pass('restarted: node 7 is a replica of node 1 again, its replication link up');
    await allOk(page, cluster, 20_000);

    // ─── manual failover to the replica clicked (node 6, shard 0's second replica) ───────────
    await page.click('.card[data-index="6"] button[data-action="failover"]');
    await page.waitForSelector('.card[data-index="6"][data-role="primary"]', { timeout: 15_000 });
    t.equal(cluster.nodes[6]?.role, 'primary', 'node 6, the replica clicked, is the primary');
    t.equal(cluster.nodes[3]?.role, 'replica', 'and its sibling node 3 is not');
    t.match(await reply(), /^FAILOVER-TO 6 → id: #6, index: 6, port: \d+$/, 'the reply names the new primary');
    t.match(await lastRow(page, 'manual-failover-accepted'), /#6 *manual-failover-accepted mode=default/, 'CLUSTER FAILOVER ran on node 6');
    await page.waitForSelector('#replica-links path[data-replica="0"][data-master="6"]', { timeout: 15_000 });
    t.pass('the old primary 0 now replicates node 6: a line from 0 to 6');
    await allOk(page, cluster, 20_000);
    await shot(page, '6-controls-failover');

    // ─── move a slot, paused after the first step, then resumed ──────────────────────────────
    const slot = 16_000;
    const keys = keysOfSlot(slot, 12, 'move');
    const client = new Redis({ port: cluster.nodes[2]?.port ?? 0, lazyConnect: true });
    t.teardown(() => client.disconnect());
    for (const key of keys) await client.set(key, 'v');
    await page.$eval('#slot', (e, value) => ((e as unknown as { value: string }).value = value), String(slot));
    await page.$eval('#slot-to', (e) => ((e as unknown as { value: string }).value = '1'));
    await page.click('#move-pause');
    await page.click('#move');
    await page.waitForSelector('#coverage[data-migrating="1"][data-importing="1"]', { timeout: 10_000 });
    t.match(await reply(), /^SLOT MIGRATE 16000 1 PAUSE → slot: 16000, from: #2, to: #1, moved-keys: /, 'paused: the reply says where the slot goes');
    t.match(await page.$eval('#coverage', (e) => e.textContent ?? ''), /16384 of 16384 slots covered, 1 migrating, 1 importing/);
    const marks = await markColors(page, slot);
    t.same(marks.above.slice(0, 3), [17, 17, 17], 'a migrating mark above the strip, at the slot');
    t.same(marks.below.slice(0, 3), [138, 43, 226], 'an importing mark below it');
    // Hover the marks: the hover snaps to the open slot, names both ends, counts keys on each.
    const mapBox = await box(page, '#slotmap');
    await page.mouse.move(mapBox.x + ((Math.floor(slot / 16) + 0.5) / 1024) * mapBox.width, mapBox.y + 3);
    await page.waitForFunction(`document.getElementById('slotinfo').dataset.slot === '${slot}' && document.getElementById('slotinfo').dataset.keys === '12'`, { timeout: 5_000 });
    const info = await page.$eval('#slotinfo', (e) => e.textContent ?? '');
    t.match(info, /^slot 16000: node #2 .* · migrating to #1 \(on #2\) · importing from #2 \(on #1\) · 10 keys on #1, 2 keys on #2$/, `hover: ${info}`);
    await shot(page, '7-controls-slot-paused');
    await page.click(`button[data-resume="${slot}"]`);
    await page.waitForSelector('#timeline div[data-type="slot-moved"]', { timeout: 15_000 });
    await page.waitForSelector('#coverage[data-migrating="0"][data-importing="0"]', { timeout: 10_000 });
    await page.waitForFunction(`(() => { const d = document.getElementById('slotmap').getContext('2d').getImageData(${Math.floor(slot / 16)}, 5, 1, 1).data; return d[0] === 242 && d[1] === 142 && d[2] === 43; })()`, { timeout: 10_000 });
    t.same(await stripColor(page, slot), [242, 142, 43], "resumed: slot 16000 drawn in node 1's colour");
    t.match(await lastRow(page, 'slot-moved'), /slot=16000 from=#2 to=#1 keys=12/, 'slot-moved on the timeline, all 12 keys');

    // ─── drop a bus message type: PING and PONG stop, the matrix goes quiet ──────────────────
    await page.select('#drop-type', 'PING,PONG');
    await page.click('#drop');
    await page.waitForSelector('#timeline div[data-type="fault-added"]', { timeout: 5_000 });
    t.match(await lastRow(page, 'fault-added'), /drop PING\/PONG bus messages/, 'the fault is on the timeline');
    await page.waitForSelector('#links td.quiet[data-link="1>2"]', { timeout: 10_000 });
    t.pass('the link matrix shows 1 → 2 quiet: both run, nothing delivered');
    await shot(page, '8-controls-ping-pong-dropped');
    await page.click('#heal');
    await page.waitForSelector('#timeline div[data-type="fault-healed"]', { timeout: 5_000 });
    await page.waitForSelector('#links td.live[data-link="1>2"]', { timeout: 10_000 });
    await allOk(page, cluster, 40_000);
    t.pass('healed: links live, every node ok again');
    t.same(pageErrors, [], 'no script error in the page');
  });
}
