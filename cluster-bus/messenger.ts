/**
 * Outgoing messages: the header every message carries, and the ways of sending one.
 *
 * Every message, whatever its type, opens with the sender's whole state in brief: its id,
 * currentEpoch, its master's configEpoch and slot bitmap, its role, flags, address and
 * replication offset (redis-wire.md §1.2). That is why the protocol converges without dedicated
 * "slot update" traffic: any message from a node is also its latest claim.
 *
 *   sendPing       PING, PONG or MEET with a gossip section (gossip.ts); a PING starts the
 *                  node's ping timer, which failure detection watches
 *   broadcast      one message to every linked, non-handshake peer (FAIL, AUTH_REQUEST)
 *   broadcastPong  news that should not wait for the next ping round: a promotion, a slot
 *                  closed by a resharding, a replica's offset for its siblings' ranking
 *   publish        PUBLISH to every node, SPUBLISH (PUBLISHSHARD) to my shard only
 *
 * A message for a node goes on my outbound link to it. While that link is still connecting
 * (the cron opens one for every node that has none, so a recycled or new link spends a few
 * milliseconds this way), the message waits in the link and leaves first when it connects,
 * ahead of the greeting, as Redis queues on a connecting link. Skipping such a node would lose
 * the message for good: a PUBLISH, a FAIL, a vote request is sent once. A node with no link at
 * all gets nothing, as in Redis; the next ping after the reconnect carries the same state.
 * Pings are the exception: they go out on connected links only, since the greeting that
 * follows the connect is itself a ping.
 */
import type { ClusterNode, LinkId } from './cluster-node';
import { selectGossip } from './gossip';
import type { Link } from './links';
import { type ClusterMessage, type MessageHeader, MessageFlag, MessageType, type PingExtension } from './messages';
import type { MachineParts } from './parts';

export type MessengerParts = Pick<MachineParts, 'settings' | 'host' | 'random' | 'table' | 'slots' | 'epochs' | 'health' | 'links' | 'outbox'> & {
  /** A master in a manual failover tells its replica that its offset is frozen (PAUSED). */
  writesPaused(): boolean;
};

export class Messenger {
  constructor(private readonly p: MessengerParts) {}

  header(): MessageHeader {
    const { table, settings: s } = this.p;
    const master = table.myMaster();
    const myself = table.myself;
    return {
      port: s.announcePort || s.port,
      currentEpoch: this.p.epochs.currentEpoch,
      configEpoch: master?.configEpoch ?? 0n,
      offset: this.p.host.replicationOffset(),
      sender: myself.name,
      myslots: this.p.slots.bitmapOf(master?.name ?? null),
      slaveof: myself.isReplica ? myself.slaveof : null,
      myip: s.announceIp,
      pport: 0,
      cport: s.announceBusPort || s.cport,
      flags: myself.flags,
      state: this.p.health.state === 'ok' ? 0 : 1,
      mflags: myself.isMaster && this.p.writesPaused() ? MessageFlag.PAUSED : 0,
    };
  }

  /** Sends on a link (the reply to a request goes back on the link it came in on). */
  send(link: Link, message: ClusterMessage): void {
    if (link.connected) this.p.outbox.send(link.id, message);
    else link.waiting.push(message);
  }

  /** An outbound link just connected: what waited for it leaves now, before the greeting. */
  sendWaiting(link: Link): void {
    for (const message of link.waiting.splice(0)) this.p.outbox.send(link.id, message);
  }

  /**
   * Sends on my outbound link to a node, or queues it there while the link connects; false when
   * I have no link to the node, or (with `connectedOnly`) when it is not connected yet.
   */
  sendToNode(node: ClusterNode, message: ClusterMessage, connectedOnly = false): boolean {
    const link = connectedOnly ? this.p.links.connectedTo(node) : this.p.links.outboundTo(node);
    if (link === undefined) return false;
    this.send(link, message);
    return true;
  }

  /** Sends on a given link id, when it is still connected. */
  sendOnLink(id: LinkId, message: ClusterMessage): void {
    const link = this.p.links.get(id);
    if (link !== undefined && link.connected) this.send(link, message);
  }

  /** PING, PONG or MEET with a gossip section about a few random nodes plus every PFAIL node. */
  sendPing(link: Link, type: 0 | 1 | 2, nowMs: number): void {
    const { table, slots, settings } = this.p;
    const gossip = selectGossip([...table.nodes.values()], table.myself, this.p.random, (name) => slots.count(name));
    const extensions: PingExtension[] = [];
    if (settings.announceHostname !== '') extensions.push({ type: 0, hostname: settings.announceHostname });
    const header = this.header();
    if (extensions.length > 0) header.mflags |= MessageFlag.EXT_DATA;
    if (link.node !== null && type === MessageType.PING) link.node.pingSentMs = nowMs;
    this.send(link, { type, header, gossip, extensions });
  }

  pingNode(node: ClusterNode, nowMs: number): void {
    const link = this.p.links.connectedTo(node);
    if (link !== undefined) this.sendPing(link, MessageType.PING, nowMs);
  }

  /**
   * Sends a message to every linked, non-handshake node; returns the nodes whose link is up,
   * which it went to at once. A link still connecting may never connect (its node is dead), so
   * what waits in it is not counted as reached.
   */
  broadcast(build: () => ClusterMessage): ClusterNode[] {
    const reached: ClusterNode[] = [];
    for (const node of this.p.table.peers()) {
      const link = this.p.links.outboundTo(node);
      if (link === undefined) continue;
      this.send(link, build());
      if (link.connected) reached.push(node);
    }
    return reached;
  }

  /** PONG to every linked node (or to those `only` accepts): news without waiting for pings. */
  broadcastPong(nowMs: number, only?: (node: ClusterNode) => boolean): void {
    for (const node of this.p.table.peers()) {
      if (only !== undefined && !only(node)) continue;
      const link = this.p.links.outboundTo(node);
      if (link !== undefined) this.sendPing(link, MessageType.PONG, nowMs);
    }
  }

  /**
   * A client's PUBLISH goes to every node (each delivers it to its own subscribers); an
   * SPUBLISH (PUBLISHSHARD) only to the other nodes of my shard, my master and its replicas,
   * the only ones whose clients may subscribe to a channel of my slots.
   */
  publish(channel: string, message: string, shard: boolean): void {
    const type = shard ? MessageType.PUBLISHSHARD : MessageType.PUBLISH;
    const build = (): ClusterMessage => ({ type, header: this.header(), channel, message });
    if (!shard) {
      this.broadcast(build);
      return;
    }
    const { table } = this.p;
    const master = table.myMaster();
    if (master === null) return;
    for (const node of table.nodes.values()) {
      if (node === table.myself || node.inHandshake) continue;
      if (node === master || node.slaveof === master.name) this.sendToNode(node, build());
    }
  }
}
