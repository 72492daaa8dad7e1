/**
 * What the failover scenarios share: event sequences of one node, as short readable strings
 * ("node-failed 0 quorum", "election-won 7"), with node ids replaced by the nodes' indexes, so
 * a scenario asserts the exact steps a learner would read in the log.
 */
import type { ClusterEvent } from '../../cluster-bus/effects';
import type { SimNetwork } from './sim-network';

/** The failover-related event types (membership and slot chatter left out). */
export const FAILOVER_EVENTS = new Set<string>([
  'node-pfail',
  'node-failed',
  'fail-cleared',
  'election-scheduled',
  'election-rank-updated',
  'election-started',
  'election-won',
  'vote-granted',
  'vote-denied',
  'role-changed',
  'epoch-bumped',
  'manual-failover-accepted',
  'manual-failover-requested',
  'manual-failover-offset',
  'manual-failover-can-start',
  'manual-failover-timeout',
  'replica-migrated',
  'state-changed',
]);

/** Index of the node with this id in the simulation (crashed nodes included), or '?'. */
function indexOf(sim: SimNetwork, ids: readonly string[], id: string | null): string {
  if (id === null) return '-';
  const i = ids.indexOf(id);
  return i < 0 ? '?' : String(i);
}

export function describe(sim: SimNetwork, ids: readonly string[], event: ClusterEvent): string {
  switch (event.type) {
    case 'node-pfail':
      return `node-pfail ${indexOf(sim, ids, event.id)}`;
    case 'node-failed':
      return `node-failed ${indexOf(sim, ids, event.id)} ${event.via}`;
    case 'fail-cleared':
      return `fail-cleared ${indexOf(sim, ids, event.id)} ${event.reason}`;
    case 'election-scheduled':
      return `election-scheduled rank ${event.rank}`;
    case 'election-rank-updated':
      return `election-rank-updated rank ${event.rank}`;
    case 'election-started':
    case 'election-won':
      return `${event.type} ${event.epoch}`;
    case 'vote-granted':
      return `vote-granted ${indexOf(sim, ids, event.to)} ${event.epoch}`;
    case 'vote-denied':
      return `vote-denied ${indexOf(sim, ids, event.to)}`;
    case 'role-changed':
      return `role-changed ${event.role}${event.master === null ? '' : ' of ' + indexOf(sim, ids, event.master)}`;
    case 'epoch-bumped':
      return `epoch-bumped ${event.epoch} ${event.reason}`;
    case 'manual-failover-accepted':
      return `manual-failover-accepted ${event.mode}`;
    case 'manual-failover-requested':
      return `manual-failover-requested ${indexOf(sim, ids, event.replica)}`;
    case 'manual-failover-offset':
      return `manual-failover-offset ${event.offset}`;
    case 'replica-migrated':
      return `replica-migrated ${indexOf(sim, ids, event.to)}`;
    case 'state-changed':
      return `state-changed ${event.state}`;
    default:
      return event.type;
  }
}

/** A node's failover events since a time, described; `only` narrows to some types. */
export function steps(sim: SimNetwork, ids: readonly string[], node: number, sinceMs: number, only?: readonly string[]): string[] {
  return sim
    .node(node)
    .events.filter((e) => e.atMs >= sinceMs && FAILOVER_EVENTS.has(e.event.type) && (only === undefined || only.includes(e.event.type)))
    .map((e) => describe(sim, ids, e.event));
}

/** Every up node (of `indexes`) is in state ok. */
export function allOk(sim: SimNetwork, indexes: readonly number[]): boolean {
  return indexes.every((i) => sim.node(i).up && sim.node(i).machine.state === 'ok');
}
