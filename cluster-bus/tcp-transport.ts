/**
 * The thin adapter between the cluster state machine and real sockets: it listens on the bus
 * port, opens the outbound links the machine asks for, frames and decodes what arrives, encodes
 * what the machine sends, runs the 100 ms cron, and hands persistence and logging to its owner.
 * Everything that decides anything lives in ClusterState; this file only moves bytes and time.
 * Time too comes from the owner: its clock and its scheduler (the node's, server/clock.ts), so
 * a node on a manual clock runs its bus cron and connect timeouts on that clock as well.
 *
 * Malformed input never reaches the machine: a broken frame stream closes that link (as Redis
 * does), a frame that decodes to a problem is dropped and counted.
 *
 * Messages the machine sends are written once the current I/O callback is over (setImmediate),
 * all of one link's in one write: Redis too queues bus output and writes it when its event loop
 * next polls, after the replies of the commands that caused it.
 *
 * A change of state learnt from a peer's message is saved to nodes.conf once the current I/O
 * callbacks are over, with that output: every message read in one turn of the event loop, on any
 * link, shares one save (and one fsync if any of them asked for it), as Redis saves in its
 * beforeSleep what the packets of one event-loop iteration changed. The save comes before the
 * messages written in the same turn, so a vote leaves only once its epoch is on disk. A change
 * made by a CLUSTER command or the cron is saved at once, before the command's reply.
 *
 * Like Redis, the links this node opens keep Nagle's algorithm (no TCP_NODELAY) and the links it
 * accepts turn it off. A node's own PINGs and broadcasts go out on the links it opened; the
 * answers to a peer's PING go back on the accepted link at once. That is no detail for speed:
 * during a reshard the importing node broadcasts a PONG after every `SETSLOT ... NODE`, nobody
 * answers it, so the kernel holds the next one until the peer's delayed ACK (tens of
 * milliseconds) and sends the PONGs of several slots together. The other masters meanwhile
 * learn each slot's owner from redis-cli's own SETSLOT, and most PONGs arrive with nothing new
 * to save. Sent one by one, each PONG beats redis-cli and makes every master save nodes.conf
 * with an fsync (slot claims are synced): 10x the fsyncs of redis-server in a rebalance.
 *
 * A test harness on virtual time may take over the order of a link's inputs (BusOwner.linkInput):
 * the accept or connect, each decoded message and the close are then handed to it as closures,
 * which it runs once the network has settled, in an order that does not depend on which socket
 * the kernel happened to report first (server/testing/virtual-network.ts). Without one, each
 * input runs at once, in the I/O callback that brought it.
 *
 * Output a peer does not read piles up in the socket; each link's pile is measured
 * (send-buffer.ts) and, with `cluster-link-sendbuf-limit` set, a link past it is freed by the
 * cron and counted, and the machine, told the link closed, connects again in the same cron.
 */
import * as net from 'node:net';
import type { LinkId } from './cluster-node';
import type { ClusterState } from './cluster-state';
import type { ClusterEffect, ClusterEvent } from './effects';
import type { ClusterMessage } from './messages';
import { decodeMessage, encodeMessage, isDecodeProblem } from './message-codec';
import { BusFrameReader, isFrameError } from './message-codec-frame-reader';
import { SendBuffer } from './send-buffer';

/** A pending timer of the owner's scheduler. */
export interface BusTimer {
  cancel(): void;
}

/** The owner's scheduler: the bus never calls setTimeout or setInterval itself. */
export interface BusScheduler {
  schedule(delayMs: number, fn: () => void): BusTimer;
  every(intervalMs: number, fn: () => void): BusTimer;
}

/** What the bus needs from the node that owns it. */
export interface BusOwner {
  clock(): number;
  readonly scheduler: BusScheduler;
  /** Persist nodes.conf atomically. */
  saveConfig(text: string, durable: boolean): void;
  /** Text of nodes.conf for the current state. */
  configText(): string;
  deleteSlotKeys(slot: number): void;
  publish(channel: string, message: string, shard: boolean): void;
  event(event: ClusterEvent): void;
  /** Manual failover, master side: hold clients' writes until untilMs (0: resume). */
  pauseWrites(untilMs: number): void;
  warn(message: string): void;
  /** cluster-link-sendbuf-limit, read at every cron (CONFIG SET applies at once); 0: none. */
  sendBufferLimitBytes(): number;
  /** A test harness's verdict on an incoming message (server/node-hooks.ts); deliver when absent. */
  busMessage?(message: ClusterMessage): 'deliver' | 'drop' | { delayMs: number };
  /** Every bus socket, accepted or opened (a test harness freezes or resets them). */
  socketOpened?(socket: net.Socket): void;
  /**
   * Runs an input of a link (accepted, connected, a message, closed) now, or later in a test
   * harness's own order, each socket's inputs in the order they came. Run at once when absent.
   */
  linkInput?(socket: net.Socket, run: () => void): void;
  /**
   * A test harness that knows nothing listens at this address (a node it killed) says so, and
   * the connect is refused without a socket: the machine hears at once what it would hear of a
   * connect the kernel refused. Saves a socket per cron and per peer while a node is dead.
   */
  refusesConnect?(ip: string, port: number): boolean;
}

/** One link's output as CLUSTER LINKS shows it. */
export interface LinkOutput {
  allocatedBytes: number;
  usedBytes: number;
  /** Output is waiting (Redis lists the link's events as "rw" then, else "r"). */
  writing: boolean;
}

const CRON_INTERVAL_MS = 100;
/** An outbound connect that has not completed after this long is abandoned. */
const CONNECT_TIMEOUT_MS = 5000;

export class TcpTransport {
  private servers: net.Server[] = [];
  private readonly sockets = new Map<LinkId, net.Socket>();
  private readonly sendBuffers = new Map<LinkId, SendBuffer>();
  /** Encoded messages not yet written, per link (see the opening comment). */
  private readonly outgoing = new Map<LinkId, Buffer[]>();
  private writeScheduled = false;
  /** A save asked for by a peer's message this turn, carried out before the turn's writes; null: none. */
  private deferredSave: { durable: boolean } | null = null;
  /** Set while a peer's message is handed to the machine: its saves wait for the end of the turn. */
  private deferSaves = false;
  /** Links whose connect the owner refused, to tell the machine once the current effects are done. */
  private readonly refused: LinkId[] = [];
  /** Per link, how many delayed messages are still on their way (later ones wait behind them). */
  private readonly delayed = new Map<LinkId, { pending: number; lastDueMs: number }>();
  private cron: BusTimer | null = null;
  /** Closed: inputs a harness still holds for this transport are dropped. */
  private stopped = false;
  /** Frames dropped because they did not decode (malformed, wrong version, bad length). */
  droppedMessages = 0;
  /** Links freed for passing cluster-link-sendbuf-limit (CLUSTER INFO total_cluster_links_buffer_limit_exceeded). */
  linksFreedForBufferLimit = 0;

  constructor(
    private readonly state: ClusterState,
    private readonly owner: BusOwner,
  ) {}

  /** Listens on the bus port of every bind address and starts the cron. */
  async start(hosts: readonly string[], port: number): Promise<void> {
    for (const host of hosts) {
      const server = net.createServer((socket) => this.acceptInbound(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, exclusive: true, ipv6Only: host.includes(':') }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.servers.push(server);
    }
    this.cron = this.owner.scheduler.every(CRON_INTERVAL_MS, () => this.tick());
    this.tick();
  }

  async close(): Promise<void> {
    this.saveDeferred();
    this.stopped = true;
    this.cron?.cancel();
    this.cron = null;
    for (const socket of this.sockets.values()) socket.destroy();
    this.sockets.clear();
    this.sendBuffers.clear();
    this.outgoing.clear();
    const servers = this.servers;
    this.servers = [];
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  /** Runs the machine's cron and carries out what it asked for. */
  tick(): void {
    this.freeLinksOverBufferLimit();
    this.state.tick(this.owner.clock());
    this.apply();
  }

  /** The output figures of a link (zeros for a link without a socket). */
  linkOutput(link: LinkId): LinkOutput {
    const socket = this.sockets.get(link);
    let usedBytes = socket?.writableLength ?? 0;
    for (const bytes of this.outgoing.get(link) ?? []) usedBytes += bytes.length;
    return { allocatedBytes: this.sendBuffers.get(link)?.allocatedBytes ?? 0, usedBytes, writing: usedBytes > 0 };
  }

  /** The cron's pass over every node's links: give back spare room, then free any still over the limit. */
  private freeLinksOverBufferLimit(): void {
    const limitBytes = this.owner.sendBufferLimitBytes();
    for (const link of this.state.linkList()) {
      const buffer = this.sendBuffers.get(link.id);
      const socket = this.sockets.get(link.id);
      if (buffer === undefined || socket === undefined) continue;
      buffer.trim(socket.writableLength);
      if (buffer.exceeds(limitBytes)) {
        this.owner.warn(
          `Freeing cluster link(${link.outbound ? 'to' : 'from'} node ${link.node}, used memory: ${buffer.allocatedBytes}) ` +
            'due to exceeding send buffer memory limit.',
        );
        this.linksFreedForBufferLimit++;
        this.forget(link.id);
        socket.destroy();
        this.state.linkClosed(link.id);
      }
    }
  }

  /**
   * Hands a message to the machine, unless a test harness drops or delays it. A delayed message
   * keeps its place: later ones on the same link wait behind it, as on a slow TCP connection.
   */
  private deliver(link: LinkId, socket: net.Socket, message: ClusterMessage): void {
    const verdict = this.owner.busMessage?.(message) ?? 'deliver';
    if (verdict === 'drop') return;
    const queue = this.delayed.get(link);
    const delayMs = verdict === 'deliver' ? 0 : verdict.delayMs;
    if (delayMs <= 0 && queue === undefined) {
      this.receive(link, message);
      return;
    }
    const nowMs = this.owner.clock();
    const dueMs = Math.max(nowMs + delayMs, queue?.lastDueMs ?? 0);
    const entry = queue ?? { pending: 0, lastDueMs: 0 };
    entry.pending++;
    entry.lastDueMs = dueMs;
    this.delayed.set(link, entry);
    this.owner.scheduler.schedule(dueMs - nowMs, () => {
      if (--entry.pending === 0 && this.delayed.get(link) === entry) this.delayed.delete(link);
      if (this.sockets.get(link) !== socket || socket.destroyed) return;
      this.receive(link, message);
    });
  }

  private forget(link: LinkId): void {
    this.delayed.delete(link);
    this.sockets.delete(link);
    this.sendBuffers.delete(link);
    this.outgoing.delete(link);
  }

  /** Writes what waits for `link`, in one write. */
  private writeQueued(link: LinkId): void {
    const queued = this.outgoing.get(link);
    if (queued === undefined) return;
    this.outgoing.delete(link);
    const socket = this.sockets.get(link);
    if (socket === undefined || socket.destroyed) return;
    const bytes = queued.length === 1 ? (queued[0] as Buffer) : Buffer.concat(queued);
    this.sendBuffers.get(link)?.reserve(socket.writableLength, bytes.length);
    socket.write(bytes);
  }

  private readonly writeAllQueued = (): void => {
    this.writeScheduled = false;
    this.saveDeferred();
    for (const link of [...this.outgoing.keys()]) this.writeQueued(link);
  };

  /** Carries out every queued effect; called after each input to the machine. */
  apply(): void {
    for (;;) {
      const effects = this.state.takeEffects();
      if (effects.length === 0) {
        const link = this.refused.shift();
        if (link === undefined) return;
        this.state.linkClosed(link);
        continue;
      }
      for (const effect of effects) this.perform(effect);
    }
  }

  private perform(effect: ClusterEffect): void {
    switch (effect.kind) {
      case 'connect':
        this.connect(effect.link, effect.ip, effect.port);
        return;
      case 'send': {
        const socket = this.sockets.get(effect.link);
        if (socket === undefined || socket.destroyed) return;
        const bytes = encodeMessage(effect.message);
        const queued = this.outgoing.get(effect.link);
        if (queued === undefined) this.outgoing.set(effect.link, [bytes]);
        else queued.push(bytes);
        this.scheduleWrites();
        return;
      }
      case 'close':
        // What the machine sent before closing goes out first (a MEET answer, a FAIL), after
        // the save it depends on.
        this.saveDeferred();
        this.writeQueued(effect.link);
        this.sockets.get(effect.link)?.destroy();
        this.forget(effect.link);
        return;
      case 'save-config':
        if (this.deferSaves) {
          if (this.deferredSave === null) this.deferredSave = { durable: effect.durable };
          else this.deferredSave.durable ||= effect.durable;
          this.scheduleWrites();
          return;
        }
        this.save(effect.durable || this.deferredSave?.durable === true);
        return;
      case 'delete-slot-keys':
        this.owner.deleteSlotKeys(effect.slot);
        return;
      case 'publish':
        this.owner.publish(effect.channel, effect.message, effect.shard);
        return;
      case 'pause-writes':
        this.owner.pauseWrites(effect.untilMs);
        return;
      case 'event':
        this.owner.event(effect.event);
        return;
    }
  }

  /** The turn's writes (and deferred save) run once the current I/O callbacks are over. */
  private scheduleWrites(): void {
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    setImmediate(this.writeAllQueued);
  }

  private saveDeferred(): void {
    if (this.deferredSave !== null) this.save(this.deferredSave.durable);
  }

  /** nodes.conf written now; a deferred save is included in it. */
  private save(durable: boolean): void {
    this.deferredSave = null;
    try {
      this.owner.saveConfig(this.owner.configText(), durable);
    } catch (err) {
      this.owner.warn(`Could not save the cluster config: ${(err as Error).message}`);
    }
  }

  /** A peer's message handed to the machine; the saves it asks for wait for the end of the turn. */
  private receive(link: LinkId, message: ClusterMessage): void {
    this.deferSaves = true;
    try {
      this.state.receive(link, message, this.owner.clock());
      this.apply();
    } finally {
      this.deferSaves = false;
    }
  }

  /** Runs a link's input now, or hands it to the owner's harness (BusOwner.linkInput). */
  private input(socket: net.Socket, run: () => void): void {
    const order = this.owner.linkInput;
    if (order === undefined) run();
    else
      order(socket, () => {
        if (!this.stopped) run();
      });
  }

  private acceptInbound(socket: net.Socket): void {
    // Read now: a socket closed before a harness runs the accept no longer knows its addresses.
    const peerIp = stripV4Mapped(socket.remoteAddress ?? '');
    const localIp = stripV4Mapped(socket.localAddress ?? '');
    const ref: { link: LinkId | null } = { link: null };
    // Redis sets TCP_NODELAY on the links it accepts, so answers to a peer's PING leave at once.
    socket.setNoDelay(true);
    this.attach(socket, ref);
    this.input(socket, () => {
      ref.link = this.state.inboundAccepted(peerIp, localIp, this.owner.clock());
      this.adopt(ref.link, socket);
    });
  }

  private connect(link: LinkId, ip: string, port: number): void {
    if (this.owner.refusesConnect?.(ip, port) === true) {
      this.refused.push(link);
      return;
    }
    const socket = net.connect({ host: ip, port });
    const connectTimeout = this.owner.scheduler.schedule(CONNECT_TIMEOUT_MS, () => socket.destroy());
    socket.once('close', () => connectTimeout.cancel());
    socket.once('connect', () => {
      connectTimeout.cancel();
      const localIp = stripV4Mapped(socket.localAddress ?? '');
      this.input(socket, () => {
        // The machine may have closed the link meanwhile (a harness runs this later).
        if (this.sockets.get(link) !== socket) return;
        this.state.outboundConnected(link, localIp, this.owner.clock());
        this.apply();
      });
    });
    this.adopt(link, socket);
    this.attach(socket, { link });
  }

  private adopt(link: LinkId, socket: net.Socket): void {
    this.sockets.set(link, socket);
    this.sendBuffers.set(link, new SendBuffer());
  }

  /**
   * Frames and decodes what arrives (at once, so a socket never stalls on a full read buffer)
   * and hands each message and the close to the machine as inputs. `ref.link` is null until an
   * inbound socket's accept has run; every later input of that socket runs after it.
   */
  private attach(socket: net.Socket, ref: { readonly link: LinkId | null }): void {
    this.owner.socketOpened?.(socket);
    // The socket's link, while the socket is still the one of its link (not once the machine closed it).
    const currentLink = (): LinkId | null => (ref.link !== null && this.sockets.get(ref.link) === socket ? ref.link : null);
    const reader = new BusFrameReader();
    socket.on('data', (chunk: Buffer) => {
      reader.feed(chunk);
      for (let frame = reader.next(); frame !== null; frame = reader.next()) {
        if (isFrameError(frame)) {
          this.owner.warn(`Closing cluster bus link: ${frame.reason}`);
          socket.destroy();
          return;
        }
        const message = decodeMessage(frame);
        this.input(socket, () => {
          const link = currentLink();
          if (link === null) return;
          if (isDecodeProblem(message)) {
            this.droppedMessages++;
            this.owner.event({ type: 'message-dropped', reason: message.reason });
            return;
          }
          this.deliver(link, socket, message);
        });
        if (socket.destroyed) return;
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () =>
      this.input(socket, () => {
        const link = currentLink();
        if (link === null) return;
        this.forget(link);
        this.state.linkClosed(link);
        this.apply();
      }),
    );
  }
}

function stripV4Mapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
