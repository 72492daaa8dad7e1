/**
 * Cluster health: whether this node serves queries (cluster_state ok) or refuses them with
 * CLUSTERDOWN (fail), by Redis's rules (clusterUpdateState):
 *
 *   coverage   with cluster-require-full-coverage, every slot has an owner that is not FAIL
 *   majority   I can reach (not PFAIL/FAIL) a majority of the masters serving slots; in a
 *              minority I must refuse service, since the majority side may be failing me over
 *
 * And two delays, both about a master that may hold a stale view:
 *
 *   writable delay  a master that just started waits 2 s before its first "ok", so it can learn
 *                   from its peers that its slots moved while it was down
 *   rejoin delay    a master back from a minority waits node-timeout (clamped to 0.5-5 s)
 *                   before "ok", for the same reason
 *
 *   start ── 2 s ──▶ first judgement      minority ──▶ fail ── healed, rejoin delay ──▶ ok
 *
 * cluster_size (the masters serving slots) is counted here too: failure detection and elections
 * take their quorum, size/2+1, from the last evaluation.
 */
import type { NodeTable } from './node-table';
import type { Outbox } from './outbox';
import { NodeFlag, SLOT_COUNT } from './messages';
import type { ClusterSettings } from './settings';
import type { SlotTable } from './slot-table';

/** A master starting up waits this long before declaring the cluster ok (CLUSTER_WRITABLE_DELAY). */
const WRITABLE_DELAY_MS = 2000;
/** After being in a minority a master waits node-timeout, clamped to this range, before ok. */
const REJOIN_DELAY_MIN_MS = 500;
const REJOIN_DELAY_MAX_MS = 5000;

export class ClusterHealth {
  state: 'ok' | 'fail' = 'fail';
  /** Masters with at least one slot, as of the last evaluation (CLUSTER INFO's cluster_size). */
  size = 1;
  /** When this master last found itself unable to reach a majority of masters. */
  private amongMinorityMs = 0;

  constructor(
    private readonly settings: ClusterSettings,
    private readonly table: NodeTable,
    private readonly slots: SlotTable,
    private readonly outbox: Outbox,
    private readonly startedMs: number,
  ) {}

  /** Re-evaluates the state; emits state-changed when it flips. */
  update(nowMs: number): void {
    const myself = this.table.myself;
    // A master that just started waits before judging, so it can learn a newer config first
    // (until then even cluster_size keeps its initial value, as in Redis).
    if (myself.isMaster && this.state === 'fail' && nowMs - this.startedMs < (this.settings.writableDelayMs ?? WRITABLE_DELAY_MS)) return;
    let ok = !this.settings.requireFullCoverage || this.fullyCovered();
    let size = 0;
    let reachable = 0;
    for (const node of this.table.nodes.values()) {
      if (!node.isMaster || this.slots.count(node.name) === 0) continue;
      size++;
      if (!node.failing) reachable++;
    }
    this.size = size;
    if (reachable < Math.floor(size / 2) + 1) {
      ok = false;
      // Without the start-up wait (hashslot/testing sets it to 0), a master that knows no slot
      // owner yet is not back from a minority: in Redis the wait hides that first judgement.
      if (size > 0 || this.settings.writableDelayMs !== 0) this.amongMinorityMs = nowMs;
    }
    const next = ok ? 'ok' : 'fail';
    if (next === this.state) return;
    // Back from a minority: give the majority time to tell me that my slots moved meanwhile.
    const rejoinDelayMs = Math.min(Math.max(this.settings.nodeTimeoutMs, REJOIN_DELAY_MIN_MS), REJOIN_DELAY_MAX_MS);
    if (next === 'ok' && myself.isMaster && nowMs - this.amongMinorityMs < rejoinDelayMs) return;
    this.state = next;
    this.outbox.emit({ type: 'state-changed', state: next });
  }

  /**
   * Every slot has an owner, and no owner is FAIL. Counted per owner rather than per slot (an
   * owner id the table does not know counts as serving, as a slot-by-slot lookup would find).
   */
  private fullyCovered(): boolean {
    if (this.slots.assigned < SLOT_COUNT) return false;
    for (const node of this.table.nodes.values()) {
      if (node.has(NodeFlag.FAIL) && this.slots.count(node.name) > 0) return false;
    }
    return true;
  }
}
