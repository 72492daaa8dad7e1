/**
 * Which nodes a PING/PONG/MEET tells its receiver about (redis-wire.md §1.4).
 *
 * A few random nodes per message (a tenth of the cluster, at least 3, at most all but the sender
 * and the receiver) spread membership in O(log N) rounds without making messages grow with the
 * cluster; every node this one suspects (PFAIL) is always added, so failure reports reach the
 * majority quickly. Nodes still in handshake, without an address, or slot-less and unreachable
 * are never gossiped: a receiver could only add a node it cannot reach.
 */
import type { ClusterNode } from './cluster-node';
import type { RandomSource } from './settings';
import { type GossipEntry, NodeFlag } from './messages';

export function selectGossip(
  nodes: readonly ClusterNode[],
  myself: ClusterNode,
  random: RandomSource,
  slotCount: (name: string) => number,
): GossipEntry[] {
  const wanted = Math.min(Math.max(3, Math.floor(nodes.length / 10)), nodes.length - 2);
  const gossip: GossipEntry[] = [];
  const chosen = new Set<string>();
  for (let tries = wanted * 3; tries > 0 && gossip.length < wanted; tries--) {
    const node = nodes[Math.floor(random.next() * nodes.length)] as ClusterNode;
    if (node === myself || node.has(NodeFlag.PFAIL)) continue;
    if (node.has(NodeFlag.HANDSHAKE) || node.has(NodeFlag.NOADDR)) continue;
    if (node.link === null && slotCount(node.name) === 0) continue;
    if (chosen.has(node.name)) continue;
    chosen.add(node.name);
    gossip.push(gossipEntry(node));
  }
  for (const node of nodes) if (node.has(NodeFlag.PFAIL) && !chosen.has(node.name)) gossip.push(gossipEntry(node));
  return gossip;
}

export function gossipEntry(node: ClusterNode): GossipEntry {
  return {
    nodename: node.name,
    pingSent: Math.floor(node.pingSentMs / 1000),
    pongReceived: Math.floor(node.pongReceivedMs / 1000),
    ip: node.ip,
    port: node.port,
    cport: node.cport,
    flags: node.flags,
    pport: node.pport,
  };
}
