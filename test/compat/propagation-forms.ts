/*
 * The runner behind the propagation-forms tests: what a master sends its replicas for each write,
 * read off the replication stream of a real redis-server and of hashslot by a raw fake replica
 * (test/helpers/fake-replica.ts), and compared byte for byte.
 *
 * A scenario is a table row: setup commands, optionally clients left blocked (BLPOP...), then
 * the commands under test. Each phase ends with a marker write in db 0, and the stream is read up
 * to that marker, so what the commands under test sent is exactly what lies between the two
 * markers:
 *
 *   FLUSHALL, setup..., SET marker:i:setup 1 │ the commands under test │ SET marker:i:run 1
 *   ────────────── read and dropped ─────────┴──────── captured ───────┴── dropped (and the
 *                                                                           SELECT 0 before it)
 *
 * What must differ between two servers, and how it is made comparable:
 *   - Deadlines computed from the clock (SET EX → SET PXAT <ms>, EXPIRE → PEXPIREAT <ms>): any
 *     13-digit number within 30 days of the run is replaced by its distance from the instant the
 *     commands were sent, in whole seconds (`<now+100s>`). Scenarios that give absolute times
 *     use year-2100 instants, far outside that window, so those are compared as they are.
 *   - Members SPOP picks at random: in a `random` scenario, SREM's members are replaced by `<m>`
 *     (their number still counts), and each side checks on its own that the members it sent
 *     are the ones it replied with. Runs of identical frames are then shown once, with a count.
 * A frame left untouched is compared as the master's raw bytes; a normalized one as the RESP
 * encoding of its normalized arguments.
 *
 * Active expiry is switched off (DEBUG SET-ACTIVE-EXPIRE 0) so a key that expires is deleted
 * lazily, by the command that touches it, which is what the lazy-expiry scenarios look at.
 */
import type tapDefault from 'tap';
import { FakeReplica, type StreamFrame } from '../helpers/fake-replica';
import { startTarget } from '../helpers/target';
import { startRealRedis } from '../../bench/harness/real-redis';
import { RawClient } from '../../bench/harness/raw-client';
import { encodeCommand, escapeBytes, parseReply, type Arg, type RespNode } from '../../bench/harness/resp';
import type { ServerProcess } from '../../bench/harness/server-process';

type Test = tap.Test;
// Keeps the import: the `tap` namespace used above is declared by the package's typings.
export type TapRoot = typeof tapDefault;

export interface Scenario {
  readonly name: string;
  readonly setup: readonly Arg[][];
  /** Commands sent first, each by a client of its own, that must block before `run` starts. */
  readonly blocked?: readonly Arg[][];
  /** Wait this long after the setup, so keys set to expire sooner are past their deadline. */
  readonly expireAfterMs?: number;
  readonly run: readonly Arg[][];
  /** SREM members are the server's random picks (SPOP): compared by number, not by value. */
  readonly random?: boolean;
}

/** A row: `row(name, setup, ...run)`. */
export function row(name: string, setup: readonly Arg[][], ...run: Arg[][]): Scenario {
  return { name, setup, run };
}

/** What one server did for one scenario. */
export interface Captured {
  /** Each stream command, escaped for a readable diff. */
  readonly stream: string[];
  /** Replies to `run` then to the blocked clients, escaped (only shown on a mismatch). */
  readonly replies: string[];
  /** In a `random` scenario: whether the members sent in SREMs are those replied (else true). */
  readonly popsConsistent: boolean;
}

const CLOCK_WINDOW_MS = 30 * 24 * 3600 * 1000;
const DEADLINE_MS = 10_000;

/** Runs every scenario on `server`, in order, capturing each one's stream. */
export async function captureAll(server: ServerProcess, scenarios: readonly Scenario[]): Promise<Captured[]> {
  const replica = await FakeReplica.attach(server.port);
  const client = await RawClient.connect(server.port);
  try {
    await client.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    const out: Captured[] = [];
    for (const [i, scenario] of scenarios.entries()) out.push(await captureOne(server, replica, client, scenario, i));
    return out;
  } finally {
    client.close();
    replica.close();
  }
}

async function captureOne(server: ServerProcess, replica: FakeReplica, client: RawClient, scenario: Scenario, i: number): Promise<Captured> {
  await client.call('SELECT', '0');
  await client.call('FLUSHALL');
  for (const argv of scenario.setup) await client.call(...argv);
  const setupDoneAt = Date.now();
  await mark(client, replica, `marker:${i}:setup`);

  const blocked: RawClient[] = [];
  try {
    for (const argv of scenario.blocked ?? []) {
      const other = await RawClient.connect(server.port);
      blocked.push(other);
      other.send(...argv);
      await waitForBlocked(client, blocked.length);
    }
    // Waiting for the clock itself: the condition is that real time passed the keys' deadlines.
    if (scenario.expireAfterMs !== undefined) await waitUntil(() => Date.now() >= setupDoneAt + (scenario.expireAfterMs ?? 0));

    const sentAt = Date.now();
    const replies: Buffer[] = [];
    for (const argv of scenario.run) replies.push(await client.call(...argv));
    for (const other of blocked) replies.push(...(await other.readReplies(1)));
    const frames = await mark(client, replica, `marker:${i}:run`);
    frames.pop();
    const last = frames[frames.length - 1];
    if (last !== undefined && last.argv[0]?.toUpperCase() === 'SELECT' && last.argv[1] === '0') frames.pop();

    return {
      stream: compactRuns(frames.map((frame) => normalize(frame, sentAt, scenario.random === true))),
      replies: replies.map(escapeBytes),
      popsConsistent: scenario.random === true ? popsConsistent(frames, replies) : true,
    };
  } finally {
    for (const other of blocked) other.close();
  }
}

/** Writes the marker in db 0 and reads the stream up to it (included). */
async function mark(client: RawClient, replica: FakeReplica, marker: string): Promise<StreamFrame[]> {
  await client.call('SELECT', '0');
  await client.call('SET', marker, '1');
  return replica.readFramesUntil((argv) => argv[1] === marker, DEADLINE_MS);
}

async function waitForBlocked(client: RawClient, count: number): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const info = (await client.call('INFO', 'clients')).toString('latin1');
    const blocked = /blocked_clients:(\d+)/.exec(info)?.[1];
    if (Number(blocked) >= count) return;
    if (Date.now() > deadline) throw new Error(`${count} blocked clients expected, INFO says ${blocked}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function waitUntil(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function normalize(frame: StreamFrame, sentAt: number, random: boolean): string {
  let changed = false;
  const argv = frame.argv.map((arg) => {
    if (/^\d{13}$/.test(arg) && Math.abs(Number(arg) - sentAt) < CLOCK_WINDOW_MS) {
      changed = true;
      const seconds = Math.round((Number(arg) - sentAt) / 1000);
      return `<now${seconds < 0 ? '' : '+'}${seconds}s>`;
    }
    return arg;
  });
  if (random && argv[0]?.toUpperCase() === 'SREM') {
    changed = true;
    for (let j = 2; j < argv.length; j++) argv[j] = '<m>';
  }
  return escapeBytes(changed ? encodeCommand(argv) : frame.raw);
}

/** Runs of identical frames (SPOP's SREMs, once normalized) as one entry `frame ×n`, for short diffs. */
function compactRuns(stream: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < stream.length; ) {
    let j = i + 1;
    while (j < stream.length && stream[j] === stream[i]) j++;
    out.push(j - i > 1 ? `${stream[i]} ×${j - i}` : (stream[i] as string));
    i = j;
  }
  return out;
}

/** The members the SREMs removed are exactly those the replies returned (as multisets). */
function popsConsistent(frames: readonly StreamFrame[], replies: readonly Buffer[]): boolean {
  const sent = frames.filter((f) => f.argv[0]?.toUpperCase() === 'SREM').flatMap((f) => f.argv.slice(2));
  const replied = replies.flatMap((reply) => leaves(parseReply(reply)));
  return sent.length > 0 && JSON.stringify(sent.sort()) === JSON.stringify(replied.sort());
}

function leaves(node: RespNode): string[] {
  if (node.type === '$') return node.isNull ? [] : [node.text.toString('latin1')];
  return node.items.flatMap(leaves);
}

/**
 * The test body both table files share: the scenarios on a real redis-server and on the target
 * (hashslot, or redis-server again with HASHSLOT_COMPAT_TARGET=redis), stream against stream.
 * `pinned` names scenarios (of this table or another) whose Redis stream is also checked against what Redis 7.0 was seen
 * to send, so a change on either side is noticed.
 */
export async function compareStreams(
  tt: Test,
  scenarios: readonly Scenario[],
  pinned: Readonly<Record<string, readonly string[][]>> = {},
): Promise<void> {
  const [redis, target] = await Promise.all([startRealRedis(), startTarget()]);
  tt.teardown(() => Promise.all([redis.stop(), target.stop()]).then(() => undefined));
  const [expected, actual] = await Promise.all([captureAll(redis, scenarios), captureAll(target, scenarios)]);
  for (const [i, scenario] of scenarios.entries()) {
    const want = expected[i];
    const got = actual[i];
    if (want === undefined || got === undefined) throw new Error(`scenario ${scenario.name} not captured`);
    tt.same(got.stream, want.stream, scenario.name, { replies: got.replies, redisReplies: want.replies });
    if (scenario.random === true) tt.ok(got.popsConsistent && want.popsConsistent, `${scenario.name}: SREM sends the popped members`);
    const pin = pinned[scenario.name];
    if (pin !== undefined) tt.same(want.stream, pin.map((argv) => escapeBytes(encodeCommand(argv))), `${scenario.name}: Redis 7.0 sends it so`);
  }
}
