/**
 * The lost-write oracle: `cluster.oracle.start()`, a workload, faults, then
 * `const report = await cluster.oracle.check()`, which says which acknowledged writes the
 * cluster no longer holds and why (the definitions are in oracle-judge.ts, with the verdict).
 *
 * How it records. Every node of the cluster calls its `commandExecuted` hook (node-hooks.ts)
 * after a command of a normal client ran, telling what the command was and whether it changed
 * the dataset. For a write that did, on a node that is a primary, the oracle asks the command
 * table which keys the call writes (its key specs: every key not flagged RO, so SUNIONSTORE's
 * sources are left out), reads each key's digest from the keyspace right away (DEBUG
 * DIGEST-VALUE's fingerprint, storage/digest.ts) and notes, at that same instant:
 *
 *   the node's replication id and offset   where the write sits in its replication stream
 *   its situation                          cut off in a minority (the harness's partitions),
 *                                          already superseded by a newer owner of the slot
 *                                          (another node's view, with a higher configEpoch),
 *                                          or the owner
 *   the shard's failover count             to tell later whether the owner changed since
 *
 * A blocked command (BLPOP, BLMOVE, BZPOPMIN...) writes when it is served, long after it was
 * dispatched: the node calls the same hook then, and the pop is recorded at that moment; so
 * does an EXEC that a MIGRATE inside suspended, once its last command has run. A
 * MIGRATE is not recorded at the source (the key leaves with its value); the target's
 * RESTORE-ASKING, a normal client's command there, is.
 *
 * The reply is written to the socket at the end of the same event-loop turn, so a microtask
 * looks at the connection once the turn is over: closed by then (the node was killed, the
 * client went over its output limit), the write was never acknowledged. Nor was one whose
 * reply CLIENT REPLY OFF or SKIP dropped.
 *
 * WAIT: the `waitAnswered` hook reports each WAIT's answer; it covers the earlier writes of the
 * same connection, which are kept per connection until a WAIT covers them.
 *
 * Reading values directly rather than recording command arguments makes every write command
 * work the same way (SET, INCR, APPEND, HSET, DEL, LPUSH...): the oracle compares states of a
 * key, never replays commands. What it cannot attribute to keys (FLUSHALL, SWAPDB) or cannot
 * see (expiry) is named in the report as
 * indeterminate rather than guessed at. Writes on replicas do not arise: in cluster mode a
 * replica answers every write with -MOVED.
 *
 * check() reads each key where a client would: at the slot's owner, or, for a key that left
 * a slot still migrating, at the importing node -ASK points to.
 *
 * Recording costs a digest of every written key and a few slot-table reads per write; the
 * hooks are installed only while recording, so a cluster that never starts the oracle pays
 * nothing.
 */
import type { ByteString } from '../../storage/bytes';
import { digestHex, valueDigest } from '../../storage/digest';
import { keyHashSlot } from '../../storage/key-slot';
import type { CommandSpec } from '../dispatch/command';
import { findKeys } from '../dispatch/key-specs';
import type { Session } from '../dispatch/session';
import type { RedisNode } from '../node';
import type { ExecutedCommand } from '../node-hooks';
import type { EventLog } from './events';
import {
  ABSENT_DIGEST,
  judge,
  keyId,
  type CurrentValue,
  type OracleReport,
  type RecordedWrite,
  type UntrackedWrite,
  type WriteSituation,
} from './oracle-judge';
import { slotOwner } from './slot-owners';
import type { TestNode } from './test-node';

export interface OracleOptions {
  /**
   * How many replicas a WAIT must count to cover the writes before it: 'all' (the primary's
   * replicas in its own cluster view when the WAIT answers, at least one) or a number >= 1.
   * @default 'all'
   */
  waitQuorum?: 'all' | number;
}

/** What the oracle needs of its cluster. */
export interface OracleHost {
  readonly nodes: readonly TestNode[];
  readonly events: Pick<EventLog, 'on'>;
  /** Whether a partition (plane 'bus' or 'all') separates these two nodes now. */
  busSeparated(a: string, b: string): boolean;
}

/** A recorded write while the oracle still learns about it (delivery, WAITs). */
type OpenWrite = { -readonly [K in keyof RecordedWrite]: RecordedWrite[K] };

export class WriteOracle {
  private recording = false;
  private waitQuorum: 'all' | number = 'all';
  private writes: OpenWrite[] = [];
  private untracked: UntrackedWrite[] = [];
  private baselines = new Map<string, string>();
  private nextSeq = 1;
  /** Writes whose reply is being written this event-loop turn, and their sessions. */
  private unconfirmed: Array<{ write: OpenWrite; session: Session }> = [];
  private readonly failovers = new Map<number, number>();
  private readonly emptyRestarts = new Map<string, number>();
  /** The nodes whose hooks are installed, with their per-connection writes awaiting a WAIT. */
  private readonly recorders = new Map<RedisNode, Map<number, OpenWrite[]>>();

  constructor(private readonly host: OracleHost) {
    // Counted from the cluster's start, so that a write knows how many came before it.
    host.events.on('failover', (event) => this.failovers.set(event.shard, (this.failovers.get(event.shard) ?? 0) + 1));
    host.events.on('node-restarted', (event) => {
      if (event.data === 'empty') this.emptyRestarts.set(event.node, (this.emptyRestarts.get(event.node) ?? 0) + 1);
    });
  }

  get isRecording(): boolean {
    return this.recording;
  }

  /** Forgets any previous recording, notes every key's value now, and records from here on. */
  start(options: OracleOptions = {}): void {
    const quorum = options.waitQuorum ?? 'all';
    if (quorum !== 'all' && !(Number.isInteger(quorum) && quorum >= 1)) throw new Error(`waitQuorum must be 'all' or an integer >= 1, not ${String(quorum)}`);
    this.stop();
    this.waitQuorum = quorum;
    this.writes = [];
    this.untracked = [];
    this.unconfirmed = [];
    this.baselines = this.snapshotPrimaries();
    this.recording = true;
    for (const handle of this.host.nodes) if (handle.up) this.attach(handle, handle.redisNode);
  }

  /** Stops recording (what was recorded stays for check()). */
  stop(): void {
    this.recording = false;
    for (const node of this.recorders.keys()) {
      const { commandExecuted: _executed, waitAnswered: _answered, ...others } = node.hooks;
      node.hooks = others;
    }
    this.recorders.clear();
  }

  /** A node started (or restarted): it records too while the oracle is recording. */
  attach(handle: TestNode, node: RedisNode): void {
    if (!this.recording || this.recorders.has(node)) return;
    const connections = new Map<number, OpenWrite[]>();
    this.recorders.set(node, connections);
    node.hooks = {
      ...node.hooks,
      commandExecuted: (command) => this.executed(handle, node, connections, command),
      waitAnswered: (clientId, replicas) => this.waitAnswered(node, connections, clientId, replicas),
    };
  }

  /**
   * Compares what was acknowledged with what the owners hold now. Call it once the cluster has
   * settled (faults healed, failovers done): it reads the values as they are at this instant.
   */
  async check(): Promise<OracleReport> {
    // Let replies of this turn go out and their deliveries be confirmed first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.confirmDeliveries();
    const owners = this.currentOwners();
    return judge(this.writes, this.untracked, this.baselines, (db, key) => this.currentValue(owners, db, key), {
      failovers: (shard) => this.failovers.get(shard) ?? 0,
      emptyRestarts: (node) => this.emptyRestarts.get(node) ?? 0,
    });
  }

  // ─── recording ─────────────────────────────────────────────────────────────────────────────

  private executed(handle: TestNode, node: RedisNode, connections: Map<number, OpenWrite[]>, command: ExecutedCommand): void {
    const { spec, session, queued } = command;
    // Only what changed the dataset on a primary and has replied: an EXEC that a MIGRATE
    // inside suspended is recorded when it finishes (RedisNode.commandCompletedLate).
    if (!command.changed || session.waiting || node.replication.isReplica) return;
    // MIGRATE moves a key and does not change its value: the target's RESTORE is recorded.
    if (spec.fullName === 'migrate') return;
    if (queued === null && !spec.isWrite) return;
    const keys = new Set<ByteString>();
    if (queued === null) addWrittenKeys(keys, spec, command.argv);
    else for (const q of queued) if (q.spec.isWrite && q.spec.fullName !== 'migrate') addWrittenKeys(keys, q.spec, q.argv);
    const seq = this.nextSeq++;
    if (keys.size === 0) {
      this.untracked.push({ seq, command: spec.fullName, node: handle.id });
      return;
    }
    const repliedAtMs = node.clock();
    const minority = this.inMinority(handle, node);
    const db = session.db;
    const outcome = queued === null && command.failed ? 'error-reply' : !command.replied ? 'reply-not-delivered' : 'acknowledged';
    let pending = connections.get(session.id);
    if (pending === undefined) connections.set(session.id, (pending = []));
    for (const key of keys) {
      const slot = keyHashSlot(key);
      const situation: WriteSituation = minority ? 'minority' : this.superseded(handle, node, slot) ? 'demoted' : 'owner';
      const hasDeadline = db.expireAt(key) !== undefined;
      const write: OpenWrite = {
        seq,
        key,
        db: db.id,
        slot,
        command: spec.fullName,
        digest: digestHex(valueDigest(db.peekStored(key), hasDeadline)),
        hasDeadline,
        node: handle.id,
        port: handle.port,
        shard: handle.shard,
        replid: node.replication.replid,
        offset: node.replication.offset,
        clientId: session.id,
        requestAtMs: session.connection?.lastInteractionMs ?? repliedAtMs,
        repliedAtMs,
        situation,
        outcome,
        waitReplicas: null,
        waitCovered: false,
        failoversBefore: this.failovers.get(handle.shard) ?? 0,
        emptyRestartsBefore: this.emptyRestarts.get(handle.id) ?? 0,
      };
      this.writes.push(write);
      if (outcome !== 'acknowledged') continue;
      pending.push(write);
      if (this.unconfirmed.push({ write, session }) === 1) queueMicrotask(() => this.confirmDeliveries());
    }
  }

  /** The turn that ran these writes is over: a reply on a connection closed meanwhile never left. */
  private confirmDeliveries(): void {
    const batch = this.unconfirmed;
    this.unconfirmed = [];
    for (const { write, session } of batch) if (session.closed) write.outcome = 'reply-not-delivered';
  }

  private waitAnswered(node: RedisNode, connections: Map<number, OpenWrite[]>, clientId: number, replicas: number): void {
    const pending = connections.get(clientId);
    if (pending === undefined || pending.length === 0) return;
    const required = this.waitQuorum === 'all' ? Math.max(1, replicaCount(node)) : this.waitQuorum;
    for (const write of pending) {
      write.waitReplicas = Math.max(write.waitReplicas ?? 0, replicas);
      if (replicas >= required) write.waitCovered = true;
    }
    connections.set(clientId, pending.filter((w) => !w.waitCovered));
  }

  /**
   * Cut off on the bus, with fewer than a majority of the slot-owning primaries (as this node
   * counts them) on its side: Redis's failure detection gives its slots away.
   */
  private inMinority(handle: TestNode, node: RedisNode): boolean {
    const state = node.cluster?.state;
    if (state === undefined) return false;
    let masters = 0;
    let reachable = 0;
    for (const other of state.nodes.values()) {
      if (!other.isMaster || state.slots.count(other.name) === 0) continue;
      masters++;
      if (other.name === handle.id || !this.host.busSeparated(handle.id, other.name)) reachable++;
    }
    return masters > 0 && reachable < Math.floor(masters / 2) + 1;
  }

  /** Some running node's view gives the slot to another node with a higher configEpoch. */
  private superseded(handle: TestNode, node: RedisNode, slot: number): boolean {
    const mine = node.cluster?.state.myself.configEpoch ?? 0n;
    for (const other of this.host.nodes) {
      if (other === handle || !other.up) continue;
      const view = other.redisNode.cluster?.state;
      const owner = view?.slots.owner(slot) ?? null;
      if (view === undefined || owner === null || owner === handle.id) continue;
      if ((view.nodes.get(owner)?.configEpoch ?? 0n) > mine) return true;
    }
    return false;
  }

  // ─── reading the cluster now ───────────────────────────────────────────────────────────────

  /** Every key on every running primary, as DEBUG DIGEST-VALUE prints it. */
  private snapshotPrimaries(): Map<string, string> {
    const baselines = new Map<string, string>();
    for (const handle of this.host.nodes) {
      if (!handle.up || handle.role !== 'primary') continue;
      for (const db of handle.redisNode.keyspace.dbs) {
        db.forEachEntry((key, value, deadlineMs) => {
          const id = keyId(db.id, key);
          if (!baselines.has(id)) baselines.set(id, digestHex(valueDigest(value, deadlineMs !== undefined)));
        });
      }
    }
    return baselines;
  }

  /** Who owns each slot now (slot-owners.ts), each slot looked up once per check. */
  private currentOwners(): (slot: number) => string | null {
    const cache = new Map<number, string | null>();
    return (slot) => {
      const known = cache.get(slot);
      if (known !== undefined) return known;
      const owner = slotOwner(this.host.nodes, slot);
      cache.set(slot, owner);
      return owner;
    };
  }

  /**
   * The key's value as a client reads it now: at the slot's owner, or, when the owner is
   * migrating the slot and no longer holds the key, at the importing node, where -ASK sends
   * the client (a slot moved half-way: cluster.migrateSlot with pause, an interrupted reshard).
   */
  private currentValue(owners: (slot: number) => string | null, db: number, key: ByteString): CurrentValue {
    const slot = keyHashSlot(key);
    const owner = owners(slot);
    const handle = this.host.nodes.find((n) => n.id === owner);
    if (owner === null || handle === undefined || !handle.up) return { digest: null, owner };
    const atOwner = this.valueAt(handle, db, key);
    const importer = handle.redisNode.cluster?.state.slots.migrating.get(slot);
    if (atOwner !== ABSENT_DIGEST || importer === undefined) return { digest: atOwner, owner };
    const target = this.host.nodes.find((n) => n.id === importer);
    if (target === undefined || !target.up) return { digest: atOwner, owner };
    return { digest: this.valueAt(target, db, key), owner: importer };
  }

  private valueAt(handle: TestNode, db: number, key: ByteString): string {
    const node = handle.redisNode;
    const database = node.keyspace.db(db);
    // A key past its deadline is gone for every client, deleted yet or not.
    if (database.isLogicallyExpired(key, node.clock())) return ABSENT_DIGEST;
    return digestHex(valueDigest(database.peekStored(key), database.expireAt(key) !== undefined));
  }
}

/** The keys a call writes: every key its key specs give that is not read-only. */
function addWrittenKeys(into: Set<ByteString>, spec: CommandSpec, argv: readonly ByteString[]): void {
  const flags: Array<readonly string[]> = [];
  const positions = findKeys(spec.keys, argv, flags);
  positions.forEach((index, i) => {
    const key = argv[index];
    if (key !== undefined && !(flags[i] ?? []).includes('RO')) into.add(key);
  });
}

/** The node's replicas in its own cluster view (connected or not). */
function replicaCount(node: RedisNode): number {
  const state = node.cluster?.state;
  if (state === undefined) return node.replication.replicas.size;
  let count = 0;
  for (const other of state.nodes.values()) if (other.slaveof === state.myself.name) count++;
  return count;
}
