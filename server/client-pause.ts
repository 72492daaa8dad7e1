/**
 * Paused clients, as Redis 7.0 pauses them: CLIENT PAUSE <ms> [WRITE|ALL] and a cluster manual
 * failover (whose master pauses writes until its replica caught up) are two purposes of the
 * same mechanism, each with a mode and an end time. The pause in effect is the strongest mode of
 * the purposes still running, until the latest end.
 *
 *   ALL     every command of a client is held (replica connections are never paused)
 *   WRITE   commands that may change data or be replicated are held: flagged `write` or
 *           `may_replicate`, and EXEC of a transaction holding one; reads go through
 *
 * A held command is not refused: its client stops being served (its later requests wait in
 * order behind it) and it runs, checks and all, once the pause no longer covers it. Requests
 * that arrive meanwhile are parsed but not run. While any pause is on, keys past their deadline
 * are not deleted: they read as missing, and their deletion (and its propagation) waits for the
 * end of the pause, as Redis does so that a failover never races an expiry.
 *
 * A later pause of the same purpose keeps the stronger mode and the later end (a CLIENT PAUSE
 * 100 does not shorten a CLIENT PAUSE 5000); CLIENT UNPAUSE ends the client purpose only.
 */
import type { ByteString } from '../storage/bytes';
import type { KeyspaceContext } from '../storage/database';
import type { NodeClock, TimerHandle } from './clock';
import type { CommandSpec } from './dispatch/command';
import type { Session } from './dispatch/session';
import type { Client } from './network/client';

export type PauseMode = 'write' | 'all';
export type PausePurpose = 'client' | 'failover';

interface Pause {
  mode: PauseMode;
  endMs: number;
}

const STRENGTH: Record<PauseMode, number> = { write: 1, all: 2 };

export class ClientPause {
  private readonly pauses = new Map<PausePurpose, Pause>();
  private readonly held: Array<{ client: Client; argv: ByteString[] }> = [];
  private timer: TimerHandle | null = null;
  /** Whether this pause turned the keyspace's expiry from delete to hide (and must turn it back). */
  private hidingExpired = false;

  constructor(
    private readonly time: NodeClock,
    private readonly keyspace: KeyspaceContext,
  ) {}

  /** The mode in effect, or null when nothing is paused. */
  get mode(): PauseMode | null {
    let mode: PauseMode | null = null;
    for (const pause of this.pauses.values()) if (mode === null || STRENGTH[pause.mode] > STRENGTH[mode]) mode = pause.mode;
    return mode;
  }

  get active(): boolean {
    return this.pauses.size > 0;
  }

  /** Starts (or strengthens, or extends) the pause of `purpose` until `endMs`. */
  pause(purpose: PausePurpose, mode: PauseMode, endMs: number): void {
    const current = this.pauses.get(purpose);
    if (current === undefined) this.pauses.set(purpose, { mode, endMs });
    else {
      if (STRENGTH[mode] > STRENGTH[current.mode]) current.mode = mode;
      current.endMs = Math.max(current.endMs, endMs);
    }
    this.changed();
  }

  /** Ends the pause of `purpose` (CLIENT UNPAUSE, a manual failover done). */
  unpause(purpose: PausePurpose): void {
    if (!this.pauses.delete(purpose)) return;
    this.changed();
  }

  /** Whether the pause covers this command of this session (the dispatcher then holds it). */
  covers(session: Session, spec: CommandSpec): boolean {
    const mode = this.mode;
    // Replica connections are never paused (as in Redis); neither is the link applying our
    // master's stream here, whose bytes are forwarded to sub-replicas as they are parsed.
    if (mode === null || session.kind !== 'normal' || session.connection === null) return false;
    if (mode === 'all') return true;
    return mayReplicate(spec) || (spec.fullName === 'exec' && (session.transaction.queue ?? []).some((queued) => mayReplicate(queued.spec)));
  }

  /** Holds the command: its client is blocked until the pause no longer covers it. */
  hold(client: Client, argv: ByteString[]): void {
    this.held.push({ client, argv });
    client.block();
  }

  /** Ends the expired purposes, re-arms the timer, and runs what the pause no longer covers. */
  private changed(): void {
    const now = this.time.now();
    for (const [purpose, pause] of this.pauses) if (pause.endMs <= now) this.pauses.delete(purpose);
    this.timer?.cancel();
    this.timer = null;
    let nextEnd = Number.POSITIVE_INFINITY;
    for (const pause of this.pauses.values()) nextEnd = Math.min(nextEnd, pause.endMs);
    if (nextEnd !== Number.POSITIVE_INFINITY) this.timer = this.time.schedule(Math.max(0, nextEnd - now), () => this.changed());
    this.followExpiry();
    this.resume();
  }

  /** Expired keys are hidden, not deleted, while anything is paused. */
  private followExpiry(): void {
    if (this.active && this.keyspace.expiry === 'delete') {
      this.keyspace.expiry = 'hide';
      this.hidingExpired = true;
    } else if (!this.active && this.hidingExpired) {
      if (this.keyspace.expiry === 'hide') this.keyspace.expiry = 'delete';
      this.hidingExpired = false;
    }
  }

  /**
   * Runs the held commands the pause no longer covers, oldest first: each goes through the
   * dispatcher again (which may hold it anew, e.g. a write when ALL became WRITE), and a client
   * whose command is still covered keeps its place.
   */
  private resume(): void {
    const mode = this.mode;
    if (mode === 'all' || this.held.length === 0) return;
    const waiting = this.held.splice(0);
    for (const entry of waiting) {
      if (entry.client.closed) continue;
      entry.client.runHeld(entry.argv);
    }
  }
}

/**
 * Redis 7.0's commands flagged may_replicate (in its command table, not shown by COMMAND INFO,
 * so not in the captured metadata): they change no key but may be propagated.
 */
const MAY_REPLICATE: ReadonlySet<string> = new Set(['publish', 'spublish', 'pfcount', 'eval', 'evalsha', 'fcall']);

/**
 * A write, or may_replicate: what a WRITE pause holds, and what a read-only script may not call
 * (Redis's scriptVerifyWriteCommandAllow treats may_replicate commands as writes there).
 */
export function mayReplicate(spec: CommandSpec): boolean {
  return spec.isWrite || MAY_REPLICATE.has(spec.fullName);
}
