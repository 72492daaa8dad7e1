/**
 * CONFIG GET / SET / RESETSTAT / REWRITE. The semantics (glob patterns, aliases, all-or-nothing
 * multi-parameter SET, exact error texts, in-place rewrite) live in server/config; this module
 * only maps them onto replies and resets the node's statistics.
 */
import type { ByteString } from '../../storage/bytes';
import { writeRespValue } from '../../protocol/resp-value';
import type { CommandContext } from '../command-context';
import { ConfigSetError } from '../config/config';
import { ConfigRewriteError } from '../config/rewrite';
import { ERR, ReplyError } from '../errors';
import { cmd, type CommandImpl } from './command';
import { HELP_REPLIES } from './meta/command-meta.generated';

function configGet(ctx: CommandContext, argv: ByteString[]): void {
  const pairs = ctx.server.config.get(argv.slice(2));
  ctx.reply.map(pairs.length);
  for (const [name, value] of pairs) {
    ctx.reply.bulk(name);
    ctx.reply.bulk(value);
  }
}

function configSet(ctx: CommandContext, argv: ByteString[]): void {
  if (argv.length % 2 !== 0) throw new ReplyError(ERR.syntax);
  const pairs: Array<[string, string]> = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i] as ByteString, argv[i + 1] as ByteString]);
  try {
    ctx.server.config.set(pairs, { local: ctx.connection.isLocal });
  } catch (err) {
    if (err instanceof ConfigSetError) throw new ReplyError(err.reply);
    throw err;
  }
  ctx.reply.ok();
}

function configRewrite(ctx: CommandContext): void {
  try {
    ctx.server.config.rewrite();
  } catch (err) {
    if (err instanceof ConfigRewriteError) {
      ctx.server.log.warning(`CONFIG REWRITE failed: ${err.message}`);
      throw new ReplyError(err.reply);
    }
    throw err;
  }
  ctx.server.log.notice('CONFIG REWRITE executed with success.');
  ctx.reply.ok();
}

function configResetstat(ctx: CommandContext): void {
  const node = ctx.server;
  node.stats.reset();
  for (const spec of node.commands.allWithSubcommands()) {
    spec.stats.calls = spec.stats.usec = spec.stats.rejectedCalls = spec.stats.failedCalls = 0;
  }
  ctx.reply.ok();
}

export const configCommands: CommandImpl[] = [
  cmd('config|get', configGet),
  cmd('config|set', configSet),
  cmd('config|rewrite', configRewrite),
  cmd('config|resetstat', configResetstat),
  cmd('config|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.config ?? [])),
];
