/**
 * The live view (server/testing/view/) in a real browser: Debian's headless Chromium driven with
 * puppeteer-core. The page must show the six nodes and full slot coverage; a click on "kill" of
 * a primary must show PFAIL, FAIL, the election and the promoted replica, and the slot map
 * recoloured; hovering a slot shows its keys; clients sent to the wrong node show up as
 * redirects per second; a partition made by dragging a node into the other group must show the
 * cut-off primary's cluster_state:fail.
 * Screenshots of each step go to test-artifacts/live-view/ for review. With HASHSLOT_VIEW_LOAD=1
 * it also measures the page with 30 nodes and about 1,000 events per second.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import t, * as tap from 'tap';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import Redis from 'ioredis';
import { keyHashSlot } from '../../storage/key-slot';
import { startCluster, type TestCluster } from '../../server/testing';
import { ViewServer } from '../../server/testing/view/view-server';
import { REPO_ROOT } from '../helpers/cluster-process';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
/**
 * The 30-node load measurement runs when HASHSLOT_VIEW_LOAD=1: thirty in-process nodes form in
 * about 2 s alone, but under a full `npm test` (two files at once on two cores) formation took
 * minutes and the file hit tap's per-file timeout, so it stays out of the default run.
 */
const MEASURE_LOAD = process.env.HASHSLOT_VIEW_LOAD === '1';

t.setTimeout(300_000);
const SHOTS = path.join(REPO_ROOT, 'test-artifacts', 'live-view');

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** A view of `cluster` and a Chromium page on it (closed with the test), with the page's script errors. */
async function openView(t: tap.Test, cluster: TestCluster, controls: boolean): Promise<{ view: ViewServer; page: Page; pageErrors: string[] }> {
  const view = await ViewServer.start(cluster, { port: 0, controls });
  t.teardown(() => view.close());
  const browser: Browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(view.url);
  return { view, page, pageErrors };
}

async function box(page: Page, selector: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await (await page.$(selector))?.boundingBox();
  if (found === null || found === undefined) throw new Error(`${selector} is not on the page`);
  return found;
}

/** `count` key names that hash to `slot`. */
function keysOfSlot(slot: number, count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) if (keyHashSlot(`view:${i}`) === slot) keys.push(`view:${i}`);
  return keys;
}

if (CHROMIUM === undefined) {
  t.plan(0, 'Chromium is not installed (apt-get install chromium; .ci/run does)');
} else {
  t.test('the page draws the cluster, and a kill and a partition clicked in it play out live', { timeout: 120_000 }, async (t) => {
    const cluster = await startCluster({ seed: 31, nodeTimeoutMs: 500 });
    t.teardown(() => cluster.close());
    const { view, page, pageErrors } = await openView(t, cluster, true);

    // Page-side code as strings: this file compiles without the DOM's types.
    await page.waitForFunction("document.querySelectorAll('.card').length === 6", { timeout: 10_000 });
    await page.waitForSelector('#coverage[data-covered="16384"]', { timeout: 10_000 });
    t.pass('six node cards and 16384 of 16384 slots covered');
    const roles = await page.$$eval('.card', (cards) => cards.map((c) => `${c.getAttribute('data-index')}:${c.getAttribute('data-role')}:${c.getAttribute('data-state')}`).sort());
    t.same(roles, ['0:primary:ok', '1:primary:ok', '2:primary:ok', '3:replica:ok', '4:replica:ok', '5:replica:ok']);
    await page.waitForSelector('#links td.live[data-link="1>2"]', { timeout: 10_000 });
    t.pass('the bus-link matrix shows messages flowing between the nodes');
    await shot(page, '1-formed');

    // Kill node 0 from the page; its replica (node 3) must take over.
    const clickedAt = Date.now();
    await page.click('.card[data-index="0"] button[data-action="kill"]');
    const seen = async (type: string): Promise<void> => {
      await page.waitForSelector(`#timeline div[data-type="${type}"]`, { timeout: 15_000 });
    };
    for (const type of ['node-killed', 'node-pfail', 'node-failed', 'election-started', 'vote-granted', 'failover']) {
      await seen(type);
      t.pass(`timeline shows ${type} (${Date.now() - clickedAt} ms after the click)`);
    }
    await page.waitForSelector('.card[data-index="3"][data-role="primary"]', { timeout: 10_000 });
    t.pass(`node 3 drawn as the primary of shard 0, ${Date.now() - clickedAt} ms after the click`);
    t.equal(await page.$eval('.card[data-index="0"]', (c) => c.getAttribute('data-state')), 'down');
    // The slot map's first pixel (slot 0) takes node 3's colour.
    const pixel = await page.evaluate("Array.from(document.getElementById('slotmap').getContext('2d').getImageData(0, 0, 1, 1).data).slice(0, 3)");
    t.same(pixel, [176, 122, 161], 'slot 0 is drawn in node 3\'s colour');
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
    t.same(pageErrors, [], 'no script error in the page');
  });

  t.test('30 nodes and about 1,000 events per second: the page keeps drawing (figures printed)', { timeout: 240_000, skip: MEASURE_LOAD ? false : 'set HASHSLOT_VIEW_LOAD=1 to measure (kept out of the default run)' }, async (t) => {
    // Thirty nodes form in about 2 s alone; under a loaded full run (two test files at once) it
    // once took more than 30 s, so the deadline is generous.
    const cluster = await startCluster({ seed: 33, shards: 15, replicasPerShard: 1, startTimeoutMs: 120_000 });
    t.teardown(() => cluster.close());
    const { page } = await openView(t, cluster, false);
    await page.waitForFunction("document.querySelectorAll('.card').length === 30", { timeout: 15_000 });
    t.pass('thirty node cards');
    // Real events through the real path: a fault added and healed is two events of the log
    // (fault-added, fault-healed), generated to keep up with 1,000 events per second of wall
    // time, yielding to the event loop every few milliseconds.
    const startEvents = Number(await page.evaluate('window.viewStats.events'));
    const loadMs = 5_000;
    const startedAt = Date.now();
    let generated = 0;
    while (Date.now() - startedAt < loadMs) {
      while (generated < (Date.now() - startedAt) * 1.0) {
        cluster.dropBus({ types: ['MEET'], probability: 0 }).heal();
        generated += 2;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await page.waitForFunction(`window.viewStats.events >= ${startEvents + generated}`, { timeout: 15_000 });
    const stats = (await page.evaluate('({ frames: window.viewStats.frameMs.slice(-300), delays: window.viewStats.eventToFrameMs.slice(-' + String(generated) + ') })')) as { frames: number[]; delays: number[] };
    const pct = (list: number[], p: number): number => [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(list.length * p))] ?? NaN;
    const rate = Math.round(generated / (loadMs / 1000));
    t.comment(`${generated} events in ${loadMs} ms (${rate}/s) to 30 node cards: frame interval median ${pct(stats.frames, 0.5).toFixed(1)} ms, p99 ${pct(stats.frames, 0.99).toFixed(1)} ms; event arrival to drawn: median ${pct(stats.delays, 0.5).toFixed(1)} ms, p99 ${pct(stats.delays, 0.99).toFixed(1)} ms`);
    t.ok(rate >= 800, `about 1,000 events per second generated (${rate}/s)`);
    // A sanity bound only (the figures above are what matter, and they go to README): the
    // page did not freeze for seconds under the load.
    t.ok(pct(stats.delays, 0.99) < 2_000, 'every event drawn within 2 s of its arrival');
  });

  t.test('without controls, the page only watches: POST /control is refused', async (t) => {
    const cluster = await startCluster({ seed: 32 });
    t.teardown(() => cluster.close());
    const view = await ViewServer.start(cluster, { port: 0, controls: false });
    t.teardown(() => view.close());
    const response = await fetch(`${view.url}control`, { method: 'POST', body: JSON.stringify(['NODE', 'KILL', '0']) });
    t.equal(response.status, 403);
    t.ok(cluster.nodes[0]?.up, 'nothing was killed');
    const page = await (await fetch(view.url)).text();
    t.notMatch(page, /id="controls"/, 'no control panel on the page');
  });
}
