/**
 * Cluster routing: which node serves a keyed command (redis-wire.md §4.2). Every command whose
 * keys the command table can find (dispatch/key-specs.ts) is checked here before it runs; the
 * answer is null (served here) or the redirect error, in Redis's order:
 *
 *   first key's slot unassigned                -CLUSTERDOWN Hash slot not served
 *   keys in several slots                      -CROSSSLOT Keys in request don't hash to the same slot
 *   cluster state fail                         -CLUSTERDOWN The cluster is down
 *   mine, MIGRATING, keys missing              -ASK <slot> <ip>:<port>  (or -TRYAGAIN when only some are)
 *   IMPORTING here and the client sent ASKING  served
 *   replica, READONLY client, read command     served when the slot is my master's
 *   someone else's                             -MOVED <slot> <ip>:<port>
 *
 * A client blocked on keys is routed again when slots move (server/blocking.ts), so a BLPOP on a
 * slot that left gets the MOVED it would get if sent now.
 */
import type { ClusterNode } from '../../cluster-bus/cluster-node';
import type { ClusterState } from '../../cluster-bus/cluster-state';
import { preferredEndpoint } from '../../cluster-bus/cluster-views';
import type { ByteString } from '../../storage/bytes';
import { keyHashSlot } from '../../storage/key-slot';
import type { Config } from '../config/config';
import type { CommandSpec } from '../dispatch/command';
import { findKeys } from '../dispatch/key-specs';
import { routingKeys } from '../dispatch/movable-keys';
import type { Session } from '../dispatch/session';

/** The directives routing reads, and only when the cluster is down (off the common path). */
export type RoutingConfig = Pick<Config, 'bool' | 'value'>;

/** The address a redirect names (cluster-preferred-endpoint-type). */
function address(node: ClusterNode | undefined, config: RoutingConfig): string {
  if (node === undefined) return ':0';
  return `${preferredEndpoint(node, config.value('cluster-preferred-endpoint-type'))}:${node.port}`;
}

/** One command to route: a call, or one of the commands an EXEC is about to run. */
export interface RoutedCommand {
  readonly spec: CommandSpec;
  readonly argv: readonly ByteString[];
  /** A write, when not the command table's word (EVAL and FCALL of a script declaring flags). */
  readonly isWrite?: boolean;
}

/** The error that redirects this call elsewhere (without its leading '-'), or null when this node serves it. */
export function routeCommand(
  state: ClusterState,
  session: Session,
  spec: CommandSpec,
  argv: readonly ByteString[],
  /** The command's instant: a key past its deadline counts as missing for ASK/TRYAGAIN. */
  nowMs: number,
  config: RoutingConfig,
  isWrite = spec.isWrite,
): string | null {
  return routeCommands(state, session, [{ spec, argv, isWrite }], nowMs, config);
}

/**
 * Routes commands as one request: a single call, or at EXEC every queued command together, since
 * Redis checks a transaction's keys again before running it (keys of two slots are CROSSSLOT even
 * when each command was fine alone, and keys moved away since queuing answer ASK or TRYAGAIN).
 * The flags that matter (a write, shard pub/sub, ASKING-friendly) are those of any command.
 *
 * The order is Redis's: the first key's slot decides unassigned ("Hash slot not served", even if
 * a later key is in another slot), then each further key must share it. A key repeated is not
 * "multiple keys" (that only counts distinct ones, for TRYAGAIN while importing).
 */
export function routeCommands(
  state: ClusterState,
  session: Session,
  commands: readonly RoutedCommand[],
  nowMs: number,
  config: RoutingConfig,
): string | null {
  const myself = state.myself;
  let firstKey: ByteString | null = null;
  let slot = -1;
  let ownerName: string | null = null;
  let migratingSlot = false;
  let importingSlot = false;
  let multipleKeys = false;
  let missingKeys = 0;
  let existingKeys = 0;
  let isWrite = false;
  let asking = false;
  let migrate = false;
  // SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH: their "keys" are shard channels, which follow the slot
  // but are not data: a replica serves them without READONLY, a migrating slot keeps serving
  // them here until it moves, and a down cluster may still serve them.
  let shardPubsub = false;
  for (const command of commands) {
    const spec = command.spec;
    if (command.isWrite ?? spec.isWrite) isWrite = true;
    if (spec.flags.has('asking')) asking = true;
    if (spec.flags.has('pubsub')) shardPubsub = true;
    if (spec.fullName === 'migrate') migrate = true;
  }
  for (const { spec, argv } of commands) {
    if (spec.firstKey <= 0 && !spec.flags.has('movablekeys')) continue;
    for (const i of routingKeys(spec.fullName, argv) ?? findKeys(spec.keys, argv)) {
      const key = argv[i] as ByteString;
      if (firstKey === null) {
        firstKey = key;
        slot = keyHashSlot(key);
        ownerName = state.slots.owner(slot);
        if (ownerName === null) return 'CLUSTERDOWN Hash slot not served';
        if (ownerName === myself.name && state.slots.migrating.has(slot)) migratingSlot = true;
        else if (state.slots.importing.has(slot)) importingSlot = true;
      } else if (key !== firstKey) {
        if (keyHashSlot(key) !== slot) return "CROSSSLOT Keys in request don't hash to the same slot";
        multipleKeys = true;
      }
      if ((migratingSlot || importingSlot) && !shardPubsub) {
        if (session.db.peek(key, nowMs) === undefined) missingKeys++;
        else existingKeys++;
      }
    }
  }
  if (firstKey === null || ownerName === null) return null;
  if (state.state !== 'ok') {
    if (shardPubsub) {
      if (!config.bool('cluster-allow-pubsubshard-when-down')) return 'CLUSTERDOWN The cluster is down';
    } else {
      if (!config.bool('cluster-allow-reads-when-down')) return 'CLUSTERDOWN The cluster is down';
      if (isWrite) return 'CLUSTERDOWN The cluster is down and only accepts read commands';
    }
  }
  // MIGRATE runs where it is sent while its slot is open (migrating from here, or importing):
  // keys must be free to move between the two nodes in either direction.
  if (migrate && (migratingSlot || importingSlot)) return null;
  if (migratingSlot && missingKeys > 0) {
    if (existingKeys > 0) return 'TRYAGAIN Multiple keys request during rehashing of slot';
    const node = state.nodes.get(state.slots.migrating.get(slot) ?? '');
    if (node !== undefined) return `ASK ${slot} ${address(node, config)}`;
  }
  if (importingSlot && (session.asking || asking)) {
    if (multipleKeys && missingKeys > 0) return 'TRYAGAIN Multiple keys request during rehashing of slot';
    return null;
  }
  if (ownerName === myself.name) return null;
  if ((session.readonly || shardPubsub) && !isWrite && myself.isReplica && myself.slaveof === ownerName) return null;
  return `MOVED ${slot} ${address(state.nodes.get(ownerName), config)}`;
}

/**
 * A client blocked on keys (BLPOP, XREAD BLOCK...), checked again as the cluster changes: the
 * error that unblocks it, or null to keep it waiting. Not the routing of a new call: a failed
 * cluster unblocks every waiter with "The cluster is down" (even when reads are allowed while
 * down, since the write that would serve it may never come), and a slot being imported keeps its
 * waiters, with or without ASKING. Otherwise a slot served elsewhere answers MOVED and a slot
 * served by nobody "Hash slot not served".
 */
export function blockedRedirect(
  state: ClusterState,
  session: Session,
  spec: CommandSpec,
  argv: readonly ByteString[],
  config: RoutingConfig,
): string | null {
  if (state.state === 'fail') return 'CLUSTERDOWN The cluster is down';
  const [first] = routingKeys(spec.fullName, argv) ?? findKeys(spec.keys, argv);
  if (first === undefined) return null;
  const slot = keyHashSlot(argv[first] as ByteString);
  const ownerName = state.slots.owner(slot);
  const myself = state.myself;
  if (ownerName === myself.name || state.slots.importing.has(slot)) return null;
  if (session.readonly && !spec.isWrite && myself.isReplica && myself.slaveof === ownerName) return null;
  if (ownerName === null) return 'CLUSTERDOWN Hash slot not served';
  return `MOVED ${slot} ${address(state.nodes.get(ownerName), config)}`;
}
