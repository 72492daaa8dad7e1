/*
 * The dual-run harness: every case sends the same requests to a real redis-server and to hashslot
 * and compares the raw reply bytes.
 *
 *   test file ──▶ dualRun(t) ──▶ one redis-server + one hashslot for the whole file (started in
 *                                parallel, stopped at teardown)
 *       dual.case('SET options', [           each case: a fresh connection to each server and a
 *         ['SET', 'k', 'v', 'NX'],            FLUSHALL, so no state or connection flags (SELECT,
 *         error('SET', 'k'),                  CLIENT REPLY, HELLO 3, auth) leak between cases
 *         sorted('KEYS', '*'),
 *       ])
 *
 * A step is an argv array (exact comparison) or one of the helpers below: sorted, approx, error,
 * shape, raw, rawClose, until, sleep, reconnect, check. Case bodies can also be async functions
 * over a Pair for things tables cannot say (SCAN unions, INFO field names).
 *
 * HASHSLOT_COMPAT_TARGET=redis makes the "hashslot" side a second redis-server: every case must
 * then pass, which is how the harness and the tests themselves are validated. The default target
 * is bin/hashslot-server.
 *
 * When a comparison fails, tap prints a diff of the two replies, escaped (\xff) and one RESP line
 * per text line; `expected` is redis-server's reply.
 */

import type tapDefault from 'tap';
import { isErrorReply, approximately, exactly, sameShape, unordered, mapIgnoring, type Comparator } from './compare';
import { RawClient } from '../../bench/harness/raw-client';
import { startRealRedis, redisServerPath, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import { startTarget, targetName as compatTargetName } from '../helpers/target';
import { delay, type ServerProcess } from '../../bench/harness/server-process';
import { describeArgv, encodeCommand, escapeBytes, type Arg } from '../../bench/harness/resp';

export type Test = tap.Test;
// Keeps the import: the `tap` namespace used above is declared by the package's typings.
export type TapRoot = typeof tapDefault;

export type Side = 'redis' | 'target';

// ─── Steps ──────────────────────────────────────────────────────────────────────────────────────

interface CommandStep { kind: 'command'; argv: Arg[]; compare: Comparator; mustError: boolean; label?: string }
interface RawStep { kind: 'raw'; bytes: Buffer; replies: number; label: string }
interface RawCloseStep { kind: 'rawClose'; bytes: Buffer; label: string }
interface UntilStep { kind: 'until'; argv: Arg[]; expected: string; deadlineMs: number }
interface SleepStep { kind: 'sleep'; ms: number }
interface ReconnectStep { kind: 'reconnect' }

export type Step = readonly Arg[] | CommandStep | RawStep | RawCloseStep | UntilStep | SleepStep | ReconnectStep;

/** Replies equal as multisets of elements (KEYS, CONFIG GET with a glob as pairs). */
export const sorted = (...argv: Arg[]): CommandStep => ({ kind: 'command', argv, compare: unordered(false), mustError: false });
export const sortedPairs = (...argv: Arg[]): CommandStep => ({ kind: 'command', argv, compare: unordered(true), mustError: false });
/** Numbers may differ by `tolerance` (TTL, PTTL, OBJECT IDLETIME). */
export const approx = (tolerance: number, ...argv: Arg[]): CommandStep => ({
  kind: 'command', argv, compare: approximately(tolerance), mustError: false,
});
/** Both must answer the same error; redis not answering an error means the test is wrong. */
export const error = (...argv: Arg[]): CommandStep => ({ kind: 'command', argv, compare: exactly, mustError: true });
/** Same reply types and nesting, any values (CLIENT ID, COMMAND COUNT). */
export const shape = (...argv: Arg[]): CommandStep => ({ kind: 'command', argv, compare: sameShape, mustError: false });
/** A name/value reply where the named fields' values may differ (HELLO: id, version). */
export const mapExcept = (ignored: readonly string[], ...argv: Arg[]): CommandStep => ({
  kind: 'command', argv, compare: mapIgnoring(ignored), mustError: false,
});
/** Any comparator. */
export const check = (compare: Comparator, ...argv: Arg[]): CommandStep => ({ kind: 'command', argv, compare, mustError: false });
/** Raw request bytes; reads `replies` complete replies and compares them all. */
export const raw = (bytes: Buffer | string, replies = 1): RawStep => ({
  kind: 'raw', bytes: toBytes(bytes), replies, label: `raw "${escapeBytes(toBytes(bytes)).slice(0, 80)}"`,
});
/** Raw request bytes after which the server must close: every byte until close is compared. */
export const rawClose = (bytes: Buffer | string): RawCloseStep => ({
  kind: 'rawClose', bytes: toBytes(bytes), label: `raw+close "${escapeBytes(toBytes(bytes)).slice(0, 80)}"`,
});
/** Polls each server until it answers `expected` (raw RESP), e.g. ':0\r\n' for DBSIZE. */
export const until = (expected: string, argv: Arg[], deadlineMs = 5_000): UntilStep => ({ kind: 'until', argv, expected, deadlineMs });
/** Lets time pass, for expiry: the only place where waiting for a fixed time is the point. */
export const sleep = (ms: number): SleepStep => ({ kind: 'sleep', ms });
/** New connections to both servers (after QUIT, a protocol error, or to test connection state). */
export const reconnect = (): ReconnectStep => ({ kind: 'reconnect' });

function toBytes(data: Buffer | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
}

function asCommandStep(step: readonly Arg[]): CommandStep {
  return { kind: 'command', argv: [...step], compare: exactly, mustError: false };
}

// ─── A pair of connections ──────────────────────────────────────────────────────────────────────

/** One connection to each server, driven in lockstep, asserting into one tap test. */
export class Pair {
  private stepNumber = 0;

  constructor(
    private readonly t: Test,
    private readonly servers: Servers,
    public redis: RawClient,
    public target: RawClient,
  ) {}

  client(side: Side): RawClient {
    return side === 'redis' ? this.redis : this.target;
  }

  async reconnect(): Promise<void> {
    this.redis.close();
    this.target.close();
    [this.redis, this.target] = await Promise.all([
      RawClient.connect(this.servers.redis.port),
      RawClient.connect(this.servers.target.port),
    ]);
  }

  close(): void {
    this.redis.close();
    this.target.close();
  }

  /** Runs `fn` against both connections at once. redis-side failures mean the test is wrong. */
  async both<T>(fn: (client: RawClient, side: Side) => Promise<T>): Promise<[T, T | Error]> {
    const [r, h] = await Promise.allSettled([fn(this.redis, 'redis'), fn(this.target, 'target')]);
    if (r.status === 'rejected') throw new Error(`redis-server side failed (the test is wrong?): ${String(r.reason)}`);
    return [r.value, h.status === 'fulfilled' ? h.value : toError(h.reason)];
  }

  /** Asserts the target's value equals redis's, with a readable diff. */
  same(actual: unknown, expected: unknown, label: string): void {
    this.t.same(actual, expected, label, { at: null, stack: '' });
  }

  async do(...argv: Arg[]): Promise<void> { await this.step(asCommandStep(argv)); }
  async doSorted(...argv: Arg[]): Promise<void> { await this.step(sorted(...argv)); }
  async doApprox(tolerance: number, ...argv: Arg[]): Promise<void> { await this.step(approx(tolerance, ...argv)); }
  async error(...argv: Arg[]): Promise<void> { await this.step(error(...argv)); }

  /** Runs one step on both servers and asserts the replies match. */
  async step(step: Step): Promise<void> {
    this.stepNumber++;
    const s: Exclude<Step, readonly Arg[]> = Array.isArray(step) ? asCommandStep(step as readonly Arg[]) : (step as Exclude<Step, readonly Arg[]>);
    switch (s.kind) {
      case 'command': {
        const label = s.label ?? describeArgv(s.argv);
        const request = encodeCommand(s.argv);
        const [r, h] = await this.both(async (c) => {
          c.write(request);
          const [reply] = await c.readReplies(1);
          return reply ?? Buffer.alloc(0);
        });
        if (s.mustError && !isErrorReply(r)) {
          this.t.fail(`#${this.stepNumber} ${label}: redis-server did not answer an error (the test is wrong): ${escapeBytes(r)}`);
          return;
        }
        this.compare(s.compare, r, h, label);
        return;
      }
      case 'raw': {
        const [r, h] = await this.both(async (c) => {
          c.write(s.bytes);
          return Buffer.concat(await c.readReplies(s.replies));
        });
        this.compare(exactly, r, h, s.label);
        return;
      }
      case 'rawClose': {
        const [r, h] = await this.both(async (c) => {
          c.write(s.bytes);
          return c.readUntilClose();
        });
        this.compare(exactly, r, h, s.label);
        return;
      }
      case 'until': {
        const label = `until ${describeArgv(s.argv)} answers "${escapeBytes(Buffer.from(s.expected, 'latin1'))}"`;
        const [r, h] = await this.both((c) => pollUntil(c, s.argv, s.expected, s.deadlineMs));
        this.compare(exactly, r, h, label);
        return;
      }
      case 'sleep':
        await delay(s.ms);
        return;
      case 'reconnect':
        await this.reconnect();
        return;
    }
  }

  private compare(comparator: Comparator, redis: Buffer, target: Buffer | Error, label: string): void {
    const targetBytes = target instanceof Error ? Buffer.from(`<${target.message}>`, 'latin1') : target;
    const { expected, actual } = comparator(redis, targetBytes);
    // No stack or source excerpt: the step label and the diff say everything, the harness
    // internals would only bury them.
    this.t.equal(actual, expected, `#${this.stepNumber} ${label}`, { at: null, stack: '' });
  }
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

async function pollUntil(c: RawClient, argv: Arg[], expected: string, deadlineMs: number): Promise<Buffer> {
  const deadline = Date.now() + deadlineMs;
  const want = Buffer.from(expected, 'latin1');
  for (;;) {
    const reply = await c.call(...argv);
    if (reply.equals(want)) return reply;
    if (Date.now() > deadline) {
      throw new Error(`still "${escapeBytes(reply)}" after ${deadlineMs} ms, waiting for "${escapeBytes(want)}"`);
    }
    await delay(10);
  }
}

// ─── The suite: servers per file ────────────────────────────────────────────────────────────────

export interface Servers {
  redis: ServerProcess;
  target: ServerProcess;
  targetName: 'hashslot' | 'redis';
}

export { compatTargetName };

export interface DualRunOptions {
  /** Extra directives for both servers, e.g. ['--requirepass', 'x']. */
  serverArgs?: string[];
  /** Sent with AUTH (uncompared) on each case's first connections, for servers with requirepass. */
  password?: string;
}

export type CaseBody = readonly Step[] | ((pair: Pair, t: Test) => Promise<void>);

export interface CaseOptions {
  /** Send HELLO 3 first (its reply compared except for id and version). */
  resp3?: boolean;
  /** A known gap, reported but not failing the suite: says which issue closes it. */
  todo?: string;
}

export class DualRun {
  private servers: Servers | null = null;

  constructor(
    private readonly t: Test,
    readonly enabled: boolean,
    private readonly password: string | null = null,
  ) {}

  /** The running servers; only valid inside a case. */
  get running(): Servers {
    if (this.servers === null) throw new Error('servers not started');
    return this.servers;
  }

  setServers(servers: Servers): void {
    this.servers = servers;
  }

  /** Declares one case: a tap subtest with fresh connections and empty databases. */
  case(name: string, body: CaseBody, options: CaseOptions = {}): void {
    if (!this.enabled) return;
    void this.t.test(name, options.todo === undefined ? {} : { todo: options.todo }, async (tt) => {
      const servers = this.running;
      const [redis, target] = await Promise.all([RawClient.connect(servers.redis.port), RawClient.connect(servers.target.port)]);
      const pair = new Pair(tt, servers, redis, target);
      try {
        if (this.password !== null) {
          const password = this.password;
          await pair.both((c) => c.call('AUTH', password));
        }
        const [r, h] = await pair.both((c) => c.call('FLUSHALL'));
        if (r.toString('latin1') !== '+OK\r\n' || h instanceof Error || h.toString('latin1') !== '+OK\r\n') {
          tt.fail(`could not reset state before the case: redis "${escapeBytes(r)}", ${servers.targetName} "${h instanceof Error ? h.message : escapeBytes(h)}"`);
          return;
        }
        if (options.resp3 === true) await pair.step(mapExcept(['id', 'version'], 'HELLO', '3'));
        if (typeof body === 'function') {
          await body(pair, tt);
        } else {
          for (const step of body) await pair.step(step);
        }
      } finally {
        pair.close();
      }
    });
  }
}

/**
 * Sets up a file's dual run: skips the whole file when redis-server is missing, otherwise starts
 * both servers before the first case and stops them at teardown.
 */
export function dualRun(t: Test, options: DualRunOptions = {}): DualRun {
  if (redisServerPath() === null) {
    t.plan(0, REDIS_MISSING_MESSAGE);
    return new DualRun(t, false);
  }
  const dual = new DualRun(t, true, options.password ?? null);
  const started: ServerProcess[] = [];
  t.before(async () => {
    const targetName = compatTargetName();
    const extra = options.serverArgs ?? [];
    const redisStart = startRealRedis(extra).then((s) => (started.push(s), s));
    const targetStart = startTarget(extra).then((s) => (started.push(s), s));
    const [redis, target] = await Promise.all([redisStart, targetStart]);
    dual.setServers({ redis, target, targetName });
  });
  t.teardown(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });
  return dual;
}
