/**
 * The cluster state machine of one node: the nodes it knows, the slot table, the epochs, and the
 * protocol that keeps them in agreement (Redis Cluster spec; redis-wire.md §1.7-1.11).
 *
 * It is sans-I/O (DESIGN.md decision 3). Its inputs, the only ways its state changes, are method
 * calls carrying the current time:
 *
 *   tick(now)                       the 100 ms cron
 *   receive(link, msg, now)         a decoded bus message on a link
 *   inboundAccepted / outboundConnected / linkClosed     link events from the adapter
 *   admin(op, now)                  a CLUSTER subcommand (MEET, ADDSLOTS, SETSLOT, FAILOVER, ...)
 *   publish(channel, message)       a client's PUBLISH / SPUBLISH to carry over the bus
 *   refreshMyAddress()              the announce settings changed
 *
 * Outputs are effects queued in the outbox (connect, send, close, save the config, ...) and
 * events for logs and tests; the adapter drains them with takeEffects() after every input.
 * Randomness comes from an injected source. So the same code runs behind real sockets
 * (tcp-transport.ts) and inside a deterministic simulation (test/sim).
 *
 * This file is only the facade. The mechanisms live in chapters, each opening with an essay on
 * how it works, each given only the parts it needs (parts.ts names them; each chapter Picks):
 *
 *   outbox.ts             effects queued for the adapter
 *   node-table.ts         the nodes, myself, the FORGET blacklist
 *   links.ts              bus links as ids: connect, accept, close, recycle
 *   messenger.ts          the header every message carries; send, broadcast, publish
 *   handshake.ts          MEET handshake, PING/PONG handling, gossip, the link/ping cron
 *   slot-claims.ts        slot claims by configEpoch, UPDATE, roles, following a new master
 *   epochs.ts             currentEpoch, configEpoch bumps and collisions, votes' epoch
 *   cluster-health.ts     cluster_state ok/fail and cluster_size
 *   admin.ts              the admin input: CLUSTER subcommands with Redis's error texts
 *   failure-detection.ts  PFAIL, failure reports in gossip, FAIL by quorum, FAIL messages
 *   election.ts           replica election (delay, rank, data age), votes, promotion
 *   manual-failover.ts    CLUSTER FAILOVER [FORCE|TAKEOVER], MFSTART, the paused master
 *   replica-migration.ts  a replica moves to an orphaned master
 *
 * What the facade exposes besides the inputs is read-only in intent: the views (CLUSTER NODES,
 * INFO, SLOTS, nodes.conf) and routing read the node table and slot table; nothing outside the
 * machine changes them.
 */
import { Admin, type AdminOp, type AdminResult } from './admin';
import { ClusterHealth } from './cluster-health';
import { type ClusterNode, flagsText, type LinkId } from './cluster-node';
import type { ClusterEffect } from './effects';
import { Election } from './election';
import { Epochs } from './epochs';
import { FailureDetector } from './failure-detection';
import { Handshake } from './handshake';
import { LinkTable } from './links';
import { ManualFailover } from './manual-failover';
import { type ClusterMessage, MessageType, NodeFlag, typeCode } from './messages';
import { Messenger } from './messenger';
import { NodeTable } from './node-table';
import { Outbox } from './outbox';
import { migrateReplicaIfNeeded, type ReplicaMigrationParts } from './replica-migration';
import type { ClusterHost, ClusterSettings, RandomSource } from './settings';
import { SlotClaims } from './slot-claims';
import { type ReadonlySlotTable, SlotTable } from './slot-table';

export type { AdminOp, AdminResult } from './admin';
export type { ClusterHost, ClusterSettings, RandomSource } from './settings';

export class ClusterState {
  private readonly slotTable = new SlotTable();
  /** Messages received, by wire type (CLUSTER INFO). */
  readonly received = new Map<number, number>();
  private readonly outbox = new Outbox();
  private readonly links = new LinkTable(this.outbox);
  private readonly table: NodeTable;
  private readonly epochs: Epochs;
  private readonly health: ClusterHealth;
  private readonly messenger: Messenger;
  private readonly claims: SlotClaims;
  private readonly handshake: Handshake;
  private readonly failureDetector: FailureDetector;
  private readonly election: Election;
  private readonly manualFailover: ManualFailover;
  private readonly adminInput: Admin;
  private readonly migration: ReplicaMigrationParts;

  constructor(
    private readonly settings: ClusterSettings,
    private readonly host: ClusterHost,
    random: RandomSource,
    nowMs: number,
    myId?: string,
  ) {
    const { slotTable: slots, links, outbox } = this;
    const table = (this.table = new NodeTable(slots, links, random, nowMs, myId));
    const epochs = (this.epochs = new Epochs(table, outbox));
    const health = (this.health = new ClusterHealth(settings, table, slots, outbox, nowMs));
    const messenger = (this.messenger = new Messenger({
      settings, host, random, table, slots, epochs, health, links, outbox,
      writesPaused: () => this.manualFailover.inProgress,
    }));
    const resetManualFailover = (): void => this.manualFailover.reset();
    const claims = (this.claims = new SlotClaims({ settings, host, table, slots, health, messenger, outbox, resetManualFailover }));
    const failureDetector = (this.failureDetector = new FailureDetector({ settings, table, slots, health, messenger, outbox }));
    this.manualFailover = new ManualFailover({ host, table, epochs, messenger, outbox, election: () => this.election });
    this.election = new Election({ settings, host, random, table, slots, epochs, health, messenger, outbox, resetManualFailover });
    const manualFailover = this.manualFailover;
    const handshake = (this.handshake = new Handshake({
      settings, random, table, links, messenger, epochs, claims, outbox,
      answered: (node, now) => failureDetector.answered(node, now),
      gossipAbout: (node, sender, flags, now) => failureDetector.gossip(node, sender, flags, now),
      pingFrom: (sender, hdr) => manualFailover.pingReceived(sender, hdr),
    }));
    this.adminInput = new Admin({ settings, host, table, slots, links, epochs, health, messenger, outbox, handshake, claims, manualFailover });
    this.migration = {
      settings, table, slots, outbox,
      clusterOk: () => health.state === 'ok',
      becomeReplicaOf: (master) => claims.becomeReplicaOf(master),
    };
    this.refreshMyAddress();
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs

  /** The 100 ms cron: handshake timeouts, reconnects, pings, failure detection, failover, state. */
  tick(nowMs: number): void {
    this.table.expireBans(nowMs);
    this.handshake.cron(nowMs);
    this.failureDetector.cron(nowMs);
    this.updateMyselfFlags();
    this.manualFailover.cron(nowMs);
    if (this.myself.isReplica) {
      this.replicaFailover(nowMs);
      migrateReplicaIfNeeded(this.migration, nowMs);
    }
    this.health.update(nowMs);
  }

  /** A decoded message arrived on a link. */
  receive(linkId: LinkId, msg: ClusterMessage, nowMs: number): void {
    const link = this.links.get(linkId);
    if (link === undefined) return;
    const hdr = msg.header;
    const code = typeCode(msg);
    this.received.set(code, (this.received.get(code) ?? 0) + 1);
    // DEBUG DROP-CLUSTER-PACKET-FILTER: counted as received, then ignored (Redis's test hook).
    if (code === this.dropPacketFilter) {
      this.outbox.emit({ type: 'packet-dropped-by-filter', messageType: code });
      return;
    }
    let sender = link.node !== null && !link.node.inHandshake ? link.node : (this.table.get(hdr.sender) ?? null);
    if (sender?.inHandshake === true) sender = null;
    // First message identifying an inbound link's peer.
    if (sender !== null && !link.outbound && link.node === null) this.links.identify(link, sender);
    if (sender !== null) {
      sender.dataReceivedMs = nowMs;
      this.epochs.observe(hdr.currentEpoch);
      if (hdr.configEpoch > sender.configEpoch) {
        sender.configEpoch = hdr.configEpoch;
        this.outbox.saveConfig(true);
      }
      sender.replOffset = hdr.offset;
    }
    if (link.node !== null) link.node.dataReceivedMs = nowMs;

    switch (msg.type) {
      case MessageType.PING:
      case MessageType.PONG:
      case MessageType.MEET: {
        const couldStart = this.manualFailover.canStart;
        this.handshake.pingReceived(link, msg, sender, nowMs);
        // The paused master's offset has just been reached: as Redis does from clusterBeforeSleep,
        // the manual failover's election starts now, not at the next cron up to 100 ms later.
        if (!couldStart && this.manualFailover.canStart && this.myself.isReplica) this.replicaFailover(nowMs);
        return;
      }
      case 'unknown':
      case MessageType.MODULE:
        return;
    }
    // Every other type is heard only from a known node.
    if (sender === null) return;
    switch (msg.type) {
      case MessageType.FAIL:
        this.failureDetector.failMessage(sender, msg.nodename, nowMs);
        return;
      case MessageType.FAILOVER_AUTH_REQUEST:
        this.election.requestReceived(sender, link.id, hdr, nowMs);
        return;
      case MessageType.FAILOVER_AUTH_ACK:
        if (this.election.ackReceived(sender, hdr) && this.myself.isReplica) this.replicaFailover(nowMs);
        return;
      case MessageType.MFSTART:
        this.manualFailover.mfstartReceived(sender, nowMs);
        return;
      case MessageType.PUBLISH:
      case MessageType.PUBLISHSHARD:
        this.outbox.push({ kind: 'publish', channel: msg.channel, message: msg.message, shard: msg.type === MessageType.PUBLISHSHARD });
        return;
      case MessageType.UPDATE:
        this.claims.updateReceived(msg, nowMs);
        return;
    }
  }

  /** An inbound connection was accepted; returns the link id to use for it. */
  inboundAccepted(peerIp: string, localIp: string, nowMs: number): LinkId {
    return this.links.accept(peerIp, localIp, nowMs);
  }

  /** An outbound connection completed: greet the node with MEET or PING. */
  outboundConnected(id: LinkId, localIp: string, nowMs: number): void {
    const link = this.links.connected(id, localIp);
    if (link === undefined) return;
    this.messenger.sendWaiting(link);
    this.handshake.greet(link, nowMs);
  }

  /** The adapter saw a link close. */
  linkClosed(id: LinkId): void {
    this.links.closed(id);
  }

  /** A CLUSTER subcommand that changes the state; refusals come back with Redis's error text. */
  /**
   * The message type DEBUG DROP-CLUSTER-PACKET-FILTER drops on arrival, -1 for none. A test
   * hook, not cluster state: it is neither saved nor told to anyone.
   */
  dropPacketFilter = -1;

  admin(op: AdminOp, nowMs: number): AdminResult {
    return this.adminInput.run(op, nowMs);
  }

  /** A client's PUBLISH (every node) or SPUBLISH (my shard), carried over the bus. */
  publish(channel: string, message: string, shard: boolean): void {
    this.messenger.publish(channel, message, shard);
  }

  /** The announced IP myself last took (to see cluster-announce-ip change). */
  private announcedIp = '';

  /**
   * Keeps myself's advertised address in step with the settings (CONFIG SET cluster-announce-*).
   * An announced IP taken back leaves myself without an address, so that the next PING or MEET
   * teaches it the real one again (handshake.ts), as Redis forces autodetection: otherwise the
   * stale announced address would stay in CLUSTER NODES and SLOTS for good.
   */
  refreshMyAddress(): void {
    const s = this.settings;
    const myself = this.myself;
    if (s.announceIp !== this.announcedIp) {
      myself.ip = s.announceIp;
      this.announcedIp = s.announceIp;
    }
    myself.port = s.announcePort || s.port;
    myself.cport = s.announceBusPort || s.cport;
    myself.hostname = s.announceHostname;
  }

  /** Removes and returns the effects queued since the last call. */
  takeEffects(): ClusterEffect[] {
    return this.outbox.take();
  }

  // ---------------------------------------------------------------------------------------------
  // Loading nodes.conf (before the first input)

  /** Myself takes the id it had before the restart. */
  adoptIdentity(name: string): void {
    this.table.rename(this.myself, name);
  }

  /** Adds a node read from nodes.conf. */
  restoreNode(node: ClusterNode): void {
    this.table.add(node);
  }

  /** A slot range, or a MIGRATING/IMPORTING mark, of a nodes.conf line. */
  restoreSlots(owner: string, start: number, end: number): void {
    for (let slot = start; slot <= end; slot++) this.slotTable.assign(slot, owner);
  }

  restoreSlotMark(mark: 'migrating' | 'importing', slot: number, node: string): void {
    this.slotTable[mark].set(slot, node);
  }

  /** The `vars` line of nodes.conf. */
  restoreEpochs(currentEpoch: bigint | null, lastVoteEpoch: bigint | null): void {
    if (currentEpoch !== null) this.epochs.currentEpoch = currentEpoch;
    if (lastVoteEpoch !== null) this.epochs.lastVoteEpoch = lastVoteEpoch;
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  /** Who owns each slot, and the slots being migrated or imported here. */
  get slots(): ReadonlySlotTable {
    return this.slotTable;
  }

  get nodes(): ReadonlyMap<string, ClusterNode> {
    return this.table.nodes;
  }

  get myself(): ClusterNode {
    return this.table.myself;
  }

  get currentEpoch(): bigint {
    return this.epochs.currentEpoch;
  }

  get lastVoteEpoch(): bigint {
    return this.epochs.lastVoteEpoch;
  }

  get state(): 'ok' | 'fail' {
    return this.health.state;
  }

  /** Masters with at least one slot, as of the last state update (CLUSTER INFO's cluster_size). */
  get size(): number {
    return this.health.size;
  }

  /** Messages sent, by wire type (CLUSTER INFO). */
  get sent(): ReadonlyMap<number, number> {
    return this.outbox.sent;
  }

  /** The master whose slots and epoch I advertise: myself, or my master when I am a replica. */
  myMaster(): ClusterNode | null {
    return this.table.myMaster();
  }

  /** A node's configEpoch as CLUSTER NODES prints it: a replica shows its master's. */
  nodeEpoch(node: ClusterNode): bigint {
    return this.table.nodeEpoch(node);
  }

  flagsOf(node: ClusterNode): string {
    return flagsText(node.flags);
  }

  /** Whether the outbound link to a node is established (CLUSTER NODES' link-state). */
  linkUp(node: ClusterNode): boolean {
    return node.link !== null;
  }

  /** Links for CLUSTER LINKS. */
  linkList(): Array<{ id: LinkId; outbound: boolean; node: string; createdMs: number }> {
    return this.links.list();
  }

  /**
   * My own replication offset, as the host reports it now. Gossip headers carry every other
   * node's offset; nothing ever updates my entry for myself, so views read mine from here.
   */
  myReplicationOffset(): bigint {
    return this.host.replicationOffset();
  }

  /** CLUSTER COUNT-FAILURE-REPORTS (expired reports are dropped first). */
  failureReportCount(node: ClusterNode, nowMs: number): number {
    return this.failureDetector.reportCount(node, nowMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Cron steps

  /** cluster-replica-no-failover is advertised as the nofailover flag. */
  private updateMyselfFlags(): void {
    const myself = this.myself;
    const flags = this.settings.replicaNoFailover ? myself.flags | NodeFlag.NOFAILOVER : myself.flags & ~NodeFlag.NOFAILOVER;
    if (flags === myself.flags) return;
    myself.flags = flags;
    this.outbox.saveConfig();
  }

  /** The replica's failover step: an election when my master failed or a manual failover may start. */
  private replicaFailover(nowMs: number): void {
    const mf = this.manualFailover;
    this.election.cron(nowMs, mf.inProgress && mf.canStart, mf.inProgress);
  }
}
