/**
 * Clients blocked on keys: the machinery behind BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP
 * (commands/blocking-lists.ts), BZPOPMIN, BZPOPMAX and BZMPOP (commands/zset-pops.ts), and
 * XREAD / XREADGROUP with BLOCK (commands/stream-read.ts, stream-read-group.ts).
 * See https://redis.io/commands/blpop/ and https://redis.io/commands/bzpopmin/.
 *
 * A waiter waits for one type of value: a list waiter is only offered keys that hold a list, a
 * zset waiter keys that hold a sorted set. Both kinds can queue on the same key; when the key is
 * served, waiters of the other kind are skipped and keep their place (Redis walks the key's
 * clients and skips those whose blocking type does not match).
 *
 * Stream waiters differ in two ways. Each waits for IDs above its own, so one that cannot be
 * served does not stop those behind it ('waiting'). And an XREADGROUP must hear of its stream
 * going away (DEL, SET over it, RENAME, FLUSHALL: answered UNBLOCKED, as Redis 7.0.15 does), so
 * a stream waiter watches its keys (the WATCH hook, Database.watch) and is offered a key when
 * a write left another value there than the one it last looked at (deleted, replaced, created),
 * whatever it then holds. A write that changes the stream in place (XSETID, XDEL, XGROUP
 * SETID...) offers it nothing, as Redis signals no waiter for those; only XADD's new entries
 * (and XGROUP DESTROY, for NOGROUP) do.
 *
 * A blocking command that finds nothing to pop registers a Waiter and blocks its session's
 * connection (Client.block(): nothing more runs for it until unblocked, later requests queue in
 * its parser; a socketless session never blocks). Each (db, key) has a FIFO queue of waiters, so clients are served in the order they
 * blocked; a waiter on several keys sits in each key's queue and leaves all of them when served.
 *
 * Ready keys
 * ----------
 * Pushes are not served inside the pushing command. Every way a key can come to hold
 * something to pop reaches `signalReady`, the one wake-up path: a command that pushes to a list
 * or adds members to a sorted set calls ctx.signalKeyReady (list-ops.ts, zset-ops.ts), the node
 * signals every list or sorted set a command creates (RENAME, COPY, MOVE, RESTORE...), and
 * SWAPDB signals every blocked key of the two databases (`signalDatabase`). Here the key is
 * only noted as ready. Once the whole command has finished (for EXEC: the whole
 * transaction, for a master's stream: each applied command), the dispatcher calls
 * `handleReadyKeys`, which walks the ready keys and serves their waiters in order for as long as
 * the list has elements:
 *
 *   client A: BLPOP q 0      ──▶ blocked, queue(q) = [A]
 *   client B: BLPOP q 0      ──▶ blocked, queue(q) = [A, B]
 *   client C: RPUSH q x y z  ──▶ q ready ──▶ (RPUSH done, C's reply written)
 *                                 handleReadyKeys: A gets x, B gets y, z stays in q
 *
 * Why after and not inside: a MULTI that does RPUSH q x; LPOP q must see its own element, and
 * the replication stream must carry the push before the pop that consumed it.
 *
 * A served waiter's pop goes through popElements/moveElement (counted like any write) and is
 * propagated as the non-blocking command (LPOP, RPOP, LMOVE, RPOPLPUSH, LPOP/RPOP with a count
 * for BLMPOP), which is what a replica must replay. Unblocking a served client runs the requests
 * it queued meanwhile; that happens after the ready keys are drained, never in the middle of the
 * walk, so a served client's next BLPOP cannot reorder the queue being walked.
 *
 * Timeouts are timers on the node's scheduler (clock.ts), so a ManualClock moves them too. The
 * deadline is absolute, counted from when the command blocked; a timer that fires re-reads the
 * clock and waits again if the deadline has not come (the wall clock may have been set back),
 * and the waiter times out once the clock reaches its deadline. The reply is the null array, for
 * every list and sorted-set command, as Redis 7.0 answers. A closed client is forgotten. In
 * cluster mode the cron answers a waiter whose key's slot is now served by another node with
 * MOVED (or CLUSTERDOWN), as Redis's clusterRedirectBlockedClientIfNeeded does.
 */
import type { ByteString } from '../storage/bytes';
import type { Database, KeyWatcher } from '../storage/database';
import type { TimerHandle } from './clock';
import type { RedisNode } from './node';
import type { Session } from './dispatch/session';

/**
 * Tries to serve the waiter from `key`: 'served' after writing the reply and propagating the
 * pop; 'empty' when the key holds no list to pop from (nobody behind can be served either);
 * 'answered' when the waiter got an error instead (BLMOVE to a destination of the wrong type);
 * 'waiting' when this waiter cannot be served but those behind it may be (an XREAD waiting for
 * IDs above its own, which differ from waiter to waiter).
 */
export type ServeFn = (key: ByteString) => 'served' | 'empty' | 'answered' | 'waiting';

/** The error CLIENT UNBLOCK ... ERROR answers a blocked command with. */
export const UNBLOCKED_BY_REQUEST = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';

/** The type of value a waiter pops from. */
export type BlockedType = 'list' | 'zset' | 'stream';

interface Waiter {
  /**
   * Stream waiters only: told when a key they wait on is written, deleted or replaced, so that
   * an XREADGROUP whose stream goes away is answered (UNBLOCKED), as Redis 7.0.15 answers it.
   */
  watcher: KeyWatcher | null;
  readonly client: Session;
  readonly db: Database;
  readonly keys: readonly ByteString[];
  /** The command as received, for re-routing in cluster mode. */
  readonly argv: readonly ByteString[];
  readonly serve: ServeFn;
  readonly type: BlockedType;
  timer: TimerHandle | null;
  /** Absolute deadline in ms, 0 for none. */
  readonly deadlineMs: number;
}

/** A key noted for handleReadyKeys. */
interface ReadyKey {
  readonly db: Database;
  readonly key: ByteString;
  /**
   * Only written, as a stream waiter's watcher sees every write: served only when the key no
   * longer holds the value its stream waiters last looked at (deleted, replaced, created), which
   * is when Redis signals it. A stream changed in place without new entries (XSETID, XDEL,
   * XTRIM, XGROUP SETID, EXPIRE...) signals nobody in Redis, and its waiters keep waiting.
   */
  touchedOnly: boolean;
}

export class BlockingLists {
  /** "db\0key" → the waiters on that key, oldest first. */
  private readonly queues = new Map<string, Waiter[]>();
  private readonly byClient = new Map<Session, Waiter>();
  /** Keys that received elements since the last handleReadyKeys, in arrival order. */
  private readonly ready = new Map<string, ReadyKey>();
  /** For each key stream waiters wait on: the value they last looked at there (see ReadyKey). */
  private readonly streamValues = new Map<string, unknown>();
  private readonly toUnblock: Session[] = [];
  private handling = false;

  constructor(private readonly node: RedisNode) {}

  /** Blocked clients with a deadline (INFO clients_in_timeout_table). */
  get clientsWithTimeout(): number {
    let n = 0;
    for (const waiter of this.byClient.values()) if (waiter.deadlineMs > 0) n++;
    return n;
  }

  /** Blocks `client` on `keys` until served, timed out (`deadlineMs`, 0 = never) or closed. */
  block(
    client: Session,
    argv: readonly ByteString[],
    keys: readonly ByteString[],
    deadlineMs: number,
    serve: ServeFn,
    type: BlockedType = 'list',
  ): void {
    const waiter: Waiter = { watcher: null, client, db: client.db, keys, argv, serve, type, timer: null, deadlineMs };
    for (const key of new Set(keys)) {
      const id = queueId(client.db, key);
      let queue = this.queues.get(id);
      if (queue === undefined) this.queues.set(id, (queue = []));
      queue.push(waiter);
    }
    if (type === 'stream') {
      const db = client.db;
      const watcher: KeyWatcher = { keyTouched: (key) => this.signalTouched(db, key) };
      waiter.watcher = watcher;
      for (const key of new Set(keys)) {
        db.watch(key, watcher);
        const id = queueId(db, key);
        if (!this.streamValues.has(id)) this.streamValues.set(id, db.peekStored(key));
      }
    }
    this.byClient.set(client, waiter);
    if (deadlineMs > 0) this.armTimer(waiter);
    client.connection?.block();
  }

  /**
   * Times the waiter out once the clock reaches its deadline. Never at once, even when the
   * deadline has already passed (a 1 ms timeout, parsed in the previous millisecond): the
   * client must be blocked before its reply is written, as Redis answers from its event loop.
   */
  private armTimer(waiter: Waiter): void {
    const remainingMs = Math.max(0, waiter.deadlineMs - this.node.clock());
    waiter.timer = this.node.time.schedule(remainingMs, () => {
      waiter.timer = null;
      if (this.node.clock() < waiter.deadlineMs) this.armTimer(waiter);
      else this.timeOut(waiter);
    });
  }

  private timeOut(waiter: Waiter): void {
    if (!this.forget(waiter)) return;
    waiter.client.reply.nullArray();
    waiter.client.connection?.unblock();
  }

  /**
   * CLIENT UNBLOCK: answers `client`'s blocking command now, as a timeout or with Redis's
   * UNBLOCKED error; false when it waits on no key.
   */
  unblockByRequest(client: Session, withError: boolean): boolean {
    const waiter = this.byClient.get(client);
    if (waiter === undefined) return false;
    if (!withError) {
      this.timeOut(waiter);
      return true;
    }
    this.forget(waiter);
    client.reply.error(UNBLOCKED_BY_REQUEST);
    client.connection?.unblock();
    return true;
  }

  /** Removes the waiter from every queue; false when it was already gone. */
  private forget(waiter: Waiter): boolean {
    if (this.byClient.get(waiter.client) !== waiter) return false;
    this.byClient.delete(waiter.client);
    waiter.timer?.cancel();
    waiter.timer = null;
    if (waiter.watcher !== null) {
      for (const key of new Set(waiter.keys)) waiter.db.unwatch(key, waiter.watcher);
      waiter.watcher = null;
    }
    for (const key of new Set(waiter.keys)) {
      const id = queueId(waiter.db, key);
      const queue = this.queues.get(id);
      if (queue === undefined) continue;
      const index = queue.indexOf(waiter);
      if (index >= 0) queue.splice(index, 1);
      if (queue.length === 0) {
        this.queues.delete(id);
        this.streamValues.delete(id);
      }
    }
    return true;
  }

  /**
   * A key a stream waiter waits on was written (its watcher): noted in its place among the
   * ready keys, in case the write deleted or replaced it, which serveKey finds out.
   */
  private signalTouched(db: Database, key: ByteString): void {
    const id = queueId(db, key);
    if (!this.queues.has(id) || this.ready.has(id)) return;
    this.ready.set(id, { db, key, touchedOnly: true });
  }

  /** A list, sorted set or stream at (db, key) received elements: note it, serve later. */
  signalReady(db: Database, key: ByteString): void {
    if (this.queues.size === 0) return;
    const id = queueId(db, key);
    if (!this.queues.has(id)) return;
    const noted = this.ready.get(id);
    if (noted === undefined) {
      this.ready.set(id, { db, key, touchedOnly: false });
      return;
    }
    if (!noted.touchedOnly) return;
    noted.touchedOnly = false;
    // Noted by a write that left the same stream in place: Redis notes the key only now, so
    // it goes after the keys signalled meanwhile (a waiter on several keys is served from the
    // one that was signalled first).
    if (!this.replacedSinceLooked(id, db, key)) {
      this.ready.delete(id);
      this.ready.set(id, noted);
    }
  }

  /** Whether the key no longer holds the value its stream waiters last looked at. */
  private replacedSinceLooked(id: string, db: Database, key: ByteString): boolean {
    return this.streamValues.has(id) && this.streamValues.get(id) !== db.peekStored(key);
  }

  /**
   * SWAPDB: the two databases exchanged contents, so a key a client waits on may now hold what
   * it waits for (Redis 7.0 scans the swapped databases' blocked keys the same way).
   */
  signalDatabase(db: Database): void {
    if (this.queues.size === 0) return;
    for (const waiter of this.byClient.values()) {
      if (waiter.db !== db) continue;
      for (const key of waiter.keys) this.signalReady(db, key);
    }
  }

  /**
   * Serves the waiters of every ready key, then unblocks the served clients (which runs what
   * they queued, possibly pushing and readying more keys: the loop goes on until all is quiet).
   * Called by the dispatcher after each top-level command.
   */
  handleReadyKeys(): void {
    // While a command holds the node (an EXEC or MIGRATE waiting on the network, a busy script),
    // nothing is served: a replica's ACK dispatched meanwhile must not serve a BLPOP in the
    // middle of the EXEC that pushed. The node's release serves them (ExclusiveRun).
    if (this.handling || this.node.exclusive.active) return;
    if (this.ready.size === 0 && this.toUnblock.length === 0) return;
    this.handling = true;
    try {
      while (this.ready.size > 0 || this.toUnblock.length > 0) {
        while (this.ready.size > 0) {
          const [id, entry] = this.ready.entries().next().value as [string, ReadyKey];
          this.ready.delete(id);
          if (entry.touchedOnly && !this.replacedSinceLooked(id, entry.db, entry.key)) continue;
          this.serveKey(id, entry.db, entry.key);
        }
        const client = this.toUnblock.shift();
        if (client !== undefined) client.connection?.unblock();
      }
    } finally {
      this.handling = false;
    }
  }

  private serveKey(id: string, db: Database, key: ByteString): void {
    const queue = this.queues.get(id);
    if (queue === undefined) return;
    const value = db.peek(key, this.node.nowMs);
    if (this.streamValues.has(id)) this.streamValues.set(id, db.peekStored(key));
    const kind = value === undefined ? null : typeof value === 'string' ? 'string' : value.kind;
    for (const waiter of [...queue]) {
      if (this.byClient.get(waiter.client) !== waiter) continue;
      // A stream waiter is also offered a key that no longer holds a stream (XREADGROUP then
      // answers UNBLOCKED; XREAD keeps waiting).
      if (waiter.type !== kind && waiter.type !== 'stream') continue;
      // What serving one waiter replicates is one execution unit: an XREADGROUP's XGROUP
      // CREATECONSUMER and SETID reach replicas inside MULTI/EXEC, as Redis 7.0 sends them.
      this.node.replication.beginUnit();
      const time = this.node.time;
      const startedMs = time.monotonicMs();
      let outcome: ReturnType<ServeFn>;
      try {
        outcome = waiter.serve(key);
      } finally {
        this.node.replication.endUnit();
      }
      if (outcome === 'empty') break;
      if (outcome === 'waiting') continue;
      if (outcome === 'served') {
        this.logServed(waiter, Math.floor((time.monotonicMs() - startedMs) * 1000));
        this.node.commandCompletedLate(waiter.client, waiter.argv);
      }
      this.forget(waiter);
      this.toUnblock.push(waiter.client);
    }
  }

  /** SLOWLOG takes a served command now, as Redis logs it (the first run plus the serving). */
  private logServed(waiter: Waiter, serveUs: number): void {
    const name = waiter.argv[0];
    const spec = name === undefined ? undefined : this.node.commands.lookup(name);
    if (spec !== undefined) this.node.slowlog.servedLate(this.node, waiter.client, spec, waiter.argv, serveUs);
  }

  /** A client closed: forget it if blocked. */
  clientClosed(client: Session): void {
    const waiter = this.byClient.get(client);
    if (waiter !== undefined) this.forget(waiter);
  }

  /** Cluster mode: answers waiters whose slot moved away with the redirection. */
  cron(): void {
    const cluster = this.node.cluster;
    if (cluster === null || this.byClient.size === 0) return;
    for (const waiter of [...this.byClient.values()]) {
      const argv = waiter.argv;
      if (argv.length === 0) continue;
      const spec = this.node.commands.lookup(argv[0] as ByteString);
      if (spec === undefined) continue;
      const redirect = cluster.blockedRedirect(waiter.client, spec, argv);
      if (redirect === null) continue;
      this.forget(waiter);
      waiter.client.reply.error(redirect);
      waiter.client.connection?.unblock();
    }
  }
}

function queueId(db: Database, key: ByteString): string {
  return `${db.id}\0${key}`;
}
