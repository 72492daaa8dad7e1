/**
 * Virtual time over real sockets: knowing when the network has gone quiet, and running what
 * the cluster bus received in an order that is the same from run to run.
 *
 * A virtual cluster's nodes still talk over loopback TCP, so a message sent at virtual instant t
 * needs some wall time to arrive, and several arriving at once come up in whatever order the
 * kernel and libuv report their sockets. Two rules make that invisible:
 *
 *   1. Time stands still until the network has settled. After each instant's timers have run,
 *      settle() lets the event loop turn until every byte a node wrote has been read by the node
 *      at the other end, every connect has been accepted (or refused), every socket whose peer
 *      went away has seen its close, and nothing has changed for a few turns in a row. Messages
 *      therefore take no virtual time: whatever a node sends at t is received at t.
 *
 *   2. The cluster bus does not act on what arrives when it arrives. Its transport hands each
 *      input of a link (accept, connect, message, close) over here (cluster-bus/tcp-transport.ts,
 *      BusOwner.linkInput); once the network is quiet they are run in one batch, sorted by
 *
 *          receiving node ─▶ link identity ─▶ arrival on that socket (TCP's own order)
 *
 *      then the network settles again (the batch made the nodes answer) and the next batch runs,
 *      until a settle brings no input. A link's identity must not depend on ports, which differ
 *      between runs: an outbound socket is (node, kind, how many of that kind the node opened
 *      before), which follows from the node's own deterministic behaviour; an accepted socket is
 *      named by the outbound socket at its other end, found by matching port pairs.
 *
 *   round:   settle ─▶ [node 0: link a msgs, link b msgs] [node 1: ...] ─▶ settle ─▶ ... ─▶ empty
 *
 * Only bus inputs are reordered. Replication and MIGRATE connections between nodes are waited
 * for (rule 1) but their data is handled as it arrives: each affects only the node it reaches,
 * and that node's bus inputs, timers and random draws come after it in a fixed order all the
 * same. The test's own client connections are not waited for (their other end is no node): a
 * test that wants a command in before time moves awaits its reply first.
 *
 * A node that is paused keeps its inputs until it resumes, a node that was killed loses them,
 * and sockets a node has stopped reading (paused, cut by a fault) are not waited for.
 */
import type * as net from 'node:net';
import type { SocketKind } from '../node-hooks';

/** Whether a node can take an input now. */
export interface InputGate {
  /** False once the node that received it is gone (killed or restarted): the input is dropped. */
  alive(): boolean;
  /** True while the node is paused: the input waits until it resumes. */
  frozen(): boolean;
}

interface TrackedSocket {
  readonly socket: net.Socket;
  /** The node's index in its cluster. */
  readonly lane: number;
  readonly kind: SocketKind;
  readonly outbound: boolean;
  /**
   * Outbound: how many sockets of this kind the node opened before this one (deterministic).
   * Accepted: the order sockets were accepted in across the cluster (a fallback only).
   */
  readonly seq: number;
  /** "clientPort>serverPort", once known: how the two ends of one connection find each other. */
  pairKey: string | null;
  connected: boolean;
  closed: boolean;
  peer: TrackedSocket | null;
  /** The node holds this socket unread (paused, or cut by a fault). */
  readonly unread: () => boolean;
}

interface PendingInput {
  readonly from: TrackedSocket;
  readonly run: () => void;
  readonly gate: InputGate;
}

/**
 * Consecutive turns with nothing new before the network counts as quiet. Nodes defer some work
 * to the next turn (the bus writes what a node sent once per turn; a dropped replication link
 * reconnects from a setImmediate) and a deferred step may defer another: one quiet turn would
 * end a settle before the second step shows, and its messages would land in a later batch in
 * one run and not in another.
 */
const QUIET_TURNS = 2;
/** Wall-clock limit for one settle(): a socket that never settles is a harness bug to report. */
const SETTLE_TIMEOUT_MS = 30_000;
/** Batches of inputs at one instant before settle() gives up (nodes answering each other forever). */
const MAX_ROUNDS = 100_000;

const KIND_ORDER: Record<SocketKind, number> = { bus: 0, replication: 1, migrate: 2, client: 3 };

const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

export class VirtualNetwork {
  /** Every socket seen, for looking inputs up (closed ones too: their close is an input). */
  private readonly bySocket = new WeakMap<net.Socket, TrackedSocket>();
  /** The sockets not closed yet. */
  private readonly live = new Set<TrackedSocket>();
  /** Connected outbound sockets and accepted ones whose other end is not known yet. */
  private readonly unpairedOutbound = new Map<string, TrackedSocket>();
  private readonly unpairedAccepted = new Map<string, TrackedSocket>();
  /** Ports the cluster's nodes listen on: a connect to one of them must be accepted. */
  private readonly nodePorts = new Set<number>();
  private readonly opened = new Map<string, number>();
  private acceptedCount = 0;
  private pending: PendingInput[] = [];
  /**
   * The rest of a batch a stepped settle stopped in (settle's `stop`): run before anything else
   * on the next settle, so a walk one message at a time sees the order an unbroken run sees.
   */
  private carried: PendingInput[] = [];
  /** Moves whenever a socket opens, connects, closes or brings an input. */
  private changes = 0;
  /** The signature when the last settle() ended. */
  private settledSignature = '';

  /** Ports some node of the cluster listens on (client and bus ports). */
  addNodePorts(...ports: number[]): void {
    for (const port of ports) this.nodePorts.add(port);
  }

  /** A socket node `lane` opened or accepted (the socketOpened hook). */
  track(lane: number, socket: net.Socket, kind: SocketKind, unread: () => boolean): void {
    if (this.bySocket.has(socket)) return;
    const outbound = socket.connecting;
    let seq: number;
    if (outbound) {
      const counter = `${lane}/${kind}`;
      seq = this.opened.get(counter) ?? 0;
      this.opened.set(counter, seq + 1);
    } else {
      seq = this.acceptedCount++;
    }
    const tracked: TrackedSocket = { socket, lane, kind, outbound, seq, pairKey: null, connected: !outbound, closed: false, peer: null, unread };
    this.bySocket.set(socket, tracked);
    this.live.add(tracked);
    this.changes++;
    if (outbound) {
      socket.once('connect', () => {
        tracked.connected = true;
        this.changes++;
        this.pair(tracked, `${socket.localPort ?? 0}>${socket.remotePort ?? 0}`, this.unpairedAccepted, this.unpairedOutbound);
      });
    } else {
      this.pair(tracked, `${socket.remotePort ?? 0}>${socket.localPort ?? 0}`, this.unpairedOutbound, this.unpairedAccepted);
    }
    socket.once('close', () => {
      tracked.closed = true;
      this.changes++;
      this.live.delete(tracked);
      const waiting = tracked.outbound ? this.unpairedOutbound : this.unpairedAccepted;
      if (tracked.pairKey !== null && waiting.get(tracked.pairKey) === tracked) waiting.delete(tracked.pairKey);
    });
  }

  /** A bus link's input, to run in the next batch (the busInput hook). */
  input(socket: net.Socket, run: () => void, gate: InputGate): void {
    let from = this.bySocket.get(socket);
    if (from === undefined) {
      // Not seen through socketOpened (should not happen): ordered after the known ones.
      this.track(Number.MAX_SAFE_INTEGER, socket, 'bus', () => false);
      from = this.bySocket.get(socket) as TrackedSocket;
    }
    this.pending.push({ from, run, gate });
    this.changes++;
  }

  /**
   * Lets the network settle and runs the bus inputs in batches, until a settle brings none
   * (see the opening comment). Rejects when the sockets do not settle within 30 s of wall time.
   *
   * `stop`, asked after each input: when it holds, settle() returns true at once and keeps the
   * rest of the batch for the next settle (the live view's "to the next event" stops at the
   * message that caused the event). Resolves false when the network settled.
   */
  async settle(stop: (() => boolean) | null = null): Promise<boolean> {
    const deadlineMs = Date.now() + SETTLE_TIMEOUT_MS;
    for (let round = 0; ; round++) {
      if (this.carried.length === 0) {
        await this.quiesce(deadlineMs);
        const batch = this.takeBatch();
        if (batch.length === 0) {
          this.settledSignature = this.signature();
          return false;
        }
        if (round >= MAX_ROUNDS) throw new Error(`virtual clock: the nodes kept messaging each other for ${MAX_ROUNDS} rounds without time passing`);
        this.carried = batch;
      }
      if (this.runCarried(stop)) return true;
    }
  }

  /** Runs the batch in hand, or its rest; true when `stop` held after an input (the rest kept). */
  private runCarried(stop: (() => boolean) | null): boolean {
    const batch = this.carried;
    for (let i = 0; i < batch.length; i++) {
      const input = batch[i] as PendingInput;
      // A stepped walk lets the test act between inputs: a node killed or paused meanwhile.
      if (!input.gate.alive()) continue;
      if (input.gate.frozen()) {
        this.pending.push(input);
        continue;
      }
      input.run();
      if (stop !== null && i + 1 < batch.length && stop()) {
        this.carried = batch.slice(i + 1);
        return true;
      }
    }
    this.carried = [];
    return stop !== null && stop();
  }

  /**
   * settle(), unless nothing has moved since the last one ended: after one turn (for writes the
   * test's own actions deferred), no socket opened, closed, read or owes bytes, and no input
   * waits. `stop` as settle's; false when nothing moved.
   */
  async settleIfMoved(stop: (() => boolean) | null = null): Promise<boolean> {
    await turn();
    const moved = this.carried.length > 0 || this.signature() !== this.settledSignature
      || this.pending.some((input) => input.gate.alive() && !input.gate.frozen()) || this.firstUnsettled() !== null;
    return moved ? this.settle(stop) : false;
  }

  private pair(tracked: TrackedSocket, key: string, others: Map<string, TrackedSocket>, mine: Map<string, TrackedSocket>): void {
    tracked.pairKey = key;
    const other = others.get(key);
    if (other === undefined || other.closed) {
      mine.set(key, tracked);
      return;
    }
    others.delete(key);
    tracked.peer = other;
    other.peer = tracked;
  }

  /** Turns the event loop until every socket has settled and nothing moved for QUIET_TURNS turns. */
  private async quiesce(deadlineMs: number): Promise<void> {
    let quietTurns = 0;
    let last = '';
    for (;;) {
      await turn();
      const signature = this.signature();
      const quiet = signature === last && this.firstUnsettled() === null;
      last = signature;
      quietTurns = quiet ? quietTurns + 1 : 0;
      if (quietTurns >= QUIET_TURNS) return;
      if (Date.now() > deadlineMs) {
        throw new Error(`virtual clock: the network did not settle within ${SETTLE_TIMEOUT_MS} ms of wall time (${this.firstUnsettled() ?? 'still busy'})`);
      }
    }
  }

  /**
   * What moves while the network is busy: the count of opens, connects, closes and inputs, and
   * the bytes read between nodes (a write shows up as bytes not yet read, which firstUnsettled()
   * sees). The test's own clients do not count: one that keeps sending while the clock advances
   * must not keep the network from ever being quiet.
   */
  private signature(): string {
    let bytes = 0;
    for (const tracked of this.live) if (tracked.peer !== null) bytes += tracked.socket.bytesRead;
    return `${this.changes}/${bytes}`;
  }

  /** Why some socket has not settled yet, or null when all have. */
  private firstUnsettled(): string | null {
    for (const tracked of this.live) {
      const reason = this.unsettled(tracked);
      if (reason !== null) return `node ${tracked.lane}'s ${tracked.outbound ? 'outbound' : 'accepted'} ${tracked.kind} socket: ${reason}`;
    }
    return null;
  }

  /** Whether everything sent to this socket has arrived and been read (null) or why not. */
  private unsettled(tracked: TrackedSocket): string | null {
    if (tracked.unread()) return null;
    if (!tracked.connected) return 'connecting';
    const peer = tracked.peer;
    if (peer === null) {
      const remotePort = tracked.socket.remotePort;
      return tracked.outbound && remotePort !== undefined && this.nodePorts.has(remotePort) ? 'not accepted yet' : null;
    }
    if (peer.closed || peer.socket.destroyed) return 'the other end closed, this end has not seen it yet';
    if (tracked.socket.bytesRead !== peer.socket.bytesWritten) return 'bytes in flight';
    return null;
  }

  /** The inputs to run now, in their deterministic order; a paused node's stay for later. */
  private takeBatch(): PendingInput[] {
    // Per socket, in arrival order (TCP's order on that socket); sockets then sorted by name.
    const bySocket = new Map<TrackedSocket, PendingInput[]>();
    const later: PendingInput[] = [];
    for (const input of this.pending) {
      if (!input.gate.alive()) continue;
      if (input.gate.frozen()) {
        later.push(input);
        continue;
      }
      const inputs = bySocket.get(input.from);
      if (inputs === undefined) bySocket.set(input.from, [input]);
      else inputs.push(input);
    }
    this.pending = later;
    const sockets = [...bySocket.keys()].map((tracked) => ({ tracked, key: orderKey(tracked) }));
    sockets.sort((a, b) => compareKeys(a.key, b.key));
    return sockets.flatMap(({ tracked }) => bySocket.get(tracked) as PendingInput[]);
  }
}

/** Receiving node first, then a name for the link that is the same in every run. */
function orderKey(tracked: TrackedSocket): number[] {
  if (tracked.outbound) return [tracked.lane, 0, KIND_ORDER[tracked.kind], tracked.seq];
  const peer = tracked.peer;
  if (peer !== null) return [tracked.lane, 1, peer.lane, KIND_ORDER[peer.kind], peer.seq];
  // A connection from outside the cluster's nodes: no stable name, accept order it is.
  return [tracked.lane, 2, tracked.seq];
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}
