/**
 * The cluster state machine of one node: the nodes it knows, the slot table, the epochs, and the
 * protocol that keeps them in agreement (Redis Cluster spec; redis-wire.md §1.7-1.11).
 *
 * It is sans-I/O (DESIGN.md decision 3). Inputs are method calls carrying the current time: a
 * decoded message on a link, a link that connected or closed, the 100 ms cron tick, an admin
 * command. Outputs are effects queued for the adapter (connect, send, close, save the config)
 * and events for logs and tests. Randomness comes from an injected source. So the same code runs
 * behind real sockets and inside a deterministic simulation.
 *
 * How two nodes meet (§1.9):
 *
 *   A: CLUSTER MEET B ──▶ handshake node h (random id, HANDSHAKE|MEET)
 *   A ─connect─▶ B, MEET ───────▶ B: unknown sender + MEET: adds handshake node for A, replies
 *   A ◀─────────────── PONG (sender = B's id)      A renames h to B's id: A knows B
 *   B ─connect─▶ A, PING ───────▶ A: replies PONG; B renames its node for A: both know each other
 *
 * After that, gossip sections in PING/PONG spread every node to every other node, and slot
 * claims spread in headers, each applied only when its configEpoch beats the current owner's.
 *
 * This file is the coordinator: nodes, links, the cron, message dispatch and slot claims. The
 * mechanisms of availability live in their own modules and are driven from here:
 *
 *   failure-detection.ts  PFAIL, failure reports in gossip, FAIL by quorum, FAIL messages
 *   election.ts           replica election (delay, rank, data age), votes, promotion
 *   manual-failover.ts    CLUSTER FAILOVER [FORCE|TAKEOVER], MFSTART, the paused master
 *   replica-migration.ts  a replica moves to an orphaned master
 *
 * They reach back into this machine through its public members (emit, send, broadcast, header,
 * updateState, ...), which exist for them rather than for the adapter.
 */
import { ClusterNode, flagsText, type LinkId } from './cluster-node';
import { Election } from './election';
import type { ClusterEffect, ClusterEvent } from './effects';
import { FailureDetector } from './failure-detection';
import { selectGossip } from './gossip';
import { ManualFailover } from './manual-failover';
import { migrateReplicaIfNeeded } from './replica-migration';
import {
  type ClusterMessage,
  type MessageHeader,
  MessageFlag,
  MessageType,
  NodeFlag,
  type PingExtension,
  type PingMessage,
  type PublishMessage,
  SLOT_COUNT,
} from './messages';
import { slotBitmapHas } from './slot-bitmap';
import { SlotTable } from './slot-table';

export interface RandomSource {
  /** A float in [0, 1). */
  next(): number;
}

/** Settings read on every use, so CONFIG SET takes effect at once. */
export interface ClusterSettings {
  nodeTimeoutMs: number;
  /** My client port and bus port as bound. */
  port: number;
  cport: number;
  announceIp: string;
  announcePort: number;
  announceBusPort: number;
  announceHostname: string;
  requireFullCoverage: boolean;
  allowReplicaMigration: boolean;
  /** cluster-replica-validity-factor: 0 lets a replica fail over however old its data. */
  replicaValidityFactor: number;
  /** cluster-replica-no-failover: never start an election (manual failover still works). */
  replicaNoFailover: boolean;
  /** cluster-migration-barrier: replicas a master keeps before one may migrate away. */
  migrationBarrier: number;
  /** repl-ping-replica-period in ms (part of the data-age limit). */
  replPingReplicaPeriodMs: number;
}

/** Everything the machine asks of its host that is not I/O. */
export interface ClusterHost {
  /** Number of keys stored in a slot (to know whether losing it deletes data). */
  keysInSlot(slot: number): number;
  /** The replication offset to advertise (a replica's: what it has applied). */
  replicationOffset(): bigint;
  /**
   * A replica's data age: milliseconds since it last heard from its master (link up: the last
   * I/O on the link; link down: since it went down). Read only when its master failed.
   */
  masterDataAgeMs(): number;
}

interface Link {
  readonly id: LinkId;
  node: ClusterNode | null;
  readonly outbound: boolean;
  readonly createdMs: number;
  connected: boolean;
  localIp: string;
  peerIp: string;
}

/** A node refused by CLUSTER FORGET is not re-added from gossip for this long. */
const BLACKLIST_TTL_MS = 60_000;
/** A master starting up waits this long before declaring the cluster ok (CLUSTER_WRITABLE_DELAY). */
const WRITABLE_DELAY_MS = 2000;
/** After being in a minority a master waits node-timeout, clamped to this range, before ok. */
const REJOIN_DELAY_MIN_MS = 500;
const REJOIN_DELAY_MAX_MS = 5000;

export class ClusterState {
  readonly nodes = new Map<string, ClusterNode>();
  readonly slots = new SlotTable();
  myself: ClusterNode;
  currentEpoch = 0n;
  lastVoteEpoch = 0n;
  state: 'ok' | 'fail' = 'fail';
  private clusterSize = 1;
  readonly sent = new Map<number, number>();
  readonly received = new Map<number, number>();
  private readonly links = new Map<LinkId, Link>();
  private nextLinkId = 1;
  private readonly blacklist = new Map<string, number>();
  private effects: ClusterEffect[] = [];
  private ticks = 0;
  private readonly startedMs: number;
  /** Whether my own IP is known (announced, or learned from a MEET's socket). */
  private myIpKnown: boolean;
  /** When this master last found itself unable to reach a majority of masters. */
  private amongMinorityMs = 0;
  readonly failureDetector = new FailureDetector(this);
  readonly election = new Election(this);
  readonly manualFailover = new ManualFailover(this);

  constructor(
    readonly settings: ClusterSettings,
    readonly host: ClusterHost,
    readonly random: RandomSource,
    nowMs: number,
    myId?: string,
  ) {
    this.startedMs = nowMs;
    this.myself = new ClusterNode(myId ?? this.randomName(), NodeFlag.MYSELF | NodeFlag.MASTER, nowMs);
    this.nodes.set(this.myself.name, this.myself);
    this.myIpKnown = settings.announceIp !== '';
    this.refreshMyAddress();
  }

  // ---------------------------------------------------------------------------------------------
  // Effects

  /** Removes and returns the effects queued since the last call. */
  takeEffects(): ClusterEffect[] {
    const out = this.effects;
    this.effects = [];
    return out;
  }

  emit(event: ClusterEvent): void {
    this.effects.push({ kind: 'event', event });
  }

  pushEffect(effect: ClusterEffect): void {
    this.effects.push(effect);
  }

  saveConfig(): void {
    if (!this.effects.some((e) => e.kind === 'save-config')) this.effects.push({ kind: 'save-config' });
  }

  private send(link: Link, message: ClusterMessage): void {
    this.sent.set(message.header.type, (this.sent.get(message.header.type) ?? 0) + 1);
    this.effects.push({ kind: 'send', link: link.id, message });
  }

  /** Sends on my outbound link to a node; false when it is not connected. */
  sendToNode(node: ClusterNode, message: ClusterMessage): boolean {
    const link = node.link === null ? undefined : this.links.get(node.link);
    if (link === undefined || !link.connected) return false;
    this.send(link, message);
    return true;
  }

  /** Sends on a given link (a reply on the link a request came in on). */
  sendOnLink(id: LinkId, message: ClusterMessage): void {
    const link = this.links.get(id);
    if (link !== undefined && link.connected) this.send(link, message);
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  randomName(): string {
    let name = '';
    for (let i = 0; i < 40; i++) name += Math.floor(this.random.next() * 16).toString(16);
    return name;
  }

  /** Keeps myself's advertised address in step with the settings. */
  refreshMyAddress(): void {
    const s = this.settings;
    if (s.announceIp !== '') this.myself.ip = s.announceIp;
    this.myself.port = s.announcePort || s.port;
    this.myself.cport = s.announceBusPort || s.cport;
    this.myself.hostname = s.announceHostname;
  }

  /** The master whose slots and epoch I advertise: myself, or my master when I am a replica. */
  myMaster(): ClusterNode | null {
    if (this.myself.isMaster) return this.myself;
    return this.myself.slaveof === null ? null : (this.nodes.get(this.myself.slaveof) ?? null);
  }

  /** A node's configEpoch as CLUSTER NODES prints it: a replica shows its master's. */
  nodeEpoch(node: ClusterNode): bigint {
    if (node.isReplica && node.slaveof !== null) return this.nodes.get(node.slaveof)?.configEpoch ?? 0n;
    return node.configEpoch;
  }

  private addNode(node: ClusterNode): void {
    this.nodes.set(node.name, node);
  }

  private removeNode(node: ClusterNode): void {
    if (node === this.myself) return;
    this.failureDetector.forgetReporter(node.name);
    this.slots.unassignAll(node.name);
    for (const [slot, id] of this.slots.importing) if (id === node.name) this.slots.importing.delete(slot);
    for (const [slot, id] of this.slots.migrating) if (id === node.name) this.slots.migrating.delete(slot);
    for (const other of this.nodes.values()) if (other.slaveof === node.name) other.slaveof = null;
    this.closeNodeLinks(node);
    this.nodes.delete(node.name);
  }

  private closeNodeLinks(node: ClusterNode): void {
    for (const id of [node.link, node.inboundLink]) {
      if (id === null) continue;
      this.links.delete(id);
      this.effects.push({ kind: 'close', link: id });
    }
    node.link = null;
    node.inboundLink = null;
  }

  /** Loading nodes.conf: myself takes the id it had before the restart. */
  adoptIdentity(name: string): void {
    this.renameNode(this.myself, name);
  }

  /** Adds a node read from nodes.conf. */
  restoreNode(node: ClusterNode): void {
    this.addNode(node);
  }

  private renameNode(node: ClusterNode, name: string): void {
    this.nodes.delete(node.name);
    this.slots.rename(node.name, name);
    node.name = name;
    this.nodes.set(name, node);
  }

  /** Starts a handshake with ip:port unless one is already under way (CLUSTER MEET). */
  meet(ip: string, port: number, cport: number, nowMs: number): void {
    for (const node of this.nodes.values()) {
      if (node.inHandshake && node.ip === ip && node.port === port && node.cport === cport) return;
    }
    const node = new ClusterNode(this.randomName(), NodeFlag.HANDSHAKE | NodeFlag.MEET, nowMs);
    node.ip = ip;
    node.port = port;
    node.cport = cport;
    this.addNode(node);
    this.emit({ type: 'node-added', id: node.name, address: `${ip}:${port}`, via: 'meet' });
  }

  setMaster(node: ClusterNode): void {
    if (node.isMaster) return;
    // A former replica is a migration target (replica-migration.ts) like a master that had one.
    const migrateTo = node.slaveof !== null && node !== this.myself ? NodeFlag.MIGRATE_TO : 0;
    node.flags = (node.flags & ~NodeFlag.SLAVE) | NodeFlag.MASTER | migrateTo;
    node.slaveof = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Links (reported by the adapter)

  /** An inbound connection was accepted; returns the link id to use for it. */
  inboundAccepted(peerIp: string, localIp: string, nowMs: number): LinkId {
    const link: Link = { id: this.nextLinkId++, node: null, outbound: false, createdMs: nowMs, connected: true, localIp, peerIp };
    this.links.set(link.id, link);
    return link.id;
  }

  /** An outbound connection completed: greet the node with MEET or PING. */
  outboundConnected(id: LinkId, localIp: string, nowMs: number): void {
    const link = this.links.get(id);
    if (link === undefined || link.node === null) return;
    link.connected = true;
    link.localIp = localIp;
    const node = link.node;
    const pending = node.pingSentMs;
    this.sendPing(link, node.has(NodeFlag.MEET) ? MessageType.MEET : MessageType.PING, nowMs);
    // The ping timer keeps measuring from the first unanswered ping, not this one.
    if (pending !== 0) node.pingSentMs = pending;
    node.flags &= ~NodeFlag.MEET;
  }

  linkClosed(id: LinkId): void {
    const link = this.links.get(id);
    if (link === undefined) return;
    this.links.delete(id);
    const node = link.node;
    if (node === null) return;
    if (node.link === id) node.link = null;
    if (node.inboundLink === id) node.inboundLink = null;
  }

  private connect(node: ClusterNode, nowMs: number): void {
    const link: Link = { id: this.nextLinkId++, node, outbound: true, createdMs: nowMs, connected: false, localIp: '', peerIp: node.ip };
    this.links.set(link.id, link);
    node.link = link.id;
    // The greeting ping goes out when the connect completes; a node that cannot even be
    // connected to must still time out, so its clock starts now. Redis starts it here only when
    // connect() fails synchronously (a refused loopback connect does not), so after a peer dies
    // hashslot reaches PFAIL up to node-timeout/2 sooner than Redis (bench/failover.ts).
    if (node.pingSentMs === 0 && !node.inHandshake) node.pingSentMs = nowMs;
    this.effects.push({ kind: 'connect', link: link.id, ip: node.ip, port: node.cport });
  }

  // ---------------------------------------------------------------------------------------------
  // Cron

  /** The 100 ms cron: handshake timeouts, reconnects, pings, cluster state. */
  tick(nowMs: number): void {
    this.ticks++;
    const timeout = this.settings.nodeTimeoutMs;
    const handshakeTimeout = Math.max(timeout, 1000);
    for (const [name, until] of this.blacklist) if (until <= nowMs) this.blacklist.delete(name);

    for (const node of [...this.nodes.values()]) {
      if (node === this.myself || node.has(NodeFlag.NOADDR)) continue;
      if (node.inHandshake && nowMs - node.createdMs > handshakeTimeout) {
        this.emit({ type: 'handshake-timeout', id: node.name, address: `${node.ip}:${node.port}` });
        this.removeNode(node);
        continue;
      }
      if (node.link === null) this.connect(node, nowMs);
    }

    // Every 10th tick, ping the node we heard from least recently among a few random ones.
    if (this.ticks % 10 === 0) {
      const candidates = [...this.nodes.values()].filter(
        (n) => n !== this.myself && n.link !== null && n.pingSentMs === 0 && !n.inHandshake && !n.has(NodeFlag.NOADDR),
      );
      let oldest: ClusterNode | null = null;
      for (let i = 0; i < 5 && candidates.length > 0; i++) {
        const pick = candidates.splice(Math.floor(this.random.next() * candidates.length), 1)[0] as ClusterNode;
        if (oldest === null || pick.pongReceivedMs < oldest.pongReceivedMs) oldest = pick;
      }
      if (oldest !== null) this.pingNode(oldest, nowMs);
    }

    for (const node of this.nodes.values()) {
      if (node === this.myself || node.inHandshake || node.link === null) continue;
      const link = this.links.get(node.link);
      if (link === undefined || !link.connected) continue;
      // Recycle a link that has been silent too long: the reconnect may find a live node.
      const silentMs = nowMs - Math.max(node.pongReceivedMs, node.dataReceivedMs);
      if (nowMs - link.createdMs > timeout && node.pingSentMs !== 0 && nowMs - node.pingSentMs > timeout / 2 && silentMs > timeout / 2) {
        this.linkClosedByMe(link);
        continue;
      }
      if (node.pingSentMs === 0 && nowMs - node.pongReceivedMs > timeout / 2) this.pingNode(node, nowMs);
    }
    this.failureDetector.cron(nowMs);
    this.updateMyselfFlags();
    this.manualFailover.cron(nowMs);
    if (this.myself.isReplica) {
      this.handleFailover(nowMs);
      migrateReplicaIfNeeded(this, nowMs);
    }
    this.updateState(nowMs);
  }

  /** cluster-replica-no-failover is advertised as the nofailover flag. */
  private updateMyselfFlags(): void {
    const flags = this.settings.replicaNoFailover ? this.myself.flags | NodeFlag.NOFAILOVER : this.myself.flags & ~NodeFlag.NOFAILOVER;
    if (flags === this.myself.flags) return;
    this.myself.flags = flags;
    this.saveConfig();
  }

  /** The replica's failover step: an election when my master failed or a manual failover may start. */
  private handleFailover(nowMs: number): void {
    const mf = this.manualFailover;
    this.election.cron(nowMs, mf.inProgress && mf.canStart, mf.inProgress);
  }

  private linkClosedByMe(link: Link): void {
    this.linkClosed(link.id);
    this.effects.push({ kind: 'close', link: link.id });
  }

  pingNode(node: ClusterNode, nowMs: number): void {
    const link = node.link === null ? undefined : this.links.get(node.link);
    if (link !== undefined && link.connected) this.sendPing(link, MessageType.PING, nowMs);
  }

  /** Cluster state rules of Redis (clusterUpdateState): coverage, reachable majority, delay. */
  updateState(nowMs: number): void {
    // A master that just started waits before judging, so it can learn a newer config first
    // (until then even cluster_size keeps its initial value, as in Redis).
    if (this.myself.isMaster && this.state === 'fail' && nowMs - this.startedMs < WRITABLE_DELAY_MS) return;
    let ok = true;
    if (this.settings.requireFullCoverage) {
      for (let slot = 0; slot < SLOT_COUNT; slot++) {
        const owner = this.slots.owner(slot);
        if (owner === null || this.nodes.get(owner)?.has(NodeFlag.FAIL) === true) {
          ok = false;
          break;
        }
      }
    }
    let size = 0;
    let reachable = 0;
    for (const node of this.nodes.values()) {
      if (!node.isMaster || this.slots.count(node.name) === 0) continue;
      size++;
      if (!node.failing) reachable++;
    }
    this.clusterSize = size;
    if (reachable < Math.floor(size / 2) + 1) {
      // In a minority partition: refuse service, the majority side may be failing me over.
      ok = false;
      this.amongMinorityMs = nowMs;
    }
    const next = ok ? 'ok' : 'fail';
    if (next === this.state) return;
    // Back from a minority: give the majority time to tell me that my slots moved meanwhile.
    const rejoinDelayMs = Math.min(Math.max(this.settings.nodeTimeoutMs, REJOIN_DELAY_MIN_MS), REJOIN_DELAY_MAX_MS);
    if (next === 'ok' && this.myself.isMaster && nowMs - this.amongMinorityMs < rejoinDelayMs) return;
    this.state = next;
    this.emit({ type: 'state-changed', state: next });
  }

  /** Masters with at least one slot, as of the last state update (CLUSTER INFO's cluster_size). */
  get size(): number {
    return this.clusterSize;
  }

  // ---------------------------------------------------------------------------------------------
  // Outgoing messages

  header(type: number): MessageHeader {
    const master = this.myMaster();
    const s = this.settings;
    return {
      type,
      port: s.announcePort || s.port,
      currentEpoch: this.currentEpoch,
      configEpoch: master?.configEpoch ?? 0n,
      offset: this.host.replicationOffset(),
      sender: this.myself.name,
      myslots: this.slots.bitmapOf(master?.name ?? null),
      slaveof: this.myself.isReplica ? this.myself.slaveof : null,
      myip: s.announceIp,
      pport: 0,
      cport: s.announceBusPort || s.cport,
      flags: this.myself.flags,
      state: this.state === 'ok' ? 0 : 1,
      // A master in a manual failover tells its replica that its offset is frozen.
      mflags: this.myself.isMaster && this.manualFailover.inProgress ? MessageFlag.PAUSED : 0,
    };
  }

  /** PING, PONG or MEET with a gossip section about a few random nodes plus every PFAIL node. */
  private sendPing(link: Link, type: 0 | 1 | 2, nowMs: number): void {
    const gossip = selectGossip([...this.nodes.values()], this.myself, this.random, (name) => this.slots.count(name));
    const extensions: PingExtension[] = [];
    if (this.settings.announceHostname !== '') extensions.push({ type: 0, hostname: this.settings.announceHostname });
    const header = this.header(type) as MessageHeader & { type: 0 | 1 | 2 };
    if (extensions.length > 0) header.mflags |= MessageFlag.EXT_DATA;
    if (link.node !== null && type === MessageType.PING) link.node.pingSentMs = nowMs;
    this.send(link, { header, gossip, extensions } satisfies PingMessage);
  }

  /** Sends a message to every connected, non-handshake node. */
  broadcast(build: () => ClusterMessage): void {
    for (const node of this.nodes.values()) {
      if (node === this.myself || node.inHandshake || node.link === null) continue;
      const link = this.links.get(node.link);
      if (link !== undefined && link.connected) this.send(link, build());
    }
  }

  /**
   * A client's PUBLISH goes to every node (each delivers it to its own subscribers); an
   * SPUBLISH (PUBLISHSHARD) only to the other nodes of my shard, my master and its replicas,
   * the only ones whose clients may subscribe to a channel of my slots.
   */
  publish(channel: string, message: string, shard: boolean): void {
    const type = shard ? MessageType.PUBLISHSHARD : MessageType.PUBLISH;
    const build = (): PublishMessage => ({ header: this.header(type) as MessageHeader & { type: 4 | 10 }, channel, message });
    if (!shard) {
      this.broadcast(build);
      return;
    }
    const master = this.myMaster();
    if (master === null) return;
    for (const node of this.nodes.values()) {
      if (node === this.myself || node.inHandshake) continue;
      if (node === master || node.slaveof === master.name) this.sendToNode(node, build());
    }
  }

  /** PONG to every connected node (or to those `only` accepts): news without waiting for pings. */
  broadcastPong(nowMs: number, only?: (node: ClusterNode) => boolean): void {
    for (const node of this.nodes.values()) {
      if (node === this.myself || node.inHandshake || node.link === null) continue;
      if (only !== undefined && !only(node)) continue;
      const link = this.links.get(node.link);
      if (link !== undefined && link.connected) this.sendPing(link, MessageType.PONG, nowMs);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Incoming messages

  receive(linkId: LinkId, msg: ClusterMessage, nowMs: number): void {
    const link = this.links.get(linkId);
    if (link === undefined) return;
    const hdr = msg.header;
    this.received.set(hdr.type, (this.received.get(hdr.type) ?? 0) + 1);
    let sender = link.node !== null && !link.node.inHandshake ? link.node : (this.nodes.get(hdr.sender) ?? null);
    if (sender?.inHandshake === true) sender = null;
    if (sender !== null && !link.outbound && link.node === null) {
      // First message identifying an inbound link's peer.
      link.node = sender;
      sender.inboundLink = link.id;
    }
    if (sender !== null) {
      sender.dataReceivedMs = nowMs;
      if (hdr.currentEpoch > this.currentEpoch) this.currentEpoch = hdr.currentEpoch;
      if (hdr.configEpoch > sender.configEpoch) {
        sender.configEpoch = hdr.configEpoch;
        this.saveConfig();
      }
      sender.replOffset = hdr.offset;
    }
    if (link.node !== null) link.node.dataReceivedMs = nowMs;

    const type = hdr.type;
    if (type === MessageType.PING || type === MessageType.PONG || type === MessageType.MEET) {
      this.receivePing(link, msg as PingMessage, sender, nowMs);
    } else if (type === MessageType.FAIL && 'nodename' in msg && sender !== null) {
      this.failureDetector.failMessage(sender, msg.nodename, nowMs);
    } else if (type === MessageType.FAILOVER_AUTH_REQUEST && sender !== null) {
      this.election.requestReceived(sender, link.id, hdr, nowMs);
    } else if (type === MessageType.FAILOVER_AUTH_ACK && sender !== null) {
      if (this.election.ackReceived(sender, hdr) && this.myself.isReplica) this.handleFailover(nowMs);
    } else if (type === MessageType.MFSTART && sender !== null) {
      this.manualFailover.mfstartReceived(sender, nowMs);
    } else if ((type === MessageType.PUBLISH || type === MessageType.PUBLISHSHARD) && 'channel' in msg && sender !== null) {
      this.effects.push({ kind: 'publish', channel: msg.channel, message: msg.message, shard: type === MessageType.PUBLISHSHARD });
    } else if (type === MessageType.UPDATE && 'slots' in msg && sender !== null) {
      const node = this.nodes.get(msg.nodename);
      if (node === undefined || node.configEpoch >= msg.configEpoch) return;
      if (node.isReplica) this.setMaster(node);
      node.configEpoch = msg.configEpoch;
      this.applySlotClaim(node, msg.configEpoch, msg.slots, nowMs);
      this.saveConfig();
    }
  }

  private receivePing(link: Link, msg: PingMessage, sender: ClusterNode | null, nowMs: number): void {
    const hdr = msg.header;
    const type = hdr.type;
    if (type !== MessageType.PONG && this.settings.announceIp === '' && (type === MessageType.MEET || !this.myIpKnown)) {
      // Learn my own address from the socket the peer reached me on.
      if (link.localIp !== '' && this.myself.ip !== link.localIp) {
        this.myself.ip = link.localIp;
        this.saveConfig();
      }
      this.myIpKnown = link.localIp !== '';
    }
    if (sender === null && type === MessageType.MEET) {
      const node = new ClusterNode(this.randomName(), NodeFlag.HANDSHAKE, nowMs);
      node.ip = hdr.myip !== '' ? hdr.myip : link.peerIp;
      node.port = hdr.port;
      node.cport = hdr.cport;
      node.pport = hdr.pport;
      this.addNode(node);
      this.emit({ type: 'node-added', id: node.name, address: `${node.ip}:${node.port}`, via: 'handshake' });
      this.processGossip(msg, null, nowMs);
    }
    if (type === MessageType.PING || type === MessageType.MEET) this.sendPing(link, MessageType.PONG, nowMs);

    if (link.outbound && link.node !== null) {
      const node = link.node;
      if (node.inHandshake) {
        const existing = this.nodes.get(hdr.sender);
        if (existing !== undefined) {
          // We met a node we already know under another address: keep the known one.
          this.updateAddress(existing, link.peerIp, hdr);
          this.emit({ type: 'node-renamed-duplicate', id: hdr.sender });
          this.removeNode(node);
          return;
        }
        this.renameNode(node, hdr.sender);
        node.flags &= ~NodeFlag.HANDSHAKE;
        node.flags |= hdr.flags & (NodeFlag.MASTER | NodeFlag.SLAVE);
        this.emit({ type: 'handshake-done', id: node.name, address: `${node.ip}:${node.port}` });
        this.saveConfig();
        sender = node;
      } else if (node.name !== hdr.sender) {
        // The address now answers with another id: this node moved away.
        node.flags |= NodeFlag.NOADDR;
        node.ip = '';
        node.port = 0;
        node.cport = 0;
        this.linkClosedByMe(link);
        this.saveConfig();
        return;
      }
    }
    if (sender === null) return;

    sender.flags = (sender.flags & ~NodeFlag.NOFAILOVER) | (hdr.flags & NodeFlag.NOFAILOVER);
    if (!link.outbound && type === MessageType.PING) this.updateAddress(sender, link.peerIp, hdr);
    if (link.outbound && type === MessageType.PONG && link.node === sender) {
      sender.pongReceivedMs = nowMs;
      sender.pingSentMs = 0;
      this.failureDetector.answered(sender, nowMs);
    }
    if (type !== MessageType.MEET) this.manualFailover.pingReceived(sender, hdr);

    // Role.
    if (hdr.slaveof === null) {
      if (sender.isReplica) {
        this.setMaster(sender);
        this.saveConfig();
      }
    } else {
      if (sender.isMaster) {
        this.slots.unassignAll(sender.name);
        sender.flags = (sender.flags & ~(NodeFlag.MASTER | NodeFlag.MIGRATE_TO)) | NodeFlag.SLAVE;
        this.saveConfig();
      }
      const master = this.nodes.get(hdr.slaveof);
      if (master !== undefined && sender.slaveof !== hdr.slaveof) {
        sender.slaveof = hdr.slaveof;
        // A master that has had a replica is worth a migrated one when it loses them.
        master.flags |= NodeFlag.MIGRATE_TO;
        this.saveConfig();
      }
    }

    // Slots: a master's claim is applied; a stale claim gets an UPDATE about the real owner.
    const senderMaster = sender.isMaster ? sender : sender.slaveof === null ? null : (this.nodes.get(sender.slaveof) ?? null);
    if (senderMaster !== null) {
      const dirty = !this.slots.sameAs(senderMaster.name, hdr.myslots);
      if (sender.isMaster && dirty) this.applySlotClaim(sender, hdr.configEpoch, hdr.myslots, nowMs);
      if (dirty) this.answerStaleClaim(link, sender, hdr);
    }
    if (sender.isMaster && this.myself.isMaster && sender.configEpoch === this.myself.configEpoch) {
      this.handleEpochCollision(sender);
    }
    this.processGossip(msg, sender, nowMs);
    const hostname = msg.extensions.find((e): e is { type: 0; hostname: string } => e.type === 0 && 'hostname' in e);
    const newHostname = hostname?.hostname ?? '';
    if (sender.hostname !== newHostname) {
      sender.hostname = newHostname;
      this.saveConfig();
    }
  }

  private updateAddress(node: ClusterNode, peerIp: string, hdr: MessageHeader): void {
    const ip = hdr.myip !== '' ? hdr.myip : peerIp;
    if (node === this.myself || ip === '') return;
    if (node.ip === ip && node.port === hdr.port && node.cport === hdr.cport) return;
    node.ip = ip;
    node.port = hdr.port;
    node.cport = hdr.cport;
    node.pport = hdr.pport;
    node.flags &= ~NodeFlag.NOADDR;
    if (node.link !== null) {
      const link = this.links.get(node.link);
      if (link !== undefined) this.linkClosedByMe(link);
    }
    this.saveConfig();
  }

  /** If the sender claims a slot whose owner has a newer configEpoch, tell it (first one only). */
  private answerStaleClaim(link: Link, sender: ClusterNode, hdr: MessageHeader): void {
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (!slotBitmapHas(hdr.myslots, slot)) continue;
      const ownerName = this.slots.owner(slot);
      if (ownerName === null || ownerName === sender.name) continue;
      const owner = this.nodes.get(ownerName);
      if (owner === undefined || owner.configEpoch <= hdr.configEpoch) continue;
      this.send(link, {
        header: this.header(MessageType.UPDATE) as MessageHeader & { type: 7 },
        configEpoch: owner.configEpoch,
        nodename: owner.name,
        slots: this.slots.bitmapOf(owner.name),
      });
      return;
    }
  }

  /**
   * Applies a master's slot claim (clusterUpdateSlotsConfigWith): each claimed slot it does not
   * already own is taken over when unassigned or owned with an older configEpoch. Then, as Redis
   * does, at most one of: follow the sender when my master (or I) lost every slot to it; climb
   * to my grandmaster when my master became a replica; drop the keys of the slots I lost.
   */
  private applySlotClaim(sender: ClusterNode, epoch: bigint, claimed: Uint8Array, nowMs: number): void {
    if (sender === this.myself) return;
    const myMaster = this.myMaster();
    let claimedCount = 0;
    let lostToSender = 0;
    let taken = 0;
    const lostSlotsWithKeys: number[] = [];
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (!slotBitmapHas(claimed, slot)) continue;
      claimedCount++;
      const ownerName = this.slots.owner(slot);
      if (ownerName === sender.name || this.slots.importing.has(slot)) continue;
      const owner = ownerName === null ? null : (this.nodes.get(ownerName) ?? null);
      if (owner !== null && owner.configEpoch >= epoch) continue;
      if (owner === this.myself && this.host.keysInSlot(slot) > 0) lostSlotsWithKeys.push(slot);
      if (owner !== null && owner === myMaster) lostToSender++;
      this.slots.assign(slot, sender.name);
      taken++;
    }
    if (taken > 0) {
      this.emit({ type: 'slots-claimed', id: sender.name, epoch, slots: taken });
      this.saveConfig();
      // As Redis does before its next sleep: a failed-over slot range is served again at once,
      // not at the next cron tick.
      this.updateState(nowMs);
    }
    const grandmaster = this.myGrandmaster();
    if (
      myMaster !== null &&
      lostToSender > 0 &&
      this.slots.count(myMaster.name) === 0 &&
      // Without replica migration a master follows only a node that took exactly its slots: a
      // promoted replica, not a master that also serves others.
      (this.settings.allowReplicaMigration || claimedCount === lostToSender)
    ) {
      this.becomeReplicaOf(sender);
    } else if (grandmaster !== null) {
      // My master turned replica when its last slot went away and nobody's claim moved me along.
      this.becomeReplicaOf(grandmaster);
    } else {
      for (const slot of lostSlotsWithKeys) this.effects.push({ kind: 'delete-slot-keys', slot });
    }
  }

  /** My master's master when my master is itself a replica (and not of me). */
  private myGrandmaster(): ClusterNode | null {
    if (!this.myself.isReplica || this.myself.slaveof === null) return null;
    const master = this.nodes.get(this.myself.slaveof);
    if (master === undefined || !master.isReplica || master.slaveof === null || master.slaveof === this.myself.name) return null;
    return this.nodes.get(master.slaveof) ?? null;
  }

  /** configEpoch collision: of two masters with equal epochs, the smaller id takes a new one. */
  private handleEpochCollision(sender: ClusterNode): void {
    if (sender.name <= this.myself.name) return;
    this.currentEpoch++;
    this.myself.configEpoch = this.currentEpoch;
    this.emit({ type: 'epoch-bumped', epoch: this.currentEpoch, reason: 'collision' });
    this.saveConfig();
  }

  private processGossip(msg: PingMessage, sender: ClusterNode | null, nowMs: number): void {
    for (const entry of msg.gossip) {
      const node = this.nodes.get(entry.nodename);
      if (node !== undefined) {
        if (node === this.myself) continue;
        if (sender !== null) this.failureDetector.gossip(node, sender, entry.flags, nowMs);
        const healthy = (entry.flags & (NodeFlag.PFAIL | NodeFlag.FAIL)) === 0;
        if (healthy && node.pingSentMs === 0 && node.failReports.size === 0) {
          const pong = entry.pongReceived * 1000;
          if (pong <= nowMs + 500 && pong > node.pongReceivedMs) node.pongReceivedMs = pong;
        }
        if (healthy && node.failing && (node.ip !== entry.ip || node.port !== entry.port || node.cport !== entry.cport)) {
          node.ip = entry.ip;
          node.port = entry.port;
          node.cport = entry.cport;
          if (node.link !== null) {
            const link = this.links.get(node.link);
            if (link !== undefined) this.linkClosedByMe(link);
          }
        }
        continue;
      }
      // Unknown nodes are learned only from known senders (a MEET's gossip refreshes, not adds).
      if (sender === null) continue;
      if ((entry.flags & NodeFlag.NOADDR) !== 0 || this.blacklist.has(entry.nodename)) continue;
      if (entry.ip === '' || entry.port === 0) continue;
      const flags = entry.flags & ~(NodeFlag.MYSELF | NodeFlag.HANDSHAKE | NodeFlag.MEET);
      const added = new ClusterNode(entry.nodename, flags, nowMs);
      added.ip = entry.ip;
      added.port = entry.port;
      added.cport = entry.cport;
      added.pport = entry.pport;
      this.addNode(added);
      this.emit({ type: 'node-added', id: added.name, address: `${added.ip}:${added.port}`, via: 'gossip' });
      this.saveConfig();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Admin operations (CLUSTER subcommands); they validate in the command layer

  becomeReplicaOf(master: ClusterNode): void {
    if (this.myself.isMaster) {
      this.slots.unassignAll(this.myself.name);
      this.slots.importing.clear();
      this.slots.migrating.clear();
      this.myself.flags = (this.myself.flags & ~(NodeFlag.MASTER | NodeFlag.MIGRATE_TO)) | NodeFlag.SLAVE;
    }
    this.myself.slaveof = master.name;
    master.flags |= NodeFlag.MIGRATE_TO;
    this.manualFailover.reset();
    this.emit({ type: 'role-changed', role: 'replica', master: master.name });
    this.saveConfig();
  }

  forget(node: ClusterNode, nowMs: number): void {
    this.blacklist.set(node.name, nowMs + BLACKLIST_TTL_MS);
    this.removeNode(node);
    this.emit({ type: 'node-forgotten', id: node.name });
    this.saveConfig();
  }

  /** CLUSTER BUMPEPOCH: a new configEpoch unless mine is already the unique maximum. */
  bumpEpoch(): boolean {
    return this.bumpConfigEpochWithoutConsensus('bumpepoch');
  }

  /** A new configEpoch without an election, unless mine is already the maximum (BUMPEPOCH, TAKEOVER). */
  bumpConfigEpochWithoutConsensus(reason: 'bumpepoch' | 'takeover'): boolean {
    let maxEpoch = 0n;
    for (const node of this.nodes.values()) if (node.configEpoch > maxEpoch) maxEpoch = node.configEpoch;
    if (this.currentEpoch > maxEpoch) maxEpoch = this.currentEpoch;
    if (this.myself.configEpoch !== 0n && this.myself.configEpoch === maxEpoch) return false;
    this.currentEpoch++;
    this.myself.configEpoch = this.currentEpoch;
    this.emit({ type: 'epoch-bumped', epoch: this.currentEpoch, reason });
    this.saveConfig();
    return true;
  }

  setConfigEpoch(epoch: bigint): void {
    this.myself.configEpoch = epoch;
    if (this.currentEpoch < epoch) this.currentEpoch = epoch;
    this.emit({ type: 'epoch-bumped', epoch, reason: 'set-config-epoch' });
    this.saveConfig();
  }

  /** Slot changes made by CLUSTER ADDSLOTS / DELSLOTS / SETSLOT: save and re-evaluate. */
  slotsChanged(nowMs: number): void {
    this.saveConfig();
    this.updateState(nowMs);
  }

  /** CLUSTER RESET: forget every other node; HARD also takes a new id and zeroes epochs. */
  reset(hard: boolean, nowMs: number): void {
    for (const node of [...this.nodes.values()]) if (node !== this.myself) this.removeNode(node);
    this.slots.clear();
    if (this.myself.isReplica) {
      this.myself.flags = (this.myself.flags & ~NodeFlag.SLAVE) | NodeFlag.MASTER;
      this.myself.slaveof = null;
    }
    if (hard) {
      this.currentEpoch = 0n;
      this.lastVoteEpoch = 0n;
      this.myself.configEpoch = 0n;
      this.renameNode(this.myself, this.randomName());
    }
    this.saveConfig();
    this.updateState(nowMs);
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
    const out: Array<{ id: LinkId; outbound: boolean; node: string; createdMs: number }> = [];
    for (const link of this.links.values()) {
      if (link.node !== null) out.push({ id: link.id, outbound: link.outbound, node: link.node.name, createdMs: link.createdMs });
    }
    return out;
  }
}

