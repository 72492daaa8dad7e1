/*
 * The scaffold the per-type replication tests (lists, sorted sets, bitmaps, pub/sub) share: a
 * synced pair for every combination of kinds, a table of steps each naming what it must put in
 * the replication stream, and reads that must answer the same on both sides.
 *
 * Why the offset measures propagation: the master's `master_repl_offset` grows by exactly the
 * bytes it appends to the stream, so a step that must propagate `LPOP l 2` moves it by the RESP
 * length of that command, and a step that must propagate nothing leaves it still. A keepalive
 * PING the master happens to send in between adds its own bytes; that one interleaving is
 * allowed for. The first write after a sync also carries a SELECT, so a warm-up write takes it
 * out of the way before the steps run.
 */

import t from 'tap';
import { encodeCommand, type Arg } from '../../bench/harness/resp';
import { forEachCombo, missingPrerequisite, show, waitForSync, startPair, type ReplNode, type Test } from './replication-harness';

const PING_BYTES = encodeCommand(['PING']).length;

/** One command run on the master, and the commands the replica must receive for it, in order. */
export interface Step {
  argv: Arg[];
  /** Empty when nothing may be propagated. */
  propagated: Arg[][];
}

/** A step propagated as it was sent. */
export const same = (...argv: Arg[]): Step => ({ argv, propagated: [argv] });
/** A step propagated as another command (null: as nothing). */
export const as = (propagated: Arg[] | null, ...argv: Arg[]): Step => ({ argv, propagated: propagated === null ? [] : [propagated] });
/** A step that must propagate nothing. */
export const none = (...argv: Arg[]): Step => as(null, ...argv);

export interface PairOptions {
  /** Write `SET warmup v` after the sync, so the steps' offsets do not include a SELECT. */
  readonly warmup: boolean;
}

/**
 * One subtest per combination of kinds: a master and a replica linked with REPLICAOF and synced
 * (and warmed up, unless asked not to), then `body`. The whole file is skipped when there is no
 * redis-server to play the reference side.
 */
export function forEachSyncedPair(
  scenario: string,
  body: (tt: Test, master: ReplNode, replica: ReplNode) => Promise<void>,
  options: PairOptions = { warmup: true },
): void {
  const missing = missingPrerequisite();
  if (missing !== null) {
    t.plan(0, missing);
    return;
  }
  forEachCombo(t, scenario, async (tt, combo) => {
    const [master, replica] = await startPair(tt, combo);
    tt.match(await replica.replicaOf(master), /^\+OK/);
    await waitForSync(master, replica);
    if (options.warmup) {
      await master.call('SET', 'warmup', 'v');
      await waitForSync(master, replica);
    }
    await body(tt, master, replica);
  });
}

export async function offsetOf(node: ReplNode): Promise<number> {
  return (await node.info('replication')).num('master_repl_offset');
}

/** Asserts that the master's offset moved by what `propagated` weighs (plus, maybe, a PING). */
export function checkMoved(tt: Test, propagated: readonly Arg[][], moved: number, label: string): void {
  const expected = propagated.reduce((n, argv) => n + encodeCommand(argv).length, 0);
  tt.ok(moved === expected || moved === expected + PING_BYTES, label, { moved, expected });
}

/** Runs every step on the master, checking what each one propagated. */
export async function runSteps(tt: Test, master: ReplNode, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    const before = await offsetOf(master);
    const reply = await master.call(...step.argv);
    const moved = (await offsetOf(master)) - before;
    const what = step.propagated.map((p) => p.join(' ')).join(' + ') || 'nothing';
    checkMoved(tt, step.propagated, moved, `${step.argv.join(' ')} → ${show(reply)} propagates ${what}`);
  }
}

/** Sends `argv` to both nodes and asserts the replica answers as the master; the master's answer. */
export async function sameOnReplica(tt: Test, master: ReplNode, replica: ReplNode, argv: Arg[], label: string): Promise<string> {
  const [m, r] = await Promise.all([master.call(...argv), replica.call(...argv)]);
  tt.equal(show(r), show(m), label);
  return show(m);
}

/**
 * After the replica caught up: every key has the same TYPE on both sides, and those of `type`
 * (e.g. "+list") the same contents, read with `read(key)` and labelled `label(key)`.
 */
export async function sameKeysOnReplica(
  tt: Test,
  master: ReplNode,
  replica: ReplNode,
  keys: readonly string[],
  type: string,
  read: (key: string) => Arg[],
  label: (key: string) => string,
): Promise<void> {
  await waitForSync(master, replica);
  for (const key of keys) {
    if ((await sameOnReplica(tt, master, replica, ['TYPE', key], `TYPE ${key} on the replica`)) === type) {
      await sameOnReplica(tt, master, replica, read(key), label(key));
    }
  }
}
