/**
 * What the live view's timeline says when a learner clicks an event type: one or two sentences
 * on what just happened and why the cluster does it, and the source file that produces the
 * event (served by the view at /source/<file>, so the explanation leads straight to the code).
 *
 * The map is typed by the event union itself (TestEventType, plus the page's own
 * 'client-redirects' row), so adding an event type to cluster-bus/effects.ts or
 * server/testing/events.ts without explaining it here is a compile error, not a row that
 * silently falls back to generic text. test/unit/view-explanations.test.ts checks the other
 * half: each named file exists and really contains the type's string.
 *
 * The page gets the map inside its HTML (view-page.ts): it is compiled separately, with the DOM's
 * types and none of the server's, so it cannot import this module.
 */
import type { TestEventType } from '../events';

/** Every row type the timeline can show. */
export type TimelineRowType = TestEventType | 'client-redirects';

export interface Explanation {
  /** What happened and why, for someone learning Redis Cluster. */
  text: string;
  /** The file (from the checkout's root) that produces the event. */
  source: string;
}

export const EXPLANATIONS: Readonly<Record<TimelineRowType, Explanation>> = {
  // ─── failure detection ───────────────────────────────────────────────────────────────────
  'node-pfail': { text: 'No PONG within node-timeout: this node now suspects that one (PFAIL, shown as "fail?"). One node\'s suspicion alone changes nothing: it may be the one cut off.', source: 'cluster-bus/failure-detection.ts' },
  'failure-report': { text: 'A master\'s gossip says it suspects the node too. Reports are valid for 2 × node-timeout and count toward the FAIL quorum.', source: 'cluster-bus/failure-detection.ts' },
  'failure-report-withdrawn': { text: 'That master\'s gossip no longer flags the node, so its report is dropped.', source: 'cluster-bus/failure-detection.ts' },
  'node-failed': { text: 'A majority of slot-owning masters suspect it: FAIL, broadcast to every node, which takes the sender\'s word ("via=message").', source: 'cluster-bus/failure-detection.ts' },
  'fail-cleared': { text: 'The FAIL flag is removed: the node answers again (a replica, or a master whose slots nobody took).', source: 'cluster-bus/failure-detection.ts' },
  // ─── elections ───────────────────────────────────────────────────────────────────────────
  'election-scheduled': { text: 'A replica of the failed master waits 500 ms + random 0-500 ms + 1 s per rank (replicas with more data rank first) before asking for votes, so the FAIL reaches every master and the best replica usually goes first.', source: 'cluster-bus/election.ts' },
  'election-rank-updated': { text: 'A replica learned that a sibling has newer data than it: its rank rose, so it waits longer.', source: 'cluster-bus/election.ts' },
  'election-started': { text: 'The replica takes a new epoch and sends FAILOVER_AUTH_REQUEST to every node; only masters serving slots may vote, and it needs a majority of them.', source: 'cluster-bus/election.ts' },
  'vote-granted': { text: 'A master votes for the replica: at most once per epoch, and not twice within 2 × node-timeout for replicas of the same master.', source: 'cluster-bus/election.ts' },
  'vote-denied': { text: 'A master refuses its vote, and says why.', source: 'cluster-bus/election.ts' },
  'election-won': { text: 'A majority of masters voted: the replica takes the election\'s epoch as its configEpoch, promotes itself and claims the slots.', source: 'cluster-bus/election.ts' },
  'cant-failover': { text: 'Why the replica does not start an election yet (Redis logs the same reasons): its data is too old, its delay still runs, or its attempt expired.', source: 'cluster-bus/election.ts' },
  failover: { text: 'The shard has a new primary: the harness\'s summary of an election won (or a takeover).', source: 'server/testing/events.ts' },
  // ─── manual failover ─────────────────────────────────────────────────────────────────────
  'manual-failover-accepted': { text: 'CLUSTER FAILOVER on a replica: it asks its master to stop writes (FORCE and TAKEOVER skip steps).', source: 'cluster-bus/manual-failover.ts' },
  'manual-failover-requested': { text: 'The master paused its clients and sends its offset to the replica.', source: 'cluster-bus/manual-failover.ts' },
  'manual-failover-offset': { text: 'The replica learns the offset it must reach before it may take over.', source: 'cluster-bus/manual-failover.ts' },
  'manual-failover-can-start': { text: 'The replica has the master\'s last write: the election starts at once, without the usual delay.', source: 'cluster-bus/manual-failover.ts' },
  'manual-failover-timeout': { text: 'The manual failover did not finish within 5 s (CLUSTER_MF_TIMEOUT): it is abandoned, and a master that paused its clients lets them write again.', source: 'cluster-bus/manual-failover.ts' },
  // ─── configuration ───────────────────────────────────────────────────────────────────────
  'epoch-bumped': { text: 'A node took a new configEpoch (an election, a takeover, a collision, or by hand): the newest epoch wins any competing claim for a slot.', source: 'cluster-bus/epochs.ts' },
  'config-epoch-collision': { text: 'Two masters had the same configEpoch: the one with the smaller id takes a new one, so no two claims can tie.', source: 'server/testing/events.ts' },
  'slots-claimed': { text: 'A node announced these slots with a configEpoch newer than their owner\'s here, so this node now routes them to it.', source: 'cluster-bus/slot-claims.ts' },
  'role-changed': { text: 'The node became a master, or a replica (of the node that took its slots, say).', source: 'cluster-bus/slot-claims.ts' },
  'state-changed': { text: 'cluster_state went ok or fail on this node: fail when a slot has no reachable owner, or when it sits in a minority of masters.', source: 'cluster-bus/cluster-health.ts' },
  'replica-migrated': { text: 'A master was left without working replicas: a replica of the master with the most moved to it (cluster-migration-barrier).', source: 'cluster-bus/replica-migration.ts' },
  // ─── membership and the bus ──────────────────────────────────────────────────────────────
  'node-added': { text: 'A new node entered the node table (MEET, gossip or handshake).', source: 'cluster-bus/handshake.ts' },
  'handshake-done': { text: 'The handshake with a new node finished: its real id is known.', source: 'cluster-bus/handshake.ts' },
  'handshake-timeout': { text: 'A node met by MEET or gossip never answered with its real id within node-timeout (at least 1 s): the half-known entry is dropped, as Redis drops it, so a wrong address does not linger.', source: 'cluster-bus/handshake.ts' },
  'node-forgotten': { text: 'CLUSTER FORGET: the node is removed from this table and banned for 60 s, or the other nodes\' gossip would add it straight back.', source: 'cluster-bus/admin.ts' },
  'node-renamed-duplicate': { text: 'A handshake reached a node already known under another address: the known entry keeps its id and takes the new address, and the duplicate is dropped.', source: 'cluster-bus/handshake.ts' },
  'message-dropped': { text: 'A bus message could not be decoded (a bad signature, a length out of range, an unknown type): it is ignored, and the link goes on.', source: 'cluster-bus/tcp-transport.ts' },
  'packet-dropped-by-filter': { text: 'DEBUG DROP-CLUSTER-PACKET-FILTER: a message of that type arrived, was counted as received, and ignored (the hook Redis\'s own tests use).', source: 'cluster-bus/cluster-state.ts' },
  // ─── the harness ─────────────────────────────────────────────────────────────────────────
  'node-killed': { text: 'The harness killed the node (like kill -9): its connections reset, its data and nodes.conf kept for a restart.', source: 'server/testing/test-cluster.ts' },
  'node-restarted': { text: 'The harness started the node again, with its data and nodes.conf kept (or empty).', source: 'server/testing/test-cluster.ts' },
  'node-paused': { text: 'The node is frozen (like SIGSTOP): its sockets unread, its timers stopped. Its peers cannot tell that from a dead node.', source: 'server/testing/test-cluster.ts' },
  'node-resumed': { text: 'The frozen node runs again and catches up on what it missed.', source: 'server/testing/test-cluster.ts' },
  'clients-reset': { text: 'The harness reset every client connection to the node (the clients see ECONNRESET), as a flaky network or a proxy would.', source: 'server/testing/test-cluster.ts' },
  'fault-added': { text: 'A network fault is in force: a partition, dropped or delayed bus messages.', source: 'server/testing/test-cluster.ts' },
  'fault-healed': { text: 'The fault is gone; the links carry messages again. Connections on which it dropped messages are reset (a TCP connection cannot lose bytes and stay open), and the nodes connect again.', source: 'server/testing/test-cluster.ts' },
  'migration-step': { text: 'A step of moving a slot, as redis-cli --cluster reshard takes it: IMPORTING on the target, MIGRATING on the source, the keys, then the new owner.', source: 'server/testing/migrate-slot.ts' },
  'slot-moved': { text: 'A slot and its keys now belong to another primary.', source: 'server/testing/migrate-slot.ts' },
  // ─── the page's own row ──────────────────────────────────────────────────────────────────
  'client-redirects': { text: 'Clients sent to the wrong node got -MOVED (the slot lives elsewhere) or -ASK (it is moving), per second: the slot map those clients hold is behind.', source: 'server/testing/view/traffic-rates.ts' },
};
