/**
 * Replica election and voting: how a replica of a FAIL master becomes the master of its slots
 * (Redis Cluster spec, "Replica election and promotion"; redis-wire.md §1.11; cluster.c
 * clusterHandleSlaveFailover, clusterSendFailoverAuthIfNeeded, clusterFailoverReplaceYourMaster).
 *
 * The replica side, run from every cron tick while my master is FAIL (or a manual failover
 * allows it):
 *
 *   master FAIL ─▶ data age ok? ─▶ schedule: now + 500 ms + random(0..499) + rank × 1000 ms
 *                    (refuse:        rank = siblings with a larger replication offset, so the
 *                     too old)       most up-to-date replica asks first and usually wins
 *              ─▶ at that time: currentEpoch++ and FAILOVER_AUTH_REQUEST to everybody, carrying
 *                 my master's slots and configEpoch
 *              ─▶ ACKs from masters with slots, for this epoch: a majority (size/2+1) wins
 *              ─▶ configEpoch = the election's epoch, take every slot of the old master, become
 *                 master, PONG to everybody: the new claim beats the old one everywhere
 *
 * An attempt that gets no majority expires after auth_timeout = max(2 × node-timeout, 2000 ms);
 * a new one may start 2 × auth_timeout after the previous was scheduled, with a new epoch, so
 * votes split across replicas in one epoch are resolved in a later one (the random part of the
 * delay makes the same tie unlikely twice).
 *
 * The voter side (a master serving slots): one vote per currentEpoch (lastVoteEpoch, saved
 * before the ACK goes out); only for a replica whose master is FAIL (or a manual failover's
 * FORCEACK); never twice within 2 × node-timeout for replicas of the same master (so two
 * replicas cannot both win in consecutive epochs); and only if no claimed slot is owned here with
 * a configEpoch newer than the request's (a stale replica cannot take slots that moved).
 */
import type { ClusterNode, LinkId } from './cluster-node';
import type { CantFailoverReason } from './effects';
import { type MessageHeader, MessageFlag, MessageType, NodeFlag, SLOT_COUNT } from './messages';
import type { MachineParts } from './parts';
import { slotBitmapHas } from './slot-bitmap';

/** What elections and votes read and act through. */
export type ElectionParts = Pick<MachineParts, 'settings' | 'host' | 'random' | 'table' | 'slots' | 'epochs' | 'health' | 'messenger' | 'outbox'> & {
  /** A promotion ends any manual failover in progress. */
  resetManualFailover(): void;
};

/** The fixed part of the election delay: time for the FAIL message to reach every master. */
const ELECTION_FIXED_DELAY_MS = 500;
const ELECTION_RANDOM_DELAY_MS = 500;
const RANK_DELAY_MS = 1000;
/** "Currently unable to failover" is repeated at most this often for the same reason. */
const CANT_FAILOVER_RELOG_MS = 10_000;

export class Election {
  /** When the current attempt asks for votes (-Infinity: no attempt yet; the sim's clock starts at 0). */
  authTimeMs = Number.NEGATIVE_INFINITY;
  authCount = 0;
  authSent = false;
  authRank = 0;
  authEpoch = 0n;
  private cantReason: CantFailoverReason | null = null;
  private cantLoggedMs = 0;

  constructor(private readonly m: ElectionParts) {}

  private get authTimeoutMs(): number {
    return Math.max(this.m.settings.nodeTimeoutMs * 2, 2000);
  }

  /** Replica side, from the cron (and right after an ACK). `manual`: a manual failover may start. */
  cron(nowMs: number, manual: boolean, manualInProgress: boolean): void {
    const m = this.m;
    const myself = m.table.myself;
    const master = m.table.masterOf(myself);
    if (
      master === null ||
      !(master.has(NodeFlag.FAIL) || manual) ||
      (m.settings.replicaNoFailover && !manual) ||
      m.slots.count(master.name) === 0
    ) {
      this.cantReason = null;
      return;
    }
    const timeout = m.settings.nodeTimeoutMs;
    // How stale my data may be: time since I last heard from my master, minus the node timeout
    // that had to pass anyway before it could be declared failing.
    let dataAgeMs = m.host.masterDataAgeMs();
    if (dataAgeMs > timeout) dataAgeMs -= timeout;
    const factor = m.settings.replicaValidityFactor;
    if (!manual && factor > 0 && dataAgeMs > m.settings.replPingReplicaPeriodMs + timeout * factor) {
      this.cantFailover('data-age', master, nowMs);
      return;
    }

    if (nowMs - this.authTimeMs > this.authTimeoutMs * 2) {
      // A new attempt: wait for the FAIL to spread, and let better replicas go first.
      this.authCount = 0;
      this.authSent = false;
      this.authRank = this.rank(master);
      this.authTimeMs = nowMs + ELECTION_FIXED_DELAY_MS + Math.floor(m.random.next() * ELECTION_RANDOM_DELAY_MS) + this.authRank * RANK_DELAY_MS;
      if (manualInProgress) {
        this.authTimeMs = nowMs;
        this.authRank = 0;
      }
      m.outbox.emit({ type: 'election-scheduled', delayMs: this.authTimeMs - nowMs, rank: this.authRank, offset: m.host.replicationOffset() });
      // Tell my siblings my offset now, so their ranks are right when their delays run out.
      m.messenger.broadcastPong(nowMs, (n) => n.isReplica && n.slaveof === master.name);
      return;
    }
    if (!this.authSent && !manualInProgress) {
      const rank = this.rank(master);
      if (rank > this.authRank) {
        const addedMs = (rank - this.authRank) * RANK_DELAY_MS;
        this.authTimeMs += addedMs;
        this.authRank = rank;
        m.outbox.emit({ type: 'election-rank-updated', rank, addedMs });
      }
    }
    if (nowMs < this.authTimeMs) {
      this.cantFailover('waiting-delay', master, nowMs);
      return;
    }
    if (nowMs - this.authTimeMs > this.authTimeoutMs) {
      this.cantFailover('expired', master, nowMs);
      return;
    }
    if (!this.authSent) {
      this.authEpoch = m.epochs.startElection();
      this.authSent = true;
      const reached = m.messenger.broadcast(() => {
        const header = m.messenger.header();
        if (manualInProgress) header.mflags |= MessageFlag.FORCEACK;
        return { type: MessageType.FAILOVER_AUTH_REQUEST, header };
      });
      // Every linked node gets the request (queued on a link still connecting), but only masters
      // serving slots may vote: those reached at once are worth counting for a reader who wants
      // to see the majority being sought.
      const asked = reached.filter((node) => node.isMaster && m.slots.count(node.name) > 0).length;
      m.outbox.emit({ type: 'election-started', epoch: this.authEpoch, asked, voters: m.health.size, quorum: Math.floor(m.health.size / 2) + 1 });
      m.outbox.saveConfig(true);
      return;
    }
    const quorum = Math.floor(m.health.size / 2) + 1;
    if (this.authCount < quorum) {
      this.cantFailover('waiting-votes', master, nowMs);
      return;
    }
    m.outbox.emit({ type: 'election-won', epoch: this.authEpoch });
    if (myself.configEpoch < this.authEpoch) {
      myself.configEpoch = this.authEpoch;
      m.outbox.emit({ type: 'epoch-bumped', epoch: this.authEpoch, reason: 'failover' });
    }
    this.replaceMaster(master, nowMs);
  }

  /** Siblings (not flagged nofailover) whose replication offset is larger than mine. */
  private rank(master: ClusterNode): number {
    const m = this.m;
    const mine = m.host.replicationOffset();
    let rank = 0;
    for (const node of m.table.nodes.values()) {
      if (node === m.table.myself || !node.isReplica || node.slaveof !== master.name) continue;
      if (node.has(NodeFlag.NOFAILOVER)) continue;
      if (node.replOffset > mine) rank++;
    }
    return rank;
  }

  private cantFailover(reason: CantFailoverReason, master: ClusterNode, nowMs: number): void {
    if (reason === this.cantReason && nowMs - this.cantLoggedMs < CANT_FAILOVER_RELOG_MS) return;
    this.cantReason = reason;
    // Right after the FAIL the reasons are routine (the delay runs): say nothing for a while.
    if (master.has(NodeFlag.FAIL) && nowMs - master.failTimeMs < this.m.settings.nodeTimeoutMs + 5000) return;
    this.cantLoggedMs = nowMs;
    this.m.outbox.emit({ type: 'cant-failover', reason });
  }

  /**
   * I become the master of my master's slots: the promotion itself, shared by elections and
   * CLUSTER FAILOVER TAKEOVER (clusterFailoverReplaceYourMaster).
   */
  replaceMaster(oldMaster: ClusterNode, nowMs: number): void {
    const m = this.m;
    const myself = m.table.myself;
    m.table.setMaster(myself);
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (m.slots.owner(slot) === oldMaster.name) m.slots.assign(slot, myself.name);
    m.outbox.emit({ type: 'role-changed', role: 'master', master: null });
    this.authTimeMs = Number.NEGATIVE_INFINITY;
    m.resetManualFailover();
    m.health.update(nowMs);
    m.outbox.saveConfig(true);
    // Everybody learns the new claim at once (and the other replicas follow me).
    m.messenger.broadcastPong(nowMs);
  }

  /** An ACK for my request: counted when it comes from a master with slots, for this election. */
  ackReceived(sender: ClusterNode, hdr: MessageHeader): boolean {
    const m = this.m;
    if (!sender.isMaster || m.slots.count(sender.name) === 0 || hdr.currentEpoch < this.authEpoch || !this.authSent) return false;
    this.authCount++;
    return true;
  }

  /** A FAILOVER_AUTH_REQUEST: grant my vote if every rule allows (clusterSendFailoverAuthIfNeeded). */
  requestReceived(requester: ClusterNode, linkId: LinkId, hdr: MessageHeader, nowMs: number): void {
    const m = this.m;
    const myself = m.table.myself;
    const epochs = m.epochs;
    if (myself.isReplica || m.slots.count(myself.name) === 0) return;
    const deny = (reason: string): void => m.outbox.emit({ type: 'vote-denied', to: requester.name, reason });
    if (hdr.currentEpoch < epochs.currentEpoch) {
      deny(`reqEpoch (${hdr.currentEpoch}) < curEpoch(${epochs.currentEpoch})`);
      return;
    }
    if (epochs.lastVoteEpoch === epochs.currentEpoch) {
      deny(`already voted for epoch ${epochs.currentEpoch}`);
      return;
    }
    const master = m.table.masterOf(requester);
    const forceAck = (hdr.mflags & MessageFlag.FORCEACK) !== 0;
    if (requester.isMaster) {
      deny('it is a master node');
      return;
    }
    if (master === null) {
      deny("I don't know its master");
      return;
    }
    if (!master.has(NodeFlag.FAIL) && !forceAck) {
      deny('its master is up');
      return;
    }
    const sinceVoteMs = nowMs - master.votedTimeMs;
    if (sinceVoteMs < m.settings.nodeTimeoutMs * 2) {
      deny(`can't vote about this master before ${m.settings.nodeTimeoutMs * 2 - sinceVoteMs} milliseconds`);
      return;
    }
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (!slotBitmapHas(hdr.myslots, slot)) continue;
      const ownerName = m.slots.owner(slot);
      const owner = ownerName === null ? undefined : m.table.get(ownerName);
      if (owner === undefined || owner.configEpoch <= hdr.configEpoch) continue;
      deny(`slot ${slot} epoch (${owner.configEpoch}) > reqEpoch (${hdr.configEpoch})`);
      return;
    }
    epochs.recordVote();
    master.votedTimeMs = nowMs;
    // The vote must survive a crash before it is given (Redis fsyncs here).
    m.outbox.saveConfig(true);
    const ack = { type: MessageType.FAILOVER_AUTH_ACK, header: m.messenger.header() } as const;
    // On my link to the requester when it is up, else back on the link the request came on:
    // the vote counts only within the election's timeout, so it must not wait for a connect.
    if (!m.messenger.sendToNode(requester, ack, true)) m.messenger.sendOnLink(linkId, ack);
    m.outbox.emit({ type: 'vote-granted', to: requester.name, epoch: epochs.currentEpoch });
  }
}
