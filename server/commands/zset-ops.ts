/**
 * What every sorted-set command is built from: finding a zset (or WRONGTYPE), score and range
 * arguments parsed as Redis parses them, replies with scores, popping, and storing a result.
 *
 * A sorted set is a SortedSetValue (storage/values.ts): member → score in a Map, and the order by
 * (score, member bytes) in a skiplist with spans (storage/sorted-set.ts), so ranks and ranges
 * cost O(log n) plus the size of the answer.
 *
 * Scores on the wire: RESP2 sends a score as a bulk string printed like C's "%.17g" (0.1 is
 * "0.10000000000000001", infinities "inf"/"-inf"); RESP3 uses the double type with the same text.
 *
 * Ranges, as Redis reads them (zslParseRange, zslParseLexRange):
 *   score bound   "1.5" inclusive, "(1.5" exclusive, "-inf", "+inf"; strtod up to the end of the
 *                 string, so "" is 0 and "1e400" is inf; NaN refused
 *   lex bound     "[a" inclusive, "(a" exclusive, "-" and "+" the ends of the member space
 *
 * Writes keep the rules the other containers keep: a zset emptied by a command is deleted (with
 * a "del" keyspace event after the command's own), a change in place calls db.markModified so it
 * is propagated, and any command that adds members tells the blocking layer the key is ready so
 * BZPOPMIN and friends waiting on it are served once the command has finished.
 */
import type { ByteString } from '../../storage/bytes';
import type { OrderEntry } from '../../storage/sorted-set';
import { parseRangeNumber, parseScoreArg } from '../../storage/strtod';
import { formatDouble } from '../../storage/numbers';
import { SortedSetValue, type StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { NotifyFlag } from '../config/special-codecs';

export const ZERR = {
  notFloat: ERR.notFloat,
  rangeNotFloat: 'ERR min or max is not a float',
  lexRange: 'ERR min or max not valid string range item',
  nanScore: 'ERR resulting score is not a number (NaN)',
  weightNotFloat: 'ERR weight value is not a float',
  xxAndNx: 'ERR XX and NX options at the same time are not compatible',
  gtLtNx: 'ERR GT, LT, and/or NX options at the same time are not compatible',
  incrPair: 'ERR INCR option supports a single increment-element pair',
  limitWithRank: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  withscoresWithLex: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  countNotPositive: 'ERR count should be greater than 0',
} as const;

export function asZset(value: StoredValue): SortedSetValue {
  if (typeof value === 'string' || value.kind !== 'zset') throw new ReplyError(ERR.wrongType);
  return value;
}

/** A zset for reading (counts keyspace hits/misses); undefined when the key is missing. */
export function readZset(ctx: CommandContext, key: ByteString): SortedSetValue | undefined {
  const value = ctx.lookupRead(ctx.db, key);
  return value === undefined ? undefined : asZset(value);
}

/** A zset for writing; undefined when the key is missing. */
export function writeZset(ctx: CommandContext, key: ByteString): SortedSetValue | undefined {
  const value = ctx.db.get(key, ctx.nowMs);
  return value === undefined ? undefined : asZset(value);
}

/** A score or increment argument (ZADD, ZINCRBY). */
export function scoreArg(arg: ByteString, error: string = ZERR.notFloat): number {
  const score = parseScoreArg(arg);
  if (score === null) throw new ReplyError(error);
  return score;
}

// -------------------------------------------------------------------------------------------------
// Replies

export function replyScore(ctx: CommandContext, score: number): void {
  ctx.reply.double(formatDouble(score));
}

/**
 * Members with or without scores: RESP2 a flat array (member, score, ...); RESP3 with scores an
 * array of [member, score] pairs.
 */
export function replyMembers(ctx: CommandContext, nodes: ReadonlyArray<{ member: ByteString; score: number }>, withScores: boolean): void {
  const out = ctx.reply;
  if (!withScores) {
    out.array(nodes.length);
    for (const n of nodes) out.bulk(n.member);
    return;
  }
  const pairs = out.resp === 3;
  out.array(pairs ? nodes.length : nodes.length * 2);
  for (const n of nodes) {
    if (pairs) out.array(2);
    out.bulk(n.member);
    replyScore(ctx, n.score);
  }
}

// -------------------------------------------------------------------------------------------------
// Ranges

export interface ScoreRange {
  min: number;
  max: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

function scoreBound(arg: ByteString): [number, boolean] {
  const exclusive = arg.startsWith('(');
  const n = parseRangeNumber(exclusive ? arg.slice(1) : arg);
  if (n === null) throw new ReplyError(ZERR.rangeNotFloat);
  return [n, exclusive];
}

export function parseScoreRange(minArg: ByteString, maxArg: ByteString): ScoreRange {
  const [min, minExclusive] = scoreBound(minArg);
  const [max, maxExclusive] = scoreBound(maxArg);
  return { min, max, minExclusive, maxExclusive };
}

/** A lex bound: a member with inclusive/exclusive flag, or the ends of the member space. */
export type LexBound = { kind: 'min' } | { kind: 'max' } | { kind: 'member'; member: ByteString; exclusive: boolean };

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

function lexBound(arg: ByteString): LexBound {
  const first = arg[0];
  if (first === '+' && arg.length === 1) return { kind: 'max' };
  if (first === '-' && arg.length === 1) return { kind: 'min' };
  if (first === '(' || first === '[') return { kind: 'member', member: arg.slice(1), exclusive: first === '(' };
  throw new ReplyError(ZERR.lexRange);
}

export function parseLexRange(minArg: ByteString, maxArg: ByteString): LexRange {
  return { min: lexBound(minArg), max: lexBound(maxArg) };
}

/** [first rank, end rank) of the elements inside a score range. */
export function scoreRangeRanks(zset: SortedSetValue, r: ScoreRange): [number, number] {
  if (r.min > r.max || (r.min === r.max && (r.minExclusive || r.maxExclusive))) return [0, 0];
  const start = zset.order.countBefore((score) => (r.minExclusive ? score <= r.min : score < r.min));
  const end = zset.order.countBefore((score) => (r.maxExclusive ? score < r.max : score <= r.max));
  return [start, Math.max(start, end)];
}

/** Whether `member` is past a lower lex bound's start: the predicate "before the range". */
function beforeMin(member: ByteString, b: LexBound): boolean {
  if (b.kind === 'min') return false;
  if (b.kind === 'max') return true;
  return b.exclusive ? member <= b.member : member < b.member;
}

function withinMax(member: ByteString, b: LexBound): boolean {
  if (b.kind === 'max') return true;
  if (b.kind === 'min') return false;
  return b.exclusive ? member < b.member : member <= b.member;
}

function lexRangeEmpty(r: LexRange): boolean {
  if (r.min.kind === 'max' || r.max.kind === 'min') return true;
  if (r.min.kind === 'member' && r.max.kind === 'member') {
    if (r.min.member > r.max.member) return true;
    if (r.min.member === r.max.member && (r.min.exclusive || r.max.exclusive)) return true;
  }
  return false;
}

/** [first rank, end rank) of the elements inside a lex range (members of equal scores). */
export function lexRangeRanks(zset: SortedSetValue, r: LexRange): [number, number] {
  if (lexRangeEmpty(r)) return [0, 0];
  const start = zset.order.countBefore((_, member) => beforeMin(member, r.min));
  const end = zset.order.countBefore((_, member) => withinMax(member, r.max));
  return [start, Math.max(start, end)];
}

/** Redis's rank range normalisation (negative from the end, clamped); null when empty. */
export function rankRange(size: number, start: number, end: number): [number, number] | null {
  let s = start < 0 ? size + start : start;
  let e = end < 0 ? size + end : end;
  if (s < 0) s = 0;
  if (s > e || s >= size) return null;
  if (e >= size) e = size - 1;
  return [s, e];
}

/** The elements of ranks [from, to] (inclusive), ascending or from `to` down to `from`. */
export function nodesByRank(zset: SortedSetValue, from: number, to: number, reverse: boolean): OrderEntry[] {
  return zset.order.slice(from, to, reverse);
}

// -------------------------------------------------------------------------------------------------
// Writes

/** Tells BZPOPMIN and friends that `key` holds members now (served after the command). */
export function signalZsetReady(ctx: CommandContext, key: ByteString): void {
  ctx.signalKeyReady(key);
}

/** After members were removed in place: the command's event, then delete an emptied zset. */
export function afterRemoval(ctx: CommandContext, key: ByteString, zset: SortedSetValue, removed: number, event: string): void {
  if (removed === 0) return;
  ctx.notifyKeyEvent(NotifyFlag.zset, event, key);
  if (zset.size === 0) {
    ctx.db.delete(key);
    ctx.notifyKeyEvent(NotifyFlag.generic, 'del', key);
  } else {
    ctx.db.markModified(key, ctx.nowMs);
  }
}

/**
 * Stores a computed zset at dst, replacing what it held, or deletes dst for an empty result
 * (a "del" event only if something was deleted); replies the result's size.
 */
export function storeZset(ctx: CommandContext, dst: ByteString, result: SortedSetValue, event: string): void {
  if (result.size === 0) {
    if (ctx.db.delete(dst)) ctx.notifyKeyEvent(NotifyFlag.generic, 'del', dst);
  } else {
    ctx.db.set(dst, result, ctx.nowMs);
    ctx.notifyKeyEvent(NotifyFlag.zset, event, dst);
    signalZsetReady(ctx, dst);
  }
  ctx.reply.integer(result.size);
}

export type PopEnd = 'min' | 'max';

/** Pops up to `count` members from one end; deletes an emptied key. Events as ZPOPMIN/ZPOPMAX. */
export function popMembers(ctx: CommandContext, key: ByteString, zset: SortedSetValue, end: PopEnd, count: number): Array<{ member: ByteString; score: number }> {
  const popped: Array<{ member: ByteString; score: number }> = [];
  while (popped.length < count) {
    const node = end === 'min' ? zset.order.first() : zset.order.last();
    if (node === null) break;
    popped.push({ member: node.member, score: node.score });
    zset.remove(node.member);
  }
  afterRemoval(ctx, key, zset, popped.length, end === 'min' ? 'zpopmin' : 'zpopmax');
  return popped;
}
