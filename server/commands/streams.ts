/**
 * The stream commands that add, read by range and remove entries: XADD, XLEN, XRANGE,
 * XREVRANGE, XDEL, XTRIM and XSETID. See https://redis.io/docs/data-types/streams/ and
 * storage/stream.ts for the value itself. XREAD is in stream-read.ts, the consumer groups in
 * stream-groups*.ts.
 *
 * IDs only grow. XADD refuses an ID that is not above the stream's last ID (which stays after
 * the entry itself is deleted), and picks one when given "*" (the clock's ms, or the last ID's
 * seq + 1 within the same ms) or "<ms>-*". XSETID moves the last ID forward by hand.
 *
 * Replication: XADD is sent with the ID it chose, and a "~" trim (by XADD or XTRIM) is sent as
 * the exact trim it turned out to be, so that replicas, whose node boundaries need not match,
 * keep the same entries (stream-args.ts rewriteApproximateTrim).
 */
import type { ByteString } from '../../storage/bytes';
import { STREAM_LISTPACK_MAX_SIZE, StreamValue } from '../../storage/stream';
import { formatId, ID_MAX, idMs, idSeq, makeId, U64_MAX, type StreamId } from '../../storage/stream-id';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError, wrongArity } from '../dispatch/errors';
import { NotifyFlag } from '../config/special-codecs';
import { at, int64Arg, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import {
  nodeLimits,
  parseTrimArgs,
  rangeBound,
  readStream,
  replyEntries,
  rewriteApproximateTrim,
  strictId,
  writeStream,
  XERR,
} from './stream-args';

// -------------------------------------------------------------------------------------------------
// XADD

/** The ID an XADD appends with, or an error: see the opening comment. */
function newEntryId(stream: StreamValue, given: { id: StreamId; seqGiven: boolean } | null, nowMs: number): StreamId {
  const last = stream.lastId;
  let id: StreamId;
  if (given === null) {
    const ms = BigInt(nowMs);
    id = ms > idMs(last) ? makeId(ms, 0n) : last + 1n;
  } else if (given.seqGiven) {
    id = given.id;
  } else if (idMs(given.id) === idMs(last)) {
    if (idSeq(last) === U64_MAX) throw new ReplyError(XERR.tooLarge);
    id = last + 1n;
  } else {
    id = given.id;
  }
  if (id <= last) throw new ReplyError(XERR.addTooSmall);
  return id;
}

/**
 * The ID "*" picks, as two numbers, when the last ID's halves and the result fit doubles exactly
 * (always, short of IDs set by hand near 2^53): XADD's common case, without bigint arithmetic.
 * Null sends the caller to newEntryId.
 */
function autoIdNumbers(stream: StreamValue, nowMs: number): { ms: number; seq: number } | null {
  const lastMs = stream.lastMsNumber;
  if (lastMs < 0) return null;
  if (nowMs > lastMs) return { ms: nowMs, seq: 0 };
  const seq = stream.lastSeqNumber + 1;
  return seq <= Number.MAX_SAFE_INTEGER ? { ms: lastMs, seq } : null;
}

function xaddCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const args = parseTrimArgs(ctx, argv, true);
  const fieldStart = args.idIndex + 1;
  const fieldArgs = argv.length - fieldStart;
  if (fieldArgs < 2 || fieldArgs % 2 === 1) throw new ReplyError(wrongArity('xadd'));
  if (args.id !== null && args.id.seqGiven && args.id.id === 0n) throw new ReplyError(XERR.addZero);
  let stream = writeStream(ctx, key);
  const created = stream === undefined;
  if (stream === undefined) {
    if (args.noMakeStream) {
      ctx.reply.nullBulk();
      return;
    }
    stream = new StreamValue();
  } else if (stream.lastMsNumber < 0 && stream.lastId === ID_MAX) {
    // (Checked on the bigint only when the halves do not fit numbers: ID_MAX's do not.)
    throw new ReplyError(XERR.exhausted);
  }
  // A new stream's last ID is 0-0, which was refused above: there the ID cannot fail.
  const nowMs = ctx.nowMs;
  const auto = args.id === null ? autoIdNumbers(stream, nowMs) : null;
  const id = auto === null ? newEntryId(stream, args.id, nowMs) : 0n;
  if (created) ctx.db.set(key, stream, nowMs);
  // Redis refuses more than a listpack can hold only now, leaving a stream it just created.
  let payloadBytes = 0;
  for (let i = fieldStart; i < argv.length; i++) payloadBytes += (argv[i] as ByteString).length;
  if (payloadBytes > STREAM_LISTPACK_MAX_SIZE) throw new ReplyError(XERR.tooLarge);
  if (!created) ctx.db.markModified(key, nowMs);
  const limits = nodeLimits(ctx);
  let idText: string;
  if (auto === null) {
    stream.append(id, argv, fieldStart, limits);
    idText = formatId(id);
  } else {
    stream.appendNumbers(auto.ms, auto.seq, argv, fieldStart, limits);
    idText = `${auto.ms}-${auto.seq}`;
  }
  ctx.reply.bulk(idText);
  ctx.notifyKeyEvent(NotifyFlag.stream, 'xadd', key);
  let propagated: ByteString[] | null = null;
  if (args.spec !== null) {
    if (stream.trim(args.spec) > 0) ctx.notifyKeyEvent(NotifyFlag.stream, 'xtrim', key);
    if (args.spec.approximate) {
      propagated = argv.slice();
      rewriteApproximateTrim(propagated, args, stream);
    }
  }
  if (args.id === null || !args.id.seqGiven) {
    propagated ??= argv.slice();
    propagated[args.idIndex] = idText;
  }
  if (propagated !== null) ctx.propagateAs(propagated);
  ctx.signalKeyReady(key);
}

// -------------------------------------------------------------------------------------------------
// XTRIM, XDEL

function xtrimCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const args = parseTrimArgs(ctx, argv, false);
  if (args.spec === null) throw new ReplyError(XERR.trimWithoutStrategy);
  const stream = writeStream(ctx, key);
  if (stream === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const removed = stream.trim(args.spec);
  if (removed > 0) {
    ctx.notifyKeyEvent(NotifyFlag.stream, 'xtrim', key);
    if (args.spec.approximate) {
      const propagated = argv.slice();
      rewriteApproximateTrim(propagated, args, stream);
      ctx.propagateAs(propagated);
    }
    markWrites(ctx, key, removed);
  }
  ctx.reply.integer(removed);
}

/** A change in place that Redis counts as `count` writes (server.dirty += count). */
function markWrites(ctx: CommandContext, key: ByteString, count: number): void {
  ctx.db.markModified(key, ctx.nowMs);
  ctx.keyspace.context.dirty += count - 1;
}

function xdelCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const stream = writeStream(ctx, key);
  if (stream === undefined) {
    ctx.reply.integer(0);
    return;
  }
  // Every ID is checked before any is deleted, so a bad one leaves the stream as it was.
  const ids: StreamId[] = [];
  for (let i = 2; i < argv.length; i++) ids.push(strictId(argv[i] as ByteString));
  let deleted = 0;
  let firstDeleted = false;
  for (const id of ids) {
    if (!stream.deleteEntry(id)) continue;
    if (id === stream.firstId) firstDeleted = true;
    if (id > stream.maxDeletedId) stream.maxDeletedId = id;
    deleted++;
  }
  if (deleted > 0) {
    if (stream.length === 0) stream.firstId = 0n;
    else if (firstDeleted) stream.refreshFirstId();
    ctx.notifyKeyEvent(NotifyFlag.stream, 'xdel', key);
    markWrites(ctx, key, deleted);
  }
  ctx.reply.integer(deleted);
}

// -------------------------------------------------------------------------------------------------
// XLEN, XRANGE, XREVRANGE

function xlenCommand(ctx: CommandContext, argv: ByteString[]): void {
  ctx.reply.integer(readStream(ctx, at(argv, 1))?.length ?? 0);
}

function rangeCommand(ctx: CommandContext, argv: ByteString[], reverse: boolean): void {
  const start = rangeBound(at(argv, reverse ? 3 : 2), false);
  const end = rangeBound(at(argv, reverse ? 2 : 3), true);
  let count = -1;
  for (let i = 4; i < argv.length; i++) {
    if (isWord(argv[i], 'count') && i + 1 < argv.length) {
      count = intArg(argv[i + 1] as ByteString);
      if (count < 0) count = 0;
      i++;
    } else {
      syntaxError();
    }
  }
  const stream = readStream(ctx, at(argv, 1));
  if (stream === undefined) {
    ctx.reply.array(0);
    return;
  }
  if (count === 0) {
    ctx.reply.nullArray();
    return;
  }
  replyEntries(ctx, stream.range(start, end, count === -1 ? 0 : count, reverse));
}

// -------------------------------------------------------------------------------------------------
// XSETID

function xsetidCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const id = strictId(at(argv, 2));
  let entriesAdded = -1n;
  let maxDeleted = 0n;
  for (let i = 3; i < argv.length; i += 2) {
    const more = argv.length - 1 - i;
    if (isWord(argv[i], 'entriesadded') && more > 0) {
      entriesAdded = int64Arg(argv[i + 1] as ByteString);
      if (entriesAdded < 0n) throw new ReplyError('ERR entries_added must be positive');
    } else if (isWord(argv[i], 'maxdeletedid') && more > 0) {
      maxDeleted = strictId(argv[i + 1] as ByteString);
      if (id < maxDeleted) throw new ReplyError('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
    } else {
      syntaxError();
    }
  }
  const stream = writeStream(ctx, key);
  if (stream === undefined) throw new ReplyError(ERR.noSuchKey);
  if (stream.length > 0) {
    if (id < stream.lastLiveId()) throw new ReplyError('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1n && BigInt(stream.length) > entriesAdded) {
      throw new ReplyError('ERR The entries_added specified in XSETID is smaller than the target stream length');
    }
  }
  stream.lastId = id;
  if (entriesAdded !== -1n) stream.entriesAdded = entriesAdded;
  if (maxDeleted !== 0n) stream.maxDeletedId = maxDeleted;
  ctx.reply.ok();
  ctx.db.markModified(key, ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.stream, 'xsetid', key);
}

export const streamCommands: readonly CommandImpl[] = [
  cmd('xadd', xaddCommand),
  cmd('xtrim', xtrimCommand),
  cmd('xdel', xdelCommand),
  cmd('xlen', xlenCommand),
  cmd('xrange', (ctx, argv) => rangeCommand(ctx, argv, false)),
  cmd('xrevrange', (ctx, argv) => rangeCommand(ctx, argv, true)),
  cmd('xsetid', xsetidCommand),
];
