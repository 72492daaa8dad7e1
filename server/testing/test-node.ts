/**
 * One node of a test cluster, through its whole life: started, frozen and continued, killed and
 * restarted on the same ports. The RedisNode inside is replaced at each restart; the handle, its
 * id, its ports and its nodes.conf (kept in memory) stay.
 *
 *   pause()    like SIGSTOP: every socket stops being read, no timer of the node runs; peers see
 *              silence, not a closed connection. resume() continues, overdue timers run once.
 *   kill()     like kill -9: every socket is reset (peers see ECONNRESET), the ports close. The
 *              dataset and the replication position are kept aside, as an fsync-always AOF
 *              would keep them, and nodes.conf as it was last saved.
 *   restart()  a new node on the same ports, from that nodes.conf, with the kept data (or none).
 *
 * The node's sockets are known through the socketOpened hook; the cluster's faults reach it
 * through the other hooks (server/node-hooks.ts), and failCommands/intercept answer commands.
 * On virtual time the node runs on its own lane of the timeline, its sockets are waited for and
 * its bus inputs ordered by the virtual network (virtual-network.ts); inputs held for a node
 * that was killed since are dropped, those of a paused node wait for resume().
 */
import type * as net from 'node:net';
import type { ClusterMessage } from '../../cluster-bus/messages';
import { typeCode } from '../../cluster-bus/messages';
import type { ByteString } from '../../storage/bytes';
import type { Keyspace } from '../../storage/keyspace';
import type { NodeClock } from '../clock';
import type { NodesConfStore } from '../cluster/nodes-conf-file';
import type { LogSink } from '../log';
import type { RedisNode } from '../node';
import type { BusVerdict, CommandVerdict, NodeHooks, SocketKind } from '../node-hooks';
import { startRedisNode, type Directives } from '../start';
import { PausableClock } from './pausable-clock';
import type { VirtualNetwork } from './virtual-network';

/** A command as an interceptor sees it, with the two ways to answer. */
export interface InterceptedCommand {
  /** Lower-case command name. */
  readonly name: string;
  /** Arguments as byte strings (one char per byte). */
  readonly args: readonly string[];
  /** Answer this reply instead of running the command: a bulk string, or nil with null. */
  reply(value: string | null): CommandVerdict;
  /** Answer an error ("ERR something"; no leading '-'). */
  error(message: string): CommandVerdict;
  /** Run the command as usual. */
  proceed(): CommandVerdict;
}

export type Interceptor = (command: InterceptedCommand) => CommandVerdict;

/** What a node asks of its cluster: the faults between nodes, and where events go. */
export interface NodeEnvironment {
  /** The harness's own clock (reply delays); nodes run on clockFor(index). */
  readonly clock: NodeClock;
  /** Node `lane`'s clock: on virtual time, each node's timers have their own lane. */
  clockFor(lane: number): NodeClock;
  /** On virtual time: the sockets to wait for, and the order bus inputs run in. */
  readonly network?: VirtualNetwork;
  readonly logSink: LogSink;
  busVerdict(from: string, to: string, typeCode: number): BusVerdict;
  clientsCut(id: string): boolean;
  replicationCut(replica: string, master: string): boolean;
  /** How long this node holds each reply to a test client now (client-plane delays). */
  replyDelayMs(id: string): number;
  /** Whether an accepted client connection comes from another node (replication, MIGRATE). */
  isNodeConnection(socket: net.Socket): boolean;
  /** The shard node `id` of this cluster was last known to serve in (undefined: not ours). */
  lastKnownShard(id: string): number | undefined;
  /** Whether this is the bus address of a node of the cluster that is down (killed). */
  deadBusAddress(ip: string, port: number): boolean;
  attached(handle: TestNode, node: RedisNode): void;
}

const PROCEED: CommandVerdict = { kind: 'proceed' };

export class TestNode {
  /** The running node; null once killed and until restarted. */
  private node: RedisNode | null = null;
  private clock: PausableClock | null = null;
  private readonly sockets = new Map<net.Socket, SocketKind>();
  /** Sockets this handle stopped reading for a fault or a pause, to resume them later. */
  private readonly held = new Set<net.Socket>();
  private paused = false;
  private failMessage: string | null = null;
  private interceptor: Interceptor | null = null;
  private kept: { keyspace: Keyspace; replid: string; offset: number } | null = null;
  private clusterId = '';
  /** Moves at every start and kill: bus inputs held for an older life of the node are dropped. */
  private generation = 0;
  private starts = 0;

  constructor(
    readonly index: number,
    private knownShard: number,
    readonly host: string,
    readonly port: number,
    readonly busPort: number,
    private readonly directives: Directives,
    private readonly nodesConf: NodesConfStore,
    private readonly seed: number,
    private readonly env: NodeEnvironment,
    /** Its own log (hashslot-cluster's per-node files); the environment's when absent. */
    private readonly logSink?: LogSink,
  ) {
    env.network?.addNodePorts(port, busPort);
  }

  /** The node's 40-character cluster id (stays the same across restarts). */
  get id(): string {
    return this.clusterId;
  }

  /** Whether the node is running (not killed); a paused node is up. */
  get up(): boolean {
    return this.node !== null;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** 'primary' or 'replica' as the node itself sees it now (its last role while down). */
  get role(): 'primary' | 'replica' {
    this.noteRole();
    return this.lastRole;
  }
  private lastRole: 'primary' | 'replica' = 'primary';

  /**
   * Closes the bus connection this node opened to `peerId`, as DEBUG CLUSTERLINK KILL TO does; it
   * connects again at its next cron tick and greets with a PING. (The opener's end is the one to
   * close: the accepting end knows a connection only once a message on it got through.) False
   * when this node cannot act now: killed, paused, or the peer unknown to it.
   */
  resetBusLinkTo(peerId: string): boolean {
    if (this.node === null || this.paused || this.node.cluster === null) return false;
    return this.node.cluster.admin({ type: 'kill-links', nodeId: peerId, direction: 'to' }).ok;
  }

  /** The running RedisNode (hashslot's own tests reach inside through it). */
  get redisNode(): RedisNode {
    if (this.node === null) throw new Error(`node ${this.port} is not running (killed)`);
    return this.node;
  }

  /**
   * The shard this node serves in now: a primary keeps the one it had, a replica takes its
   * master's. So a replica moved by CLUSTER REPLICATE or by replica migration, and a replica
   * that then wins an election, are counted in the shard they serve, not where they started.
   */
  get shard(): number {
    const master = this.masterId;
    const masterShard = master === null ? undefined : this.env.lastKnownShard(master);
    if (masterShard !== undefined) this.knownShard = masterShard;
    return this.knownShard;
  }

  /** The shard as last worked out, without looking at the node's view (no recursion). */
  get lastKnownShard(): number {
    return this.knownShard;
  }

  /** The id of the master this node replicates (null for a master). */
  get masterId(): string | null {
    const state = this.node?.cluster?.state;
    if (state === undefined) return null;
    return state.myself.isMaster ? null : state.myself.slaveof;
  }

  /** Every command of a normal client errors with `message` ("ERR injected"), until null. */
  failCommands(message: string | null): void {
    this.failMessage = message === null ? null : message.replace(/^-/, '');
  }

  /** Every command of a normal client goes through `interceptor` first, until null. */
  intercept(interceptor: Interceptor | null): void {
    this.interceptor = interceptor;
  }

  async start(): Promise<void> {
    if (this.node !== null) throw new Error(`node ${this.port} is already running`);
    const clock = new PausableClock(this.env.clockFor(this.index));
    const generation = ++this.generation;
    const kept = this.kept;
    this.kept = null;
    const node = await startRedisNode(
      { ...this.directives, port: this.port, 'cluster-port': this.busPort },
      {
        clock,
        // A restarted process draws new random numbers (a new run id), from the seed still.
        seed: (this.seed + this.starts++ * 0x9e3779b9) >>> 0,
        logSink: this.logSink ?? this.env.logSink,
        nodesConf: this.nodesConf,
        clusterWritableDelayMs: 0,
        hooks: this.hooks(generation),
        beforeListen: (fresh) => {
          if (kept === null) return;
          fresh.keyspace.adoptContents(kept.keyspace);
          const replica = fresh.cluster?.state.myself.isReplica === true;
          fresh.replication.restoreHistory(kept.replid, kept.offset, replica ? 'replica' : 'master');
        },
      },
    );
    this.clock = clock;
    this.node = node;
    this.clusterId = node.cluster?.myId ?? '';
    this.noteRole();
    this.env.attached(this, node);
    if (this.paused) this.freeze();
  }

  /** Like kill -9: connections reset, ports closed; the data is kept for restart(). */
  async kill(): Promise<void> {
    const node = this.node;
    if (node === null) throw new Error(`node ${this.port} is already killed`);
    this.noteRole();
    this.kept = { keyspace: node.keyspace, replid: node.replication.replid, offset: node.replication.offset };
    this.node = null;
    this.generation++;
    this.clock?.close();
    for (const socket of this.sockets.keys()) socket.resetAndDestroy();
    this.sockets.clear();
    this.held.clear();
    this.paused = false;
    await node.close();
  }

  /** Starts again on the same ports from the last saved nodes.conf, with the kept data or none. */
  async restart(data: 'kept' | 'empty'): Promise<void> {
    if (data === 'empty') this.kept = null;
    await this.start();
  }

  /** Like SIGSTOP. */
  pause(): void {
    if (this.node === null) throw new Error(`node ${this.port} is killed: it cannot be paused`);
    if (this.paused) return;
    this.paused = true;
    this.freeze();
  }

  /** Like SIGCONT. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.clock?.resume();
    this.refreshFaults();
  }

  /** Resets the test's client connections (not other nodes' replication or MIGRATE links). */
  resetClients(): number {
    let count = 0;
    for (const [socket, kind] of this.sockets) {
      if (kind !== 'client' || this.env.isNodeConnection(socket)) continue;
      socket.resetAndDestroy();
      count++;
    }
    return count;
  }

  /** Closes the node for good (the cluster is closing). */
  async close(): Promise<void> {
    const node = this.node;
    this.node = null;
    this.generation++;
    this.clock?.close();
    if (node !== null) await node.close();
  }

  /** Stops or restarts reading each socket as the cluster's faults and the pause now say. */
  refreshFaults(): void {
    if (this.node === null) return;
    this.noteRole();
    for (const [socket, kind] of this.sockets) {
      if (this.paused || this.cut(socket, kind)) this.hold(socket);
      else this.release(socket);
    }
  }

  private freeze(): void {
    this.clock?.pause();
    for (const socket of this.sockets.keys()) this.hold(socket);
  }

  private hold(socket: net.Socket): void {
    if (this.held.has(socket)) return;
    this.held.add(socket);
    socket.pause();
  }

  private release(socket: net.Socket): void {
    if (!this.held.delete(socket)) return;
    if (!socket.destroyed) socket.resume();
  }

  /** Whether a fault (not the pause) keeps this socket unread. */
  private cut(socket: net.Socket, kind: SocketKind): boolean {
    if (kind === 'client') return !this.env.isNodeConnection(socket) && this.env.clientsCut(this.id);
    if (kind === 'replication') {
      const master = this.masterId;
      return master !== null && this.env.replicationCut(this.id, master);
    }
    return false;
  }

  private noteRole(): void {
    const state = this.node?.cluster?.state;
    if (state !== undefined) this.lastRole = state.myself.isMaster ? 'primary' : 'replica';
  }

  private hooks(generation: number): NodeHooks {
    const network = this.env.network;
    return {
      socketOpened: (socket, kind) => {
        network?.track(this.index, socket, kind, () => this.held.has(socket));
        this.sockets.set(socket, kind);
        // The node's own flow control resumes a socket when its output drains (Client.flush):
        // one held for a pause or a fault stays unread all the same.
        socket.on('resume', () => {
          if (this.held.has(socket)) socket.pause();
        });
        if (kind === 'client') this.delayReplies(socket);
        socket.once('close', () => {
          this.sockets.delete(socket);
          this.held.delete(socket);
        });
        if (this.paused || this.cut(socket, kind)) this.hold(socket);
      },
      busMessage: (message: ClusterMessage) => this.env.busVerdict(message.header.sender, this.id, typeCode(message)),
      command: (name, args) => this.answer(name, args),
      busConnectRefused: (ip, port) => this.env.deadBusAddress(ip, port),
      // Virtual time: bus inputs wait for the network to settle and run in a fixed order.
      busInput:
        network === undefined ? undefined : (socket, run) => network.input(socket, run, { alive: () => this.generation === generation, frozen: () => this.paused }),
    };
  }

  /**
   * Replies to a test client leave after the client-plane delay in force when they were written,
   * in order: a write waits behind the ones still held. Timers come from the node's clock, so a
   * virtual clock holds them until it is advanced.
   */
  private delayReplies(socket: net.Socket): void {
    const write = socket.write.bind(socket) as (chunk: Buffer | string) => boolean;
    let held = 0;
    let lastDueMs = 0;
    const patched = (chunk: Buffer | string): boolean => {
      const delayMs = this.env.isNodeConnection(socket) ? 0 : this.env.replyDelayMs(this.id);
      if (delayMs <= 0 && held === 0) return write(chunk);
      const clock = this.env.clock;
      const dueMs = Math.max(clock.now() + delayMs, lastDueMs);
      lastDueMs = dueMs;
      held++;
      clock.schedule(dueMs - clock.now(), () => {
        held--;
        if (!socket.destroyed) write(chunk);
      });
      return true;
    };
    socket.write = patched as typeof socket.write;
  }

  private answer(name: string, args: readonly ByteString[]): CommandVerdict {
    if (this.failMessage !== null) return { kind: 'error', message: this.failMessage };
    const interceptor = this.interceptor;
    if (interceptor === null) return PROCEED;
    return interceptor({
      name,
      args,
      reply: (value) => ({ kind: 'bulk', value }),
      error: (message) => ({ kind: 'error', message: message.replace(/^-/, '') }),
      proceed: () => PROCEED,
    });
  }
}
