/**
 * Slot claims and roles: how every node comes to agree on who serves each slot, and who
 * replicates whom (Redis Cluster spec, "Hash slots configuration propagation"; redis-wire.md
 * §1.7, §1.11; cluster.c clusterUpdateSlotsConfigWith and the role part of clusterProcessPacket).
 *
 * Every header is a claim: a master's slot bitmap with its configEpoch. A receiver takes a
 * claimed slot over when it is unassigned here or owned with a smaller configEpoch; a larger or
 * equal epoch keeps the current owner. So the latest configuration wins everywhere, whatever
 * order messages arrive in, and a node coming back with an old view cannot take anything back:
 *
 *   A (epoch 3) owns 100.   B bumps to epoch 7 and claims 100 (SETSLOT NODE, failover, ...)
 *   C hears B: 7 > 3, slot 100 is B's.   C hears A still claiming 100 with 3 < 7:
 *   C sends A an UPDATE (B, epoch 7, B's slots) ──▶ A applies B's claim, loses 100
 *
 * The UPDATE is the fast path for a stale node: it need not wait to hear B itself.
 *
 * Losing slots has consequences, applied after a claim as Redis does, at most one of:
 *   - my master (or I) lost every slot to the sender: follow the sender as a replica (that is
 *     how a failed master rejoins as the replica of its promoted replica);
 *   - my master became a replica and nobody's claim moved me along: follow my grandmaster;
 *   - otherwise drop the keys of the slots I lost (delete-slot-keys effects).
 * A slot marked IMPORTING here is never taken over by a claim: a resharding in progress
 * decides it with SETSLOT NODE.
 *
 * Roles travel in the same header: `slaveof` null means the sender is a master, else the id of
 * its master. A master that turns replica loses its slots in my table at once.
 */
import type { ClusterNode } from './cluster-node';
import type { Link } from './links';
import { type MessageHeader, MessageType, NodeFlag, type UpdateMessage } from './messages';
import type { MachineParts } from './parts';

export type SlotClaimParts = Pick<MachineParts, 'settings' | 'host' | 'table' | 'slots' | 'health' | 'messenger' | 'outbox'> & {
  /** A role change abandons a manual failover in progress. */
  resetManualFailover(): void;
};

export class SlotClaims {
  constructor(private readonly p: SlotClaimParts) {}

  /** The role the sender states in its header (`slaveof`). */
  roleFromHeader(sender: ClusterNode, hdr: MessageHeader): void {
    const { table, slots, outbox } = this.p;
    if (hdr.slaveof === null) {
      if (sender.isReplica) {
        table.setMaster(sender);
        outbox.saveConfig();
      }
      return;
    }
    if (sender.isMaster) {
      slots.unassignAll(sender.name);
      sender.flags = (sender.flags & ~(NodeFlag.MASTER | NodeFlag.MIGRATE_TO)) | NodeFlag.SLAVE;
      outbox.saveConfig();
    }
    const master = table.get(hdr.slaveof);
    if (master !== undefined && sender.slaveof !== hdr.slaveof) {
      sender.slaveof = hdr.slaveof;
      // A master that has had a replica is worth a migrated one when it loses them.
      master.flags |= NodeFlag.MIGRATE_TO;
      outbox.saveConfig();
    }
  }

  /** Slots: a master's claim is applied; a stale claim gets an UPDATE about the real owner. */
  claimFromHeader(link: Link, sender: ClusterNode, hdr: MessageHeader, nowMs: number): void {
    const senderMaster = sender.isMaster ? sender : sender.slaveof === null ? null : (this.p.table.get(sender.slaveof) ?? null);
    if (senderMaster === null) return;
    const dirty = !this.p.slots.sameAs(senderMaster.name, hdr.myslots);
    if (sender.isMaster && dirty) this.applyClaim(sender, hdr.configEpoch, hdr.myslots, nowMs);
    if (dirty) this.answerStaleClaim(link, sender, hdr);
  }

  /** An UPDATE: a node's claim told by a third party, applied when its epoch is news. */
  updateReceived(msg: UpdateMessage, nowMs: number): void {
    const node = this.p.table.get(msg.nodename);
    if (node === undefined || node.configEpoch >= msg.configEpoch) return;
    if (node.isReplica) this.p.table.setMaster(node);
    node.configEpoch = msg.configEpoch;
    this.applyClaim(node, msg.configEpoch, msg.slots, nowMs);
    this.p.outbox.saveConfig(true);
  }

  /** If the sender claims a slot whose owner has a newer configEpoch, tell it (first one only). */
  private answerStaleClaim(link: Link, sender: ClusterNode, hdr: MessageHeader): void {
    const { table, slots, messenger } = this.p;
    slots.scanClaim(hdr.myslots, sender.name, (_slot, ownerName) => {
      if (ownerName === null) return false;
      const owner = table.get(ownerName);
      if (owner === undefined || owner.configEpoch <= hdr.configEpoch) return false;
      messenger.send(link, {
        type: MessageType.UPDATE,
        header: messenger.header(),
        configEpoch: owner.configEpoch,
        nodename: owner.name,
        slots: slots.bitmapOf(owner.name),
      });
      return true;
    });
  }

  /**
   * Applies a master's slot claim (clusterUpdateSlotsConfigWith): each claimed slot it does not
   * already own is taken over when unassigned or owned with an older configEpoch. Then at most
   * one of the consequences in the module comment.
   */
  private applyClaim(sender: ClusterNode, epoch: bigint, claimed: Uint8Array, nowMs: number): void {
    const { table, slots, host, outbox } = this.p;
    if (sender === table.myself) return;
    const myMaster = table.myMaster();
    let lostToSender = 0;
    let taken = 0;
    const lostSlotsWithKeys: number[] = [];
    const claimedCount = slots.scanClaim(claimed, sender.name, (slot, ownerName) => {
      if (ownerName === sender.name || slots.importing.has(slot)) return;
      const owner = ownerName === null ? null : (table.get(ownerName) ?? null);
      if (owner !== null && owner.configEpoch >= epoch) return;
      if (owner === table.myself && host.keysInSlot(slot) > 0) lostSlotsWithKeys.push(slot);
      if (owner !== null && owner === myMaster) lostToSender++;
      slots.assign(slot, sender.name);
      taken++;
    });
    if (taken > 0) {
      outbox.emit({ type: 'slots-claimed', id: sender.name, epoch, slots: taken });
      outbox.saveConfig(true);
      // As Redis does before its next sleep: a failed-over slot range is served again at once,
      // not at the next cron tick.
      this.p.health.update(nowMs);
    }
    const grandmaster = table.myGrandmaster();
    if (
      myMaster !== null &&
      lostToSender > 0 &&
      slots.count(myMaster.name) === 0 &&
      // Without replica migration a master follows only a node that took exactly its slots: a
      // promoted replica, not a master that also serves others.
      (this.p.settings.allowReplicaMigration || claimedCount === lostToSender)
    ) {
      this.becomeReplicaOf(sender);
    } else if (grandmaster !== null) {
      // My master turned replica when its last slot went away and nobody's claim moved me along.
      this.becomeReplicaOf(grandmaster);
    } else {
      for (const slot of lostSlotsWithKeys) outbox.push({ kind: 'delete-slot-keys', slot });
    }
  }

  /** I replicate `master` from now on (CLUSTER REPLICATE, a lost claim, replica migration). */
  becomeReplicaOf(master: ClusterNode): void {
    const { table, slots, outbox } = this.p;
    const myself = table.myself;
    if (myself.isMaster) {
      slots.unassignAll(myself.name);
      slots.importing.clear();
      slots.migrating.clear();
      myself.flags = (myself.flags & ~(NodeFlag.MASTER | NodeFlag.MIGRATE_TO)) | NodeFlag.SLAVE;
    }
    myself.slaveof = master.name;
    master.flags |= NodeFlag.MIGRATE_TO;
    this.p.resetManualFailover();
    outbox.emit({ type: 'role-changed', role: 'replica', master: master.name });
    outbox.saveConfig();
  }
}
