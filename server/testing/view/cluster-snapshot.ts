/**
 * What the live view draws, read from the nodes' own state at one instant: each node's card
 * (role, epochs, offset, the flags its peers give it) and the slot map (each slot's owner by
 * the newest configEpoch among the running nodes' views, and the slots open for a migration).
 * It is sent after every batch of cluster events (view-server.ts), never on a timer: the page
 * changes when the cluster does. The shape is plain JSON, the contract with the page's script
 * (client/view-app.ts keeps a copy of these types).
 */
import { SLOT_COUNT } from '../../../storage/key-slot';
import { allSlotOwners } from '../slot-owners';
import { NodeFlag } from '../../../cluster-bus/messages';
import type { TestCluster } from '../test-cluster';

export interface NodeCard {
  index: number;
  id: string;
  address: string;
  busPort: number;
  shard: number;
  role: 'primary' | 'replica';
  up: boolean;
  paused: boolean;
  master: string | null;
  /** How the running peers see it: 'ok', 'pfail' (some suspect it) or 'fail' (any marks FAIL). */
  health: 'ok' | 'pfail' | 'fail';
  configEpoch: number;
  currentEpoch: number;
  /** master_repl_offset (a replica: what it applied). */
  offset: number;
  /** A replica: how many bytes of its master's stream it has not applied yet (master running). */
  lag: number | null;
  /** A replica's link to its master. */
  linkUp: boolean | null;
  clusterState: 'ok' | 'fail' | null;
  keys: number;
}

export interface ClusterSnapshot {
  clock: 'real' | 'virtual';
  nowMs: number;
  nodes: NodeCard[];
  /** Runs of slots with one owner: [first, last, owner index or -1]. */
  slots: Array<[number, number, number]>;
  /** Slots open for a migration: [slot, from index, to index]. */
  migrating: Array<[number, number, number]>;
}

export function takeSnapshot(cluster: TestCluster): ClusterSnapshot {
  const byId = new Map(cluster.nodes.map((n) => [n.id, n.index]));
  const views = cluster.nodes.flatMap((n) => (n.up ? [n.redisNode.cluster?.state] : [])).filter((s) => s !== undefined);
  const nodes: NodeCard[] = cluster.nodes.map((node) => {
    const running = node.up ? node.redisNode : null;
    const state = running?.cluster?.state;
    let health: NodeCard['health'] = 'ok';
    for (const view of views) {
      const seen = view.nodes.get(node.id);
      if (seen === undefined || seen.name === view.myself.name) continue;
      if (seen.has(NodeFlag.FAIL)) health = 'fail';
      else if (seen.has(NodeFlag.PFAIL) && health === 'ok') health = 'pfail';
    }
    let keys = 0;
    if (running !== null) for (const db of running.keyspace.dbs) keys += db.size;
    return {
      index: node.index,
      id: node.id,
      address: `${node.host}:${node.port}`,
      busPort: node.busPort,
      shard: node.shard,
      role: node.role,
      up: node.up,
      paused: node.isPaused,
      master: node.masterId,
      health,
      configEpoch: Number(state?.myself.configEpoch ?? 0n),
      currentEpoch: Number(state?.currentEpoch ?? 0n),
      offset: running?.replication.offset ?? 0,
      lag: replicationLag(cluster, node.masterId, running?.replication.offset),
      linkUp: running === null || !running.replication.isReplica ? null : running.replication.linkUp,
      clusterState: state?.state ?? null,
      keys,
    };
  });
  return { clock: cluster.clock.kind, nowMs: cluster.clock.now(), nodes, slots: slotRuns(cluster, byId), migrating: openSlots(cluster, byId) };
}

function replicationLag(cluster: TestCluster, masterId: string | null, offset: number | undefined): number | null {
  const master = cluster.nodes.find((n) => n.id === masterId);
  if (offset === undefined || master === undefined || !master.up) return null;
  return Math.max(0, master.redisNode.replication.offset - offset);
}

function slotRuns(cluster: TestCluster, byId: ReadonlyMap<string, number>): Array<[number, number, number]> {
  const owners = allSlotOwners(cluster.nodes);
  const owner = (slot: number): number => byId.get(owners[slot] ?? '') ?? -1;
  const runs: Array<[number, number, number]> = [];
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    const last = runs[runs.length - 1];
    const who = owner(slot);
    if (last !== undefined && last[2] === who && last[1] === slot - 1) last[1] = slot;
    else runs.push([slot, slot, who]);
  }
  return runs;
}

function openSlots(cluster: TestCluster, byId: ReadonlyMap<string, number>): Array<[number, number, number]> {
  const open: Array<[number, number, number]> = [];
  for (const node of cluster.nodes) {
    const state = node.up ? node.redisNode.cluster?.state : undefined;
    if (state === undefined) continue;
    for (const [slot, to] of state.slots.migrating) open.push([slot, node.index, byId.get(to) ?? -1]);
  }
  return open;
}
