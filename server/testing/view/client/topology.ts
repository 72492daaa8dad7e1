/**
 * The topology: a box per shard, a card per node, and a line from each replica to the primary
 * it replicates, green while its replication link is up and red (dashed) while it is down.
 *
 * A card shows what Redis itself would let you see, without merging opinions that Redis keeps
 * apart (cluster-snapshot.ts explains the two views):
 *
 *   #3 primary   5f1c09ab   127.0.0.1:7003
 *   own: myself,master     peers: master 5/5                       ◀ how the cluster sees it
 *   cluster_state:ok · configEpoch 7 · currentEpoch 7
 *   offset 30795 · 1005 keys
 *
 *   #0 down (was primary)  e2a1...
 *   own: (down)            peers: master 5/5  fail 5/5             ◀ FAIL by every survivor
 *
 * A killed node keeps the role it died with inside the harness, but nothing about it is true any
 * more: its replica may serve its slots by now. So it reads "down (was primary)", and is drawn
 * after the running nodes of its shard.
 *
 * The layout does not move while the cluster changes: shard boxes have a fixed width and each
 * card line is cut (with the whole text on hover) rather than wrapped. A failover rewrites
 * every card several times a second; a card that grew a line would push the controls below it
 * down, and a click aimed at "to the next event" would land on "+1 s".
 */
import { control } from './controls.js';
import { el, must, ownerColor } from './dom.js';
import { view, type ClusterSnapshot, type NodeCard } from './wire.js';

/**
 * The elements kept from one snapshot to the next, per shard and per node. A snapshot arrives
 * up to ten times a second while a failover runs; rebuilding every card each time would swap
 * the button under a learner's pointer between mousedown and mouseup, and the click would be
 * lost. So a card is made once and updated in place, and only moved between shard boxes.
 */
const boxes = new Map<number, HTMLDivElement>();
const cards = new Map<number, { div: HTMLDivElement; buttons: Map<string, HTMLButtonElement> }>();

/** The nodes as last drawn: a snapshot that changes only the time redraws nothing. */
let drawnNodes = '';

export function renderCards(snap: ClusterSnapshot): void {
  const nodesNow = JSON.stringify(snap.nodes);
  if (nodesNow === drawnNodes) return;
  drawnNodes = nodesNow;
  const groups = new Map<number, NodeCard[]>();
  for (const node of snap.nodes) groups.set(node.shard, [...(groups.get(node.shard) ?? []), node]);
  const order = (node: NodeCard): number => (!node.up ? 2 : node.role === 'primary' ? 0 : 1);
  const shardBoxes = [...groups].sort((a, b) => a[0] - b[0]).map(([shard, nodes]) => {
    let shardBox = boxes.get(shard);
    if (shardBox === undefined) {
      shardBox = el('div', { class: 'shard', 'data-shard': String(shard) });
      boxes.set(shard, shardBox);
    }
    const title = el('div', { class: 'title' }, `shard ${shard}`);
    const primary = nodes.find((n) => n.up && n.role === 'primary');
    if (primary !== undefined) {
      const swatch = el('span', { class: 'swatch', title: 'its slots\' colour on the slot map' }, ' ■');
      swatch.style.color = ownerColor(primary.index);
      title.append(swatch);
    }
    nodes.sort((a, b) => order(a) - order(b) || a.index - b.index);
    shardBox.replaceChildren(title, ...nodes.map(card));
    return shardBox;
  });
  must<HTMLDivElement>('shards').replaceChildren(...shardBoxes);
  drawReplicaLinks(snap);
}

function card(node: NodeCard): HTMLDivElement {
  let kept = cards.get(node.index);
  if (kept === undefined) {
    kept = { div: el('div'), buttons: new Map() };
    cards.set(node.index, kept);
  }
  const { div, buttons } = kept;
  const state = !node.up ? 'down' : node.paused ? 'paused' : node.health;
  const role = node.up ? node.role : 'down';
  const attributes: Record<string, string> = {
    class: `card ${role} ${state}`,
    'data-index': String(node.index),
    'data-role': role,
    'data-was': node.role,
    'data-state': state,
    'data-cluster-state': node.clusterState ?? 'none',
    'data-own-flags': node.ownFlags ?? '',
    'data-pfail': String(node.seenBy.pfail),
    'data-fail': String(node.seenBy.fail),
    'data-offset': String(node.offset),
    'data-lag': node.lag === null ? '' : String(node.lag),
    'data-keys': String(node.keys),
  };
  for (const [name, value] of Object.entries(attributes)) if (div.getAttribute(name) !== value) div.setAttribute(name, value);
  const roleText = node.up ? `#${node.index} ${node.role}${node.paused ? ' (paused)' : ''}` : `#${node.index} down (was ${node.role})`;
  const link = (node.linkUp === null ? '' : node.linkUp ? ' · link up' : ' · link DOWN') + (node.lag === null ? '' : `, lag ${node.lag} B`);
  const epochs = `${node.up ? `cluster_state:${node.clusterState ?? '?'} · ` : ''}configEpoch ${node.configEpoch} · currentEpoch ${node.currentEpoch}`;
  const data = `offset ${node.offset}${link} · ${node.keys} keys`;
  const head = el('div', { class: 'head', title: `${node.id} ${node.address}, bus port ${node.busPort}` });
  head.append(el('span', { class: 'role' }, roleText), ' ', el('span', { class: 'id' }, node.id.slice(0, 8)), ' ', el('span', {}, node.address));
  const parts: Array<Node | string> = [head, flags(node), el('div', { class: 'facts', title: epochs }, epochs), el('div', { class: 'facts', title: data }, data)];
  if (view.controlsOn) {
    const ref = String(node.index);
    const wanted: Array<[string, string[]]> = [];
    if (node.up) wanted.push(['kill', ['NODE', 'KILL', ref]]);
    else wanted.push(['restart', ['NODE', 'RESTART', ref]]);
    if (node.up && !node.paused) wanted.push(['pause', ['NODE', 'PAUSE', ref]]);
    if (node.paused) wanted.push(['resume', ['NODE', 'RESUME', ref]]);
    // This replica, not just any of the shard's (the view's FAILOVER-TO, view-server.ts).
    if (node.up && !node.paused && node.role === 'replica') wanted.push(['failover', ['FAILOVER-TO', ref]]);
    for (const [label, argv] of wanted) {
      let button = buttons.get(label);
      if (button === undefined) {
        button = el('button', { 'data-action': label }, label);
        button.addEventListener('click', () => void control(argv));
        buttons.set(label, button);
      }
      parts.push(button);
    }
  }
  // Text and flags are rebuilt (cheap, nothing to click); the buttons are the same elements.
  div.replaceChildren(...parts);
  return div;
}

/** The node's own flags, then each flag its peers give it, as "flag k/n" (Redis's flag names). */
function flags(node: NodeCard): HTMLDivElement {
  const line = el('div', { class: 'flags' });
  line.title = `own: ${node.ownFlags ?? '(down)'}; peers: ${node.seenBy.peers}`;
  line.append('own: ', el('span', { class: 'flag own', title: 'its own CLUSTER NODES line for itself' }, node.ownFlags ?? '(down)'));
  const seen = node.seenBy;
  line.append(` peers (${seen.peers}): `);
  const chip = (name: string, count: number, kind: string, title: string): void => {
    if (count > 0) line.append(el('span', { class: `flag ${kind}`, 'data-flag': kind, title }, `${name} ${count}/${seen.peers}`), ' ');
  };
  chip('master', seen.master, 'master', 'peers whose table says it is a master');
  chip('slave', seen.replica, 'replica', 'peers whose table says it is a replica');
  chip('fail?', seen.pfail, 'pfail', 'peers that suspect it (PFAIL): no PONG within node-timeout');
  chip('fail', seen.fail, 'fail', 'peers that hold it FAIL: a majority of masters agreed');
  chip('handshake', seen.handshake, 'handshake', 'peers still in the handshake with it');
  chip('nofailover', seen.nofailover, 'nofailover', 'it will not start an election (cluster-replica-no-failover)');
  return line;
}

/**
 * A line from each running replica's card to its primary's: down from the primary's card, then
 * across to the replica (the replicas are indented, so the vertical runs in the gap).
 */
function drawReplicaLinks(snap: ClusterSnapshot): void {
  const topology = must<HTMLDivElement>('topology');
  const svg = document.getElementById('replica-links');
  if (svg === null) return;
  const origin = topology.getBoundingClientRect();
  svg.setAttribute('width', String(topology.scrollWidth));
  svg.setAttribute('height', String(topology.scrollHeight));
  const paths: SVGPathElement[] = [];
  for (const node of snap.nodes) {
    const masterIndex = node.master === null ? undefined : view.indexById.get(node.master);
    if (!node.up || masterIndex === undefined) continue;
    const master = snap.nodes[masterIndex];
    const from = topology.querySelector(`.card[data-index="${masterIndex}"]`)?.getBoundingClientRect();
    const to = topology.querySelector(`.card[data-index="${node.index}"]`)?.getBoundingClientRect();
    if (master === undefined || from === undefined || to === undefined) continue;
    const x = from.left - origin.left + 11;
    // From the primary's lower edge, or its upper one when it is drawn below (a dead primary).
    const y0 = (from.bottom <= to.top ? from.bottom : from.top) - origin.top;
    const y1 = to.top + to.height / 2 - origin.top;
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', `M ${x} ${y0} V ${y1} H ${to.left - origin.left}`);
    const state = !master.up || node.linkUp === false ? 'down' : node.linkUp === true ? 'up' : 'unknown';
    path.setAttribute('class', state);
    path.setAttribute('data-replica', String(node.index));
    path.setAttribute('data-master', String(masterIndex));
    paths.push(path);
  }
  svg.replaceChildren(...paths);
}

/** The lines follow the cards when the window is resized. */
export function wireTopology(): void {
  window.addEventListener('resize', () => {
    if (view.snapshot !== null) drawReplicaLinks(view.snapshot);
  });
}
