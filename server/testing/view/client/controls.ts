/**
 * The controls (only with --view-controls): each button POSTs one control-port command as a
 * JSON array to /control, with Content-Type application/json (the server refuses anything else:
 * view-access.ts), and shows the reply the way redis-cli would print it, not as RESP-in-JSON.
 *
 *   card buttons         NODE KILL|RESTART|PAUSE|RESUME <index>, FAILOVER-TO <replica>
 *   partition board      FAULT PARTITION <group A> <group B> PLANE <plane>
 *   drop / heal          FAULT DROP <types>, FAULT HEAL ALL
 *   move a slot          SLOT MIGRATE <slot> <to> [PAUSE]; each slot left open gets a resume
 *                        button (SLOT RESUME <slot>)
 *   virtual clock        CLOCK ADVANCE <ms>, CLOCK NEXT
 */
import { byId, el, must } from './dom.js';
import { view, type ClusterSnapshot } from './wire.js';

export async function control(argv: string[]): Promise<void> {
  const reply = byId<HTMLDivElement>('control-reply');
  const response = await fetch('/control', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(argv) });
  const body = (await response.json()) as { reply?: unknown; error?: string };
  if (reply === null) return;
  reply.classList.toggle('error', body.error !== undefined);
  reply.textContent = `${argv.join(' ')} → ${body.error ?? formatReply(body.reply)}`;
  reply.dataset.status = String(response.status);
}

/**
 * A RESP value as the server encodes it in JSON (protocol/resp-value.ts: {"+": "OK"} for a
 * status, {"%": [k, v, ...]} for a map, arrays, numbers, strings, null) in redis-cli's words,
 * with node ids shortened to the cards' #index.
 */
export function formatReply(value: unknown): string {
  if (value === null || value === undefined) return '(nil)';
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : value.map(formatReply).join(', ');
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record['+'] === 'string') return record['+'];
    const map = record['%'];
    if (Array.isArray(map)) {
      const pairs: string[] = [];
      for (let i = 0; i + 1 < map.length; i += 2) pairs.push(`${String(map[i])}: ${formatReply(map[i + 1])}`);
      return pairs.join(', ');
    }
    return JSON.stringify(value);
  }
  const index = typeof value === 'string' ? view.indexById.get(value) : undefined;
  return index === undefined ? String(value) : `#${index}`;
}

/** A resume button for every slot left open mid-migration (MIGRATING on its source). */
export function renderOpenSlots(snap: ClusterSnapshot): void {
  const list = byId<HTMLSpanElement>('open-slots');
  if (list === null) return;
  const items = snap.migrating.flatMap(([slot, from, to]) => {
    const resume = el('button', { 'data-resume': String(slot) }, `resume slot ${slot}`);
    resume.addEventListener('click', () => void control(['SLOT', 'RESUME', String(slot)]));
    return [` open: slot ${slot} #${from} → #${to} `, resume];
  });
  list.replaceChildren(...items);
}

/**
 * The partition board: a chip per node in one of two groups; drag a chip (pointer events, so
 * mouse, pen and touch alike) or click it to move it to the other group, then "cut" asks the
 * control verbs for FAULT PARTITION between the two groups on the chosen plane.
 */
function wirePartitionBoard(): void {
  const sides = [must<HTMLDivElement>('side-a'), must<HTMLDivElement>('side-b')];
  const refreshChips = (): void => {
    const snap = view.snapshot;
    if (snap === null) return;
    const chips = document.querySelectorAll('.chip').length;
    if (chips === snap.nodes.length) return;
    for (const side of sides) side.querySelectorAll('.chip').forEach((c) => c.remove());
    for (const node of snap.nodes) (sides[0] as HTMLDivElement).append(chip(node.index));
  };
  const chip = (index: number): HTMLSpanElement => {
    const c = el('span', { class: 'chip', 'data-node': String(index) }, `#${index}`);
    let start: { x: number; y: number } | null = null;
    c.addEventListener('pointerdown', (e) => {
      start = { x: e.clientX, y: e.clientY };
      c.setPointerCapture(e.pointerId);
      c.classList.add('dragging');
    });
    c.addEventListener('pointermove', (e) => {
      if (start !== null) c.style.transform = `translate(${e.clientX - start.x}px, ${e.clientY - start.y}px)`;
    });
    c.addEventListener('pointerup', (e) => {
      if (start === null) return;
      const moved = Math.abs(e.clientX - start.x) + Math.abs(e.clientY - start.y) > 4;
      start = null;
      c.classList.remove('dragging');
      c.style.transform = '';
      c.style.visibility = 'hidden';
      const under = document.elementFromPoint(e.clientX, e.clientY)?.closest('.side');
      c.style.visibility = '';
      const other = sides.find((side) => side !== c.parentElement) as HTMLDivElement;
      const target = moved ? (under instanceof HTMLDivElement ? under : null) : other;
      if (target !== null && target !== c.parentElement) target.append(c);
    });
    return c;
  };
  setInterval(refreshChips, 500);
  const group = (side: HTMLDivElement): string[] => [...side.querySelectorAll<HTMLSpanElement>('.chip')].map((c) => c.dataset.node ?? '');
  must('partition').addEventListener('click', () => {
    const [a, b] = sides.map(group) as [string[], string[]];
    const plane = must<HTMLSelectElement>('partition-plane').value;
    if (a.length > 0 && b.length > 0) void control(['FAULT', 'PARTITION', a.join(','), b.join(','), 'PLANE', plane]);
    else must<HTMLDivElement>('control-reply').textContent = 'drag at least one node into each group first';
  });
}

export function wireControls(): void {
  if (!view.controlsOn) return;
  wirePartitionBoard();
  must('drop').addEventListener('click', () => void control(['FAULT', 'DROP', must<HTMLSelectElement>('drop-type').value]));
  must('heal').addEventListener('click', () => void control(['FAULT', 'HEAL', 'ALL']));
  must('move').addEventListener('click', () => {
    const pause = must<HTMLInputElement>('move-pause').checked ? ['PAUSE'] : [];
    void control(['SLOT', 'MIGRATE', must<HTMLInputElement>('slot').value, must<HTMLInputElement>('slot-to').value, ...pause]);
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-advance]')) {
    button.addEventListener('click', () => void control(['CLOCK', 'ADVANCE', button.dataset.advance ?? '100']));
  }
  // CLOCK NEXT runs the timers and bus messages in order and stops after the one that caused
  // an event; the button is off meanwhile, since the clock takes one advance at a time.
  const next = must<HTMLButtonElement>('next-event');
  next.addEventListener('click', () => {
    next.disabled = true;
    void control(['CLOCK', 'NEXT']).finally(() => (next.disabled = false));
  });
}
