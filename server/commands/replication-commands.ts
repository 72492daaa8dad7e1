/**
 * REPLICAOF/SLAVEOF, PSYNC/SYNC, REPLCONF, WAIT, ROLE: the commands of replication, with Redis
 * 7.0's replies and error texts. The work happens in server/replication/replication.ts.
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';
import { writeRoleReply } from '../replication/replication-views';
import { at, intArg, int64Arg, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';

function replicaofCommand(ctx: CommandContext, argv: ByteString[]): void {
  const node = ctx.server;
  if (node.cluster !== null) throw new ReplyError('ERR REPLICAOF not allowed in cluster mode.');
  const host = at(argv, 1);
  const portText = at(argv, 2);
  const replication = node.replication;
  if (host.toLowerCase() === 'no' && portText.toLowerCase() === 'one') {
    if (replication.isReplica) {
      replication.promote();
      node.log.notice(`MASTER MODE enabled (user request from '${ctx.connection.describe()}')`);
    }
    ctx.reply.ok();
    return;
  }
  if (ctx.session.kind === 'replica') throw new ReplyError('ERR Command is not valid when client is a replica.');
  const port = intArg(portText, 'ERR Invalid master port');
  if (port < 0 || port > 65535) throw new ReplyError('ERR Invalid master port');
  const master = replication.master;
  if (master !== null && master.host.toLowerCase() === host.toLowerCase() && master.port === port) {
    node.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    ctx.reply.simple('OK Already connected to specified master');
    return;
  }
  replication.replicaOf(host, port);
  node.log.notice(`REPLICAOF ${host}:${port} enabled (user request from '${ctx.connection.describe()}')`);
  ctx.reply.ok();
}

function psyncCommand(ctx: CommandContext, argv: ByteString[]): void {
  const offset = int64Arg(at(argv, 2));
  ctx.server.replication.syncRequested(ctx.connection, { replid: at(argv, 1), offset: Number(offset) });
}

function replconfCommand(ctx: CommandContext, argv: ByteString[]): void {
  if (argv.length % 2 === 0) syntaxError();
  const replication = ctx.server.replication;
  for (let j = 1; j < argv.length; j += 2) {
    const option = at(argv, j).toLowerCase();
    const value = at(argv, j + 1);
    switch (option) {
      case 'listening-port':
        ctx.connection.replconf.listeningPort = intArg(value);
        break;
      case 'ip-address':
        ctx.connection.replconf.ipAddress = value;
        break;
      case 'capa':
        if (value.toLowerCase() === 'eof') ctx.connection.replconf.capaEof = true;
        else if (value.toLowerCase() === 'psync2') ctx.connection.replconf.capaPsync2 = true;
        break;
      case 'ack':
        // Never answered: the replica does not read replies.
        replication.acked(ctx.connection, Number(int64Arg(value)));
        return;
      case 'getack':
        if (ctx.session.kind === 'master') replication.sendAck();
        return;
      case 'rdb-only':
      case 'rdb-filter-only':
        break;
      default:
        throw new ReplyError(`ERR Unrecognized REPLCONF option: ${at(argv, j)}`);
    }
  }
  ctx.reply.ok();
}

function waitCommand(ctx: CommandContext, argv: ByteString[]): void {
  const replication = ctx.server.replication;
  if (replication.isReplica) {
    throw new ReplyError(
      'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
  }
  const replicas = Number(int64Arg(at(argv, 1)));
  const timeout = int64Arg(at(argv, 2), 'ERR timeout is not an integer or out of range');
  if (timeout < 0n) throw new ReplyError('ERR timeout is negative');
  replication.wait(ctx.connection, replicas, Number(timeout));
}

export const replicationCommands: CommandImpl[] = [
  cmd('replicaof', replicaofCommand),
  cmd('slaveof', replicaofCommand),
  cmd('psync', psyncCommand),
  cmd('sync', (ctx) => ctx.server.replication.syncRequested(ctx.connection, null)),
  cmd('replconf', replconfCommand),
  cmd('wait', waitCommand),
  cmd('role', (ctx) => writeRoleReply(ctx.session, ctx.server.replication)),
];
