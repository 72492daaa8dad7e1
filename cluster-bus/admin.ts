/**
 * The admin input: every CLUSTER subcommand that changes the cluster state, as one operation
 * value handed to the machine (`ClusterState.admin(op, nowMs)`), validated and carried out here.
 *
 * The command layer (server/commands/cluster.ts) only parses arguments into an `AdminOp` and
 * writes the reply; the test simulator and `npm start` form clusters with the very same values.
 * So SETSLOT, FORGET or FAILOVER run under the seeded simulation exactly as behind a socket.
 *
 * A refusal comes back as a value carrying Redis's exact error text (real redis-server 7.0 is
 * the reference), never as an exception: an admin error is an expected outcome, not a bug.
 * Checks run in Redis's order, because with two things wrong the first check is the one a client
 * sees: SETSLOT on a replica with a bad slot number says "only with masters", not "bad slot".
 *
 * A resharding moves one slot from S to T like this (redis-cli --cluster reshard):
 *
 *   T: SETSLOT n IMPORTING S     T accepts ASKING queries for n          T: [n-<-S]
 *   S: SETSLOT n MIGRATING T     S answers ASK for keys it no longer has S: [n->-T]
 *   S: MIGRATE keys … to T
 *   T: SETSLOT n NODE T          T owns n, clears IMPORTING, takes a new configEpoch
 *                                (BUMPEPOCH) and tells everybody at once (PONG to all)
 *   S: SETSLOT n NODE T          S gives n to T, clears MIGRATING (no keys left)
 *   others learn T's claim from gossip: T's epoch is now the largest, so the claim wins
 */
import type { ClusterNode } from './cluster-node';
import type { ManualFailoverMode } from './manual-failover';
import { NodeFlag, SLOT_COUNT } from './messages';
import type { MachineParts } from './parts';

export type AdminOp =
  /** CLUSTER MEET ip port [cport] (the address already checked by the parser). */
  | { type: 'meet'; ip: string; port: number; cport: number }
  /** CLUSTER ADDSLOTS / ADDSLOTSRANGE: the slots, in argument order. */
  | { type: 'addslots'; slots: readonly number[] }
  /** CLUSTER DELSLOTS / DELSLOTSRANGE. */
  | { type: 'delslots'; slots: readonly number[] }
  | { type: 'flushslots' }
  /**
   * CLUSTER SETSLOT. `slot` as parsed, -1 when the argument is not a number (refused here, after
   * the replica check, as Redis orders them); `action: 'invalid'` for an unknown action or a
   * wrong argument count, refused after both.
   */
  | { type: 'setslot'; slot: number; action: 'importing' | 'migrating' | 'node'; nodeId: string }
  | { type: 'setslot'; slot: number; action: 'stable' | 'invalid' }
  | { type: 'forget'; nodeId: string }
  | { type: 'replicate'; nodeId: string }
  | { type: 'reset'; hard: boolean }
  | { type: 'set-config-epoch'; epoch: bigint }
  | { type: 'bumpepoch' }
  | { type: 'failover'; mode: ManualFailoverMode }
  /** DEBUG CLUSTERLINK KILL to|from|all <node>: frees bus links; the cron reconnects. */
  | { type: 'kill-links'; nodeId: string; direction: string };

/**
 * The outcome: done (with `bumped` saying whether myself took a new configEpoch, which is the
 * BUMPEPOCH reply's BUMPED or STILL), or refused with Redis's error text.
 */
export type AdminResult = { ok: true; bumped: boolean } | { ok: false; error: string };

const DONE: AdminResult = { ok: true, bumped: false };

function refuse(error: string): AdminResult {
  return { ok: false, error };
}

/** What the admin input may touch. */
export type AdminParts = Pick<MachineParts, 'host' | 'table' | 'slots' | 'links' | 'epochs' | 'health' | 'messenger' | 'outbox' | 'handshake' | 'claims' | 'manualFailover' | 'settings'>;

export class Admin {
  constructor(private readonly p: AdminParts) {}

  run(op: AdminOp, nowMs: number): AdminResult {
    switch (op.type) {
      case 'meet':
        this.p.handshake.meet(op.ip, op.port, op.cport, nowMs);
        return DONE;
      case 'addslots':
      case 'delslots':
        return this.addOrDelSlots(op.slots, op.type === 'addslots', nowMs);
      case 'flushslots':
        if (this.p.host.keyCount() !== 0) return refuse('ERR DB must be empty to perform CLUSTER FLUSHSLOTS.');
        this.p.slots.unassignAll(this.p.table.myself.name);
        this.slotsChanged(nowMs);
        return DONE;
      case 'setslot':
        return this.setslot(op, nowMs);
      case 'forget':
        return this.forget(op.nodeId, nowMs);
      case 'replicate':
        return this.replicate(op.nodeId);
      case 'reset':
        if (this.p.table.myself.isMaster && this.p.host.keyCount() !== 0) {
          return refuse("ERR CLUSTER RESET can't be called with master nodes containing keys");
        }
        this.reset(op.hard, nowMs);
        return DONE;
      case 'set-config-epoch':
        return this.setConfigEpoch(op.epoch);
      case 'bumpepoch':
        return { ok: true, bumped: this.p.epochs.bumpWithoutConsensus('bumpepoch') };
      case 'failover': {
        const error = this.p.manualFailover.start(op.mode, nowMs);
        return error === null ? DONE : refuse(error);
      }
      case 'kill-links':
        return this.killLinks(op.nodeId, op.direction);
    }
  }

  /** DEBUG CLUSTERLINK KILL: my outbound link to the node (to), its inbound one (from), or both. */
  private killLinks(nodeId: string, direction: string): AdminResult {
    const node = this.p.table.get(nodeId);
    if (node === undefined) return refuse(`ERR Unknown node ${nodeId}`);
    const which = direction.toLowerCase();
    if (which !== 'to' && which !== 'from' && which !== 'all') return refuse(`ERR Unknown direction ${direction}`);
    const links = this.p.links;
    for (const id of [which !== 'from' ? node.link : null, which !== 'to' ? node.inboundLink : null]) {
      const link = id === null ? undefined : links.get(id);
      if (link !== undefined) links.closeByMe(link);
    }
    return DONE;
  }

  /** Slot changes by hand: save, and judge the cluster state again at once. */
  private slotsChanged(nowMs: number): void {
    this.p.outbox.saveConfig();
    this.p.health.update(nowMs);
  }

  private known(id: string): ClusterNode | string {
    return this.p.table.get(id) ?? `ERR Unknown node ${id}`;
  }

  private addOrDelSlots(slots: readonly number[], add: boolean, nowMs: number): AdminResult {
    const table = this.p.slots;
    const seen = new Set<number>();
    for (const slot of slots) {
      const owner = table.owner(slot);
      if (add && owner !== null) return refuse(`ERR Slot ${slot} is already busy`);
      if (!add && owner === null) return refuse(`ERR Slot ${slot} is already unassigned`);
      if (seen.has(slot)) return refuse(`ERR Slot ${slot} specified multiple times`);
      seen.add(slot);
    }
    const me = this.p.table.myself.name;
    for (const slot of slots) {
      if (add) {
        table.importing.delete(slot);
        table.assign(slot, me);
      } else {
        table.unassign(slot);
      }
    }
    this.slotsChanged(nowMs);
    return DONE;
  }

  private setslot(op: Extract<AdminOp, { type: 'setslot' }>, nowMs: number): AdminResult {
    const { table, slots } = this.p;
    const myself = table.myself;
    if (myself.isReplica) return refuse('ERR Please use SETSLOT only with masters.');
    const slot = op.slot;
    if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) return refuse('ERR Invalid or out of range slot');
    let bumped = false;
    switch (op.action) {
      case 'invalid':
        return refuse('ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
      case 'stable':
        slots.migrating.delete(slot);
        slots.importing.delete(slot);
        break;
      case 'migrating':
      case 'importing': {
        const owned = slots.owner(slot) === myself.name;
        if (op.action === 'migrating' && !owned) return refuse(`ERR I'm not the owner of hash slot ${slot}`);
        if (op.action === 'importing' && owned) return refuse(`ERR I'm already the owner of hash slot ${slot}`);
        const target = this.setslotTarget(op.nodeId);
        if (typeof target === 'string') return refuse(target);
        (op.action === 'migrating' ? slots.migrating : slots.importing).set(slot, target.name);
        break;
      }
      case 'node': {
        // NODE names an unknown node differently from MIGRATING and IMPORTING, as Redis does.
        const target = this.setslotTarget(op.nodeId, `ERR Unknown node ${op.nodeId}`);
        if (typeof target === 'string') return refuse(target);
        const keys = this.p.host.keysInSlot(slot);
        if (slots.owner(slot) === myself.name && target !== myself && keys > 0) {
          return refuse(`ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`);
        }
        if (keys === 0) slots.migrating.delete(slot);
        const closesImport = target === myself && slots.importing.has(slot);
        const wasMine = slots.owner(slot) === myself.name;
        slots.assign(slot, target.name);
        // A master that gives its last slot away follows the new owner, as it would had the
        // owner's PONG (with its bumped epoch) arrived before this command: the end result of a
        // resharding must not depend on which of the two reaches this node first.
        if (wasMine && target !== myself && slots.count(myself.name) === 0 && this.p.settings.allowReplicaMigration) {
          this.p.claims.becomeReplicaOf(target);
        }
        if (closesImport) {
          // The end of a resharding on the importing side: a new configEpoch makes the claim win
          // everywhere, and a PONG to everybody spreads it without waiting for the ping round.
          slots.importing.delete(slot);
          bumped = this.p.epochs.bumpWithoutConsensus('bumpepoch');
          this.p.messenger.broadcastPong(nowMs);
        }
        break;
      }
    }
    this.slotsChanged(nowMs);
    return { ok: true, bumped };
  }

  /** The node a SETSLOT names: known, and a master. */
  private setslotTarget(id: string, unknown = `ERR I don't know about node ${id}`): ClusterNode | string {
    const node = this.p.table.get(id);
    if (node === undefined) return unknown;
    if (node.isReplica) return 'ERR Target node is not a master';
    return node;
  }

  private forget(id: string, nowMs: number): AdminResult {
    const node = this.known(id);
    if (typeof node === 'string') return refuse(node);
    const myself = this.p.table.myself;
    if (node === myself) return refuse("ERR I tried hard but I can't forget myself...");
    if (myself.isReplica && myself.slaveof === node.name) return refuse("ERR Can't forget my master!");
    this.p.table.ban(node, nowMs);
    this.p.outbox.emit({ type: 'node-forgotten', id: node.name });
    this.p.outbox.saveConfig();
    return DONE;
  }

  private replicate(id: string): AdminResult {
    const node = this.known(id);
    if (typeof node === 'string') return refuse(node);
    const myself = this.p.table.myself;
    if (node === myself) return refuse("ERR Can't replicate myself");
    if (!node.isMaster) return refuse('ERR I can only replicate a master, not a replica.');
    if (myself.isMaster && (this.p.slots.count(myself.name) !== 0 || this.p.host.keyCount() !== 0)) {
      return refuse('ERR To set a master the node must be empty and without assigned slots.');
    }
    this.p.claims.becomeReplicaOf(node);
    return DONE;
  }

  private setConfigEpoch(epoch: bigint): AdminResult {
    if (epoch < 0n) return refuse(`ERR Invalid config epoch specified: ${epoch}`);
    if (this.p.table.nodes.size > 1) {
      return refuse('ERR The user can assign a config epoch only when the node does not know any other node.');
    }
    if (this.p.table.myself.configEpoch !== 0n) return refuse('ERR Node config epoch is already non-zero');
    this.p.epochs.setConfigEpoch(epoch);
    return { ok: true, bumped: true };
  }

  /** CLUSTER RESET: forget every other node; HARD also takes a new id and zeroes epochs. */
  private reset(hard: boolean, nowMs: number): void {
    const { table, slots } = this.p;
    const myself = table.myself;
    for (const node of [...table.nodes.values()]) if (node !== myself) table.remove(node);
    slots.clear();
    if (myself.isReplica) {
      myself.flags = (myself.flags & ~NodeFlag.SLAVE) | NodeFlag.MASTER;
      myself.slaveof = null;
    }
    if (hard) {
      this.p.epochs.reset();
      table.rename(myself, table.randomName());
    }
    this.p.outbox.saveConfig();
    this.p.health.update(nowMs);
  }
}
