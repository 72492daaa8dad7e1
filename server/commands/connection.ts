/**
 * Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET. They change the session
 * state of the calling client, never the keyspace.
 */
import type { ByteString } from '../../storage/bytes';
import { REDIS_VERSION } from '../../storage/redis-version';
import type { Client } from '../client';
import { ERR, ReplyError } from '../errors';
import { at, int32Arg, intArg, isWord } from './args';
import { cmd, type CommandImpl } from './command';


/** Client names may not contain spaces or non-printable bytes. */
export function validateClientName(name: ByteString): void {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) throw new ReplyError(ERR.clientNameSpaces);
  }
}

/** Checks credentials of the default user (the only user until ACL support). */
function checkPassword(client: Client, username: ByteString, password: ByteString): boolean {
  const required = client.node.config.string('requirepass');
  if (username !== 'default') return false;
  return required === '' || password === required;
}

function authCommand(client: Client, argv: ByteString[]): void {
  if (argv.length > 3) throw new ReplyError(ERR.syntax);
  if (argv.length === 2 && client.node.config.string('requirepass') === '') throw new ReplyError(ERR.authNoPassword);
  const username = argv.length === 3 ? at(argv, 1) : 'default';
  const password = at(argv, argv.length - 1);
  if (!checkPassword(client, username, password)) {
    client.node.log.verbose('Authentication failed');
    throw new ReplyError(ERR.wrongPass);
  }
  client.authenticated = true;
  client.reply.ok();
}

function helloCommand(client: Client, argv: ByteString[]): void {
  let version: number | null = null;
  let next = 1;
  if (argv.length >= 2) {
    version = intArg(at(argv, 1), ERR.protoNotInteger);
    next = 2;
    if (version < 2 || version > 3) throw new ReplyError(ERR.noProto);
  }
  let username: ByteString | null = null;
  let password: ByteString | null = null;
  let name: ByteString | null = null;
  for (let j = next; j < argv.length; j++) {
    const opt = at(argv, j);
    const more = argv.length - 1 - j;
    if (isWord(opt, 'auth') && more >= 2) {
      username = at(argv, j + 1);
      password = at(argv, j + 2);
      j += 2;
    } else if (isWord(opt, 'setname') && more >= 1) {
      name = at(argv, j + 1);
      validateClientName(name);
      j++;
    } else {
      throw new ReplyError(`ERR Syntax error in HELLO option '${opt}'`);
    }
  }
  if (username !== null && password !== null) {
    if (!checkPassword(client, username, password)) throw new ReplyError(ERR.wrongPass);
    client.authenticated = true;
  }
  if (!client.authenticated) {
    throw new ReplyError(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (name !== null) client.name = name;
  if (version !== null) client.reply.resp = version === 3 ? 3 : 2;
  const out = client.reply;
  out.map(7);
  out.bulk('server');
  out.bulk('redis');
  out.bulk('version');
  out.bulk(REDIS_VERSION);
  out.bulk('proto');
  out.integer(client.resp);
  out.bulk('id');
  out.integer(client.id);
  out.bulk('mode');
  out.bulk(client.node.config.bool('cluster-enabled') ? 'cluster' : 'standalone');
  out.bulk('role');
  out.bulk('master');
  out.bulk('modules');
  out.array(0);
}

function selectCommand(client: Client, argv: ByteString[]): void {
  const index = int32Arg(at(argv, 1));
  if (client.node.config.bool('cluster-enabled') && index !== 0) {
    throw new ReplyError('ERR SELECT is not allowed in cluster mode');
  }
  const db = client.node.keyspace.dbs[index];
  if (db === undefined || index < 0) throw new ReplyError(ERR.dbIndexOutOfRange);
  client.db = db;
  client.reply.ok();
}

function resetCommand(client: Client): void {
  client.db = client.node.keyspace.db(0);
  client.reply.resp = 2;
  client.name = '';
  client.replyMode = 'on';
  client.skipNextReply = false;
  client.noEvict = false;
  client.asking = false;
  client.readonly = false;
  client.transaction.end();
  client.node.pubsub.leaveAll(client);
  client.authenticated = client.node.config.string('requirepass') === '';
  client.reply.simple('RESET');
}

export const connectionCommands: CommandImpl[] = [
  cmd('ping', (client, argv) => {
    if (argv.length > 2) throw new ReplyError("ERR wrong number of arguments for 'ping' command");
    // A RESP2 subscriber cannot tell a +PONG from a message, so it is answered in message form.
    if (client.resp === 2 && client.subscriptions.active) {
      client.reply.array(2);
      client.reply.bulk('pong');
      client.reply.bulk(argv.length === 2 ? at(argv, 1) : '');
    } else if (argv.length === 2) client.reply.bulk(at(argv, 1));
    else client.reply.simple('PONG');
  }),
  cmd('echo', (client, argv) => client.reply.bulk(at(argv, 1))),
  cmd('quit', (client) => {
    client.reply.ok();
    client.closeAfterReply = true;
  }),
  cmd('select', selectCommand),
  cmd('hello', helloCommand),
  cmd('auth', authCommand),
  cmd('reset', resetCommand),
];
