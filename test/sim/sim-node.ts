/**
 * The simulated processes and their sockets: a SimNode is one cluster node (its machine, its
 * address, what it saved to nodes.conf, what it reported), a LinkEnd one end of a simulated
 * connection. Both are plain records; sim-network.ts moves the data and the time.
 */
import type { LinkId } from '../../cluster-bus/cluster-node';
import type { ClusterState, ClusterSettings } from '../../cluster-bus/cluster-state';
import type { ClusterEvent } from '../../cluster-bus/effects';
import { BusFrameReader } from '../../cluster-bus/message-codec-frame-reader';

/** One end of a simulated connection, as seen by the node that holds it. */
export class LinkEnd {
  peer: LinkEnd | null = null;
  open = true;
  /** The far end is gone but this end has not been told (a close lost in a partition). */
  halfOpen = false;
  /** Deliveries to this end are never scheduled before this time (in-order streams). */
  nextDeliveryMs = 0;
  readonly reader = new BusFrameReader();

  constructor(
    readonly node: SimNode,
    readonly incarnation: number,
    readonly linkId: LinkId,
    readonly outbound: boolean,
  ) {}

  get live(): boolean {
    return this.open && this.node.incarnation === this.incarnation && this.node.state !== null;
  }
}

export class SimNode {
  state: ClusterState | null = null;
  /** Bumped by every crash: actions scheduled for an earlier life are void. */
  incarnation = 0;
  /** The nodes.conf text as last saved (what a restart loads). */
  savedConfig = '';
  /** When the current life began (the writable delay counts from here). */
  startedMs = 0;
  readonly ends = new Map<LinkId, LinkEnd>();
  /** Slots holding keys, for the host's keysInSlot (losing one must delete them). */
  readonly slotsWithKeys = new Set<number>();
  /** Every delete-slot-keys effect, in order. */
  readonly deletedSlots: number[] = [];
  /** Every publish effect (a PUBLISH or PUBLISHSHARD that arrived for local subscribers), in order. */
  readonly published: Array<{ channel: string; message: string; shard: boolean }> = [];
  readonly events: Array<{ atMs: number; event: ClusterEvent }> = [];
  /**
   * The replication offset this node reports (host input): tests set it to rank replicas. A
   * replica's data age is derived by the network: time since its master was last up and
   * reachable from it (sim-network.ts keeps `masterSeenMs`).
   */
  replOffset = 0n;
  masterSeenMs = 0;
  /** Manual failover, master side: writes held until then (0: not paused), as pause-writes said. */
  writesPausedUntilMs = 0;
  /** Frozen: a stopped process (SIGSTOP): no cron, nothing delivered, links kept. */
  paused = false;
  readonly settings: ClusterSettings;

  constructor(
    readonly index: number,
    readonly ip: string,
    readonly port: number,
    readonly cport: number,
    nodeTimeoutMs: number,
  ) {
    this.settings = {
      nodeTimeoutMs,
      port,
      cport,
      announceIp: '',
      announcePort: 0,
      announceBusPort: 0,
      announceHostname: '',
      requireFullCoverage: true,
      allowReplicaMigration: true,
      replicaValidityFactor: 10,
      replicaNoFailover: false,
      migrationBarrier: 1,
      replPingReplicaPeriodMs: 10_000,
    };
  }

  get up(): boolean {
    return this.state !== null;
  }

  /** The live machine; a test touching a crashed node is a test bug. */
  get machine(): ClusterState {
    if (this.state === null) throw new Error(`sim: node ${this.index} is down`);
    return this.state;
  }

  get id(): string {
    return this.machine.myself.name;
  }
}
