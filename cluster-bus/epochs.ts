/**
 * Epochs: the cluster's logical clock and each master's claim version (Redis Cluster spec,
 * "Cluster current epoch" and "Configuration epoch"; redis-wire.md §1.11).
 *
 *   currentEpoch  one per node, the largest epoch it has seen anywhere; raised by every header
 *                 that carries a larger one, and by a replica starting an election
 *   configEpoch   one per master, the version of its slot claim; a claim on a slot wins over
 *                 the current owner's only with a larger configEpoch (slot-claims.ts)
 *   lastVoteEpoch the currentEpoch in which this master last voted (one vote per epoch)
 *
 * Ways to a new configEpoch, and why each is safe:
 *   election won       the epoch a majority voted for: unique by construction (election.ts)
 *   collision          two masters found with the same configEpoch: the one with the smaller id
 *                      takes currentEpoch+1, so ties cannot last (they arise from SET-CONFIG-EPOCH
 *                      by hand or from two takeovers at once)
 *   without consensus  BUMPEPOCH, TAKEOVER, a resharding closing a slot on its new owner: take
 *                      currentEpoch+1 unless mine is already the unique maximum; a collision,
 *                      if any, is then resolved by the rule above
 *   SET-CONFIG-EPOCH   by hand, only on a node that knows no other (redis-cli --cluster create)
 */
import type { ClusterNode } from './cluster-node';
import type { NodeTable } from './node-table';
import type { Outbox } from './outbox';

export class Epochs {
  currentEpoch = 0n;
  lastVoteEpoch = 0n;

  constructor(
    private readonly table: NodeTable,
    private readonly outbox: Outbox,
  ) {}

  /** A header from a known node: its currentEpoch may be news. */
  observe(currentEpoch: bigint): void {
    if (currentEpoch > this.currentEpoch) this.currentEpoch = currentEpoch;
  }

  /** configEpoch collision: of two masters with equal epochs, the smaller id takes a new one. */
  handleCollision(sender: ClusterNode): void {
    const myself = this.table.myself;
    if (sender.name <= myself.name) return;
    this.currentEpoch++;
    myself.configEpoch = this.currentEpoch;
    this.outbox.emit({ type: 'epoch-bumped', epoch: this.currentEpoch, reason: 'collision' });
    this.outbox.saveConfig(true);
  }

  /** A new configEpoch without an election, unless mine is already the maximum (BUMPEPOCH, TAKEOVER). */
  bumpWithoutConsensus(reason: 'bumpepoch' | 'takeover'): boolean {
    const myself = this.table.myself;
    let maxEpoch = 0n;
    for (const node of this.table.nodes.values()) if (node.configEpoch > maxEpoch) maxEpoch = node.configEpoch;
    if (this.currentEpoch > maxEpoch) maxEpoch = this.currentEpoch;
    if (myself.configEpoch !== 0n && myself.configEpoch === maxEpoch) return false;
    this.currentEpoch++;
    myself.configEpoch = this.currentEpoch;
    this.outbox.emit({ type: 'epoch-bumped', epoch: this.currentEpoch, reason });
    this.outbox.saveConfig(true);
    return true;
  }

  /** CLUSTER SET-CONFIG-EPOCH (validated by the admin input). */
  setConfigEpoch(epoch: bigint): void {
    this.table.myself.configEpoch = epoch;
    if (this.currentEpoch < epoch) this.currentEpoch = epoch;
    this.outbox.emit({ type: 'epoch-bumped', epoch, reason: 'set-config-epoch' });
    this.outbox.saveConfig(true);
  }

  /** An election starts: a new epoch of my own to ask votes in. */
  startElection(): bigint {
    this.currentEpoch++;
    return this.currentEpoch;
  }

  /** I vote in the current epoch (once). */
  recordVote(): void {
    this.lastVoteEpoch = this.currentEpoch;
  }

  /** CLUSTER RESET HARD. */
  reset(): void {
    this.currentEpoch = 0n;
    this.lastVoteEpoch = 0n;
    this.table.myself.configEpoch = 0n;
  }
}
