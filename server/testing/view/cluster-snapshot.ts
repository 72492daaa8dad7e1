/**
 * What the live view draws, read from the nodes' own state at one instant: each node's card and
 * the slot map. It is plain JSON, the contract with the page's script (client/wire.ts keeps a
 * copy of these types, since the page is compiled on its own, without Node's types).
 *
 * When it is taken (view-server.ts): after every batch of cluster events, after a control, and
 * on the once-a-second traffic tick when anything in it changed. Events alone are not enough:
 * writes move replication offsets and key counts without any cluster event, so a page fed only
 * after events would show a replica "in sync" long after its master took a thousand writes.
 *
 * A node's flags. In Redis every node has its own table, and CLUSTER NODES on node A prints A's
 * opinion of everybody: `myself` marks A's own line only, and "PFAIL" on B's line means "A
 * suspects B". So a card carries two things rather than one merged state:
 *
 *   ownFlags   the node's flags in its own table ("myself,master"), as its CLUSTER NODES says
 *   seenBy     how the running peers' tables flag it: of the `peers` that know it, how many say
 *              master, slave, fail?, fail, handshake, nofailover
 *
 *      node 0 killed:   own: (down)     seenBy: 5 peers, master 5, fail? 3, fail 0
 *      a moment later:                  seenBy: 5 peers, master 5, fail? 0, fail 5
 *
 * The slot map: each slot's owner by the newest configEpoch among the running nodes' views
 * (slot-owners.ts), and the slots open for a migration, from both ends: the source's MIGRATING
 * and the target's IMPORTING. They are set by separate commands (`CLUSTER SETSLOT n IMPORTING`
 * comes first in redis-cli's reshard), so one can exist without the other, and both are shown.
 */
import { SLOT_COUNT } from '../../../storage/key-slot';
import { allSlotOwners } from '../slot-owners';
import { NodeFlag } from '../../../cluster-bus/messages';
import { flagsText } from '../../../cluster-bus/cluster-node';
import type { TestCluster } from '../test-cluster';

/** How the running peers' tables flag a node: counts out of `peers`. */
export interface SeenBy {
  /** Running peers whose table has the node. */
  peers: number;
  master: number;
  replica: number;
  /** PFAIL ("fail?"): they suspect it. */
  pfail: number;
  /** FAIL: they hold it failed (a quorum agreed, or a FAIL message told them). */
  fail: number;
  handshake: number;
  nofailover: number;
}

export interface NodeCard {
  index: number;
  id: string;
  address: string;
  busPort: number;
  shard: number;
  /** Its role as it sees itself; for a killed node, its role when it died. */
  role: 'primary' | 'replica';
  up: boolean;
  paused: boolean;
  master: string | null;
  /** Its flags in its own table (CLUSTER NODES's myself line); null while down. */
  ownFlags: string | null;
  seenBy: SeenBy;
  /** The peers' verdict in one word: 'fail' if any holds FAIL, 'pfail' if any suspects it. */
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
  /** The sources' MIGRATING slots: [slot, source index, target index]. */
  migrating: Array<[number, number, number]>;
  /** The targets' IMPORTING slots: [slot, target index, source index]. */
  importing: Array<[number, number, number]>;
}

export function takeSnapshot(cluster: TestCluster): ClusterSnapshot {
  const byId = new Map(cluster.nodes.map((n) => [n.id, n.index]));
  const views = cluster.nodes.flatMap((n) => (n.up ? [n.redisNode.cluster?.state] : [])).filter((s) => s !== undefined);
  const nodes: NodeCard[] = cluster.nodes.map((node) => {
    const running = node.up ? node.redisNode : null;
    const state = running?.cluster?.state;
    const seenBy: SeenBy = { peers: 0, master: 0, replica: 0, pfail: 0, fail: 0, handshake: 0, nofailover: 0 };
    for (const view of views) {
      const seen = view.nodes.get(node.id);
      if (seen === undefined || seen.name === view.myself.name) continue;
      seenBy.peers++;
      if (seen.has(NodeFlag.MASTER)) seenBy.master++;
      if (seen.has(NodeFlag.SLAVE)) seenBy.replica++;
      if (seen.has(NodeFlag.PFAIL)) seenBy.pfail++;
      if (seen.has(NodeFlag.FAIL)) seenBy.fail++;
      if (seen.has(NodeFlag.HANDSHAKE)) seenBy.handshake++;
      if (seen.has(NodeFlag.NOFAILOVER)) seenBy.nofailover++;
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
      ownFlags: state === undefined ? null : flagsText(state.myself.flags),
      seenBy,
      health: seenBy.fail > 0 ? 'fail' : seenBy.pfail > 0 ? 'pfail' : 'ok',
      configEpoch: Number(state?.myself.configEpoch ?? 0n),
      currentEpoch: Number(state?.currentEpoch ?? 0n),
      offset: running?.replication.offset ?? 0,
      lag: replicationLag(cluster, node.masterId, running?.replication.offset),
      linkUp: running === null || !running.replication.isReplica ? null : running.replication.linkUp,
      clusterState: state?.state ?? null,
      keys,
    };
  });
  const open = openSlots(cluster, byId);
  return { clock: cluster.clock.kind, nowMs: cluster.clock.now(), nodes, slots: slotRuns(cluster, byId), ...open };
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

/** Each running node's own open slots: what it migrates away, what it imports. */
function openSlots(cluster: TestCluster, byId: ReadonlyMap<string, number>): Pick<ClusterSnapshot, 'migrating' | 'importing'> {
  const migrating: Array<[number, number, number]> = [];
  const importing: Array<[number, number, number]> = [];
  for (const node of cluster.nodes) {
    const state = node.up ? node.redisNode.cluster?.state : undefined;
    if (state === undefined) continue;
    for (const [slot, to] of state.slots.migrating) migrating.push([slot, node.index, byId.get(to) ?? -1]);
    for (const [slot, from] of state.slots.importing) importing.push([slot, node.index, byId.get(from) ?? -1]);
  }
  return { migrating, importing };
}
