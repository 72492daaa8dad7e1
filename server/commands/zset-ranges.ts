/**
 * Sorted-set ranges: ZRANGE (by rank, BYSCORE, BYLEX, REV, LIMIT, WITHSCORES), its older forms
 * ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX, and ZRANGESTORE.
 * See https://redis.io/commands/zrange/.
 *
 * All of them are one parser and one walker, as in Redis: the older forms fix the range type and
 * direction, so a REV or BYSCORE word there is a syntax error. The parse order decides which
 * error a client sees: options first (LIMIT's numbers as they come), then the LIMIT-with-rank and
 * WITHSCORES-with-BYLEX conflicts, then the range itself, then the key. With REV a score or lex
 * range is given max first.
 *
 * LIMIT offset count: a negative offset selects nothing (Redis's skip loop never ends), a
 * negative count means "all the rest". "LIMIT 0 -1" is accepted even for a rank range, since
 * Redis only refuses a LIMIT whose count was set.
 *
 * Finding the first element is O(log n) (a rank, or a boundary counted in the skiplist), and the
 * offset is skipped by rank too, so a range costs O(log n + output).
 */
import type { ByteString } from '../../storage/bytes';
import type { OrderEntry } from '../../storage/sorted-set';
import { SortedSetValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { at, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import {
  lexRangeRanks,
  nodesByRank,
  parseLexRange,
  parseScoreRange,
  rankRange,
  replyMembers,
  scoreRangeRanks,
  storeZset,
  asZset,
  ZERR,
  type LexRange,
  type ScoreRange,
} from './zset-ops';
import { ReplyError } from '../dispatch/errors';

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'forward' | 'reverse';

interface RangeRequest {
  /** Index of the source key; min and max follow it. */
  keyIndex: number;
  store: boolean;
  type: RangeType;
  direction: Direction;
}

type ParsedRange =
  | { type: 'rank'; start: number; end: number }
  | { type: 'score'; range: ScoreRange }
  | { type: 'lex'; range: LexRange };

function rangeCommand(keyIndex: number, store: boolean, type: RangeType, direction: Direction) {
  return (ctx: CommandContext, argv: ByteString[]): void => zrangeGeneric(ctx, argv, { keyIndex, store, type, direction });
}

function zrangeGeneric(ctx: CommandContext, argv: ByteString[], request: RangeRequest): void {
  let { type, direction } = request;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = request.keyIndex + 3; j < argv.length; j++) {
    const arg = argv[j];
    const leftArgs = argv.length - j - 1;
    if (!request.store && isWord(arg, 'withscores')) {
      withScores = true;
    } else if (isWord(arg, 'limit') && leftArgs >= 2) {
      offset = intArg(at(argv, j + 1));
      limit = intArg(at(argv, j + 2));
      j += 2;
    } else if (direction === 'auto' && isWord(arg, 'rev')) {
      direction = 'reverse';
    } else if (type === 'auto' && isWord(arg, 'bylex')) {
      type = 'lex';
    } else if (type === 'auto' && isWord(arg, 'byscore')) {
      type = 'score';
    } else {
      syntaxError();
    }
  }
  const reverse = direction === 'reverse';
  if (type === 'auto') type = 'rank';
  if (limit !== -1 && type === 'rank') throw new ReplyError(ZERR.limitWithRank);
  if (withScores && type === 'lex') throw new ReplyError(ZERR.withscoresWithLex);

  let minArg = at(argv, request.keyIndex + 1);
  let maxArg = at(argv, request.keyIndex + 2);
  if (reverse && type !== 'rank') [minArg, maxArg] = [maxArg, minArg];
  let parsed: ParsedRange;
  if (type === 'rank') parsed = { type, start: intArg(minArg), end: intArg(maxArg) };
  else if (type === 'score') parsed = { type, range: parseScoreRange(minArg, maxArg) };
  else parsed = { type, range: parseLexRange(minArg, maxArg) };

  const source = at(argv, request.keyIndex);
  const value = ctx.lookupRead(ctx.db, source);
  const zset = value === undefined ? undefined : asZset(value);
  const nodes = zset === undefined ? [] : selectNodes(zset, parsed, reverse, offset, limit);
  if (request.store) {
    const result = new SortedSetValue();
    for (const n of nodes) result.add(n.member, n.score);
    storeZset(ctx, at(argv, 1), result, 'zrangestore');
  } else {
    replyMembers(ctx, nodes, withScores);
  }
}

/** The nodes a range selects, in reply order. */
function selectNodes(zset: SortedSetValue, parsed: ParsedRange, reverse: boolean, offset: number, limit: number): OrderEntry[] {
  if (parsed.type === 'rank') {
    const ranks = rankRange(zset.size, parsed.start, parsed.end);
    if (ranks === null) return [];
    // A reverse rank range counts from the end.
    const [s, e] = reverse ? [zset.size - 1 - ranks[1], zset.size - 1 - ranks[0]] : ranks;
    return nodesByRank(zset, s, e, reverse);
  }
  const [start, end] = parsed.type === 'score' ? scoreRangeRanks(zset, parsed.range) : lexRangeRanks(zset, parsed.range);
  if (offset < 0 || end - start <= offset) return [];
  const available = end - start - offset;
  const take = limit < 0 ? available : Math.min(limit, available);
  if (take === 0) return [];
  if (reverse) return nodesByRank(zset, end - offset - take, end - offset - 1, true);
  return nodesByRank(zset, start + offset, start + offset + take - 1, false);
}

export const zsetRangeCommands: CommandImpl[] = [
  cmd('zrange', rangeCommand(1, false, 'auto', 'auto')),
  cmd('zrangestore', rangeCommand(2, true, 'auto', 'auto')),
  cmd('zrevrange', rangeCommand(1, false, 'rank', 'reverse')),
  cmd('zrangebyscore', rangeCommand(1, false, 'score', 'forward')),
  cmd('zrevrangebyscore', rangeCommand(1, false, 'score', 'reverse')),
  cmd('zrangebylex', rangeCommand(1, false, 'lex', 'forward')),
  cmd('zrevrangebylex', rangeCommand(1, false, 'lex', 'reverse')),
];
