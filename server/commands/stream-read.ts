/**
 * XREAD: entries above a given ID from one or more streams, waiting for them with BLOCK.
 *
 *   XREAD [COUNT n] [BLOCK ms] STREAMS key1 key2 ... id1 id2 ...
 *
 * Each ID is exclusive ("give me what came after"); "$" means the stream's last ID at the time
 * of the call, so only entries added later are read. Streams with something to read are served
 * at once, in argument order, as [key, entries] pairs (a map key → entries in RESP3); if none
 * has, the reply is the null array, or with BLOCK the client waits (server/blocking.ts): the
 * first XADD that takes a waited-on stream past the client's ID serves it with that stream
 * alone, as Redis's serveClientsBlockedOnKey does. BLOCK 0 waits for ever; inside MULTI or a
 * script, where nothing may wait, the null array comes at once.
 *
 * XREADGROUP shares the option parsing and reply shapes (stream-read-group.ts).
 */
import type { ByteString } from '../../storage/bytes';
import type { StreamValue } from '../../storage/stream';
import { ID_MAX, type StreamId } from '../../storage/stream-id';
import type { ServeFn } from '../blocking';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { intArg, isWord } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { asStream, replyEntries, strictId } from './stream-args';

export interface ReadOptions {
  /** Absolute deadline in ms, 0 for none, -1 when BLOCK was not given. */
  deadlineMs: number;
  count: number;
  noAck: boolean;
  group: ByteString | null;
  consumer: ByteString | null;
  /** Index of the first key. */
  keysAt: number;
  streams: number;
}

/** BLOCK's argument: milliseconds, 0 for ever; returned as an absolute deadline. */
function blockDeadline(ctx: CommandContext, arg: ByteString): number {
  const ms = intArg(arg, 'ERR timeout is not an integer or out of range');
  if (ms < 0) throw new ReplyError(ERR.timeoutNegative);
  return ms === 0 ? 0 : ctx.nowMs + ms;
}

/** XREAD's and XREADGROUP's options, up to STREAMS (xreadCommand's parsing loop). */
export function parseReadOptions(ctx: CommandContext, argv: readonly ByteString[], readGroup: boolean): ReadOptions {
  const options: ReadOptions = { deadlineMs: -1, count: 0, noAck: false, group: null, consumer: null, keysAt: 0, streams: 0 };
  for (let i = 1; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const opt = argv[i] as ByteString;
    if (isWord(opt, 'block') && more > 0) {
      // Redis refuses BLOCK in scripts outright (elsewhere that cannot wait, it answers at once).
      if (ctx.fromScript) throw new ReplyError(`ERR ${argv[0] as ByteString} command is not allowed with BLOCK option from scripts`);
      i++;
      options.deadlineMs = blockDeadline(ctx, argv[i] as ByteString);
    } else if (isWord(opt, 'count') && more > 0) {
      i++;
      options.count = Math.max(0, intArg(argv[i] as ByteString));
    } else if (isWord(opt, 'streams') && more > 0) {
      options.keysAt = i + 1;
      const rest = argv.length - options.keysAt;
      // Redis 7.0 words this one as XREAD's, for XREADGROUP too.
      if (rest % 2 !== 0) throw new ReplyError("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      options.streams = rest / 2;
      break;
    } else if (isWord(opt, 'group') && more >= 2) {
      if (!readGroup) throw new ReplyError('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      options.group = argv[i + 1] as ByteString;
      options.consumer = argv[i + 2] as ByteString;
      i += 2;
    } else if (isWord(opt, 'noack')) {
      if (!readGroup) throw new ReplyError('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      options.noAck = true;
    } else {
      throw new ReplyError(ERR.syntax);
    }
  }
  if (options.keysAt === 0) throw new ReplyError(ERR.syntax);
  if (readGroup && options.group === null) throw new ReplyError('ERR Missing GROUP option for XREADGROUP');
  return options;
}

/** The stream at `key` for reading, WRONGTYPE for another type. */
export function lookupStreamForRead(ctx: CommandContext, key: ByteString): StreamValue | undefined {
  const value = ctx.lookupRead(ctx.db, key);
  return value === undefined ? undefined : asStream(value);
}

/** Opens the reply of a read that serves `streams` streams: an array of pairs, a map in RESP3. */
export function openStreamsReply(ctx: CommandContext, streams: number): void {
  if (ctx.reply.resp === 2) ctx.reply.array(streams);
  else ctx.reply.map(streams);
}

/** One stream's part of the reply: [key, ...] in RESP2, key => ... in RESP3. */
export function openStreamReply(ctx: CommandContext, key: ByteString): void {
  if (ctx.reply.resp === 2) ctx.reply.array(2);
  ctx.reply.bulk(key);
}

function xreadCommand(ctx: CommandContext, argv: ByteString[]): void {
  const options = parseReadOptions(ctx, argv, false);
  const keys = argv.slice(options.keysAt, options.keysAt + options.streams);
  const after: StreamId[] = [];
  for (let i = 0; i < options.streams; i++) {
    const stream = lookupStreamForRead(ctx, keys[i] as ByteString);
    const arg = argv[options.keysAt + options.streams + i] as ByteString;
    if (arg === '$') {
      after.push(stream?.lastId ?? 0n);
      continue;
    }
    if (arg === '>') {
      throw new ReplyError('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
    }
    after.push(strictId(arg));
  }
  // Which streams have something above their ID: those are served now.
  const served: Array<{ key: ByteString; stream: StreamValue; after: StreamId }> = [];
  for (let i = 0; i < options.streams; i++) {
    const key = keys[i] as ByteString;
    const stream = lookupStreamForRead(ctx, key);
    if (stream === undefined || stream.length === 0) continue;
    const from = after[i] as StreamId;
    if (stream.lastLiveId() > from) served.push({ key, stream, after: from });
  }
  if (served.length > 0) {
    openStreamsReply(ctx, served.length);
    for (const { key, stream, after: from } of served) {
      openStreamReply(ctx, key);
      replyEntries(ctx, stream.range(from + 1n, ID_MAX, options.count));
    }
    return;
  }
  if (options.deadlineMs === -1 || !ctx.mayBlock) {
    ctx.reply.nullArray();
    return;
  }
  // A key named twice waits with its first ID, as Redis's blocking keys dictionary keeps it.
  const waitingAfter = new Map<ByteString, StreamId>();
  keys.forEach((key, i) => {
    if (!waitingAfter.has(key)) waitingAfter.set(key, after[i] as StreamId);
  });
  const serve: ServeFn = (key) => {
    const value = ctx.db.get(key, ctx.nowMs);
    const from = waitingAfter.get(key);
    if (value === undefined || typeof value === 'string' || value.kind !== 'stream' || from === undefined) return 'waiting';
    if (value.lastId <= from) return 'waiting';
    if (from === ID_MAX) return 'waiting';
    openStreamsReply(ctx, 1);
    openStreamReply(ctx, key);
    replyEntries(ctx, value.range(from + 1n, ID_MAX, options.count));
    return 'served';
  };
  ctx.block(argv, keys, options.deadlineMs, serve, 'stream');
}

export const streamReadCommands: readonly CommandImpl[] = [cmd('xread', xreadCommand)];

