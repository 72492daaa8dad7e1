/**
 * XINFO STREAM [FULL [COUNT n]], XINFO GROUPS and XINFO CONSUMERS: what a stream, its groups and
 * their consumers hold, as Redis 7.0 reports it (maps in RESP3, flat name/value arrays in RESP2).
 *
 * Two of the fields describe Redis's radix tree of nodes: radix-tree-keys (how many listpack
 * nodes: hashslot keeps the same nodes, storage/stream.ts) and radix-tree-nodes (how many tree
 * nodes index them). The tree is a compressed radix tree over the nodes' 16-byte master IDs, so
 * its node count follows from those keys (see raxNodeCount below).
 */
import type { ByteString } from '../../storage/bytes';
import type { StreamValue } from '../../storage/stream';
import type { StreamNode } from '../../storage/stream-node';
import { type ConsumerGroup, groupLag, ENTRIES_READ_UNKNOWN } from '../../storage/stream-groups';
import { formatId, ID_MAX, idMs, idSeq } from '../../storage/stream-id';
import { writeRespValue } from '../../protocol/resp-value';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';
import { at, intArg, isWord } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { asStream, replyEntries, replyEntry } from './stream-args';
import { noGroupForKey } from './stream-groups';

/**
 * The node count of a compressed radix tree (Redis's rax) holding these 16-byte keys, in order:
 * a run of bytes every key below a point shares is one compressed node, a point where keys differ
 * is one branching node, and each key ends in a leaf; an empty tree is its head node alone. This
 * is the shape rax keeps after insertions and deletions alike (it recompresses on delete).
 */
export function raxNodeCount(keys: readonly Buffer[]): number {
  if (keys.length === 0) return 1;
  const count = (from: number, to: number, depth: number): number => {
    if (depth === 16) return 1;
    const first = keys[from] as Buffer;
    const last = keys[to - 1] as Buffer;
    if (first[depth] === last[depth]) {
      // Sorted keys: equal first and last byte means every key shares it; extend the run.
      let end = depth + 1;
      while (end < 16 && first[end] === last[end]) end++;
      return 1 + count(from, to, end);
    }
    let nodes = 1;
    let groupStart = from;
    for (let i = from + 1; i <= to; i++) {
      if (i === to || (keys[i] as Buffer)[depth] !== (keys[groupStart] as Buffer)[depth]) {
        nodes += count(groupStart, i, depth + 1);
        groupStart = i;
      }
    }
    return nodes;
  };
  return count(0, keys.length, 0);
}

function nodeKey(node: StreamNode): Buffer {
  const key = Buffer.alloc(16);
  key.writeBigUInt64BE(idMs(node.masterId), 0);
  key.writeBigUInt64BE(idSeq(node.masterId), 8);
  return key;
}

function streamOf(ctx: CommandContext, key: ByteString): StreamValue {
  const value = ctx.lookupRead(ctx.db, key);
  if (value === undefined) throw new ReplyError(ERR.noSuchKey);
  return asStream(value);
}

/** The fields XINFO STREAM and its FULL form both start with. */
function replyStreamHeader(ctx: CommandContext, stream: StreamValue): void {
  const out = ctx.reply;
  out.bulk('length');
  out.integer(stream.length);
  out.bulk('radix-tree-keys');
  out.integer(stream.nodes.length);
  out.bulk('radix-tree-nodes');
  out.integer(raxNodeCount(stream.nodes.map(nodeKey)));
  out.bulk('last-generated-id');
  out.bulk(formatId(stream.lastId));
  out.bulk('max-deleted-entry-id');
  out.bulk(formatId(stream.maxDeletedId));
  out.bulk('entries-added');
  out.integer(stream.entriesAdded);
  out.bulk('recorded-first-entry-id');
  out.bulk(formatId(stream.firstId));
}

function replyEntriesRead(ctx: CommandContext, group: ConsumerGroup): void {
  if (group.entriesRead === ENTRIES_READ_UNKNOWN) ctx.reply.nullBulk();
  else ctx.reply.integer(group.entriesRead);
}

function replyLag(ctx: CommandContext, stream: StreamValue, group: ConsumerGroup): void {
  const lag = groupLag(stream, group);
  if (lag === null) ctx.reply.nullBulk();
  else ctx.reply.integer(lag);
}

function sortedGroups(stream: StreamValue): ConsumerGroup[] {
  return [...stream.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function xinfoStream(ctx: CommandContext, argv: ByteString[]): void {
  const stream = streamOf(ctx, at(argv, 2));
  const options = argv.length - 3;
  let count = 10;
  const optionError = (): ReplyError => new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${at(argv, 1)}'. Try XINFO HELP.`);
  if (options !== 0) {
    if ((options !== 1 && options !== 3) || !isWord(argv[3], 'full')) throw optionError();
    if (options === 3) {
      if (!isWord(argv[4], 'count')) throw optionError();
      count = intArg(at(argv, 5));
      if (count < 0) count = 10;
    }
  }
  const out = ctx.reply;
  if (options === 0) {
    out.map(10);
    replyStreamHeader(ctx, stream);
    out.bulk('groups');
    out.integer(stream.groups.size);
    for (const [name, reverse] of [['first-entry', false], ['last-entry', true]] as const) {
      out.bulk(name);
      const entry = stream.range(0n, ID_MAX, 1, reverse)[0];
      if (entry === undefined) out.nullBulk();
      else replyEntry(ctx, entry.id, entry.pairs);
    }
    return;
  }
  out.map(9);
  replyStreamHeader(ctx, stream);
  out.bulk('entries');
  replyEntries(ctx, stream.range(0n, ID_MAX, count));
  out.bulk('groups');
  const groups = sortedGroups(stream);
  out.array(groups.length);
  for (const group of groups) {
    out.map(7);
    out.bulk('name');
    out.bulk(group.name);
    out.bulk('last-delivered-id');
    out.bulk(formatId(group.lastId));
    out.bulk('entries-read');
    replyEntriesRead(ctx, group);
    out.bulk('lag');
    replyLag(ctx, stream, group);
    out.bulk('pel-count');
    out.integer(group.pel.size);
    out.bulk('pending');
    const pending = [...group.pel.entries()].slice(0, count === 0 ? undefined : count);
    out.array(pending.length);
    for (const [id, entry] of pending) {
      out.array(4);
      out.bulk(formatId(id));
      out.bulk(entry.consumer.name);
      out.integer(entry.deliveryTimeMs);
      out.integer(entry.deliveryCount);
    }
    out.bulk('consumers');
    const consumers = group.sortedConsumers();
    out.array(consumers.length);
    for (const consumer of consumers) {
      out.map(4);
      out.bulk('name');
      out.bulk(consumer.name);
      out.bulk('seen-time');
      out.integer(consumer.seenTimeMs);
      out.bulk('pel-count');
      out.integer(consumer.pel.size);
      out.bulk('pending');
      const owned = [...consumer.pel.entries()].slice(0, count === 0 ? undefined : count);
      out.array(owned.length);
      for (const [id, entry] of owned) {
        out.array(3);
        out.bulk(formatId(id));
        out.integer(entry.deliveryTimeMs);
        out.integer(entry.deliveryCount);
      }
    }
  }
}

function xinfoGroups(ctx: CommandContext, argv: ByteString[]): void {
  const stream = streamOf(ctx, at(argv, 2));
  const out = ctx.reply;
  const groups = sortedGroups(stream);
  out.array(groups.length);
  for (const group of groups) {
    out.map(6);
    out.bulk('name');
    out.bulk(group.name);
    out.bulk('consumers');
    out.integer(group.consumers.size);
    out.bulk('pending');
    out.integer(group.pel.size);
    out.bulk('last-delivered-id');
    out.bulk(formatId(group.lastId));
    out.bulk('entries-read');
    replyEntriesRead(ctx, group);
    out.bulk('lag');
    replyLag(ctx, stream, group);
  }
}

function xinfoConsumers(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 2);
  const stream = streamOf(ctx, key);
  const group = stream.groups.get(at(argv, 3));
  if (group === undefined) throw noGroupForKey(at(argv, 3), key);
  const out = ctx.reply;
  const consumers = group.sortedConsumers();
  out.array(consumers.length);
  for (const consumer of consumers) {
    out.map(3);
    out.bulk('name');
    out.bulk(consumer.name);
    out.bulk('pending');
    out.integer(consumer.pel.size);
    out.bulk('idle');
    out.integer(Math.max(0, ctx.nowMs - consumer.seenTimeMs));
  }
}

export const streamInfoCommands: readonly CommandImpl[] = [
  cmd('xinfo|stream', xinfoStream),
  cmd('xinfo|groups', xinfoGroups),
  cmd('xinfo|consumers', xinfoConsumers),
  cmd('xinfo|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES['xinfo'] ?? [])),
];
