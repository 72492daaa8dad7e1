/**
 * Replica migration: a master left without working replicas gets one from the master that has
 * the most (Redis Cluster spec, "Replica migration"; redis-wire.md §1.11; cluster.c
 * clusterHandleSlaveMigration and the orphan count in clusterCron).
 *
 * Without it, failures wear a cluster down unevenly: after one failover the promoted replica is
 * a master with no replica, and the next failure of that shard loses its slots, while another
 * master may have two idle replicas. So, from every replica's cron:
 *
 *   orphaned master  = a master serving slots, not failing, with no non-failing replica, that
 *                      once had one (MIGRATE_TO), orphaned for more than 5000 ms
 *   who moves        = only a replica of a master with the most non-failing replicas (at least
 *                      2), and only if that master keeps more than cluster-migration-barrier of
 *                      them after the move; among those replicas, the one with the smallest id
 *                      (every replica computes the same answer, so only one moves)
 *   the move         = CLUSTER REPLICATE <orphan>, as if by hand
 *
 * `cluster-allow-replica-migration no` turns it off; so does a cluster in state fail.
 */
import type { ClusterNode } from './cluster-node';
import { NodeFlag } from './messages';
import type { NodeTable } from './node-table';
import type { MachineParts } from './parts';

/** What replica migration reads and acts through. */
export type ReplicaMigrationParts = Pick<MachineParts, 'settings' | 'table' | 'slots' | 'outbox'> & {
  /** cluster_state as last evaluated: a cluster in state fail moves nobody. */
  clusterOk(): boolean;
  becomeReplicaOf(master: ClusterNode): void;
};

/** An orphan waits this long before a replica moves to it (CLUSTER_SLAVE_MIGRATION_DELAY). */
const MIGRATION_DELAY_MS = 5000;

function workingReplicas(table: NodeTable, master: ClusterNode): ClusterNode[] {
  const out: ClusterNode[] = [];
  for (const node of table.nodes.values()) if (node.isReplica && node.slaveof === master.name && !node.failing) out.push(node);
  return out;
}

/** From the cron of a replica. */
export function migrateReplicaIfNeeded(m: ReplicaMigrationParts, nowMs: number): void {
  const myself = m.table.myself;
  if (!myself.isReplica || myself.slaveof === null || !m.settings.allowReplicaMigration) return;
  const myMaster = m.table.get(myself.slaveof);
  if (myMaster === undefined) return;

  let orphans = 0;
  let maxReplicas = 0;
  let mine = 0;
  const counts = new Map<ClusterNode, number>();
  for (const node of m.table.nodes.values()) {
    if (!node.isMaster || node.failing) continue;
    const ok = workingReplicas(m.table, node).length;
    counts.set(node, ok);
    if (ok === 0 && m.slots.count(node.name) > 0 && node.has(NodeFlag.MIGRATE_TO)) orphans++;
    if (ok > maxReplicas) maxReplicas = ok;
    if (node === myMaster) mine = ok;
  }
  // Orphan times are kept up to date below only when a move is possible at all.
  if (orphans === 0 || maxReplicas < 2 || mine !== maxReplicas) return;
  if (!m.clusterOk()) return;
  if (mine <= m.settings.migrationBarrier) return;

  let candidate: ClusterNode = myself;
  let target: ClusterNode | null = null;
  for (const node of m.table.nodes.values()) {
    const ok = counts.get(node) ?? 0;
    const orphaned = node.isMaster && !node.failing && node.has(NodeFlag.MIGRATE_TO) && ok === 0;
    if (orphaned) {
      if (target === null && m.slots.count(node.name) > 0) target = node;
      if (node.orphanedTimeMs === 0) node.orphanedTimeMs = nowMs;
    } else {
      node.orphanedTimeMs = 0;
    }
    if (node.isMaster && ok === maxReplicas) {
      for (const replica of workingReplicas(m.table, node)) if (replica.name < candidate.name) candidate = replica;
    }
  }
  if (target === null || candidate !== myself || nowMs - target.orphanedTimeMs <= MIGRATION_DELAY_MS) return;
  m.outbox.emit({ type: 'replica-migrated', to: target.name });
  m.becomeReplicaOf(target);
}
