/**
 * The lost-write oracle's verdict (server/testing/oracle-judge.ts) on histories written by
 * hand: which writes are overwritten, lost (and why) or indeterminate, per the definitions at
 * the top of that file.
 */
import t from 'tap';
import { ABSENT_DIGEST, judge, keyId, type CurrentValue, type RecordedWrite, type UntrackedWrite } from '../../server/testing/oracle-judge';

const P = 'p'.repeat(40);
const R = 'r'.repeat(40);
const digest = (value: string): string => value.padEnd(40, '0');

/** A write of `value` to key `k` by `node`, acknowledged at `seq` (ms = seq unless given). */
function write(seq: number, value: string, extra: Partial<RecordedWrite> = {}): RecordedWrite {
  return {
    seq,
    key: 'k',
    db: 0,
    slot: 0,
    command: 'set',
    digest: value === '' ? ABSENT_DIGEST : digest(value),
    hasDeadline: false,
    node: P,
    port: 7000,
    shard: 0,
    replid: 'x'.repeat(40),
    offset: seq * 10,
    clientId: 1,
    requestAtMs: seq * 100,
    repliedAtMs: seq * 100,
    situation: 'owner',
    outcome: 'acknowledged',
    waitReplicas: null,
    waitCovered: false,
    failoversBefore: 0,
    emptyRestartsBefore: 0,
    ...extra,
  };
}

interface Case {
  name: string;
  writes: RecordedWrite[];
  /** The value now ('' missing, null unreadable) and its owner. */
  now: string | null;
  owner?: string;
  baseline?: string;
  failovers?: number;
  untracked?: UntrackedWrite[];
  lost: Array<[number, string]>;
  indeterminate: Array<[number, string]>;
}

const cases: Case[] = [
  { name: 'the last write is there', writes: [write(1, 'a'), write(2, 'b')], now: 'b', lost: [], indeterminate: [] },
  { name: 'the same value written again', writes: [write(1, 'a'), write(2, 'b'), write(3, 'a')], now: 'a', lost: [], indeterminate: [] },
  {
    name: 'an older value is back: the writes after it are lost (owner changed: async replication)',
    writes: [write(1, 'a'), write(2, 'b'), write(3, 'c')],
    now: 'a',
    owner: R,
    lost: [[2, 'async-replication'], [3, 'async-replication']],
    indeterminate: [],
  },
  {
    name: 'the baseline is back',
    writes: [write(1, 'a')],
    baseline: digest('z'),
    now: 'z',
    failovers: 1,
    lost: [[1, 'async-replication']],
    indeterminate: [],
  },
  { name: 'a key that never existed is missing again', writes: [write(1, 'a')], now: '', failovers: 1, lost: [[1, 'async-replication']], indeterminate: [] },
  {
    name: 'situations at the ack come first',
    writes: [write(1, 'a'), write(2, 'b', { situation: 'minority' }), write(3, 'c', { situation: 'demoted' })],
    now: 'a',
    owner: R,
    lost: [[2, 'minority-partition'], [3, 'demoted-primary']],
    indeterminate: [],
  },
  { name: 'lost with no fault to blame', writes: [write(1, 'a'), write(2, 'b')], now: 'a', lost: [[2, 'unexplained']], indeterminate: [] },
  {
    name: 'a reply never delivered is indeterminate, and may be the value now',
    writes: [write(1, 'a'), write(2, 'b', { outcome: 'reply-not-delivered' }), write(3, 'c', { outcome: 'reply-not-delivered' })],
    now: 'b',
    lost: [],
    indeterminate: [[2, 'reply-not-delivered'], [3, 'reply-not-delivered']],
  },
  {
    name: 'concurrent writes on two primaries: no order to claim',
    writes: [write(1, 'a', { node: R, requestAtMs: 100, repliedAtMs: 101 }), write(2, 'b', { requestAtMs: 100, repliedAtMs: 100 })],
    now: 'a',
    owner: R,
    lost: [],
    indeterminate: [[2, 'concurrent-writes']],
  },
  {
    name: 'a write on another primary well after the survivor is lost',
    writes: [write(1, 'a', { node: R }), write(2, 'b', { situation: 'minority' })],
    now: 'a',
    owner: R,
    lost: [[2, 'minority-partition']],
    indeterminate: [],
  },
  {
    name: 'a missing key whose last write set a deadline may have expired',
    writes: [write(1, 'a'), write(2, 'b', { hasDeadline: true })],
    now: '',
    lost: [],
    indeterminate: [[2, 'may-have-expired']],
  },
  { name: 'a value nobody wrote', writes: [write(1, 'a'), write(2, 'b')], now: 'q', lost: [], indeterminate: [[1, 'unexplained-value'], [2, 'unexplained-value']] },
  { name: 'no owner to read', writes: [write(1, 'a')], now: null, lost: [], indeterminate: [[1, 'owner-unreachable']] },
  {
    name: 'a FLUSHALL after a write: that write is not judged, a write after it is',
    writes: [write(1, 'a'), write(3, 'b')],
    untracked: [{ seq: 2, command: 'flushall', node: P }],
    now: '',
    lost: [[3, 'unexplained']],
    indeterminate: [[1, 'untracked-write']],
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const current: CurrentValue = { digest: c.now === null ? null : c.now === '' ? ABSENT_DIGEST : digest(c.now), owner: c.owner ?? P };
    const baselines = new Map<string, string>(c.baseline === undefined ? [] : [[keyId(0, 'k'), c.baseline]]);
    const report = judge(c.writes, c.untracked ?? [], baselines, () => current, { failovers: () => c.failovers ?? 0, emptyRestarts: () => 0 });
    t.same(report.lost.map((w) => [w.seq, w.reason]), c.lost, 'lost');
    t.same(report.indeterminate.map((w) => [w.seq, w.reason]), c.indeterminate, 'indeterminate');
  });
}

t.test('a lost write a WAIT covered is listed apart', async (t) => {
  const writes = [write(1, 'a'), write(2, 'b', { waitReplicas: 1, waitCovered: true }), write(3, 'c', { waitReplicas: 0 })];
  const report = judge(writes, [], new Map(), () => ({ digest: digest('a'), owner: R }), { failovers: () => 1, emptyRestarts: () => 0 });
  t.same(report.lost.map((w) => w.seq), [2, 3]);
  t.same(report.lostDespiteWait.map((w) => w.seq), [2]);
  t.equal(report.waitCovered, 1);
  t.equal(report.acked, 3);
});

t.test('keys are judged apart, databases too', async (t) => {
  const writes = [write(1, 'a'), write(2, 'b', { key: 'other' }), write(3, 'c', { db: 1 })];
  const values = new Map([[keyId(0, 'k'), 'a'], [keyId(0, 'other'), 'x'], [keyId(1, 'k'), 'c']]);
  const report = judge(writes, [], new Map(), (db, key) => ({ digest: digest(values.get(keyId(db, key)) ?? ''), owner: P }), { failovers: () => 0, emptyRestarts: () => 0 });
  t.equal(report.keys, 3);
  t.same(report.indeterminate.map((w) => [w.seq, w.reason]), [[2, 'unexplained-value']]);
  t.same(report.lost, []);
});
