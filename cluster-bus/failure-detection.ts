/**
 * Failure detection: from "this node does not answer me" to "the cluster agrees it is down"
 * (Redis Cluster spec, "Failure detection"; redis-wire.md §1.10; cluster.c clusterCron,
 * markNodeAsFailingIfNeeded, clearNodeFailureIfNeeded).
 *
 * Two levels, because one node's opinion is worth little (it may be the one cut off):
 *
 *   PFAIL ("fail?")  local: a ping has been pending, and nothing at all was received from the
 *                    node, for longer than node-timeout. Cleared by the next PONG.
 *   FAIL             shared: I hold PFAIL, and enough masters say the same in their gossip
 *                    (each such gossip entry is a failure report, valid 2 × node-timeout):
 *                    reports + (1 if I am a master) >= cluster size / 2 + 1, where the size
 *                    counts masters serving slots. Then I broadcast a FAIL message and every
 *                    receiver sets FAIL at once, so the replicas of a failed master can start
 *                    an election without waiting to reach the quorum themselves.
 *
 *   t0 master M dies
 *   t0+timeout      every node: M is PFAIL, gossiped (PFAIL nodes are in every ping's gossip)
 *   t0+timeout+ε    a master holding PFAIL counts the reports of a majority ─▶ FAIL, broadcast
 *   then            M's replicas elect one of themselves (election.ts)
 *
 * FAIL is sticky for a master that serves slots: when it answers again it stays FAIL until
 * 2 × node-timeout passed since the FAIL (by then a replica has normally taken its slots and it
 * rejoins as a replica, whose FAIL clears at once). Replicas and slot-less masters are cleared
 * as soon as they answer, since nothing needs their failover.
 */
import type { ClusterNode } from './cluster-node';
import { MessageType, NodeFlag } from './messages';
import type { MachineParts } from './parts';

/** What failure detection reads and acts through. */
export type FailureDetectionParts = Pick<MachineParts, 'settings' | 'table' | 'slots' | 'health' | 'messenger' | 'outbox'>;

/** Failure reports are valid for this many node-timeouts (CLUSTER_FAIL_REPORT_VALIDITY_MULT). */
const FAIL_REPORT_VALIDITY_MULT = 2;
/** A master with slots is un-FAILed only this many node-timeouts after FAIL (CLUSTER_FAIL_UNDO_TIME_MULT). */
const FAIL_UNDO_TIME_MULT = 2;

export class FailureDetector {
  constructor(private readonly m: FailureDetectionParts) {}

  /** From the cron: mark PFAIL the nodes that did not answer a ping within node-timeout. */
  cron(nowMs: number): void {
    const m = this.m;
    const timeout = m.settings.nodeTimeoutMs;
    for (const node of m.table.nodes.values()) {
      if (node === m.table.myself || node.inHandshake || node.has(NodeFlag.NOADDR)) continue;
      if (node.pingSentMs === 0 || node.failing) continue;
      // Any data counts as liveness: a busy link with a slow PONG is not a dead node.
      const delayMs = Math.min(nowMs - node.pingSentMs, nowMs - node.dataReceivedMs);
      if (delayMs <= timeout) continue;
      node.flags |= NodeFlag.PFAIL;
      m.outbox.emit({ type: 'node-pfail', id: node.name });
    }
  }

  /**
   * A gossip entry about `node` from `sender`: a master's word that it is failing is a report,
   * its word that the node is fine withdraws the report.
   */
  gossip(node: ClusterNode, sender: ClusterNode, flags: number, nowMs: number): void {
    const m = this.m;
    if (!sender.isMaster || node === m.table.myself) return;
    if ((flags & (NodeFlag.PFAIL | NodeFlag.FAIL)) !== 0) {
      // A new report is news (Redis logs it); a repeated one only refreshes its time.
      if (!node.failReports.has(sender.name)) m.outbox.emit({ type: 'failure-report', id: node.name, from: sender.name });
      node.failReports.set(sender.name, nowMs);
      this.markFailingIfNeeded(node, nowMs);
    } else if (node.failReports.delete(sender.name)) {
      m.outbox.emit({ type: 'failure-report-withdrawn', id: node.name, from: sender.name });
    }
  }

  /** Valid reports about a node, expired ones dropped first (CLUSTER COUNT-FAILURE-REPORTS). */
  reportCount(node: ClusterNode, nowMs: number): number {
    const maxAgeMs = this.m.settings.nodeTimeoutMs * FAIL_REPORT_VALIDITY_MULT;
    for (const [reporter, atMs] of node.failReports) if (nowMs - atMs > maxAgeMs) node.failReports.delete(reporter);
    return node.failReports.size;
  }

  /** PFAIL here + a quorum of masters' reports ⇒ FAIL, told to everybody. */
  private markFailingIfNeeded(node: ClusterNode, nowMs: number): void {
    const m = this.m;
    if (!node.has(NodeFlag.PFAIL) || node.has(NodeFlag.FAIL)) return;
    const quorum = Math.floor(m.health.size / 2) + 1;
    const agreeing = this.reportCount(node, nowMs) + (m.table.myself.isMaster ? 1 : 0);
    if (agreeing < quorum) return;
    this.setFail(node, nowMs);
    m.outbox.emit({ type: 'node-failed', id: node.name, via: 'quorum', from: null, agreeing, quorum });
    m.messenger.broadcast(() => ({ type: MessageType.FAIL, header: m.messenger.header(), nodename: node.name }));
    m.outbox.saveConfig();
    m.health.update(nowMs);
  }

  /** A FAIL message: the sender reached the quorum, so I take its word. */
  failMessage(sender: ClusterNode, nodename: string, nowMs: number): void {
    const m = this.m;
    const failing = m.table.get(nodename);
    if (failing === undefined || failing.has(NodeFlag.FAIL) || failing === m.table.myself) return;
    this.setFail(failing, nowMs);
    m.outbox.emit({ type: 'node-failed', id: failing.name, via: 'message', from: sender.name, agreeing: null, quorum: null });
    m.outbox.saveConfig();
    m.health.update(nowMs);
  }

  private setFail(node: ClusterNode, nowMs: number): void {
    node.flags = (node.flags | NodeFlag.FAIL) & ~NodeFlag.PFAIL;
    node.failTimeMs = nowMs;
  }

  /** A PONG from the node on my link to it: clear PFAIL, and FAIL when the rules allow. */
  answered(node: ClusterNode, nowMs: number): void {
    const m = this.m;
    if (node.has(NodeFlag.PFAIL)) {
      node.flags &= ~NodeFlag.PFAIL;
      m.health.update(nowMs);
      return;
    }
    if (!node.has(NodeFlag.FAIL)) return;
    let reason: 'replica' | 'master-without-slots' | 'slots-unserved' | null = null;
    if (node.isReplica) reason = 'replica';
    else if (m.slots.count(node.name) === 0) reason = 'master-without-slots';
    else if (nowMs - node.failTimeMs > m.settings.nodeTimeoutMs * FAIL_UNDO_TIME_MULT) reason = 'slots-unserved';
    if (reason === null) return;
    node.flags &= ~NodeFlag.FAIL;
    m.outbox.emit({ type: 'fail-cleared', id: node.name, reason });
    m.outbox.saveConfig();
    m.health.update(nowMs);
  }
}
