/**
 * The path of one request through the server, checks in Redis's order (the order is visible to
 * clients: a wrong-arity call to an unknown subcommand gets the unknown-subcommand error):
 *
 *   1. lookup: unknown command / unknown subcommand of a container (CONFIG, CLIENT, ...)
 *   2. arity
 *   3. authentication (NOAUTH unless the command is flagged no_auth)
 *   4. (cluster routing, MULTI queueing: later issues slot in here)
 *   5. the handler, run synchronously to completion
 *
 * Client errors thrown by the handler as ReplyError become error replies; any other exception
 * is a server bug and propagates.
 */
import type { ByteString } from '../storage/bytes';
import type { Client } from './client';
import type { CommandSpec } from './commands/command';
import type { CommandTable } from './commands/command-table';
import { ERR, ReplyError, unknownCommand, unknownSubcommand, wrongArity } from './errors';

/** Resolves argv to the command (or subcommand) to run, or throws the lookup/arity error. */
export function lookupCommand(table: CommandTable, argv: readonly ByteString[]): CommandSpec {
  const name = argv[0] as ByteString;
  const top = table.lookup(name);
  if (top === undefined) throw new ReplyError(unknownCommand(name, argv.slice(1)));
  let spec = top;
  if (top.subcommands !== null && argv.length >= 2) {
    const sub = top.subcommands.get((argv[1] as ByteString).toLowerCase());
    if (sub === undefined) throw new ReplyError(unknownSubcommand(name, argv[1] as ByteString));
    spec = sub;
  }
  const argc = argv.length;
  if ((spec.arity > 0 && argc !== spec.arity) || argc < -spec.arity) {
    throw new ReplyError(wrongArity(spec.fullName));
  }
  return spec;
}

/**
 * Runs one request. Returns the command that ran (for the caller's timing), or null when the
 * request was rejected before reaching a handler.
 */
export function dispatch(table: CommandTable, client: Client, argv: ByteString[]): CommandSpec | null {
  const node = client.node;
  const replyMark = client.reply.mark();
  let spec: CommandSpec | undefined;
  try {
    spec = lookupCommand(table, argv);
    if (!client.authenticated && !spec.noAuth) throw new ReplyError(ERR.noAuth);
    const cluster = node.cluster;
    if (cluster !== null && spec.firstKey > 0) {
      const redirect = cluster.route(client, spec, argv);
      if (redirect !== null) throw new ReplyError(redirect);
    }
  } catch (err) {
    if (!(err instanceof ReplyError)) throw err;
    if (spec !== undefined) spec.stats.rejectedCalls++;
    node.stats.countError(err.text);
    client.reply.error(err.text);
    client.asking = false;
    finishReply(client, replyMark);
    return null;
  }
  const handler = spec.handler;
  if (handler === null) throw new Error(`container ${spec.fullName} has no handler`);
  client.lastCommand = spec.fullName;
  try {
    handler(client, argv);
  } catch (err) {
    if (!(err instanceof ReplyError)) throw err;
    spec.stats.failedCalls++;
    node.stats.countError(err.text);
    client.reply.error(err.text);
  }
  spec.stats.calls++;
  node.stats.totalCommandsProcessed++;
  // ASKING lasts for exactly one command.
  if (client.asking && spec.fullName !== 'asking') client.asking = false;
  finishReply(client, replyMark);
  return spec;
}

/** Applies CLIENT REPLY OFF|SKIP: drops the reply the command just produced. */
function finishReply(client: Client, mark: number): void {
  if (client.replyMode === 'on') return;
  if (client.replyMode === 'skip') {
    if (client.skipNextReply) {
      client.reply.rewind(mark);
      client.skipNextReply = false;
      client.replyMode = 'on';
    } else {
      // The SKIP command itself replies nothing; the next command is the skipped one.
      client.reply.rewind(mark);
      client.skipNextReply = true;
    }
    return;
  }
  client.reply.rewind(mark);
}
