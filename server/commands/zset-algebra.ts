/**
 * Sorted-set algebra: ZUNION, ZINTER, ZDIFF, their STORE forms, and ZINTERCARD.
 * See https://redis.io/commands/zunionstore/.
 *
 * Inputs may be sorted sets or plain sets (every member of a set scores 1). Redis checks every
 * input key's type before it reads the options, so WRONGTYPE wins over a bad WEIGHTS or a
 * syntax error; numkeys is checked before either ("at least 1 input key is needed", then a
 * syntax error when numkeys is larger than the arguments left).
 *
 * Arithmetic as Redis does it, which matters for the exact bits of a sum:
 *   - a weighted score that is NaN (0 * inf) counts as 0, and so does a SUM that is (inf + -inf);
 *   - ZUNION and ZINTER visit the inputs from the smallest to the largest (a stable sort by
 *     size), so with SUM the additions happen in that order;
 *   - ZINTER walks the smallest input and looks each member up in the others.
 * Results are replied (or stored) in sorted-set order.
 */
import type { ByteString } from '../../storage/bytes';
import type { MemberScores } from '../../storage/member-scores';
import { parseScoreArg } from '../../storage/strtod';
import { SortedSetValue, type StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { nodesByRank, replyMembers, storeZset, ZERR } from './zset-ops';

type Operation = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** One input: its member → score view (null for a missing key) and weight. */
interface Source {
  members: MemberScores | Set<ByteString> | null;
  weight: number;
}

function sizeOf(s: Source): number {
  return s.members === null ? 0 : s.members.size;
}

function scoreIn(s: Source, member: ByteString): number | undefined {
  if (s.members === null) return undefined;
  if (s.members instanceof Set) return s.members.has(member) ? 1 : undefined;
  return s.members.get(member);
}

function* entriesOf(s: Source): IterableIterator<[ByteString, number]> {
  if (s.members === null) return;
  if (s.members instanceof Set) for (const m of s.members) yield [m, 1];
  else yield* s.members;
}

function sourceOf(value: StoredValue | undefined): Source {
  if (value === undefined) return { members: null, weight: 1 };
  if (typeof value !== 'string' && value.kind === 'zset') return { members: value.scores, weight: 1 };
  if (typeof value !== 'string' && value.kind === 'set') return { members: value.members, weight: 1 };
  throw new ReplyError(ERR.wrongType);
}

function weighted(score: number, weight: number): number {
  const v = score * weight;
  return Number.isNaN(v) ? 0 : v;
}

/**
 * zunionInterAggregate: a NaN sum becomes 0; MIN and MAX are C comparisons, so a NaN value
 * (an intersection's later weighted score is not reset) leaves the target as it is, and of 0 and
 * -0 the target stays, where Math.min and Math.max would give NaN and -0.
 */
function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === 'sum') {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === 'min') return value < target ? value : target;
  return value > target ? value : target;
}

interface Parsed {
  sources: Source[];
  aggregate: Aggregate;
  withScores: boolean;
  limit: number;
}

/**
 * Parses `numkeys key... [WEIGHTS w...] [AGGREGATE how] [WITHSCORES] [LIMIT n]`, from
 * `numkeysIndex`, as zunionInterDiffGenericCommand does; only the options `op` allows.
 */
function parseArgs(ctx: CommandContext, argv: ByteString[], numkeysIndex: number, op: Operation, store: boolean, cardinalityOnly: boolean): Parsed {
  const setNum = intArg(at(argv, numkeysIndex));
  if (setNum < 1) throw new ReplyError(`ERR at least 1 input key is needed for '${at(argv, 0).toLowerCase()}' command`);
  if (setNum > argv.length - (numkeysIndex + 1)) syntaxError();
  const sources: Source[] = [];
  let j = numkeysIndex + 1;
  for (let i = 0; i < setNum; i++, j++) {
    const key = at(argv, j);
    const value = ctx.lookupRead(ctx.db, key);
    sources.push(sourceOf(value));
  }
  const parsed: Parsed = { sources, aggregate: 'sum', withScores: false, limit: 0 };
  let remaining = argv.length - j;
  while (remaining > 0) {
    const arg = argv[j];
    if (op !== 'diff' && !cardinalityOnly && remaining >= setNum + 1 && isWord(arg, 'weights')) {
      j++;
      remaining--;
      for (const source of sources) {
        const w = parseScoreArg(at(argv, j));
        if (w === null) throw new ReplyError(ZERR.weightNotFloat);
        source.weight = w;
        j++;
        remaining--;
      }
    } else if (op !== 'diff' && !cardinalityOnly && remaining >= 2 && isWord(arg, 'aggregate')) {
      const how = at(argv, j + 1).toLowerCase();
      if (how !== 'sum' && how !== 'min' && how !== 'max') syntaxError();
      parsed.aggregate = how;
      j += 2;
      remaining -= 2;
    } else if (!store && !cardinalityOnly && isWord(arg, 'withscores')) {
      parsed.withScores = true;
      j++;
      remaining--;
    } else if (cardinalityOnly && remaining >= 2 && isWord(arg, 'limit')) {
      const limit = intArg(at(argv, j + 1), ERR.limitNegative);
      if (limit < 0) throw new ReplyError(ERR.limitNegative);
      parsed.limit = limit;
      j += 2;
      remaining -= 2;
    } else {
      syntaxError();
    }
  }
  return parsed;
}

/** Inputs from the smallest to the largest, ties in argument order. */
function bySize(sources: readonly Source[]): Source[] {
  return sources
    .map((s, i) => ({ s, i }))
    .sort((a, b) => sizeOf(a.s) - sizeOf(b.s) || a.i - b.i)
    .map((x) => x.s);
}

function union(p: Parsed): Map<ByteString, number> {
  const out = new Map<ByteString, number>();
  for (const source of bySize(p.sources)) {
    for (const [member, score] of entriesOf(source)) {
      const value = weighted(score, source.weight);
      const current = out.get(member);
      out.set(member, current === undefined ? value : aggregate(current, value, p.aggregate));
    }
  }
  return out;
}

/** The intersection, stopping after `limit` members (0: no limit). */
function intersection(p: Parsed, limit: number): Map<ByteString, number> {
  const out = new Map<ByteString, number>();
  const [smallest, ...others] = bySize(p.sources) as [Source, ...Source[]];
  if (sizeOf(smallest) === 0) return out;
  outer: for (const [member, score] of entriesOf(smallest)) {
    let value = weighted(score, smallest.weight);
    for (const other of others) {
      const s = scoreIn(other, member);
      if (s === undefined) continue outer;
      // Only the first set's weighted score is reset from NaN to 0, as in Redis: a later one
      // (0 * inf) reaches the aggregate as NaN, and a SUM with it is then 0.
      value = aggregate(value, s * other.weight, p.aggregate);
    }
    out.set(member, value);
    if (limit !== 0 && out.size >= limit) break;
  }
  return out;
}

function difference(p: Parsed): Map<ByteString, number> {
  const out = new Map<ByteString, number>();
  const [first, ...others] = p.sources as [Source, ...Source[]];
  for (const [member, score] of entriesOf(first)) {
    if (!others.some((o) => scoreIn(o, member) !== undefined)) out.set(member, score);
  }
  return out;
}

/**
 * The result as a sorted set. Redis builds it as a skiplist and, for ZUNION/ZINTER/ZDIFF, replies
 * from that skiplist, where a score of -0 stays -0; only the *STORE forms convert a small result
 * to a listpack, which keeps scores as text and reads "-0" back as 0.
 */
function compute(op: Operation, p: Parsed, stored: boolean): SortedSetValue {
  const result = op === 'union' ? union(p) : op === 'inter' ? intersection(p, 0) : difference(p);
  return new SortedSetValue(result, !stored);
}

function algebraCommand(op: Operation, store: boolean) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const parsed = parseArgs(ctx, argv, store ? 2 : 1, op, store, false);
    const result = compute(op, parsed, store);
    if (store) {
      storeZset(ctx, at(argv, 1), result, `z${op === 'union' ? 'union' : op === 'inter' ? 'inter' : 'diff'}store`);
      return;
    }
    replyMembers(ctx, nodesByRank(result, 0, result.size - 1, false), parsed.withScores);
  };
}

function zintercardCommand(ctx: CommandContext, argv: ByteString[]): void {
  const parsed = parseArgs(ctx, argv, 1, 'inter', false, true);
  ctx.reply.integer(intersection(parsed, parsed.limit).size);
}

export const zsetAlgebraCommands: CommandImpl[] = [
  cmd('zunion', algebraCommand('union', false)),
  cmd('zinter', algebraCommand('inter', false)),
  cmd('zdiff', algebraCommand('diff', false)),
  cmd('zunionstore', algebraCommand('union', true)),
  cmd('zinterstore', algebraCommand('inter', true)),
  cmd('zdiffstore', algebraCommand('diff', true)),
  cmd('zintercard', zintercardCommand),
];
