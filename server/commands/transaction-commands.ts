/** MULTI, EXEC, DISCARD, WATCH, UNWATCH (server/dispatch/transaction.ts holds the rules). */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { runCommand } from '../dispatch/dispatch';
import { ReplyError } from '../dispatch/errors';
import { cmd, type CommandImpl } from '../dispatch/command';
import type { QueuedCommand } from '../dispatch/transaction';

/** What a harness hears when an EXEC that MIGRATE suspended has finished. */
const EXEC_ARGV: readonly ByteString[] = ['EXEC'];

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
  runQueued(ctx, queue, 0, false);
}

/**
 * Runs EXEC's commands from `from` on. A command that waits on the network (MIGRATE, which
 * Redis runs inside EXEC with blocking I/O) suspends the rest: it runs once that command has
 * replied (Session.afterWait), while other clients are still held (dispatch/exclusive-run.ts).
 * The execution unit is kept open across the wait, so replicas get the whole transaction in one
 * MULTI/EXEC as Redis sends it; clients blocked on keys it pushed to are served after it.
 */
function runQueued(ctx: CommandContext, queue: readonly QueuedCommand[], from: number, resumed: boolean): void {
  const session = ctx.session;
  const node = ctx.server;
  for (let i = from; i < queue.length; i++) {
    const { spec, argv } = queue[i] as QueuedCommand;
    // The user's rules may have changed since the command was queued (server/acl/acl.ts).
    if (session.user !== null && !session.user.unrestricted && node.acl.deniedInExec(session, session.user, spec, argv)) continue;
    try {
      runCommand(session, spec, argv);
    } catch (err) {
      finishExec(ctx, queue, resumed);
      throw err;
    }
    if (session.waiting) {
      if (!resumed) node.replication.beginUnit();
      session.afterWait = () => runQueued(ctx, queue, i + 1, true);
      return;
    }
  }
  finishExec(ctx, queue, resumed);
}

/** EXEC is over; after a wait, also what the dispatcher does once a command has run. */
function finishExec(ctx: CommandContext, queue: readonly QueuedCommand[], resumed: boolean): void {
  const tx = ctx.session.transaction;
  tx.executing = false;
  tx.running = null;
  tx.end();
  if (!resumed) return;
  const node = ctx.server;
  node.replication.endUnit();
  node.commandCompletedLate(ctx.session, EXEC_ARGV, queue);
  node.blocking.handleReadyKeys();
  ctx.session.connection?.unblock();
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
