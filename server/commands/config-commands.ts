/**
 * CONFIG GET / SET / RESETSTAT / REWRITE. The semantics (glob patterns, aliases, all-or-nothing
 * multi-parameter SET, exact error texts, in-place rewrite) live in server/config; this module
 * only maps them onto replies and resets the node's statistics.
 */
import type { ByteString } from '../../storage/bytes';
import { writeRespValue } from '../../protocol/resp-value';
import type { CommandContext } from '../dispatch/command-context';
import { type Config, ConfigSetError, configSetFailed, type SetPlan } from '../config/config';
import { ListenError } from '../network/listener';
import { ConfigRewriteError } from '../config/rewrite';
import { ERR, ReplyError } from '../dispatch/errors';
import { cmd, type CommandImpl } from '../dispatch/command';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';

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
  const config = ctx.server.config;
  // A session without a connection is the server's own (a script, the testing API): local.
  const opts = { local: ctx.session.connection?.isLocal ?? true };
  try {
    const listen = listenerChange(config.checkSet(pairs, opts), config);
    // Inside EXEC nothing can wait: the listeners then follow in the background (network/listener.ts).
    if (listen !== null && ctx.session.connection !== null && ctx.session.kind === 'normal' && !ctx.session.transaction.executing) {
      setWithNewListeners(ctx, pairs, listen);
      return;
    }
    config.set(pairs, opts);
  } catch (err) {
    if (err instanceof ConfigSetError) throw new ReplyError(err.reply);
    throw err;
  }
  ctx.reply.ok();
}

/** A CONFIG SET that moves the client port: the new port and bind, and which of the two to blame. */
interface ListenerChange {
  port: number;
  bind: readonly string[];
  /** The first of the two in the arguments: a failure names it (lower case, as Redis does). */
  directive: 'port' | 'bind';
}

function listenerChange(plan: SetPlan, config: Config): ListenerChange | null {
  const port = plan.valueAfter('port');
  const bind = plan.valueAfter('bind');
  const portAt = port !== config.number('port') ? plan.argumentIndex('port') : -1;
  const bindAt = bind.join(' ') !== config.value('bind').join(' ') ? plan.argumentIndex('bind') : -1;
  if (portAt < 0 && bindAt < 0) return null;
  // Redis applies the changes in argument order: the first one to apply is the one that fails.
  const portFirst = bindAt < 0 || (portAt >= 0 && portAt < bindAt);
  return { port, bind, directive: portFirst ? 'port' : 'bind' };
}

/**
 * Opens the new listeners while the client waits (blocked, as WAIT blocks it), then stores the
 * values; a port that cannot be bound refuses the whole CONFIG SET with Redis's reply and log,
 * and the node keeps serving on its old port.
 */
function setWithNewListeners(ctx: CommandContext, pairs: Array<[string, string]>, listen: ListenerChange): void {
  const node = ctx.server;
  const client = ctx.connection;
  client.block();
  node.listeners.prepare(listen.port, listen.bind).then(
    (set) => {
      try {
        node.config.set(pairs, { local: client.isLocal });
        node.listeners.finish(set, true);
        ctx.reply.ok();
      } catch (err) {
        node.listeners.finish(set, false);
        if (!(err instanceof ConfigSetError)) throw err;
        ctx.reply.error(err.reply);
      }
      client.unblock();
    },
    (err: unknown) => {
      if (!(err instanceof ListenError)) throw err;
      node.log.warning(`Warning: ${err.message}`);
      if (listen.directive === 'bind') node.log.warning('Failed to bind');
      node.log.warning(`Failed applying new configuration. Possibly related to new ${listen.directive} setting. Restoring previous settings.`);
      const reason = listen.directive === 'port' ? 'Unable to listen on this port. Check server logs.' : 'Failed to bind to specified addresses.';
      ctx.reply.error(configSetFailed(listen.directive, reason).reply);
      client.unblock();
    },
  );
}

/**
 * Rewrites the config file with what this node runs now; `forceAll` writes every directive,
 * defaults too (DEBUG CONFIG-REWRITE-FORCE-ALL). Throws ConfigRewriteError.
 */
export function rewriteConfigOf(node: CommandContext['server'], forceAll = false): void {
  // The master a REPLICAOF set is written out, so a restart follows it (and continues with
  // a partial resync from the RDB's repl-id / repl-offset); cluster mode keeps it in nodes.conf.
  const master = node.cluster === null ? node.replication.master : null;
  // Users are written as `user` lines, unless they live in an ACL file (server/acl/acl.ts).
  node.config.rewrite([node.acl.rewriteDirective()], new Map([['replicaof', master]]), forceAll);
}

function configRewrite(ctx: CommandContext): void {
  try {
    rewriteConfigOf(ctx.server);
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
    spec.stats.latencyBuckets = null;
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
