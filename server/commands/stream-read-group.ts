/**
 * XREADGROUP: reading a stream as a member of a consumer group.
 *
 *   XREADGROUP GROUP g consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...
 *
 * With the ID ">" the consumer gets entries the group has not delivered yet: the group's last
 * delivered ID moves past them (and its entries-read counter, storage/stream-groups.ts), and each
 * becomes pending for this consumer until XACK (not with NOACK). With any other ID the consumer
 * re-reads its own pending entries above that ID (its history), each delivery counted; an entry
 * deleted meanwhile comes back as [id, null].
 *
 * Nothing new and BLOCK given: the client waits like XREAD (stream-read.ts), served when an XADD
 * takes the stream past the group's last delivered ID at that time, answered NOGROUP when the
 * group is destroyed meanwhile, and UNBLOCKED when the key stops holding a stream (DEL, SET,
 * RENAME, FLUSHALL...), as Redis 7.0.15 answers.
 *
 * Replication, as Redis 7.0 does it: the command itself is not sent. Each delivered entry goes as
 *   XCLAIM key group consumer 0 id TIME <delivery ms> RETRYCOUNT <count> FORCE JUSTID LASTID <group last id>
 * With NOACK, where there are no XCLAIMs, a read that moved the group goes as XGROUP SETID key
 * group <last id> ENTRIESREAD <n>, after XGROUP CREATECONSUMER for a consumer it created.
 */
import type { ByteString } from '../../storage/bytes';
import type { StreamValue } from '../../storage/stream';
import { advanceGroup, assignPending, type Consumer, type ConsumerGroup } from '../../storage/stream-groups';
import { formatId, ID_MAX, type StreamId } from '../../storage/stream-id';
import type { ServeFn } from '../blocking';
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';
import { cmd, type CommandImpl } from '../dispatch/command';
import { replyEntry, replyStreamEntry, strictId } from './stream-args';
import { ensureConsumer, noKeyOrGroup } from './stream-groups';
import { lookupStreamForRead, openStreamReply, openStreamsReply, parseReadOptions } from './stream-read';

/** ">" as an ID: new entries only. */
const NEW_ENTRIES = ID_MAX;

/**
 * The consumer, its seen time refreshed, or a new one. A new one reaches replicas through the
 * XCLAIMs of what it reads; with NOACK there are none, so Redis 7.0 sends XGROUP CREATECONSUMER.
 */
function activeConsumer(ctx: CommandContext, key: ByteString, group: ConsumerGroup, name: ByteString, noAck: boolean): Consumer {
  const existing = group.consumers.get(name);
  if (existing !== undefined) {
    existing.seenTimeMs = ctx.nowMs;
    return existing;
  }
  const created = ensureConsumer(ctx, key, group, name) as Consumer;
  if (noAck) ctx.alsoPropagate(['XGROUP', 'CREATECONSUMER', key, group.name, name]);
  return created;
}

/** XGROUP SETID key group <last id> ENTRIESREAD <n>, as streamPropagateGroupID sends it. */
function propagateGroupId(ctx: CommandContext, key: ByteString, group: ConsumerGroup): void {
  ctx.alsoPropagate(['XGROUP', 'SETID', key, group.name, formatId(group.lastId), 'ENTRIESREAD', String(group.entriesRead)]);
}

/** The XCLAIM that gives a replica this pending entry as it now is (streamPropagateXCLAIM). */
export function propagateClaim(ctx: CommandContext, key: ByteString, group: ConsumerGroup, idArg: ByteString, owner: ByteString, deliveryTimeMs: number, deliveryCount: number): void {
  ctx.alsoPropagate([
    'XCLAIM', key, group.name, owner, '0', idArg,
    'TIME', String(deliveryTimeMs), 'RETRYCOUNT', String(deliveryCount), 'FORCE', 'JUSTID', 'LASTID', formatId(group.lastId),
  ]);
}

/** Delivers new entries after `after` to `consumer` (streamReplyWithRange with a group). */
function deliverNew(ctx: CommandContext, key: ByteString, stream: StreamValue, group: ConsumerGroup, consumer: Consumer, after: StreamId, count: number, noAck: boolean): void {
  const entries = stream.range(after + 1n, ID_MAX, count);
  let moved = false;
  ctx.reply.array(entries.length);
  for (const entry of entries) {
    if (entry.id > group.lastId) {
      advanceGroup(stream, group, entry.id);
      moved = true;
    }
    replyStreamEntry(ctx, entry);
    if (noAck) continue;
    const pending = group.pel.get(entry.id) ?? { consumer, deliveryTimeMs: ctx.nowMs, deliveryCount: 1 };
    pending.deliveryTimeMs = ctx.nowMs;
    pending.deliveryCount = 1;
    assignPending(group, entry.id, pending, consumer);
    propagateClaim(ctx, key, group, formatId(entry.id), consumer.name, pending.deliveryTimeMs, pending.deliveryCount);
  }
  // Without NOACK the XCLAIMs' LASTID already moved the replica's group (Redis 7.0 sends SETID
  // only with NOACK, entries-read included).
  if (moved && noAck) propagateGroupId(ctx, key, group);
}

/** Re-reads the consumer's own pending entries above `after` (streamReplyWithRangeFromConsumerPEL). */
function deliverHistory(ctx: CommandContext, stream: StreamValue, group: ConsumerGroup, consumer: Consumer, after: StreamId, count: number): void {
  const ids = after === ID_MAX ? [] : consumer.pel.idsInRange(after + 1n, ID_MAX, count);
  ctx.reply.array(ids.length);
  for (const id of ids) {
    const entry = stream.getEntry(id);
    if (entry === undefined) {
      replyEntry(ctx, id, undefined);
      continue;
    }
    replyStreamEntry(ctx, entry);
    const pending = group.pel.get(id);
    if (pending === undefined) continue;
    pending.deliveryTimeMs = ctx.nowMs;
    pending.deliveryCount++;
  }
}

function xreadgroupCommand(ctx: CommandContext, argv: ByteString[]): void {
  const options = parseReadOptions(ctx, argv, true);
  const groupName = options.group as ByteString;
  const consumerName = options.consumer as ByteString;
  const keys = argv.slice(options.keysAt, options.keysAt + options.streams);
  const after: StreamId[] = [];
  const groups: ConsumerGroup[] = [];
  for (let i = 0; i < options.streams; i++) {
    const key = keys[i] as ByteString;
    const stream = lookupStreamForRead(ctx, key);
    const group = stream?.groups.get(groupName);
    if (group === undefined) throw noKeyOrGroup(key, groupName, ' in XREADGROUP with GROUP option');
    groups.push(group);
    const arg = argv[options.keysAt + options.streams + i] as ByteString;
    if (arg === '$') {
      throw new ReplyError(
        'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
      );
    }
    after.push(arg === '>' ? NEW_ENTRIES : strictId(arg));
  }
  ctx.preventPropagation();
  const served: Array<{ index: number; stream: StreamValue; after: StreamId; history: boolean }> = [];
  for (let i = 0; i < options.streams; i++) {
    const stream = lookupStreamForRead(ctx, keys[i] as ByteString);
    if (stream === undefined) continue;
    const group = groups[i] as ConsumerGroup;
    const from = after[i] as StreamId;
    if (from !== NEW_ENTRIES) served.push({ index: i, stream, after: from, history: true });
    else if (stream.length > 0 && stream.lastLiveId() > group.lastId) served.push({ index: i, stream, after: group.lastId, history: false });
  }
  if (served.length > 0) {
    openStreamsReply(ctx, served.length);
    for (const { index, stream, after: from, history } of served) {
      const key = keys[index] as ByteString;
      const group = groups[index] as ConsumerGroup;
      openStreamReply(ctx, key);
      const consumer = activeConsumer(ctx, key, group, consumerName, options.noAck);
      if (history) deliverHistory(ctx, stream, group, consumer, from, options.count);
      else deliverNew(ctx, key, stream, group, consumer, from, options.count, options.noAck);
      ctx.db.markModified(key, ctx.nowMs);
    }
    return;
  }
  if (options.deadlineMs === -1 || !ctx.mayBlock) {
    ctx.reply.nullArray();
    return;
  }
  const serve: ServeFn = (key) => {
    const value = ctx.db.get(key, ctx.nowMs);
    if (value === undefined || typeof value === 'string' || value.kind !== 'stream') {
      ctx.reply.error('UNBLOCKED the stream key no longer exists');
      return 'answered';
    }
    const group = value.groups.get(groupName);
    if (group === undefined) {
      ctx.reply.error('NOGROUP the consumer group this client was blocked on no longer exists');
      return 'answered';
    }
    if (value.lastId <= group.lastId) return 'waiting';
    const consumer = activeConsumer(ctx, key, group, consumerName, options.noAck);
    openStreamsReply(ctx, 1);
    openStreamReply(ctx, key);
    deliverNew(ctx, key, value, group, consumer, group.lastId, options.count, options.noAck);
    ctx.db.markModified(key, ctx.nowMs);
    return 'served';
  };
  ctx.block(argv, keys, options.deadlineMs, serve, 'stream');
}

export const streamReadGroupCommands: readonly CommandImpl[] = [cmd('xreadgroup', xreadgroupCommand)];

