/**
 * The node table and the blacklist: every node this one knows, keyed by its 40-hex id, with
 * `myself` among them (Redis's server.cluster->nodes and the "CLUSTER nodes blacklist").
 *
 * A node enters the table three ways: CLUSTER MEET (a handshake node under a random id), a MEET
 * received from an unknown node (likewise), or gossip from a known node naming one we lack
 * (under its real id at once). A handshake node is renamed to the id its PONG reveals. A node
 * leaves by CLUSTER FORGET, by a handshake that timed out, or by turning out to be a duplicate.
 *
 * Leaving must be total, or it comes back: its slots, its MIGRATING/IMPORTING marks, the
 * failure reports it made, the replicas pointing at it and both of its links all go with it.
 *
 * The blacklist answers one race. CLUSTER FORGET is sent to every node by hand, one after the
 * other; in between, a node that still knows the forgotten one gossips it back to one that
 * already forgot it. So a forgotten id is refused from gossip for 60 seconds, long enough for
 * an operator (or redis-cli --cluster del-node) to reach every node:
 *
 *   t0  FORGET X on A: X removed, banned until t0+60 s
 *   t1  B (not yet told) gossips X to A: ignored, X is banned
 *   t2  FORGET X on B
 *   t0+60 s  ban expires; nobody gossips X any more
 */
import { ClusterNode } from './cluster-node';
import type { LinkTable } from './links';
import { NodeFlag } from './messages';
import type { RandomSource } from './settings';
import type { SlotTable } from './slot-table';

/** A node refused by CLUSTER FORGET is not re-added from gossip for this long. */
export const BLACKLIST_TTL_MS = 60_000;

export class NodeTable {
  readonly nodes = new Map<string, ClusterNode>();
  readonly myself: ClusterNode;
  private readonly blacklist = new Map<string, number>();

  constructor(
    private readonly slots: SlotTable,
    private readonly links: LinkTable,
    private readonly random: RandomSource,
    nowMs: number,
    myId?: string,
  ) {
    this.myself = new ClusterNode(myId ?? this.randomName(), NodeFlag.MYSELF | NodeFlag.MASTER, nowMs);
    this.nodes.set(this.myself.name, this.myself);
  }

  /** A fresh node id: 40 random hex digits. */
  randomName(): string {
    let name = '';
    for (let i = 0; i < 40; i++) name += Math.floor(this.random.next() * 16).toString(16);
    return name;
  }

  get(name: string): ClusterNode | undefined {
    return this.nodes.get(name);
  }

  add(node: ClusterNode): void {
    this.nodes.set(node.name, node);
  }

  /** A node takes another id (a handshake node learning the real one, RESET HARD, nodes.conf). */
  rename(node: ClusterNode, name: string): void {
    this.nodes.delete(node.name);
    this.slots.rename(node.name, name);
    node.name = name;
    this.nodes.set(name, node);
  }

  /** Removes a node and everything that refers to it (never myself). */
  remove(node: ClusterNode): void {
    if (node === this.myself) return;
    for (const other of this.nodes.values()) other.failReports.delete(node.name);
    this.slots.unassignAll(node.name);
    for (const [slot, id] of this.slots.importing) if (id === node.name) this.slots.importing.delete(slot);
    for (const [slot, id] of this.slots.migrating) if (id === node.name) this.slots.migrating.delete(slot);
    for (const other of this.nodes.values()) if (other.slaveof === node.name) other.slaveof = null;
    this.links.closeNode(node);
    this.nodes.delete(node.name);
  }

  /** CLUSTER FORGET: remove, and refuse it from gossip for a while. */
  ban(node: ClusterNode, nowMs: number): void {
    this.blacklist.set(node.name, nowMs + BLACKLIST_TTL_MS);
    this.remove(node);
  }

  isBanned(name: string): boolean {
    return this.blacklist.has(name);
  }

  /** From the cron: bans whose time is up. */
  expireBans(nowMs: number): void {
    for (const [name, until] of this.blacklist) if (until <= nowMs) this.blacklist.delete(name);
  }

  /** The master whose slots and epoch I advertise: myself, or my master when I am a replica. */
  myMaster(): ClusterNode | null {
    if (this.myself.isMaster) return this.myself;
    return this.myself.slaveof === null ? null : (this.nodes.get(this.myself.slaveof) ?? null);
  }

  /** My master's master when my master is itself a replica (and not of me). */
  myGrandmaster(): ClusterNode | null {
    if (!this.myself.isReplica || this.myself.slaveof === null) return null;
    const master = this.nodes.get(this.myself.slaveof);
    if (master === undefined || !master.isReplica || master.slaveof === null || master.slaveof === this.myself.name) return null;
    return this.nodes.get(master.slaveof) ?? null;
  }

  /** A node's master, when it is a replica of a known node. */
  masterOf(node: ClusterNode): ClusterNode | null {
    return node.isReplica && node.slaveof !== null ? (this.nodes.get(node.slaveof) ?? null) : null;
  }

  /** A node's configEpoch as CLUSTER NODES prints it: a replica shows its master's. */
  nodeEpoch(node: ClusterNode): bigint {
    if (node.isReplica && node.slaveof !== null) return this.nodes.get(node.slaveof)?.configEpoch ?? 0n;
    return node.configEpoch;
  }

  setMaster(node: ClusterNode): void {
    if (node.isMaster) return;
    // A former replica is a migration target (replica-migration.ts), like a master that had one.
    const migrateTo = node.slaveof !== null && node !== this.myself ? NodeFlag.MIGRATE_TO : 0;
    node.flags = (node.flags & ~NodeFlag.SLAVE) | NodeFlag.MASTER | migrateTo;
    node.slaveof = null;
  }

  /** Connected peers (not myself, not in handshake, with an outbound link). */
  *peers(): IterableIterator<ClusterNode> {
    for (const node of this.nodes.values()) {
      if (node === this.myself || node.inHandshake || node.link === null) continue;
      yield node;
    }
  }
}
