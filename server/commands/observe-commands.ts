/**
 * SLOWLOG GET [count] / LEN / RESET / HELP, reading the node's slow log, and MONITOR (both in
 * server/observe/).
 */
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';
import { cmd, type CommandImpl } from '../dispatch/command';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';
import { writeRespValue } from '../../protocol/resp-value';
import { at, int64Arg } from './args';

const DEFAULT_COUNT = 10;

function getCommand(ctx: CommandContext, argv: readonly string[]): void {
  if (argv.length > 3) throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${at(argv, 1)}'. Try SLOWLOG HELP.`);
  let count = DEFAULT_COUNT;
  if (argv.length === 3) {
    const given = int64Arg(at(argv, 2), 'ERR count should be greater than or equal to -1');
    if (given < -1n) throw new ReplyError('ERR count should be greater than or equal to -1');
    count = given > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(given);
  }
  const entries = ctx.server.slowlog.newest(count);
  const reply = ctx.reply;
  reply.array(entries.length);
  for (const entry of entries) {
    reply.array(6);
    reply.integer(entry.id);
    reply.integer(entry.unixSec);
    reply.integer(entry.durationUs);
    reply.array(entry.args.length);
    for (const arg of entry.args) reply.bulk(arg);
    reply.bulk(entry.addr);
    reply.bulk(entry.name);
  }
}

/** MONITOR: this connection is sent every command from now on; a second MONITOR is ignored. */
function monitorCommand(ctx: CommandContext): void {
  const monitors = ctx.server.monitors;
  const session = ctx.session;
  if (session.kind !== 'normal' || monitors.has(session)) return;
  monitors.add(session);
  ctx.reply.ok();
}

export const observeCommands: CommandImpl[] = [
  cmd('monitor', monitorCommand),
  cmd('slowlog|get', getCommand),
  cmd('slowlog|len', (ctx) => ctx.reply.integer(ctx.server.slowlog.length)),
  cmd('slowlog|reset', (ctx) => {
    ctx.server.slowlog.reset();
    ctx.reply.ok();
  }),
  cmd('slowlog|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.slowlog ?? [])),
];
