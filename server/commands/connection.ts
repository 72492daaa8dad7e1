/**
 * Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET. They change the session
 * state of the calling client, never the keyspace.
 */
import type { ByteString } from '../../storage/bytes';
import { REDIS_VERSION } from '../../storage/redis-version';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at, int32Arg, intArg, isWord } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';


/** Client names may not contain spaces or non-printable bytes. */
export function validateClientName(name: ByteString): void {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) throw new ReplyError(ERR.clientNameSpaces);
  }
}

/** AUTH and HELLO AUTH: switches the session to the user (acl.ts), or logs the failure. */
function checkPassword(ctx: CommandContext, username: ByteString, password: ByteString, argv: ByteString[]): boolean {
  return ctx.server.acl.authenticate(ctx.session, username, password, at(argv, 0));
}

function authCommand(ctx: CommandContext, argv: ByteString[]): void {
  if (argv.length > 3) throw new ReplyError(ERR.syntax);
  // The one-argument form authenticates the default user, which must then have a password.
  if (argv.length === 2 && ctx.server.acl.defaultUser.nopass) throw new ReplyError(ERR.authNoPassword);
  const username = argv.length === 3 ? at(argv, 1) : 'default';
  const password = at(argv, argv.length - 1);
  if (!checkPassword(ctx, username, password, argv)) {
    ctx.server.log.verbose('Authentication failed');
    throw new ReplyError(ERR.wrongPass);
  }
  ctx.session.authenticated = true;
  ctx.reply.ok();
}

function helloCommand(ctx: CommandContext, argv: ByteString[]): void {
  let version: number | null = null;
  let next = 1;
  if (argv.length >= 2) {
    version = intArg(at(argv, 1), ERR.protoNotInteger);
    next = 2;
    if (version < 2 || version > 3) throw new ReplyError(ERR.noProto);
  }
  // Redis 7.0 applies AUTH and SETNAME as it reads them: a syntax error after them leaves the
  // client authenticated, or named.
  for (let j = next; j < argv.length; j++) {
    const opt = at(argv, j);
    const more = argv.length - 1 - j;
    if (isWord(opt, 'auth') && more >= 2) {
      if (!checkPassword(ctx, at(argv, j + 1), at(argv, j + 2), argv)) throw new ReplyError(ERR.wrongPass);
      ctx.session.authenticated = true;
      j += 2;
    } else if (isWord(opt, 'setname') && more >= 1) {
      const name = at(argv, j + 1);
      validateClientName(name);
      ctx.session.name = name;
      j++;
    } else {
      throw new ReplyError(`ERR Syntax error in HELLO option '${opt}'`);
    }
  }
  if (!ctx.session.authenticated) {
    throw new ReplyError(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (version !== null) ctx.reply.resp = version === 3 ? 3 : 2;
  const out = ctx.reply;
  out.map(7);
  out.bulk('server');
  out.bulk('redis');
  out.bulk('version');
  out.bulk(REDIS_VERSION);
  out.bulk('proto');
  out.integer(ctx.session.resp);
  out.bulk('id');
  out.integer(ctx.session.id);
  out.bulk('mode');
  out.bulk(ctx.config.bool('cluster-enabled') ? 'cluster' : 'standalone');
  out.bulk('role');
  out.bulk(ctx.server.replication.isReplica ? 'replica' : 'master');
  out.bulk('modules');
  out.array(0);
}

function selectCommand(ctx: CommandContext, argv: ByteString[]): void {
  const index = int32Arg(at(argv, 1));
  if (ctx.config.bool('cluster-enabled') && index !== 0) {
    throw new ReplyError('ERR SELECT is not allowed in cluster mode');
  }
  const db = ctx.keyspace.dbs[index];
  if (db === undefined || index < 0) throw new ReplyError(ERR.dbIndexOutOfRange);
  ctx.session.db = db;
  ctx.reply.ok();
}

function resetCommand(ctx: CommandContext): void {
  ctx.session.db = ctx.keyspace.db(0);
  ctx.reply.resp = 2;
  ctx.session.name = '';
  ctx.session.replyMode = 'on';
  ctx.session.skipNextReply = false;
  ctx.session.noEvict = false;
  ctx.session.asking = false;
  ctx.session.readonly = false;
  ctx.session.transaction.end();
  ctx.server.pubsub.leaveAll(ctx.session);
  ctx.server.tracking.disable(ctx.session);
  ctx.server.monitors.remove(ctx.session);
  ctx.session.user = ctx.server.acl.defaultUser;
  ctx.session.authenticated = ctx.server.acl.defaultAuthenticated;
  ctx.reply.simple('RESET');
}

export const connectionCommands: CommandImpl[] = [
  cmd('ping', (ctx, argv) => {
    if (argv.length > 2) throw new ReplyError("ERR wrong number of arguments for 'ping' command");
    // A RESP2 subscriber cannot tell a +PONG from a message, so it is answered in message form.
    if (ctx.session.resp === 2 && ctx.session.subscriptions.active) {
      ctx.reply.array(2);
      ctx.reply.bulk('pong');
      ctx.reply.bulk(argv.length === 2 ? at(argv, 1) : '');
    } else if (argv.length === 2) ctx.reply.bulk(at(argv, 1));
    else ctx.reply.simple('PONG');
  }),
  cmd('echo', (ctx, argv) => ctx.reply.bulk(at(argv, 1))),
  cmd('quit', (ctx) => {
    ctx.reply.ok();
    ctx.connection.closeAfterReply = true;
  }),
  cmd('select', selectCommand),
  cmd('hello', helloCommand),
  cmd('auth', authCommand),
  cmd('reset', resetCommand),
];
