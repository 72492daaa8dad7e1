/** MULTI, EXEC, DISCARD, WATCH, UNWATCH (server/transaction.ts holds the rules). */
import type { ByteString } from '../../storage/bytes';
import type { Client } from '../client';
import { runCommand } from '../dispatch';
import { ReplyError } from '../errors';
import { cmd, type CommandImpl } from './command';

function multiCommand(client: Client): void {
  const tx = client.transaction;
  if (tx.inMulti) throw new ReplyError('ERR MULTI calls can not be nested');
  tx.queue = [];
  client.reply.ok();
}

function execCommand(client: Client): void {
  const tx = client.transaction;
  const queue = tx.queue;
  if (queue === null) throw new ReplyError('ERR EXEC without MULTI');
  if (tx.aborted) {
    tx.end();
    throw new ReplyError('EXECABORT Transaction discarded because of previous errors.');
  }
  if (tx.watchFailed(client.node.nowMs)) {
    tx.end();
    client.reply.nullArray();
    return;
  }
  // Leave MULTI first: the queued commands run as ordinary calls.
  tx.queue = null;
  const replication = client.node.replication;
  replication.beginTransaction();
  client.reply.array(queue.length);
  tx.executing = true;
  tx.running = queue;
  try {
    for (const { spec, argv } of queue) runCommand(client, spec, argv);
  } finally {
    tx.executing = false;
    tx.running = null;
    replication.endTransaction();
    tx.end();
  }
}

function discardCommand(client: Client): void {
  const tx = client.transaction;
  if (!tx.inMulti) throw new ReplyError('ERR DISCARD without MULTI');
  tx.end();
  client.reply.ok();
}

function watchCommand(client: Client, argv: ByteString[]): void {
  const tx = client.transaction;
  if (tx.inMulti) throw new ReplyError('ERR WATCH inside MULTI is not allowed');
  for (let i = 1; i < argv.length; i++) tx.watch(client.db, argv[i] as ByteString, client.node.nowMs);
  client.reply.ok();
}

export const transactionCommands: CommandImpl[] = [
  cmd('multi', multiCommand),
  cmd('exec', execCommand),
  cmd('discard', discardCommand),
  cmd('watch', watchCommand),
  cmd('unwatch', (client) => {
    client.transaction.unwatchAll();
    client.reply.ok();
  }),
];
