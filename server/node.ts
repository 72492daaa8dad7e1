/**
 * A RedisNode is one server: its configuration, keyspace, command table, clients, listeners
 * and cron. Nothing about a node is module-global, so a process can host several nodes (the
 * CLI runs one, tests and `npm start` may run six).
 *
 * The node owns the only clock of the server layer: `time` is injected (a SystemClock in
 * production, a ManualClock in tests, see clock.ts) and every reading and every timer of the
 * node goes through it: the cron, blocked clients' timeouts, WAIT, TIME, log lines, the cluster
 * bus. `nowMs` is frozen once per command before the handler runs, so a command sees one
 * instant (expiry checks, TTL answers and relative-to-absolute conversions agree).
 */
import { Acl } from './acl/acl';
import * as net from 'node:net';
import { adoptForSharedReads } from './network/shared-reads';
import type { ByteString } from '../storage/bytes';
import type { Database, EditableValue, KeyspaceObserver } from '../storage/database';
import { Keyspace } from '../storage/keyspace';
import { NodeMemory } from './memory/node-memory';
import { SeededRandom } from '../storage/random';
import { ScriptEngine } from './scripting/script-engine';
import { FunctionEngine } from './scripting/function-engine';
import { RedisRandom } from './scripting/lua/math-lib';
import type { LoadedEngines } from './scripting/script-command-flags';
import { BUSY_FUNCTION_ERROR, BUSY_SCRIPT_ERROR, type ScriptRun } from './scripting/script-run';
import { scriptingMemory, type ScriptingMemory } from './scripting/script-memory';
import { Client } from './network/client';
import { RecentClientPeaks } from './network/recent-client-peaks';
import { ClientsCron } from './network/clients-cron';
import { type NodeClock, type TimerHandle, systemClock } from './clock';
import { Session } from './dispatch/session';
import type { QueuedCommand } from './dispatch/transaction';
import { CommandTable } from './dispatch/command-table';
import { ALL_COMMANDS } from './commands/all';
import { dispatch } from './dispatch/dispatch';
import type { CommandSpec } from './dispatch/command';
import { Logger, type LogSink, stdoutSink } from './log';
import { ServerStats } from './stats';
import { ClusterMode } from './cluster/cluster-mode';
import type { NodesConfStore } from './cluster/nodes-conf-file';
import type { NodeHooks } from './node-hooks';
import type { Config } from './config/config';
import { Replication } from './replication/replication';
import { BlockingLists } from './blocking';
import { PubSub } from './pubsub/pubsub';
import { notifyKeyspaceEvent } from './pubsub/keyspace-events';
import { NotifyFlag } from './config/special-codecs';
import type { TypeName } from '../storage/values';
import { loadSnapshotAtStartup, PersistenceState } from './persistence/snapshots';
import { AppendOnlyFile } from './persistence/aof';
import { PendingReplies } from './network/pending-replies';
import { loadAofAtStartup } from './persistence/aof-load';
import { NodeEvents } from './node-events';
import { ClientListeners } from './network/listener';
import { MigrateSockets } from './network/migrate-sockets';
import { ExclusiveRun } from './dispatch/exclusive-run';
import { ClientPause } from './client-pause';
import { ClientTracking } from './tracking/client-tracking';
import { SlowLog } from './observe/slowlog';
import { Monitors } from './observe/monitor';
import { LatencyMonitor } from './observe/latency-monitor';
import { serverCron } from './server-cron';
import { ActiveExpire } from './active-expire';
import { DebugHooks } from './debug-hooks';

export interface NodeOptions {
  config: Config;
  /** The node's clock and scheduler; a SystemClock when absent. */
  clock?: NodeClock;
  seed?: number;
  logSink?: LogSink;
  /** Absolute path of the program, for INFO's executable field. */
  executable?: string;
  /** Where nodes.conf lives instead of a file (hashslot/testing keeps it in memory). */
  nodesConf?: NodesConfStore;
  /** A master's wait before it first declares the cluster ok (Redis: 2000 ms); tests may shorten it. */
  clusterWritableDelayMs?: number;
}

export class RedisNode implements KeyspaceObserver {
  readonly config: Config;
  /** Where the node's time and timers come from. */
  readonly time: NodeClock;
  /** Wall-clock ms now, read from `time`. */
  readonly clock: () => number;
  readonly keyspace: Keyspace;
  /** used_memory as Redis would count it, and maxmemory eviction (memory/node-memory.ts). */
  readonly memory: NodeMemory;
  readonly commands: CommandTable;
  /** Users, permissions and ACL LOG (server/acl/). */
  readonly acl: Acl;
  readonly stats = new ServerStats();
  readonly log: Logger;
  readonly random: SeededRandom;
  readonly clients = new Map<number, Client>();
  /** INFO's client_recent_max_input_buffer / _output_buffer, sampled by the clients cron. */
  readonly clientPeaks = new RecentClientPeaks();
  /** The per-client part of the server cron, a slice of the clients per pass. */
  readonly clientsCron = new ClientsCron();
  readonly startedAtMs: number;
  readonly runId: string;
  readonly configFile: string;
  readonly executable: string;
  /** The instant of the command being executed. */
  nowMs: number;
  /** The active expire cycle: on or off (DEBUG SET-ACTIVE-EXPIRE), and its state between runs. */
  readonly activeExpire = new ActiveExpire();
  /** What DEBUG AOF-FLUSH-SLEEP, REPLYBUFFER and LEAK set. */
  readonly debugHooks = new DebugHooks();
  /** Saves and loads: the write counter at the last save, the background save in flight. */
  readonly persistence = new PersistenceState();
  /** The append-only file (persistence/aof.ts): off unless appendonly yes. */
  readonly aof: AppendOnlyFile = new AppendOnlyFile(this);
  /** Clients' replies, written together at the end of each event-loop turn (network/pending-replies.ts). */
  readonly pendingReplies = new PendingReplies(this);
  /** When the last successful save finished (LASTSAVE), in seconds. */
  lastSaveSec: number;
  /**
   * Client ids 1 and 2 belong to the script engines' own clients, as in Redis, which creates its
   * EVAL and FUNCTION Lua clients at start-up: the first connection is client 3 on both.
   */
  private nextClientId = 3;
  static readonly EVAL_CLIENT_ID = 1;
  static readonly FUNCTION_CLIENT_ID = 2;
  /** The client port's listening sockets (network/listener.ts). */
  readonly listeners: ClientListeners;
  private cronTimer: TimerHandle | null = null;
  private closing: Promise<void> | null = null;
  /** Cluster mode, when cluster-enabled is yes. */
  readonly cluster: ClusterMode | null;
  /** Master or replica: the stream, the backlog, the link to a master. */
  readonly replication: Replication;
  /** MIGRATE's cached connections to its targets. */
  readonly migrateSockets: MigrateSockets;
  /** A command holding the node for itself while it waits on the network (MIGRATE). */
  readonly exclusive = new ExclusiveRun(() => this.blocking.handleReadyKeys());
  /** CLIENT PAUSE and a manual failover's write pause. */
  readonly pause: ClientPause;
  /** Clients blocked in BLPOP and friends, and the keys that can serve them. */
  readonly blocking: BlockingLists;
  /** Channel and pattern subscriptions; keyspace notifications publish through it. */
  readonly pubsub = new PubSub();
  /** Typed events (cluster steps, log lines) for in-process listeners (node-events.ts). */
  readonly events = new NodeEvents();
  /** CLIENT TRACKING: who caches which keys, and their invalidations (tracking/client-tracking.ts). */
  readonly tracking: ClientTracking;
  /** SLOWLOG's entries (observe/slowlog.ts). */
  readonly slowlog: SlowLog;
  /** MONITOR's clients (observe/monitor.ts). */
  readonly monitors: Monitors;
  /** LATENCY's events (observe/latency-monitor.ts). */
  readonly latency: LatencyMonitor;
  /** notify-keyspace-events as NotifyFlag bits, read on every write (pubsub/keyspace-events.ts). */
  notifyKeyspaceEvents = 0;
  /** Called once the node has shut down (SHUTDOWN); the CLI exits the process. */
  onShutdown: (() => void) | null = null;
  /** A test harness's hooks (node-hooks.ts); none in a normal server. */
  hooks: NodeHooks = {};
  private scriptEngine: ScriptEngine | null = null;
  private functionEngine: FunctionEngine | null = null;
  /** math.random's generator: one per server (as Redis's per process), shared by EVAL and FCALL. */
  readonly luaRandom = new RedisRandom();

  constructor(options: NodeOptions) {
    this.config = options.config;
    const time = (this.time = options.clock ?? systemClock);
    this.clock = () => time.now();
    const seed = options.seed ?? (Math.random() * 2 ** 32) >>> 0;
    this.random = new SeededRandom(seed);
    this.nowMs = this.startedAtMs = this.clock();
    this.lastSaveSec = Math.floor(this.startedAtMs / 1000);
    this.runId = this.random.hex(40);
    this.configFile = options.config.configFile ?? '';
    this.executable = options.executable ?? '';
    // The key tables' hash is seeded from the node's seed too (not drawn from this.random, so
    // that adding it moved no other random choice of a seeded run).
    this.keyspace = new Keyspace(this.config.number('databases'), this.random, this, seed);
    this.tracking = new ClientTracking(this);
    this.slowlog = new SlowLog(this.config);
    this.monitors = new Monitors(this);
    this.latency = new LatencyMonitor(this.config, time, this.keyspace.context);
    this.keyspace.onFlush = () => this.tracking.flushed();
    this.keyspace.context.dictResizeAllowed = () => !this.forkAlive;
    this.commands = new CommandTable(ALL_COMMANDS);
    this.acl = new Acl(this);
    this.log = new Logger(this.config.value('loglevel'), options.logSink ?? stdoutSink, this.clock);
    this.log.onLine = (line) => this.events.emit('log', line);
    this.replication = new Replication(this);
    this.blocking = new BlockingLists(this);
    this.memory = new NodeMemory(this);
    this.migrateSockets = new MigrateSockets(time, (n) => this.random.below(n), (socket) => this.hooks.socketOpened?.(socket, 'migrate'));
    this.pause = new ClientPause(time, this.keyspace.context);
    this.listeners = new ClientListeners(this.config, (socket) => this.accept(socket), this.log);
    this.applyConfigChanges();
    this.cluster = this.config.bool('cluster-enabled')
      ? new ClusterMode(this, { ...(options.nodesConf === undefined ? {} : { store: options.nodesConf }), ...(options.clusterWritableDelayMs === undefined ? {} : { writableDelayMs: options.clusterWritableDelayMs }) })
      : null;
  }

  /** CONFIG SET of these takes effect at once, as in Redis. */
  private applyConfigChanges(): void {
    this.notifyKeyspaceEvents = this.config.value('notify-keyspace-events');
    this.config.onChange('notify-keyspace-events', (flags) => {
      this.notifyKeyspaceEvents = flags;
    });
    this.config.onChange('loglevel', (level) => {
      this.log.level = level;
    });
    this.config.onChange('proto-max-bulk-len', (limit) => {
      for (const client of this.clients.values()) client.parser.maxBulkLen = limit;
    });
    this.config.onChange('hz', () => {
      if (this.cronTimer !== null) this.startCron();
    });
    this.config.onChange('repl-backlog-size', (size) => this.replication.resizeBacklog(size));
    this.config.onChange('appendonly', (on) => {
      if (on) this.aof.turnOn();
      else this.aof.turnOff();
    });
  }

  private startCron(): void {
    this.cronTimer?.cancel();
    const hz = Math.max(1, Math.min(500, this.config.number('hz')));
    this.cronTimer = this.time.every(Math.floor(1000 / hz), () => this.cron());
  }

  /** The port clients connect to (the bound one when configured as 0). */
  get port(): number {
    return this.listeners.port ?? this.config.number('port');
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /** Loads dump.rdb (if any), binds every `bind` address on `port` and starts the cron. */
  async listen(): Promise<void> {
    let loaded: ReturnType<typeof loadSnapshotAtStartup>;
    try {
      // With appendonly yes the AOF is the dataset (dump.rdb is not read), as in Redis.
      if (this.config.bool('appendonly')) {
        loaded = null;
        this.aof.openAtStartup(loadAofAtStartup(this));
      } else {
        loaded = loadSnapshotAtStartup(this);
      }
    } catch (err) {
      throw new SnapshotLoadError(err instanceof Error ? err.message : String(err));
    }
    // The snapshot's replication position: a node starting as a replica (replicaof, or a replica
    // in nodes.conf) continues it; one starting as a master keeps it as its secondary id.
    const replId = loaded?.aux.get('repl-id');
    const replOffset = loaded?.aux.get('repl-offset');
    const streamDb = loaded?.aux.get('repl-stream-db');
    if (replId !== undefined && replOffset !== undefined && streamDb !== undefined && streamDb !== '-1') {
      const startsAsReplica = this.cluster === null ? this.config.value('replicaof') !== null : this.cluster.state.myself.isReplica;
      this.replication.restoreHistory(replId, Number(replOffset), startsAsReplica ? 'replica' : 'master');
    }
    await this.listeners.open();
    if (this.cluster !== null) {
      await this.cluster.start(this.port);
      // A replica by nodes.conf follows its master now: before the cron's first active expiry,
      // which would delete keys that only its master may expire (Redis asks the cluster role).
      this.cluster.followRole();
    }
    const master = this.config.value('replicaof');
    if (master !== null && this.cluster === null) this.replication.replicaOf(master.host, master.port);
    this.startCron();
  }

  /** Stops listening, closes every client and the cron. Idempotent. */
  /** close() was called: the node is shutting down or down. */
  get isClosing(): boolean {
    return this.closing !== null;
  }

  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = (async () => {
      this.cronTimer?.cancel();
      this.cronTimer = null;
      this.aof.close();
      this.replication.close();
      this.migrateSockets.closeAll();
      if (this.cluster !== null) await this.cluster.close();
      for (const client of [...this.clients.values()]) client.close();
      await this.listeners.close();
    })();
    return this.closing;
  }

  private accept(accepted: net.Socket): void {
    let client: Client | null = null;
    const socket = adoptForSharedReads(accepted, (chunk) => client?.receive(chunk));
    this.hooks.socketOpened?.(socket, 'client');
    this.stats.totalConnectionsReceived++;
    if (this.refusedByProtectedMode(socket)) {
      this.stats.rejectedConnections++;
      socket.end(PROTECTED_MODE_ERROR, () => socket.destroy());
      return;
    }
    if (this.clients.size >= this.config.number('maxclients')) {
      this.stats.rejectedConnections++;
      // Written, then closed for real, as Redis does (not half-closed: see Client.flush).
      socket.end('-ERR max number of clients reached\r\n', () => socket.destroy());
      return;
    }
    client = new Client(this.allocateClientId(), this, socket);
    this.registerClient(client);
  }

  allocateClientId(): number {
    return this.nextClientId++;
  }

  /** Makes a client visible to CLIENT LIST, INFO and the idle timeout. */
  registerClient(client: Client): void {
    this.clients.set(client.id, client);
  }

  /**
   * Protected mode: with the default bind and no password, only loopback clients are served,
   * so an accidentally exposed test server is not open to the network.
   */
  private refusedByProtectedMode(socket: net.Socket): boolean {
    if (!this.config.bool('protected-mode') || this.config.string('requirepass') !== '') return false;
    const bind = this.config.value('bind');
    if (bind.length !== 2 || bind[0] !== '*' || bind[1] !== '-::*') return false;
    const remote = socket.remoteAddress ?? '';
    return !(remote.startsWith('127.') || remote.startsWith('::ffff:127.') || remote === '::1');
  }

  clientClosed(client: Client): void {
    this.clients.delete(client.id);
    this.memory.clientClosed(client);
    this.replication.clientClosed(client);
    this.blocking.clientClosed(client.session);
    this.pubsub.leaveAll(client.session);
    this.tracking.disable(client.session);
    this.monitors.remove(client.session);
  }

  /** SHUTDOWN: closes everything, then tells the owner (the CLI exits the process). */
  shutdown(): void {
    this.log.warning('User requested shutdown...');
    this.aof.flushForShutdown();
    // The replies and replica streams this turn produced leave before the sockets close.
    this.pendingReplies.writeAll();
    this.log.notice('Redis is now ready to exit, bye bye...');
    void this.close().then(() => this.onShutdown?.());
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  /**
   * Runs one request. The caller sets `nowMs` (Client refreshes it for every batch of requests
   * and every few dozen commands within one, which saves a clock read per command).
   */
  execute(session: Session, argv: ByteString[]): CommandSpec | null {
    const hook = this.hooks.command;
    if (hook !== undefined && session.kind === 'normal' && argv.length > 0) {
      const verdict = hook((argv[0] as ByteString).toLowerCase(), argv.slice(1));
      if (verdict.kind === 'error') {
        session.reply.error(verdict.message);
        return null;
      }
      if (verdict.kind === 'bulk') {
        if (verdict.value === null) session.reply.nullBulk();
        else session.reply.bulk(verdict.value);
        return null;
      }
    }
    const observer = this.hooks.commandExecuted;
    if (observer === undefined || session.kind !== 'normal') return dispatch(this.commands, session, argv);
    return this.executeObserved(session, argv, observer);
  }

  /**
   * dispatch() with a harness watching (node-hooks.ts commandExecuted): what the command changed
   * and whether it failed are read around it, so the dispatcher itself stays untouched.
   */
  private executeObserved(session: Session, argv: ByteString[], observer: NonNullable<NodeHooks['commandExecuted']>): CommandSpec | null {
    const dirtyBefore = this.keyspace.context.dirty;
    const errorsBefore = this.stats.totalErrorReplies;
    // EXEC ends the transaction (queue = null) as it runs: keep the list it is about to run.
    const queued = session.transaction.queue;
    // Read before it runs: the command that CLIENT REPLY SKIP silences turns replies back on.
    const replied = session.replyMode === 'on' || (session.replyMode === 'skip' && !session.skipNextReply);
    const spec = dispatch(this.commands, session, argv);
    if (spec === null) return null;
    observer({
      spec,
      argv,
      queued: spec.fullName === 'exec' ? queued : null,
      session,
      changed: this.keyspace.context.dirty !== dirtyBefore,
      failed: this.stats.totalErrorReplies !== errorsBefore,
      replied,
    });
    return spec;
  }

  /**
   * A command that wrote after dispatch returned has now replied: a blocked one served (BLPOP,
   * BLMOVE, BZPOPMIN...), or an EXEC that a MIGRATE inside suspended (`queued`: its commands).
   * A watching harness hears of it as of a command that ran at this moment.
   */
  commandCompletedLate(session: Session, argv: readonly ByteString[], queued: readonly QueuedCommand[] | null = null): void {
    const observer = this.hooks.commandExecuted;
    if (observer === undefined || session.kind !== 'normal' || argv.length === 0) return;
    const spec = this.commands.lookup(argv[0] as ByteString);
    if (spec === undefined) return;
    observer({ spec, argv, queued, session, changed: true, failed: false, replied: session.replyMode === 'on' });
  }

  /**
   * A session with no connection (scripting's redis.call, a testing API): commands run on it
   * with runSocketless. It starts authenticated in db 0, is not listed by CLIENT LIST, and
   * never blocks (a blocking command answers as inside EXEC).
   */
  createSocketlessSession(id = this.allocateClientId()): Session {
    return new Session(id, this, 'normal', null);
  }

  /**
   * Runs one command on a socketless session as the dispatcher runs a client's (checks,
   * handler, propagation, serving blocked clients) and returns the reply bytes it produced.
   */
  runSocketless(session: Session, argv: ByteString[]): Buffer {
    this.nowMs = this.clock();
    dispatch(this.commands, session, argv);
    this.pubsub.flushReceivers();
    return session.reply.take();
  }

  /** A script runs past busy-reply-threshold: other clients get -BUSY (scripting/script-run.ts). */
  get scriptBusy(): boolean {
    return this.scriptEngine?.run?.busy === true || this.functionEngine?.run?.busy === true;
  }

  /** INFO memory's scripting figures (without creating an engine that was never used). */
  get scriptingMemory(): ScriptingMemory {
    return scriptingMemory(this.scriptEngine, this.functionEngine);
  }

  /** The script running now (at most one: a run holds the node), and whether EVAL or FCALL. */
  get runningScript(): { run: ScriptRun; kind: 'eval' | 'function' } | null {
    const evalRun = this.scriptEngine?.run ?? null;
    if (evalRun !== null) return { run: evalRun, kind: 'eval' };
    const functionRun = this.functionEngine?.run ?? null;
    return functionRun === null ? null : { run: functionRun, kind: 'function' };
  }

  /** Redis's -BUSY text: it names the command that can stop what runs (SCRIPT or FUNCTION KILL). */
  get busyError(): string {
    return this.functionEngine?.run?.busy === true ? BUSY_FUNCTION_ERROR : BUSY_SCRIPT_ERROR;
  }

  /** The Lua engine (EVAL, SCRIPT), created on first use: a node that runs no script pays nothing. */
  get scripting(): ScriptEngine {
    this.scriptEngine ??= new ScriptEngine(this);
    return this.scriptEngine;
  }

  /** The engines created so far, for what may only look (cluster routing of EVAL and FCALL). */
  get loadedEngines(): LoadedEngines {
    return { scripts: this.scriptEngine, functions: this.functionEngine };
  }

  /** The FUNCTION engine (FUNCTION LOAD, FCALL), created on first use. */
  get functions(): FunctionEngine {
    this.functionEngine ??= new FunctionEngine(this);
    return this.functionEngine;
  }

  /** The code of every function library, for an RDB (none: no engine needed). */
  functionLibraryCodes(): ByteString[] {
    return this.functionEngine === null ? [] : [...this.functionEngine.libraries.values()].map((library) => library.code);
  }

  /**
   * Replaces every function library with these (an RDB loaded at start-up, by DEBUG RELOAD or
   * by a replica's full sync). A library that fails to load is logged and left out.
   */
  replaceFunctionLibraries(codes: readonly ByteString[]): void {
    if (codes.length === 0 && this.functionEngine === null) return;
    const engine = this.functions;
    engine.flush();
    for (const code of codes) {
      try {
        engine.load(code, false);
      } catch (err) {
        this.log.warning(`Failed loading a function library from the RDB: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** SCRIPT FLUSH: a fresh Lua engine (empty script cache, library settings back to defaults). */
  resetScripting(): void {
    this.scriptEngine = null;
  }

  /** Looks a key up for a read, counting keyspace hits and misses for INFO. */
  lookupRead(db: Database, key: ByteString): ReturnType<Database['get']> {
    return this.countRead(db, key, db.get(key, this.nowMs, 'read'));
  }

  /**
   * A read that leaves the key's access time alone (EXISTS, TYPE, TTL): counted in the keyspace
   * statistics and announced as a key miss like any other read.
   */
  lookupReadNoTouch(db: Database, key: ByteString): ReturnType<Database['peek']> {
    return this.countRead(db, key, db.peek(key, this.nowMs, 'read'));
  }

  /**
   * A read by the commands that read a string's bytes where they are (GETBIT, BITCOUNT, BITPOS,
   * GETRANGE, STRLEN, BITFIELD_RO, BITOP's sources): the value in whichever form it is held,
   * so a bitmap SETBIT keeps in the editable form (storage/mutable-string.ts) is not copied.
   */
  lookupReadBytes(db: Database, key: ByteString): EditableValue | undefined {
    return this.countRead(db, key, db.getBytes(key, this.nowMs, 'read'));
  }

  /** A read's keyspace hit or miss, and the keymiss event for a miss. */
  private countRead<T>(db: Database, key: ByteString, value: T | undefined): T | undefined {
    if (value === undefined) {
      this.stats.keyspaceMisses++;
      if (this.notifyKeyspaceEvents & NotifyFlag.keyMiss) notifyKeyspaceEvent(this, NotifyFlag.keyMiss, 'keymiss', key, db.id);
    } else {
      this.stats.keyspaceHits++;
    }
    return value;
  }

  /** Wall-clock microseconds, for TIME. */
  timeMicros(): number {
    return this.time.nowMicros();
  }

  /** An expired key was deleted (only masters delete them): replicas are told with a DEL. */
  keyExpired(db: Database, key: ByteString): void {
    this.stats.expiredKeys++;
    this.replication.propagate(db.id, ['DEL', key]);
    notifyKeyspaceEvent(this, NotifyFlag.expired, 'expired', key, db.id);
  }

  /** A command created a key: the "new" event, and clients blocked on it may be served. */
  keyAdded(db: Database, key: ByteString, type: TypeName): void {
    if (this.notifyKeyspaceEvents & NotifyFlag.newKey) notifyKeyspaceEvent(this, NotifyFlag.newKey, 'new', key, db.id);
    if (type === 'list' || type === 'zset' || type === 'stream') this.blocking.signalReady(db, key);
  }

  // ---------------------------------------------------------------------------------------------
  // Cron

  /**
   * Whether Redis would have a child process now (BGSAVE, AOF rewrite): its dicts then avoid
   * resizing (hashslot forks nothing; the figures follow Redis's).
   */
  get forkAlive(): boolean {
    return this.persistence.bgsave !== null || this.aof.rewrite !== null;
  }

  /** Runs hz times a second (server-cron.ts). */
  cron(): void {
    serverCron(this);
  }
}

const PROTECTED_MODE_ERROR =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/** dump.rdb could not be loaded at start-up (already logged): the server must not start. */
export class SnapshotLoadError extends Error {}
