/**
 * The once-a-second `traffic` message drawn two ways: the bus-link matrix (sender row, receiver
 * column, messages delivered per second; red when both ends run and nothing got through, which
 * is how a partition or a dropped message type shows), and the client redirects, a line above
 * the timeline plus a 'client-redirects' row whenever any node sent -MOVED or -ASK.
 */
import { el, must } from './dom.js';
import { addRow } from './timeline.js';
import { view, type ClusterEvent, type TrafficSample } from './wire.js';

/** The last sample's link rates; null until the first (a virtual clock samples only once time moved). */
let lastRates: TrafficSample['links'] | null = null;

/** A new sample: the matrix redrawn with its rates. */
export function renderLinks(rates: TrafficSample['links']): void {
  lastRates = rates;
  drawLinks();
}

/**
 * The matrix drawn as soon as the nodes are known, before any sample, and again whenever their
 * number changes: a table appearing later would push the controls below it down by its height,
 * under a pointer about to click.
 */
export function ensureLinks(): void {
  const snap = view.snapshot;
  if (snap !== null && must<HTMLTableElement>('links').rows.length !== snap.nodes.length + 1) drawLinks();
}

function drawLinks(): void {
  const snap = view.snapshot;
  if (snap === null) return;
  const nodes = snap.nodes;
  const rates = lastRates ?? [];
  const byPair = new Map(rates.map((r) => [`${r[0]}>${r[1]}`, r]));
  const head = el('tr');
  head.append(el('th', {}, '→'), ...nodes.map((n) => el('th', {}, `#${n.index}`)));
  const rows = nodes.map((from) => {
    const row = el('tr');
    row.append(el('th', {}, `#${from.index}`));
    for (const to of nodes) {
      if (from.index === to.index) {
        row.append(el('td', { class: 'self' }));
        continue;
      }
      const rate = byPair.get(`${from.index}>${to.index}`);
      const total = rate === undefined ? 0 : rate[2] + rate[3] + rate[4];
      const running = from.up && to.up && !from.paused && !to.paused;
      // Before the first sample nothing is known, and nothing is drawn red.
      const title = lastRates === null ? 'no sample yet' : rate === undefined ? 'nothing delivered' : `PING ${rate[2]}/s, PONG ${rate[3]}/s, other ${rate[4]}/s`;
      const kind = total > 0 ? 'live' : running && lastRates !== null ? 'quiet' : '';
      row.append(el('td', { class: kind, 'data-link': `${from.index}>${to.index}`, title }, lastRates === null ? '·' : total > 0 ? total.toFixed(1) : '0'));
    }
    return row;
  });
  must<HTMLTableElement>('links').replaceChildren(head, ...rows);
}

export function showRedirects(sample: TrafficSample): void {
  const total = sample.redirects.reduce((sum, [, moved, ask]) => sum + moved + ask, 0);
  const line = must<HTMLSpanElement>('redirects');
  line.textContent = total === 0 ? 'none' : sample.redirects.map(([node, moved, ask]) => `#${node} MOVED ${moved}/s ASK ${ask}/s`).join(' · ');
  line.dataset.total = String(total);
  if (total === 0) return;
  const row: ClusterEvent = { type: 'client-redirects', node: '', timeMs: sample.timeMs };
  for (const [node, moved, ask] of sample.redirects) row[`#${node}`] = `MOVED ${moved}/s ASK ${ask}/s`;
  addRow(row);
}
