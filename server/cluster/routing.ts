/**
 * Cluster routing: which node serves a keyed command (redis-wire.md §4.2). Every command whose
 * keys the command table can find (dispatch/key-specs.ts) is checked here before it runs; the
 * answer is null (served here) or the redirect error, in Redis's order:
 *
 *   keys in several slots                      -CROSSSLOT Keys in request don't hash to the same slot
 *   slot unassigned                            -CLUSTERDOWN Hash slot not served
 *   cluster state fail                         -CLUSTERDOWN The cluster is down
 *   mine, MIGRATING, keys missing              -ASK <slot> <ip>:<port>  (or -TRYAGAIN when only some are)
 *   IMPORTING here and the client sent ASKING  served
 *   replica, READONLY client, read command     served when the slot is my master's
 *   someone else's                             -MOVED <slot> <ip>:<port>
 *
 * A client blocked on keys is routed again when slots move (server/blocking.ts), so a BLPOP on a
 * slot that left gets the MOVED it would get if sent now.
 */
import type { ClusterState } from '../../cluster-bus/cluster-state';
import type { ByteString } from '../../storage/bytes';
import { keyHashSlot } from '../../storage/key-slot';
import type { Config } from '../config/config';
import type { CommandSpec } from '../dispatch/command';
import { findKeys } from '../dispatch/key-specs';
import type { Session } from '../dispatch/session';

/** The directives routing reads, and only when the cluster is down (off the common path). */
export type RoutingConfig = Pick<Config, 'bool'>;

/** The error that redirects this call elsewhere (without its leading '-'), or null when this node serves it. */
export function routeCommand(
  state: ClusterState,
  session: Session,
  spec: CommandSpec,
  argv: readonly ByteString[],
  /** The command's instant: a key past its deadline counts as missing for ASK/TRYAGAIN. */
  nowMs: number,
  config: RoutingConfig,
): string | null {
  const indexes = findKeys(spec.keys, argv);
  if (indexes.length === 0) return null;
  let slot = -1;
  for (const i of indexes) {
    const s = keyHashSlot(argv[i] as ByteString);
    if (slot >= 0 && s !== slot) return "CROSSSLOT Keys in request don't hash to the same slot";
    slot = s;
  }
  // SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH: their "keys" are shard channels, which follow the slot
  // but are not data: a replica serves them without READONLY, a migrating slot keeps serving
  // them here until it moves, and a down cluster may still serve them.
  const shardPubsub = spec.flags.has('pubsub');
  const ownerName = state.slots.owner(slot);
  if (ownerName === null) return 'CLUSTERDOWN Hash slot not served';
  if (state.state !== 'ok') {
    if (shardPubsub) {
      if (!config.bool('cluster-allow-pubsubshard-when-down')) return 'CLUSTERDOWN The cluster is down';
    } else {
      if (!config.bool('cluster-allow-reads-when-down')) return 'CLUSTERDOWN The cluster is down';
      if (spec.isWrite) return 'CLUSTERDOWN The cluster is down and only accepts read commands';
    }
  }
  const myself = state.myself;
  // MIGRATE runs where it is sent while its slot is open (migrating from here, or importing):
  // keys must be free to move between the two nodes in either direction.
  if (spec.fullName === 'migrate' && ((ownerName === myself.name && state.slots.migrating.has(slot)) || state.slots.importing.has(slot))) {
    return null;
  }
  const countMissing = (): number =>
    indexes.filter((i) => session.db.peek(argv[i] as ByteString, nowMs) === undefined).length;
  if (ownerName === myself.name) {
    const target = state.slots.migrating.get(slot);
    const missing = target === undefined || shardPubsub ? 0 : countMissing();
    if (target !== undefined && missing > 0) {
      if (missing < indexes.length) return 'TRYAGAIN Multiple keys request during rehashing of slot';
      const node = state.nodes.get(target);
      if (node !== undefined) return `ASK ${slot} ${node.ip}:${node.port}`;
    }
    return null;
  }
  if (state.slots.importing.has(slot) && (session.asking || spec.flags.has('asking'))) {
    if (indexes.length > 1 && !shardPubsub && countMissing() > 0) return 'TRYAGAIN Multiple keys request during rehashing of slot';
    return null;
  }
  if ((session.readonly || shardPubsub) && !spec.isWrite && myself.isReplica && myself.slaveof === ownerName) return null;
  const owner = state.nodes.get(ownerName);
  return `MOVED ${slot} ${owner?.ip ?? ''}:${owner?.port ?? 0}`;
}
