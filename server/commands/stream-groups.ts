/**
 * Consumer groups, administered and acknowledged: XGROUP CREATE / SETID / DESTROY /
 * CREATECONSUMER / DELCONSUMER, XACK and XPENDING. Reading through a group is XREADGROUP
 * (stream-read-group.ts), taking entries over is XCLAIM / XAUTOCLAIM (stream-claim.ts); the
 * structures are in storage/stream-groups.ts.
 *
 * A group remembers the last ID it delivered; XREADGROUP ... > hands out what comes after it and
 * records each entry as pending (in the group's PEL and the reading consumer's) until XACK. XPENDING
 * lists the pending entries: a summary (count, smallest and largest ID, count per consumer), or
 * the entries themselves in an ID range, with their idle time and delivery count.
 */
import type { ByteString } from '../../storage/bytes';
import { StreamValue } from '../../storage/stream';
import { acknowledge, ConsumerGroup, createConsumer, deleteConsumer, ENTRIES_READ_UNKNOWN } from '../../storage/stream-groups';
import { formatId, type StreamId } from '../../storage/stream-id';
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';
import { NotifyFlag } from '../config/special-codecs';
import { at, int64Arg, intArg, isWord } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { writeRespValue } from '../../protocol/resp-value';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';
import { parseStreamId, rangeBound, readStream, strictId, writeStream } from './stream-args';

function subcommandSyntax(argv: readonly ByteString[]): ReplyError {
  return new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${at(argv, 1).slice(0, 128)}'. Try XGROUP HELP.`);
}

export function noGroupForKey(group: ByteString, key: ByteString): ReplyError {
  return new ReplyError(`NOGROUP No such consumer group '${group}' for key name '${key}'`);
}

/** "NOGROUP No such key 'k' or consumer group 'g'" and its XREADGROUP form. */
export function noKeyOrGroup(key: ByteString, group: ByteString, suffix = ''): ReplyError {
  return new ReplyError(`NOGROUP No such key '${key}' or consumer group '${group}'${suffix}`);
}

const KEY_REQUIRED =
  'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';

/** Creates a consumer if missing, with Redis's event and write count. */
export function ensureConsumer(ctx: CommandContext, key: ByteString, group: ConsumerGroup, name: ByteString): ReturnType<typeof createConsumer> {
  const created = createConsumer(group, name, ctx.nowMs);
  if (created !== null) {
    ctx.db.markModified(key, ctx.nowMs);
    ctx.notifyKeyEvent(NotifyFlag.stream, 'xgroup-createconsumer', key);
  }
  return created;
}

// -------------------------------------------------------------------------------------------------
// XGROUP

interface GroupOptions {
  mkstream: boolean;
  entriesRead: bigint;
}

/** CREATE's and SETID's options from argv[5] on. */
function parseGroupOptions(argv: readonly ByteString[], create: boolean): GroupOptions {
  const options: GroupOptions = { mkstream: false, entriesRead: ENTRIES_READ_UNKNOWN };
  for (let i = 5; i < argv.length; ) {
    if (create && isWord(argv[i], 'mkstream')) {
      options.mkstream = true;
      i++;
    } else if (isWord(argv[i], 'entriesread') && i + 1 < argv.length) {
      options.entriesRead = int64Arg(argv[i + 1] as ByteString);
      if (options.entriesRead < 0n && options.entriesRead !== ENTRIES_READ_UNKNOWN) throw new ReplyError('ERR value for ENTRIESREAD must be positive or -1');
      i += 2;
    } else {
      throw subcommandSyntax(argv);
    }
  }
  return options;
}

/** The stream and (for all but CREATE and DESTROY) the group an XGROUP subcommand works on. */
function groupTarget(ctx: CommandContext, argv: readonly ByteString[], mkstream: boolean, groupRequired: boolean): { stream: StreamValue | undefined; group: ConsumerGroup | undefined } {
  const key = at(argv, 2);
  const stream = writeStream(ctx, key);
  if (stream === undefined && !mkstream) throw new ReplyError(KEY_REQUIRED);
  const group = stream?.groups.get(at(argv, 3));
  if (group === undefined && groupRequired) throw noGroupForKey(at(argv, 3), key);
  return { stream, group };
}

function xgroupCreate(ctx: CommandContext, argv: ByteString[]): void {
  const options = parseGroupOptions(argv, true);
  const key = at(argv, 2);
  const name = at(argv, 3);
  let { stream } = groupTarget(ctx, argv, options.mkstream, false);
  if (argv.length > 8) throw subcommandSyntax(argv);
  const idArg = at(argv, 4);
  const id: StreamId = idArg === '$' ? (stream?.lastId ?? 0n) : strictId(idArg);
  if (stream === undefined) {
    stream = new StreamValue();
    ctx.db.set(key, stream, ctx.nowMs);
  }
  if (stream.groups.has(name)) throw new ReplyError('BUSYGROUP Consumer Group name already exists');
  stream.groups.set(name, new ConsumerGroup(name, id, options.entriesRead));
  ctx.reply.ok();
  ctx.db.markModified(key, ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.stream, 'xgroup-create', key);
}

function xgroupSetid(ctx: CommandContext, argv: ByteString[]): void {
  const options = parseGroupOptions(argv, false);
  const { stream, group } = groupTarget(ctx, argv, false, true);
  if (argv.length !== 5 && argv.length !== 7) throw subcommandSyntax(argv);
  const idArg = at(argv, 4);
  const id = idArg === '$' ? (stream as StreamValue).lastId : parseStreamId(idArg, 0n, false).id;
  const target = group as ConsumerGroup;
  target.lastId = id;
  target.entriesRead = options.entriesRead;
  ctx.reply.ok();
  ctx.db.markModified(at(argv, 2), ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.stream, 'xgroup-setid', at(argv, 2));
}

function xgroupDestroy(ctx: CommandContext, argv: ByteString[]): void {
  const { stream, group } = groupTarget(ctx, argv, false, false);
  if (group === undefined) {
    ctx.reply.integer(0);
    return;
  }
  (stream as StreamValue).groups.delete(group.name);
  ctx.reply.integer(1);
  const key = at(argv, 2);
  ctx.db.markModified(key, ctx.nowMs);
  ctx.notifyKeyEvent(NotifyFlag.stream, 'xgroup-destroy', key);
  // XREADGROUP clients blocked on this group get their NOGROUP error.
  ctx.signalKeyReady(key);
}

function xgroupCreateConsumer(ctx: CommandContext, argv: ByteString[]): void {
  const { group } = groupTarget(ctx, argv, false, true);
  const created = ensureConsumer(ctx, at(argv, 2), group as ConsumerGroup, at(argv, 4));
  ctx.reply.integer(created === null ? 0 : 1);
}

function xgroupDelConsumer(ctx: CommandContext, argv: ByteString[]): void {
  const { group } = groupTarget(ctx, argv, false, true);
  const consumer = (group as ConsumerGroup).consumers.get(at(argv, 4));
  let pending = 0;
  if (consumer !== undefined) {
    pending = deleteConsumer(group as ConsumerGroup, consumer);
    ctx.db.markModified(at(argv, 2), ctx.nowMs);
    ctx.notifyKeyEvent(NotifyFlag.stream, 'xgroup-delconsumer', at(argv, 2));
  }
  ctx.reply.integer(pending);
}

// -------------------------------------------------------------------------------------------------
// XACK

function xackCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const group = readStream(ctx, key)?.groups.get(at(argv, 2));
  if (group === undefined) {
    ctx.reply.integer(0);
    return;
  }
  // All IDs are checked first: an error must not leave some acknowledged.
  const ids: StreamId[] = [];
  for (let i = 3; i < argv.length; i++) ids.push(strictId(argv[i] as ByteString));
  let acknowledged = 0;
  for (const id of ids) if (acknowledge(group, id)) acknowledged++;
  if (acknowledged > 0) {
    ctx.db.markModified(key, ctx.nowMs);
    ctx.keyspace.context.dirty += acknowledged - 1;
  }
  ctx.reply.integer(acknowledged);
}

// -------------------------------------------------------------------------------------------------
// XPENDING

function xpendingCommand(ctx: CommandContext, argv: ByteString[]): void {
  const summary = argv.length === 3;
  if (!summary && (argv.length < 6 || argv.length > 9)) throw new ReplyError('ERR syntax error');
  let minIdleMs = 0;
  let count = 0;
  let start = 0n;
  let end = 0n;
  let consumerName: ByteString | null = null;
  if (!summary) {
    let at0 = 3;
    if (isWord(argv[3], 'idle')) {
      minIdleMs = intArg(at(argv, 4));
      if (argv.length < 8) throw new ReplyError('ERR syntax error');
      at0 += 2;
    }
    count = Math.max(0, intArg(at(argv, at0 + 2)));
    start = rangeBound(at(argv, at0), false);
    end = rangeBound(at(argv, at0 + 1), true);
    if (at0 + 3 < argv.length) consumerName = at(argv, at0 + 3);
  }
  const key = at(argv, 1);
  const group = readStream(ctx, key)?.groups.get(at(argv, 2));
  if (group === undefined) throw noKeyOrGroup(key, at(argv, 2));
  const out = ctx.reply;
  if (summary) {
    out.array(4);
    out.integer(group.pel.size);
    const first = group.pel.first();
    const last = group.pel.last();
    if (first === undefined || last === undefined) {
      out.nullBulk();
      out.nullBulk();
      out.nullArray();
      return;
    }
    out.bulk(formatId(first));
    out.bulk(formatId(last));
    const owners = group.sortedConsumers().filter((c) => c.pel.size > 0);
    out.array(owners.length);
    for (const consumer of owners) {
      out.array(2);
      out.bulk(consumer.name);
      out.bulk(String(consumer.pel.size));
    }
    return;
  }
  let pel = group.pel;
  if (consumerName !== null) {
    const consumer = group.consumers.get(consumerName);
    if (consumer === undefined) {
      out.array(0);
      return;
    }
    pel = consumer.pel;
  }
  const rows: Array<[StreamId, ByteString, number, number]> = [];
  if (count > 0) {
    for (const id of pel.idsInRange(start, end, 0)) {
      const pending = group.pel.get(id);
      if (pending === undefined) continue;
      const idleMs = ctx.nowMs - pending.deliveryTimeMs;
      if (minIdleMs !== 0 && idleMs < minIdleMs) continue;
      rows.push([id, pending.consumer.name, Math.max(0, idleMs), pending.deliveryCount]);
      if (rows.length === count) break;
    }
  }
  out.array(rows.length);
  for (const [id, owner, idleMs, deliveries] of rows) {
    out.array(4);
    out.bulk(formatId(id));
    out.bulk(owner);
    out.integer(idleMs);
    out.integer(deliveries);
  }
}

export const streamGroupCommands: readonly CommandImpl[] = [
  cmd('xgroup|create', xgroupCreate),
  cmd('xgroup|setid', xgroupSetid),
  cmd('xgroup|destroy', xgroupDestroy),
  cmd('xgroup|createconsumer', xgroupCreateConsumer),
  cmd('xgroup|delconsumer', xgroupDelConsumer),
  cmd('xgroup|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES['xgroup'] ?? [])),
  cmd('xack', xackCommand),
  cmd('xpending', xpendingCommand),
];
