/**
 * What one node of the cluster knows about another (or about itself): identity, address, flags,
 * role, epoch, liveness timestamps and the links to it. Redis calls this clusterNode.
 *
 * Times are milliseconds on the machine's clock (an input, never read here). Slots are not stored
 * per node: the machine's slot table (slot → owner) is the one truth, and `numSlots` caches how
 * many a node owns.
 */
import { NodeFlag } from './messages';

/** Links are opaque ids handed out by the machine; the adapter maps them to sockets. */
export type LinkId = number;

/**
 * Attachments counted process-wide: only their relative order matters, and a counter that only
 * grows keeps it for every table in the process (simulated nodes share one).
 */
let attachments = 0;

export class ClusterNode {
  ip = '';
  port = 0;
  cport = 0;
  pport = 0;
  hostname = '';
  configEpoch = 0n;
  private masterId: string | null = null;
  /**
   * The order of this node's latest attachment to a master, among all attachments seen in this
   * process (see `slaveof`); only compared between replicas of one master in one table.
   */
  attachedOrder = 0;
  /** When a PING to it was sent and not yet answered; 0 when none is pending. */
  pingSentMs = 0;
  pongReceivedMs = 0;
  dataReceivedMs = 0;
  failTimeMs = 0;
  /** Replication offset it last advertised. */
  replOffset = 0n;
  /** Outbound link (we connected to it) and inbound link (it connected to us). */
  link: LinkId | null = null;
  inboundLink: LinkId | null = null;
  numSlots = 0;
  /**
   * Failure reports about this node: reporting master's id → when it last said so (ms). Only
   * masters' reports count, and each expires after 2 × node-timeout (failure-detection.ts).
   */
  readonly failReports = new Map<string, number>();
  /** When I last voted for one of this master's replicas (election.ts: once per 2 × node-timeout). */
  votedTimeMs = Number.NEGATIVE_INFINITY;
  /** Since when this master has had no working replica (replica-migration.ts), 0 if it has one. */
  orphanedTimeMs = 0;

  constructor(
    public name: string,
    public flags: number,
    /** When the node record was created (handshake timeout). */
    readonly createdMs: number,
  ) {}

  /** Id of this node's master when it is a replica (only when that master is known). */
  get slaveof(): string | null {
    return this.masterId;
  }

  /**
   * Attaching to another master (or again after a spell as a master) puts the node last among
   * that master's replicas: Redis appends a replica to its master's list when it learns of the
   * attachment, and CLUSTER SLOTS, REPLICAS and SHARDS list replicas in that order.
   */
  set slaveof(id: string | null) {
    if (id !== null && id !== this.masterId) this.attachedOrder = ++attachments;
    this.masterId = id;
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  get isMaster(): boolean {
    return this.has(NodeFlag.MASTER);
  }

  get isReplica(): boolean {
    return this.has(NodeFlag.SLAVE);
  }

  get inHandshake(): boolean {
    return this.has(NodeFlag.HANDSHAKE);
  }

  get isMyself(): boolean {
    return this.has(NodeFlag.MYSELF);
  }

  get failing(): boolean {
    return this.has(NodeFlag.PFAIL) || this.has(NodeFlag.FAIL);
  }
}

/** Flag names in CLUSTER NODES / nodes.conf order (MEET and MIGRATE_TO are never printed). */
const FLAG_NAMES: Array<[number, string]> = [
  [NodeFlag.MYSELF, 'myself'],
  [NodeFlag.MASTER, 'master'],
  [NodeFlag.SLAVE, 'slave'],
  [NodeFlag.PFAIL, 'fail?'],
  [NodeFlag.FAIL, 'fail'],
  [NodeFlag.HANDSHAKE, 'handshake'],
  [NodeFlag.NOADDR, 'noaddr'],
  [NodeFlag.NOFAILOVER, 'nofailover'],
];

export function flagsText(flags: number): string {
  const names = FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
  return names.length === 0 ? 'noflags' : names.join(',');
}

/** Parses a nodes.conf flags field; null on an unknown flag (Redis refuses to start). */
export function parseFlags(text: string): number | null {
  if (text === 'noflags') return 0;
  let flags = 0;
  for (const name of text.split(',')) {
    const entry = FLAG_NAMES.find(([, n]) => n === name);
    if (entry === undefined) return null;
    flags |= entry[0];
  }
  return flags;
}
