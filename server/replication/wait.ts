/**
 * WAIT numreplicas timeout: clients blocked until enough replicas acknowledged the offset the
 * stream had when they asked (https://redis.io/commands/wait/).
 *
 * A WAIT that cannot answer at once records the offset and blocks its client; the master then
 * asks every replica for an ACK (REPLCONF GETACK *, once per event-loop turn however many WAITs
 * came in it). Each REPLCONF ACK re-checks the waiters; a waiter answers with the number of
 * replicas at or past its offset when enough are, when its timeout passes (on the node's clock),
 * or when the node stops being a master (a replica answers every WAIT at once).
 */
import type { Client } from '../network/client';
import type { NodeClock, TimerHandle } from '../clock';
import type { ReplicaHandle } from './replica-handle';

interface Waiter {
  client: Client;
  offset: number;
  replicas: number;
  timer: TimerHandle | null;
}

/** What WAIT needs of the master: its replicas, its offset, and a way to ask for ACKs. */
export interface WaitHost {
  readonly replicas: ReadonlySet<ReplicaHandle>;
  /** master_repl_offset now. */
  currentOffset(): number;
  readonly time: NodeClock;
  /** Sends REPLCONF GETACK * to every replica (if still a master with replicas). */
  requestAckNow(): void;
  /** A WAIT of a normal client is answered `replicas` now (a test harness may be watching). */
  answered(client: Client, replicas: number): void;
}

export class WaitQueue {
  private waiters: Waiter[] = [];
  private getackScheduled = false;

  constructor(private readonly host: WaitHost) {}

  /** WAIT numreplicas timeout: replies now or blocks the client. */
  wait(client: Client, replicas: number, timeoutMs: number): void {
    const offset = this.host.currentOffset();
    const acked = this.ackedAtLeast(offset);
    if (acked >= replicas || client.kind !== 'normal') {
      client.session.reply.integer(acked);
      if (client.kind === 'normal') this.host.answered(client, acked);
      return;
    }
    const waiter: Waiter = { client, offset, replicas, timer: null };
    if (timeoutMs > 0) waiter.timer = this.host.time.schedule(timeoutMs, () => this.finish(waiter, true));
    this.waiters.push(waiter);
    client.block();
    this.requestAcks();
  }

  /** Replicas online whose acknowledged offset is at least `offset`. */
  ackedAtLeast(offset: number): number {
    let n = 0;
    for (const r of this.host.replicas) if (r.state === 'online' && r.ackOffset >= offset) n++;
    return n;
  }

  /** An ACK arrived: answer every waiter that has enough now. */
  check(): void {
    for (const waiter of [...this.waiters]) {
      if (this.ackedAtLeast(waiter.offset) >= waiter.replicas) this.finish(waiter, true);
    }
  }

  /** A client closed: its WAIT (if any) goes without an answer. */
  forget(client: Client): void {
    const waiter = this.waiters.find((w) => w.client === client);
    if (waiter !== undefined) this.finish(waiter, false);
  }

  /**
   * CLIENT UNBLOCK: the client's WAIT answers now, with the replicas that acknowledged so far
   * (its timeout come early) or with `error`; false when the client is not waiting.
   */
  unblockByRequest(client: Client, error: string | null): boolean {
    const waiter = this.waiters.find((w) => w.client === client);
    if (waiter === undefined) return false;
    if (error === null) {
      this.finish(waiter, true);
      return true;
    }
    this.finish(waiter, false);
    client.session.reply.error(error);
    client.unblock();
    return true;
  }

  /** The node became a replica: every WAIT answers now with what it has. */
  answerAll(): void {
    for (const waiter of [...this.waiters]) this.finish(waiter, true);
  }

  /** The node closes: nobody is answered. */
  dropAll(): void {
    for (const waiter of [...this.waiters]) this.finish(waiter, false);
  }

  /** Asks every replica for an ACK, once per turn of the event loop however many WAITs. */
  private requestAcks(): void {
    if (this.getackScheduled) return;
    this.getackScheduled = true;
    setImmediate(() => {
      this.getackScheduled = false;
      this.host.requestAckNow();
    });
  }

  private finish(waiter: Waiter, reply: boolean): void {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return;
    this.waiters.splice(index, 1);
    waiter.timer?.cancel();
    if (!reply) return;
    const acked = this.ackedAtLeast(waiter.offset);
    waiter.client.session.reply.integer(acked);
    this.host.answered(waiter.client, acked);
    waiter.client.unblock();
  }
}
