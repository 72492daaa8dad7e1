/**
 * What a command handler is given: one CommandContext, and nothing else to reach for.
 *
 * A handler is `(ctx, argv) => void`. Everything a data-type command (strings, keys, hashes,
 * lists, sets, sorted sets, bitmaps, SORT, PUBLISH...) may touch is a member of the context:
 *
 *   session            the client's state: selected db, RESP version, name, flags, MULTI
 *   db, reply          the selected database and the reply writer (shortcuts into the session)
 *   nowMs              the instant the command runs at; frozen by the node once per command
 *                      so expiry checks, TTL answers and relative-to-absolute conversions agree
 *   keyspace, random,  every database (COPY/MOVE/SWAPDB), the node's seeded randomness
 *   config             (SRANDMEMBER...) and a read-only view of the configuration
 *   lookupRead         a read lookup that counts keyspace hits and misses for INFO
 *   propagateAs, ...   what reaches replicas (see "Propagation" below)
 *   notifyKeyEvent     keyspace notifications
 *   block, signalKeyReady  wait for a key to receive elements (BLPOP, BZPOPMIN...), and say
 *                      that one did
 *   suspend            reply later, after waiting on the network (MIGRATE)
 *
 * Commands that administer the server (INFO, CONFIG, DEBUG, CLIENT, CLUSTER, REPLICAOF, SAVE,
 * SHUTDOWN, COMMAND...) need the whole node and reach it through one field named for that:
 * `ctx.server`. A data-type command that uses `ctx.server` is a smell.
 *
 * Propagation
 * -----------
 * After the handler returns, the dispatcher sends a write that changed the dataset to the
 * replication stream as it was received. A handler changes that by declaring it here:
 *   - `propagateAs(argv)`: send this instead (SET EX → SET PXAT, BLPOP → LPOP);
 *   - `forcePropagation()`: send it even though no key changed (FLUSHALL on an empty node,
 *     PUBLISH outside cluster mode);
 *   - `alsoPropagate(argv)`: send this now, before the command's own entry (a command that
 *     must replicate as several, or a blocked client served outside any command);
 *   - `preventPropagation()`: send nothing of the command itself (XREADGROUP, XCLAIM).
 * The dispatcher reads the declaration back with `takePropagation` and clears it, so nothing
 * leaks into the session's next command. Everything one client command sends (its
 * `alsoPropagate` entries, the DELs of keys it found expired, its own entry; for EXEC, all of
 * its commands') is one execution unit: replicas get it wrapped in MULTI/EXEC when it is more
 * than one command, as Redis 7.0 sends it (Replication.beginUnit/endUnit).
 *
 * One context per session
 * -----------------------
 * The context is created with its session and reused for every command the session runs: the
 * hot path allocates nothing per command. `nowMs` reads the node's command clock, so a waiter
 * served later (a blocked BLPOP) sees the instant of the command that woke it.
 */
import type { ByteString } from '../../storage/bytes';
import type { Database, EditableValue } from '../../storage/database';
import type { Keyspace } from '../../storage/keyspace';
import type { SeededRandom } from '../../storage/random';
import type { StoredValue } from '../../storage/values';
import type { ReplyWriter } from '../../protocol/reply-writer';
import type { BlockedType, ServeFn } from '../blocking';
import type { Client } from '../network/client';
import type { Config } from '../config/config';
import type { Logger } from '../log';
import { ReplyError } from './errors';
import { suspend } from './exclusive-run';
import { notifyKeyspaceEvent } from '../pubsub/keyspace-events';
import type { RedisNode } from '../node';
import type { Session } from './session';

/** The configuration as commands read it; only CONFIG SET (through ctx.server) changes it. */
export type ConfigReader = Pick<Config, 'number' | 'bool' | 'string' | 'value'>;

export class CommandContext {
  /** The session's reply writer. */
  readonly reply: ReplyWriter;
  readonly keyspace: Keyspace;
  readonly random: SeededRandom;
  readonly config: ConfigReader;
  readonly log: Logger;
  /** The command's replacement argv for the replication stream, or null to send it as received. */
  private propagatedArgv: ByteString[] | null = null;
  private forced = false;
  private prevented = false;

  constructor(
    /** The whole node: only for commands that administer the server. */
    readonly server: RedisNode,
    readonly session: Session,
  ) {
    this.reply = session.reply;
    this.keyspace = server.keyspace;
    this.random = server.random;
    this.config = server.config;
    this.log = server.log;
  }

  /** The selected database (SELECT changes the session's). */
  get db(): Database {
    return this.session.db;
  }

  /** The instant this command runs at. */
  get nowMs(): number {
    return this.server.nowMs;
  }

  /** Whether a cluster-mode node runs the command (commands that refuse db != 0 ask). */
  get clusterEnabled(): boolean {
    return this.server.cluster !== null;
  }

  /**
   * The socket-bound client, for commands about the connection itself (CLIENT, PSYNC, WAIT,
   * QUIT). A socketless session has none: such a command is an error there.
   */
  get connection(): Client {
    const connection = this.session.connection;
    if (connection === null) throw new ReplyError('ERR This command needs a client connection');
    return connection;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /** Looks a key up for a read, counting a keyspace hit or miss (and the keymiss event). */
  lookupRead(db: Database, key: ByteString): StoredValue | undefined {
    return this.server.lookupRead(db, key);
  }

  /**
   * A counted read for the commands that read a string's bytes where they are (GETBIT,
   * BITCOUNT, GETRANGE...): the value in whichever form the database holds it, uncopied.
   */
  lookupReadBytes(db: Database, key: ByteString): EditableValue | undefined {
    return this.server.lookupReadBytes(db, key);
  }

  /** A counted read that leaves the key's access time alone (EXISTS, TYPE, TTL). */
  lookupReadNoTouch(db: Database, key: ByteString): StoredValue | undefined {
    return this.server.lookupReadNoTouch(db, key);
  }

  // ---------------------------------------------------------------------------------------------
  // Propagation

  /** Replicate the command as `argv` instead of as received. */
  propagateAs(argv: ByteString[]): void {
    this.propagatedArgv = argv;
  }

  /**
   * Do not replicate the command itself: what it changed reached replicas as other commands it
   * sent with alsoPropagate (XREADGROUP → XCLAIM and XGROUP SETID, as Redis's
   * preventCommandPropagation).
   */
  preventPropagation(): void {
    this.prevented = true;
  }

  /** Replicate the command even if it changed nothing. */
  forcePropagation(): void {
    this.forced = true;
  }

  /** Sends `argv` to the replication stream now, in the session's database. */
  alsoPropagate(argv: readonly ByteString[]): void {
    this.server.replication.propagate(this.session.db.id, argv);
  }

  /**
   * The dispatcher, after the handler: what to send for a command received as `argv` that
   * `changed` the dataset (null: nothing), clearing the declaration for the next command.
   */
  takePropagation(argv: ByteString[], changed: boolean): ByteString[] | null {
    const out = this.prevented ? null : changed || this.forced ? (this.propagatedArgv ?? argv) : null;
    this.propagatedArgv = null;
    this.forced = false;
    this.prevented = false;
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Notifications, pub/sub, blocking

  /** A keyspace event on `key` of the selected database, if its class is enabled. */
  notifyKeyEvent(flag: number, event: string, key: ByteString): void {
    if (this.server.notifyKeyspaceEvents !== 0) notifyKeyspaceEvent(this.server, flag, event, key, this.session.db.id);
  }

  /** A keyspace event on `key` of database `dbIndex` (COPY ... DB, MOVE). */
  notifyKeyspaceEvent(flag: number, event: string, key: ByteString, dbIndex: number): void {
    notifyKeyspaceEvent(this.server, flag, event, key, dbIndex);
  }

  /**
   * PUBLISH / SPUBLISH: delivers to this node's subscribers and returns how many got it. Beyond
   * this node, cluster mode relays it over the bus; otherwise it is replicated (forced, since it
   * changes no key), so a replica's subscribers hear it too.
   */
  publish(channel: ByteString, message: ByteString, shard: boolean): number {
    const node = this.server;
    const receivers = shard ? node.pubsub.publishShard(channel, message) : node.pubsub.publish(channel, message);
    if (node.cluster !== null) node.cluster.publish(channel, message, shard);
    else this.forcePropagation();
    return receivers;
  }

  /**
   * Whether a script runs the command (EVAL's or FUNCTION's redis.call): their sessions have the
   * node's reserved client IDs (RedisNode.EVAL_CLIENT_ID, FUNCTION_CLIENT_ID).
   */
  get fromScript(): boolean {
    const session = this.session;
    return session.connection === null && (session.id === 1 || session.id === 2);
  }

  /**
   * Whether the session may wait: not inside EXEC, not on a replication link, and only with a
   * connection to answer on later. Otherwise a blocking command answers at once.
   */
  get mayBlock(): boolean {
    const session = this.session;
    return !session.transaction.executing && session.kind === 'normal' && session.connection !== null;
  }

  /**
   * The command waits on the network and replies later (MIGRATE): other clients are held until
   * then, also inside EXEC, whose remaining commands run once it has replied (exclusive-run.ts).
   * Returns the call that ends the wait, to be made after the reply is written. Only for a
   * session with a connection (a socketless one cannot wait).
   */
  suspend(): () => void {
    return suspend(this.server, this.session);
  }

  /**
   * `key` of the selected database received elements (a push, ZADD...): clients blocked on it
   * are served once the command has finished (server/blocking.ts, the one wake-up path).
   */
  signalKeyReady(key: ByteString): void {
    this.server.blocking.signalReady(this.session.db, key);
  }

  /**
   * Blocks the session on `keys` of its database until `serve` pops for it, the deadline
   * passes (`deadlineMs`, 0 = never) or it closes. `argv` is kept for cluster re-routing.
   */
  block(argv: readonly ByteString[], keys: readonly ByteString[], deadlineMs: number, serve: ServeFn, type: BlockedType): void {
    this.server.blocking.block(this.session, argv, keys, deadlineMs, serve, type);
  }
}
