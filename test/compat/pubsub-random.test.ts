/*
 * Property-based differential test for pub/sub on one connection: fast-check draws sequences of
 * (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB and a few ordinary commands over a
 * small set of channels and patterns, runs each on both servers, and requires the same replies.
 *
 * A command may answer any number of times (one confirmation per channel, a message pushed to
 * this very connection before PUBLISH's count in RESP3), so each command is followed by
 * `PING <marker>` and everything up to the marker's echo is that command's answer. In RESP2 the
 * subscribed context rejects PUBLISH and friends, which the sequences exercise as well.
 *
 * Where Redis's order comes from its hash tables (an argument-less UNSUBSCRIBE or SUNSUBSCRIBE
 * of several channels, pmessages of several matching patterns, PUBSUB CHANNELS) the replies are
 * compared as a multiset, with the counts they carry compared in order.
 *
 * Seeded: the seed is printed, and FC_SEED=<n> replays a run.
 */

import t from 'tap';
import fc from 'fast-check';
import { dualRun, type Pair, type Test } from './harness';
import { describeArgv, encodeCommand, escapeBytes, parseReply, type Arg } from '../../bench/harness/resp';
import type { RawClient } from '../../bench/harness/raw-client';

const dual = dualRun(t);

const TIME_LIMIT_MS = 10_000;
const NUM_RUNS = 2000;
const MAX_REPLIES = 64;

const channel = fc.constantFrom<Arg>('a', 'b', 'ab', Buffer.from([0xff, 0x00]), '');
const pattern = fc.constantFrom<Arg>('a*', '*', '?', 'a', '[ab]*', 'x*');
const channels = fc.array(channel, { minLength: 1, maxLength: 4 });
const patterns = fc.array(pattern, { minLength: 1, maxLength: 3 });
const payload = fc.constantFrom<Arg>('m', '', Buffer.from([0x0d, 0x0a, 0xff]));

const command: fc.Arbitrary<Arg[]> = fc.oneof(
  channels.map((c) => ['SUBSCRIBE', ...c]),
  patterns.map((p) => ['PSUBSCRIBE', ...p]),
  channels.map((c) => ['SSUBSCRIBE', ...c]),
  fc.array(channel, { maxLength: 3 }).map((c) => ['UNSUBSCRIBE', ...c]),
  fc.array(pattern, { maxLength: 3 }).map((p) => ['PUNSUBSCRIBE', ...p]),
  fc.array(channel, { maxLength: 3 }).map((c) => ['SUNSUBSCRIBE', ...c]),
  fc.tuple(channel, payload).map(([c, m]) => ['PUBLISH', c, m]),
  fc.tuple(channel, payload).map(([c, m]) => ['SPUBLISH', c, m]),
  channels.map((c) => ['PUBSUB', 'NUMSUB', ...c]),
  channels.map((c) => ['PUBSUB', 'SHARDNUMSUB', ...c]),
  fc.constantFrom<Arg[]>(['PUBSUB', 'NUMPAT'], ['PUBSUB', 'CHANNELS'], ['PUBSUB', 'SHARDCHANNELS'], ['PUBSUB', 'CHANNELS', 'a*']),
  fc.constantFrom<Arg[]>(['PING'], ['ECHO', 'e'], ['SET', 'k', 'v'], ['GET', 'k'], ['DBSIZE']),
);

/** Commands whose several replies may come in hash-table order. */
function unorderedReplies(argv: readonly Arg[]): boolean {
  const name = String(argv[0]).toUpperCase();
  if (name === 'PUBLISH') return true;
  if (name === 'PUBSUB') return String(argv[1]).toUpperCase().endsWith('CHANNELS');
  return (name === 'UNSUBSCRIBE' || name === 'SUNSUBSCRIBE') && argv.length === 1;
}

/** Everything a command answered, up to the echo of the marker PING that followed it. */
async function answerOf(client: RawClient, argv: readonly Arg[], marker: string): Promise<Buffer[]> {
  client.write(Buffer.concat([encodeCommand(argv), encodeCommand(['PING', marker])]));
  const replies: Buffer[] = [];
  for (;;) {
    const [reply] = await client.readReplies(1);
    if (reply === undefined) throw new Error('no reply');
    if (reply.toString('latin1').endsWith(`$${marker.length}\r\n${marker}\r\n`)) return replies;
    replies.push(reply);
    if (replies.length > MAX_REPLIES) throw new Error(`more than ${MAX_REPLIES} replies to ${describeArgv(argv)}`);
  }
}

/** One comparable text per answer: exact, or a multiset of replies plus their counts in order. */
function render(argv: readonly Arg[], replies: readonly Buffer[]): string {
  if (!unorderedReplies(argv)) return replies.map(escapeBytes).join(' | ');
  const counts: string[] = [];
  const items: string[] = [];
  for (const reply of replies) {
    const node = parseReply(reply);
    const last = node.items[node.items.length - 1];
    if (node.items.length === 3 && last !== undefined && last.type === ':') {
      counts.push(last.text.toString('latin1'));
      items.push(node.items.slice(0, 2).map((i) => escapeBytes(i.raw)).join(''));
    } else if (String(argv[0]).toUpperCase() === 'PUBSUB') {
      items.push(...node.items.map((i) => escapeBytes(i.raw)), `(${node.type}${node.items.length})`);
    } else {
      items.push(escapeBytes(reply));
    }
  }
  return `{${items.sort().join(' | ')}} counts ${counts.join(',')}`;
}

async function checkSequences(pair: Pair, tt: Test, resp3: boolean, seedOffset: number): Promise<void> {
  const envSeed = process.env['FC_SEED'];
  const seed = envSeed !== undefined && envSeed !== '' ? Number(envSeed) : (Date.now() + seedOffset) % 2_147_483_647;
  tt.comment(`fast-check seed ${seed} (replay with FC_SEED=${seed})`);
  let mismatch = '';
  const result = await fc.check(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (commands) => {
      // A fresh session: RESET leaves every subscription and returns to RESP2.
      await pair.both(async (c) => {
        await c.call('RESET');
        if (resp3) await c.call('HELLO', '3');
      });
      for (const [i, argv] of commands.entries()) {
        const marker = `marker-${i}`;
        const [r, h] = await pair.both((c) => answerOf(c, argv, marker));
        const expected = render(argv, r);
        const actual = h instanceof Error ? `<${h.message}>` : render(argv, h);
        if (expected !== actual) {
          const history = commands.slice(0, i + 1).map((x) => describeArgv(x)).join('\n  ');
          mismatch = `after:\n  ${history}\nredis-server: ${expected}\nhashslot:     ${actual}`;
          return false;
        }
      }
      return true;
    }),
    { seed, numRuns: NUM_RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
  );
  if (result.failed) tt.fail(`replies differ (seed ${seed}, ${result.numShrinks} shrinks). Smallest failing sequence ${mismatch}`);
  else tt.pass(`${result.numRuns} random sequences matched (seed ${seed})`);
}

dual.case('random pub/sub sequences on one connection (RESP2)', (pair, tt) => checkSequences(pair, tt, false, 0));
dual.case('random pub/sub sequences on one connection (RESP3)', (pair, tt) => checkSequences(pair, tt, true, 7));
