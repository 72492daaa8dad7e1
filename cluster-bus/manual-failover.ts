/**
 * Manual failover: CLUSTER FAILOVER [FORCE|TAKEOVER] sent to a replica (Redis Cluster spec,
 * "Manual failover"; redis-wire.md §1.11; cluster.c "CLUSTER manual failover" and
 * clusterCommand's FAILOVER branch).
 *
 * The default form loses no acknowledged write, because the master stops moving first:
 *
 *   replica                               master
 *   CLUSTER FAILOVER ── MFSTART ─────────▶ pauses clients' writes for 2 × 5000 ms,
 *                                          pings the replica every tick with PAUSED set and
 *                    ◀──── PING (PAUSED, offset O) its now frozen replication offset O
 *   "Received replication offset ... O"
 *   processes the stream up to O
 *   "manual failover can start" ─▶ election (election.ts) at once, rank 0, the request flagged
 *                                  FORCEACK so masters vote although my master is up
 *   wins ─▶ new configEpoch, takes the slots, PONG ─▶ the old master sees a newer claim on its
 *                                                     slots and becomes my replica
 *
 * FORCE skips the handshake with the master (it may be unreachable): the election starts at
 * once, still needing a majority. TAKEOVER needs nobody: the replica bumps its configEpoch
 * without consensus and takes the slots (for when the majority of masters is gone). Anything
 * not finished 5000 ms after it started is abandoned ("Manual failover timed out.") and the
 * master's pause is lifted.
 */
import type { ClusterNode } from './cluster-node';
import type { Election } from './election';
import { type MessageHeader, MessageFlag, MessageType, NodeFlag } from './messages';
import type { MachineParts } from './parts';

/** What a manual failover reads and acts through. */
export type ManualFailoverParts = Pick<MachineParts, 'host' | 'table' | 'epochs' | 'messenger' | 'outbox'> & {
  /** TAKEOVER promotes through the election's promotion step. */
  election(): Election;
};

/** How long a manual failover may take (CLUSTER_MF_TIMEOUT). */
export const MANUAL_FAILOVER_TIMEOUT_MS = 5000;
/** The master holds writes for this many manual-failover timeouts (CLUSTER_MF_PAUSE_MULT). */
const PAUSE_MULT = 2;

export type ManualFailoverMode = 'default' | 'force' | 'takeover';

export class ManualFailover {
  /** When the manual failover in progress expires; 0 when none is. */
  endMs = 0;
  /** Replica side: the election may start. */
  canStart = false;
  /** Replica side: the paused master's offset, -1 until its PAUSED ping came. */
  masterOffset = -1n;
  /** Master side: the replica that asked. */
  replica: ClusterNode | null = null;

  constructor(private readonly m: ManualFailoverParts) {}

  get inProgress(): boolean {
    return this.endMs !== 0;
  }

  reset(): void {
    if (this.replica !== null) {
      this.m.outbox.push({ kind: 'pause-writes', untilMs: 0 });
    }
    this.endMs = 0;
    this.canStart = false;
    this.masterOffset = -1n;
    this.replica = null;
  }

  /**
   * CLUSTER FAILOVER on this node: the error text to reply, or null when accepted (the caller
   * replies +OK). Redis's checks, in its order.
   */
  start(mode: ManualFailoverMode, nowMs: number): string | null {
    const m = this.m;
    const myself = m.table.myself;
    if (myself.isMaster) return 'ERR You should send CLUSTER FAILOVER to a replica';
    const master = myself.slaveof === null ? undefined : m.table.get(myself.slaveof);
    if (master === undefined) return "ERR I'm a replica but my master is unknown to me";
    if (mode === 'default' && (master.failing || master.link === null)) {
      return 'ERR Master is down or failed, please use CLUSTER FAILOVER FORCE';
    }
    this.reset();
    this.endMs = nowMs + MANUAL_FAILOVER_TIMEOUT_MS;
    m.outbox.emit({ type: 'manual-failover-accepted', mode });
    if (mode === 'takeover') {
      // No votes: a new configEpoch of my own, then the slots.
      m.epochs.bumpWithoutConsensus('takeover');
      m.election().replaceMaster(master, nowMs);
    } else if (mode === 'force') {
      this.canStart = true;
    } else {
      m.messenger.sendToNode(master, { type: MessageType.MFSTART, header: m.messenger.header() });
    }
    return null;
  }

  /** Master side: MFSTART from one of my replicas. */
  mfstartReceived(sender: ClusterNode, nowMs: number): void {
    const m = this.m;
    if (!m.table.myself.isMaster || sender.slaveof !== m.table.myself.name) return;
    this.reset();
    this.endMs = nowMs + MANUAL_FAILOVER_TIMEOUT_MS;
    this.replica = sender;
    m.outbox.push({ kind: 'pause-writes', untilMs: nowMs + MANUAL_FAILOVER_TIMEOUT_MS * PAUSE_MULT });
    m.outbox.emit({ type: 'manual-failover-requested', replica: sender.name });
    // The ping carries PAUSED and my offset: the replica's cue to catch up.
    m.messenger.pingNode(sender, nowMs);
  }

  /** Replica side: a ping from my master flagged PAUSED carries the offset to reach. */
  pingReceived(sender: ClusterNode, hdr: MessageHeader): void {
    const m = this.m;
    if (this.endMs === 0 || !m.table.myself.isReplica || m.table.myself.slaveof !== sender.name) return;
    if ((hdr.mflags & MessageFlag.PAUSED) === 0 || this.masterOffset !== -1n) return;
    this.masterOffset = hdr.offset;
    m.outbox.emit({ type: 'manual-failover-offset', offset: hdr.offset });
    this.checkOffset();
  }

  /** From the cron: the timeout on both sides, the master's pings, the replica's catching up. */
  cron(nowMs: number): void {
    const m = this.m;
    if (this.endMs !== 0 && this.endMs < nowMs) {
      m.outbox.emit({ type: 'manual-failover-timeout' });
      this.reset();
      return;
    }
    if (this.endMs === 0) return;
    if (m.table.myself.isMaster && this.replica !== null) {
      if (!this.replica.has(NodeFlag.HANDSHAKE)) m.messenger.pingNode(this.replica, nowMs);
    } else {
      this.checkOffset();
    }
  }

  /**
   * Whether my applied offset reached the paused master's. Redis compares for equality; at or
   * beyond is used here because a master's replication PING or GETACK written during the pause
   * moves the stream a few bytes past the offset it announced, and every write it acknowledged
   * is below that offset either way.
   */
  private checkOffset(): void {
    if (this.canStart || this.masterOffset < 0n) return;
    if (this.m.host.replicationOffset() < this.masterOffset) return;
    this.canStart = true;
    this.m.outbox.emit({ type: 'manual-failover-can-start' });
  }
}
