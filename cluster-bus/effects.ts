/**
 * What the cluster state machine asks the outside world to do (effects) and what it reports
 * having done (events). The machine never performs I/O: an adapter (tcp-transport.ts behind real
 * sockets, or a simulated network in tests) drains these after every input.
 *
 * Every step of failure detection and failover is an event, so a log (server/cluster/cluster-mode.ts
 * prints them with redis-server's texts), a test or a learner can follow a failover step by step.
 */
import type { LinkId } from './cluster-node';
import type { ClusterMessage } from './messages';

/** Why a replica whose master failed does not (yet) start an election (Redis's log reasons). */
export type CantFailoverReason = 'data-age' | 'waiting-delay' | 'expired' | 'waiting-votes';

export type ClusterEvent =
  | { type: 'node-added'; id: string; address: string; via: 'meet' | 'gossip' | 'handshake' }
  | { type: 'handshake-done'; id: string; address: string }
  | { type: 'handshake-timeout'; id: string; address: string }
  | { type: 'node-forgotten'; id: string }
  | { type: 'node-renamed-duplicate'; id: string }
  | { type: 'slots-claimed'; id: string; epoch: bigint; slots: number }
  | { type: 'epoch-bumped'; epoch: bigint; reason: 'collision' | 'bumpepoch' | 'set-config-epoch' | 'failover' | 'takeover' }
  | { type: 'state-changed'; state: 'ok' | 'fail' }
  | { type: 'role-changed'; role: 'master' | 'replica'; master: string | null }
  | { type: 'message-dropped'; reason: string }
  // Failure detection (failure-detection.ts)
  /** No answer to a ping for longer than node-timeout: this node suspects it (PFAIL, "fail?"). */
  | { type: 'node-pfail'; id: string }
  /** A master's gossip says `id` is failing: a new failure report from `from`. */
  | { type: 'failure-report'; id: string; from: string }
  /** That master's gossip now says `id` is fine: its report is gone. */
  | { type: 'failure-report-withdrawn'; id: string; from: string }
  /**
   * FAIL: by a quorum of masters' reports here, or told by another node's FAIL message. Via the
   * quorum, `agreeing` is the masters that hold it failing (the valid reports, plus me if I am a
   * master) and `quorum` what was needed (cluster_size / 2 + 1); both null via a message.
   */
  | { type: 'node-failed'; id: string; via: 'quorum' | 'message'; from: string | null; agreeing: number | null; quorum: number | null }
  | { type: 'fail-cleared'; id: string; reason: 'replica' | 'master-without-slots' | 'slots-unserved' }
  // Elections (election.ts)
  | { type: 'election-scheduled'; delayMs: number; rank: number; offset: bigint }
  | { type: 'election-rank-updated'; rank: number; addedMs: number }
  /**
   * FAILOVER_AUTH_REQUEST went out for `epoch`: `asked` is the slot-serving masters it reached
   * (only they vote), `voters` all slot-serving masters (cluster_size, the failed one included),
   * `quorum` the votes that win.
   */
  | { type: 'election-started'; epoch: bigint; asked: number; voters: number; quorum: number }
  | { type: 'election-won'; epoch: bigint }
  | { type: 'cant-failover'; reason: CantFailoverReason }
  | { type: 'vote-granted'; to: string; epoch: bigint }
  | { type: 'vote-denied'; to: string; reason: string }
  // Manual failover (manual-failover.ts)
  | { type: 'manual-failover-accepted'; mode: 'default' | 'force' | 'takeover' }
  | { type: 'manual-failover-requested'; replica: string }
  | { type: 'manual-failover-offset'; offset: bigint }
  | { type: 'manual-failover-can-start' }
  | { type: 'manual-failover-timeout' }
  // Replica migration (replica-migration.ts)
  | { type: 'replica-migrated'; to: string }
  /** DEBUG DROP-CLUSTER-PACKET-FILTER dropped an incoming message of its type. */
  | { type: 'packet-dropped-by-filter'; messageType: number };

export type ClusterEffect =
  /** Open an outbound link to a node's bus port; report back with outboundConnected / linkClosed. */
  | { kind: 'connect'; link: LinkId; ip: string; port: number }
  | { kind: 'send'; link: LinkId; message: ClusterMessage }
  | { kind: 'close'; link: LinkId }
  /**
   * Persist nodes.conf (the text comes from configText(state), cluster-views.ts); `durable`:
   * fsync it before going on, as Redis does where losing the change in a crash could break the
   * cluster (epochs, votes, failovers, slot claims), not for slot changes made by hand.
   */
  | { kind: 'save-config'; durable: boolean }
  /** Keys in a slot this node no longer serves must go. */
  | { kind: 'delete-slot-keys'; slot: number }
  /** A PUBLISH (or PUBLISHSHARD) arrived over the bus: deliver it to local subscribers. */
  | { kind: 'publish'; channel: string; message: string; shard: boolean }
  /**
   * Manual failover, master side: hold clients' writes until `untilMs` (0: resume now), so the
   * replica can catch up with a replication offset that no longer moves.
   */
  | { kind: 'pause-writes'; untilMs: number }
  | { kind: 'event'; event: ClusterEvent };
