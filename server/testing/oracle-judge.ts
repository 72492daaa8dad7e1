/**
 * The lost-write oracle's verdict: given every write the cluster's primaries acknowledged while
 * recording (oracle.ts records them) and the value each key holds now on the node that owns its
 * slot, which acknowledged writes are gone, and why. Pure: no node, no socket, no clock; the
 * unit test feeds it histories by hand.
 *
 * ── What is recorded ───────────────────────────────────────────────────────────────────────────
 *
 * One *write* per key that a write command changed, taken right after the command ran on a
 * primary: the key, the digest of its value then (DEBUG DIGEST-VALUE's, all zeros for a missing
 * key), the node, its replication offset, and `seq`, the order of the writes across the whole
 * cluster. All nodes run in one process on one event loop, so `seq` is the real-time order in
 * which the nodes replied.
 *
 *   acknowledged   the command replied without an error, and that reply went out on a
 *                  connection that was still open: the client may have seen it
 *   error-reply    it changed the dataset but replied an error (rare): not acknowledged
 *   reply-not-delivered   its connection closed before the reply went out: nobody knows
 *
 * ── When is an acknowledged write lost? ────────────────────────────────────────────────────────
 *
 * A key written several times keeps only its last value, so "lost" is judged per key, on the
 * history of that key in `seq` order, with the value recording started from (its baseline) in
 * front:
 *
 *     baseline   w1      w2      w3      w4            now: the owner holds w2's value
 *     ───────────●───────●───────●───────●──────▶
 *                overwritten     └ lost ─┘
 *                        ▲ the survivor
 *
 *   the survivor   the latest write (or the baseline) whose digest is the value held now;
 *   overwritten    writes before the survivor: a newer write replaced them, they are not lost;
 *   lost           acknowledged writes after the survivor: the client was told "done", and the
 *                  cluster now shows an older state of the key.
 *
 * A key that is missing now also "matches" a write that left it with a deadline: it may simply
 * have expired. When that is the latest match, that write is indeterminate (may-have-expired).
 *
 * Each lost write gets the reason that explains it, checked in this order:
 *
 *   minority-partition  when it was acknowledged, its node was cut off on the bus in a group
 *                       without a majority of the slot-owning primaries (a harness partition):
 *                       the majority fails it over and its writes since are discarded;
 *   demoted-primary     when it was acknowledged, another node already owned its slot with a
 *                       higher configEpoch (the node had been failed over and did not know yet);
 *   async-replication   its slot's owner changed since (a failover, or the slot now served by
 *                       another node): the new owner never received it;
 *   restarted-empty     its node was restarted without its data (restart({ data: 'empty' }));
 *   unexplained         none of the above: with no fault to blame, a bug, or a change the
 *                       oracle does not see.
 *
 * ── Indeterminate ──────────────────────────────────────────────────────────────────────────────
 *
 * Writes listed in `indeterminate`, neither lost nor confirmed:
 *
 *   reply-not-delivered / error-reply   never acknowledged (above);
 *   concurrent-writes    it would be lost, but the survivor was acknowledged by another node
 *                        while this one was in flight: each request was read before the other's
 *                        reply went out (on the shared cluster clock, to the millisecond), so
 *                        neither order is wrong;
 *   untracked-write      it would be lost, but a write the oracle cannot attribute to keys
 *                        (FLUSHALL, FLUSHDB, SWAPDB...) ran after it;
 *   may-have-expired     (above);
 *   unexplained-value    the key holds a value no recorded write and not its baseline had
 *                        (a change made behind the nodes' backs, as a test writing into
 *                        a keyspace directly): every write of the key is indeterminate;
 *   owner-unreachable    no running node owns the key's slot now: nothing to compare with.
 *
 * ── WAIT ───────────────────────────────────────────────────────────────────────────────────────
 *
 * A WAIT replies how many replicas acknowledged the stream up to its own offset, which is at or
 * past every earlier write of its connection. So a WAIT returning n records n on each earlier
 * write of that connection (`waitReplicas`, the highest of several WAITs), and the write is
 * *covered* once n reaches the quorum asked for (all of the primary's replicas by default, at
 * least one). A covered write that is lost is a bug in hashslot: `lostDespiteWait` lists them.
 */
import type { ByteString } from '../../storage/bytes';

/** The digest of a key that does not exist (DEBUG DIGEST-VALUE of a missing key). */
export const ABSENT_DIGEST = '0'.repeat(40);

export type WriteOutcome = 'acknowledged' | 'error-reply' | 'reply-not-delivered';

/** Where the node stood, in the cluster, when it ran the write. */
export type WriteSituation = 'owner' | 'minority' | 'demoted';

export type LossReason = 'minority-partition' | 'demoted-primary' | 'async-replication' | 'restarted-empty' | 'unexplained';

export type IndeterminateReason =
  | 'reply-not-delivered'
  | 'error-reply'
  | 'concurrent-writes'
  | 'untracked-write'
  | 'may-have-expired'
  | 'unexplained-value'
  | 'owner-unreachable';

/** One key written by one command on one primary. */
export interface RecordedWrite {
  /** Order among all recorded writes (and untracked ones) of the cluster: real-time order. */
  readonly seq: number;
  /** The key as a byte string (one char per byte; an ASCII key reads as itself). */
  readonly key: ByteString;
  readonly db: number;
  readonly slot: number;
  /** Lower-case command name ("set", "incr", "exec" for a transaction). */
  readonly command: string;
  /** DEBUG DIGEST-VALUE of the key right after the command (ABSENT_DIGEST: deleted). */
  readonly digest: string;
  /** The command left the key with a deadline (it may expire on its own). */
  readonly hasDeadline: boolean;
  /** Cluster id and client port of the node that ran it, and its shard in the test cluster. */
  readonly node: string;
  readonly port: number;
  readonly shard: number;
  /** The node's replication id and master_repl_offset right after the command. */
  readonly replid: string;
  readonly offset: number;
  /** The client connection (CLIENT ID) on that node. */
  readonly clientId: number;
  /** When the node read the request, and when it replied, on the cluster's clock (ms). */
  readonly requestAtMs: number;
  readonly repliedAtMs: number;
  readonly situation: WriteSituation;
  readonly outcome: WriteOutcome;
  /** The most replicas a later WAIT on the same connection counted; null: no WAIT followed. */
  readonly waitReplicas: number | null;
  /** A later WAIT reached the quorum (see above). */
  readonly waitCovered: boolean;
  /** Failovers of its shard seen before it (the harness's 'failover' events). */
  readonly failoversBefore: number;
  /** restart({ data: 'empty' }) of its node before it. */
  readonly emptyRestartsBefore: number;
}

/** A write the oracle cannot attribute to keys (FLUSHALL...): later losses are not judged. */
export interface UntrackedWrite {
  readonly seq: number;
  readonly command: string;
  readonly node: string;
}

/** What the cluster looks like now, for one key. */
export interface CurrentValue {
  /** The digest on the slot's owner now (ABSENT_DIGEST: missing); null: no owner could be read. */
  readonly digest: string | null;
  /** The owner's cluster id (null: none known). */
  readonly owner: string | null;
}

export interface ClusterFacts {
  failovers(shard: number): number;
  emptyRestarts(node: string): number;
}

export type LostWrite = RecordedWrite & { readonly reason: LossReason; readonly currentDigest: string };
export type IndeterminateWrite = RecordedWrite & { readonly reason: IndeterminateReason };

export interface OracleReport {
  /** Acknowledged writes recorded (one per key a command changed). */
  readonly acked: number;
  /** Distinct keys written. */
  readonly keys: number;
  /** Acknowledged writes a later WAIT covered. */
  readonly waitCovered: number;
  readonly lost: readonly LostWrite[];
  /** Lost writes a WAIT had confirmed on the quorum of replicas: each one is a hashslot bug. */
  readonly lostDespiteWait: readonly LostWrite[];
  readonly indeterminate: readonly IndeterminateWrite[];
}

/** The identity of a key across databases: "db:key" (the db is digits, so the first ':' splits). */
export function keyId(db: number, key: ByteString): string {
  return `${db}:${key}`;
}

/**
 * Judges every key. `writes` in any order; `baselines` holds the digest of every key that
 * existed when recording started (missing: the key did not exist); `current` the value now.
 */
export function judge(
  writes: readonly RecordedWrite[],
  untracked: readonly UntrackedWrite[],
  baselines: ReadonlyMap<string, string>,
  current: (db: number, key: ByteString) => CurrentValue,
  facts: ClusterFacts,
): OracleReport {
  const byKey = new Map<string, RecordedWrite[]>();
  for (const write of writes) {
    const id = keyId(write.db, write.key);
    const list = byKey.get(id);
    if (list === undefined) byKey.set(id, [write]);
    else list.push(write);
  }
  const lastUntrackedSeq = untracked.reduce((max, u) => Math.max(max, u.seq), -1);
  const lost: LostWrite[] = [];
  const indeterminate: IndeterminateWrite[] = [];
  let acked = 0;
  let waitCovered = 0;
  for (const [id, history] of byKey) {
    history.sort((a, b) => a.seq - b.seq);
    const first = history[0] as RecordedWrite;
    const verdict = judgeKey(history, baselines.get(id) ?? ABSENT_DIGEST, current(first.db, first.key), facts, lastUntrackedSeq);
    lost.push(...verdict.lost);
    indeterminate.push(...verdict.indeterminate);
    for (const write of history) {
      if (write.outcome !== 'acknowledged') continue;
      acked++;
      if (write.waitCovered) waitCovered++;
    }
  }
  lost.sort((a, b) => a.seq - b.seq);
  indeterminate.sort((a, b) => a.seq - b.seq);
  return { acked, keys: byKey.size, waitCovered, lost, lostDespiteWait: lost.filter((w) => w.waitCovered), indeterminate };
}

/** One key's history (sorted by seq) against its value now. */
export function judgeKey(
  history: readonly RecordedWrite[],
  baseline: string,
  now: CurrentValue,
  facts: ClusterFacts,
  lastUntrackedSeq: number,
): { lost: LostWrite[]; indeterminate: IndeterminateWrite[] } {
  const lost: LostWrite[] = [];
  const indeterminate: IndeterminateWrite[] = [];
  const undecided = (write: RecordedWrite, reason: IndeterminateReason): void => {
    indeterminate.push({ ...write, reason });
  };
  // Writes whose client never learned the outcome are indeterminate whatever the value now.
  for (const write of history) if (write.outcome !== 'acknowledged') undecided(write, write.outcome);
  const acknowledged = history.filter((w) => w.outcome === 'acknowledged');
  if (now.digest === null) {
    for (const write of acknowledged) undecided(write, 'owner-unreachable');
    return { lost, indeterminate };
  }
  // The survivor: the latest write (acknowledged or not) that explains the value now. -1: the
  // baseline explains it. A missing key is explained, weakly, by a write that set a deadline.
  let survivor = -2;
  let expired = false;
  for (let i = history.length - 1; i >= 0; i--) {
    const write = history[i] as RecordedWrite;
    if (write.digest === now.digest) {
      survivor = i;
      break;
    }
    if (now.digest === ABSENT_DIGEST && write.hasDeadline) {
      survivor = i;
      expired = true;
      break;
    }
  }
  if (survivor === -2 && baseline === now.digest) survivor = -1;
  if (survivor === -2) {
    for (const write of acknowledged) undecided(write, 'unexplained-value');
    return { lost, indeterminate };
  }
  const kept = survivor >= 0 ? (history[survivor] as RecordedWrite) : null;
  if (kept !== null && expired && kept.outcome === 'acknowledged') undecided(kept, 'may-have-expired');
  for (const write of history.slice(survivor + 1)) {
    if (write.outcome !== 'acknowledged') continue;
    if (kept !== null && kept.node !== write.node && overlap(kept, write)) {
      undecided(write, 'concurrent-writes');
    } else if (write.seq < lastUntrackedSeq) {
      undecided(write, 'untracked-write');
    } else {
      lost.push({ ...write, reason: lossReason(write, now, facts), currentDigest: now.digest });
    }
  }
  return { lost, indeterminate };
}

/** Each request was read before the other's reply went out: the two were in flight together. */
function overlap(a: RecordedWrite, b: RecordedWrite): boolean {
  return a.requestAtMs <= b.repliedAtMs && b.requestAtMs <= a.repliedAtMs;
}

function lossReason(write: RecordedWrite, now: CurrentValue, facts: ClusterFacts): LossReason {
  if (write.situation === 'minority') return 'minority-partition';
  if (write.situation === 'demoted') return 'demoted-primary';
  if (now.owner !== write.node || facts.failovers(write.shard) > write.failoversBefore) return 'async-replication';
  if (facts.emptyRestarts(write.node) > write.emptyRestartsBefore) return 'restarted-empty';
  return 'unexplained';
}

/** A report as text, one line per lost or indeterminate write (at most `limit` each). */
export function formatReport(report: OracleReport, limit = 20): string {
  const line = (w: RecordedWrite & { reason: string }): string =>
    `  #${w.seq} ${w.command} ${JSON.stringify(w.key)} on :${w.port} offset ${w.offset}${w.waitReplicas === null ? '' : ` WAIT=${w.waitReplicas}${w.waitCovered ? ' (covered)' : ''}`} → ${w.reason}`;
  const section = (title: string, list: ReadonlyArray<RecordedWrite & { reason: string }>): string[] =>
    list.length === 0 ? [] : [`${title} (${list.length}):`, ...list.slice(0, limit).map(line), ...(list.length > limit ? [`  ... ${list.length - limit} more`] : [])];
  return [
    `${report.acked} acknowledged writes of ${report.keys} keys (${report.waitCovered} covered by WAIT); ${report.lost.length} lost (${report.lostDespiteWait.length} despite WAIT), ${report.indeterminate.length} indeterminate`,
    ...section('lost despite WAIT', report.lostDespiteWait),
    ...section('lost', report.lost),
    ...section('indeterminate', report.indeterminate),
  ].join('\n');
}
