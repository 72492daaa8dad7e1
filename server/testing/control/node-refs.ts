/**
 * How the control port names a node: by what a person at redis-cli has in front of them.
 *
 *   3                      its index in the cluster (TOPOLOGY lists them; primaries come first)
 *   s2                     shard 2's primary now (after a failover, the replica that won)
 *   s2r0                   shard 2's first replica now (replicas in index order)
 *   07c3...e1 (40 hex)     its cluster node id, as CLUSTER NODES prints it
 *
 * Several at once (a side of a partition) are comma-separated: `s0,s0r0`.
 */
import type { TestCluster } from '../test-cluster';
import type { TestNode } from '../test-node';

/** A bad reference, with the reply text. */
export class RefError extends Error {}

export function resolveRef(cluster: TestCluster, ref: string): TestNode {
  const lower = ref.toLowerCase();
  if (/^\d+$/.test(lower)) {
    const node = cluster.nodes[Number(lower)];
    if (node === undefined) throw new RefError(`ERR no node ${ref}: indexes are 0-${cluster.nodes.length - 1}`);
    return node;
  }
  const shardRef = /^s(\d+)(?:r(\d+))?$/.exec(lower);
  if (shardRef !== null) {
    const shard = Number(shardRef[1]);
    const replicaAt = shardRef[2];
    let primary: TestNode;
    try {
      primary = cluster.primary(shard);
    } catch {
      throw new RefError(`ERR no shard ${shard} (a ref is an index, an id, sN or sNrM)`);
    }
    if (replicaAt === undefined) return primary;
    const replica = cluster.replicas(shard)[Number(replicaAt)];
    if (replica === undefined) throw new RefError(`ERR shard ${shard} has no replica ${replicaAt}`);
    return replica;
  }
  if (/^[0-9a-f]{40}$/.test(lower)) {
    const node = cluster.nodes.find((n) => n.id === lower);
    if (node === undefined) throw new RefError(`ERR no node with id ${ref}`);
    return node;
  }
  throw new RefError(`ERR invalid node ref '${ref}': an index (3), a shard's primary (s2), one of its replicas (s2r0) or a node id`);
}

/** A comma-separated list of refs, each node once. */
export function resolveRefs(cluster: TestCluster, refs: string): TestNode[] {
  const nodes = refs.split(',').filter((part) => part !== '').map((part) => resolveRef(cluster, part));
  if (nodes.length === 0) throw new RefError('ERR an empty list of nodes');
  return nodes;
}

/** The shard ref of a node now: s2 for a primary, s2r0 for the first replica of shard 2. */
export function refOf(cluster: TestCluster, node: TestNode): string {
  const shard = node.shard;
  if (node.role === 'primary') return `s${shard}`;
  const at = cluster.replicas(shard).indexOf(node);
  return at < 0 ? String(node.index) : `s${shard}r${at}`;
}
