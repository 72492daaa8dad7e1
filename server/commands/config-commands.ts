/**
 * CONFIG GET / SET / RESETSTAT / REWRITE. The semantics (glob patterns, aliases, all-or-nothing
 * multi-parameter SET, exact error texts, in-place rewrite) live in server/config; this module
 * only maps them onto replies and resets the node's statistics.
 */
import type { ByteString } from '../../storage/bytes';
import { writeRespValue } from '../../protocol/resp-value';
import type { Client } from '../client';
import { ConfigSetError } from '../config/config';
import { ConfigRewriteError } from '../config/rewrite';
import { ERR, ReplyError } from '../errors';
import { cmd, type CommandImpl } from './command';
import { HELP_REPLIES } from './meta/command-meta.generated';

function configGet(client: Client, argv: ByteString[]): void {
  const pairs = client.node.config.get(argv.slice(2));
  client.reply.map(pairs.length);
  for (const [name, value] of pairs) {
    client.reply.bulk(name);
    client.reply.bulk(value);
  }
}

function configSet(client: Client, argv: ByteString[]): void {
  if (argv.length % 2 !== 0) throw new ReplyError(ERR.syntax);
  const pairs: Array<[string, string]> = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i] as ByteString, argv[i + 1] as ByteString]);
  try {
    client.node.config.set(pairs, { local: client.isLocal });
  } catch (err) {
    if (err instanceof ConfigSetError) throw new ReplyError(err.reply);
    throw err;
  }
  client.reply.ok();
}

function configRewrite(client: Client): void {
  try {
    client.node.config.rewrite();
  } catch (err) {
    if (err instanceof ConfigRewriteError) {
      client.node.log.warning(`CONFIG REWRITE failed: ${err.message}`);
      throw new ReplyError(err.reply);
    }
    throw err;
  }
  client.node.log.notice('CONFIG REWRITE executed with success.');
  client.reply.ok();
}

function configResetstat(client: Client): void {
  const node = client.node;
  node.stats.reset();
  for (const spec of node.commands.allWithSubcommands()) {
    spec.stats.calls = spec.stats.usec = spec.stats.rejectedCalls = spec.stats.failedCalls = 0;
  }
  client.reply.ok();
}

export const configCommands: CommandImpl[] = [
  cmd('config|get', configGet),
  cmd('config|set', configSet),
  cmd('config|rewrite', configRewrite),
  cmd('config|resetstat', configResetstat),
  cmd('config|help', (client) => writeRespValue(client.reply, HELP_REPLIES.config ?? [])),
];
