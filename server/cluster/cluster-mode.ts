/**
 * A node's cluster mode (`cluster-enabled yes`): owns the cluster state machine and its TCP
 * transport, persists nodes.conf, logs the machine's events the way redis-server does, and
 * routes every keyed command to the node that serves its hash slot (redis-wire.md §4.2).
 *
 * Routing itself is routing.ts; the log lines for the machine's events are event-log.ts.
 *
 * Failover (cluster-bus/election.ts and friends) reaches the rest of the node through here: a
 * role change re-points replication at once (promote, or follow the new master), the replica's
 * data age comes from its replication link, and a master in a manual failover pauses clients'
 * writes (server/client-pause.ts, the mechanism CLIENT PAUSE uses) until its replica caught up.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { type AdminOp, type AdminResult, ClusterState, type ClusterSettings } from '../../cluster-bus/cluster-state';
import type { LinkId } from '../../cluster-bus/cluster-node';
import { configText, infoText } from '../../cluster-bus/cluster-views';
import { loadNodesConf } from '../../cluster-bus/nodes-conf';
import { TcpTransport, type LinkOutput } from '../../cluster-bus/tcp-transport';
import type { ClusterEvent as Event } from '../../cluster-bus/effects';
import type { ByteString } from '../../storage/bytes';
import type { Session } from '../dispatch/session';
import { keyHashSlot } from '../../storage/key-slot';
import { logClusterEvent } from './event-log';
import { blockedRedirect, routeCommand, routeCommands, type RoutedCommand } from './routing';
import { scriptCommandIsWrite } from '../scripting/script-command-flags';
import type { CommandSpec } from '../dispatch/command';
import type { Config } from '../config/config';
import { nodesConfFile, type NodesConfStore } from './nodes-conf-file';
import type { RedisNode } from '../node';

export class ClusterMode {
  readonly state: ClusterState;
  private readonly transport: TcpTransport;
  private readonly settings: ClusterSettings;
  readonly configPath: string;
  private readonly store: NodesConfStore;
  /** When the replication link to my master was last seen carrying data (data age). */
  private lastMasterIoMs: number;

  constructor(
    private readonly node: RedisNode,
    options: { store?: NodesConfStore; writableDelayMs?: number } = {},
  ) {
    const config = node.config;
    this.settings = settingsFrom(config, node.config.number('port'));
    if (options.writableDelayMs !== undefined) this.settings.writableDelayMs = options.writableDelayMs;
    this.configPath = path.resolve(config.string('dir'), config.string('cluster-config-file'));
    this.store = options.store ?? nodesConfFile(this.configPath);
    const host = {
      keysInSlot: (slot: number) => node.keyspace.db(0).countKeysInSlot(slot),
      keyCount: () => node.keyspace.db(0).size,
      replicationOffset: () => BigInt(node.replication.offset),
      masterDataAgeMs: () => {
        this.noteMasterIo();
        return node.clock() - this.lastMasterIoMs;
      },
    };
    this.lastMasterIoMs = node.clock();
    this.state = new ClusterState(this.settings, host, node.random, node.clock());
    this.loadConfig();
    this.transport = new TcpTransport(this.state, {
      clock: () => node.clock(),
      scheduler: node.time,
      saveConfig: (text, durable) => this.writeConfig(text, durable),
      configText: () => configText(this.state),
      deleteSlotKeys: (slot) => node.keyspace.db(0).deleteSlot(slot),
      publish: (channel, message, shard) => {
        if (shard) node.pubsub.publishShard(channel, message);
        else node.pubsub.publish(channel, message);
      },
      event: (event) => this.onEvent(event),
      pauseWrites: (untilMs) => this.pauseWrites(untilMs),
      warn: (message) => node.log.warning(message),
      sendBufferLimitBytes: () => config.number('cluster-link-sendbuf-limit'),
      busMessage: (message) => node.hooks.busMessage?.(message) ?? 'deliver',
      socketOpened: (socket) => node.hooks.socketOpened?.(socket, 'bus'),
      linkInput: (socket, run) => {
        const order = node.hooks.busInput;
        if (order === undefined) run();
        else order(socket, run);
      },
      refusesConnect: (ip, port) => node.hooks.busConnectRefused?.(ip, port) ?? false,
    });
    node.keyspace.db(0).enableSlotIndex();
    for (const name of ['cluster-node-timeout', 'cluster-announce-ip', 'cluster-announce-port', 'cluster-announce-bus-port', 'cluster-announce-hostname', 'cluster-require-full-coverage', 'cluster-allow-replica-migration', 'cluster-replica-validity-factor', 'cluster-replica-no-failover', 'cluster-migration-barrier', 'repl-ping-replica-period'] as const) {
      config.onChange(name, () => {
        Object.assign(this.settings, settingsFrom(config, this.settings.port, this.settings.cport));
        this.state.refreshMyAddress();
      });
    }
  }

  /** nodes.conf: load it when present, else start fresh and write one at once, as Redis does. */
  private loadConfig(): void {
    const log = this.node.log;
    const text = this.store.read() ?? '';
    if (loadNodesConf(this.state, text, this.node.clock())) {
      this.state.refreshMyAddress();
      log.notice(`Node configuration loaded, I'm still ${this.state.myself.name}`);
    } else {
      log.notice(`No cluster configuration found, I'm ${this.state.myself.name}`);
      // Only a new node writes its file at once; a loaded one is rewritten at its next change.
      this.save();
    }
  }

  /** Writes nodes.conf now and syncs it to disk (start-up, CLUSTER SAVECONFIG). */
  save(): void {
    this.writeConfig(configText(this.state), true);
  }

  /** Writes `text` as nodes.conf (cluster-bus/nodes-conf.ts formats it; the disk is ours). */
  private writeConfig(text: string, durable: boolean): void {
    this.store.write(text, durable);
  }

  /** Binds the bus port (port + 10000 unless cluster-port is set) and starts the cron. */
  async start(clientPort: number): Promise<void> {
    const config = this.node.config;
    const busPort = config.number('cluster-port') || clientPort + 10000;
    this.settings.port = clientPort;
    this.settings.cport = busPort;
    this.state.refreshMyAddress();
    const hosts = [...config.value('bind')]
      .map((b) => (b.startsWith('-') ? b.slice(1) : b))
      .map((b) => (b === '*' ? '0.0.0.0' : b === '::*' ? '::' : b))
      .filter((b) => !b.includes(':'));
    await this.transport.start(hosts.length === 0 ? ['0.0.0.0'] : hosts, busPort);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /**
   * A CLUSTER subcommand that changes the cluster state: the machine's admin input at the node's
   * time, then its effects carried out (messages, config save, shard channels dropped).
   */
  admin(op: AdminOp): AdminResult {
    try {
      return this.state.admin(op, this.node.clock());
    } finally {
      this.applyEffects();
    }
  }

  /** A bus link's output figures, for CLUSTER LINKS. */
  linkOutput(link: LinkId): LinkOutput {
    return this.transport.linkOutput(link);
  }

  /** CLUSTER INFO, with the transport's count of links freed for their send buffer. */
  infoText(): string {
    return infoText(this.state, this.transport.linksFreedForBufferLimit);
  }

  /** Carries out what an input to the state machine queued. */
  applyEffects(): void {
    this.transport.apply();
    this.dropUnservedShardChannels();
  }

  /** PUBLISH reaches every node of the cluster, SPUBLISH the nodes of my shard (bus types 4, 10). */
  publish(channel: ByteString, message: ByteString, shard: boolean): void {
    this.state.publish(channel, message, shard);
    this.transport.apply();
  }

  /**
   * Shard channels live with their slot: once my shard (my master, or me as a master) stops
   * serving a slot, its subscribers here are unsubscribed (with a "sunsubscribe" each) so they
   * re-subscribe where the slot went. Checked after admin commands, slot claims and every cron.
   */
  private dropUnservedShardChannels(): void {
    const master = this.state.myMaster();
    const slots = this.state.slots;
    this.node.pubsub.dropShardChannels((channel) => master !== null && slots.owner(keyHashSlot(channel)) === master.name);
  }

  /**
   * Keeps replication following the cluster's view (Redis checks this from its cluster cron):
   * a replica in the node table replicates its master's current address; a master does not
   * replicate. Covers CLUSTER REPLICATE, demotions by slot claims and address changes.
   */
  followRole(): void {
    const myself = this.state.myself;
    const replication = this.node.replication;
    this.noteMasterIo();
    this.dropUnservedShardChannels();
    if (myself.isMaster || myself.slaveof === null) {
      if (replication.isReplica) replication.promote();
      return;
    }
    const master = this.state.nodes.get(myself.slaveof);
    if (master === undefined || master.ip === '' || master.port === 0) return;
    const current = replication.master;
    if (current === null || current.host !== master.ip || current.port !== master.port) replication.replicaOf(master.ip, master.port);
  }

  /** Data age bookkeeping: the replication link's last I/O while it is up. */
  private noteMasterIo(): void {
    const replication = this.node.replication;
    const link = replication.link;
    if (replication.linkUp && link !== null) this.lastMasterIoMs = Math.max(this.lastMasterIoMs, link.lastIoMs);
    else if (!replication.isReplica) this.lastMasterIoMs = this.node.clock();
  }

  // ---------------------------------------------------------------------------------------------
  // Manual failover: the master's write pause

  /** The machine's pause-writes effect: writes wait until then, or (0) resume (client-pause.ts). */
  private pauseWrites(untilMs: number): void {
    // By then I may be a replica: the held writes get the replica's answer (MOVED), as in Redis.
    if (untilMs === 0) this.node.pause.unpause('failover');
    else this.node.pause.pause('failover', 'write', untilMs);
  }

  get droppedMessages(): number {
    return this.transport.droppedMessages;
  }

  /**
   * Runs the bus cron now, between its regular ticks (hashslot/testing forms a cluster faster by
   * not waiting 100 ms for each handshake step).
   */
  runCronNow(): void {
    this.transport.tick();
  }

  /** The cluster bus port this node listens on. */
  get busPort(): number {
    return this.settings.cport;
  }

  /** This node's id in the cluster (CLUSTER MYID). */
  get myId(): string {
    return this.state.myself.name;
  }

  private onEvent(event: Event): void {
    logClusterEvent(this.node.log, event);
    this.node.events.emit('cluster', event);
    if (event.type === 'slots-claimed' || event.type === 'role-changed') this.dropUnservedShardChannels();
    // Replication follows a role change at once rather than at the next cron.
    if (event.type === 'role-changed') this.followRole();
  }

  /** The error that redirects this call elsewhere, or null when this node serves it. */
  route(session: Session, spec: CommandSpec, argv: readonly ByteString[]): string | null {
    const isWrite = scriptCommandIsWrite(this.node.loadedEngines, spec, argv) ?? spec.isWrite;
    return routeCommand(this.state, session, spec, argv, this.node.nowMs, this.node.config, isWrite);
  }

  /** A client blocked on keys: the error that unblocks it, or null (routing.ts). */
  blockedRedirect(session: Session, spec: CommandSpec, argv: readonly ByteString[]): string | null {
    return blockedRedirect(this.state, session, spec, argv, this.node.config);
  }

  /** EXEC: the queued commands routed together, as one request (routing.ts). */
  routeAll(session: Session, commands: readonly RoutedCommand[]): string | null {
    const engines = this.node.loadedEngines;
    const routed = commands.map((c) => ({ ...c, isWrite: scriptCommandIsWrite(engines, c.spec, c.argv) ?? c.spec.isWrite }));
    return routeCommands(this.state, session, routed, this.node.nowMs, this.node.config);
  }
}

function settingsFrom(config: Config, port: number, cport = 0): ClusterSettings {
  return {
    nodeTimeoutMs: config.number('cluster-node-timeout'),
    port,
    cport,
    announceIp: config.string('cluster-announce-ip'),
    announcePort: config.number('cluster-announce-port'),
    announceBusPort: config.number('cluster-announce-bus-port'),
    announceHostname: config.string('cluster-announce-hostname'),
    requireFullCoverage: config.bool('cluster-require-full-coverage'),
    allowReplicaMigration: config.bool('cluster-allow-replica-migration'),
    replicaValidityFactor: config.number('cluster-replica-validity-factor'),
    replicaNoFailover: config.bool('cluster-replica-no-failover'),
    migrationBarrier: config.number('cluster-migration-barrier'),
    replPingReplicaPeriodMs: config.number('repl-ping-replica-period') * 1000,
  };
}

/** Whether a MEET address is an IP literal (Redis refuses host names). */
export function isIpAddress(text: string): boolean {
  return net.isIP(text) !== 0;
}
