/**
 * The cluster as text and tables: CLUSTER NODES lines (also the body of nodes.conf), CLUSTER
 * INFO fields, and the range/shard views behind CLUSTER SLOTS and SHARDS. redis-cli parses the
 * NODES format field by field, so it follows Redis's exactly (redis-wire.md §4.1):
 *
 *   <id> <ip>:<port>@<cport>[,<hostname>] <flags> <master|-> <ping ms> <pong ms> <epoch> <link> <slots…>
 */
import type { ClusterNode } from './cluster-node';
import type { ClusterState } from './cluster-state';
import { MessageType, NodeFlag } from './messages';

export function nodeLine(state: ClusterState, node: ClusterNode): string {
  const address = `${node.ip}:${node.port}@${node.cport}${node.hostname !== '' ? ',' + node.hostname : ''}`;
  const master = node.isReplica && node.slaveof !== null ? node.slaveof : '-';
  const link = node.isMyself || state.linkUp(node) ? 'connected' : 'disconnected';
  let line =
    `${node.name} ${address} ${state.flagsOf(node)} ${master} ${node.pingSentMs} ${node.pongReceivedMs} ` +
    `${state.nodeEpoch(node)} ${link}`;
  for (const [start, end] of state.slots.rangesOf(node.name)) line += start === end ? ` ${start}` : ` ${start}-${end}`;
  if (node.isMyself) line += openSlotTokens(state);
  return line;
}

/**
 * The myself line's open slots, in slot order as Redis walks them (redis-cli prints a node's
 * importing and migrating lists in this order); a slot marked both ways shows as migrating.
 */
function openSlotTokens(state: ClusterState): string {
  const { migrating, importing } = state.slots;
  if (migrating.size === 0 && importing.size === 0) return '';
  const open = [...new Set([...migrating.keys(), ...importing.keys()])].sort((a, b) => a - b);
  let tokens = '';
  for (const slot of open) {
    const target = migrating.get(slot);
    tokens += target !== undefined ? ` [${slot}->-${target}]` : ` [${slot}-<-${importing.get(slot) ?? ''}]`;
  }
  return tokens;
}

/** CLUSTER NODES: one line per node, each ending in a newline. */
export function nodesText(state: ClusterState): string {
  let text = '';
  for (const node of state.nodes.values()) text += nodeLine(state, node) + '\n';
  return text;
}

/** nodes.conf: the NODES lines without handshake nodes, then the vars line. */
export function configText(state: ClusterState): string {
  let text = '';
  for (const node of state.nodes.values()) {
    if (node.inHandshake) continue;
    text += nodeLine(state, node) + '\n';
  }
  return text + `vars currentEpoch ${state.currentEpoch} lastVoteEpoch ${state.lastVoteEpoch}\n`;
}

/** CLUSTER INFO's counters, in type number order as Redis prints them: PUBLISHSHARD (10) is last. */
const TYPE_NAMES: Array<[number, string]> = [
  [MessageType.PING, 'ping'],
  [MessageType.PONG, 'pong'],
  [MessageType.MEET, 'meet'],
  [MessageType.FAIL, 'fail'],
  [MessageType.PUBLISH, 'publish'],
  [MessageType.FAILOVER_AUTH_REQUEST, 'auth-req'],
  [MessageType.FAILOVER_AUTH_ACK, 'auth-ack'],
  [MessageType.UPDATE, 'update'],
  [MessageType.MFSTART, 'mfstart'],
  [MessageType.MODULE, 'module'],
  [MessageType.PUBLISHSHARD, 'publishshard'],
];

/**
 * CLUSTER INFO, CRLF-separated, in Redis's field order. Links freed for their send buffer are
 * counted by the transport, which owns the sockets.
 */
export function infoText(state: ClusterState, linksFreedForBufferLimit: number): string {
  let assigned = 0;
  let pfail = 0;
  let fail = 0;
  for (const node of state.nodes.values()) {
    const n = state.slots.count(node.name);
    assigned += n;
    if (node.has(NodeFlag.FAIL)) fail += n;
    else if (node.has(NodeFlag.PFAIL)) pfail += n;
  }
  const lines = [
    `cluster_state:${state.state}`,
    `cluster_slots_assigned:${assigned}`,
    `cluster_slots_ok:${assigned - pfail - fail}`,
    `cluster_slots_pfail:${pfail}`,
    `cluster_slots_fail:${fail}`,
    `cluster_known_nodes:${state.nodes.size}`,
    `cluster_size:${state.size}`,
    `cluster_current_epoch:${state.currentEpoch}`,
    `cluster_my_epoch:${state.nodeEpoch(state.myself)}`,
  ];
  const counters = (stats: ReadonlyMap<number, number>, dir: 'sent' | 'received'): void => {
    let total = 0;
    for (const [type, name] of TYPE_NAMES) {
      const n = stats.get(type) ?? 0;
      if (n === 0) continue;
      lines.push(`cluster_stats_messages_${name}_${dir}:${n}`);
      total += n;
    }
    lines.push(`cluster_stats_messages_${dir}:${total}`);
  };
  counters(state.sent, 'sent');
  counters(state.received, 'received');
  lines.push(`total_cluster_links_buffer_limit_exceeded:${linksFreedForBufferLimit}`);
  return lines.join('\r\n') + '\r\n';
}

export interface ShardView {
  master: ClusterNode;
  replicas: ClusterNode[];
  ranges: ReadonlyArray<readonly [number, number]>;
}

/**
 * A node's replication offset as this node knows it. Gossip headers carry every other node's
 * offset, but nothing ever updates a node's entry for itself, so for myself it is the current
 * offset the host reports (what a replica has applied, a master's own offset).
 */
export function replicationOffsetOf(state: ClusterState, node: ClusterNode): bigint {
  return node.isMyself ? state.myReplicationOffset() : node.replOffset;
}

/**
 * The replicas CLUSTER SLOTS offers to clients: not failing, and known to hold data (an offset
 * other than 0; a replica that never synced, or whose master never wrote, is left out, as Redis
 * does). Every node, the replica itself included, answers the same once offsets have gossiped.
 */
export function availableReplicas(state: ClusterState, master: ClusterNode): ClusterNode[] {
  return replicasOf(state, master).filter((node) => !node.has(NodeFlag.FAIL) && replicationOffsetOf(state, node) !== 0n);
}

/** A master's replicas in the order they attached to it, as Redis lists them (cluster-node.ts). */
export function replicasOf(state: ClusterState, master: ClusterNode): ClusterNode[] {
  const out: ClusterNode[] = [];
  for (const node of state.nodes.values()) if (node.isReplica && node.slaveof === master.name) out.push(node);
  return out.sort((a, b) => a.attachedOrder - b.attachedOrder);
}

/** CLUSTER SHARDS `health`: fail, loading (a replica at offset 0) or online. */
export function shardHealth(state: ClusterState, node: ClusterNode): 'fail' | 'loading' | 'online' {
  if (node.has(NodeFlag.FAIL)) return 'fail';
  return node.isReplica && replicationOffsetOf(state, node) === 0n ? 'loading' : 'online';
}

/** Masters with their replicas and slot ranges. */
export function shards(state: ClusterState): ShardView[] {
  const out: ShardView[] = [];
  for (const node of state.nodes.values()) {
    if (!node.isMaster || node.inHandshake) continue;
    const replicas = replicasOf(state, node);
    out.push({ master: node, replicas, ranges: state.slots.rangesOf(node.name) });
  }
  return out;
}

/** cluster-preferred-endpoint-type: what Redis gives clients as a node's address. */
export type EndpointType = 'ip' | 'hostname' | 'unknown-endpoint';

/**
 * A node's address in MOVED/ASK and CLUSTER SHARDS' endpoint: its IP, its hostname ("?" when it
 * announced none, so a client sees it is unknown rather than mistaking "" for an address), or ""
 * for unknown-endpoint (the client reconnects to the address it used).
 */
export function preferredEndpoint(node: ClusterNode, type: EndpointType): string {
  if (type === 'ip') return node.ip;
  if (type === 'hostname') return node.hostname !== '' ? node.hostname : '?';
  return '';
}
