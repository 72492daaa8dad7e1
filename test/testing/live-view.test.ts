/**
 * The live view (server/testing/view/) in a real browser: Debian's headless Chromium driven with
 * puppeteer-core. The page must show the six nodes and full slot coverage; a click on "kill" of
 * a primary must show PFAIL, FAIL, the election and the promoted replica, and the slot map
 * recoloured; a partition made in the page must show the cut-off primary's cluster_state:fail.
 * Screenshots of each step go to test-artifacts/live-view/ for review. With HASHSLOT_VIEW_LOAD=1
 * it also measures the page with 30 nodes and about 1,000 events per second.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startCluster } from '../../server/testing';
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

if (CHROMIUM === undefined) {
  t.plan(0, 'Chromium is not installed (apt-get install chromium; .ci/run does)');
} else {
  t.test('the page draws the cluster, and a kill and a partition clicked in it play out live', { timeout: 120_000 }, async (t) => {
    const cluster = await startCluster({ seed: 31, nodeTimeoutMs: 500 });
    t.teardown(() => cluster.close());
    const view = await ViewServer.start(cluster, { port: 0, controls: true });
    t.teardown(() => view.close());
    const browser: Browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    t.teardown(() => browser.close());
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await page.goto(view.url);

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

    // Partition node 1 (a primary) away on the bus: it sees itself in a minority.
    await page.waitForSelector('#partition-nodes input[data-pick="1"]', { timeout: 5_000 });
    await page.click('#partition-nodes input[data-pick="1"]');
    await page.select('#partition-plane', 'bus');
    await page.click('#partition');
    await page.waitForSelector('.card[data-index="1"][data-cluster-state="fail"]', { timeout: 15_000 });
    t.pass('the primary cut off in the minority shows cluster_state:fail');
    await page.waitForSelector('#links td.quiet[data-link="2>1"]', { timeout: 10_000 });
    t.pass('its links drawn as quiet: both ends run, nothing is delivered');
    await shot(page, '3-partitioned');
    await page.click('#heal');
    await page.waitForSelector('.card[data-index="1"][data-cluster-state="ok"]', { timeout: 15_000 });
    t.pass('healed: ok again');
    t.same(pageErrors, [], 'no script error in the page');
  });

  t.test('30 nodes and about 1,000 events per second: the page keeps drawing (figures printed)', { timeout: 240_000, skip: MEASURE_LOAD ? false : 'set HASHSLOT_VIEW_LOAD=1 to measure (kept out of the default run)' }, async (t) => {
    // Thirty nodes form in about 2 s alone; under a loaded full run (two test files at once) it
    // once took more than 30 s, so the deadline is generous.
    const cluster = await startCluster({ seed: 33, shards: 15, replicasPerShard: 1, startTimeoutMs: 120_000 });
    t.teardown(() => cluster.close());
    const view = await ViewServer.start(cluster, { port: 0, controls: false });
    t.teardown(() => view.close());
    const browser: Browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    t.teardown(() => browser.close());
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    await page.goto(view.url);
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
