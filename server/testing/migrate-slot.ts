/**
 * Moving one hash slot, with its keys, from the node that owns it to another primary, by the
 * very commands `redis-cli --cluster reshard` sends (clusterManagerMoveSlot in Redis 7.0's
 * redis-cli.c), over real client connections (resp-connection.ts). Nothing is set behind the
 * nodes' backs, so when it ends the cluster is in the state a real resharding leaves, and a
 * client in the middle of it sees what it would see against redis-server: -ASK for the keys
 * that already left, -TRYAGAIN for a multi-key command split across the two nodes, -MOVED once
 * the slot is assigned.
 *
 *   target T                source S                            other primaries
 *   ───────────────────────────────────────────────────────────────────────────────────────────
 *   SETSLOT n IMPORTING S                                        importing
 *                           SETSLOT n MIGRATING T                migrating
 *                           GETKEYSINSLOT n k ─▶ k keys ┐
 *                           MIGRATE T "" 0 t KEYS ...   │ ×     keys (count)   ◀─ pause: true
 *                           ... until GETKEYSINSLOT is empty ┘                    stops here once
 *   SETSLOT n NODE T  (new configEpoch, PONG to all)
 *                           SETSLOT n NODE T
 *                                                   SETSLOT n NODE T (each)    assigned
 *                                                                              slot-moved
 *
 * The order of the last three is Redis's own: the target first, so that if it crashed before
 * claiming the slot nobody would have given it away yet (redis/redis#7116); then the source;
 * then the others, only so that they stop redirecting through the source before gossip would
 * tell them. A source that gave away its last slot may already have become a replica of the
 * target (cluster-allow-replica-migration), and answers "Please use SETSLOT only with masters";
 * redis-cli accepts that answer, and so does this. Replicas are not told: they learn from their
 * primaries' pings within a bus cron or two.
 *
 * The pause. With `pause: true` the migration stops after the first MIGRATE (or right after
 * MIGRATING, if the slot holds no key) and the promise resolves to a PausedMigration: the keys
 * that moved so far are on the target, the rest on the source, both ends still marked. That is
 * the moment to point a client at the slot; `resume()` carries on to the end. The connections
 * are closed while paused, so a paused migration holds nothing a test would have to clean up,
 * and a fault added meanwhile (a client partition, failCommands) acts on the rest of the
 * migration as it would on redis-cli.
 *
 * A failure (an error reply, a node not answering within timeoutMs) ends the migration where
 * it was, leaving the slot open exactly as an interrupted redis-cli would: that is a state
 * Redis clusters really get into, and `redis-cli --cluster fix` (or a test) can take it from
 * there.
 */
import type { RespValue } from '../../protocol/resp-value';
import { SLOT_COUNT } from '../../storage/key-slot';
import type { HarnessEvent } from './events';
import { RespConnection, RespReplyError } from './resp-connection';
import type { TestNode } from './test-node';

export interface MigrateSlotOptions {
  /**
   * Keys per GETKEYSINSLOT + MIGRATE step (redis-cli's `--cluster-pipeline`).
   * @default 10
   */
  keysPerStep?: number;
  /**
   * Stop after the first step of keys; the promise resolves to a PausedMigration.
   * @default false
   */
  pause?: boolean;
  /**
   * Wall-clock deadline for each command (and MIGRATE's own timeout argument), in ms.
   * @default 10000
   */
  timeoutMs?: number;
}

/** A finished migration. */
export interface SlotMoved {
  readonly slot: number;
  readonly from: TestNode;
  readonly to: TestNode;
  /** Keys moved (as GETKEYSINSLOT listed them; a key that expired on the way counts too). */
  readonly keys: number;
}

/** A migration stopped mid-way: the slot is MIGRATING on `from` and IMPORTING on `to`. */
export interface PausedMigration {
  readonly slot: number;
  readonly from: TestNode;
  readonly to: TestNode;
  /** The keys already on the target, decoded as UTF-8 (a client gets -ASK for these at `from`). */
  readonly movedKeys: readonly string[];
  /** Moves the remaining keys and assigns the slot; the same promise on every call. */
  resume(): Promise<SlotMoved>;
}

/** What the cluster lends a migration: its nodes, and its event log. */
export interface MigrationHost {
  readonly nodes: readonly TestNode[];
  record(node: TestNode, event: HarnessEvent): void;
}

const DEFAULT_KEYS_PER_STEP = 10;
const DEFAULT_TIMEOUT_MS = 10_000;
/** redis-cli's tolerated answer from a source that has become a replica of the target. */
const SOURCE_NOW_REPLICA = 'ERR Please use SETSLOT only with masters.';

/** Starts moving `slot` to `to`; see the opening comment for the steps and the pause. */
export async function migrateSlot(host: MigrationHost, slot: number, to: TestNode, options: MigrateSlotOptions = {}): Promise<SlotMoved | PausedMigration> {
  const keysPerStep = options.keysPerStep ?? DEFAULT_KEYS_PER_STEP;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) throw new Error(`migrateSlot: slot must be an integer 0-${SLOT_COUNT - 1}, not ${slot}`);
  if (!Number.isInteger(keysPerStep) || keysPerStep < 1) throw new Error(`migrateSlot: keysPerStep must be an integer >= 1, not ${keysPerStep}`);
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new Error(`migrateSlot: timeoutMs must be a number of ms > 0, not ${timeoutMs}`);
  if (!to.up) throw new Error(`migrateSlot: node on port ${to.port} is killed`);
  if (to.role !== 'primary') throw new Error(`migrateSlot: node on port ${to.port} is a replica; a slot can only move to a primary`);
  // The target's own view names the source: it is the view SETSLOT IMPORTING is checked against.
  const ownerId = to.redisNode.cluster?.state.slots.owner(slot) ?? null;
  if (ownerId === to.id) throw new Error(`migrateSlot: slot ${slot} is already on port ${to.port}`);
  const from = host.nodes.find((n) => n.id === ownerId);
  if (from === undefined) throw new Error(`migrateSlot: slot ${slot} has no owner in the view of port ${to.port}`);
  if (!from.up) throw new Error(`migrateSlot: slot ${slot}'s owner, port ${from.port}, is killed`);

  const run = new SlotMigrationRun(host, slot, from, to, keysPerStep, timeoutMs, options.pause === true);
  const done = run.run();
  if (options.pause !== true) return done;
  // Until the pause is reached a failure is reported through the paused promise; the test holds
  // `done` only once resume() hands it over, so it must not count as unhandled meanwhile.
  done.catch(() => undefined);
  return Promise.race([run.paused, done]);
}

class SlotMigrationRun {
  private readonly connections = new Map<TestNode, RespConnection>();
  private readonly movedKeys: string[] = [];
  private keys = 0;
  private released: (() => void) | null = null;
  private resumed: Promise<SlotMoved> | null = null;
  private done: Promise<SlotMoved> | null = null;
  private reachPause: ((paused: PausedMigration) => void) | null = null;
  readonly paused: Promise<PausedMigration>;

  constructor(
    private readonly host: MigrationHost,
    private readonly slot: number,
    private readonly from: TestNode,
    private readonly to: TestNode,
    private readonly keysPerStep: number,
    private readonly timeoutMs: number,
    private readonly pauseAfterFirstStep: boolean,
  ) {
    this.paused = new Promise((resolve) => {
      this.reachPause = resolve;
    });
  }

  run(): Promise<SlotMoved> {
    this.done ??= this.steps().finally(() => this.closeConnections());
    return this.done;
  }

  private async steps(): Promise<SlotMoved> {
    const { slot, from, to } = this;
    await this.command(to, ['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', from.id]);
    this.step(to, 'importing', 0);
    await this.command(from, ['CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', to.id]);
    this.step(from, 'migrating', 0);

    let stepped = false;
    for (;;) {
      const keys = asKeys(await this.command(from, ['CLUSTER', 'GETKEYSINSLOT', String(slot), String(this.keysPerStep)]), from);
      if (keys.length === 0) break;
      // No REPLACE, as redis-cli without --cluster-replace: a key already on the target is a
      // conflict to report (BUSYKEY), not to overwrite.
      await this.command(from, ['MIGRATE', to.host, String(to.port), '', '0', String(this.timeoutMs), 'KEYS', ...keys]);
      this.keys += keys.length;
      for (const key of keys) this.movedKeys.push(Buffer.from(key, 'latin1').toString('utf8'));
      this.step(from, 'keys', keys.length);
      if (!stepped) {
        stepped = true;
        await this.pausePoint();
      }
    }
    if (!stepped) await this.pausePoint();

    await this.command(to, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id]);
    await this.command(from, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id]).catch((err: unknown) => {
      if (!(err instanceof RespReplyError && err.reply === SOURCE_NOW_REPLICA)) throw err;
    });
    // Down or frozen primaries are skipped: they learn the new owner from gossip once they can,
    // as they would when redis-cli could not reach them.
    const others = this.host.nodes.filter((n) => n !== to && n !== from && n.up && !n.isPaused && n.role === 'primary');
    for (const node of others) await this.command(node, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id]);
    this.step(to, 'assigned', this.keys);
    this.host.record(to, { type: 'slot-moved', slot, from: from.id, to: to.id, keys: this.keys });
    return { slot, from, to, keys: this.keys };
  }

  /** With pause: true, hands the test a PausedMigration and waits for its resume(). */
  private async pausePoint(): Promise<void> {
    if (!this.pauseAfterFirstStep) return;
    this.closeConnections();
    const released = new Promise<void>((resolve) => {
      this.released = resolve;
    });
    this.reachPause?.({
      slot: this.slot,
      from: this.from,
      to: this.to,
      movedKeys: [...this.movedKeys],
      resume: () => {
        this.released?.();
        this.resumed ??= this.run();
        return this.resumed;
      },
    });
    await released;
  }

  private step(node: TestNode, step: 'importing' | 'migrating' | 'keys' | 'assigned', keys: number): void {
    this.host.record(node, { type: 'migration-step', slot: this.slot, step, keys });
  }

  /** One command on `node`'s connection (opened on first use), its error naming the step. */
  private async command(node: TestNode, argv: readonly string[]): Promise<RespValue> {
    const what = `${argv.slice(0, argv[0] === 'CLUSTER' ? 3 : 1).join(' ')} on port ${node.port} (slot ${this.slot}, port ${this.from.port} → ${this.to.port})`;
    try {
      let connection = this.connections.get(node);
      if (connection === undefined) {
        connection = await RespConnection.connect(node.host, node.port, this.timeoutMs);
        this.connections.set(node, connection);
      }
      return await connection.call(argv, this.timeoutMs);
    } catch (err) {
      if (err instanceof RespReplyError) throw new RespReplyError(err.reply, `migrateSlot: ${what}: ${err.reply}`);
      throw new Error(`migrateSlot: ${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private closeConnections(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }
}

/** GETKEYSINSLOT's reply: an array of bulk strings, or the node is not what we think it is. */
function asKeys(reply: RespValue, node: TestNode): string[] {
  if (!Array.isArray(reply) || !reply.every((key): key is string => typeof key === 'string')) {
    throw new Error(`migrateSlot: CLUSTER GETKEYSINSLOT on port ${node.port} answered ${JSON.stringify(reply)}, not a list of keys`);
  }
  return reply;
}
