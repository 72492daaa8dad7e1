/**
 * The timeline: every cluster event in order, with its time since the first one and the node it
 * happened on. Events arrive one SSE message each, up to a thousand a second; rows are added at
 * most once per animation frame, however many arrived, and only the last TIMELINE_ROWS are kept,
 * so a burst costs one layout rather than a thousand.
 *
 * A row names its type (a link: the explanation and the source file that produces it, from
 * event-explanations.ts, embedded in the page) and its fields. The steps a learner counts get a
 * sentence instead of key=value pairs: the FAIL's quorum (how many masters agree, of how many
 * needed), the election's delay and rank, the votes asked for.
 *
 * It also measures how responsive the page is, for the browser test to read (window.viewStats):
 * the intervals between animation frames, and each event's delay from its arrival to the frame
 * that drew it, the last STATS_KEPT of each.
 */
import { el, must } from './dom.js';
import { view, type ClusterEvent, type Explanation } from './wire.js';

const TIMELINE_ROWS = 400;
const STATS_KEPT = 5000;

export const stats = { frameMs: [] as number[], eventToFrameMs: [] as number[], events: 0 };
(window as unknown as { viewStats: typeof stats }).viewStats = stats;

export function keep(list: number[], value: number): void {
  list.push(value);
  if (list.length > STATS_KEPT) list.splice(0, list.length - STATS_KEPT);
}

const explanations = JSON.parse(must<HTMLScriptElement>('explanations').textContent ?? '{}') as Record<string, Explanation>;

let pending: ClusterEvent[] = [];
/** When each pending event arrived (performance.now()). */
let arrivals: number[] = [];
let firstEventMs: number | null = null;

/** Queues an event (or the page's own client-redirects row) for the next frame. */
export function addRow(event: ClusterEvent): void {
  pending.push(event);
  arrivals.push(performance.now());
  if (pending.length === 1) requestAnimationFrame(flushTimeline);
}

const ref = (value: unknown): string => {
  const index = typeof value === 'string' ? view.indexById.get(value) : undefined;
  return index === undefined ? String(value) : `#${index}`;
};

/** The row's text after its type. */
export function describe(event: ClusterEvent): string {
  const e = event;
  switch (e.type) {
    case 'node-failed':
      return e.via === 'quorum'
        ? `${ref(e.id)} is FAIL: ${String(e.agreeing)} masters agree (failure reports, and this node if a master), ${String(e.quorum)} needed`
        : `${ref(e.id)} is FAIL, as ${ref(e.from)}'s FAIL message says`;
    case 'election-scheduled':
      return `asks for votes in ${String(e.delayMs)} ms: rank ${String(e.rank)} (500 ms + random 0-500 ms + ${String(e.rank)} × 1000 ms), offset ${String(e.offset)}`;
    case 'election-started':
      return `epoch ${String(e.epoch)}: FAILOVER_AUTH_REQUEST reached ${String(e.asked)} of ${String(e.voters)} slot-serving masters, ${String(e.quorum)} votes win`;
    default: {
      const { type: _type, node: _node, timeMs: _time, ...rest } = e;
      return Object.entries(rest)
        .map(([key, value]) => `${key}=${ref(value)}`)
        .join(' ');
    }
  }
}

function explain(type: string): void {
  const entry = explanations[type];
  const box = must<HTMLDivElement>('explain');
  if (entry === undefined) {
    box.textContent = `${type}: no explanation (a type the page does not know; rebuild it)`;
    return;
  }
  const source = el('a', { href: `/source/${entry.source}`, target: '_blank', class: 'source' }, entry.source);
  box.replaceChildren(`${type}: ${entry.text} (`, source, ')');
}

function flushTimeline(): void {
  const timeline = must<HTMLDivElement>('timeline');
  const atBottom = timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - 4;
  const fragment = document.createDocumentFragment();
  for (const event of pending.slice(-TIMELINE_ROWS)) {
    firstEventMs ??= event.timeMs;
    const row = el('div', { 'data-type': event.type });
    const node = view.indexById.get(event.node);
    row.append(el('span', { class: 't' }, `${((event.timeMs - firstEventMs) / 1000).toFixed(3)}s`), el('span', { class: 'n' }, node === undefined ? '' : `#${node}`));
    const name = el('a', { href: '#' }, event.type);
    name.addEventListener('click', (e) => {
      e.preventDefault();
      explain(event.type);
    });
    row.append(name, ` ${describe(event)}`);
    fragment.append(row);
  }
  const drawnAt = performance.now();
  for (const arrived of arrivals) keep(stats.eventToFrameMs, drawnAt - arrived);
  pending = [];
  arrivals = [];
  timeline.append(fragment);
  while (timeline.childElementCount > TIMELINE_ROWS) timeline.firstElementChild?.remove();
  if (atBottom) timeline.scrollTop = timeline.scrollHeight;
}
