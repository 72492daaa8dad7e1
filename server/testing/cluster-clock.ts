/**
 * The clock a test cluster runs on, shared by all its nodes: the real one, or a virtual one
 * that moves only when the test says so.
 *
 * Virtual time (server/virtual-timeline.ts) gives each node a lane of one timeline; the nodes still
 * talk over real sockets, which virtual-network.ts waits for and puts in order. advance(ms)
 * goes from one instant where some timer is due to the next, and at each one runs the timers,
 * then lets the network settle (every message sent is received and acted on, in a fixed order)
 * before time moves on:
 *
 *   advance(250):  settle ─ t+30: crons ─ settle ─ t+130: crons ─ settle ─ t+230: ... ─ t+250
 *
 * (the first settle takes in what the test did since the last advance: a kill, a fault). So
 * messages take no virtual time, nothing can happen between two due timers, and a run is a
 * function of the seed and of what the test does: the same event history every time. A
 * failover at node-timeout 15 s is some 170 such instants, around 100 ms of wall time. Every
 * live node retries a dead peer at every 100 ms cron, as Redis does; those connects are refused
 * at once without a socket (node-hooks.ts busConnectRefused), which halved that figure.
 *
 * Virtual time starts at VIRTUAL_EPOCH_MS, not at the wall clock's now, for the same reason:
 * the times in the event history must not depend on when the test ran.
 *
 * What stays outside the guarantee: the test's own client connections are not ordered (a test
 * that keeps commands in flight while time moves gets a timing-dependent run; one that awaits
 * its replies does not), and the fields of events that carry addresses carry the ports, which
 * differ from run to run (node ids, which come from the seed, are the identity).
 */
import { systemClock, type NodeClock } from '../clock';
import { VirtualNetwork } from './virtual-network';
import { VirtualTimeline } from '../virtual-timeline';

/** The lane of the harness's own timers (reply delays): after every node's at the same instant. */
export const HARNESS_LANE = Number.MAX_SAFE_INTEGER;

/** Where virtual time starts: 2026-01-01T00:00:00Z. */
export const VIRTUAL_EPOCH_MS = Date.UTC(2026, 0, 1);

export interface ClusterClock {
  readonly kind: 'real' | 'virtual';
  /** The cluster's time now, in ms since the epoch. */
  now(): number;
  /** Moves virtual time forward by `ms`, letting the nodes react as it passes (virtual only). */
  advance(ms: number): Promise<void>;
}

export class RealClusterClock implements ClusterClock {
  readonly kind = 'real';

  now(): number {
    return Date.now();
  }

  advance(): Promise<void> {
    return Promise.reject(new Error("clock.advance() needs a virtual clock: startCluster({ clock: 'virtual' })"));
  }

  /** The clock of a node: the system's, for every node. */
  clockFor(_lane: number): NodeClock {
    return systemClock;
  }
}

export class VirtualClusterClock implements ClusterClock {
  readonly kind = 'virtual';
  readonly timeline: VirtualTimeline;
  /** The nodes' sockets, waited for and put in order at every instant. */
  readonly network = new VirtualNetwork();
  private advancing = false;
  /** A stepped advance stopped after one of several timers due at the same instant. */
  private stoppedAmongTimers = false;

  constructor(startMs: number = VIRTUAL_EPOCH_MS) {
    this.timeline = new VirtualTimeline(startMs);
  }

  now(): number {
    return this.timeline.now();
  }

  /** The clock of node `lane` (its index): its timers order by lane at equal instants. */
  clockFor(lane: number): NodeClock {
    return this.timeline.clockFor(lane);
  }

  async advance(ms: number): Promise<void> {
    await this.advanceUntil(() => false, ms);
  }

  /**
   * Advances instant by instant (each due timer, then the sockets settled) until `reached()`
   * holds after an instant, or `limitMs` have passed. Resolves to whether it was reached.
   *
   * `stepping` (CLOCK NEXT, the live view's "to the next event" button) asks `reached()` after
   * every timer and every message delivered instead, and stops right there, inside the instant:
   * the crons that mark a node PFAIL, the gossip that carries the failure reports, the report
   * that makes the FAIL quorum, each vote request and each grant come out as separate steps. The
   * timers and messages the step left at that instant run first on the next call, so a walk in
   * steps goes through the same order as an unbroken advance.
   */
  async advanceUntil(reached: () => boolean, limitMs: number, stepping = false): Promise<boolean> {
    if (!(limitMs >= 0) || !Number.isFinite(limitMs)) throw new RangeError(`clock.advance(${limitMs}): not a number of ms >= 0`);
    if (this.advancing) throw new Error('clock.advance() is already running: await the first call');
    this.advancing = true;
    const stop = stepping ? reached : null;
    try {
      const targetMs = this.timeline.now() + limitMs;
      // Timers a stepped advance left due at this instant run before what they would have sent.
      if (this.stoppedAmongTimers) {
        this.stoppedAmongTimers = false;
        if (this.runTimers(this.timeline.now(), stop) || await this.network.settle(stop)) return true;
      }
      // What the test did since the last advance (a kill, a command) is taken in first.
      if (await this.network.settleIfMoved(stop)) return true;
      for (;;) {
        if (reached()) return true;
        const dueMs = this.timeline.nextDueMs();
        const dueInTime = dueMs !== null && dueMs <= targetMs;
        // Done at the target, unless what the last settle ran armed a timer due by then.
        if (!dueInTime && this.timeline.now() >= targetMs) return false;
        const ranBefore = this.timeline.timersRun;
        if (this.runTimers(dueInTime ? dueMs : targetMs, stop)) return true;
        // An instant where no timer ran (the target) brings nothing new to settle.
        if (this.timeline.timersRun !== ranBefore && await this.network.settle(stop)) return true;
      }
    } finally {
      this.advancing = false;
    }
  }

  /** Runs the timers due by `instantMs`; true when a stepped run stopped among them. */
  private runTimers(instantMs: number, stop: (() => boolean) | null): boolean {
    this.timeline.runUntil(instantMs, stop);
    if (stop === null || !stop()) return false;
    this.stoppedAmongTimers = this.timeline.nextDueMs() === this.timeline.now();
    return true;
  }
}
