/**
 * What the stream commands share: finding a stream (or WRONGTYPE), reading IDs and trimming
 * options as Redis reads them, and replying with entries.
 *
 * IDs on the wire (streamGenericParseIDOrReply):
 *   "<ms>-<seq>"   both unsigned 64-bit; "<ms>" alone takes a default seq (0 for a range start,
 *                  2^64-1 for its end); "-" and "+" are the smallest and largest IDs where a
 *                  range allows them ("strict" places such as XADD, XDEL, XSETID refuse them);
 *                  "<ms>-*" (XADD only) leaves the seq to the server
 *   "(<id>"        an exclusive range bound (XRANGE, XREVRANGE, XAUTOCLAIM, XPENDING)
 * The numbers are read by string2ull: a canonical integer, or failing that what C's strtoull
 * accepts of the whole string (leading blanks, a sign: "-1" is refused by the first reader but
 * "-18446744073709551615" wraps to 1 in the second). An argument of more than 127 bytes, or any
 * other text, is "Invalid stream ID".
 *
 * Entries are replied as [id, [field, value, ...]] in both protocols; an ID whose entry is gone
 * (an XREADGROUP history read of a deleted entry) as [id, null].
 */
import type { ByteString } from '../../storage/bytes';
import { parseInt64 } from '../../storage/numbers';
import { StreamValue, type TrimSpec, type NodeLimits } from '../../storage/stream';
import { type StreamEntry } from '../../storage/stream-node';
import { formatId, ID_MAX, makeId, U64_MAX, type StreamId } from '../../storage/stream-id';
import type { StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { intArg, isWord } from './args';

export const XERR = {
  invalidId: 'ERR Invalid stream ID specified as stream command argument',
  addTooSmall: 'ERR The ID specified in XADD is equal or smaller than the target stream top item',
  addZero: 'ERR The ID specified in XADD must be greater than 0-0',
  exhausted: 'ERR The stream has exhausted the last possible ID, unable to add more items',
  /**
   * Redis 7.0.15's answer to any append that fails other than by a small ID: fields past what
   * a listpack holds, and "<ms>-*" when the last ID has that ms and the largest seq.
   */
  tooLarge: 'ERR Elements are too large to be stored',
  maxlenAndMinid: 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible',
  maxlenNegative: 'ERR The MAXLEN argument must be >= 0.',
  limitNegative: 'ERR The LIMIT argument must be >= 0.',
  limitWithoutApprox: 'ERR syntax error, LIMIT cannot be used without the special ~ option',
  limitWithoutStrategy: 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy',
  trimWithoutStrategy: 'ERR syntax error, XTRIM must be called with a trimming strategy',
  invalidStart: 'ERR invalid start ID for the interval',
  invalidEnd: 'ERR invalid end ID for the interval',
} as const;

export function asStream(value: StoredValue): StreamValue {
  if (typeof value === 'string' || value.kind !== 'stream') throw new ReplyError(ERR.wrongType);
  return value;
}

/** A stream for reading (counts keyspace hits/misses); undefined when the key is missing. */
export function readStream(ctx: CommandContext, key: ByteString): StreamValue | undefined {
  const value = ctx.lookupRead(ctx.db, key);
  return value === undefined ? undefined : asStream(value);
}

/** A stream for writing; undefined when the key is missing. */
export function writeStream(ctx: CommandContext, key: ByteString): StreamValue | undefined {
  const value = ctx.db.get(key, ctx.nowMs);
  return value === undefined ? undefined : asStream(value);
}

export function nodeLimits(ctx: CommandContext): NodeLimits {
  return { maxBytes: ctx.config.number('stream-node-max-bytes'), maxEntries: ctx.config.number('stream-node-max-entries') };
}

// -------------------------------------------------------------------------------------------------
// IDs

/** Redis's string2ull: see the opening comment. */
function unsigned64(text: string): bigint | null {
  const strict = parseInt64(text);
  if (strict !== null) return strict < 0n ? null : strict;
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(text);
  if (m === null) return null;
  const n = BigInt(m[2] as string);
  if (n > U64_MAX) return null;
  return m[1] === '-' ? BigInt.asUintN(64, -n) : n;
}

export interface ParsedId {
  id: StreamId;
  /** False for "<ms>-*": the caller picks the seq. */
  seqGiven: boolean;
}

/**
 * Parses an ID. `missingSeq` is the seq for "<ms>" alone; `strict` refuses "-" and "+";
 * `allowSeqStar` accepts "<ms>-*".
 */
export function parseStreamId(arg: ByteString, missingSeq: bigint, strict: boolean, allowSeqStar = false): ParsedId {
  if (arg.length > 127) throw new ReplyError(XERR.invalidId);
  // Redis reads the argument as a C string: anything after a NUL byte is not seen.
  const nul = arg.indexOf('\0');
  const text = nul === -1 ? arg : arg.slice(0, nul);
  if (text === '-' || text === '+') {
    if (strict) throw new ReplyError(XERR.invalidId);
    return { id: text === '-' ? 0n : ID_MAX, seqGiven: true };
  }
  const dash = text.indexOf('-');
  const ms = unsigned64(dash === -1 ? text : text.slice(0, dash));
  if (ms === null) throw new ReplyError(XERR.invalidId);
  if (dash === -1) return { id: makeId(ms, missingSeq), seqGiven: true };
  const rest = text.slice(dash + 1);
  if (allowSeqStar && rest === '*') return { id: makeId(ms, 0n), seqGiven: false };
  const seq = unsigned64(rest);
  if (seq === null) throw new ReplyError(XERR.invalidId);
  return { id: makeId(ms, seq), seqGiven: true };
}

/** A strict ID ("-" and "+" refused), seq 0 when missing: XDEL, XSETID, XREAD, XACK... */
export function strictId(arg: ByteString): StreamId {
  return parseStreamId(arg, 0n, true).id;
}

/**
 * A range bound: "(" makes it exclusive (then strict), turned into the inclusive bound next to
 * it; past the ends of the ID space that is Redis's "invalid start/end ID for the interval".
 */
export function rangeBound(arg: ByteString, end: boolean): StreamId {
  const exclusive = arg.length > 1 && arg.startsWith('(');
  const missingSeq = end ? U64_MAX : 0n;
  if (!exclusive) return parseStreamId(arg, missingSeq, false).id;
  const id = parseStreamId(arg.slice(1), missingSeq, true).id;
  if (end) {
    if (id === 0n) throw new ReplyError(XERR.invalidEnd);
    return id - 1n;
  }
  if (id === ID_MAX) throw new ReplyError(XERR.invalidStart);
  return id + 1n;
}

// -------------------------------------------------------------------------------------------------
// Trimming options (XADD, XTRIM)

export interface TrimArgs {
  spec: TrimSpec | null;
  /** Index of the MAXLEN count / MINID id argument (rewritten for replicas after a ~ trim). */
  valueIndex: number;
  noMakeStream: boolean;
  /** XADD: index of the ID argument, and the ID if one was given. */
  idIndex: number;
  id: ParsedId | null;
}

/**
 * XADD's and XTRIM's options, read from argv[2] as streamParseAddOrTrimArgsOrReply does. For
 * XADD the scan stops at "*" or the first argument that is not an option (the ID); XTRIM refuses
 * anything else.
 */
export function parseTrimArgs(ctx: CommandContext, argv: readonly ByteString[], xadd: boolean): TrimArgs {
  const out: TrimArgs = { spec: null, valueIndex: -1, noMakeStream: false, idIndex: argv.length, id: null };
  let limit = 0;
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    const opt = argv[i] as ByteString;
    if (xadd && opt === '*') break;
    const maxlen = isWord(opt, 'maxlen');
    if ((maxlen || isWord(opt, 'minid')) && more > 0) {
      if (out.spec !== null) throw new ReplyError(XERR.maxlenAndMinid);
      let approximate = false;
      const next = argv[i + 1] as ByteString;
      if (more >= 2 && next === '~') {
        approximate = true;
        i++;
      } else if (more >= 2 && next === '=') {
        i++;
      }
      const valueArg = argv[i + 1] as ByteString;
      let maxLength = 0;
      let minId = 0n;
      if (maxlen) {
        maxLength = intArg(valueArg);
        if (maxLength < 0) throw new ReplyError(XERR.maxlenNegative);
      } else {
        minId = strictId(valueArg);
      }
      i++;
      out.spec = { strategy: maxlen ? 'maxlen' : 'minid', maxLength, minId, approximate, limit: 0 };
      out.valueIndex = i;
    } else if (isWord(opt, 'limit') && more > 0) {
      limit = intArg(argv[i + 1] as ByteString);
      if (limit < 0) throw new ReplyError(XERR.limitNegative);
      limitGiven = true;
      i++;
    } else if (xadd && isWord(opt, 'nomkstream')) {
      out.noMakeStream = true;
    } else if (xadd) {
      out.id = parseStreamId(opt, 0n, true, true);
      break;
    } else {
      throw new ReplyError(ERR.syntax);
    }
  }
  out.idIndex = i;
  if (out.spec !== null) {
    if (ctx.session.kind === 'master') {
      // The primary rewrote an approximate trim into an exact one: no LIMIT on replicas.
      out.spec.limit = 0;
    } else if (limitGiven) {
      if (!out.spec.approximate) throw new ReplyError(XERR.limitWithoutApprox);
      out.spec.limit = limit;
    } else if (out.spec.approximate) {
      const perNode = ctx.config.number('stream-node-max-entries');
      const bound = 100 * perNode;
      out.spec.limit = bound <= 0 || bound > 1 << 30 ? 10000 : bound;
    }
  } else if (limitGiven && ctx.session.kind !== 'master') {
    throw new ReplyError(XERR.limitWithoutStrategy);
  }
  return out;
}

/**
 * After an approximate trim, replicas must trim exactly as much: the "~" becomes "=" and the
 * bound becomes what was left, the length for MAXLEN, the first stored ID for MINID
 * (streamRewriteApproxSpecifier / streamRewriteTrimArgument).
 */
export function rewriteApproximateTrim(argv: ByteString[], args: TrimArgs, stream: StreamValue): void {
  if (args.spec === null || !args.spec.approximate) return;
  argv[args.valueIndex - 1] = '=';
  argv[args.valueIndex] = args.spec.strategy === 'maxlen' ? String(stream.length) : formatId(stream.firstStoredId());
}

// -------------------------------------------------------------------------------------------------
// Replies

export function replyEntry(ctx: CommandContext, id: StreamId, pairs: readonly ByteString[] | undefined): void {
  const out = ctx.reply;
  out.array(2);
  out.bulk(formatId(id));
  if (pairs === undefined) {
    out.nullArray();
    return;
  }
  out.array(pairs.length);
  for (const item of pairs) out.bulk(item);
}

/** One entry: [id, [field, value, ...]]. */
export function replyStreamEntry(ctx: CommandContext, entry: StreamEntry): void {
  const out = ctx.reply;
  out.array(2);
  if (entry.ms >= 0) out.bulkStreamId(entry.ms, entry.seq);
  else out.bulk(entry.idText());
  out.array(entry.pairs.length);
  for (const item of entry.pairs) out.bulk(item);
}

export function replyEntries(ctx: CommandContext, entries: readonly StreamEntry[]): void {
  ctx.reply.array(entries.length);
  for (const entry of entries) replyStreamEntry(ctx, entry);
}
