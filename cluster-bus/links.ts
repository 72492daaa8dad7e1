/**
 * Links: the machine's view of the bus connections, without the sockets (Redis's clusterLink).
 *
 * Every pair of nodes is joined by two TCP connections, one each way. My outbound link to a
 * node is the one I send my pings on and the one its PONGs prove liveness on; its inbound link
 * to me carries its pings, which I answer on the same link. A link is an opaque id; the adapter
 * (tcp-transport.ts, or test/sim's network) maps ids to sockets:
 *
 *   outbound:  connect(node) ──effect connect──▶ adapter ──outboundConnected──▶ greeting sent
 *   inbound:   adapter accepts ──inboundAccepted──▶ id; the first message names the peer
 *   either:    adapter saw it close ──linkClosed──▶ forgotten;  I close it ──effect close──▶
 *
 * A node with no outbound link gets one at the next cron tick, so closing a link is also how a
 * stale connection is recycled: the reconnect may reach a node that moved or came back.
 */
import type { ClusterNode, LinkId } from './cluster-node';
import type { ClusterMessage } from './messages';
import type { Outbox } from './outbox';

export interface Link {
  readonly id: LinkId;
  node: ClusterNode | null;
  readonly outbound: boolean;
  readonly createdMs: number;
  connected: boolean;
  localIp: string;
  peerIp: string;
  /**
   * Messages sent to the node while this outbound link was still connecting. As in Redis, they
   * wait in the link and leave first once it connects (ahead of the greeting), or are lost
   * with it if the connect fails.
   */
  readonly waiting: ClusterMessage[];
}

export class LinkTable {
  private readonly links = new Map<LinkId, Link>();
  private nextLinkId = 1;

  constructor(private readonly outbox: Outbox) {}

  get(id: LinkId): Link | undefined {
    return this.links.get(id);
  }

  /** My outbound link to a node, connected or still connecting. */
  outboundTo(node: ClusterNode): Link | undefined {
    return node.link === null ? undefined : this.links.get(node.link);
  }

  /** My outbound link to a node, when it is connected. */
  connectedTo(node: ClusterNode): Link | undefined {
    const link = this.outboundTo(node);
    return link !== undefined && link.connected ? link : undefined;
  }

  /** An inbound connection was accepted; returns the link id to use for it. */
  accept(peerIp: string, localIp: string, nowMs: number): LinkId {
    const link: Link = { id: this.nextLinkId++, node: null, outbound: false, createdMs: nowMs, connected: true, localIp, peerIp, waiting: [] };
    this.links.set(link.id, link);
    return link.id;
  }

  /** Asks the adapter for an outbound connection to a node's bus port. */
  connect(node: ClusterNode, nowMs: number): void {
    const link: Link = { id: this.nextLinkId++, node, outbound: true, createdMs: nowMs, connected: false, localIp: '', peerIp: node.ip, waiting: [] };
    this.links.set(link.id, link);
    node.link = link.id;
    // The greeting ping goes out when the connect completes; a node that cannot even be
    // connected to must still time out, so its clock starts now. Redis starts it here only when
    // connect() fails synchronously (a refused loopback connect does not), so after a peer dies
    // hashslot reaches PFAIL up to node-timeout/2 sooner than Redis (bench/failover.ts).
    if (node.pingSentMs === 0 && !node.inHandshake) node.pingSentMs = nowMs;
    this.outbox.push({ kind: 'connect', link: link.id, ip: node.ip, port: node.cport });
  }

  /** The adapter reports an outbound connect completed; returns the link when it is still wanted. */
  connected(id: LinkId, localIp: string): Link | undefined {
    const link = this.links.get(id);
    if (link === undefined || link.node === null) return undefined;
    link.connected = true;
    link.localIp = localIp;
    return link;
  }

  /** The first message on an inbound link named its peer. */
  identify(link: Link, node: ClusterNode): void {
    link.node = node;
    node.inboundLink = link.id;
  }

  /** The adapter saw the link close. */
  closed(id: LinkId): void {
    const link = this.links.get(id);
    if (link === undefined) return;
    this.links.delete(id);
    const node = link.node;
    if (node === null) return;
    if (node.link === id) node.link = null;
    if (node.inboundLink === id) node.inboundLink = null;
  }

  /** I close a link (silent too long, peer moved): forget it and tell the adapter. */
  closeByMe(link: Link): void {
    this.closed(link.id);
    this.outbox.push({ kind: 'close', link: link.id });
  }

  /** Closes my outbound link to a node, if any (its address changed). */
  closeOutbound(node: ClusterNode): void {
    if (node.link === null) return;
    const link = this.links.get(node.link);
    if (link !== undefined) this.closeByMe(link);
  }

  /** Both links of a node that leaves the table. */
  closeNode(node: ClusterNode): void {
    for (const id of [node.link, node.inboundLink]) {
      if (id === null) continue;
      this.links.delete(id);
      this.outbox.push({ kind: 'close', link: id });
    }
    node.link = null;
    node.inboundLink = null;
  }

  /** Links for CLUSTER LINKS. */
  list(): Array<{ id: LinkId; outbound: boolean; node: string; createdMs: number }> {
    const out: Array<{ id: LinkId; outbound: boolean; node: string; createdMs: number }> = [];
    for (const link of this.links.values()) {
      if (link.node !== null) out.push({ id: link.id, outbound: link.outbound, node: link.node.name, createdMs: link.createdMs });
    }
    return out;
  }
}
