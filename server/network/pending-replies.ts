/**
 * Replies leave at the end of the event-loop turn, all of them together, as Redis writes them in
 * beforeSleep (handleClientsWithPendingWrites) rather than after each client's read.
 *
 *     poll: client A's read ─ run ─┐   client B's read ─ run ─┐   ...
 *                                  ▼                          ▼
 *     check (setImmediate):   A's one write, B's one write, ... then the maxmemory-clients check
 *
 * Each client still gets one write per turn; what changes is their timing. Written as each read
 * finished, the writes are spaced by the next clients' work, and a client process that drains
 * one reply faster than the server makes the next goes back to sleep in between: each write then
 * has to wake it, which on a virtual machine means an interrupt sent to another CPU inside the
 * write(2) itself. Written in a burst, the first write wakes it and the rest find it awake. With
 * 50 pipelining redis-benchmark clients that wake-up was a fifth of the server's CPU.
 *
 * A replica's stream waits with the replies (Client.queueRaw) and leaves in the same burst.
 * SHUTDOWN writes what waits before the node closes, so the replicas get the last writes.
 *
 * With appendonly the turn's AOF write goes first, so a reply never leaves before its write is in
 * the file; a flush from another path while AOF bytes wait (a pub/sub delivery, an unblocked
 * client) is held here too, by persistence/aof-writer.ts's holdReplies.
 */
import type { Client } from './client';
import type { RedisNode } from '../node';
import { runFastExpire } from '../active-expire';

export class PendingReplies {
  private readonly clients = new Set<Client>();
  private scheduled = false;
  /** Set while writeAll runs: a flush then writes at once (AofWriter.holdReplies asks). */
  writing = false;

  constructor(private readonly node: RedisNode) {}

  /** `client` has replies to send: they go at the end of this turn. */
  add(client: Client): void {
    this.clients.add(client);
    this.scheduleTurnEnd();
  }

  /** The end of this turn runs, even with no client waiting (AOF bytes from the cron's expiry). */
  scheduleTurnEnd(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.endOfTurn);
  }

  private readonly endOfTurn = (): void => {
    this.scheduled = false;
    // beforeSleep's fast expire cycle first: the deletions it propagates leave with this turn.
    runFastExpire(this.node);
    this.writeAll();
  };

  /** Writes everything waiting now (the end of the turn, or SHUTDOWN before the node closes). */
  writeAll(): void {
    this.node.aof.beforeReply();
    const clients = [...this.clients];
    this.clients.clear();
    this.writing = true;
    try {
      for (const client of clients) client.flush();
    } finally {
      this.writing = false;
    }
    // maxmemory-clients, once the replies are out (what is written no longer weighs).
    this.node.memory.clientEviction.evictIfNeeded();
  }
}
