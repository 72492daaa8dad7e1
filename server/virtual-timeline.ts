/**
 * Virtual time for a whole test cluster: one timeline, and one lane on it per node.
 *
 * Every node of a virtual cluster schedules its timers (crons, blocking timeouts, WAIT, the bus
 * cron, connect timeouts) through the NodeClock of its lane. Time moves only when the harness
 * runs the timeline up to an instant; the timers due on the way run in this order:
 *
 *   due instant  ─▶  lane (the node's index)  ─▶  order of scheduling within the lane
 *
 * The lane is what makes the order reproducible. A single clock shared by all nodes (a one-lane
 * timeline, which is what clock.ts's ManualClock is) breaks ties at one instant by the order the timers were scheduled in,
 * and across nodes that order comes from the event loop: six nodes started together arm their
 * crons in whatever order their listen() calls complete, so two runs of the same seed would see
 * node 3's cron before node 1's in one and after it in the other, and every event those crons
 * cause would be recorded in a different order. Within one node, scheduling order is the node's
 * own business and follows from its inputs, which the harness delivers in a fixed order
 * (virtual-network.ts).
 *
 * A repeating timer takes a new place in its lane each time it runs, as ManualClock's does, so
 * a cron that ran first at one instant does not overtake timers scheduled meanwhile.
 */
import type { NodeClock, TimerHandle } from './clock';

interface LaneTimer {
  dueMs: number;
  readonly lane: number;
  /** Place among the lane's timers due at the same instant: the order they were (re)armed in. */
  order: number;
  /** 0 for a one-shot timer. */
  readonly intervalMs: number;
  readonly fn: () => void;
}

export class VirtualTimeline {
  private nowMs: number;
  private readonly timers = new Set<LaneTimer>();
  private nextOrder = 0;
  private running = false;
  private ranTotal = 0;

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  /** How many timers have run so far: whether a runUntil ran any, even one that stopped early. */
  get timersRun(): number {
    return this.ranTotal;
  }

  /** Timers waiting to run, on every lane. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Whether a timer of the timeline is running now (runUntil cannot be called from one). */
  get isRunning(): boolean {
    return this.running;
  }

  /** The clock a node on lane `lane` reads and schedules on. */
  clockFor(lane: number): NodeClock {
    return new LaneClock(this, lane);
  }

  /** When the earliest pending timer is due, or null when none is. */
  nextDueMs(): number | null {
    let best: number | null = null;
    for (const timer of this.timers) if (best === null || timer.dueMs < best) best = timer.dueMs;
    return best;
  }

  /**
   * Moves time to `instantMs`, running every timer due at or before it at its own instant (a
   * timer reading now() sees the instant it was due at); a timer armed by a running one runs in
   * the same call if it falls due by then. A timer that throws stops the run at its instant.
   * Returns how many timers ran.
   *
   * `stop`, asked after each timer: when it holds, time stays at that timer's instant and the
   * timers still due there wait for the next call (a walk through a failover one step at a time;
   * VirtualClusterClock.advanceUntil).
   */
  runUntil(instantMs: number, stop: (() => boolean) | null = null): number {
    if (!(instantMs >= this.nowMs)) throw new RangeError(`cannot move virtual time back from ${this.nowMs} to ${instantMs}`);
    if (this.running) throw new Error('virtual time cannot be moved from inside a timer');
    this.running = true;
    let ran = 0;
    try {
      for (let timer = this.nextDue(instantMs); timer !== null; timer = this.nextDue(instantMs)) {
        ran++;
        this.ranTotal++;
        this.nowMs = timer.dueMs;
        if (timer.intervalMs > 0) {
          timer.dueMs += timer.intervalMs;
          timer.order = this.nextOrder++;
        } else {
          this.timers.delete(timer);
        }
        timer.fn();
        if (stop !== null && stop()) return ran;
      }
      this.nowMs = instantMs;
    } finally {
      this.running = false;
    }
    return ran;
  }

  /** Arms a timer on `lane`; used by LaneClock. */
  add(lane: number, delayMs: number, intervalMs: number, fn: () => void): TimerHandle {
    const timer: LaneTimer = { dueMs: this.nowMs + Math.max(0, delayMs), lane, order: this.nextOrder++, intervalMs, fn };
    this.timers.add(timer);
    return { cancel: () => void this.timers.delete(timer) };
  }

  /** The first timer due at or before `limitMs` by (instant, lane, order), or null. */
  private nextDue(limitMs: number): LaneTimer | null {
    let best: LaneTimer | null = null;
    for (const timer of this.timers) {
      if (timer.dueMs > limitMs) continue;
      if (best === null || before(timer, best)) best = timer;
    }
    return best;
  }
}

function before(a: LaneTimer, b: LaneTimer): boolean {
  if (a.dueMs !== b.dueMs) return a.dueMs < b.dueMs;
  if (a.lane !== b.lane) return a.lane < b.lane;
  return a.order < b.order;
}

/** One node's view of the timeline. */
class LaneClock implements NodeClock {
  constructor(
    private readonly timeline: VirtualTimeline,
    private readonly lane: number,
  ) {}

  now(): number {
    return this.timeline.now();
  }

  nowMicros(): number {
    return Math.floor(this.timeline.now() * 1000);
  }

  /** Virtual time is the only time there is: durations measured on it are virtual too. */
  monotonicMs(): number {
    return this.timeline.now();
  }

  schedule(delayMs: number, fn: () => void): TimerHandle {
    return this.timeline.add(this.lane, delayMs, 0, fn);
  }

  every(intervalMs: number, fn: () => void): TimerHandle {
    if (!(intervalMs > 0)) throw new RangeError(`interval must be positive, got ${intervalMs}`);
    return this.timeline.add(this.lane, intervalMs, intervalMs, fn);
  }
}
