/**
 * Who owns a slot now, as the harness judges it from outside: every running node has its own
 * view of the slot table, and right after a failover or a slot move they disagree (only the
 * winner of an election may know it won; a node cut off still names the old owner). Redis
 * Cluster settles competing claims by configEpoch, the newer epoch wins, so the harness reads
 * every running node's claim for the slot and takes the one whose owner has the highest
 * configEpoch (as that viewer knows it).
 *
 * One rule, used by cluster.nodeForKey, the lost-write oracle, the control port's TOPOLOGY
 * and the live view's slot map.
 */
import { SLOT_COUNT } from '../../storage/key-slot';
import type { RedisNode } from '../node';

/** A node as the harness holds it: whether it runs, and the running node. */
export interface SlotViewer {
  readonly up: boolean;
  readonly redisNode: RedisNode;
}

/** The cluster id that owns `slot` by the newest claim among the running viewers, or null. */
export function slotOwner(viewers: Iterable<SlotViewer>, slot: number): string | null {
  let owner: string | null = null;
  let newest = -1n;
  for (const viewer of viewers) {
    const state = viewer.up ? viewer.redisNode.cluster?.state : undefined;
    const claimed = state?.slots.owner(slot) ?? null;
    if (state === undefined || claimed === null) continue;
    const epoch = state.nodes.get(claimed)?.configEpoch ?? -1n;
    if (epoch > newest) {
      newest = epoch;
      owner = claimed;
    }
  }
  return owner;
}

/** slotOwner for all 16384 slots at once (one pass per viewer rather than per slot). */
export function allSlotOwners(viewers: Iterable<SlotViewer>): Array<string | null> {
  const owners = new Array<string | null>(SLOT_COUNT).fill(null);
  const newest = new Array<bigint>(SLOT_COUNT).fill(-1n);
  for (const viewer of viewers) {
    const state = viewer.up ? viewer.redisNode.cluster?.state : undefined;
    if (state === undefined) continue;
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const claimed = state.slots.owner(slot);
      if (claimed === null) continue;
      const epoch = state.nodes.get(claimed)?.configEpoch ?? -1n;
      if (epoch > (newest[slot] as bigint)) {
        newest[slot] = epoch;
        owners[slot] = claimed;
      }
    }
  }
  return owners;
}
