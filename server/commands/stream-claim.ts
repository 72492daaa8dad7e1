/**
 * Taking pending entries over from another consumer: XCLAIM (given IDs) and XAUTOCLAIM (scanning
 * the group's PEL from a cursor). An entry idle for less than min-idle-time stays where it is.
 *
 *   XCLAIM key group consumer min-idle-time id... [IDLE ms] [TIME ms-unix] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id]
 *   XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID]
 *
 * A claimed entry's delivery time becomes now (or IDLE/TIME) and its delivery count grows by one
 * (not with JUSTID; RETRYCOUNT sets it). FORCE creates a pending entry for an ID nobody had, if
 * the stream still holds it. A pending entry whose stream entry was deleted is dropped from the
 * PEL instead; XAUTOCLAIM lists those IDs as the third part of its reply, after the cursor to
 * continue from (0-0 at the end) and the claimed entries. XAUTOCLAIM looks at no more than 10 ×
 * COUNT PEL entries per call.
 *
 * Replication: each claim (and each drop) is sent as the XCLAIM ... FORCE JUSTID form that
 * XREADGROUP uses (stream-read-group.ts), never as the command received; an XCLAIM whose LASTID
 * moved the group but claimed nothing sends XGROUP SETID.
 */
import type { ByteString } from '../../storage/bytes';
import type { StreamValue } from '../../storage/stream';
import { assignPending, type Consumer, type ConsumerGroup, type PendingEntry } from '../../storage/stream-groups';
import { formatId, type StreamId } from '../../storage/stream-id';
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';
import { at, int64Arg, intArg, isWord } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { asStream, parseStreamId, rangeBound, readStream, replyEntry } from './stream-args';
import { ensureConsumer, noKeyOrGroup } from './stream-groups';
import { propagateClaim } from './stream-read-group';

function groupOf(ctx: CommandContext, argv: readonly ByteString[]): { stream: StreamValue; group: ConsumerGroup } {
  const key = at(argv, 1);
  const stream = readStream(ctx, key);
  const group = stream?.groups.get(at(argv, 2));
  if (stream === undefined || group === undefined) throw noKeyOrGroup(key, at(argv, 2));
  return { stream, group };
}

/** The claiming consumer: looked up (its seen time refreshed) or created on first need. */
function claimer(ctx: CommandContext, key: ByteString, group: ConsumerGroup, name: ByteString): Consumer {
  const existing = group.consumers.get(name);
  if (existing !== undefined) {
    existing.seenTimeMs = ctx.nowMs;
    return existing;
  }
  return ensureConsumer(ctx, key, group, name) as Consumer;
}

/** Drops a pending entry whose stream entry is gone, telling replicas. */
function dropDeleted(ctx: CommandContext, key: ByteString, group: ConsumerGroup, id: StreamId, idArg: ByteString, pending: PendingEntry): void {
  propagateClaim(ctx, key, group, idArg, pending.consumer.name, pending.deliveryTimeMs, pending.deliveryCount);
  group.pel.delete(id);
  pending.consumer.pel.delete(id);
  ctx.db.markModified(key, ctx.nowMs);
}

function optionInt(arg: ByteString, what: string): number {
  return intArg(arg, `ERR Invalid ${what} option argument for XCLAIM`);
}

function xclaimCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const { stream, group } = groupOf(ctx, argv);
  const minIdleMs = Math.max(0, intArg(at(argv, 4), 'ERR Invalid min-idle-time argument for XCLAIM'));
  const ids: Array<[StreamId, ByteString]> = [];
  let j = 5;
  for (; j < argv.length; j++) {
    try {
      ids.push([parseStreamId(argv[j] as ByteString, 0n, true).id, argv[j] as ByteString]);
    } catch (err) {
      if (!(err instanceof ReplyError)) throw err;
      break;
    }
  }
  const now = ctx.nowMs;
  let deliveryTimeMs = -1;
  let retryCount = -1;
  let force = false;
  let justId = false;
  let lastId = 0n;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j] as ByteString;
    if (isWord(opt, 'force')) force = true;
    else if (isWord(opt, 'justid')) justId = true;
    else if (isWord(opt, 'idle') && more > 0) deliveryTimeMs = now - optionInt(argv[++j] as ByteString, 'IDLE');
    else if (isWord(opt, 'time') && more > 0) deliveryTimeMs = optionInt(argv[++j] as ByteString, 'TIME');
    else if (isWord(opt, 'retrycount') && more > 0) retryCount = optionInt(argv[++j] as ByteString, 'RETRYCOUNT');
    else if (isWord(opt, 'lastid') && more > 0) lastId = parseStreamId(argv[++j] as ByteString, 0n, true).id;
    else throw new ReplyError(`ERR Unrecognized XCLAIM option '${opt}'`);
  }
  ctx.preventPropagation();
  let moveLastId = false;
  if (lastId > group.lastId) {
    group.lastId = lastId;
    moveLastId = true;
  }
  if (deliveryTimeMs === -1 || deliveryTimeMs < 0 || deliveryTimeMs > now) deliveryTimeMs = now;
  const name = at(argv, 3);
  let consumer: Consumer | null = null;
  const claimed: Array<[StreamId, ByteString[] | undefined]> = [];
  for (const [id, idArg] of ids) {
    let pending = group.pel.get(id);
    const pairs = stream.get(id);
    if (pairs === undefined) {
      if (pending !== undefined) {
        dropDeleted(ctx, key, group, id, idArg, pending);
        moveLastId = false;
      }
      continue;
    }
    let forced = false;
    if (force && pending === undefined) {
      pending = { consumer: null as unknown as Consumer, deliveryTimeMs: now, deliveryCount: 1 };
      forced = true;
    }
    if (pending === undefined) continue;
    if (!forced && minIdleMs > 0 && now - pending.deliveryTimeMs < minIdleMs) continue;
    consumer ??= claimer(ctx, key, group, name);
    pending.deliveryTimeMs = deliveryTimeMs;
    if (retryCount >= 0) pending.deliveryCount = retryCount;
    else if (!justId) pending.deliveryCount++;
    if (forced) pending.consumer = consumer;
    assignPending(group, id, pending, consumer);
    claimed.push([id, pairs]);
    propagateClaim(ctx, key, group, idArg, consumer.name, pending.deliveryTimeMs, pending.deliveryCount);
    moveLastId = false;
    ctx.db.markModified(key, ctx.nowMs);
  }
  if (moveLastId) {
    ctx.alsoPropagate(['XGROUP', 'SETID', key, group.name, formatId(group.lastId), 'ENTRIESREAD', String(group.entriesRead)]);
    ctx.db.markModified(key, ctx.nowMs);
  }
  ctx.reply.array(claimed.length);
  for (const [id, pairs] of claimed) {
    if (justId) ctx.reply.bulk(formatId(id));
    else replyEntry(ctx, id, pairs);
  }
}

const ATTEMPTS_FACTOR = 10;

function xautoclaimCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  // Looked up before the arguments are read (a missing key fires "keymiss" even when they are
  // wrong), checked after, as Redis does.
  const value = ctx.lookupRead(ctx.db, key);
  const minIdleMs = Math.max(0, intArg(at(argv, 4), 'ERR Invalid min-idle-time argument for XAUTOCLAIM'));
  const start = rangeBound(at(argv, 5), false);
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (isWord(argv[j], 'count') && more > 0) {
      // At most LONG_MAX / 16, so that count * 10 attempts cannot overflow in Redis.
      const n = int64Arg(argv[j + 1] as ByteString, 'ERR COUNT must be > 0');
      if (n < 1n || n > 0x7fffffffffffffffn / 16n) throw new ReplyError('ERR COUNT must be > 0');
      count = Number(n);
      j++;
    } else if (isWord(argv[j], 'justid')) {
      justId = true;
    } else {
      throw new ReplyError('ERR syntax error');
    }
  }
  const stream = value === undefined ? undefined : asStream(value);
  const group = stream?.groups.get(at(argv, 2));
  if (stream === undefined || group === undefined) throw noKeyOrGroup(key, at(argv, 2));
  ctx.preventPropagation();
  const now = ctx.nowMs;
  const name = at(argv, 3);
  let attempts = count * ATTEMPTS_FACTOR;
  let consumer: Consumer | null = null;
  const claimed: Array<[StreamId, ByteString[]]> = [];
  const deleted: StreamId[] = [];
  // The PEL's IDs from the start, walked in order; the cursor is the one after the last looked at.
  const candidates = group.pel.idsInRange(start, (1n << 128n) - 1n, 0);
  let next = 0;
  while (attempts > 0 && count > 0 && next < candidates.length) {
    attempts--;
    const id = candidates[next++] as StreamId;
    const pending = group.pel.get(id) as PendingEntry;
    const pairs = stream.get(id);
    if (pairs === undefined) {
      dropDeleted(ctx, key, group, id, formatId(id), pending);
      deleted.push(id);
      count--;
      continue;
    }
    if (minIdleMs > 0 && now - pending.deliveryTimeMs < minIdleMs) continue;
    consumer ??= claimer(ctx, key, group, name);
    pending.deliveryTimeMs = now;
    if (!justId) pending.deliveryCount++;
    assignPending(group, id, pending, consumer);
    claimed.push([id, pairs]);
    count--;
    propagateClaim(ctx, key, group, formatId(id), consumer.name, pending.deliveryTimeMs, pending.deliveryCount);
    ctx.db.markModified(key, ctx.nowMs);
  }
  const cursor = candidates[next];
  const out = ctx.reply;
  out.array(3);
  out.bulk(cursor === undefined ? '0-0' : formatId(cursor));
  out.array(claimed.length);
  for (const [id, pairs] of claimed) {
    if (justId) out.bulk(formatId(id));
    else replyEntry(ctx, id, pairs);
  }
  out.array(deleted.length);
  for (const id of deleted) out.bulk(formatId(id));
}

export const streamClaimCommands: readonly CommandImpl[] = [cmd('xclaim', xclaimCommand), cmd('xautoclaim', xautoclaimCommand)];

