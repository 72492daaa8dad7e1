/**
 * A node's replication role and state (DESIGN.md "Replication, in one paragraph").
 *
 * As a master it owns the stream: every propagated write is encoded once, counted in
 * `offset`, appended to the backlog and fed to each replica. As a replica it owns the link
 * to its master (master-link.ts); the bytes its master client applies are forwarded unchanged
 * to its own backlog and sub-replicas, so a chain shares one replid and one offset space.
 *
 * Replication ids (redis-wire.md §2.4): `replid` names the history the offsets belong to;
 * after a promotion the old one stays valid as `replid2` up to `secondReplidOffset`, so the
 * other replicas of the old master can continue here with a partial resync.
 */
import { encodeCommand } from '../../protocol/command-encoder';
import type { ByteString } from '../../storage/bytes';
import type { Client } from '../network/client';
import type { RedisNode } from '../node';
import { ReplicationBacklog } from './backlog';
import { sendSnapshot } from './full-sync';
import { type CachedMaster, MasterLink, type MasterLinkOwner } from './master-link';
import { ReplicaHandle, replicaName } from './replica-handle';
import { snapshotChunks } from './snapshot-io';
import { loadSyncPayload, type SyncLoadMode } from './sync-load';
import { WaitQueue } from './wait';

const NO_REPLID = '0'.repeat(40);
const PING = encodeCommand(['ping']);
const GETACK = encodeCommand(['REPLCONF', 'GETACK', '*']);
const MULTI = encodeCommand(['MULTI']);
const EXEC = encodeCommand(['EXEC']);

export class Replication implements MasterLinkOwner {
  /** Ids come from the node's seeded source, as its run id does: a seeded run repeats them. */
  replid: string;
  replid2 = NO_REPLID;
  secondReplidOffset = -1;
  /** master_repl_offset: bytes of stream produced (master) or applied (replica). */
  offset = 0;
  backlog: ReplicationBacklog | null = null;
  readonly replicas = new Set<ReplicaHandle>();
  /** Where we replicate from; null as a master. */
  master: { host: string; port: number } | null = null;
  link: MasterLink | null = null;
  private cachedMaster: CachedMaster | null = null;
  /** When the link to our master went down (0: never up yet), for INFO. */
  linkDownSinceMs = 0;
  private nextConnectMs = 0;
  /** How the next connect is worded: a link that worked and broke is "Reconnecting". */
  private nextConnectHow: 'retry' | 'reconnect' | 'after-failure' = 'retry';
  /** The db the last command fed to the stream ran in; -1 forces a SELECT before the next. */
  private streamDb = -1;
  private snapshotRunning = false;
  private firstWaitingMs = 0;
  private lastPingMs = 0;
  private lastSecondMs = 0;
  /** Offset of the FULLRESYNC being received, applied once the snapshot has loaded. */
  private pendingFullSync: { replid: string; offset: number } | null = null;
  /**
   * An execution unit (one client command with everything it caused, EXEC and its commands
   * included) holds its writes here (encoded, SELECTs included) until it ends: several go out
   * between MULTI and EXEC, so replicas apply them atomically; a lone write goes out alone, as
   * Redis 7.0 sends it (one command is atomic by itself). What a unit holds besides the command
   * itself: the DELs of keys it found expired, the SREMs of an SPOP with a count, the commands
   * of an EXEC. `unitDepth` counts the open units: a unit opened inside another (a command run
   * from within a command) adds to the outer one, which alone sends.
   */
  private readonly unitWrites: Buffer[] = [];
  private unitDepth = 0;
  private unitCommands = 0;
  /** The held writes start with a SELECT, which goes before the MULTI. */
  private unitStartsWithSelect = false;
  /** The db the master client starts in: the snapshot's repl-stream-db, or -1 to keep its own. */
  private streamDbAfterLoad = -1;

  /** Clients blocked in WAIT (wait.ts). */
  private readonly waits: WaitQueue;
  /** min-replicas-to-write, kept from the config: every write asks (tooFewGoodReplicas). */
  private minReplicasToWrite: number;

  constructor(private readonly node: RedisNode) {
    this.replid = node.random.hex(40);
    this.minReplicasToWrite = node.config.number('min-replicas-to-write');
    node.config.onChange('min-replicas-to-write', (n) => {
      this.minReplicasToWrite = n;
    });
    this.waits = new WaitQueue({
      replicas: this.replicas,
      currentOffset: () => this.offset,
      time: node.time,
      requestAckNow: () => {
        if (this.master === null && this.replicas.size > 0) this.feed(GETACK);
      },
      answered: (client, replicas) => node.hooks.waitAnswered?.(client.id, replicas),
    });
  }

  get isReplica(): boolean {
    return this.master !== null;
  }

  /** Whether we hold a history to continue from (INFO and ROLE show its offset). */
  get hasCachedMaster(): boolean {
    return this.cachedMaster !== null;
  }

  get linkUp(): boolean {
    return this.link !== null && this.link.state === 'connected';
  }

  // ---------------------------------------------------------------------------------------------
  // The stream

  /** A write a client made: into the stream (masters only; a writable replica's writes stay local). */
  propagate(db: number, argv: readonly ByteString[]): void {
    // The AOF gets the same writes, on a replica too (what its master sent it).
    this.node.aof.propagate(db, argv);
    if (this.master !== null || (this.backlog === null && this.replicas.size === 0)) return;
    const held = this.unitDepth > 0 ? this.unitWrites : null;
    if (db !== this.streamDb) {
      const select = encodeCommand(['SELECT', String(db)]);
      if (held === null) this.feed(select);
      else if (held.push(select) === 1) this.unitStartsWithSelect = true;
      this.streamDb = db;
    }
    if (held === null) {
      this.feed(encodeCommand(argv));
      return;
    }
    held.push(encodeCommand(argv));
    this.unitCommands++;
  }

  /** An execution unit starts (the dispatcher, around a client's command): writes are held. */
  beginUnit(): void {
    this.node.aof.beginUnit();
    this.unitDepth++;
  }

  /**
   * An execution unit ended: once the outermost one ends, what it wrote goes out, wrapped in
   * MULTI/EXEC when it is more than one command. The MULTI follows the first SELECT, so the
   * transaction starts in its first write's db.
   */
  endUnit(): void {
    this.node.aof.endUnit();
    if (--this.unitDepth > 0) return;
    const held = this.unitWrites;
    if (held.length === 0) return;
    const wrap = this.unitCommands > 1;
    held.forEach((command, i) => {
      if (wrap && i === (this.unitStartsWithSelect ? 1 : 0)) this.feed(MULTI);
      this.feed(command);
    });
    if (wrap) this.feed(EXEC);
    held.length = 0;
    this.unitCommands = 0;
    this.unitStartsWithSelect = false;
  }

  /**
   * DEBUG REPLICATE: `argv` goes straight to the replicas and the backlog, in whatever db the
   * stream is in (no SELECT), ahead of any writes held for an execution unit, and not to the AOF:
   * what Redis's replicationFeedSlaves does for it.
   */
  feedVerbatim(argv: readonly ByteString[]): void {
    if (this.master !== null || (this.backlog === null && this.replicas.size === 0)) return;
    this.feed(encodeCommand(argv));
  }

  private feed(data: Buffer): void {
    this.offset += data.length;
    this.backlog?.append(data);
    for (const replica of this.replicas) replica.feed(data);
  }

  // ---------------------------------------------------------------------------------------------
  // Master side: SYNC / PSYNC, REPLCONF ACK, WAIT

  /** SYNC or PSYNC from `client`; the reply goes out raw (the client stops getting replies). */
  syncRequested(client: Client, psync: { replid: string; offset: number } | null): void {
    if (client.kind === 'replica') return;
    if (this.master !== null && !this.linkUp) {
      client.session.reply.error("NOMASTERLINK Can't SYNC while not connected with my master");
      return;
    }
    // Its replies so far leave before the stream starts (none is held back for the AOF).
    this.node.aof.beforeReply();
    client.flush();
    const stats = this.node.stats;
    const name = replicaName(client);
    this.node.log.notice(`Replica ${name} asks for synchronization`);
    if (psync !== null && this.tryPartialSync(client, psync.replid, psync.offset)) return;
    if (psync !== null && psync.replid !== '?') stats.syncPartialErr++;
    stats.syncFull++;
    const handle = this.attach(client, 'wait_bgsave_start');
    handle.oldSync = psync === null;
    if (this.master === null && this.backlog === null) {
      // The first replica of a master starts a new history (Redis changes the replid here).
      this.replid = this.node.random.hex(40);
      this.clearReplid2();
      this.backlog = new ReplicationBacklog(this.node.config.number('repl-backlog-size'), this.offset);
      this.node.log.notice(`Replication backlog created, my new replication IDs are '${this.replid}' and '${this.replid2}'`);
    }
    if (this.firstWaitingMs === 0) this.firstWaitingMs = this.node.clock();
    this.maybeStartSnapshot();
  }

  /** PSYNC: continues from the backlog if it can, else logs why not (as Redis words it). */
  private tryPartialSync(client: Client, replid: string, offset: number): boolean {
    const log = this.node.log;
    const name = replicaName(client);
    const known = replid === this.replid || (replid === this.replid2 && offset <= this.secondReplidOffset);
    if (!known) {
      if (replid === '?') log.notice(`Full resync requested by replica ${name}`);
      else if (replid !== this.replid && replid !== this.replid2) {
        log.notice(`Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${this.replid}' and '${this.replid2}')`);
      } else {
        log.notice(`Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${this.secondReplidOffset}`);
      }
      return false;
    }
    const backlog = this.backlog;
    if (backlog === null || !backlog.covers(offset)) {
      log.notice(`Unable to partial resync with replica ${name} for lack of backlog (Replica request was: ${offset}).`);
      if (offset > this.offset) log.warning(`Warning: replica ${name} tried to PSYNC with an offset that is greater than the master replication offset.`);
      return false;
    }
    this.attach(client, 'online');
    client.writeRaw(client.replconf.capaPsync2 ? `+CONTINUE ${this.replid}\r\n` : '+CONTINUE\r\n');
    if (offset <= this.offset) client.writeRaw(backlog.readFrom(offset));
    this.node.stats.syncPartialOk++;
    log.notice(`Partial resynchronization request from ${name} accepted. Sending ${this.offset - offset + 1} bytes of backlog starting from offset ${offset}.`);
    return true;
  }

  private attach(client: Client, state: ReplicaHandle['state']): ReplicaHandle {
    const handle = new ReplicaHandle(client, { ...client.replconf }, state, this.node.clock());
    client.session.kind = 'replica';
    client.replica = handle;
    this.replicas.add(handle);
    return handle;
  }

  /** Called by the node when any client closes. */
  clientClosed(client: Client): void {
    if (client.replica !== null) {
      this.replicas.delete(client.replica);
      this.node.log.warning(`Connection with replica ${replicaName(client)} lost.`);
    }
    this.waits.forget(client);
  }

  private maybeStartSnapshot(): void {
    if (this.snapshotRunning) return;
    const waiting = [...this.replicas].filter((r) => r.state === 'wait_bgsave_start');
    if (waiting.length === 0) return;
    const config = this.node.config;
    const diskless = config.bool('repl-diskless-sync') && waiting.every((r) => r.info.capaEof);
    const delayMs = diskless ? config.number('repl-diskless-sync-delay') * 1000 : 0;
    if (this.node.clock() - this.firstWaitingMs < delayMs) return; // the cron checks again
    this.firstWaitingMs = 0;
    this.snapshotRunning = true;
    let chunks: AsyncGenerator<Buffer>;
    try {
      chunks = snapshotChunks(this.node, { replId: this.replid, replOffset: this.offset, replStreamDb: Math.max(0, this.streamDb) });
    } catch (err) {
      this.snapshotRunning = false;
      this.node.log.warning(`Can't make a snapshot for replication: ${(err as Error).message}`);
      for (const r of waiting) r.client.close();
      return;
    }
    for (const r of waiting) {
      if (!r.oldSync) r.client.writeRaw(`+FULLRESYNC ${this.replid} ${this.offset}\r\n`);
      r.state = 'wait_bgsave_end';
    }
    // The snapshot holds no SELECT: the stream after it names its db again.
    this.streamDb = -1;
    const log = this.node.log;
    log.notice(`Starting BGSAVE for SYNC with target: ${diskless ? 'replicas sockets' : 'disk'}`);
    // No fork: the snapshot is made by this process, whose pid the line names.
    log.notice(`${diskless ? 'Background RDB transfer' : 'Background saving'} started by pid ${process.pid}`);
    void sendSnapshot(waiting, chunks, diskless ? this.node.random.hex(40) : null)
      .then(
        () => {
          log.notice(`${diskless ? 'Background RDB transfer' : 'Background saving'} terminated with success`);
          for (const r of waiting) {
            if (r.client.closed) continue;
            if (r.state === 'wait_ack') {
              log.notice(`Streamed RDB transfer with replica ${replicaName(r.client)} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming`);
            } else {
              log.notice(`Synchronization with replica ${replicaName(r.client)} succeeded`);
            }
          }
        },
        (err: Error) => {
          this.node.log.warning(`Snapshot transfer failed: ${err.message}`);
          for (const r of waiting) r.client.close();
        },
      )
      .finally(() => {
        this.snapshotRunning = false;
        this.maybeStartSnapshot();
      });
  }

  /** REPLCONF ACK <offset> from a replica. */
  acked(client: Client, offset: number): void {
    const handle = client.replica;
    if (handle === null) return;
    if (offset > handle.ackOffset) handle.ackOffset = offset;
    handle.ackTimeMs = this.node.clock();
    if (handle.state === 'wait_ack') {
      handle.goOnline();
      this.node.log.notice(`Synchronization with replica ${replicaName(client)} succeeded`);
    }
    this.waits.check();
  }

  /** WAIT numreplicas timeout: replies now or blocks the client. */
  wait(client: Client, replicas: number, timeoutMs: number): void {
    this.waits.wait(client, replicas, timeoutMs);
  }

  /** CLIENT UNBLOCK of a client in WAIT (WaitQueue.unblockByRequest). */
  unblockWait(client: Client, error: string | null): boolean {
    return this.waits.unblockByRequest(client, error);
  }

  /**
   * NOREPLICAS: a master with min-replicas-to-write set (and min-replicas-max-lag not 0) refuses
   * writes while fewer replicas than that are good. Asked before every write, so the common case
   * (the directive at 0) reads one field.
   */
  tooFewGoodReplicas(): boolean {
    const min = this.minReplicasToWrite;
    if (min === 0 || this.isReplica || this.node.config.number('min-replicas-max-lag') === 0) return false;
    return this.goodReplicas() < min;
  }

  /** min-replicas-to-write: replicas online whose last ACK is within min-replicas-max-lag. */
  goodReplicas(): number {
    const maxLagMs = this.node.config.number('min-replicas-max-lag') * 1000;
    const now = this.node.clock();
    let n = 0;
    for (const r of this.replicas) if (r.state === 'online' && now - r.ackTimeMs <= maxLagMs) n++;
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Replica side

  /** REPLICAOF host port (also CLUSTER REPLICATE and the replicaof directive). */
  replicaOf(host: string, port: number): void {
    const log = this.node.log;
    // Log lines name the role (12345:S ...); Redis switches it before logging the change.
    log.role = 'S';
    if (this.master === null) {
      // What we hold is where a partial resync can start from (a demoted master's data).
      this.cachedMaster = { replid: this.replid, offset: this.offset };
      log.notice('Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.');
    } else if (this.linkUp) {
      log.warning('Connection with master lost.');
      log.notice('Caching the disconnected master state.');
      this.cachedMaster = { replid: this.replid, offset: this.offset };
    }
    this.link?.close();
    this.link = null;
    this.master = { host, port };
    this.node.keyspace.context.expiry = 'hide';
    // Our replicas stay (Redis 7.0's replicationSetMaster): they are dropped only once the new
    // master's answer changes our history, a FULLRESYNC or a +CONTINUE with another replid.
    this.waits.answerAll();
    this.linkDownSinceMs = this.node.clock();
    this.node.log.notice(`Connecting to MASTER ${host}:${port}`);
    this.connect('first');
  }

  /** REPLICAOF NO ONE: become a master; the old history stays valid as replid2. */
  promote(): void {
    if (this.master === null) return;
    const log = this.node.log;
    log.role = 'M';
    const wasUp = this.linkUp;
    if (wasUp) {
      log.warning('Connection with master lost.');
      log.notice('Caching the disconnected master state.');
    }
    this.link?.close();
    this.link = null;
    this.master = null;
    if (this.cachedMaster !== null || wasUp) log.notice('Discarding previously cached master state.');
    this.cachedMaster = null;
    this.node.keyspace.context.expiry = 'delete';
    this.replid2 = this.replid;
    this.secondReplidOffset = this.offset + 1;
    this.replid = this.node.random.hex(40);
    log.warning(`Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondReplidOffset}. New replication ID is ${this.replid}`);
    if (this.backlog === null) this.backlog = new ReplicationBacklog(this.node.config.number('repl-backlog-size'), this.offset);
    this.streamDb = -1;
    // Sub-replicas reconnect and continue with the old id through replid2.
    this.disconnectReplicas();
  }

  /** `how`: the line before "sync started" (Redis words a retry and a reconnect differently). */
  private connect(how: 'first' | 'retry' | 'reconnect' | 'after-failure' = 'retry'): void {
    const master = this.master;
    if (master === null || this.link !== null) return;
    if (how === 'retry') this.node.log.notice(`Connecting to MASTER ${master.host}:${master.port}`);
    else if (how === 'reconnect') this.node.log.notice(`Reconnecting to MASTER ${master.host}:${master.port}`);
    else if (how === 'after-failure') this.node.log.notice(`Reconnecting to MASTER ${master.host}:${master.port} after failure`);
    this.node.log.notice('MASTER <-> REPLICA sync started');
    this.nextConnectMs = this.node.clock() + 1000;
    this.nextConnectHow = 'retry';
    this.link = new MasterLink(this.node, master.host, master.port, this.cachedMaster, this);
  }

  fullSyncStarting(replid: string, offset: number): void {
    this.pendingFullSync = { replid, offset };
  }

  loadSnapshot(rdb: Buffer, mode: SyncLoadMode): void {
    const sync = this.pendingFullSync;
    if (sync === null) throw new Error('snapshot without FULLRESYNC');
    const aux = loadSyncPayload(this.node, rdb, mode, this.cachedMaster !== null);
    // The AOF describes the old dataset: it starts again from a rewrite of the new one.
    this.node.aof.restartAfterSync();
    this.pendingFullSync = null;
    this.replid = sync.replid;
    this.offset = sync.offset;
    this.clearReplid2();
    this.cachedMaster = null;
    this.backlog = new ReplicationBacklog(this.node.config.number('repl-backlog-size'), this.offset);
    this.streamDbAfterLoad = Number(aux.get('repl-stream-db') ?? 0) || 0;
    // Our replicas hold the old data set: they must sync again.
    this.disconnectReplicas();
  }

  partialSyncAccepted(newReplid: string | null): void {
    const cached = this.cachedMaster;
    if (cached !== null) {
      this.replid = cached.replid;
      this.offset = cached.offset;
    }
    this.cachedMaster = null;
    if (newReplid !== null && newReplid !== this.replid) {
      this.node.log.warning(`Master replication ID changed to ${newReplid}`);
      this.replid2 = this.replid;
      this.secondReplidOffset = this.offset + 1;
      this.replid = newReplid;
      this.disconnectReplicas();
    }
    if (this.backlog === null) this.backlog = new ReplicationBacklog(this.node.config.number('repl-backlog-size'), this.offset);
    this.streamDbAfterLoad = -1;
    this.node.log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
  }

  streaming(client: Client, ackNow: boolean): void {
    if (this.streamDbAfterLoad >= 0) client.session.db = this.node.keyspace.db(this.streamDbAfterLoad);
    this.node.registerClient(client);
    if (ackNow) this.link?.sendAck(this.offset);
  }

  streamApplied(data: Buffer): void {
    this.offset += data.length;
    this.backlog?.append(data);
    for (const replica of this.replicas) replica.feed(data);
  }

  linkLost(reason: string): void {
    const link = this.link;
    if (link === null) return;
    this.node.log.warning(reason);
    const wasStreaming = link.state === 'connected';
    // A transfer cut short is retried at once, as Redis's cancelReplicationHandshake does.
    const wasTransferring = link.state === 'bulk';
    if (wasTransferring) this.nextConnectMs = 0;
    if (wasStreaming) {
      this.node.log.notice('Caching the disconnected master state.');
      this.cachedMaster = { replid: this.replid, offset: this.offset };
      this.linkDownSinceMs = this.node.clock();
      // A link that worked is retried at once; a failing handshake once a second.
      this.nextConnectMs = 0;
    }
    this.link = null;
    this.pendingFullSync = null;
    this.nextConnectHow = wasStreaming ? 'reconnect' : wasTransferring ? 'after-failure' : 'retry';
    // Whichever comes first, this or the cron, makes the next connection with the same words.
    setImmediate(() => {
      if (this.master !== null && this.link === null && this.node.clock() >= this.nextConnectMs) this.connect(this.nextConnectHow);
    });
  }

  /** REPLCONF GETACK from our master. */
  sendAck(): void {
    const link = this.link;
    if (link !== null) link.sendAck(this.offset + link.appliedNotForwarded);
  }

  private disconnectReplicas(): void {
    for (const r of [...this.replicas]) r.client.close();
  }

  private clearReplid2(): void {
    this.replid2 = NO_REPLID;
    this.secondReplidOffset = -1;
  }

  // ---------------------------------------------------------------------------------------------
  // Timers

  /** From the node's cron: pings, keepalives, ACKs, timeouts, reconnects, delayed snapshots. */
  cron(nowMs: number): void {
    const config = this.node.config;
    if (this.replicas.size > 0) this.maybeStartSnapshot();
    if (this.master !== null && this.link === null && nowMs >= this.nextConnectMs) this.connect(this.nextConnectHow);
    if (nowMs - this.lastSecondMs < 1000) return;
    this.lastSecondMs = nowMs;
    const timeoutMs = config.number('repl-timeout') * 1000;
    const link = this.link;
    if (link !== null) {
      if (link.state === 'connected') link.sendAck(this.offset);
      if (nowMs - link.lastIoMs > timeoutMs) {
        this.linkLost(link.state === 'connected' ? 'MASTER timeout: no data nor PING received...' : 'Timeout connecting to the MASTER...');
        link.close();
      }
    }
    // Pings keep Redis's rhythm: every repl-ping-replica-period seconds counted from start-up,
    // not at once when the first replica attaches (a replica's offset then matches Redis's).
    if (this.lastPingMs === 0) this.lastPingMs = nowMs;
    if (this.master === null && this.replicas.size > 0 && nowMs - this.lastPingMs >= config.number('repl-ping-replica-period') * 1000) {
      this.lastPingMs = nowMs;
      this.feed(PING);
    }
    for (const r of [...this.replicas]) {
      // Replicas waiting for the snapshot get a newline a second, so they know we are alive.
      if (r.state === 'wait_bgsave_start' || r.state === 'wait_bgsave_end') r.client.writeRaw('\n');
      else if (r.state === 'online' && nowMs - r.ackTimeMs > timeoutMs) {
        this.node.log.warning(`Disconnecting timedout replica (streaming sync): ${replicaName(r.client)}`);
        r.client.close();
      }
    }
  }

  /** CONFIG SET repl-backlog-size. */
  resizeBacklog(size: number): void {
    this.backlog?.resize(size);
  }

  close(): void {
    this.link?.close();
    this.link = null;
    this.waits.dropAll();
  }

  /**
   * dump.rdb at start-up named the history it was saved in. A node starting as a replica makes
   * it its own and offers it to its master with PSYNC (a cached master of itself). A node
   * starting as a master keeps its new id but accepts the old one as replid2 up to the saved
   * offset, with an empty backlog from there, so the replicas it had before the restart can
   * continue with a partial resync (Redis 7.0).
   */
  restoreHistory(replid: string, offset: number, role: 'replica' | 'master'): void {
    if (!/^[0-9a-f]{40}$/.test(replid) || !Number.isSafeInteger(offset) || offset < 0) return;
    this.offset = offset;
    if (role === 'replica') {
      this.replid = replid;
      this.cachedMaster = { replid, offset };
      return;
    }
    this.replid2 = replid;
    this.secondReplidOffset = offset + 1;
    this.backlog = new ReplicationBacklog(this.node.config.number('repl-backlog-size'), offset);
  }

  /**
   * How old a replica's data may be, in ms (cluster elections compare it with
   * cluster-replica-validity-factor): since the last byte from the master while the link is up,
   * else since the link went down. 0 for a master.
   */
  masterDataAgeMs(nowMs: number): number {
    if (this.master === null) return 0;
    const link = this.link;
    if (link !== null && link.state === 'connected') return Math.max(0, nowMs - link.lastIoMs);
    return this.linkDownSinceMs === 0 ? Number.MAX_SAFE_INTEGER : Math.max(0, nowMs - this.linkDownSinceMs);
  }

  /** The replication position a snapshot saved now records (RDB repl-* aux fields), if any. */
  saveInfo(): { streamDb: number; replId: string; offset: number } | undefined {
    if (this.master === null && this.backlog === null) return undefined;
    return { streamDb: Math.max(0, this.streamDb), replId: this.replid, offset: this.offset };
  }
}
