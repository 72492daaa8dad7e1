/**
 * A real Redis Cluster inside the test process: shards × (1 + replicas) hashslot nodes, each
 * with its own client port and a bus port chosen free, formed the way `redis-cli --cluster
 * create` forms one (slots split evenly, distinct config epochs, every node meets the others,
 * replicas follow their primaries), then handed to the test to use and to break.
 *
 * Breaking it: kill/restart/pause/resume act on one node (test-node.ts); partition, isolate,
 * dropBus and delay add faults (faults.ts) that the receiving nodes apply to what arrives, so
 * the cluster sees a real network fault while clients keep the real addresses. Every step of
 * every node lands in one event log (events.ts), on the cluster's clock (cluster-clock.ts).
 */
import { keyHashSlot } from '../../storage/key-slot';
import type { ManualFailoverMode } from '../../cluster-bus/manual-failover';
import type { AdminOp } from '../../cluster-bus/cluster-state';
import type { LogSink } from '../log';
import type { RedisNode } from '../node';
import type { Directives } from '../start';
import { HARNESS_LANE, RealClusterClock, VirtualClusterClock, type ClusterClock } from './cluster-clock';
import { EventLog, type HarnessEvent, type TestEvent, type TestEventOf, type TestEventType } from './events';
import { FaultBook, messageTypeCode, type BusMessageName, type Fault, type Plane } from './faults';
import { formOrRejoin, nodeDirectives, waitUntil } from './formation';
import { Placement } from './node-placement';
import { migrateSlot, type MigrateSlotOptions, type PausedMigration, type SlotMoved } from './migrate-slot';
import { TestNode, type NodeEnvironment } from './test-node';
import { WriteOracle } from './oracle';
import { slotOwner } from './slot-owners';
import { seededFloats } from '../../storage/random';

export interface ClusterOptions {
  /** Primaries (default 3). */
  shards?: number;
  /** Replicas of each primary (default 1). */
  replicasPerShard?: number;
  /** cluster-node-timeout (default 500 ms). */
  nodeTimeoutMs?: number;
  /** 'real' (default) or 'virtual': time moves only with cluster.clock.advance(). */
  clock?: 'real' | 'virtual';
  /** Seeds node ids, elections' jitter, gossip choices and random drops. Printed in errors. */
  seed?: number;
  /**
   * Fixed ports: node i on basePort + i, its bus on basePort + i + 10000 (default: free ports
   * picked by the kernel, bus ports chosen apart).
   */
  basePort?: number;
  /**
   * A directory for the nodes' nodes.conf files and logs, kept after close(): a later start
   * with the same directory (and basePort) rejoins that cluster. Default: a temporary one,
   * nodes.conf in memory.
   */
  dir?: string;
  /** Any redis.conf directive, for every node. */
  directives?: Directives;
  /** Where the nodes' log lines go (silent by default). */
  logSink?: LogSink;
  /** Deadline for the cluster to form, in wall-clock ms (default 10,000). */
  startTimeoutMs?: number;
}

/** A node, by its handle, its index in `cluster.nodes`, or its cluster id. */
export type NodeRef = TestNode | number | string;

export interface FaultHandle {
  readonly id: number;
  /** Removes this fault (harmless if already healed). */
  heal(): void;
}

export class TestCluster {
  readonly nodes: readonly TestNode[];
  readonly clock: ClusterClock;
  readonly seed: number;
  /** The lost-write oracle: oracle.start(), then await oracle.check() (oracle.ts). */
  readonly oracle: WriteOracle;
  private readonly events: EventLog;
  private readonly faults: FaultBook;
  private closed = false;
  private readonly faultNames = new Map<number, string>();
  /** Bus messages delivered, per link and type; counted once someone asks (the live view). */
  private traffic: BusTraffic | null = null;

  private constructor(
    nodes: TestNode[],
    clock: ClusterClock,
    seed: number,
    events: EventLog,
    faults: FaultBook,
    private readonly placement: Placement,
  ) {
    this.nodes = nodes;
    this.clock = clock;
    this.seed = seed;
    this.events = events;
    this.faults = faults;
    this.oracle = new WriteOracle({ nodes, events, busSeparated: (a, b) => faults.size > 0 && faults.busSeparated(a, b) });
  }

  /**
   * Starts and forms a cluster; resolves once every node reports cluster_state:ok. A port picked
   * free can be taken by another process before a node binds it: such a start is closed and
   * tried again on fresh ports (a few times), never reported as the test's failure.
   */
  static async start(options: ClusterOptions = {}): Promise<TestCluster> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await TestCluster.startOnce(options);
      } catch (err) {
        if (!(err instanceof PortTakenError) || attempt >= START_ATTEMPTS) throw err instanceof PortTakenError ? err.cause : err;
      }
    }
  }

  private static async startOnce(options: ClusterOptions): Promise<TestCluster> {
    const shards = positiveInt('shards', options.shards ?? 3, 1);
    const replicas = positiveInt('replicasPerShard', options.replicasPerShard ?? 1, 0);
    const nodeTimeoutMs = positiveInt('nodeTimeoutMs', options.nodeTimeoutMs ?? 500, 1);
    const seed = options.seed ?? (Math.random() * 2 ** 31) >>> 0;
    const clock = options.clock === 'virtual' ? new VirtualClusterClock() : options.clock === undefined || options.clock === 'real' ? new RealClusterClock() : null;
    if (clock === null) throw new Error(`clock must be 'real' or 'virtual', not ${JSON.stringify(options.clock)}`);
    const random = seededFloats(seed);
    const events = new EventLog(() => clock.now());
    const faults = new FaultBook(random);
    const host = '127.0.0.1';
    const count = shards * (1 + replicas);
    const placement = Placement.create(options, host, count);
    const nodes: TestNode[] = [];
    const cluster = new TestCluster(nodes, clock, seed, events, faults, placement);
    const env = cluster.environment(options.logSink ?? { write: () => undefined });
    try {
      for (let i = 0; i < count; i++) {
        const shard = i < shards ? i : (i - shards) % shards;
        const site = await placement.place(i);
        const directives = nodeDirectives(placement.dir, site.fileTag, nodeTimeoutMs, options.directives ?? {});
        nodes.push(new TestNode(i, shard, host, site.port, site.busPort, directives, site.nodesConf, (seed + i * 7919) >>> 0, env, site.logSink));
      }
      // Every start settles before any failure is thrown: close() below must find each node that
      // did start, or its ports would stay open and keep the test's process alive.
      const started = await Promise.allSettled(nodes.map((node) => node.start()));
      const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      await formOrRejoin(nodes, shards, clock, options.startTimeoutMs ?? 10_000);
    } catch (err) {
      await cluster.close();
      const failure = new Error(`startCluster (seed ${seed}): ${err instanceof Error ? err.message : String(err)}`);
      throw (err as { code?: unknown }).code === 'EADDRINUSE' && placement.portsMayBeTaken ? new PortTakenError(failure) : failure;
    }
    return cluster;
  }

  /** Where clients start: every node's address (ioredis Cluster, createCluster's rootNodes). */
  get startupNodes(): Array<{ host: string; port: number }> {
    return this.nodes.map((node) => ({ host: node.host, port: node.port }));
  }

  /** The node serving `shard` as primary now (after failovers too). */
  primary(shard: number): TestNode {
    this.usable();
    const up = this.nodes.filter((n) => n.shard === shard && n.up);
    const primary = up.find((n) => n.role === 'primary') ?? this.nodes.find((n) => n.shard === shard && n.role === 'primary');
    if (primary === undefined) throw new Error(`no primary for shard ${shard} (shards 0-${this.shardCount - 1})`);
    return primary;
  }

  /** The other nodes of `shard`. */
  replicas(shard: number): TestNode[] {
    const primary = this.primary(shard);
    return this.nodes.filter((n) => n.shard === shard && n !== primary);
  }

  /** The node that owns the key's slot: the running nodes' claim with the newest configEpoch. */
  nodeForKey(key: string): TestNode {
    this.usable();
    const slot = keyHashSlot(Buffer.from(key, 'utf8').toString('latin1'));
    const owner = slotOwner(this.nodes, slot);
    const node = this.nodes.find((n) => n.id === owner);
    if (node === undefined) throw new Error(`slot ${slot} of '${key}' has no owner`);
    return node;
  }

  node(ref: NodeRef): TestNode {
    this.usable();
    const found = typeof ref === 'number' ? this.nodes[ref] : typeof ref === 'string' ? this.nodes.find((n) => n.id === ref) : this.nodes.includes(ref) ? ref : undefined;
    if (found === undefined) throw new Error(`unknown node ${typeof ref === 'object' ? `on port ${ref.port}` : JSON.stringify(ref)}`);
    return found;
  }

  // ─── lifecycle faults ──────────────────────────────────────────────────────────────────────

  async kill(ref: NodeRef): Promise<void> {
    const node = this.node(ref);
    await node.kill();
    this.record(node, { type: 'node-killed' });
  }

  async restart(ref: NodeRef, options: { data?: 'kept' | 'empty' } = {}): Promise<void> {
    const node = this.node(ref);
    const data = options.data ?? 'kept';
    if (data !== 'kept' && data !== 'empty') throw new Error(`restart: data must be 'kept' or 'empty'`);
    await node.restart(data);
    this.record(node, { type: 'node-restarted', data });
  }

  pause(ref: NodeRef): void {
    const node = this.node(ref);
    node.pause();
    this.record(node, { type: 'node-paused' });
  }

  resume(ref: NodeRef): void {
    const node = this.node(ref);
    node.resume();
    this.record(node, { type: 'node-resumed' });
  }

  // ─── network faults ────────────────────────────────────────────────────────────────────────

  /**
   * Splits the nodes into groups that cannot reach each other (nodes in no group are
   * unaffected). plane 'all' (default) also cuts replication and the test's clients, who sit
   * with group `clientSide` (default 0); 'bus' cuts only the cluster bus; 'clients' only clients.
   */
  partition(groups: NodeRef[][], options: { plane?: Plane; clientSide?: number } = {}): FaultHandle {
    this.usable();
    const plane = options.plane ?? 'all';
    if (plane !== 'bus' && plane !== 'clients' && plane !== 'all') throw new Error(`plane must be 'bus', 'clients' or 'all'`);
    if (groups.length < 2) throw new Error('a partition needs at least two groups');
    const seen = new Set<TestNode>();
    const sets = groups.map((group) => {
      if (group.length === 0) throw new Error('a partition group is empty');
      return new Set(
        group.map((ref) => {
          const node = this.node(ref);
          if (seen.has(node)) throw new Error(`node on port ${node.port} is in two groups of the partition`);
          seen.add(node);
          return node.id;
        }),
      );
    });
    const clientSide = options.clientSide ?? 0;
    if (!Number.isInteger(clientSide) || clientSide < 0 || clientSide >= groups.length) throw new Error(`clientSide must be a group index (0-${groups.length - 1})`);
    // Node indexes, not ports: the history must read the same in every run of a seed.
    const sides = groups.map((g) => g.map((ref) => this.node(ref).index).join(',')).join(' | ');
    return this.addFault({ kind: 'partition', groups: sets, plane, clientSide }, `partition nodes ${sides} (${plane})`);
  }

  /** Cuts one node off from all the others; the test's clients stay with the others. */
  isolate(ref: NodeRef, options: { plane?: Plane } = {}): FaultHandle {
    const node = this.node(ref);
    return this.partition([[node], this.nodes.filter((n) => n !== node)], { ...options, clientSide: 1 });
  }

  /** Drops bus messages (of these types, from/to these nodes) with this probability (default 1). */
  dropBus(options: { types?: BusMessageName[]; from?: NodeRef; to?: NodeRef; probability?: number } = {}): FaultHandle {
    this.usable();
    const probability = options.probability ?? 1;
    if (!(probability >= 0 && probability <= 1)) throw new Error('probability must be between 0 and 1');
    const types = options.types === undefined ? null : new Set(options.types.map(messageTypeCode));
    const from = options.from === undefined ? null : this.node(options.from).id;
    const to = options.to === undefined ? null : this.node(options.to).id;
    const what = `drop ${options.types?.join('/') ?? 'all'} bus messages${from === null ? '' : ` from node ${this.node(options.from as NodeRef).index}`}${to === null ? '' : ` to node ${this.node(options.to as NodeRef).index}`} p=${probability}`;
    return this.addFault({ kind: 'drop', types, from, to, probability }, what);
  }

  /**
   * Delays by `ms`: on plane 'bus' (default), bus messages from/to these nodes (order on each
   * link is kept); on plane 'clients', every reply node `to` (or every node) sends the test's
   * clients, in order.
   */
  delay(options: { from?: NodeRef; to?: NodeRef; ms: number; plane?: 'bus' | 'clients' }): FaultHandle {
    this.usable();
    const plane = options.plane ?? 'bus';
    if (plane !== 'bus' && plane !== 'clients') throw new Error("delay: plane must be 'bus' or 'clients'");
    if (!(options.ms >= 0) || !Number.isFinite(options.ms)) throw new Error('delay: ms must be a number >= 0');
    if (plane === 'clients' && options.from !== undefined) throw new Error("delay: plane 'clients' delays what node `to` replies; `from` does not apply");
    const from = options.from === undefined ? null : this.node(options.from).id;
    const to = options.to === undefined ? null : this.node(options.to).id;
    return this.addFault({ kind: 'delay', plane, from, to, ms: options.ms }, `delay ${plane === 'bus' ? 'bus messages' : 'replies'} by ${options.ms} ms`);
  }

  /** Resets every connection the test's clients have to this node (they see ECONNRESET). */
  resetClients(ref: NodeRef): number {
    const node = this.node(ref);
    const count = node.resetClients();
    this.record(node, { type: 'clients-reset', connections: count });
    return count;
  }

  /** The faults in force, oldest first, as their fault-added events describe them. */
  faultList(): Array<{ id: number; description: string }> {
    return this.faults.ids().map((id) => ({ id, description: this.faultNames.get(id) ?? '' }));
  }

  /** Removes fault `id`; false when no such fault is in force. */
  healFault(id: number): boolean {
    if (!this.faults.ids().includes(id)) return false;
    this.heal(id);
    return true;
  }

  /** Removes every fault. */
  healAll(): void {
    for (const id of this.faults.ids()) this.heal(id);
  }

  // ─── operations ────────────────────────────────────────────────────────────────────────────

  /**
   * CLUSTER FAILOVER [FORCE|TAKEOVER] on a replica of `shard` (the first one up, or `replica`);
   * resolves once that replica is the shard's primary.
   */
  async failover(shard: number, options: { mode?: ManualFailoverMode; replica?: NodeRef; timeoutMs?: number } = {}): Promise<TestNode> {
    const replica = options.replica === undefined ? this.replicas(shard).find((n) => n.up && !n.isPaused) : this.node(options.replica);
    if (replica === undefined) throw new Error(`shard ${shard} has no replica up to fail over to`);
    const op: AdminOp = { type: 'failover', mode: options.mode ?? 'default' };
    const result = replica.redisNode.cluster?.admin(op);
    if (result !== undefined && !result.ok) throw new Error(`CLUSTER FAILOVER on port ${replica.port}: ${result.error}`);
    await waitUntil(this.clock, options.timeoutMs ?? 10_000, `the failover of shard ${shard} to port ${replica.port}`, () => {
      replica.refreshFaults();
      return replica.role === 'primary';
    });
    return replica;
  }

  /**
   * Moves `slot` and its keys to the primary `to` with redis-cli's commands (migrate-slot.ts);
   * with `pause: true` it resolves mid-way to a PausedMigration, to be resume()d.
   */
  migrateSlot(slot: number, to: NodeRef, options: MigrateSlotOptions & { pause: true }): Promise<PausedMigration>;
  migrateSlot(slot: number, to: NodeRef, options?: MigrateSlotOptions & { pause?: false }): Promise<SlotMoved>;
  migrateSlot(slot: number, to: NodeRef, options?: MigrateSlotOptions): Promise<SlotMoved | PausedMigration>;
  async migrateSlot(slot: number, to: NodeRef, options: MigrateSlotOptions = {}): Promise<SlotMoved | PausedMigration> {
    return migrateSlot({ nodes: this.nodes, record: (node, event) => this.record(node, event) }, slot, this.node(to), options);
  }

  // ─── events ────────────────────────────────────────────────────────────────────────────────

  on<T extends TestEventType>(type: T, listener: (event: TestEventOf<T>) => void): () => void {
    return this.events.on(type, listener);
  }

  next<T extends TestEventType>(type: T, options: { timeoutMs?: number; where?: (event: TestEventOf<T>) => boolean } = {}): Promise<TestEventOf<T>> {
    return this.events.next(type, options.timeoutMs ?? 10_000, options.where);
  }

  /**
   * Starts counting the bus messages delivered, per sender, receiver and type, and returns the
   * live counts (keys `from>to>type`); later calls return the same counts. The live view's
   * link rates come from it. Off until asked: a key per message is not free.
   */
  countBusTraffic(): ReadonlyMap<string, number> {
    this.traffic ??= new BusTraffic();
    return this.traffic.counts;
  }

  history(): TestEvent[] {
    return this.events.history();
  }

  /** Stops every node and removes the cluster's directory (unless it was given). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.nodes.map((node) => node.close()));
    this.placement.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private get shardCount(): number {
    return new Set(this.nodes.map((n) => n.shard)).size;
  }

  private usable(): void {
    if (this.closed) throw new Error('the cluster is closed');
  }

  private addFault(fault: Fault, description: string): FaultHandle {
    const id = this.faults.add(fault);
    this.faultNames.set(id, description);
    this.refreshAll();
    this.events.record('', { type: 'fault-added', fault: id, description }, () => -1);
    return { id, heal: () => this.heal(id) };
  }

  private heal(id: number): void {
    const lost = this.faults.lostBetween(id);
    if (!this.faults.remove(id)) return;
    this.refreshAll();
    const pairsReset = this.resetLostLinks(lost);
    this.events.record('', { type: 'fault-healed', fault: id, description: this.faultNames.get(id) ?? '', pairsReset }, () => -1);
  }

  /**
   * Resets the bus connections between each sender and receiver that lost a message to a fault
   * (faults.ts says why). A pair of nodes has two, one opened by each; a lost message may have
   * been on either (a PONG travels on the connection its PING came on), so each node closes the
   * one it opened. Returns how many pairs of nodes were reset.
   */
  private resetLostLinks(lost: ReadonlyArray<[string, string]>): number {
    const byId = new Map(this.nodes.map((node) => [node.id, node]));
    const done = new Set<string>();
    for (const [from, to] of lost) {
      const pair = from < to ? `${from} ${to}` : `${to} ${from}`;
      if (done.has(pair)) continue;
      done.add(pair);
      byId.get(from)?.resetBusLinkTo(to);
      byId.get(to)?.resetBusLinkTo(from);
    }
    return done.size;
  }

  private refreshAll(): void {
    for (const node of this.nodes) node.refreshFaults();
  }

  private record(node: TestNode, event: HarnessEvent): void {
    this.events.record(node.id, event, () => node.shard);
  }

  /** What every node of this cluster is given: the clock, the faults, the event log. */
  private environment(logSink: LogSink): NodeEnvironment {
    const replicationPorts = new Set<number>();
    const clock = this.clock as RealClusterClock | VirtualClusterClock;
    return {
      clock: clock.clockFor(HARNESS_LANE),
      clockFor: (lane) => clock.clockFor(lane),
      network: clock instanceof VirtualClusterClock ? clock.network : undefined,
      logSink,
      busVerdict: (from, to, type) => {
        const verdict = this.faults.size === 0 ? 'deliver' : this.faults.busVerdict(from, to, type);
        if (verdict !== 'drop') this.traffic?.count(from, to, type);
        return verdict;
      },
      clientsCut: (id) => this.faults.size > 0 && this.faults.clientsCut(id),
      replicationCut: (replica, master) => this.faults.size > 0 && this.faults.replicationCut(replica, master),
      replyDelayMs: (id) => (this.faults.size === 0 ? 0 : this.faults.replyDelayMs(id)),
      isNodeConnection: (socket) => replicationPorts.has(socket.remotePort ?? -1),
      lastKnownShard: (id) => this.nodes.find((n) => n.id === id)?.lastKnownShard,
      deadBusAddress: (ip, port) => this.nodes.some((n) => !n.up && n.busPort === port && n.host === ip),
      attached: (handle: TestNode, node: RedisNode) => {
        node.hooks = {
          ...node.hooks,
          socketOpened: chain(node.hooks.socketOpened, (socket, kind) => {
            if (kind !== 'replication' && kind !== 'migrate') return;
            // Known once connected: the local port another node's accepted socket will show.
            socket.once('connect', () => {
              const port = socket.localPort;
              if (port === undefined) return;
              replicationPorts.add(port);
              socket.once('close', () => replicationPorts.delete(port));
            });
          }),
        };
        node.events.on('cluster', (event) => this.events.record(handle.id, event, () => handle.shard));
        this.oracle.attach(handle, node);
      },
    };
  }
}

function chain<A extends unknown[]>(first: ((...args: A) => void) | undefined, second: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    first?.(...args);
    second(...args);
  };
}

/** Starts of a cluster tried before a port taken by another process counts as a failure. */
const START_ATTEMPTS = 4;

/** A start lost a port to another process (carries the error to report if every attempt does). */
class PortTakenError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, not ${value}`);
  return value;
}


/**
 * Bus messages delivered (not dropped by a fault), counted per "sender>receiver>type code" with
 * node ids: one map increment per message, read by the live view to show each link's rates.
 */
class BusTraffic {
  readonly counts = new Map<string, number>();

  count(from: string, to: string, type: number): void {
    const key = `${from}>${to}>${type}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}
