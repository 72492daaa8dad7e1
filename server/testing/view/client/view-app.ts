/**
 * The live view's script, run in the browser as ES modules (compiled on their own, with the DOM's
 * types, by this folder's tsconfig.json; served under /app/). It listens to /events and hands
 * each message to the module that draws it:
 *
 *   snapshot        topology.ts (cards, replica lines), slot-map.ts (strip, marks, legend),
 *                   controls.ts (open migrations), the virtual clock's time, and the bus-link
 *                   matrix's frame (traffic.ts), before any traffic sample fills it
 *   cluster-event   timeline.ts, at most one repaint per animation frame
 *   traffic         traffic.ts (bus-link matrix, client redirects)
 *
 * No framework: the page is a few lists, one canvas and one SVG layer, redrawn whole from each
 * snapshot (a few dozen elements, a few times a second at most).
 */
import { byId, must } from './dom.js';
import { renderOpenSlots, wireControls } from './controls.js';
import { renderSlots, wireSlotHover } from './slot-map.js';
import { addRow, keep, stats } from './timeline.js';
import { renderCards, wireTopology } from './topology.js';
import { ensureLinks, renderLinks, showRedirects } from './traffic.js';
import { view, type ClusterEvent, type ClusterSnapshot, type TrafficSample } from './wire.js';

let lastFrame = performance.now();
const frame = (now: number): void => {
  keep(stats.frameMs, now - lastFrame);
  lastFrame = now;
  requestAnimationFrame(frame);
};
requestAnimationFrame(frame);

function onSnapshot(snapshot: ClusterSnapshot): void {
  view.snapshot = snapshot;
  for (const node of snapshot.nodes) view.indexById.set(node.id, node.index);
  renderCards(snapshot);
  renderSlots(snapshot);
  renderOpenSlots(snapshot);
  ensureLinks();
  document.body.dataset.snapshots = String(Number(document.body.dataset.snapshots ?? '0') + 1);
  const clock = byId<HTMLDivElement>('clock-controls');
  if (clock !== null) clock.style.display = snapshot.clock === 'virtual' ? '' : 'none';
  const now = byId<HTMLSpanElement>('clock-now');
  if (now !== null) {
    now.textContent = new Date(snapshot.nowMs).toISOString().replace('T', ' ').slice(0, 23);
    now.dataset.ms = String(snapshot.nowMs);
  }
}

function connect(): void {
  const source = new EventSource('/events');
  const status = must<HTMLSpanElement>('status');
  source.addEventListener('open', () => (status.textContent = 'live'));
  source.addEventListener('error', () => (status.textContent = 'disconnected, retrying…'));
  source.addEventListener('snapshot', (message) => onSnapshot(JSON.parse((message as MessageEvent<string>).data) as ClusterSnapshot));
  source.addEventListener('traffic', (message) => {
    const sample = JSON.parse((message as MessageEvent<string>).data) as TrafficSample;
    renderLinks(sample.links);
    showRedirects(sample);
  });
  source.addEventListener('cluster-event', (message) => {
    stats.events++;
    addRow(JSON.parse((message as MessageEvent<string>).data) as ClusterEvent);
  });
}

wireSlotHover();
wireTopology();
wireControls();
connect();
