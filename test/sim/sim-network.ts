/**
 * A seeded, simulated network and clock for running many cluster state machines in one process
 * (DESIGN.md decision 3; STYLE.md "Deterministic simulation"). It plays the part that
 * cluster-bus/tcp-transport.ts plays behind real sockets, and feeds the machines the same inputs
 * in the same shapes: `inboundAccepted` / `outboundConnected` / `linkClosed` / `receive` / `tick`,
 * and `admin(op)` for what an operator types (CLUSTER MEET, ADDSLOTS, SETSLOT, FAILOVER, ...),
 * the same operation values server/commands/cluster.ts hands the machine.
 *
 * Determinism. Nothing here reads the wall clock, Math.random, timers or sockets. Every choice
 * (latency, loss, the order of equal-time events, each machine's own randomness, the phase of its
 * cron) is drawn from one SeededRandom made from the seed, in an order fixed by the event
 * sequence, so a seed replays a run exactly. Time only moves when the agenda (event-queue.ts)
 * takes the next action; a minute of cluster life costs milliseconds.
 *
 * What a link is. A `connect` effect opens a pair of link ends, like a TCP connection:
 *
 *   A: connect(link L, ip, cport) ──latency──▶ B exists, reachable: B.inboundAccepted → M
 *                                               A.outboundConnected(L)        (L ⇄ M paired)
 *                                 B crashed / nobody at ip:cport: A.linkClosed(L)  (refused)
 *                                 partitioned: SYN retried every second, A.linkClosed(L) after
 *                                 CONNECT_TIMEOUT_MS (tcp-transport's connect timeout)
 *
 * `send` effects are encoded with encodeMessage at once (what the machine sent is frozen, as it
 * would be in a socket buffer) and, after a seeded latency, cut into random chunks, fed to the
 * receiving end's BusFrameReader and decoded with decodeMessage, so the codec and the framer run
 * on every message. Deliveries on one direction of a link never overtake each other.
 *
 * A `close` (or a crash) reaches the other end after the same latency, behind the data already
 * in flight, as a FIN would. Across a partition it cannot: the far end stays half-open, sends
 * into the void, and only learns of the close (an RST) when it sends after the partition heals,
 * or when the heal happens. Link recycling in the machine (node timeout) is what gets rid of
 * links that went silent; this is what the partition scenarios watch.
 *
 * Faults: a loss rate (each message independently), partition(a, b) / heal, isolate(node),
 * crash(node) (state and links gone; nodes.conf kept) and restart(node) from the last text the
 * node saved (configText → loadNodesConf), as a process restarted in the same dir would;
 * pause(node) / resume(node), a stopped process (SIGSTOP/SIGCONT): its cron stops and it is cut
 * off from everybody, then it comes back with the state it had, which time has made stale.
 *
 * Host inputs of failover: each node reports `replOffset` (set by the test, to rank replicas),
 * and a replica's data age is the time since its master was last up and reachable from it.
 */
import type { LinkId } from '../../cluster-bus/cluster-node';
import { type AdminOp, type AdminResult, ClusterState } from '../../cluster-bus/cluster-state';
import { configText } from '../../cluster-bus/cluster-views';
import type { ClusterEffect, ClusterEvent } from '../../cluster-bus/effects';
import { decodeMessage, encodeMessage, isDecodeProblem } from '../../cluster-bus/message-codec';
import { isFrameError } from '../../cluster-bus/message-codec-frame-reader';
import type { ClusterMessage } from '../../cluster-bus/messages';
import { loadNodesConf } from '../../cluster-bus/nodes-conf';
import { SeededRandom } from '../../storage/random';
import { EventQueue } from './event-queue';
import { LinkEnd, SimNode } from './sim-node';

export { SimNode } from './sim-node';

/** Redis runs clusterCron every 100 ms (redis-wire.md §1.10). */
export const CRON_INTERVAL_MS = 100;
/** tcp-transport.ts abandons a connect after this long. */
export const CONNECT_TIMEOUT_MS = 5000;
/** How often a SYN is retried while the path is cut (coarsely like TCP's backoff). */
const SYN_RETRY_MS = 1000;

export interface SimOptions {
  seed: number;
  nodes: number;
  /** cluster-node-timeout; default 15000 like Redis. */
  nodeTimeoutMs?: number;
  /** One-way latency is drawn uniformly from [min, max] ms for every message. */
  latencyMinMs?: number;
  latencyMaxMs?: number;
  /** Probability that a message is lost. */
  dropRate?: number;
}

/** Everything that happened, in order: what determinism is checked against. */
export type SimRecord =
  | { atMs: number; node: number; kind: 'event'; event: ClusterEvent }
  | { atMs: number; node: number; kind: 'fault'; what: string };

export interface Delivery {
  atMs: number;
  from: number;
  to: number;
  message: ClusterMessage;
}

export class SimNetwork {
  readonly seed: number;
  readonly nodes: SimNode[] = [];
  readonly records: SimRecord[] = [];
  /** Called for every decoded message handed to a machine (etcd-raft's msgHook, for watching). */
  onDeliver: ((delivery: Delivery) => void) | null = null;
  dropRate: number;
  /** Counters, for the report a failing test prints. */
  readonly stats = { sent: 0, delivered: 0, dropped: 0, cut: 0, refused: 0, resets: 0 };
  private nowMs = 0;
  private readonly rng: SeededRandom;
  private readonly agenda = new EventQueue();
  private readonly cuts = new Set<string>();
  private readonly latencyMinMs: number;
  private readonly latencyMaxMs: number;

  constructor(options: SimOptions) {
    this.seed = options.seed;
    this.rng = new SeededRandom(options.seed);
    this.dropRate = options.dropRate ?? 0;
    this.latencyMinMs = options.latencyMinMs ?? 1;
    this.latencyMaxMs = options.latencyMaxMs ?? 10;
    for (let i = 0; i < options.nodes; i++) {
      const node = new SimNode(i, `127.0.0.${i + 1}`, 7000 + i, 17000 + i, options.nodeTimeoutMs ?? 15000);
      this.nodes.push(node);
      this.boot(node, '');
    }
  }

  get now(): number {
    return this.nowMs;
  }

  node(index: number): SimNode {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`sim: no node ${index}`);
    return node;
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  /** Takes every action due up to now + ms, then leaves the clock at now + ms. */
  runFor(ms: number): void {
    this.runTo(this.nowMs + ms);
  }

  private runTo(untilMs: number): void {
    while (this.agenda.peekTime() <= untilMs) {
      const item = this.agenda.pop();
      if (item === undefined) break;
      this.nowMs = item.atMs;
      item.run();
    }
    this.nowMs = untilMs;
  }

  /**
   * Runs until `done()` holds, checking every `everyMs` of simulated time; returns the simulated
   * time it took. Throws when `limitMs` passes first, so a scenario states its bound.
   */
  runUntil(what: string, done: () => boolean, limitMs: number, everyMs = 100): number {
    const start = this.nowMs;
    while (!done()) {
      if (this.nowMs - start >= limitMs) {
        throw new Error(`sim seed ${this.seed}: "${what}" did not happen within ${limitMs} ms of simulated time`);
      }
      this.runFor(everyMs);
    }
    return this.nowMs - start;
  }

  private schedule(delayMs: number, run: () => void): void {
    this.agenda.push(this.nowMs + delayMs, run);
  }

  private latency(): number {
    return this.latencyMinMs + Math.floor(this.rng.next() * (this.latencyMaxMs - this.latencyMinMs + 1));
  }

  // ---------------------------------------------------------------------------------------------
  // Admin input

  /**
   * Hands admin operations (CLUSTER MEET, ADDSLOTS, SETSLOT, ...) to a node's machine through its
   * admin input, then carries out their effects once, as one CLUSTER command's worth. Returns
   * the first refusal, or the last result when every operation was done.
   */
  admin(index: number, ...ops: AdminOp[]): AdminResult {
    const node = this.node(index);
    let result: AdminResult = { ok: true, bumped: false };
    for (const op of ops) {
      result = node.machine.admin(op, this.nowMs);
      if (!result.ok) break;
    }
    this.drain(node);
    return result;
  }

  /** A client's PUBLISH (or SPUBLISH) on a node, carried over the bus. */
  publish(index: number, channel: string, message: string, shard: boolean): void {
    const node = this.node(index);
    node.machine.publish(channel, message, shard);
    this.drain(node);
  }

  // ---------------------------------------------------------------------------------------------
  // Faults

  partition(a: number, b: number): void {
    this.cuts.add(pairKey(a, b));
    this.fault(a, `partition from ${b}`);
  }

  /** Cuts a node off from every other one. */
  isolate(index: number): void {
    for (const other of this.nodes) if (other.index !== index) this.cuts.add(pairKey(index, other.index));
    this.fault(index, 'isolated');
  }

  heal(a: number, b: number): void {
    this.cuts.delete(pairKey(a, b));
    this.fault(a, `healed with ${b}`);
    this.resetHalfOpen(a, b);
    this.resetHalfOpen(b, a);
  }

  healAll(): void {
    const cut = [...this.cuts];
    this.cuts.clear();
    for (const key of cut) {
      const [a = 0, b = 0] = key.split('-').map(Number);
      this.fault(a, `healed with ${b}`);
      this.resetHalfOpen(a, b);
      this.resetHalfOpen(b, a);
    }
  }

  reachable(a: number, b: number): boolean {
    return !this.cuts.has(pairKey(a, b));
  }

  /** The process dies: its machine and links are gone, its saved nodes.conf stays. */
  crash(index: number): void {
    const node = this.node(index);
    if (node.state === null) return;
    this.fault(index, 'crash');
    for (const end of [...node.ends.values()]) this.closeEnd(end);
    node.ends.clear();
    node.state = null;
    node.incarnation++;
  }

  /** SIGSTOP: the node's cron stops and nothing reaches it or leaves it; links stay open. */
  pause(index: number): void {
    const node = this.node(index);
    node.paused = true;
    for (const other of this.nodes) if (other.index !== index) this.cuts.add(pairKey(index, other.index));
    this.fault(index, 'paused');
  }

  /** SIGCONT: the node runs again from where it stopped. */
  resume(index: number): void {
    const node = this.node(index);
    node.paused = false;
    this.fault(index, 'resumed');
    for (const other of this.nodes) if (other.index !== index) this.heal(index, other.index);
  }

  /** Starts the node again from the nodes.conf text it saved last. */
  restart(index: number): void {
    const node = this.node(index);
    if (node.state !== null) throw new Error(`sim: node ${index} is still up`);
    this.fault(index, 'restart');
    this.boot(node, node.savedConfig);
  }

  private fault(index: number, what: string): void {
    this.records.push({ atMs: this.nowMs, node: index, kind: 'fault', what });
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  private boot(node: SimNode, config: string): void {
    const host = {
      keysInSlot: (slot: number) => (node.slotsWithKeys.has(slot) ? 1 : 0),
      keyCount: () => node.slotsWithKeys.size,
      replicationOffset: () => node.replOffset,
      masterDataAgeMs: () => this.nowMs - node.masterSeenMs,
    };
    // Each life draws its own stream, so a restart does not replay the ids of the first life.
    const random = new SeededRandom(Math.floor(this.rng.next() * 0x100000000));
    const state = new ClusterState(node.settings, host, random, this.nowMs);
    if (loadNodesConf(state, config, this.nowMs)) state.refreshMyAddress();
    node.state = state;
    node.startedMs = this.nowMs;
    node.masterSeenMs = this.nowMs;
    // As cluster-mode.ts does at start-up: write nodes.conf at once.
    node.savedConfig = configText(state);
    const incarnation = node.incarnation;
    const cron = (): void => {
      if (node.incarnation !== incarnation || node.state === null) return;
      if (node.paused) {
        this.schedule(CRON_INTERVAL_MS, cron);
        return;
      }
      this.noteMasterSeen(node, node.state);
      node.state.tick(this.nowMs);
      this.drain(node);
      this.schedule(CRON_INTERVAL_MS, cron);
    };
    // Each node's cron has its own phase, as processes started at different instants would.
    this.schedule(Math.floor(this.rng.next() * CRON_INTERVAL_MS), cron);
  }

  /** A replica's link to its master works while the master is up and reachable (data age). */
  private noteMasterSeen(node: SimNode, state: ClusterState): void {
    const me = state.myself;
    if (!me.isReplica || me.slaveof === null) {
      node.masterSeenMs = this.nowMs;
      return;
    }
    const master = this.nodes.find((n) => n.state !== null && n.state.myself.name === me.slaveof);
    if (master !== undefined && !master.paused && this.reachable(node.index, master.index)) node.masterSeenMs = this.nowMs;
  }

  private nodeAt(ip: string, cport: number): SimNode | undefined {
    return this.nodes.find((n) => n.ip === ip && n.cport === cport);
  }

  /** Performs queued effects until the machine has nothing more to say. */
  private drain(node: SimNode): void {
    for (;;) {
      const state = node.state;
      if (state === null) return;
      const effects = state.takeEffects();
      if (effects.length === 0) return;
      for (const effect of effects) this.perform(node, state, effect);
    }
  }

  private perform(node: SimNode, state: ClusterState, effect: ClusterEffect): void {
    switch (effect.kind) {
      case 'connect':
        this.connect(node, effect.link, effect.ip, effect.port);
        return;
      case 'send':
        this.send(node, effect.link, encodeMessage(effect.message));
        return;
      case 'close': {
        const end = node.ends.get(effect.link);
        if (end !== undefined) this.closeEnd(end);
        return;
      }
      case 'save-config':
        node.savedConfig = configText(state);
        return;
      case 'delete-slot-keys':
        node.deletedSlots.push(effect.slot);
        node.slotsWithKeys.delete(effect.slot);
        return;
      case 'publish':
        node.published.push({ channel: effect.channel, message: effect.message, shard: effect.shard });
        return;
      case 'pause-writes':
        node.writesPausedUntilMs = effect.untilMs;
        return;
      case 'event':
        node.events.push({ atMs: this.nowMs, event: effect.event });
        this.records.push({ atMs: this.nowMs, node: node.index, kind: 'event', event: effect.event });
        return;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Links

  private connect(node: SimNode, linkId: LinkId, ip: string, cport: number): void {
    const end = new LinkEnd(node, node.incarnation, linkId, true);
    node.ends.set(linkId, end);
    const startedMs = this.nowMs;
    const attempt = (): void => {
      if (!end.live) return;
      const target = this.nodeAt(ip, cport);
      if (target !== undefined && !this.reachable(node.index, target.index)) {
        // SYNs vanish: retry, and give up as the transport's connect timeout would.
        if (this.nowMs - startedMs + SYN_RETRY_MS < CONNECT_TIMEOUT_MS) this.schedule(SYN_RETRY_MS, attempt);
        else this.schedule(CONNECT_TIMEOUT_MS - (this.nowMs - startedMs), () => this.refuse(end));
        return;
      }
      if (target === undefined || target.state === null) {
        this.stats.refused++;
        this.refuse(end);
        return;
      }
      const inboundId = target.state.inboundAccepted(node.ip, target.ip, this.nowMs);
      const inbound = new LinkEnd(target, target.incarnation, inboundId, false);
      target.ends.set(inboundId, inbound);
      end.peer = inbound;
      inbound.peer = end;
      this.drain(target);
      node.machine.outboundConnected(linkId, node.ip, this.nowMs);
      this.drain(node);
    };
    this.schedule(this.latency(), attempt);
  }

  /** The connect failed: the machine hears linkClosed for it, as from a socket error. */
  private refuse(end: LinkEnd): void {
    if (!end.live || end.peer !== null) return;
    this.tellClosed(end);
  }

  private send(node: SimNode, linkId: LinkId, bytes: Buffer): void {
    const end = node.ends.get(linkId);
    if (end === undefined || !end.live) return;
    this.stats.sent++;
    if (end.halfOpen) {
      // Writing to a connection the far side has dropped: once the path works, an RST comes back.
      if (end.peer === null || this.reachable(node.index, end.peer.node.index)) {
        this.stats.resets++;
        this.schedule(this.latency(), () => this.tellClosed(end));
      }
      return;
    }
    const peer = end.peer;
    if (peer === null) return;
    if (!this.reachable(node.index, peer.node.index)) {
      this.stats.cut++;
      return;
    }
    if (this.dropRate > 0 && this.rng.next() < this.dropRate) {
      this.stats.dropped++;
      return;
    }
    const atMs = Math.max(this.nowMs + this.latency(), peer.nextDeliveryMs);
    peer.nextDeliveryMs = atMs;
    this.agenda.push(atMs, () => this.deliver(end, peer, bytes));
  }

  private deliver(from: LinkEnd, to: LinkEnd, bytes: Buffer): void {
    if (!to.live || to.halfOpen) return;
    if (!this.reachable(from.node.index, to.node.index)) {
      this.stats.cut++;
      return;
    }
    // Random chunking: the framer must reassemble whatever the stream hands it.
    let offset = 0;
    while (offset < bytes.length) {
      const size = 1 + Math.floor(this.rng.next() * bytes.length);
      to.reader.feed(bytes.subarray(offset, Math.min(bytes.length, offset + size)));
      offset += size;
    }
    for (let frame = to.reader.next(); frame !== null && to.live; frame = to.reader.next()) {
      if (isFrameError(frame)) {
        throw new Error(`sim seed ${this.seed}: frame error on a link to node ${to.node.index}: ${frame.reason}`);
      }
      const message = decodeMessage(frame);
      if (isDecodeProblem(message)) {
        throw new Error(`sim seed ${this.seed}: undecodable message to node ${to.node.index}: ${message.reason}`);
      }
      this.stats.delivered++;
      this.onDeliver?.({ atMs: this.nowMs, from: from.node.index, to: to.node.index, message });
      to.node.machine.receive(to.linkId, message, this.nowMs);
      this.drain(to.node);
    }
  }

  /**
   * Closes an end on behalf of its node (a close effect or a crash). The peer learns of it after a
   * latency, behind the data in flight, unless the path is cut: then it stays half-open.
   */
  private closeEnd(end: LinkEnd): void {
    if (!end.open) return;
    end.open = false;
    end.node.ends.delete(end.linkId);
    const peer = end.peer;
    if (peer === null || !peer.live) return;
    if (!this.reachable(end.node.index, peer.node.index)) {
      peer.halfOpen = true;
      return;
    }
    const atMs = Math.max(this.nowMs + this.latency(), peer.nextDeliveryMs);
    peer.nextDeliveryMs = atMs;
    this.agenda.push(atMs, () => this.tellClosed(peer));
  }

  /** The socket reports the connection gone: the machine gets linkClosed. */
  private tellClosed(end: LinkEnd): void {
    if (!end.live) return;
    end.open = false;
    end.node.ends.delete(end.linkId);
    end.node.machine.linkClosed(end.linkId);
    this.drain(end.node);
  }

  /** After a heal, half-open ends across the pair learn the truth (their next segment is reset). */
  private resetHalfOpen(a: number, b: number): void {
    for (const end of this.node(a).ends.values()) {
      if (!end.halfOpen || end.peer?.node.index !== b) continue;
      this.stats.resets++;
      this.schedule(this.latency(), () => this.tellClosed(end));
    }
  }

  /** Live link ends a node holds towards another (outbound and inbound), for assertions. */
  linksBetween(a: number, b: number): Array<{ linkId: LinkId; outbound: boolean; halfOpen: boolean }> {
    const out: Array<{ linkId: LinkId; outbound: boolean; halfOpen: boolean }> = [];
    for (const end of this.node(a).ends.values()) {
      if (end.peer?.node.index === b) out.push({ linkId: end.linkId, outbound: end.outbound, halfOpen: end.halfOpen });
    }
    return out;
  }
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}
