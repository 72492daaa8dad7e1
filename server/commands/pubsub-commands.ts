/**
 * Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB's
 * introspection. The registry and message delivery live in server/pubsub/pubsub.ts; this file
 * parses arguments and decides where a publication goes beyond this node.
 *
 * Beyond this node: without cluster mode a PUBLISH or SPUBLISH is replicated (forced into the
 * replication stream although it changes no key), so a replica's subscribers hear it too. In
 * cluster mode replicas are cluster nodes like any other: PUBLISH goes over the cluster bus to
 * every node, SPUBLISH to the nodes of this node's shard, and neither enters the replication
 * stream.
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';
import type { SubscriptionKind } from '../pubsub/pubsub';
import { writeRespValue } from '../../protocol/resp-value';
import { at } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';

function subscribeCommand(kind: SubscriptionKind) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    // Shard subscriptions are refused inside EXEC (Redis treats the transaction as a client
    // that may not block); plain and pattern ones are accepted there for compatibility.
    if (kind === 'shard' && ctx.session.transaction.executing) {
      throw new ReplyError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    }
    ctx.server.pubsub.subscribe(ctx.session, kind, argv.slice(1));
  };
}

function unsubscribeCommand(kind: SubscriptionKind) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    ctx.server.pubsub.unsubscribe(ctx.session, kind, argv.slice(1));
  };
}

function publishCommand(shard: boolean) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    ctx.reply.integer(ctx.publish(at(argv, 1), at(argv, 2), shard));
  };
}

/** PUBSUB CHANNELS and SHARDCHANNELS take at most one pattern; more is a syntax error. */
function channelsCommand(kind: 'channel' | 'shard') {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    if (argv.length > 3) {
      throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${at(argv, 1)}'. Try PUBSUB HELP.`);
    }
    const names = ctx.server.pubsub.activeNames(kind, argv.length === 3 ? at(argv, 2) : null);
    ctx.reply.bulkArray(names);
  };
}

function numsubCommand(kind: 'channel' | 'shard') {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const pubsub = ctx.server.pubsub;
    ctx.reply.array((argv.length - 2) * 2);
    for (let j = 2; j < argv.length; j++) {
      const name = at(argv, j);
      ctx.reply.bulk(name);
      ctx.reply.integer(pubsub.subscriberCount(kind, name));
    }
  };
}

export const pubsubCommands: CommandImpl[] = [
  cmd('subscribe', subscribeCommand('channel')),
  cmd('psubscribe', subscribeCommand('pattern')),
  cmd('ssubscribe', subscribeCommand('shard')),
  cmd('unsubscribe', unsubscribeCommand('channel')),
  cmd('punsubscribe', unsubscribeCommand('pattern')),
  cmd('sunsubscribe', unsubscribeCommand('shard')),
  cmd('publish', publishCommand(false)),
  cmd('spublish', publishCommand(true)),
  cmd('pubsub|channels', channelsCommand('channel')),
  cmd('pubsub|shardchannels', channelsCommand('shard')),
  cmd('pubsub|numsub', numsubCommand('channel')),
  cmd('pubsub|shardnumsub', numsubCommand('shard')),
  cmd('pubsub|numpat', (ctx) => ctx.reply.integer(ctx.server.pubsub.size('pattern'))),
  cmd('pubsub|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.pubsub ?? [])),
];
