/**
 * One client connection: the socket, its request parser, the read loop and backpressure. The
 * state commands run in (selected db, protocol version, authentication, name, reply mode, the
 * reply buffer) is the connection's Session (session.ts), which can also exist without one.
 *
 * Reading follows DESIGN.md decision 7: every complete request in a received chunk is executed
 * in order, synchronously, and all their replies leave in one socket write, at the end of the
 * event-loop turn with every other client's (pending-replies.ts). A protocol error is
 * answered with Redis's text and the connection is closed after that reply, as Redis does; the
 * requests before it in the same chunk still run.
 */
import type * as net from 'node:net';
import { ByteStringRequestParser, ProtocolError } from '../../protocol/request-parser';
import type { ByteString } from '../../storage/bytes';
import type { RedisNode } from '../node';
import type { CommandSpec } from '../dispatch/command';
import type { ReplconfInfo, ReplicaHandle } from '../replication/replica-handle';
import { type ClientKind, Session } from '../dispatch/session';
import { bufferUsage, ClientMemory, type ClientMemoryInput, memoryFields, type ReplyBufferPolicy, totalMemoryBytes } from './client-memory';
import { closeForOutputLimit, overOutputLimit } from './output-limit';
import { trackingRedirect } from '../commands/client-tracking-commands';

export interface ClientOptions {
  kind?: ClientKind;
}

/** Output waiting in the socket beyond this pauses reading until it drains (backpressure). */
const OUTPUT_HIGH_WATER = 8 * 1024 * 1024;
/** Within one batch of pipelined requests the command clock is re-read this often. */
const CLOCK_REFRESH_COMMANDS = 32;
/** Redis allocates argv for at most this many arguments up front (then grows it). */
const MAX_ARGV_SLOTS = 1024;

/**
 * INFO commandstats' usec and LATENCY HISTOGRAM's buckets: a batch is timed as a whole and its
 * time shared by the commands that ran in it, which costs two clock reads per batch instead of
 * two per command (so a histogram shows each call at its batch's average).
 */
function chargeTime(ran: readonly CommandSpec[], count: number, elapsedMs: number): void {
  if (count === 0) return;
  const share = (elapsedMs * 1000) / count;
  // LATENCY HISTOGRAM's bucket: the smallest power of two (µs) not below the share, from 1 µs.
  const bucket = share <= 1 ? 0 : 32 - Math.clz32(Math.ceil(share) - 1);
  for (let i = 0; i < count; i++) {
    const stats = (ran[i] as CommandSpec).stats;
    stats.usec += share;
    const buckets = (stats.latencyBuckets ??= []);
    buckets[bucket] = (buckets[bucket] ?? 0) + 1;
  }
}

export class Client {
  readonly parser: ByteStringRequestParser;
  /** The state this connection's commands run in. */
  readonly session: Session;
  /** Set by QUIT, protocol errors and CLIENT KILL: close once pending replies are written. */
  closeAfterReply = false;
  closed = false;
  lastInteractionMs: number;
  readonly createdAtMs: number;
  readonly addr: string;
  readonly laddr: string;
  /** Set when kind is 'replica': the master's view of that replica. */
  replica: ReplicaHandle | null = null;
  /** REPLCONF options received before SYNC/PSYNC. */
  replconf: ReplconfInfo = { listeningPort: 0, ipAddress: '', capaEof: false, capaPsync2: false };
  /** The buffers Redis would have for this traffic, for CLIENT LIST's memory fields. */
  readonly memory = new ClientMemory();
  /** What this client adds to INFO's mem_clients_normal or mem_clients_slaves (node-memory.ts). */
  memoryShare: { replica: boolean; bytes: number } | null = null;
  /** The request being run (EXEC's own argv during EXEC); null between requests. */
  runningArgv: ByteString[] | null = null;
  /**
   * A blocked client (WAIT) runs nothing more until unblocked; requests that arrive meanwhile
   * wait in the parser, in order.
   */
  private blocked = false;
  private readingPaused = false;
  /**
   * Commands run in the current batch, the first executedCount of them: reused, to avoid an
   * allocation per batch, and never truncated (setting an array's length is a call into V8's
   * runtime, once per read at -P 1; what stays past the count is the command table's own specs).
   */
  private readonly executed: CommandSpec[] = [];
  private executedCount = 0;

  constructor(
    readonly id: number,
    readonly node: RedisNode,
    private readonly socket: net.Socket,
    options: ClientOptions = {},
  ) {
    this.parser = new ByteStringRequestParser({
      maxBulkLen: node.config.number('proto-max-bulk-len'),
    });
    this.session = new Session(id, node, options.kind ?? 'normal', this);
    this.parser.authRequired = !this.session.authenticated;
    this.createdAtMs = this.lastInteractionMs = node.clock();
    this.addr = formatAddress(socket.remoteAddress, socket.remotePort);
    this.laddr = formatAddress(socket.localAddress, socket.localPort);
    socket.setNoDelay(true);
    const keepAliveSec = node.config.number('tcp-keepalive');
    if (keepAliveSec > 0) socket.setKeepAlive(true, keepAliveSec * 1000);
    // A client never reads its socket itself: the node's accept hands it each read through
    // the shared read buffer (shared-reads.ts), the master link the master's stream.
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get kind(): ClientKind {
    return this.session.kind;
  }

  /** Connected over loopback (what "local" means for enable-debug-command and friends). */
  get isLocal(): boolean {
    return this.addr.startsWith('127.') || this.addr.startsWith('[::1]');
  }

  /** Bytes received but not yet executed (qbuf in CLIENT LIST). */
  get queryBufferBytes(): number {
    return this.parser.bufferedBytes;
  }

  /** The TYPE CLIENT LIST and CLIENT KILL filter on: replication role first, then pub/sub. */
  get clientType(): 'normal' | 'replica' | 'master' | 'pubsub' {
    if (this.kind !== 'normal') return this.kind;
    return this.session.subscriptions.active ? 'pubsub' : 'normal';
  }

  get outputBytes(): number {
    return this.socket.writableLength;
  }

  /**
   * The clients cron's passes over this client's query and reply buffers (client-memory.ts),
   * then its sample for INFO's recent maximum buffers (recent-client-peaks.ts). Returns its
   * tot-mem as measured for that sample.
   */
  memoryCron(nowMs: number, policy: ReplyBufferPolicy): number {
    const idleSec = Math.floor(nowMs / 1000) - Math.floor(this.lastInteractionMs / 1000);
    this.memory.idleQueryBufferPass(idleSec, this.parser.unconsumedBytes);
    this.memory.cron(nowMs, this.outputBytes, policy);
    const usage = bufferUsage(this.memoryInput(null));
    this.node.clientPeaks.note(usage.inputBytes, usage.outputBytes);
    return usage.totalBytes;
  }

  /** Bytes from the connection: parse and run every complete request, then reply in one write. */
  receive(chunk: Buffer): void {
    if (this.closed || this.closeAfterReply) return;
    this.node.stats.netInputBytes += chunk.length;
    this.memory.noteRead(this.parser.unconsumedBytes);
    this.parser.feed(chunk);
    if (this.kind === 'normal' && this.parser.bufferedBytes > this.node.config.number('client-query-buffer-limit')) {
      this.node.log.warning(`Closing client that reached max query buffer length: ${this.describe()}`);
      this.close();
      return;
    }
    // One clock reading for both: the read is the interaction, and its commands run at that time.
    const nowMs = this.node.clock();
    this.lastInteractionMs = nowMs;
    try {
      this.runPending(nowMs);
    } finally {
      // The chunk's memory is reused by the next read of any connection: even should a command
      // throw past the dispatcher, the parser must not keep it.
      this.parser.releaseInput();
    }
  }

  /** Runs the complete requests waiting in the parser, unless blocked. */
  private runPending(nowMs = this.node.clock()): void {
    if (this.blocked) return;
    const node = this.node;
    node.nowMs = nowMs;
    const started = node.time.monotonicMs();
    const ran = this.executed;
    this.executedCount = 0;
    this.parser.markBatchStart();
    try {
      let argv: ByteString[] | null;
      while (!this.closeAfterReply && !this.blocked && (argv = this.parser.next()) !== null) {
        if (argv.length === 0) continue;
        if (this.executedCount % CLOCK_REFRESH_COMMANDS === CLOCK_REFRESH_COMMANDS - 1) node.nowMs = node.clock();
        this.runningArgv = argv;
        const spec = node.execute(this.session, argv);
        if (spec !== null) ran[this.executedCount++] = spec;
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.node.log.verbose(`Protocol error (${err.message}) from client: ${this.describe()}`);
      this.session.reply.error('ERR ' + err.message);
      this.closeAfterReply = true;
    }
    this.runningArgv = null;
    chargeTime(ran, this.executedCount, node.time.monotonicMs() - started);
    this.executedCount = 0;
    node.pubsub.flushReceivers();
    // maxmemory-clients (memory/client-eviction.ts): this client's weight after what the read
    // ran; the check follows the turn's writes (pending-replies.ts).
    if (this.kind === 'normal' && !this.closed) node.memory.clientEviction.clientRan(this);
    node.pendingReplies.add(this);
  }

  /** Stops running this client's requests until unblock() (WAIT). */
  block(): void {
    this.blocked = true;
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  /** Sends what the blocking command replied meanwhile and runs the requests that queued up. */
  unblock(): void {
    if (!this.blocked) return;
    this.blocked = false;
    this.flush();
    if (!this.closed) this.runPending();
  }

  /**
   * Runs a command that was held while this client was blocked (a pause, another client's
   * MIGRATE), then the requests that queued behind it, unless the command blocks it again.
   */
  runHeld(argv: ByteString[]): void {
    if (this.closed) return;
    this.blocked = false;
    const node = this.node;
    node.nowMs = node.clock();
    this.runningArgv = argv;
    node.execute(this.session, argv);
    this.runningArgv = null;
    node.pubsub.flushReceivers();
    if (this.blocked) this.flush();
    else this.runPending();
  }

  /**
   * Replication stream bytes for this replica, written with the turn's other output
   * (pending-replies.ts) in one write, as Redis leaves them in the replica's output buffer until
   * beforeSleep: written as each command propagated, a pipelining client's 16 SETs made 16
   * writes (and 16 wake-ups of the replica) where its replies made one.
   */
  queueRaw(data: Buffer): void {
    if (this.closed) return;
    this.rawOut.push(data);
    this.node.pendingReplies.add(this);
  }

  private rawOut: Buffer[] = [];

  /** Bytes that are not replies (the snapshot and stream to a replica, ACKs to a master). */
  writeRaw(data: Buffer | string): void {
    if (this.closed) return;
    const length = typeof data === 'string' ? Buffer.byteLength(data, 'latin1') : data.length;
    this.node.stats.netReplOutputBytes += length;
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** When the output waiting for this client first went over its soft limit (0: it is not). */
  overSoftLimitSinceMs = 0;

  /** Writes everything replied so far in one socket write (unless that passes its output limit). */
  flush(): void {
    if (this.closed) return;
    const raw = this.rawOut;
    if (raw.length > 0) {
      this.rawOut = [];
      this.writeRaw(raw.length === 1 ? (raw[0] as Buffer) : Buffer.concat(raw));
    }
    // Writes reach the AOF (and with appendfsync always, the disk) before their replies leave:
    // the replies wait for the AOF's one write (and fsync) of this event-loop turn.
    const aof = this.node.aof;
    if (aof.bufferBytes > 0) {
      if (this.kind === 'normal' && !this.closeAfterReply && aof.holdReplies(this)) return;
      aof.beforeReply();
    }
    if (this.kind === 'normal' && overOutputLimit(this)) {
      closeForOutputLimit(this);
      return;
    }
    // Replicas and masters are never sent replies (REPLCONF GETACK answers with writeRaw).
    const reply = this.session.reply;
    if (this.kind !== 'normal' && reply.pendingBytes > 0) reply.discard();
    if (this.session.pushRanges.length !== 0) this.session.pushRanges.length = 0;
    if (reply.pendingBytes > 0) {
      this.memory.noteReplies(reply.pendingBytes);
      const out = reply.take();
      this.node.stats.netOutputBytes += out.length;
      this.socket.write(out);
      // Redis counts a write as an interaction too (idle=, timeout, the idle query-buffer trim):
      // a subscriber that receives messages is not idle.
      this.lastInteractionMs = this.node.clock();
    }
    if (this.closeAfterReply) {
      // Closed for real once the reply is out, as Redis closes the descriptor: a half-close
      // would keep reading, and a client that goes on writing would never be stopped. When the
      // kernel took the whole reply, the descriptor is closed in this same turn, as Redis does,
      // so the close is done before the client can read the reply; waiting for 'finish' left a
      // window, on a busy machine, in which a client could write megabytes into the void.
      const socket = this.socket;
      if (socket.writableLength === 0) {
        socket.destroy();
      } else {
        socket.pause();
        socket.end(() => socket.destroy());
      }
      this.markClosed();
      return;
    }
    if (!this.readingPaused && this.socket.writableLength > OUTPUT_HIGH_WATER) {
      this.readingPaused = true;
      this.socket.pause();
      this.socket.once('drain', () => {
        this.readingPaused = false;
        this.socket.resume();
      });
    }
  }

  /** Closes the connection now, dropping unsent replies. */
  close(): void {
    if (this.closed) return;
    this.socket.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.session.transaction.end();
    this.node.clientClosed(this);
  }

  /**
   * The CLIENT LIST / CLIENT INFO line, in Redis 7.0's field order. `runningArgv` is the argv of
   * the CLIENT command describing its own connection (inside EXEC, the queued command's).
   */
  describe(runningArgv: readonly ByteString[] | null = null): string {
    const now = this.node.clock();
    const { name, db, lastCommand, resp } = this.session;
    const subs = this.session.subscriptions;
    const queued = this.session.transaction.queue ?? this.session.transaction.running;
    const memory = memoryFields(this.memoryInput(runningArgv));
    return (
      `id=${this.id} addr=${this.addr} laddr=${this.laddr} fd=${this.id + 7} name=${name} ` +
      `age=${Math.floor((now - this.createdAtMs) / 1000)} idle=${Math.floor((now - this.lastInteractionMs) / 1000)} ` +
      `flags=${this.flags()} db=${db.id} sub=${subs.channels.size} psub=${subs.patterns.size} ssub=${subs.shardChannels.size} ` +
      `multi=${queued === null ? -1 : queued.length} ${memory} ` +
      `events=r cmd=${lastCommand} user=${this.session.user?.name ?? 'default'} redir=${trackingRedirect(this.session.tracking)} resp=${resp}`
    );
  }

  /**
   * tot-mem as Redis last bucketed it for client eviction: after the client's previous command,
   * so without the argv of one running now.
   */
  get evictionMemoryBytes(): number {
    return totalMemoryBytes(this.memoryInput(null));
  }

  /** The figures the memory fields are computed from (see describe for `runningArgv`). */
  private memoryInput(runningArgv: readonly ByteString[] | null): ClientMemoryInput {
    const subs = this.session.subscriptions;
    const tx = this.session.transaction;
    // Describing itself from a command: the request being run is in argv, its read in qbuf.
    const request = runningArgv === null ? null : this.runningArgv;
    let argvBytes = 0;
    if (request !== null) for (const arg of request) argvBytes += arg.length;
    return {
      memory: this.memory,
      queryBytes: request !== null ? this.parser.batchBytes : this.parser.unconsumedBytes,
      argvBytes: request !== null ? argvBytes : this.parser.pendingArgBytes,
      argc: request !== null && runningArgv !== null ? runningArgv.length : this.parser.pendingArgCount,
      argvSlots: request !== null ? request.length : Math.min(MAX_ARGV_SLOTS, this.parser.pendingRequestArgc),
      queued: tx.queue ?? tx.running,
      watchedKeys: tx.running === null ? tx.watchedCount : 0,
      pendingReplyBytes: this.session.reply.pendingBytes + this.outputBytes,
      channels: subs.channels.size,
      patterns: subs.patterns.size,
      shardChannels: subs.shardChannels.size,
    };
  }

  /** CLIENT LIST's flags, in Redis's order; N when none applies. */
  private flags(): string {
    const session = this.session;
    let flags = this.kind === 'replica' ? 'S' : this.kind === 'master' ? 'M' : this.node.monitors.has(session) ? 'O' : session.subscriptions.active ? 'P' : '';
    const tx = session.transaction;
    if (tx.queue !== null || tx.running !== null) flags += 'x';
    if (this.blocked) flags += 'b';
    const tracking = session.tracking;
    if (tracking !== null) flags += 't' + (tracking.brokenRedirect ? 'R' : '') + (tracking.bcast ? 'B' : '');
    // EXEC forgets the watched keys before running the queue, so its writes do not show.
    if (tx.touched && tx.running === null) flags += 'd';
    if (this.closeAfterReply) flags += 'c';
    if (session.readonly) flags += 'r';
    if (session.noEvict) flags += 'e';
    return flags === '' ? 'N' : flags;
  }
}

function formatAddress(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return '?:0';
  const h = host.startsWith('::ffff:') ? host.slice(7) : host;
  return h.includes(':') ? `[${h}]:${port ?? 0}` : `${h}:${port ?? 0}`;
}
