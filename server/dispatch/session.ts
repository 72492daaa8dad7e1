/**
 * A session: the state a client's commands run in, apart from any socket.
 *
 * Redis keeps all of this in its `client` struct next to the socket. Here the two are split:
 *
 *   Session (this file)        selected db, RESP version (the reply writer's), name,
 *                              authentication, CLIENT REPLY mode, MULTI state and WATCHes,
 *                              pub/sub subscriptions, ASKING/READONLY, kind, the reply writer,
 *                              and the CommandContext its handlers receive
 *   Client (client.ts)         the socket: parser, read loop, backpressure, closing,
 *                              CLIENT LIST's addresses and timestamps
 *
 * so a command can run on a session that has no connection at all: RedisNode.runSocketless
 * runs one and hands back the reply bytes (scripting's redis.call and a testing API need
 * exactly that). A socketless session never blocks: a blocking command answers at once, as
 * inside EXEC.
 */
import { ReplyWriter } from '../../protocol/reply-writer';
import type { ByteString } from '../../storage/bytes';
import type { Database } from '../../storage/database';
import type { Client } from '../network/client';
import { CommandContext } from './command-context';
import type { RedisNode } from '../node';
import { ClientSubscriptions } from '../pubsub/client-subscriptions';
import { ClientTransaction } from './transaction';
import type { TrackingState } from '../tracking/client-tracking';
import type { User } from '../acl/user';

export type ReplyMode = 'on' | 'off' | 'skip';

/**
 * normal: a user's connection. replica: a connection that sent SYNC/PSYNC to us; it is sent the
 * replication stream and never replies. master: our link to our master, applying its stream;
 * it is fed by the master link, not by its own socket listener, and never replies either.
 */
export type ClientKind = 'normal' | 'replica' | 'master';

export class Session {
  readonly reply = new ReplyWriter();
  db: Database;
  name: ByteString = '';
  replyMode: ReplyMode = 'on';
  /** CLIENT REPLY SKIP applies to the command after the one that set it. */
  skipNextReply = false;
  noEvict = false;
  /** ASKING was sent: the next command (or, inside MULTI, every one until EXEC) may touch an IMPORTING slot. */
  asking = false;
  /**
   * Whether the commands this session runs reach replicas (their own entries; what they find
   * expired is always sent). Only a script's session turns it off, with redis.set_repl.
   */
  replicateCommands = true;
  /** READONLY: a replica may serve this client's reads of its master's slots. */
  readonly = false;
  /**
   * A command of this session is waiting on the network and will reply later (MIGRATE, through
   * CommandContext.suspend): the node is held for it and the client is not read meanwhile.
   */
  waiting = false;
  /** How long the blocking command's first run took (µs), for SLOWLOG when it is served. */
  blockedRunUs = 0;
  /**
   * What runs once the waiting command has replied: the rest of the EXEC it belongs to. Null
   * outside EXEC: the client is simply read again.
   */
  afterWait: (() => void) | null = null;
  /**
   * CLIENT REPLY OFF or SKIP covered the command that is waiting (outside EXEC): the reply it
   * writes when it finishes is dropped then (dispatch.ts finishReply sets it, MIGRATE applies it).
   */
  dropLateReply = false;
  lastCommand = 'NULL';
  /** Commands looked up on this connection, the running one included (DEBUG CLIENT-EVICTION). */
  commandsStarted = 0;
  /**
   * The ACL user the commands run as: the default user until AUTH; null for the master link and
   * socketless sessions, which run anything (a script's commands are checked as its caller's).
   */
  user: User | null;
  kind: ClientKind;
  /** MULTI/EXEC state and WATCHed keys. */
  readonly transaction = new ClientTransaction();
  /** Pub/sub channels, patterns and shard channels this session listens to. */
  readonly subscriptions = new ClientSubscriptions();
  /** CLIENT TRACKING's settings; null while tracking is off (tracking/client-tracking.ts). */
  tracking: TrackingState | null = null;
  /**
   * Where pub/sub pushes sit in the reply buffer (start, end pairs since the last write), kept
   * only while CLIENT REPLY OFF|SKIP may drop replies: pushes survive the dropping.
   */
  readonly pushRanges: number[] = [];
  /** What every command of this session is handed (one object, reused). */
  readonly context: CommandContext;
  private isAuthenticated: boolean;

  constructor(
    readonly id: number,
    node: RedisNode,
    kind: ClientKind,
    /** The socket this session is served on; null for a socketless session. */
    readonly connection: Client | null,
  ) {
    this.kind = kind;
    this.db = node.keyspace.db(0);
    // The master link and in-process callers (no connection) are trusted.
    this.isAuthenticated = kind === 'master' || connection === null || node.acl.defaultAuthenticated;
    this.user = kind === 'master' || connection === null ? null : node.acl.defaultUser;
    this.context = new CommandContext(node, this);
  }

  /** Whether the session may run commands that need authentication. */
  get authenticated(): boolean {
    return this.isAuthenticated;
  }

  set authenticated(value: boolean) {
    this.isAuthenticated = value;
    // The parser limits request sizes until the connection is authenticated.
    if (this.connection !== null) this.connection.parser.authRequired = !value;
  }

  get dbIndex(): number {
    return this.db.id;
  }

  get resp(): 2 | 3 {
    return this.reply.resp;
  }

  /** Gone for good: its connection closed (a socketless session never closes). */
  get closed(): boolean {
    return this.connection !== null && this.connection.closed;
  }

  /** A pub/sub push was written from `start` to the buffer's end: CLIENT REPLY OFF must keep it. */
  pushWritten(start: number): void {
    if (this.replyMode !== 'on') this.pushRanges.push(start, this.reply.pendingBytes);
  }

  /** Sends what was replied so far, if there is a socket to send it on. */
  flush(): void {
    this.connection?.flush();
  }
}
