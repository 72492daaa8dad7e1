/**
 * Server-assisted client-side caching (CLIENT TRACKING), as Redis 7.0 does it.
 *
 * A client that caches values locally asks the server to tell it when they go stale. Two modes:
 *
 *   default   after each read-only command of a tracking client, the command's keys are written
 *             into one table: key → ids of the clients that may hold it. The table ignores the
 *             database, as Redis's does: a write to "k" in db 1 invalidates a "k" read in db 0.
 *             When a key changes, each client recorded for it is sent one invalidation and the
 *             key leaves the table: a client hears once per read, however many writes follow.
 *             OPTIN tracks only the command after CLIENT CACHING yes; OPTOUT skips the command
 *             after CLIENT CACHING no.
 *   BCAST     the client names key prefixes instead (none: every key). Changed keys that match
 *             are collected per prefix and sent once per event-loop turn, sorted, whether or not
 *             the client ever read them.
 *
 * Where the message goes: to the client itself in RESP3 (a `>2 invalidate [keys]` push), or to
 * the client named by REDIRECT: a push if that one speaks RESP3, else, in RESP2, a pub/sub message
 * on `__redis__:invalidate` if it is subscribed to anything (nothing otherwise: RESP2 has no
 * out-of-band replies). A flush (FLUSHDB, FLUSHALL, a full reload) sends a null in place of the
 * keys to every tracking client. A redirect whose target has closed is reported to a RESP3 client
 * as `tracking-redir-broken` each time a message would have gone out.
 *
 * NOLOOP leaves out keys the client changed itself. Without it, the invalidation of a key the
 * client's own command changed is held until the command has replied (`pendingOwn`), so the push
 * follows the reply, as in Redis 7.0.
 *
 * The table is bounded by `tracking-table-max-keys`: past it, keys are invalidated at random
 * until it fits again, as if they had changed.
 *
 * The keyspace reaches this through KeyspaceContext.tracking (storage/database.ts), which is set
 * only while there is something to track, so a node with no tracking client pays one null check
 * per write.
 */
import type { ByteString } from '../../storage/bytes';
import type { KeyChangeListener } from '../../storage/database';
import type { Session } from '../dispatch/session';
import type { CommandSpec } from '../dispatch/command';
import { findKeys } from '../dispatch/key-specs';
import type { RedisNode } from '../node';

/** One client's tracking settings (Session.tracking; null while tracking is off). */
export interface TrackingState {
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** The client id invalidations go to; 0 for the client itself. */
  redirect: number;
  /** The redirect target was found closed. */
  brokenRedirect: boolean;
  /** CLIENT CACHING yes (OPTIN) or no (OPTOUT) applies to the next command. */
  caching: boolean;
  /** BCAST prefixes, each also registered in ClientTracking.prefixes. */
  readonly prefixes: Set<ByteString>;
}

/** The settings CLIENT TRACKING on asks for. */
export interface TrackingRequest {
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  prefixes: ByteString[];
}

/** The clients listening to one BCAST prefix, and the matching keys changed since the last send. */
interface BroadcastPrefix {
  readonly clients: Set<Session>;
  /** Changed key → the session whose command changed it (for NOLOOP), null outside a command. */
  readonly changed: Map<ByteString, Session | null>;
}

const INVALIDATE_CHANNEL = '__redis__:invalidate';
/** Flagged read-only, but tracked through the commands their scripts run. */
const SCRIPT_COMMANDS = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);
/** Keys invalidated at most per pass when the table is over its limit (Redis's effort). */
const LIMIT_EFFORT = 100;

export class ClientTracking implements KeyChangeListener {
  private readonly table = new Map<ByteString, Set<number>>();
  /** (key, client) pairs in the table: INFO tracking_total_items. */
  private items = 0;
  private readonly prefixes = new Map<ByteString, BroadcastPrefix>();
  /** Clients with tracking on: INFO tracking_clients. */
  clients = 0;
  /**
   * The session whose command is running (set by the dispatcher around a handler): NOLOOP and
   * the held own invalidations compare with it.
   */
  current: Session | null = null;
  /** Invalidations for `current` itself, sent once its command has replied (null: a flush). */
  private pendingOwn: Array<ByteString | null> = [];
  private turnScheduled = false;
  /** A walk over the table that resumes where it stopped: a cheap pick of "some" key. */
  private walk: Iterator<ByteString> | null = null;

  constructor(private readonly node: RedisNode) {}

  get totalKeys(): number {
    return this.table.size;
  }

  get totalItems(): number {
    return this.items;
  }

  get totalPrefixes(): number {
    return this.prefixes.size;
  }

  // ---------------------------------------------------------------------------------------------
  // Turning tracking on and off (CLIENT TRACKING, RESET, a closed connection)

  enable(session: Session, request: TrackingRequest): void {
    let state = session.tracking;
    if (state === null) {
      state = { bcast: false, optin: false, optout: false, noloop: false, redirect: 0, brokenRedirect: false, caching: false, prefixes: new Set() };
      session.tracking = state;
      this.clients++;
    }
    state.brokenRedirect = false;
    state.redirect = request.redirect;
    state.optin = request.optin;
    state.optout = request.optout;
    state.noloop = request.noloop;
    if (request.bcast) {
      state.bcast = true;
      // BCAST without a prefix listens to every key: the empty prefix.
      const prefixes = request.prefixes.length === 0 ? [''] : request.prefixes;
      for (const prefix of prefixes) this.listen(session, state, prefix);
    }
    this.refreshListening();
  }

  disable(session: Session): void {
    const state = session.tracking;
    if (state === null) return;
    for (const prefix of state.prefixes) {
      const entry = this.prefixes.get(prefix);
      if (entry === undefined) continue;
      entry.clients.delete(session);
      if (entry.clients.size === 0) this.prefixes.delete(prefix);
    }
    session.tracking = null;
    this.clients--;
    this.refreshListening();
  }

  private listen(session: Session, state: TrackingState, prefix: ByteString): void {
    state.prefixes.add(prefix);
    let entry = this.prefixes.get(prefix);
    if (entry === undefined) this.prefixes.set(prefix, (entry = { clients: new Set(), changed: new Map() }));
    entry.clients.add(session);
  }

  /** The keyspace tells this about writes only while a table entry or a prefix exists. */
  private refreshListening(): void {
    this.node.keyspace.context.tracking = this.table.size !== 0 || this.prefixes.size !== 0 ? this : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Remembering what a client read

  /**
   * After a read-only command of a tracking session: records the command's keys for it. The
   * read-only script commands are left out: the commands their scripts run are what counts.
   */
  rememberCommand(session: Session, spec: CommandSpec, argv: readonly ByteString[]): void {
    if (SCRIPT_COMMANDS.has(spec.fullName)) return;
    const positions = findKeys(spec.keys, argv);
    if (positions.length !== 0) this.remember(session, positions.map((index) => argv[index] as ByteString));
  }

  /**
   * Records `keys` for `owner`, a tracking client in the default mode, subject to OPTIN/OPTOUT.
   * Inside a script, a read-only command records the keys its caller declared (EVAL's KEYS),
   * not the ones it names, as Redis 7.0 does.
   */
  remember(owner: Session, keys: readonly ByteString[]): void {
    const state = owner.tracking;
    if (state === null || state.bcast || keys.length === 0) return;
    if (state.optin ? !state.caching : state.optout && state.caching) return;
    for (const key of keys) {
      let ids = this.table.get(key);
      if (ids === undefined) this.table.set(key, (ids = new Set()));
      if (!ids.has(owner.id)) {
        ids.add(owner.id);
        this.items++;
      }
    }
    this.refreshListening();
    const max = this.node.config.number('tracking-table-max-keys');
    if (max > 0 && this.table.size > max) this.scheduleTurnEnd();
  }

  /**
   * After every command of a tracking client (even a rejected one): its held invalidations go
   * out after its reply, and CLIENT CACHING's one-command permission lapses, except across
   * CLIENT commands and inside MULTI, where Redis keeps it.
   */
  afterCommand(session: Session, spec: CommandSpec | null): void {
    if (this.pendingOwn.length !== 0) this.sendPendingOwn(session);
    const state = session.tracking;
    if (state !== null && state.caching && !session.transaction.inMulti && !(spec !== null && spec.fullName.startsWith('client|'))) {
      state.caching = false;
    }
  }

  private sendPendingOwn(session: Session): void {
    const pending = this.pendingOwn;
    this.pendingOwn = [];
    if (session.tracking === null) return;
    for (const key of pending) this.send(session, key === null ? null : [key]);
  }

  // ---------------------------------------------------------------------------------------------
  // Invalidating

  /** A key changed in some database (KeyChangeListener). */
  keyChanged(key: ByteString): void {
    if (this.prefixes.size !== 0) this.collectForBroadcast(key);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    this.table.delete(key);
    this.items -= ids.size;
    if (this.table.size === 0) this.refreshListening();
    this.invalidate(key, ids);
  }

  private invalidate(key: ByteString, ids: ReadonlySet<number>): void {
    for (const id of ids) {
      const target = this.sessionById(id);
      // A client that turned tracking off, or switched to BCAST since, is no longer told.
      if (target === null || target.tracking === null || target.tracking.bcast) continue;
      if (target === this.current) {
        if (!target.tracking.noloop) this.pendingOwn.push(key);
      } else {
        this.send(target, [key]);
      }
    }
  }

  /**
   * A database was flushed (FLUSHDB), or all were (FLUSHALL, a reload, a full sync): every
   * tracking client is sent a null, NOLOOP or not, telling it to drop its whole cache, and the
   * table, now pointless, is emptied.
   */
  flushed(): void {
    if (this.clients !== 0) {
      for (const client of this.node.clients.values()) {
        const session = client.session;
        if (session.tracking === null) continue;
        if (session === this.current) this.pendingOwn.push(null);
        else this.send(session, null);
      }
    }
    this.table.clear();
    this.items = 0;
    this.walk = null;
    this.refreshListening();
  }

  private collectForBroadcast(key: ByteString): void {
    for (const [prefix, entry] of this.prefixes) {
      if (key.startsWith(prefix)) entry.changed.set(key, this.current);
    }
    this.scheduleTurnEnd();
  }

  /** Broadcasts and the table's limit run at the end of the event-loop turn (Redis's beforeSleep). */
  private scheduleTurnEnd(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    process.nextTick(() => {
      this.turnScheduled = false;
      this.broadcast();
      this.limitTable();
    });
  }

  /** Sends each prefix's changed keys, sorted, to its clients (without their own under NOLOOP). */
  private broadcast(): void {
    const names = [...this.prefixes.keys()].sort();
    for (const name of names) {
      const entry = this.prefixes.get(name) as BroadcastPrefix;
      if (entry.changed.size === 0) continue;
      const keys = [...entry.changed.keys()].sort();
      for (const session of entry.clients) {
        if (session.tracking?.noloop !== true) {
          this.send(session, keys);
          continue;
        }
        const others = keys.filter((key) => entry.changed.get(key) !== session);
        if (others.length !== 0) this.send(session, others);
      }
      entry.changed.clear();
    }
  }

  /**
   * Over tracking-table-max-keys: invalidates keys (a resumed walk picks them) until it fits, at
   * most LIMIT_EFFORT per call. Runs at the end of a turn, and before each command while any
   * client tracks (as Redis's processCommand does), so a command's reply can follow the
   * invalidations this makes.
   */
  limitTable(): void {
    const max = this.node.config.number('tracking-table-max-keys');
    if (max <= 0 || this.table.size <= max) return;
    for (let effort = LIMIT_EFFORT; effort > 0 && this.table.size > max; effort--) {
      const key = this.someKey();
      if (key === undefined) break;
      const ids = this.table.get(key) as Set<number>;
      this.table.delete(key);
      this.items -= ids.size;
      this.invalidate(key, ids);
    }
    this.refreshListening();
    if (this.table.size > max) this.scheduleTurnEnd();
  }

  private someKey(): ByteString | undefined {
    for (let attempt = 0; attempt < 2; attempt++) {
      this.walk ??= this.table.keys();
      const next = this.walk.next();
      if (!next.done && this.table.has(next.value)) return next.value;
      if (next.done) this.walk = null;
    }
    return this.table.keys().next().value;
  }

  // ---------------------------------------------------------------------------------------------
  // Delivery

  /** Sends one invalidation (keys, or null for a flush) where `owner`'s settings say. */
  private send(owner: Session, keys: readonly ByteString[] | null): void {
    const state = owner.tracking;
    if (state === null) return;
    let target = owner;
    if (state.redirect !== 0) {
      const redirected = this.sessionById(state.redirect);
      if (redirected === null) {
        state.brokenRedirect = true;
        if (owner.resp === 3) this.write(owner, 'tracking-redir-broken', null, state.redirect);
        return;
      }
      target = redirected;
    }
    if (target.resp === 3) this.write(target, 'invalidate', null, keys);
    else if (target.subscriptions.active) this.write(target, 'message', INVALIDATE_CHANNEL, keys);
  }

  private write(target: Session, kind: string, channel: ByteString | null, payload: readonly ByteString[] | number | null): void {
    const reply = target.reply;
    const start = reply.mark();
    if (!this.node.pubsub.openPush(target, channel === null ? 2 : 3)) return;
    reply.bulk(kind);
    if (channel !== null) reply.bulk(channel);
    if (typeof payload === 'number') reply.integer(payload);
    else if (payload === null) reply.null();
    else {
      reply.array(payload.length);
      for (const key of payload) reply.bulk(key);
    }
    target.pushWritten(start);
  }

  private sessionById(id: number): Session | null {
    const client = this.node.clients.get(id);
    return client === undefined || client.closed ? null : client.session;
  }
}
