/**
 * A RedisNode is one server: its configuration, keyspace, command table, clients, listeners
 * and cron. Nothing about a node is module-global, so a process can host several nodes (the
 * CLI runs one, tests and `npm start` may run six).
 *
 * The node owns the only clock reads of the server layer: `clock` is injected (Date.now in
 * production) and `nowMs` is frozen once per command before the handler runs, so a command
 * sees one instant (expiry checks, TTL answers and relative-to-absolute conversions agree).
 */
import * as net from 'node:net';
import type { ByteString } from '../storage/bytes';
import type { Database, ExpiryObserver } from '../storage/database';
import { Keyspace } from '../storage/keyspace';
import { SeededRandom } from '../storage/random';
import { Client } from './client';
import { CommandTable } from './commands/command-table';
import { ALL_COMMANDS } from './commands/all';
import { dispatch } from './dispatch';
import { Logger, type LogSink, stdoutSink } from './log';
import { ServerStats } from './stats';
import type { ConfigReader } from './config-reader';

export interface NodeOptions {
  config: ConfigReader;
  clock?: () => number;
  seed?: number;
  logSink?: LogSink;
  /** Absolute path of the config file the node was started with ('' for none). */
  configFile?: string;
  /** Absolute path of the program, for INFO's executable field. */
  executable?: string;
}

export class RedisNode implements ExpiryObserver {
  readonly config: ConfigReader;
  readonly clock: () => number;
  readonly keyspace: Keyspace;
  readonly commands: CommandTable;
  readonly stats = new ServerStats();
  readonly log: Logger;
  readonly random: SeededRandom;
  readonly clients = new Map<number, Client>();
  readonly startedAtMs: number;
  readonly runId: string;
  readonly configFile: string;
  readonly executable: string;
  /** The instant of the command being executed. */
  nowMs: number;
  /** Whether the cron's active expiry runs (DEBUG SET-ACTIVE-EXPIRE). */
  activeExpireEnabled = true;
  /** When the last successful save finished (LASTSAVE), in seconds. */
  lastSaveSec: number;
  private nextClientId = 1;
  private servers: net.Server[] = [];
  private cronTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  /** Called once the node has shut down (SHUTDOWN); the CLI exits the process. */
  onShutdown: (() => void) | null = null;

  constructor(options: NodeOptions) {
    this.config = options.config;
    this.clock = options.clock ?? Date.now;
    this.random = new SeededRandom(options.seed ?? (Math.random() * 2 ** 32) >>> 0);
    this.nowMs = this.startedAtMs = this.clock();
    this.lastSaveSec = Math.floor(this.startedAtMs / 1000);
    this.runId = randomHex(this.random, 40);
    this.configFile = options.configFile ?? '';
    this.executable = options.executable ?? '';
    this.keyspace = new Keyspace(this.config.number('databases'), this.random, this);
    this.commands = new CommandTable(ALL_COMMANDS);
    this.log = new Logger(this.config.loglevel(), options.logSink ?? stdoutSink, this.clock);
  }

  /** The port clients connect to (the bound one when configured as 0). */
  get port(): number {
    const address = this.servers[0]?.address();
    if (address !== null && address !== undefined && typeof address === 'object') return address.port;
    return this.config.number('port');
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /** Binds every `bind` address on `port` and starts the cron. */
  async listen(): Promise<void> {
    const port = this.config.number('port');
    const addresses = this.config.bindAddresses();
    let boundPort = port;
    for (const host of addresses) {
      const server = net.createServer((socket) => this.accept(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: boundPort, host: host.replace(/^-/, ''), exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      }).catch((err: NodeJS.ErrnoException) => {
        // Like Redis, an optional address (prefixed with '-') that is unavailable is skipped.
        if (host.startsWith('-') || (err.code === 'EADDRNOTAVAIL' && addresses.length > 1)) return;
        throw err;
      });
      if (server.listening) {
        this.servers.push(server);
        if (boundPort === 0) boundPort = this.port;
      }
    }
    const hz = Math.max(1, Math.min(500, this.config.number('hz')));
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
    this.cronTimer.unref();
  }

  /** Stops listening, closes every client and the cron. Idempotent. */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = (async () => {
      if (this.cronTimer !== null) clearInterval(this.cronTimer);
      for (const client of [...this.clients.values()]) client.close();
      await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      this.servers = [];
    })();
    return this.closing;
  }

  private accept(socket: net.Socket): void {
    this.stats.totalConnectionsReceived++;
    if (this.clients.size >= this.config.number('maxclients')) {
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    const client = new Client(this.nextClientId++, this, socket);
    this.clients.set(client.id, client);
  }

  clientClosed(client: Client): void {
    this.clients.delete(client.id);
  }

  /** SHUTDOWN: closes everything, then tells the owner (the CLI exits the process). */
  shutdown(): void {
    this.log.warning('User requested shutdown...');
    this.log.notice('Redis is now ready to exit, bye bye...');
    void this.close().then(() => this.onShutdown?.());
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  execute(client: Client, argv: ByteString[]): void {
    this.nowMs = this.clock();
    dispatch(this.commands, client, argv);
  }

  /** Looks a key up for a read, counting keyspace hits and misses for INFO. */
  lookupRead(db: Database, key: ByteString): ReturnType<Database['get']> {
    const value = db.get(key, this.nowMs);
    if (value === undefined) this.stats.keyspaceMisses++;
    else this.stats.keyspaceHits++;
    return value;
  }

  /** Wall-clock microseconds, for TIME. */
  timeMicros(): number {
    return Math.floor((performance.timeOrigin + performance.now()) * 1000);
  }

  keyExpired(_db: Database, _key: ByteString): void {
    this.stats.expiredKeys++;
  }

  // ---------------------------------------------------------------------------------------------
  // Cron

  /** Runs hz times a second: active expiry, idle client timeouts, ops/sec sampling. */
  cron(): void {
    const now = (this.nowMs = this.clock());
    if (this.activeExpireEnabled) this.keyspace.activeExpire(now);
    this.stats.sampleOps(now);
    const timeoutSec = this.config.number('timeout');
    if (timeoutSec > 0) {
      for (const client of this.clients.values()) {
        if (now - client.lastInteractionMs > timeoutSec * 1000) {
          this.log.verbose('Closing idle client');
          client.close();
        }
      }
    }
  }
}

function randomHex(random: SeededRandom, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += random.below(16).toString(16);
  return out;
}
