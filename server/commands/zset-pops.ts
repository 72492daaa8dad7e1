/**
 * Popping sorted sets: ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX, BZMPOP.
 * See https://redis.io/commands/zpopmin/, /zmpop/, /bzpopmin/ and server/blocking.ts.
 *
 * Replies differ by command, and in RESP3:
 *   ZPOPMIN k        [member, score]                 (flat in both protocols)
 *   ZPOPMIN k count  RESP2 flat member, score, ...; RESP3 [[member, score], ...]
 *   ZMPOP, BZMPOP    [key, [[member, score], ...]]   (nested in both)
 *   BZPOPMIN         [key, member, score]
 * and a missing key answers the empty array (ZPOPMIN) or the null array (ZMPOP, and a blocking
 * form that cannot wait or times out).
 *
 * A blocking form first does what its non-blocking form does (a WRONGTYPE key met before a
 * non-empty one is an error); only when every key is missing does it block (pop-or-block.ts,
 * shared with the blocking list commands). What a replica is sent is what Redis 7.0 sends (read
 * from its replication stream): BZPOPMIN/BZPOPMAX become ZPOPMIN/ZPOPMAX key, and ZMPOP/BZMPOP
 * become ZPOPMIN/ZPOPMAX key <number popped>. Inside EXEC or on a replication link it answers
 * the null array at once.
 *
 * Argument order: ZPOPMIN parses the count before the key; BZPOPMIN parses its timeout before
 * the keys; (B)ZMPOP parses numkeys, MIN|MAX and COUNT first, BZMPOP its timeout after those.
 */
import type { ByteString } from '../../storage/bytes';
import type { SortedSetValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at, intArg, isWord, syntaxError } from './args';
import { deadlineArg } from './blocking-lists';
import { cmd, type CommandImpl } from '../dispatch/command';
import { popOrBlock } from './pop-or-block';
import { popMembers, replyScore, writeZset, ZERR, type PopEnd } from './zset-ops';

const POP_COMMAND: Record<PopEnd, string> = { min: 'ZPOPMIN', max: 'ZPOPMAX' };

// -------------------------------------------------------------------------------------------------
// ZPOPMIN, ZPOPMAX

function zpopCommand(end: PopEnd) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    if (argv.length > 3) syntaxError();
    let count = 1;
    const withCount = argv.length === 3;
    if (withCount) {
      count = intArg(at(argv, 2), ERR.outOfRangePositive);
      if (count < 0) throw new ReplyError(ERR.outOfRangePositive);
    }
    const key = at(argv, 1);
    const zset = writeZset(ctx, key);
    if (zset === undefined || count === 0) {
      ctx.reply.array(0);
      return;
    }
    const popped = popMembers(ctx, key, zset, end, count);
    const out = ctx.reply;
    const pairs = withCount && out.resp === 3;
    out.array(pairs ? popped.length : popped.length * 2);
    for (const p of popped) {
      if (pairs) out.array(2);
      out.bulk(p.member);
      replyScore(ctx, p.score);
    }
  };
}

// -------------------------------------------------------------------------------------------------
// ZMPOP, BZMPOP

interface MpopArgs {
  keys: ByteString[];
  end: PopEnd;
  count: number;
}

/** `numkeys key... MIN|MAX [COUNT count]` from `numkeysIndex`. */
function parseMpopArgs(argv: readonly ByteString[], numkeysIndex: number): MpopArgs {
  const numKeys = intArg(at(argv, numkeysIndex), ERR.numkeysNotPositive);
  if (numKeys < 1) throw new ReplyError(ERR.numkeysNotPositive);
  const whereIndex = numkeysIndex + numKeys + 1;
  if (whereIndex >= argv.length) syntaxError();
  const where = argv[whereIndex];
  const end: PopEnd = isWord(where, 'min') ? 'min' : isWord(where, 'max') ? 'max' : syntaxError();
  let count = -1;
  for (let j = whereIndex + 1; j < argv.length; j++) {
    if (count === -1 && isWord(argv[j], 'count') && j + 1 < argv.length) {
      count = intArg(at(argv, ++j), ZERR.countNotPositive);
      if (count < 1) throw new ReplyError(ZERR.countNotPositive);
    } else {
      syntaxError();
    }
  }
  return { keys: argv.slice(numkeysIndex + 1, whereIndex), end, count: count === -1 ? 1 : count };
}

/** Pops for ZMPOP/BZMPOP and replies [key, [[member, score], ...]]; returns the replica's argv. */
function mpopFrom(ctx: CommandContext, key: ByteString, zset: SortedSetValue, end: PopEnd, count: number): ByteString[] {
  const popped = popMembers(ctx, key, zset, end, count);
  const out = ctx.reply;
  out.array(2);
  out.bulk(key);
  out.array(popped.length);
  for (const p of popped) {
    out.array(2);
    out.bulk(p.member);
    replyScore(ctx, p.score);
  }
  return [POP_COMMAND[end], key, String(popped.length)];
}

/** The first key holding a zset (missing keys skipped, other types WRONGTYPE). */
function firstZset(ctx: CommandContext, keys: readonly ByteString[]): [ByteString, SortedSetValue] | null {
  for (const key of keys) {
    const zset = writeZset(ctx, key);
    if (zset !== undefined) return [key, zset];
  }
  return null;
}

function zmpopCommand(ctx: CommandContext, argv: ByteString[]): void {
  const { keys, end, count } = parseMpopArgs(argv, 1);
  const found = firstZset(ctx, keys);
  if (found === null) {
    ctx.reply.nullArray();
    return;
  }
  ctx.propagateAs(mpopFrom(ctx, found[0], found[1], end, count));
}

function bzmpopCommand(ctx: CommandContext, argv: ByteString[]): void {
  const { keys, end, count } = parseMpopArgs(argv, 2);
  const deadlineMs = deadlineArg(ctx, at(argv, 1));
  popOrBlock(ctx, argv, keys, deadlineMs, 'zset', 'null-array', (key, zset) => mpopFrom(ctx, key, zset, end, count));
}

// -------------------------------------------------------------------------------------------------
// BZPOPMIN, BZPOPMAX

/** Pops one member and replies [key, member, score]; returns the replica's argv. */
function popOne(ctx: CommandContext, key: ByteString, zset: SortedSetValue, end: PopEnd): ByteString[] {
  const [p] = popMembers(ctx, key, zset, end, 1);
  if (p === undefined) throw new Error('popOne on an empty sorted set');
  ctx.reply.array(3);
  ctx.reply.bulk(key);
  ctx.reply.bulk(p.member);
  replyScore(ctx, p.score);
  return [POP_COMMAND[end], key];
}

function bzpopCommand(end: PopEnd) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const deadlineMs = deadlineArg(ctx, at(argv, argv.length - 1));
    popOrBlock(ctx, argv, argv.slice(1, -1), deadlineMs, 'zset', 'null-array', (key, zset) => popOne(ctx, key, zset, end));
  };
}

export const zsetPopCommands: CommandImpl[] = [
  cmd('zpopmin', zpopCommand('min')),
  cmd('zpopmax', zpopCommand('max')),
  cmd('zmpop', zmpopCommand),
  cmd('bzpopmin', bzpopCommand('min')),
  cmd('bzpopmax', bzpopCommand('max')),
  cmd('bzmpop', bzmpopCommand),
];
