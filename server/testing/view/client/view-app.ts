/**
 * The live view's script, run in the browser (compiled on its own, with the DOM's types, by
 * this folder's tsconfig.json). It listens to /events and draws: `snapshot` messages repaint
 * the node cards and the slot map; `cluster-event` messages are appended to the timeline, at
 * most once per animation frame however many arrive. Controls POST control-port commands to
 * /control. No framework: the page is a few lists and one canvas.
 */

interface NodeCard {
  index: number;
  id: string;
  address: string;
  busPort: number;
  shard: number;
  role: 'primary' | 'replica';
  up: boolean;
  paused: boolean;
  master: string | null;
  health: 'ok' | 'pfail' | 'fail';
  configEpoch: number;
  currentEpoch: number;
  offset: number;
  lag: number | null;
  linkUp: boolean | null;
  clusterState: 'ok' | 'fail' | null;
  keys: number;
}

interface ClusterSnapshot {
  clock: 'real' | 'virtual';
  nowMs: number;
  nodes: NodeCard[];
  slots: Array<[number, number, number]>;
  migrating: Array<[number, number, number]>;
}

/** The once-a-second `traffic` message (traffic-rates.ts). */
interface TrafficSample {
  timeMs: number;
  /** [from, to, PING/s, PONG/s, other/s] */
  links: Array<[number, number, number, number, number]>;
  /** [node, MOVED/s, ASK/s], nodes that redirected clients */
  redirects: Array<[number, number, number]>;
}

/** GET /slot?slot=N */
interface SlotKeys {
  slot: number;
  owner: number;
  keys: Array<[number, number]>;
}

interface ClusterEvent {
  type: string;
  node: string;
  timeMs: number;
  [field: string]: unknown;
}

const SLOTS = 16384;
const TIMELINE_ROWS = 400;
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#e15759', '#9c755f', '#ff9da7', '#bab0ac'];

/** What each step of failure detection and failover is, and which file makes it. */
const EXPLAIN: Record<string, [string, string]> = {
  'node-pfail': ['No PONG within node-timeout: this node now suspects that one (PFAIL, "fail?").', 'cluster-bus/failure-detection.ts'],
  'failure-report': ['A peer\'s gossip says it suspects the node too; reports count toward the FAIL quorum.', 'cluster-bus/failure-detection.ts'],
  'node-failed': ['A majority of slot-owning masters suspect it: FAIL, broadcast to every node.', 'cluster-bus/failure-detection.ts'],
  'election-scheduled': ['A replica of the failed master waits 500 ms + random 0-500 ms + 1 s per rank before asking for votes.', 'cluster-bus/election.ts'],
  'election-started': ['The replica takes a new epoch and sends FAILOVER_AUTH_REQUEST to every master.', 'cluster-bus/election.ts'],
  'vote-granted': ['A master votes for the replica (once per epoch).', 'cluster-bus/election.ts'],
  'vote-denied': ['A master refuses its vote, and says why.', 'cluster-bus/election.ts'],
  'election-won': ['A majority of masters voted: the replica promotes itself and claims the slots.', 'cluster-bus/election.ts'],
  failover: ['The shard has a new primary (the harness\'s summary of the election).', 'server/testing/events.ts'],
  'epoch-bumped': ['A node took a new configEpoch (an election, a takeover, a collision).', 'cluster-bus/epochs.ts'],
  'state-changed': ['cluster_state went ok or fail on this node.', 'cluster-bus/cluster-health.ts'],
  'role-changed': ['The node became a master or a replica.', 'cluster-bus/slot-claims.ts'],
  'replica-migrated': ['A replica moved to a master left without replicas.', 'cluster-bus/replica-migration.ts'],
  'migration-step': ['A step of moving a slot, as redis-cli --cluster reshard takes it.', 'server/testing/migrate-slot.ts'],
  'slot-moved': ['A slot and its keys now belong to another primary.', 'server/testing/migrate-slot.ts'],
  'node-killed': ['The harness killed the node (like kill -9).', 'server/testing/test-node.ts'],
  'fault-added': ['A network fault is in force.', 'server/testing/faults.ts'],
  'fault-healed': ['The fault is gone; the links carry messages again.', 'server/testing/faults.ts'],
  'node-restarted': ['The harness started the node again, with its data and nodes.conf kept (or empty).', 'server/testing/test-node.ts'],
  'node-paused': ['The node is frozen (like SIGSTOP): its sockets unread, its timers stopped.', 'server/testing/test-node.ts'],
  'node-resumed': ['The frozen node runs again and catches up on what it missed.', 'server/testing/test-node.ts'],
  'failure-report-withdrawn': ['That master\'s gossip no longer flags the node; its report is dropped.', 'cluster-bus/failure-detection.ts'],
  'fail-cleared': ['The FAIL flag is removed: the node answers again (a replica, or a master whose slots nobody took).', 'cluster-bus/failure-detection.ts'],
  'election-rank-updated': ['A replica learned that others have newer data than it: its rank rose, so it waits longer.', 'cluster-bus/election.ts'],
  'cant-failover': ['Why the replica does not start an election yet (Redis logs the same reasons).', 'cluster-bus/election.ts'],
  'manual-failover-accepted': ['CLUSTER FAILOVER on a replica: it asks its master to stop writes.', 'cluster-bus/manual-failover.ts'],
  'manual-failover-requested': ['The master paused its clients and sends its offset to the replica.', 'cluster-bus/manual-failover.ts'],
  'manual-failover-offset': ['The replica learns the offset it must reach before it may take over.', 'cluster-bus/manual-failover.ts'],
  'manual-failover-can-start': ['The replica has the master\'s last write: the election starts at once.', 'cluster-bus/manual-failover.ts'],
  'slots-claimed': ['A node announced these slots with its configEpoch; the newer epoch wins.', 'cluster-bus/slot-claims.ts'],
  'node-added': ['A new node entered the node table (MEET, gossip or handshake).', 'cluster-bus/handshake.ts'],
  'handshake-done': ['The handshake with a new node finished: its real id is known.', 'cluster-bus/handshake.ts'],
  'config-epoch-collision': ['Two masters had the same configEpoch: the one with the smaller id takes a new one.', 'cluster-bus/epochs.ts'],
  'client-redirects': ['Clients sent to the wrong node got -MOVED (the slot lives elsewhere) or -ASK (it is moving) per second: the slot map they hold is behind.', 'server/cluster/routing.ts'],
};

/**
 * How responsive the page is, for the browser test to read (window.viewStats): the intervals
 * between animation frames, and each event's delay from its arrival to the frame that drew it.
 * The last STATS_KEPT of each.
 */
const STATS_KEPT = 5000;
const stats = { frameMs: [] as number[], eventToFrameMs: [] as number[], events: 0 };
(window as unknown as { viewStats: typeof stats }).viewStats = stats;
const keep = (list: number[], value: number): void => {
  list.push(value);
  if (list.length > STATS_KEPT) list.splice(0, list.length - STATS_KEPT);
};
let lastFrame = performance.now();
const frame = (now: number): void => {
  keep(stats.frameMs, now - lastFrame);
  lastFrame = now;
  requestAnimationFrame(frame);
};
requestAnimationFrame(frame);

const controlsOn = document.body.dataset.controls === 'on';
let snapshot: ClusterSnapshot | null = null;
let pending: ClusterEvent[] = [];
/** When each pending event arrived (performance.now()). */
let arrivals: number[] = [];
let firstEventMs: number | null = null;
const indexById = new Map<string, number>();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== '') node.textContent = text;
  return node;
}

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

async function control(argv: string[]): Promise<void> {
  const reply = byId<HTMLDivElement>('control-reply');
  const response = await fetch('/control', { method: 'POST', body: JSON.stringify(argv) });
  const body = (await response.json()) as { reply?: unknown; error?: string };
  if (reply !== null) reply.textContent = `${argv.join(' ')} → ${body.error ?? JSON.stringify(body.reply)}`;
}

function renderCards(snap: ClusterSnapshot): void {
  const shards = byId<HTMLDivElement>('shards');
  shards.replaceChildren();
  const groups = new Map<number, NodeCard[]>();
  for (const node of snap.nodes) groups.set(node.shard, [...(groups.get(node.shard) ?? []), node]);
  for (const [shard, nodes] of [...groups].sort((a, b) => a[0] - b[0])) {
    const box = el('div', { class: 'shard', 'data-shard': String(shard) });
    box.append(el('div', { class: 'title' }, `shard ${shard}`));
    nodes.sort((a, b) => (a.role === b.role ? a.index - b.index : a.role === 'primary' ? -1 : 1));
    for (const node of nodes) box.append(card(node));
    shards.append(box);
  }
}

function card(node: NodeCard): HTMLDivElement {
  const state = !node.up ? 'down' : node.paused ? 'paused' : node.health;
  const div = el('div', { class: `card ${node.role} ${state}`, 'data-index': String(node.index), 'data-role': node.role, 'data-state': state, 'data-cluster-state': node.clusterState ?? 'none' });
  div.append(el('span', { class: 'role' }, `#${node.index} ${node.role}`), ' ', el('span', { class: 'id' }, node.id.slice(0, 8)), ' ', el('span', {}, node.address));
  const link = (node.linkUp === null ? '' : node.linkUp ? ', link up' : ', link DOWN') + (node.lag === null ? '' : `, lag ${node.lag} B`);
  const facts = `${state}${node.up ? `, cluster_state:${node.clusterState ?? '?'}` : ''} · configEpoch ${node.configEpoch} · currentEpoch ${node.currentEpoch} · offset ${node.offset}${link} · ${node.keys} keys`;
  div.append(el('div', { class: 'facts' }, facts));
  if (controlsOn) {
    const ref = String(node.index);
    const button = (label: string, argv: string[]): void => {
      const b = el('button', { 'data-action': label }, label);
      b.addEventListener('click', () => void control(argv));
      div.append(b);
    };
    if (node.up) button('kill', ['NODE', 'KILL', ref]);
    else button('restart', ['NODE', 'RESTART', ref]);
    if (node.up && !node.paused) button('pause', ['NODE', 'PAUSE', ref]);
    if (node.paused) button('resume', ['NODE', 'RESUME', ref]);
    if (node.up && node.role === 'replica') button('failover', ['FAILOVER', String(node.shard)]);
  }
  return div;
}

function renderSlots(snap: ClusterSnapshot): void {
  const canvas = byId<HTMLCanvasElement>('slotmap');
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const perPixel = SLOTS / canvas.width;
  let covered = 0;
  for (const [first, last, owner] of snap.slots) {
    if (owner >= 0) covered += last - first + 1;
    ctx.fillStyle = owner < 0 ? '#ddd' : (COLORS[owner % COLORS.length] as string);
    ctx.fillRect(Math.floor(first / perPixel), 0, Math.max(1, Math.ceil((last - first + 1) / perPixel)), 1);
  }
  ctx.fillStyle = '#000';
  for (const [slot] of snap.migrating) ctx.fillRect(Math.floor(slot / perPixel), 0, 1, 1);
  byId<HTMLSpanElement>('coverage').textContent = `${covered} of ${SLOTS} slots covered${snap.migrating.length > 0 ? `, ${snap.migrating.length} migrating` : ''}`;
  byId<HTMLSpanElement>('coverage').dataset.covered = String(covered);
  const legend = byId<HTMLSpanElement>('legend');
  legend.replaceChildren();
}

/** The slot under the pointer, its owner, and its keys on each node (fetched, latest hover wins). */
let hoverSlot = -1;
let slotFetch: Promise<void> | null = null;
function slotAt(event: MouseEvent): void {
  if (snapshot === null) return;
  const canvas = byId<HTMLCanvasElement>('slotmap');
  hoverSlot = Math.max(0, Math.min(SLOTS - 1, Math.floor((event.offsetX / canvas.clientWidth) * SLOTS)));
  showSlot(null);
  slotFetch ??= fetchSlot();
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
  if (snapshot === null) return;
  const slot = hoverSlot;
  const run = snapshot.slots.find(([first, last]) => slot >= first && slot <= last);
  const owner = run === undefined ? undefined : snapshot.nodes[run[2]];
  const where = owner === undefined ? 'unassigned' : `node #${owner.index} (${owner.address}), slots ${run?.[0]}-${run?.[1]}`;
  const count = keys === null ? '…' : keys.keys.length === 0 ? 'no keys' : keys.keys.map(([node, n]) => `${n} key${n === 1 ? '' : 's'} on #${node}`).join(', ');
  const info = byId<HTMLDivElement>('slotinfo');
  info.textContent = `slot ${slot}: ${where} · ${count}`;
  info.dataset.slot = String(slot);
  info.dataset.keys = keys === null ? '' : String(keys.keys.reduce((sum, [, n]) => sum + n, 0));
}

/** The bus-link matrix: [from, to, PING/s, PONG/s, other/s] rows from the `traffic` message. */
function renderLinks(rates: Array<[number, number, number, number, number]>): void {
  if (snapshot === null) return;
  const nodes = snapshot.nodes;
  const byPair = new Map(rates.map((r) => [`${r[0]}>${r[1]}`, r]));
  const table = byId<HTMLTableElement>('links');
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
      const cell = el('td', { class: total > 0 ? 'live' : running ? 'quiet' : '', 'data-link': `${from.index}>${to.index}`, title: rate === undefined ? 'nothing delivered' : `PING ${rate[2]}/s, PONG ${rate[3]}/s, other ${rate[4]}/s` }, total > 0 ? total.toFixed(1) : '0');
      row.append(cell);
    }
    return row;
  });
  table.replaceChildren(head, ...rows);
}

/** Client redirects per second: a line above the timeline, and a timeline row when any. */
function showRedirects(sample: TrafficSample): void {
  const total = sample.redirects.reduce((sum, [, moved, ask]) => sum + moved + ask, 0);
  const line = byId<HTMLSpanElement>('redirects');
  line.textContent = total === 0 ? 'none' : sample.redirects.map(([node, moved, ask]) => `#${node} MOVED ${moved}/s ASK ${ask}/s`).join(' · ');
  line.dataset.total = String(total);
  if (total === 0) return;
  const row: ClusterEvent = { type: 'client-redirects', node: '', timeMs: sample.timeMs };
  for (const [node, moved, ask] of sample.redirects) row[`#${node}`] = `MOVED ${moved}/s ASK ${ask}/s`;
  pending.push(row);
  arrivals.push(performance.now());
  scheduleTimeline();
}

function describe(event: ClusterEvent): string {
  const { type: _type, node: _node, timeMs: _time, ...rest } = event;
  return Object.entries(rest)
    .map(([key, value]) => {
      const index = typeof value === 'string' ? indexById.get(value) : undefined;
      return `${key}=${index === undefined ? String(value) : `#${index}`}`;
    })
    .join(' ');
}

function flushTimeline(): void {
  const timeline = byId<HTMLDivElement>('timeline');
  const atBottom = timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - 4;
  const fragment = document.createDocumentFragment();
  for (const event of pending.slice(-TIMELINE_ROWS)) {
    firstEventMs ??= event.timeMs;
    const row = el('div', { 'data-type': event.type });
    const node = indexById.get(event.node);
    row.append(el('span', { class: 't' }, `${((event.timeMs - firstEventMs) / 1000).toFixed(3)}s`), el('span', { class: 'n' }, node === undefined ? '' : `#${node}`));
    const name = el('a', { href: '#' }, event.type);
    name.addEventListener('click', (e) => {
      e.preventDefault();
      const [text, file] = EXPLAIN[event.type] ?? ['A step the cluster state machine reports.', 'cluster-bus/effects.ts'];
      const source = el('a', { href: `/source/${file}`, target: '_blank', class: 'source' }, file);
      byId<HTMLDivElement>('explain').replaceChildren(`${event.type}: ${text} (`, source, ')');
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

function scheduleTimeline(): void {
  if (pending.length === 1) requestAnimationFrame(flushTimeline);
}

function connect(): void {
  const source = new EventSource('/events');
  source.addEventListener('open', () => (byId<HTMLSpanElement>('status').textContent = 'live'));
  source.addEventListener('error', () => (byId<HTMLSpanElement>('status').textContent = 'disconnected, retrying…'));
  source.addEventListener('snapshot', (message) => {
    snapshot = JSON.parse((message as MessageEvent<string>).data) as ClusterSnapshot;
    for (const node of snapshot.nodes) indexById.set(node.id, node.index);
    renderCards(snapshot);
    renderSlots(snapshot);
    document.body.dataset.snapshots = String(Number(document.body.dataset.snapshots ?? '0') + 1);
    const clock = byId<HTMLDivElement>('clock-controls');
    if (clock !== null) clock.style.display = snapshot.clock === 'virtual' ? '' : 'none';
    const now = byId<HTMLSpanElement>('clock-now');
    if (now !== null) {
      now.textContent = new Date(snapshot.nowMs).toISOString().replace('T', ' ').slice(0, 23);
      now.dataset.ms = String(snapshot.nowMs);
    }
  });
  source.addEventListener('traffic', (message) => {
    const sample = JSON.parse((message as MessageEvent<string>).data) as TrafficSample;
    renderLinks(sample.links);
    showRedirects(sample);
  });
  source.addEventListener('cluster-event', (message) => {
    pending.push(JSON.parse((message as MessageEvent<string>).data) as ClusterEvent);
    arrivals.push(performance.now());
    stats.events++;
    scheduleTimeline();
  });
}

/**
 * The partition board: a chip per node in one of two groups; drag a chip (pointer events, so
 * mouse, pen and touch alike) or click it to move it to the other group, then "cut" asks the
 * control verbs for FAULT PARTITION between the two groups on the chosen plane.
 */
function wirePartitionBoard(): void {
  const sides = [byId<HTMLDivElement>('side-a'), byId<HTMLDivElement>('side-b')];
  const refreshChips = (): void => {
    if (snapshot === null) return;
    const chips = document.querySelectorAll('.chip').length;
    if (chips === snapshot.nodes.length) return;
    for (const side of sides) side.querySelectorAll('.chip').forEach((c) => c.remove());
    for (const node of snapshot.nodes) (sides[0] as HTMLDivElement).append(chip(node.index));
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
  byId('partition').addEventListener('click', () => {
    const [a, b] = sides.map(group) as [string[], string[]];
    const plane = byId<HTMLSelectElement>('partition-plane').value;
    if (a.length > 0 && b.length > 0) void control(['FAULT', 'PARTITION', a.join(','), b.join(','), 'PLANE', plane]);
    else byId<HTMLDivElement>('control-reply').textContent = 'drag at least one node into each group first';
  });
}

function wireControls(): void {
  if (!controlsOn) return;
  wirePartitionBoard();
  byId('drop').addEventListener('click', () => void control(['FAULT', 'DROP', byId<HTMLSelectElement>('drop-type').value]));
  byId('heal').addEventListener('click', () => void control(['FAULT', 'HEAL', 'ALL']));
  byId('move').addEventListener('click', () => void control(['SLOT', 'MIGRATE', byId<HTMLInputElement>('slot').value, byId<HTMLInputElement>('slot-to').value]));
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-advance]')) {
    button.addEventListener('click', () => void control(['CLOCK', 'ADVANCE', button.dataset.advance ?? '100']));
  }
  // The server advances instant by instant and stops at the first event (CLOCK NEXT); the
  // button is off meanwhile, since the clock takes one advance at a time.
  const next = byId<HTMLButtonElement>('next-event');
  next.addEventListener('click', () => {
    next.disabled = true;
    void control(['CLOCK', 'NEXT']).finally(() => (next.disabled = false));
  });
}

byId<HTMLCanvasElement>('slotmap').addEventListener('mousemove', slotAt);
wireControls();
connect();
