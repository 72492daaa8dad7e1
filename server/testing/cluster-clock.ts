/**
 * The clock a test cluster runs on, shared by all its nodes: the real one, or a virtual one
 * that moves only when the test says so.
 *
 * Virtual time still runs over real sockets, so advance(ms) moves in steps (at most 10 ms of
 * virtual time, the bus cron's tenth) and after each step lets the event loop run a few turns,
 * enough for the messages and replies the step caused to cross loopback. A failover at
 * node-timeout 15 s is then some 1,600 steps of well under a millisecond of wall time each.
 */
import { ManualClock, systemClock, type NodeClock } from '../clock';

/** Virtual milliseconds per step of advance(). */
const STEP_MS = 10;
/** Event-loop turns per step: enough for a bus message and its answer to cross loopback. */
const TURNS_PER_STEP = 4;

export interface ClusterClock {
  readonly kind: 'real' | 'virtual';
  /** The cluster's time now, in ms since the epoch. */
  now(): number;
  /** Moves virtual time forward by `ms`, letting the nodes react as it passes (virtual only). */
  advance(ms: number): Promise<void>;
}

export class RealClusterClock implements ClusterClock {
  readonly kind = 'real';
  readonly base: NodeClock = systemClock;

  now(): number {
    return Date.now();
  }

  advance(): Promise<void> {
    return Promise.reject(new Error("clock.advance() needs a virtual clock: startCluster({ clock: 'virtual' })"));
  }
}

export class VirtualClusterClock implements ClusterClock {
  readonly kind = 'virtual';
  readonly base: ManualClock;
  private advancing = false;

  constructor(startMs: number) {
    this.base = new ManualClock(startMs);
  }

  now(): number {
    return this.base.now();
  }

  async advance(ms: number): Promise<void> {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`clock.advance(${ms}): not a number of ms >= 0`);
    if (this.advancing) throw new Error('clock.advance() is already running: await the first call');
    this.advancing = true;
    try {
      let left = ms;
      await settle();
      while (left > 0) {
        const step = Math.min(STEP_MS, left);
        this.base.advance(step);
        left -= step;
        await settle();
      }
    } finally {
      this.advancing = false;
    }
  }
}

/** Lets the event loop run I/O callbacks for a few turns. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < TURNS_PER_STEP; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}
