/**
 * The sorted-set family, single-key commands: ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZCARD,
 * ZCOUNT, ZLEXCOUNT, ZRANK, ZREVRANK, ZREMRANGEBYRANK|SCORE|LEX, ZRANDMEMBER and ZSCAN.
 * See https://redis.io/commands/?group=sorted-set and zset-ops.ts for the shared rules.
 *
 * The ranges (ZRANGE and its older forms) are in zset-ranges.ts, the algebra (ZUNION, ZINTER,
 * ZDIFF, ZINTERCARD) in zset-algebra.ts, the pops (ZPOPMIN, ZMPOP, the blocking forms) in
 * zset-pops.ts.
 *
 * Argument errors come in Redis's order: ZADD checks its flags, the element count and every
 * score before it looks at the key; the ZREMRANGE and count commands parse the range first.
 */
import type { ByteString } from '../../storage/bytes';
import { valueEncoding } from '../../storage/encodings';
import { formatDouble, INT64_MAX } from '../../storage/numbers';
import { SortedSetValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { NotifyFlag } from '../config/special-codecs';
import { at, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { parseScanCursor, parseScanOptions, scanMatches } from './scan-args';
import { randomCountArg } from './hashes';
import {
  afterRemoval,
  lexRangeRanks,
  nodesByRank,
  parseLexRange,
  parseScoreRange,
  rankRange,
  readZset,
  replyMembers,
  replyScore,
  scoreArg,
  scoreRangeRanks,
  signalZsetReady,
  writeZset,
  ZERR,
} from './zset-ops';

// -------------------------------------------------------------------------------------------------
// ZADD, ZINCRBY

export interface ZaddFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
  ch: boolean;
  incr: boolean;
}

function zaddCommand(ctx: CommandContext, argv: ByteString[]): void {
  const flags: ZaddFlags = { nx: false, xx: false, gt: false, lt: false, ch: false, incr: false };
  let i = 2;
  for (; i < argv.length; i++) {
    const word = (argv[i] as ByteString).toLowerCase();
    if (word === 'nx' || word === 'xx' || word === 'gt' || word === 'lt' || word === 'ch' || word === 'incr') flags[word] = true;
    else break;
  }
  const elements = argv.length - i;
  if (elements === 0 || elements % 2 !== 0) syntaxError();
  if (flags.nx && flags.xx) throw new ReplyError(ZERR.xxAndNx);
  if ((flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt)) throw new ReplyError(ZERR.gtLtNx);
  if (flags.incr && elements > 2) throw new ReplyError(ZERR.incrPair);
  // Arrays of their final length (an empty array pushed to reserves room for 17 elements).
  const scores = new Array<number>(elements / 2);
  const members = new Array<ByteString>(elements / 2);
  for (let p = 0; p < elements / 2; p++) {
    scores[p] = scoreArg(argv[i + 2 * p] as ByteString);
    members[p] = argv[i + 2 * p + 1] as ByteString;
  }
  zaddPairs(ctx, at(argv, 1), scores, members, flags);
}

/** ZADD without options, as GEOADD without options runs it: one object for every such call. */
export const PLAIN_ZADD: Readonly<ZaddFlags> = { nx: false, xx: false, gt: false, lt: false, ch: false, incr: false };
const ZINCRBY: Readonly<ZaddFlags> = { ...PLAIN_ZADD, incr: true };

/**
 * ZADD's work once its arguments are parsed (GEOADD comes here too): `members[i]` with score
 * `scores[i]`. Returns the members added or changed.
 */
export function zaddPairs(ctx: CommandContext, key: ByteString, scores: readonly number[], members: readonly ByteString[], flags: Readonly<ZaddFlags>): number {
  let zset = writeZset(ctx, key);
  if (zset === undefined && flags.xx) {
    if (flags.incr) ctx.reply.nullBulk();
    else ctx.reply.integer(0);
    return 0;
  }
  let created = false;
  if (zset === undefined) {
    zset = new SortedSetValue();
    created = true;
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  let lastScore = 0;
  let failure: ReplyError | null = null;
  for (let p = 0; p < members.length; p++) {
    const score = scores[p] as number;
    const member = members[p] as ByteString;
    const current = zset.scores.get(member);
    if (current === undefined) {
      if (flags.xx) continue;
      zset.addNew(member, score);
      added++;
      processed++;
      lastScore = score;
      continue;
    }
    if (flags.nx) continue;
    const next = flags.incr ? current + score : score;
    if (Number.isNaN(next)) {
      failure = new ReplyError(ZERR.nanScore);
      break;
    }
    if ((flags.gt && next <= current) || (flags.lt && next >= current)) continue;
    processed++;
    lastScore = next;
    if (next !== current) {
      zset.add(member, next);
      updated++;
    }
  }
  if (created && zset.size > 0) {
    ctx.db.set(key, zset, ctx.nowMs);
  } else if (added + updated > 0) {
    ctx.db.markModified(key, ctx.nowMs);
  }
  if (added + updated > 0) {
    // Redis counts each member added or updated as one change.
    ctx.db.countChanges(added + updated - 1);
    ctx.notifyKeyEvent(NotifyFlag.zset, flags.incr ? 'zincr' : 'zadd', key);
    if (added > 0) signalZsetReady(ctx, key);
  }
  if (failure !== null) throw failure;
  if (flags.incr) {
    if (processed > 0) replyScore(ctx, lastScore);
    else ctx.reply.nullBulk();
  } else {
    ctx.reply.integer(flags.ch ? added + updated : added);
  }
  return added + updated;
}

function zincrbyCommand(ctx: CommandContext, argv: ByteString[]): void {
  const increment = scoreArg(at(argv, 2));
  zaddPairs(ctx, at(argv, 1), [increment], [at(argv, 3)], ZINCRBY);
}

// -------------------------------------------------------------------------------------------------
// ZREM, ZREMRANGEBY*

function zremCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const zset = writeZset(ctx, key);
  let removed = 0;
  if (zset !== undefined) {
    for (let i = 2; i < argv.length && zset.size > 0; i++) if (zset.remove(argv[i] as ByteString)) removed++;
    afterRemoval(ctx, key, zset, removed, 'zrem');
  }
  ctx.reply.integer(removed);
}

type RemoveRange = (zset: SortedSetValue) => [number, number] | null;

/** Removes ranks [first, last] once the range is known; replies how many went. */
function removeRanks(ctx: CommandContext, key: ByteString, ranks: RemoveRange, event: string): void {
  const zset = writeZset(ctx, key);
  if (zset === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const range = ranks(zset);
  if (range === null) {
    ctx.reply.integer(0);
    return;
  }
  const doomed = nodesByRank(zset, range[0], range[1], false).map((n) => n.member);
  for (const member of doomed) zset.remove(member);
  afterRemoval(ctx, key, zset, doomed.length, event);
  ctx.reply.integer(doomed.length);
}

function zremrangebyrankCommand(ctx: CommandContext, argv: ByteString[]): void {
  const start = intArg(at(argv, 2));
  const end = intArg(at(argv, 3));
  removeRanks(ctx, at(argv, 1), (z) => rankRange(z.size, start, end), 'zremrangebyrank');
}

function zremrangebyscoreCommand(ctx: CommandContext, argv: ByteString[]): void {
  const range = parseScoreRange(at(argv, 2), at(argv, 3));
  removeRanks(ctx, at(argv, 1), (z) => endInclusive(scoreRangeRanks(z, range)), 'zremrangebyscore');
}

function zremrangebylexCommand(ctx: CommandContext, argv: ByteString[]): void {
  const range = parseLexRange(at(argv, 2), at(argv, 3));
  removeRanks(ctx, at(argv, 1), (z) => endInclusive(lexRangeRanks(z, range)), 'zremrangebylex');
}

function endInclusive([start, end]: [number, number]): [number, number] | null {
  return end > start ? [start, end - 1] : null;
}

// -------------------------------------------------------------------------------------------------
// Reads: ZSCORE, ZMSCORE, ZCARD, ZCOUNT, ZLEXCOUNT, ZRANK, ZREVRANK

function zscoreCommand(ctx: CommandContext, argv: ByteString[]): void {
  const score = readZset(ctx, at(argv, 1))?.scores.get(at(argv, 2));
  if (score === undefined) ctx.reply.nullBulk();
  else replyScore(ctx, score);
}

function zmscoreCommand(ctx: CommandContext, argv: ByteString[]): void {
  const zset = readZset(ctx, at(argv, 1));
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = zset?.scores.get(argv[i] as ByteString);
    if (score === undefined) ctx.reply.nullBulk();
    else replyScore(ctx, score);
  }
}

function zcardCommand(ctx: CommandContext, argv: ByteString[]): void {
  ctx.reply.integer(readZset(ctx, at(argv, 1))?.size ?? 0);
}

function zcountCommand(ctx: CommandContext, argv: ByteString[]): void {
  const range = parseScoreRange(at(argv, 2), at(argv, 3));
  const zset = readZset(ctx, at(argv, 1));
  if (zset === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const [start, end] = scoreRangeRanks(zset, range);
  ctx.reply.integer(end - start);
}

function zlexcountCommand(ctx: CommandContext, argv: ByteString[]): void {
  const range = parseLexRange(at(argv, 2), at(argv, 3));
  const zset = readZset(ctx, at(argv, 1));
  if (zset === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const [start, end] = lexRangeRanks(zset, range);
  ctx.reply.integer(end - start);
}

function zrankCommand(reverse: boolean) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const zset = readZset(ctx, at(argv, 1));
    const member = at(argv, 2);
    const score = zset?.scores.get(member);
    if (zset === undefined || score === undefined) {
      ctx.reply.nullBulk();
      return;
    }
    const rank = zset.order.rankOf(member, score);
    ctx.reply.integer(reverse ? zset.size - 1 - rank : rank);
  };
}

// -------------------------------------------------------------------------------------------------
// ZRANDMEMBER

const HALF_INT64 = INT64_MAX / 2n;

function zrandmemberCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const random = ctx.random;
  if (argv.length === 2) {
    const zset = readZset(ctx, key);
    if (zset === undefined) ctx.reply.nullBulk();
    else ctx.reply.bulk((zset.order.at(random.below(zset.size)) as { member: ByteString }).member);
    return;
  }
  const count = randomCountArg(at(argv, 2));
  if (argv.length > 4 || (argv.length === 4 && !isWord(argv[3], 'withscores'))) syntaxError();
  const withScores = argv.length === 4;
  if (withScores && (count < -HALF_INT64 || count > HALF_INT64)) throw new ReplyError(ERR.outOfRange);
  const zset = readZset(ctx, key);
  if (zset === undefined || count === 0n) {
    ctx.reply.array(0);
    return;
  }
  const size = zset.size;
  if (count < 0n) {
    // Independent picks, repeats allowed, streamed.
    const n = Number(-count);
    const out = ctx.reply;
    const pairs = withScores && out.resp === 3;
    out.array(withScores && !pairs ? n * 2 : n);
    for (let i = 0; i < n; i++) {
      const node = zset.order.at(random.below(size)) as { member: ByteString; score: number };
      if (pairs) out.array(2);
      out.bulk(node.member);
      if (withScores) replyScore(ctx, node.score);
    }
    return;
  }
  if (count >= BigInt(size)) {
    // The whole set, highest score first: what Redis 7.0 answers here.
    replyMembers(ctx, nodesByRank(zset, 0, size - 1, true), withScores);
    return;
  }
  // Distinct picks: a partial Fisher-Yates shuffle over ranks, listed in rank order as Redis
  // lists the picks it takes from a listpack.
  const n = Number(count);
  const swapped = new Map<number, number>();
  const ranks: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = i + random.below(size - i);
    const picked = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    ranks.push(picked);
  }
  ranks.sort((a, b) => a - b);
  replyMembers(ctx, ranks.map((r) => zset.order.at(r) as { member: ByteString; score: number }), withScores);
}

// -------------------------------------------------------------------------------------------------
// ZSCAN

/** Whether Redis would hold this zset as a listpack (answered whole by ZSCAN). */
function isListpack(zset: SortedSetValue): boolean {
  return valueEncoding(zset) === 'listpack';
}

function zscanCommand(ctx: CommandContext, argv: ByteString[]): void {
  const cursor = parseScanCursor(at(argv, 2));
  const zset = readZset(ctx, at(argv, 1));
  const out = ctx.reply;
  if (zset === undefined) {
    out.array(2);
    out.bulk('0');
    out.array(0);
    return;
  }
  const options = parseScanOptions(argv, 3);
  let next = 0n;
  let members: ByteString[];
  if (isListpack(zset)) {
    members = [...zset.order.entries()].map((n) => n.member);
  } else {
    [next, members] = zset.scores.scan(cursor, options.count);
  }
  if (options.pattern !== null) members = members.filter((m) => scanMatches(options, m));
  out.array(2);
  out.bulk(next.toString());
  out.array(members.length * 2);
  for (const m of members) {
    out.bulk(m);
    out.bulk(formatDouble(zset.scores.get(m) ?? 0));
  }
}

export const zsetCommands: CommandImpl[] = [
  cmd('zadd', zaddCommand),
  cmd('zincrby', zincrbyCommand),
  cmd('zrem', zremCommand),
  cmd('zremrangebyrank', zremrangebyrankCommand),
  cmd('zremrangebyscore', zremrangebyscoreCommand),
  cmd('zremrangebylex', zremrangebylexCommand),
  cmd('zscore', zscoreCommand),
  cmd('zmscore', zmscoreCommand),
  cmd('zcard', zcardCommand),
  cmd('zcount', zcountCommand),
  cmd('zlexcount', zlexcountCommand),
  cmd('zrank', zrankCommand(false)),
  cmd('zrevrank', zrankCommand(true)),
  cmd('zrandmember', zrandmemberCommand),
  cmd('zscan', zscanCommand),
];
