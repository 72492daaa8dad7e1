/**
 * Checkers for simulated clusters, kept apart from the workloads that drive them (as TigerBeetle's
 * state checker is): what "the nodes agree" means, read only through what a user could see,
 * CLUSTER NODES (cluster-views.ts), never through the machine's private fields.
 *
 * The normalised view of a node is its CLUSTER NODES text without what legitimately differs from
 * node to node: ping/pong times, link states and PFAIL (`fail?`, one node's suspicion, §1.10)
 * are local observations, `myself` marks a
 * different line on each node, and `[slot->-id]` tokens appear only on the myself line. What is
 * left, id, address, role, master, configEpoch and slots, must be the same everywhere once the
 * cluster has converged.
 */
import type { ClusterState } from '../../cluster-bus/cluster-state';
import { nodesText } from '../../cluster-bus/cluster-views';
import type { SimNetwork } from './sim-network';

export function normalisedView(state: ClusterState): string {
  return normaliseNodesText(nodesText(state));
}

/** The same normalisation applied to CLUSTER NODES or nodes.conf text (the vars line is dropped). */
export function normaliseNodesText(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('vars ')) continue;
    const [id = '', address = '', flags = '', master = '', , , epoch = '', , ...slots] = line.split(' ');
    const role = flags
      .split(',')
      .filter((f) => f !== 'myself' && f !== 'fail?')
      .join(',');
    lines.push([id, address, role, master, epoch, ...slots.filter((s) => !s.startsWith('['))].join(' '));
  }
  return lines.sort().join('\n');
}

/** The indexes of the nodes that are up. */
export function upNodes(sim: SimNetwork): number[] {
  return sim.nodes.filter((n) => n.up).map((n) => n.index);
}

/** Every given node knows every other given node by its real id, and holds no handshake node. */
export function allKnowAll(sim: SimNetwork, indexes: number[] = upNodes(sim)): boolean {
  const ids = indexes.map((i) => sim.node(i).id);
  return indexes.every((i) => {
    const state = sim.node(i).machine;
    if ([...state.nodes.values()].some((n) => n.inHandshake)) return false;
    return ids.every((id) => state.nodes.has(id));
  });
}

/** The given nodes know exactly each other and show one identical normalised view. */
export function converged(sim: SimNetwork, indexes: number[] = upNodes(sim)): boolean {
  if (!allKnowAll(sim, indexes)) return false;
  const first = indexes[0];
  if (first === undefined) return true;
  const view = normalisedView(sim.node(first).machine);
  return indexes.every((i) => sim.node(i).machine.nodes.size === indexes.length && normalisedView(sim.node(i).machine) === view);
}

/** Every given node has an outbound link up to every other (CLUSTER NODES says "connected"). */
export function fullyLinked(sim: SimNetwork, indexes: number[] = upNodes(sim)): boolean {
  return indexes.every((i) => {
    const state = sim.node(i).machine;
    return indexes.every((j) => {
      if (i === j) return true;
      const peer = state.nodes.get(sim.node(j).id);
      return peer !== undefined && state.linkUp(peer) && sim.linksBetween(i, j).some((l) => l.outbound && !l.halfOpen);
    });
  });
}

/** Who owns a slot in a node's view (an index into sim.nodes), or null. */
export function ownerIndex(sim: SimNetwork, viewer: number, slot: number): number | null {
  const owner = sim.node(viewer).machine.slots.owner(slot);
  if (owner === null) return null;
  const node = sim.nodes.find((n) => n.up && n.id === owner);
  return node === undefined ? -1 : node.index;
}

/** Lines of the views that differ from the first node's, for a failing assertion's message. */
export function viewDiff(sim: SimNetwork, indexes: number[] = upNodes(sim)): string {
  const first = indexes[0];
  if (first === undefined) return '';
  const base = new Set(normalisedView(sim.node(first).machine).split('\n'));
  const out: string[] = [];
  for (const i of indexes) {
    const lines = normalisedView(sim.node(i).machine).split('\n');
    const extra = lines.filter((l) => !base.has(l));
    const missing = [...base].filter((l) => !lines.includes(l));
    if (extra.length + missing.length > 0) out.push(`node ${i}: +${JSON.stringify(extra)} -${JSON.stringify(missing)}`);
  }
  return out.join('\n');
}
