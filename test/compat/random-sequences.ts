/*
 * The driver the property-based differential tests share: fast-check draws sequences of
 * commands, each sequence runs on a flushed redis-server and hashslot, reply by reply, and the
 * first reply that differs fails the property; fast-check then shrinks it to the shortest
 * sequence that still differs, which the failure message prints. The seed is printed and
 * FC_SEED replays a run.
 *
 * With `events`, each server also has a keyspace subscriber (keyspace-subscriber.ts) and the
 * notifications a sequence produced must be equal too, in order.
 */
import fc from 'fast-check';
import { exactly, type Comparator } from './compare';
import type { Pair, Side, Test } from './harness';
import { messagesUntilMarker, SYNC_MARKER_COMMAND } from './keyspace-subscriber';
import type { RawClient } from '../../bench/harness/raw-client';
import { describeArgv, encodeCommand, type Arg } from '../../bench/harness/resp';

/** One generated command and how its replies are compared. */
export interface RandomCommand {
  argv: Arg[];
  compare: Comparator;
}

/** A command whose replies must match byte for byte. */
export const exactCommand = (...argv: Arg[]): RandomCommand => ({ argv, compare: exactly });

export interface SequenceOptions {
  numRuns: number;
  /** Stop drawing new sequences after this long (what ran is the result). */
  timeLimitMs: number;
  maxLength: number;
  /** Shortest sequence drawn (default 1); longer ones let state build up before it is queried. */
  minLength?: number;
  /** Added to the clock-derived seed, so two cases of one file draw different sequences. */
  seedOffset?: number;
  /** Keyspace subscribers of each side whose notifications must match as well. */
  events?: Record<Side, RawClient>;
}

export async function checkRandomSequences(pair: Pair, tt: Test, command: fc.Arbitrary<RandomCommand>, options: SequenceOptions): Promise<void> {
  const envSeed = process.env['FC_SEED'];
  const seed = envSeed !== undefined && envSeed !== '' ? Number(envSeed) : (Date.now() + (options.seedOffset ?? 0)) % 2_147_483_647;
  tt.comment(`fast-check seed ${seed} (replay with FC_SEED=${seed})`);
  let firstMismatch = '';
  // fast-check's time limit stops waiting for a run, not the run: the interrupted run would go
  // on writing commands whose replies the next test step would then read. So a run stops at its
  // next command once the check is over, and the check waits for it before returning.
  let stopped = false;
  let running: Promise<boolean> = Promise.resolve(true);
  const property = async (commands: RandomCommand[]): Promise<boolean> => {
    await pair.both((c) => c.call('FLUSHALL'));
    const events = options.events;
    // A run that stopped at a differing reply left its notifications unread: drop them.
    if (events !== undefined) {
      await pair.both((c) => c.call(...SYNC_MARKER_COMMAND));
      await pair.both((_c, side) => messagesUntilMarker(events[side]));
    }
    for (const [i, c] of commands.entries()) {
      if (stopped) return true;
      const request = encodeCommand(c.argv);
      const [r, h] = await pair.both(async (client) => {
        client.write(request);
        const [reply] = await client.readReplies(1);
        return reply ?? Buffer.alloc(0);
      });
      const { expected, actual } = c.compare(r, h instanceof Error ? Buffer.from(`<${h.message}>`) : h);
      if (expected !== actual) {
        const history = commands.slice(0, i + 1).map((x) => describeArgv(x.argv)).join('\n  ');
        firstMismatch = `after:\n  ${history}\nredis-server: ${expected}\nhashslot:     ${actual}`;
        return false;
      }
    }
    if (events === undefined) return true;
    await pair.both((c) => c.call(...SYNC_MARKER_COMMAND));
    const [r, h] = await pair.both((_c, side) => messagesUntilMarker(events[side]));
    const expected = r.join('');
    const actual = h instanceof Error ? `<${h.message}>` : h.join('');
    if (expected === actual) return true;
    const history = commands.map((x) => describeArgv(x.argv)).join('\n  ');
    firstMismatch = `(notifications) after:\n  ${history}\nredis-server: ${JSON.stringify(r)}\nhashslot:     ${JSON.stringify(h)}`;
    return false;
  };
  const result = await fc.check(
    fc.asyncProperty(fc.array(command, { minLength: options.minLength ?? 1, maxLength: options.maxLength }), (commands) => {
      running = property(commands);
      return running;
    }),
    { seed, numRuns: options.numRuns, interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false },
  );
  stopped = true;
  await running.catch(() => false);
  if (result.failed) {
    tt.fail(`replies differ (seed ${seed}, ${result.numShrinks} shrinks). Smallest failing sequence ${firstMismatch}`);
  } else {
    tt.pass(`${result.numRuns} random sequences matched (seed ${seed})`);
  }
}
