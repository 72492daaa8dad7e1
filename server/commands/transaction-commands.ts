/** MULTI, EXEC, DISCARD, WATCH, UNWATCH (server/dispatch/transaction.ts holds the rules). */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { runCommand } from '../dispatch/dispatch';
import { ReplyError } from '../dispatch/errors';
import { cmd, type CommandImpl } from '../dispatch/command';

function multiCommand(ctx: CommandContext): void {
  const tx = ctx.session.transaction;
  if (tx.inMulti) throw new ReplyError('ERR MULTI calls can not be nested');
  tx.queue = [];
  ctx.reply.ok();
}

function execCommand(ctx: CommandContext): void {
  const tx = ctx.session.transaction;
  const queue = tx.queue;
  if (queue === null) throw new ReplyError('ERR EXEC without MULTI');
  if (tx.aborted) {
    tx.end();
    throw new ReplyError('EXECABORT Transaction discarded because of previous errors.');
  }
  if (tx.watchFailed(ctx.nowMs)) {
    tx.end();
    ctx.reply.nullArray();
    return;
  }
  // Leave MULTI first: the queued commands run as ordinary calls.
  tx.queue = null;
  // The dispatcher runs EXEC as one execution unit: the writes of its commands reach replicas
  // together, in MULTI/EXEC when there are several (Replication.beginUnit/endUnit).
  ctx.reply.array(queue.length);
  tx.executing = true;
  tx.running = queue;
  try {
    for (const { spec, argv } of queue) runCommand(ctx.session, spec, argv);
  } finally {
    tx.executing = false;
    tx.running = null;
    tx.end();
  }
}

function discardCommand(ctx: CommandContext): void {
  const tx = ctx.session.transaction;
  if (!tx.inMulti) throw new ReplyError('ERR DISCARD without MULTI');
  tx.end();
  ctx.reply.ok();
}

function watchCommand(ctx: CommandContext, argv: ByteString[]): void {
  const tx = ctx.session.transaction;
  if (tx.inMulti) throw new ReplyError('ERR WATCH inside MULTI is not allowed');
  for (let i = 1; i < argv.length; i++) tx.watch(ctx.db, argv[i] as ByteString, ctx.nowMs);
  ctx.reply.ok();
}

export const transactionCommands: CommandImpl[] = [
  cmd('multi', multiCommand),
  cmd('exec', execCommand),
  cmd('discard', discardCommand),
  cmd('watch', watchCommand),
  cmd('unwatch', (ctx) => {
    ctx.session.transaction.unwatchAll();
    ctx.reply.ok();
  }),
];
