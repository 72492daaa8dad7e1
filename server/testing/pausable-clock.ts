/**
 * A node's clock that can be frozen like a process under SIGSTOP: time keeps passing (now()
 * reads the shared clock), but no timer of the node runs while it is paused; each one that fell
 * due meanwhile runs once at resume, as a stopped process's overdue timers do when it continues.
 * A killed node's clock is closed: its timers never run again.
 */
import type { NodeClock, TimerHandle } from '../clock';

export class PausableClock implements NodeClock {
  private paused = false;
  private closed = false;
  /** Timers that fell due while paused, in the order they did. */
  private overdue: Array<() => void> = [];

  constructor(private readonly base: NodeClock) {}

  now(): number {
    return this.base.now();
  }

  nowMicros(): number {
    return this.base.nowMicros();
  }

  monotonicMs(): number {
    return this.base.monotonicMs();
  }

  schedule(delayMs: number, fn: () => void): TimerHandle {
    return this.base.schedule(delayMs, this.gate(fn));
  }

  every(intervalMs: number, fn: () => void): TimerHandle {
    let queued = false;
    // A repeating timer that fired several times while paused runs once at resume.
    const once = (): void => {
      queued = false;
      fn();
    };
    return this.base.every(intervalMs, () => {
      if (this.closed) return;
      if (!this.paused) return fn();
      if (!queued) {
        queued = true;
        this.overdue.push(once);
      }
    });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const due = this.overdue;
    this.overdue = [];
    for (const fn of due) if (!this.closed && !this.paused) fn();
  }

  /** No timer runs again (the node was killed). */
  close(): void {
    this.closed = true;
    this.overdue = [];
  }

  private gate(fn: () => void): () => void {
    return () => {
      if (this.closed) return;
      if (this.paused) this.overdue.push(fn);
      else fn();
    };
  }
}
