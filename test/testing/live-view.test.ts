/**
 * The live view (server/testing/view/) in a real browser: Debian's headless Chromium driven with
 * puppeteer-core. The page must show the six nodes, their flags as each node and its peers see
 * them, the replica lines and full slot coverage; writes must move a primary's replication
 * offset on its card and its replica's must catch up, with no cluster event to prompt a redraw;
 * a click on "kill" of a primary must show PFAIL, FAIL with its quorum, the election with its
 * delay, rank and votes, and the promoted replica within a bound derived from node-timeout, and
 * the slot map recoloured; hovering a slot shows its keys; clients sent to the wrong node show
 * up as redirects per second; a partition made by dragging a node into the other group must show
 * the cut-off primary's cluster_state:fail. On a virtual clock, "to the next event" walks a
 * failover one timer or message at a time.
 *
 * The other controls are in live-view-controls.test.ts, who may reach the view in
 * live-view-access.test.ts, the 30-node measurement in live-view-load.test.ts. Screenshots of
 * each step go to test-artifacts/live-view/ for review.
 */
import t from 'tap';
import Redis from 'ioredis';
import { keyHashSlot } from '../../storage/key-slot';
import { startCluster } from '../../server/testing';
import { CHROMIUM, box, keysOfSlot, lastRow, openView, shot, stripColor } from './live-view-helpers';

t.setTimeout(300_000);

const NODE_TIMEOUT_MS = 500;
/**
 * How long a failover after a kill may take on a loaded CI machine: PFAIL after node-timeout and
 * FAIL right after (2 × node-timeout with the ping interval), the election's fixed 500 ms and
 * random 0-500 ms delay, 1 s per rank (rank 0: the shard's only replica), and 5 s of slack for
 * two test files, Chromium and six nodes sharing two cores. An idle machine takes about 1.7 s.
 */
const FAILOVER_BOUND_MS = NODE_TIMEOUT_MS * 2 + 1_000 + 0 * 1_000 + 5_000;

/** A hash tag whose keys all live on node 0 (slots 0-5460 at formation). */
function tagOnNode0(): string {
  for (let i = 0; ; i++) if (keyHashSlot(`{n0-${i}}`) <= 5460) return `{n0-${i}}`;
}

if (CHROMIUM === undefined) {
  t.plan(0, 'Chromium is not installed (apt-get install chromium; .ci/run does)');
} else {
  t.test('the page draws the cluster, and a kill and a partition clicked in it play out live', { timeout: 120_000 }, async (t) => {
    const cluster = await startCluster({ seed: 31, nodeTimeoutMs: NODE_TIMEOUT_MS });
    t.teardown(() => cluster.close());
    const { view, page, pageErrors } = await openView(t, cluster, true);

    await page.waitForFunction("document.querySelectorAll('.card').length === 6", { timeout: 10_000 });
    await page.waitForSelector('#coverage[data-covered="16384"]', { timeout: 10_000 });
    t.pass('six node cards and 16384 of 16384 slots covered');
    const roles = await page.$$eval('.card', (cards) => cards.map((c) => `${c.getAttribute('data-index')}:${c.getAttribute('data-role')}:${c.getAttribute('data-state')}`).sort());
    t.same(roles, ['0:primary:ok', '1:primary:ok', '2:primary:ok', '3:replica:ok', '4:replica:ok', '5:replica:ok']);
    const grouping = await page.$$eval('.shard', (shards) => shards.map((s) => [...s.querySelectorAll('.card')].map((c) => c.getAttribute('data-index')).join(',')));
    t.same(grouping, ['0,3', '1,4', '2,5'], 'each shard boxed: its primary, then its replica');
    // Flags as Redis keeps them: `myself` in each node's own line, the others' word for it apart.
    const ownFlags = await page.$$eval('.card', (cards) => cards.map((c) => `${c.getAttribute('data-index')}:${c.getAttribute('data-own-flags')}`).sort());
    t.same(ownFlags, ['0:myself,master', '1:myself,master', '2:myself,master', '3:myself,slave', '4:myself,slave', '5:myself,slave']);
    t.match(await page.$eval('.card[data-index="3"] .flags', (e) => e.textContent ?? ''), /peers \(5\): slave 5\/5/, 'its peers see node 3 as a replica, all five');
    await page.waitForSelector('#replica-links path.up[data-replica="3"][data-master="0"]', { timeout: 10_000 });
    t.pass('a green line from replica 3 to its primary 0');
    t.equal(await page.$$eval('#legend [data-owner]', (s) => s.length), 3, 'the legend names the three owners');
    await page.waitForSelector('#links td.live[data-link="1>2"]', { timeout: 10_000 });
    t.pass('the bus-link matrix shows messages flowing between the nodes');

    // Writes cause no cluster event; the cards must still follow them (the once-a-second tick).
    const offsetBefore = Number(await page.$eval('.card[data-index="0"]', (c) => c.getAttribute('data-offset')));
    const tag = tagOnNode0();
    const writer = new Redis({ port: cluster.nodes[0]?.port ?? 0, lazyConnect: true });
    t.teardown(() => writer.disconnect());
    const eventsBefore = cluster.history().length;
    for (let i = 0; i < 100; i++) await writer.set(`${tag}:${i}`, 'x'.repeat(100));
    await page.waitForFunction(
      `(() => { const p = document.querySelector('.card[data-index="0"]'), r = document.querySelector('.card[data-index="3"]');
        return p.dataset.keys === '100' && Number(p.dataset.offset) > ${offsetBefore} && r.dataset.offset === p.dataset.offset && r.dataset.lag === '0' && r.dataset.keys === '100'; })()`,
      { timeout: 10_000 },
    );
    const offsetAfter = Number(await page.$eval('.card[data-index="0"]', (c) => c.getAttribute('data-offset')));
    writer.disconnect(); // before node 0 dies, or ioredis retries it loudly
    t.pass(`100 writes: primary 0's offset ${offsetBefore} → ${offsetAfter} on its card, replica 3 caught up (lag 0, 100 keys)`);
    t.same(cluster.history().slice(eventsBefore).map((e) => e.type), [], 'with no cluster event in between');
    await shot(page, '1-formed');

    // Kill node 0 from the page; its replica (node 3) must take over.
    const clickedAt = Date.now();
    await page.click('.card[data-index="0"] button[data-action="kill"]');
    const seen = async (type: string): Promise<number> => {
      await page.waitForSelector(`#timeline div[data-type="${type}"]`, { timeout: 15_000 });
      return Date.now() - clickedAt;
    };
    let failoverMs = 0;
    for (const type of ['node-killed', 'node-pfail', 'node-failed', 'election-scheduled', 'election-started', 'vote-granted', 'failover']) {
      failoverMs = await seen(type);
      t.pass(`timeline shows ${type} (${failoverMs} ms after the click)`);
    }
    t.ok(failoverMs < FAILOVER_BOUND_MS, `failed over ${failoverMs} ms after the kill, within ${FAILOVER_BOUND_MS} ms (2 × node-timeout + 1 s election delay + rank 0 + 5 s slack)`);
    // The steps a learner counts, in words: the quorum, the delay and rank, the votes sought.
    await page.waitForFunction("[...document.querySelectorAll('#timeline div[data-type=\"node-failed\"]')].some((r) => / is FAIL: \\d+ masters agree/.test(r.textContent))", { timeout: 5_000 });
    const failed = String(await page.evaluate("[...document.querySelectorAll('#timeline div[data-type=\"node-failed\"]')].map((r) => r.textContent).find((text) => /masters agree/.test(text))"));
    const [, agreeing, needed] = /#0 is FAIL: (\d+) masters agree .*, (\d+) needed/.exec(failed) ?? [];
    t.ok(Number(agreeing) >= Number(needed) && Number(needed) === 2, `FAIL's quorum shown: ${agreeing} masters agree, ${needed} needed (3 slot-serving masters)`);
    t.match(await lastRow(page, 'election-scheduled'), /#3 *election-scheduled asks for votes in (\d+) ms: rank 0 \(/, "the election's delay and rank shown");
    const delayMs = Number(/in (\d+) ms/.exec(await lastRow(page, 'election-scheduled'))?.[1]);
    t.ok(delayMs >= 500 && delayMs < 1_000, `delay ${delayMs} ms: 500 ms + random 0-500 ms + 0 × 1 s`);
    t.match(await lastRow(page, 'election-started'), /FAILOVER_AUTH_REQUEST reached 2 of 3 slot-serving masters, 2 votes win/, 'the votes asked for: the two live masters of three, two needed');
    await page.waitForSelector('.card[data-index="3"][data-role="primary"]', { timeout: 10_000 });
    t.pass(`node 3 drawn as the primary of shard 0, ${Date.now() - clickedAt} ms after the click`);
    await page.waitForSelector('.card[data-index="0"][data-role="down"][data-fail="5"]', { timeout: 10_000 });
    t.match(await page.$eval('.card[data-index="0"] .role', (e) => e.textContent ?? ''), /^#0 down \(was primary\)$/, 'the dead primary no longer reads "primary"');
    t.match(await page.$eval('.card[data-index="0"] .flags', (e) => e.textContent ?? ''), /^own: \(down\) peers \(5\): .*fail 5\/5 $/, 'and every survivor flags it fail');
    t.equal(await page.$eval('.card[data-index="3"]', (c) => c.getAttribute('data-own-flags')), 'myself,master', 'node 3 calls itself master');
    t.equal(await page.$('#replica-links path[data-replica="3"]'), null, 'node 3 has no replica line any more');
    t.same(await stripColor(page, 0), [176, 122, 161], "slot 0 is drawn in node 3's colour");
    await page.click('#timeline div[data-type="node-failed"] a');
    t.match(await page.$eval('#explain', (e) => e.textContent ?? ''), /majority of slot-owning masters/, 'an event explains itself on click');
    await shot(page, '2-failed-over');

    // Hover the slot map: the slot under the pointer, its owner and its keys. Keys are written
    // to the hovered slot, then the pointer leaves and comes back.
    const mapBox = await box(page, '#slotmap');
    const hoverX = mapBox.x + mapBox.width * 0.3;
    await page.mouse.move(hoverX, mapBox.y + mapBox.height / 2);
    await page.waitForFunction("document.getElementById('slotinfo').dataset.keys === '0'", { timeout: 5_000 });
    const slot = Number(await page.$eval('#slotinfo', (e) => e.getAttribute('data-slot')));
    const keys = keysOfSlot(slot, 7);
    const owner = cluster.nodeForKey(keys[0] as string);
    const ownerClient = new Redis({ port: owner.port, lazyConnect: true });
    t.teardown(() => ownerClient.disconnect());
    for (const key of keys) await ownerClient.set(key, 'v');
    await page.mouse.move(hoverX, mapBox.y + mapBox.height + 40);
    await page.mouse.move(hoverX, mapBox.y + mapBox.height / 2);
    await page.waitForFunction("document.getElementById('slotinfo').dataset.keys === '7'", { timeout: 5_000 });
    t.match(await page.$eval('#slotinfo', (e) => e.textContent ?? ''), new RegExp(`^slot ${slot}: node #${owner.index} .* 7 keys on #${owner.index}$`), 'hover shows the slot, its owner and its 7 keys');

    // Clients at the wrong node: -MOVED, counted per second on the page.
    const wrong = cluster.nodes.find((n) => n.up && n.role === 'primary' && n !== owner);
    if (wrong === undefined) throw new Error('no other primary');
    const wrongClient = new Redis({ port: wrong.port, lazyConnect: true });
    t.teardown(() => wrongClient.disconnect());
    for (let i = 0; i < 40; i++) await wrongClient.get(keys[0] as string).catch(() => null);
    await page.waitForSelector('#timeline div[data-type="client-redirects"]', { timeout: 5_000 });
    t.match(await page.$eval('#redirects', (e) => e.textContent ?? ''), new RegExp(`#${wrong.index} MOVED [0-9.]+/s ASK 0/s`), `node #${wrong.index}'s MOVED replies shown per second`);
    await shot(page, '3-slot-hover-and-redirects');

    // The explanation links to the source file that makes the event; the view serves it.
    const source = await page.$eval('#explain a.source', (a) => a.getAttribute('href'));
    t.equal(source, '/source/cluster-bus/failure-detection.ts');
    const sourceText = await (await fetch(new URL(source ?? '', view.url))).text();
    t.match(sourceText, /node-failed/, 'the linked source file is served');
    t.equal((await fetch(new URL('/source/../package.json', view.url))).status, 404, 'nothing outside the sources');

    // Partition node 1 (a primary) away on the bus by dragging it into group B.
    await page.waitForSelector('#side-a .chip[data-node="1"]', { timeout: 5_000 });
    const chip = await box(page, '#side-a .chip[data-node="1"]');
    const target = await box(page, '#side-b');
    await page.mouse.move(chip.x + chip.width / 2, chip.y + chip.height / 2);
    await page.mouse.down();
    await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 8 });
    await page.mouse.up();
    t.same(await page.$$eval('#side-b .chip', (cs) => cs.map((c) => c.getAttribute('data-node'))), ['1'], 'node 1 dragged into group B');
    await page.select('#partition-plane', 'bus');
    await page.click('#partition');
    await page.waitForSelector('.card[data-index="1"][data-cluster-state="fail"]', { timeout: 15_000 });
    t.pass('the primary cut off in the minority shows cluster_state:fail');
    await page.waitForSelector('#links td.quiet[data-link="2>1"]', { timeout: 10_000 });
    t.pass('its links drawn as quiet: both ends run, nothing is delivered');
    await shot(page, '4-partitioned');
    await page.click('#heal');
    // Rejoining takes the node timeout, a failover if one happened meanwhile, and the rejoin
    // delay; a loaded machine (a full npm test) has needed more than 15 s.
    await page.waitForSelector('.card[data-index="1"][data-cluster-state="ok"]', { timeout: 40_000 });
    t.pass('healed: ok again');
    t.same(pageErrors, [], 'no script error in the page');
  });

  t.test('on a virtual clock the page steps time: nothing moves until a step, "to the next event" walks through a failover', { timeout: 120_000 }, async (t) => {
    const cluster = await startCluster({ seed: 34, clock: 'virtual', nodeTimeoutMs: 2_000 });
    t.teardown(() => cluster.close());
    const { view, page, pageErrors } = await openView(t, cluster, true);
    await page.waitForFunction("document.querySelectorAll('.card').length === 6", { timeout: 10_000 });
    await page.waitForSelector('#clock-controls', { visible: true, timeout: 5_000 });
    const clockOnPage = async (): Promise<number> => Number(await page.$eval('#clock-now', (e) => e.getAttribute('data-ms')));
    const startMs = cluster.clock.now();
    t.equal(await clockOnPage(), startMs, 'the page shows the virtual time');

    await page.click('.card[data-index="0"] button[data-action="kill"]');
    await page.waitForSelector('#timeline div[data-type="node-killed"]', { timeout: 5_000 });
    await page.click('[data-advance="100"]');
    await page.waitForFunction(`document.getElementById('clock-now').dataset.ms === '${startMs + 100}'`, { timeout: 5_000 });
    t.equal(await page.$('#timeline div[data-type="node-pfail"]'), null, '100 virtual ms after the kill: nobody suspects it yet');

    // Step from event to event; each step stops at the timer or the message that caused one.
    const firstSeen: string[] = [];
    /** The click on which each event type was first seen. */
    const firstStep = new Map<string, number>();
    let stoppedOnEvents = 0;
    let mostPerStep = 0;
    let steps = 0;
    for (; steps < 200 && !firstSeen.includes('failover'); steps++) {
      const before = cluster.history().length;
      await page.click('#next-event');
      await page.waitForSelector('#next-event:not([disabled])', { timeout: 30_000 });
      const history = cluster.history();
      const last = history.at(-1);
      if (last !== undefined && last.timeMs === cluster.clock.now()) stoppedOnEvents++;
      mostPerStep = Math.max(mostPerStep, history.length - before);
      for (const event of history.slice(before)) {
        if (firstSeen.includes(event.type) || event.timeMs <= startMs) continue;
        firstSeen.push(event.type);
        firstStep.set(event.type, steps);
      }
    }
    const order = ['node-pfail', 'node-failed', 'election-scheduled', 'election-started', 'vote-granted', 'election-won', 'failover'];
    t.same(firstSeen.filter((type) => order.includes(type)), order, `the failover's steps, one click at a time (${steps} clicks, at most ${mostPerStep} events in one)`);
    t.equal(stoppedOnEvents, steps, 'every step stopped at the instant of an event');
    // One message at a time: the suspicion, the FAIL (with the failure report that completed its
    // quorum: one message brings both), the election's start, a vote's grant and the win are
    // each a click of their own.
    t.ok((firstStep.get('failure-report') ?? Infinity) <= (firstStep.get('node-failed') ?? -1), 'a failure report came no later than the FAIL');
    const separate = ['node-pfail', 'node-failed', 'election-started', 'vote-granted', 'election-won'];
    const clicks = separate.map((type) => firstStep.get(type) ?? -1);
    t.ok(clicks.every((click, i) => click >= 0 && (i === 0 || click > (clicks[i - 1] as number))), `each on a later click than the one before: ${separate.map((type, i) => `${type}@${clicks[i] as number}`).join(' ')}`);
    t.ok(mostPerStep <= 6, `no click runs a whole phase at once (at most ${mostPerStep} events)`);
    const elapsed = cluster.clock.now() - startMs;
    t.ok(elapsed >= 2_000, `failed over ${elapsed} virtual ms after the kill, past node-timeout`);
    await page.waitForSelector('.card[data-index="3"][data-role="primary"]', { timeout: 10_000 });
    t.equal(await clockOnPage(), cluster.clock.now(), 'the page shows the time the clock stopped at');
    await shot(page, '5-virtual-clock-stepped');
    // +1 s moves the virtual clock by exactly 1000 ms, and the page shows it.
    const beforeSecond = cluster.clock.now();
    await page.click('[data-advance="1000"]');
    await page.waitForFunction(`document.getElementById('clock-now').dataset.ms === '${beforeSecond + 1_000}'`, { timeout: 10_000 });
    t.equal(cluster.clock.now(), beforeSecond + 1_000, '+1 s advanced the virtual clock by 1000 ms');
    t.same(pageErrors, [], 'no script error in the page');
  });

}
