/*
 * The two workloads of lua-libraries.test.ts, written once and run against every server: the
 * typical life of a rate limiter (rate-limiter-flexible's RateLimiterRedis) and of a lock
 * (redlock), as an application drives them. Each returns a transcript: one entry per library
 * call, saying whether it resolved or rejected and what the library made of the server's replies
 * (consumed points, the error's name and message, whether the key is still held...).
 *
 *   workload ──► library ──EVALSHA/EVAL/MULTI──► server          redis-server  ─► transcript A
 *                  │                                              hashslot      ─► transcript B
 *                  └─► RateLimiterRes / Lock / ExecutionError ─► entry
 *
 * The test then checks every transcript against the literal outcome below (which redis-server
 * must give too: that checks the test) and the two against each other. Times (msBeforeNext, a
 * lock's PTTL) depend on when each step ran, so they are kept apart in `ms` and compared with a
 * tolerance: within TIME_TOLERANCE_MS below their nominal value, never above it.
 *
 * Keys carry a hash tag, so each script's keys share a slot and the same workload runs through
 * ioredis's Cluster client unchanged.
 */

import type { Test } from 'tap';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import Redlock, { ExecutionError, Lock, ResourceLockedError, type ExecutionStats } from 'redlock';
import type { Cluster, Redis } from 'ioredis';
import { eventually } from '../helpers/eventually';

/** How far below its nominal value a time may be: the steps before it ran on a loaded machine. */
export const TIME_TOLERANCE_MS = 2_000;
/** Deadline of every wait on a condition (a key expiring, an extension landing). */
const CONDITION_DEADLINE_MS = 10_000;

export type IoredisClient = Redis | Cluster;

/** What a workload needs from the deployment besides the library's own client. */
export interface Side {
  /** A plain connection for what an application would do outside the library (or a thief). */
  readonly raw: IoredisClient;
  /** SCRIPT FLUSH everywhere, so the library's next EVALSHA meets NOSCRIPT and falls back to EVAL. */
  flushScripts(): Promise<void>;
}

export interface Entry {
  step: string;
  outcome: 'resolved' | 'rejected';
  value: unknown;
  /** A time in ms, compared with a tolerance (nominal in an expected transcript). */
  ms?: number;
}

// ─── Transcripts ────────────────────────────────────────────────────────────────────────────────

function withoutTimes(entries: readonly Entry[]): Array<Omit<Entry, 'ms'> & { timed: boolean }> {
  return entries.map(({ ms, ...rest }) => ({ ...rest, timed: ms !== undefined }));
}

/** A time matches its nominal value when it is that value (-1, 0 and exact figures) or a bit less. */
function timeMatches(actualMs: number, nominalMs: number): boolean {
  if (nominalMs <= 0) return actualMs === nominalMs;
  return actualMs <= nominalMs && actualMs > Math.max(0, nominalMs - TIME_TOLERANCE_MS);
}

/** The transcript must be `expected`, times within the tolerance below their nominal values. */
export function checkTranscript(t: Test, actual: readonly Entry[], expected: readonly Entry[]): void {
  t.same(withoutTimes(actual), withoutTimes(expected), 'every step has the expected outcome');
  const late = actual.flatMap((entry, i) => {
    const nominal = expected[i]?.ms;
    if (entry.ms === undefined || nominal === undefined || timeMatches(entry.ms, nominal)) return [];
    return [`${entry.step}: ${entry.ms} ms, expected ${nominal} ms (at most ${TIME_TOLERANCE_MS} ms less)`];
  });
  t.same(late, [], 'every time is within the tolerance of its nominal value');
}

/** Two servers gave the same outcomes: equal entries, times at most the tolerance apart. */
export function compareTranscripts(t: Test, reference: readonly Entry[], candidate: readonly Entry[]): void {
  t.same(withoutTimes(candidate), withoutTimes(reference), 'the same outcome at every step');
  const apart = candidate.flatMap((entry, i) => {
    const other = reference[i]?.ms;
    if (entry.ms === undefined || other === undefined) return [];
    const close = other <= 0 || entry.ms <= 0 ? entry.ms === other : Math.abs(entry.ms - other) <= TIME_TOLERANCE_MS;
    return close ? [] : [`${entry.step}: ${entry.ms} ms against ${other} ms`];
  });
  t.same(apart, [], `times at most ${TIME_TOLERANCE_MS} ms apart`);
}

/** Runs one library call and records its outcome; anything but the library's own rejection is a bug. */
async function record(
  entries: Entry[],
  step: string,
  call: () => Promise<unknown>,
  describe: (value: unknown) => { value: unknown; ms?: number } | Promise<{ value: unknown; ms?: number }>,
): Promise<unknown> {
  let outcome: Entry['outcome'] = 'resolved';
  let result: unknown;
  try {
    result = await call();
  } catch (err) {
    outcome = 'rejected';
    result = err;
  }
  entries.push({ step, outcome, ...(await describe(result)) });
  return result;
}

// ─── rate-limiter-flexible ──────────────────────────────────────────────────────────────────────

/** What the server decided, as RateLimiterRes reports it; msBeforeNext kept apart as a time. */
function describeRes(result: unknown): { value: unknown; ms?: number } {
  if (result instanceof RateLimiterRes) {
    return {
      value: { consumed: result.consumedPoints, remaining: result.remainingPoints, first: result.isFirstInDuration },
      ms: result.msBeforeNext,
    };
  }
  if (result instanceof Error) return { value: { error: result.name, message: result.message } };
  return { value: result };
}

export interface RateLimiterClient {
  /** ioredis (Redis or Cluster), or a node-redis v4 client. */
  readonly storeClient: unknown;
  /** false for ioredis (defineCommand: EVALSHA, EVAL after NOSCRIPT), true for node-redis (EVAL). */
  readonly useRedisPackage: boolean;
}

/**
 * consume until blocked, reward, penalty, block, get, delete; then the script's branches: a key
 * without a TTL, blockDuration, no expiry at all (MULTI, no script), an empty script cache,
 * concurrent consumers, and a window that really expires.
 */
export async function rateLimiterWorkload(client: RateLimiterClient, side: Side, prefix: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const limiter = (name: string, options: { points: number; duration: number; blockDuration?: number }): RateLimiterRedis =>
    new RateLimiterRedis({ storeClient: client.storeClient, useRedisPackage: client.useRedisPackage, keyPrefix: `${prefix}-${name}`, ...options });
  const step = (name: string, call: () => Promise<unknown>): Promise<unknown> => record(entries, name, call, describeRes);

  // The ordinary life of one key: 5 points a 10 s window.
  const api = limiter('api', { points: 5, duration: 10 });
  const user = '{user-1}';
  for (let i = 1; i <= 5; i++) await step(`consume #${i}`, () => api.consume(user));
  await step('consume #6 is over the limit', () => api.consume(user));
  await step('get after the limit', () => api.get(user));
  await step('reward 3', () => api.reward(user, 3));
  await step('consume 2 points', () => api.consume(user, 2));
  await step('penalty 2', () => api.penalty(user, 2));
  await step('consume when penalised', () => api.consume(user));
  await step('block for 5 s', () => api.block(user, 5));
  await step('get while blocked', () => api.get(user));
  await step('consume while blocked', () => api.consume(user));
  await step('delete', () => api.delete(user));
  await step('get after delete', () => api.get(user));
  await step('delete again', () => api.delete(user));
  await step('consume after delete', () => api.consume(user));
  await step('consume 7 points at once', () => api.consume(user, 7));

  // A counter someone stored without a TTL: the script's `ttl == -1` branch gives it one.
  const legacy = '{user-2}';
  await side.raw.set(`${prefix}-api:${legacy}`, '3');
  await step('consume a key that has no TTL', () => api.consume(legacy));
  entries.push({ step: 'that key got a TTL', outcome: 'resolved', value: null, ms: await side.raw.pttl(`${prefix}-api:${legacy}`) });

  // blockDuration: crossing the limit blocks for 3 s (SET EX through MULTI), once.
  const login = limiter('login', { points: 2, duration: 10, blockDuration: 3 });
  const ip = '{ip-1}';
  await step('login attempt #1', () => login.consume(ip));
  await step('login attempt #2', () => login.consume(ip));
  await step('login attempt #3 blocks', () => login.consume(ip));
  await step('get the blocked login', () => login.get(ip));
  await step('login attempt #4 while blocked', () => login.consume(ip));

  // duration 0: never expires; the library uses MULTI INCRBY PTTL, no script.
  const forever = limiter('forever', { points: 3, duration: 0 });
  await step('consume with no expiry', () => forever.consume('{user-3}'));
  await step('get with no expiry', () => forever.get('{user-3}'));

  // An empty script cache: ioredis's EVALSHA gets NOSCRIPT and it sends EVAL. (Every
  // RateLimiterRedis defines its command afresh, and ioredis sends a new definition's first call
  // as EVAL, so the script is used once before the flush.)
  await step('consume before SCRIPT FLUSH', () => api.consume('{user-4}'));
  await side.flushScripts();
  await step('consume after SCRIPT FLUSH', () => api.consume('{user-4}'));
  await step('consume again (EVALSHA finds it)', () => api.consume('{user-4}'));

  // 25 consumers at once on a 10-point window: the script is atomic, so exactly 10 pass.
  const burst = limiter('burst', { points: 10, duration: 10 });
  const settled = await Promise.allSettled(Array.from({ length: 25 }, () => burst.consume('{user-5}')));
  const consumed = settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason) as unknown);
  entries.push({
    step: '25 concurrent consumers of 10 points',
    outcome: 'resolved',
    value: {
      passed: settled.filter((s) => s.status === 'fulfilled').length,
      refused: settled.filter((s) => s.status === 'rejected').length,
      distinctCounts: new Set(consumed.map((r) => (r instanceof RateLimiterRes ? r.consumedPoints : String(r)))).size,
    },
  });

  // A 2 s window that runs out: the library's time semantics are the point, so it is short (but
  // long enough that the three steps before the wait run inside it on a busy machine).
  const second = limiter('second', { points: 2, duration: 2 });
  const visitor = '{user-6}';
  await step('2 s window #1', () => second.consume(visitor));
  await step('2 s window #2', () => second.consume(visitor));
  await step('2 s window #3 refused', () => second.consume(visitor));
  await eventually(CONDITION_DEADLINE_MS, async () => {
    if ((await second.get(visitor)) !== null) throw new Error(`${prefix}-second:${visitor} has not expired`);
  });
  await step('after the window expired', () => second.consume(visitor));
  return entries;
}

const res = (consumed: number, remaining: number, first: boolean): { consumed: number; remaining: number; first: boolean } => ({ consumed, remaining, first });

/** The outcome of rateLimiterWorkload on a Redis 7.0 server. */
export const RATE_LIMITER_EXPECTED: readonly Entry[] = [
  { step: 'consume #1', outcome: 'resolved', value: res(1, 4, true), ms: 10_000 },
  { step: 'consume #2', outcome: 'resolved', value: res(2, 3, false), ms: 10_000 },
  { step: 'consume #3', outcome: 'resolved', value: res(3, 2, false), ms: 10_000 },
  { step: 'consume #4', outcome: 'resolved', value: res(4, 1, false), ms: 10_000 },
  { step: 'consume #5', outcome: 'resolved', value: res(5, 0, false), ms: 10_000 },
  { step: 'consume #6 is over the limit', outcome: 'rejected', value: res(6, 0, false), ms: 10_000 },
  { step: 'get after the limit', outcome: 'resolved', value: res(6, 0, false), ms: 10_000 },
  { step: 'reward 3', outcome: 'resolved', value: res(3, 2, false), ms: 10_000 },
  { step: 'consume 2 points', outcome: 'resolved', value: res(5, 0, false), ms: 10_000 },
  { step: 'penalty 2', outcome: 'resolved', value: res(7, 0, false), ms: 10_000 },
  { step: 'consume when penalised', outcome: 'rejected', value: res(8, 0, false), ms: 10_000 },
  // The library's own figures (points + 1, the duration), after SET EX and PTTL in MULTI.
  { step: 'block for 5 s', outcome: 'resolved', value: res(6, 0, false), ms: 5_000 },
  { step: 'get while blocked', outcome: 'resolved', value: res(6, 0, false), ms: 5_000 },
  { step: 'consume while blocked', outcome: 'rejected', value: res(7, 0, false), ms: 5_000 },
  { step: 'delete', outcome: 'resolved', value: true },
  { step: 'get after delete', outcome: 'resolved', value: null },
  { step: 'delete again', outcome: 'resolved', value: false },
  { step: 'consume after delete', outcome: 'resolved', value: res(1, 4, true), ms: 10_000 },
  { step: 'consume 7 points at once', outcome: 'rejected', value: res(8, 0, false), ms: 10_000 },
  // `ttl = 1000 * ARGV[2]`: exactly 10000, a Lua number turned into an integer reply.
  { step: 'consume a key that has no TTL', outcome: 'resolved', value: res(4, 1, false), ms: 10_000 },
  { step: 'that key got a TTL', outcome: 'resolved', value: null, ms: 10_000 },
  { step: 'login attempt #1', outcome: 'resolved', value: res(1, 1, true), ms: 10_000 },
  { step: 'login attempt #2', outcome: 'resolved', value: res(2, 0, false), ms: 10_000 },
  { step: 'login attempt #3 blocks', outcome: 'rejected', value: res(3, 0, false), ms: 3_000 },
  { step: 'get the blocked login', outcome: 'resolved', value: res(3, 0, false), ms: 3_000 },
  { step: 'login attempt #4 while blocked', outcome: 'rejected', value: res(4, 0, false), ms: 3_000 },
  { step: 'consume with no expiry', outcome: 'resolved', value: res(1, 2, true), ms: -1 },
  { step: 'get with no expiry', outcome: 'resolved', value: res(1, 2, false), ms: -1 },
  { step: 'consume before SCRIPT FLUSH', outcome: 'resolved', value: res(1, 4, true), ms: 10_000 },
  { step: 'consume after SCRIPT FLUSH', outcome: 'resolved', value: res(2, 3, false), ms: 10_000 },
  { step: 'consume again (EVALSHA finds it)', outcome: 'resolved', value: res(3, 2, false), ms: 10_000 },
  { step: '25 concurrent consumers of 10 points', outcome: 'resolved', value: { passed: 10, refused: 15, distinctCounts: 25 } },
  { step: '2 s window #1', outcome: 'resolved', value: res(1, 1, true), ms: 2_000 },
  { step: '2 s window #2', outcome: 'resolved', value: res(2, 0, false), ms: 2_000 },
  { step: '2 s window #3 refused', outcome: 'rejected', value: res(3, 0, false), ms: 2_000 },
  { step: 'after the window expired', outcome: 'resolved', value: res(1, 1, true), ms: 2_000 },
];

// ─── redlock ────────────────────────────────────────────────────────────────────────────────────

/** The votes against an operation, from every attempt, as "Name: message" lines. */
async function votesAgainst(attempts: ReadonlyArray<Promise<ExecutionStats>>): Promise<string[]> {
  const stats = await Promise.all(attempts);
  return stats.flatMap((s) => [...s.votesAgainst.values()].map((e) => `${e.name}: ${e.message}`));
}

async function describeLockResult(result: unknown): Promise<{ value: unknown }> {
  if (result instanceof Lock) return { value: { lock: result.resources, attempts: result.attempts.length } };
  if (result instanceof ExecutionError) {
    return { value: { error: result.name, message: result.message, attempts: result.attempts.length, against: await votesAgainst(result.attempts) } };
  }
  if (result instanceof Error) return { value: { error: result.name, message: result.message } };
  if (result !== null && typeof result === 'object' && 'attempts' in result) {
    const attempts = (result as { attempts: ReadonlyArray<Promise<ExecutionStats>> }).attempts;
    return { value: { released: true, attempts: attempts.length } };
  }
  return { value: result };
}

/**
 * acquire, contention, extend, release (also by the wrong owner), multi-resource locks that are
 * all or nothing, waiting for a lock with retries, races, `using` with automatic extension, and
 * `using` when the lock is taken away under it.
 */
export async function redlockWorkload(a: IoredisClient, b: IoredisClient, side: Side, prefix: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const redlockA = new Redlock([a], { retryCount: 0 });
  const redlockB = new Redlock([b], { retryCount: 0 });
  const raw = side.raw;
  const step = (name: string, call: () => Promise<unknown>): Promise<unknown> => record(entries, name, call, describeLockResult);
  const note = (name: string, value: unknown, ms?: number): void => {
    entries.push(ms === undefined ? { step: name, outcome: 'resolved', value } : { step: name, outcome: 'resolved', value, ms });
  };
  const holder = async (key: string, lock: Lock | null): Promise<string> => {
    const value = await raw.get(key);
    if (value === null) return 'nobody';
    return lock !== null && value === lock.value ? 'the lock' : `someone else (${value})`;
  };

  // One resource, two clients.
  const r = `${prefix}:{order-1}`;
  const lockA = (await step('A acquires the order for 5 s', () => redlockA.acquire([r], 5_000))) as Lock;
  note('the order is held by A', await holder(r, lockA), await raw.pttl(r));
  await step('B cannot acquire it while A holds it', () => redlockB.acquire([r], 5_000));
  const extended = (await step('A extends it to 10 s', () => lockA.extend(10_000))) as Lock;
  note('still held by A, for longer', await holder(r, extended), await raw.pttl(r));
  const forged = new Lock(redlockB, [r], 'not-the-owner', [], Date.now() + 10_000);
  await step('B cannot extend it with another value', () => forged.extend(10_000));
  await step('B cannot release it with another value', () => forged.release());
  note('still held by A after B tried', await holder(r, extended));
  await step('A releases it', () => extended.release());
  note('the order is free', await holder(r, null));
  await step('A releases it again', () => extended.release());
  const lockB = (await step('B acquires the free order', () => redlockB.acquire([r], 5_000))) as Lock;
  await step('B releases it', () => lockB.release());

  // Several resources in one slot: all or nothing.
  const [x, y, z] = ['x', 'y', 'z'].map((name) => `${prefix}:{accounts}:${name}`) as [string, string, string];
  const pair = (await step('A locks accounts x and y', () => redlockA.acquire([x, y], 5_000))) as Lock;
  await step('B cannot lock y and z', () => redlockB.acquire([y, z], 5_000));
  note('z was not locked by the failed attempt', await holder(z, null));
  await step('A releases x and y', () => pair.release());
  note('x and y are free', [await holder(x, null), await holder(y, null)]);
  await raw.set(y, 'held-elsewhere');
  await step('A cannot lock x and y while y is held elsewhere', () => redlockA.acquire([x, y], 5_000));
  note('x stays free and y keeps its holder', [await holder(x, null), await holder(y, null)]);
  await raw.del(y);

  // Waiting for a lock: B retries until A lets go, which A does after B's first refusal.
  const queue = `${prefix}:{queue}`;
  const holding = (await step('A acquires the queue', () => redlockA.acquire([queue], 5_000))) as Lock;
  const refusals: string[] = [];
  const patient = new Redlock([b], { retryCount: 50, retryDelay: 40, retryJitter: 0 });
  patient.on('error', (err: unknown) => refusals.push(err instanceof ResourceLockedError ? err.name : String(err)));
  const waiting = patient.acquire([queue], 5_000);
  await eventually(CONDITION_DEADLINE_MS, async () => {
    if (refusals.length === 0) throw new Error('B has not been refused yet');
  });
  await step('A releases the queue while B waits', () => holding.release());
  const waited = await waiting;
  note('B got the queue after retrying', { attemptsMoreThanOne: waited.attempts.length > 1, refusedAs: refusals[0], holder: await holder(queue, waited) });
  await waited.release();

  // Races: A and B ask at the same moment, 20 times; exactly one wins each time.
  let singleWinner = 0;
  for (let round = 0; round < 20; round++) {
    const race = `${prefix}:{race}:${round}`;
    const results = await Promise.allSettled([redlockA.acquire([race], 5_000), redlockB.acquire([race], 5_000)]);
    const winners = results.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (winners.length === 1) singleWinner++;
    await Promise.all(winners.map((w) => w.release()));
  }
  note('20 races, one winner each', singleWinner);

  // using(): the lock is extended automatically while the routine runs (1 s before it would
  // expire, so about 1 s in), and released after.
  const job = `${prefix}:{job}`;
  await step('using: extended while it runs, released after', () =>
    redlockA.using([job], 2_000, { automaticExtensionThreshold: 1_000 }, async (signal) => {
      const before = await raw.pexpiretime(job);
      const contender = await redlockB.acquire([job], 1_000).then(() => 'acquired', (err: unknown) => (err instanceof Error ? err.name : String(err)));
      await eventually(CONDITION_DEADLINE_MS, async () => {
        if ((await raw.pexpiretime(job)) <= before) throw new Error('the lock has not been extended yet');
      });
      return { contender, extended: true, aborted: signal.aborted };
    }),
  );
  note('the job is free after using()', await holder(job, null));

  // using() when the lock is taken away: the extensions fail (using() tries again until the lock
  // has run out), the signal aborts, and the release at the end fails too.
  const stolen = `${prefix}:{stolen}`;
  let abortedWith = '';
  await step('using: the lock is stolen under it', () =>
    redlockA.using([stolen], 1_000, { automaticExtensionThreshold: 500 }, async (signal) => {
      await raw.set(stolen, 'thief', 'PX', 10_000);
      await eventually(CONDITION_DEADLINE_MS, async () => {
        if (!signal.aborted) throw new Error('the routine has not been told yet');
      });
      // Its message depends on whether the lock ran out during a refused extension ("unable to
      // achieve a quorum") or just before the next one ("Cannot extend an already-expired lock").
      abortedWith = signal.error?.name ?? 'no error';
      return 'finished';
    }),
  );
  note('the routine was told why', abortedWith);
  note('the thief keeps it', await holder(stolen, null));

  // An empty script cache: EVALSHA gets NOSCRIPT and redlock sends EVAL.
  await side.flushScripts();
  const fresh = (await step('A acquires after SCRIPT FLUSH', () => redlockA.acquire([`${prefix}:{fresh}`], 5_000))) as Lock;
  await step('A releases after SCRIPT FLUSH', () => fresh.release());
  return entries;
}

/**
 * Cluster only: resources in two slots, a mistake a cluster user can make. ioredis routes the
 * EVALSHA by its first key and the node refuses it whole with CROSSSLOT; nothing is locked.
 */
export async function redlockCrossSlotWorkload(client: IoredisClient, side: Side, prefix: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const redlock = new Redlock([client], { retryCount: 0 });
  const resources = [`${prefix}:{lock-a}`, `${prefix}:{lock-b}`];
  await record(entries, 'acquire resources in two slots', () => redlock.acquire(resources, 5_000), describeLockResult);
  entries.push({ step: 'neither is locked', outcome: 'resolved', value: [await side.raw.exists(resources[0] ?? ''), await side.raw.exists(resources[1] ?? '')] });
  return entries;
}

export const REDLOCK_CROSS_SLOT_EXPECTED: readonly Entry[] = [
  {
    step: 'acquire resources in two slots',
    outcome: 'rejected',
    value: {
      error: 'ExecutionError',
      message: 'The operation was unable to achieve a quorum during its retry window.',
      attempts: 1,
      against: ["ReplyError: CROSSSLOT Keys in request don't hash to the same slot"],
    },
  },
  { step: 'neither is locked', outcome: 'resolved', value: [0, 0] },
];

const locked = (resources: string[], attempts = 1): { lock: string[]; attempts: number } => ({ lock: resources, attempts });
const released = { released: true, attempts: 1 };
const QUORUM_FAILED = 'The operation was unable to achieve a quorum during its retry window.';
const refused = (applied: string): unknown => ({
  error: 'ExecutionError',
  message: QUORUM_FAILED,
  attempts: 1,
  against: [`ResourceLockedError: The operation was applied to: ${applied}`],
});

/** The outcome of redlockWorkload on a Redis 7.0 server; `prefix` names the keys. */
export function redlockExpected(prefix: string): Entry[] {
  const r = `${prefix}:{order-1}`;
  const [x, y] = ['x', 'y'].map((name) => `${prefix}:{accounts}:${name}`) as [string, string];
  return [
    { step: 'A acquires the order for 5 s', outcome: 'resolved', value: locked([r]) },
    { step: 'the order is held by A', outcome: 'resolved', value: 'the lock', ms: 5_000 },
    { step: 'B cannot acquire it while A holds it', outcome: 'rejected', value: refused('0 of the 1 requested resources.') },
    { step: 'A extends it to 10 s', outcome: 'resolved', value: locked([r]) },
    { step: 'still held by A, for longer', outcome: 'resolved', value: 'the lock', ms: 10_000 },
    { step: 'B cannot extend it with another value', outcome: 'rejected', value: refused('0 of the 1 requested resources.') },
    { step: 'B cannot release it with another value', outcome: 'rejected', value: refused('0 of the 1 requested resources.') },
    { step: 'still held by A after B tried', outcome: 'resolved', value: 'the lock' },
    { step: 'A releases it', outcome: 'resolved', value: released },
    { step: 'the order is free', outcome: 'resolved', value: 'nobody' },
    { step: 'A releases it again', outcome: 'rejected', value: refused('0 of the 1 requested resources.') },
    { step: 'B acquires the free order', outcome: 'resolved', value: locked([r]) },
    { step: 'B releases it', outcome: 'resolved', value: released },
    { step: 'A locks accounts x and y', outcome: 'resolved', value: locked([x, y]) },
    { step: 'B cannot lock y and z', outcome: 'rejected', value: refused('0 of the 2 requested resources.') },
    { step: 'z was not locked by the failed attempt', outcome: 'resolved', value: 'nobody' },
    { step: 'A releases x and y', outcome: 'resolved', value: released },
    { step: 'x and y are free', outcome: 'resolved', value: ['nobody', 'nobody'] },
    { step: 'A cannot lock x and y while y is held elsewhere', outcome: 'rejected', value: refused('0 of the 2 requested resources.') },
    { step: 'x stays free and y keeps its holder', outcome: 'resolved', value: ['nobody', 'someone else (held-elsewhere)'] },
    { step: 'A acquires the queue', outcome: 'resolved', value: locked([`${prefix}:{queue}`]) },
    { step: 'A releases the queue while B waits', outcome: 'resolved', value: released },
    { step: 'B got the queue after retrying', outcome: 'resolved', value: { attemptsMoreThanOne: true, refusedAs: 'ResourceLockedError', holder: 'the lock' } },
    { step: '20 races, one winner each', outcome: 'resolved', value: 20 },
    { step: 'using: extended while it runs, released after', outcome: 'resolved', value: { contender: 'ExecutionError', extended: true, aborted: false } },
    { step: 'the job is free after using()', outcome: 'resolved', value: 'nobody' },
    // The routine returns, then using()'s own release finds the thief's value and fails (with the
    // Redlock's settings, retryCount 0: using()'s settings are only for acquiring).
    { step: 'using: the lock is stolen under it', outcome: 'rejected', value: refused('0 of the 1 requested resources.') },
    { step: 'the routine was told why', outcome: 'resolved', value: 'ExecutionError' },
    { step: 'the thief keeps it', outcome: 'resolved', value: 'someone else (thief)' },
    { step: 'A acquires after SCRIPT FLUSH', outcome: 'resolved', value: locked([`${prefix}:{fresh}`]) },
    { step: 'A releases after SCRIPT FLUSH', outcome: 'resolved', value: released },
  ];
}
