/**
 * Handshake and gossip: how nodes find each other and keep their links alive (Redis Cluster
 * spec, "Heartbeat and gossip messages", "Nodes handshake"; redis-wire.md §1.9-1.10).
 *
 * How two nodes meet:
 *
 *   A: CLUSTER MEET B ──▶ handshake node h (random id, HANDSHAKE|MEET)
 *   A ─connect─▶ B, MEET ───────▶ B: unknown sender + MEET: adds handshake node for A, replies
 *   A ◀─────────────── PONG (sender = B's id)      A renames h to B's id: A knows B
 *   B ─connect─▶ A, PING ───────▶ A: replies PONG; B renames its node for A: both know each other
 *
 * A handshake that has not completed within max(node-timeout, 1 s) is dropped. Only a MEET
 * makes a stranger known: a PING from an unknown node is answered but adds nothing, so a node
 * that was forgotten cannot force its way back in.
 *
 * After that, every PING/PONG carries gossip about a few other nodes (gossip.ts). A node learns
 * the members it was never introduced to from gossip, but only from senders it already knows.
 * Gossip also refreshes what it knows of others: a recent pong time heard second-hand, the
 * address of a FAIL node that came back elsewhere, and the failure reports failure detection
 * counts. A node also learns its own IP from the socket a MEET reached it on, unless announced.
 *
 * The cron keeps the mesh: it connects every node that has no outbound link, pings a few random
 * nodes each second (the one heard from least recently of five), pings every node not heard for
 * half the node-timeout, and recycles a link that stayed silent that long after a ping.
 */
import { ClusterNode } from './cluster-node';
import type { Link } from './links';
import { type MessageHeader, MessageType, NodeFlag, type PingMessage } from './messages';
import type { MachineParts } from './parts';

export type HandshakeParts = Pick<MachineParts, 'settings' | 'random' | 'table' | 'links' | 'messenger' | 'epochs' | 'claims' | 'outbox'> & {
  /** Failure detection hears of a PONG on my link, and of each gossip entry from a known node. */
  answered(node: ClusterNode, nowMs: number): void;
  gossipAbout(node: ClusterNode, sender: ClusterNode, flags: number, nowMs: number): void;
  /** Manual failover hears every ping from my master (PAUSED and the offset). */
  pingFrom(sender: ClusterNode, hdr: MessageHeader): void;
};

export class Handshake {
  private ticks = 0;
  /** Whether my own IP is known (announced, or learned from a MEET's socket). */
  private myIpKnown: boolean;

  constructor(private readonly p: HandshakeParts) {
    this.myIpKnown = p.settings.announceIp !== '';
  }

  /** Starts a handshake with ip:port unless one is already under way (CLUSTER MEET). */
  meet(ip: string, port: number, cport: number, nowMs: number): void {
    const { table } = this.p;
    for (const node of table.nodes.values()) {
      if (node.inHandshake && node.ip === ip && node.port === port && node.cport === cport) return;
    }
    const node = new ClusterNode(table.randomName(), NodeFlag.HANDSHAKE | NodeFlag.MEET, nowMs);
    node.ip = ip;
    node.port = port;
    node.cport = cport;
    table.add(node);
    this.p.outbox.emit({ type: 'node-added', id: node.name, address: `${ip}:${port}`, via: 'meet' });
  }

  /** An outbound connection completed: greet the node with MEET or PING. */
  greet(link: Link, nowMs: number): void {
    const node = link.node;
    if (node === null) return;
    const pending = node.pingSentMs;
    this.p.messenger.sendPing(link, node.has(NodeFlag.MEET) ? MessageType.MEET : MessageType.PING, nowMs);
    // The ping timer keeps measuring from the first unanswered ping, not this one.
    if (pending !== 0) node.pingSentMs = pending;
    node.flags &= ~NodeFlag.MEET;
  }

  /** The link and ping part of the cron (see the module comment). */
  cron(nowMs: number): void {
    const { table, links, messenger, settings } = this.p;
    this.ticks++;
    const timeout = settings.nodeTimeoutMs;
    const handshakeTimeout = Math.max(timeout, 1000);

    for (const node of [...table.nodes.values()]) {
      if (node === table.myself || node.has(NodeFlag.NOADDR)) continue;
      if (node.inHandshake && nowMs - node.createdMs > handshakeTimeout) {
        this.p.outbox.emit({ type: 'handshake-timeout', id: node.name, address: `${node.ip}:${node.port}` });
        table.remove(node);
        continue;
      }
      if (node.link === null) links.connect(node, nowMs);
    }

    // Every 10th tick, ping the node we heard from least recently among a few random ones.
    if (this.ticks % 10 === 0) {
      const candidates = [...table.nodes.values()].filter(
        (n) => n !== table.myself && n.link !== null && n.pingSentMs === 0 && !n.inHandshake && !n.has(NodeFlag.NOADDR),
      );
      let oldest: ClusterNode | null = null;
      for (let i = 0; i < 5 && candidates.length > 0; i++) {
        const pick = candidates.splice(Math.floor(this.p.random.next() * candidates.length), 1)[0] as ClusterNode;
        if (oldest === null || pick.pongReceivedMs < oldest.pongReceivedMs) oldest = pick;
      }
      if (oldest !== null) messenger.pingNode(oldest, nowMs);
    }

    for (const node of table.peers()) {
      const link = links.connectedTo(node);
      if (link === undefined) continue;
      // Recycle a link that has been silent too long: the reconnect may find a live node.
      const silentMs = nowMs - Math.max(node.pongReceivedMs, node.dataReceivedMs);
      if (nowMs - link.createdMs > timeout && node.pingSentMs !== 0 && nowMs - node.pingSentMs > timeout / 2 && silentMs > timeout / 2) {
        links.closeByMe(link);
        continue;
      }
      if (node.pingSentMs === 0 && nowMs - node.pongReceivedMs > timeout / 2) messenger.pingNode(node, nowMs);
    }
  }

  /** A PING, PONG or MEET; `sender` is the known node it came from, if any. */
  pingReceived(link: Link, msg: PingMessage, known: ClusterNode | null, nowMs: number): void {
    const { table, settings, outbox, messenger } = this.p;
    const hdr = msg.header;
    const type = msg.type;
    let sender = known;
    const myIpKnown = this.myIpKnown && table.myself.ip !== '';
    if (type !== MessageType.PONG && settings.announceIp === '' && (type === MessageType.MEET || !myIpKnown)) {
      // Learn my own address from the socket the peer reached me on.
      if (link.localIp !== '' && table.myself.ip !== link.localIp) {
        table.myself.ip = link.localIp;
        outbox.saveConfig();
      }
      this.myIpKnown = link.localIp !== '';
    }
    if (sender === null && type === MessageType.MEET) {
      const node = new ClusterNode(table.randomName(), NodeFlag.HANDSHAKE, nowMs);
      node.ip = hdr.myip !== '' ? hdr.myip : link.peerIp;
      node.port = hdr.port;
      node.cport = hdr.cport;
      node.pport = hdr.pport;
      table.add(node);
      outbox.emit({ type: 'node-added', id: node.name, address: `${node.ip}:${node.port}`, via: 'handshake' });
      this.processGossip(msg, null, nowMs);
    }
    if (type === MessageType.PING || type === MessageType.MEET) messenger.sendPing(link, MessageType.PONG, nowMs);

    if (link.outbound && link.node !== null) {
      const node = link.node;
      if (node.inHandshake) {
        const existing = table.get(hdr.sender);
        if (existing !== undefined) {
          // We met a node we already know under another address: keep the known one.
          this.updateAddress(existing, link.peerIp, hdr);
          outbox.emit({ type: 'node-renamed-duplicate', id: hdr.sender });
          table.remove(node);
          return;
        }
        table.rename(node, hdr.sender);
        node.flags &= ~NodeFlag.HANDSHAKE;
        node.flags |= hdr.flags & (NodeFlag.MASTER | NodeFlag.SLAVE);
        outbox.emit({ type: 'handshake-done', id: node.name, address: `${node.ip}:${node.port}` });
        outbox.saveConfig();
        sender = node;
      } else if (node.name !== hdr.sender) {
        // The address now answers with another id: this node moved away.
        node.flags |= NodeFlag.NOADDR;
        node.ip = '';
        node.port = 0;
        node.cport = 0;
        this.p.links.closeByMe(link);
        outbox.saveConfig();
        return;
      }
    }
    if (sender === null) return;

    sender.flags = (sender.flags & ~NodeFlag.NOFAILOVER) | (hdr.flags & NodeFlag.NOFAILOVER);
    if (!link.outbound && type === MessageType.PING) this.updateAddress(sender, link.peerIp, hdr);
    if (link.outbound && type === MessageType.PONG && link.node === sender) {
      sender.pongReceivedMs = nowMs;
      sender.pingSentMs = 0;
      this.p.answered(sender, nowMs);
    }
    if (type !== MessageType.MEET) this.p.pingFrom(sender, hdr);

    this.p.claims.roleFromHeader(sender, hdr);
    this.p.claims.claimFromHeader(link, sender, hdr, nowMs);
    if (sender.isMaster && table.myself.isMaster && sender.configEpoch === table.myself.configEpoch) {
      this.p.epochs.handleCollision(sender);
    }
    this.processGossip(msg, sender, nowMs);
    let newHostname = '';
    for (const ext of msg.extensions) {
      if (ext.type === 0) {
        newHostname = ext.hostname;
        break;
      }
    }
    if (sender.hostname !== newHostname) {
      sender.hostname = newHostname;
      outbox.saveConfig();
    }
  }

  private updateAddress(node: ClusterNode, peerIp: string, hdr: MessageHeader): void {
    const ip = hdr.myip !== '' ? hdr.myip : peerIp;
    if (node === this.p.table.myself || ip === '') return;
    if (node.ip === ip && node.port === hdr.port && node.cport === hdr.cport) return;
    node.ip = ip;
    node.port = hdr.port;
    node.cport = hdr.cport;
    node.pport = hdr.pport;
    node.flags &= ~NodeFlag.NOADDR;
    this.p.links.closeOutbound(node);
    this.p.outbox.saveConfig();
  }

  private processGossip(msg: PingMessage, sender: ClusterNode | null, nowMs: number): void {
    const { table, outbox } = this.p;
    for (const entry of msg.gossip) {
      const node = table.get(entry.nodename);
      if (node !== undefined) {
        // Myself too: a peer's word on when it last heard from me is my own pong time in CLUSTER
        // NODES (the last time I learnt of myself through gossip), as in Redis.
        if (sender !== null) this.p.gossipAbout(node, sender, entry.flags, nowMs);
        const healthy = (entry.flags & (NodeFlag.PFAIL | NodeFlag.FAIL)) === 0;
        if (healthy && node.pingSentMs === 0 && node.failReports.size === 0) {
          const pong = entry.pongReceived * 1000;
          if (pong <= nowMs + 500 && pong > node.pongReceivedMs) node.pongReceivedMs = pong;
        }
        if (healthy && node.failing && (node.ip !== entry.ip || node.port !== entry.port || node.cport !== entry.cport)) {
          node.ip = entry.ip;
          node.port = entry.port;
          node.cport = entry.cport;
          this.p.links.closeOutbound(node);
        }
        continue;
      }
      // Unknown nodes are learned only from known senders (a MEET's gossip refreshes, not adds).
      if (sender === null) continue;
      if ((entry.flags & NodeFlag.NOADDR) !== 0 || table.isBanned(entry.nodename)) continue;
      if (entry.ip === '' || entry.port === 0) continue;
      const flags = entry.flags & ~(NodeFlag.MYSELF | NodeFlag.HANDSHAKE | NodeFlag.MEET);
      const added = new ClusterNode(entry.nodename, flags, nowMs);
      added.ip = entry.ip;
      added.port = entry.port;
      added.cport = entry.cport;
      added.pport = entry.pport;
      table.add(added);
      outbox.emit({ type: 'node-added', id: added.name, address: `${added.ip}:${added.port}`, via: 'gossip' });
      outbox.saveConfig();
    }
  }
}
