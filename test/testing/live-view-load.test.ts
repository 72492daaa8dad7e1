/**
 * The live view under load: a 30-node cluster (15 shards) and about 1,000 cluster events per
 * second for 5 s, drawn in Debian's headless Chromium. The page must keep drawing: it records
 * the interval between animation frames and each event's delay from its arrival to the frame
 * that drew it (window.viewStats, timeline.ts), and the test prints both and bounds their p99.
 *
 * It runs alone, after the rest of `npm test` (package.json "test"; the main run's "tap"
 * config excludes this file). Thirty in-process nodes form in about 2 s on an idle machine,
 * but with two other test files running beside them on two cores formation took minutes, and
 * the measurement would be of the neighbours more than of the page.
 *
 * The bounds are for a shared CI machine, several times what an idle one shows (README's "The
 * live view" gives the figures): the frame interval's p99 under 250 ms (the page never froze
 * for a quarter of a second) and the event-to-paint p99 under 500 ms.
 */
import t from 'tap';
import { startCluster } from '../../server/testing';
import { CHROMIUM, openView } from './live-view-helpers';

t.setTimeout(300_000);

const LOAD_MS = 5_000;
const EVENTS_PER_MS = 1.0;
const FRAME_P99_BOUND_MS = 250;
const DELAY_P99_BOUND_MS = 500;

/** The value below which a fraction `p` of `list` lies. */
function percentile(list: readonly number[], p: number): number {
  return [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(list.length * p))] ?? NaN;
}

if (CHROMIUM === undefined) {
  t.plan(0, 'Chromium is not installed (apt-get install chromium; .ci/run does)');
} else {
  t.test('30 nodes and about 1,000 events per second: the page keeps drawing', { timeout: 240_000 }, async (t) => {
    // node-timeout 5 s (Redis's default) rather than the harness's 500 ms: with thirty nodes
    // and Chromium on two busy cores, an event loop late by half a second once had a replica
    // win an election while the cluster was still forming, and formation, which waits for each
    // shard's first node to be its primary, then never ended. What is measured here is the page.
    const cluster = await startCluster({ seed: 33, shards: 15, replicasPerShard: 1, nodeTimeoutMs: 5_000, startTimeoutMs: 120_000 });
    t.teardown(() => cluster.close());
    const { page, pageErrors } = await openView(t, cluster, false);
    await page.waitForFunction("document.querySelectorAll('.card').length === 30", { timeout: 15_000 });
    await page.waitForSelector('#coverage[data-covered="16384"]', { timeout: 15_000 });
    t.pass('thirty node cards, every slot covered');
    t.equal(await page.$$eval('#legend [data-owner]', (s) => new Set(s.map((e) => (e as unknown as { style: { background: string } }).style.background)).size), 15, 'fifteen owners, fifteen colours');

    // Real events through the real path: a fault added and healed is two events of the log
    // (fault-added, fault-healed), generated to keep up with 1,000 events per second of wall
    // time, yielding to the event loop every few milliseconds.
    const startEvents = Number(await page.evaluate('window.viewStats.events'));
    const startedAt = Date.now();
    let generated = 0;
    while (Date.now() - startedAt < LOAD_MS) {
      while (generated < (Date.now() - startedAt) * EVENTS_PER_MS) {
        cluster.dropBus({ types: ['MEET'], probability: 0 }).heal();
        generated += 2;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await page.waitForFunction(`window.viewStats.events >= ${startEvents + generated}`, { timeout: 15_000 });
    const stats = (await page.evaluate(`({ frames: window.viewStats.frameMs.slice(-300), delays: window.viewStats.eventToFrameMs.slice(-${generated}) })`)) as { frames: number[]; delays: number[] };
    const rate = Math.round(generated / (LOAD_MS / 1000));
    const [frame50, frame99, delay50, delay99] = [percentile(stats.frames, 0.5), percentile(stats.frames, 0.99), percentile(stats.delays, 0.5), percentile(stats.delays, 0.99)];
    t.comment(`${generated} events in ${LOAD_MS} ms (${rate}/s) to 30 node cards: frame interval median ${frame50.toFixed(1)} ms, p99 ${frame99.toFixed(1)} ms; event arrival to drawn: median ${delay50.toFixed(1)} ms, p99 ${delay99.toFixed(1)} ms`);
    t.ok(rate >= 800, `about 1,000 events per second generated (${rate}/s)`);
    t.ok(frame99 < FRAME_P99_BOUND_MS, `frame interval p99 ${frame99.toFixed(1)} ms < ${FRAME_P99_BOUND_MS} ms`);
    t.ok(delay99 < DELAY_P99_BOUND_MS, `event arrival to drawn p99 ${delay99.toFixed(1)} ms < ${DELAY_P99_BOUND_MS} ms`);
    t.same(pageErrors, [], 'no script error in the page');
  });
}
