/**
 * The slot map: 16,384 slots on a 1,024-pixel canvas, so each pixel column stands for 16 slots.
 * Three bands, top to bottom:
 *
 *   rows 0-2    ▀▀     MIGRATING: the source is handing the slot over (CLUSTER SETSLOT n MIGRATING)
 *   rows 3-8    ████   each slot in its owner's colour
 *   rows 9-11   ▄▄     IMPORTING: the target is taking the slot in (CLUSTER SETSLOT n IMPORTING)
 *
 * A slot open for a migration is one slot in sixteen of a pixel, so its mark is drawn
 * MARK_PX wide in a band of its own, where nothing else is painted: a mark inside the strip
 * would be a one-pixel dot lost among its neighbours. For the same reason owner runs are painted
 * longest first: a single slot moved to another owner shares its pixel with fifteen slots of the
 * old one, and painted last it stays visible.
 *
 * Hovering shows the slot under the pointer (snapped to a mark the pointer is on), its owner,
 * whether it is migrating or importing and between which nodes, and how many keys of it each
 * node holds (GET /slot, fetched; the latest hover wins).
 */
import { byId, el, must, ownerColor } from './dom.js';
import { view, type ClusterSnapshot, type SlotKeys } from './wire.js';

const SLOTS = 16384;
const WIDTH_PX = 1024;
const MIGRATING_ROWS: [number, number] = [0, 3];
const STRIP_ROWS: [number, number] = [3, 6];
const IMPORTING_ROWS: [number, number] = [9, 3];
const MARK_PX = 7;
const MIGRATING_COLOR = '#111';
const IMPORTING_COLOR = '#8a2be2';

/** The slots as last drawn: under a burst of events most snapshots change none of them. */
let drawnSlots = '';

export function renderSlots(snap: ClusterSnapshot): void {
  const slotsNow = JSON.stringify([snap.slots, snap.migrating, snap.importing]);
  if (slotsNow === drawnSlots) return;
  drawnSlots = slotsNow;
  const canvas = must<HTMLCanvasElement>('slotmap');
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const perPixel = SLOTS / WIDTH_PX;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  let covered = 0;
  const runs = [...snap.slots].sort((a, b) => b[1] - b[0] - (a[1] - a[0]));
  for (const [first, last, owner] of runs) {
    if (owner >= 0) covered += last - first + 1;
    ctx.fillStyle = ownerColor(owner);
    ctx.fillRect(Math.floor(first / perPixel), STRIP_ROWS[0], Math.max(1, Math.ceil((last - first + 1) / perPixel)), STRIP_ROWS[1]);
  }
  const mark = (slot: number, rows: [number, number], color: string): void => {
    ctx.fillStyle = color;
    ctx.fillRect(markLeft(slot), rows[0], MARK_PX, rows[1]);
  };
  for (const [slot] of snap.migrating) mark(slot, MIGRATING_ROWS, MIGRATING_COLOR);
  for (const [slot] of snap.importing) mark(slot, IMPORTING_ROWS, IMPORTING_COLOR);
  const coverage = must<HTMLSpanElement>('coverage');
  const open = [snap.migrating.length > 0 ? `${snap.migrating.length} migrating` : '', snap.importing.length > 0 ? `${snap.importing.length} importing` : ''].filter((s) => s !== '');
  coverage.textContent = `${covered} of ${SLOTS} slots covered${open.length > 0 ? `, ${open.join(', ')}` : ''}`;
  coverage.dataset.covered = String(covered);
  coverage.dataset.migrating = String(snap.migrating.length);
  coverage.dataset.importing = String(snap.importing.length);
  renderLegend(snap);
}

/** The mark's first pixel column: centred on the slot, kept inside the canvas. */
function markLeft(slot: number): number {
  return Math.max(0, Math.min(WIDTH_PX - MARK_PX, Math.floor((slot * WIDTH_PX) / SLOTS) - Math.floor(MARK_PX / 2)));
}

/** The owners' colours as they are on the strip now, and what the two marks mean. */
function renderLegend(snap: ClusterSnapshot): void {
  const legend = must<HTMLDivElement>('legend');
  const owners = [...new Set(snap.slots.map(([, , owner]) => owner))].sort((a, b) => a - b);
  const key = (color: string, text: string, attrs: Record<string, string> = {}): HTMLSpanElement[] => {
    const swatch = el('span', { class: 'swatch', ...attrs });
    swatch.style.background = color;
    return [swatch, el('span', {}, text)];
  };
  legend.replaceChildren(
    'owners:',
    ...owners.flatMap((owner) => key(ownerColor(owner), owner < 0 ? 'nobody' : `#${owner}`, { 'data-owner': String(owner) })),
    ' · marks:',
    ...key(MIGRATING_COLOR, 'above: migrating (the source)'),
    ...key(IMPORTING_COLOR, 'below: importing (the target)'),
  );
}

/** The slot under the pointer, its owner, and its keys on each node (fetched, latest hover wins). */
let hoverSlot = -1;
let slotFetch: Promise<void> | null = null;

export function wireSlotHover(): void {
  must<HTMLCanvasElement>('slotmap').addEventListener('mousemove', (event) => {
    const snap = view.snapshot;
    if (snap === null) return;
    const canvas = must<HTMLCanvasElement>('slotmap');
    const x = (event.offsetX / canvas.clientWidth) * WIDTH_PX;
    const onMark = [...snap.migrating, ...snap.importing].find(([slot]) => x >= markLeft(slot) && x < markLeft(slot) + MARK_PX);
    hoverSlot = onMark?.[0] ?? Math.max(0, Math.min(SLOTS - 1, Math.floor((x / WIDTH_PX) * SLOTS)));
    showSlot(null);
    slotFetch ??= fetchSlot();
  });
}

async function fetchSlot(): Promise<void> {
  try {
    while (true) {
      const slot = hoverSlot;
      const keys = (await (await fetch(`/slot?slot=${slot}`)).json()) as SlotKeys;
      if (slot === hoverSlot) {
        showSlot(keys);
        break;
      }
    }
  } finally {
    slotFetch = null;
  }
}

function showSlot(keys: SlotKeys | null): void {
  const snap = view.snapshot;
  if (snap === null) return;
  const slot = hoverSlot;
  const run = snap.slots.find(([first, last]) => slot >= first && slot <= last);
  const owner = run === undefined ? undefined : snap.nodes[run[2]];
  const where = owner === undefined ? 'unassigned' : `node #${owner.index} (${owner.address}), slots ${run?.[0]}-${run?.[1]}`;
  const moving = [
    ...snap.migrating.filter(([s]) => s === slot).map(([, source, target]) => `migrating to #${target} (on #${source})`),
    ...snap.importing.filter(([s]) => s === slot).map(([, target, source]) => `importing from #${source} (on #${target})`),
  ];
  const count = keys === null ? '…' : keys.keys.length === 0 ? 'no keys' : keys.keys.map(([node, n]) => `${n} key${n === 1 ? '' : 's'} on #${node}`).join(', ');
  const info = byId<HTMLDivElement>('slotinfo');
  if (info === null) return;
  info.textContent = [`slot ${slot}: ${where}`, ...moving, count].join(' · ');
  info.dataset.slot = String(slot);
  info.dataset.keys = keys === null ? '' : String(keys.keys.reduce((sum, [, n]) => sum + n, 0));
}
