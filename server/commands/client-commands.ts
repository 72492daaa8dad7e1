/**
 * CLIENT subcommands: identity (ID, SETNAME, GETNAME), introspection (LIST, INFO), KILL,
 * UNBLOCK, PAUSE/UNPAUSE, and the per-connection switches NO-EVICT and REPLY.
 */
import type { ByteString } from '../../storage/bytes';
import type { Client } from '../network/client';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at, int64Arg, intArg, isWord, syntaxError } from './args';
import type { PauseMode } from '../client-pause';
import { cmd, type CommandImpl } from '../dispatch/command';
import { validateClientName } from './connection';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';
import { writeRespValue } from '../../protocol/resp-value';
import { UNBLOCKED_BY_REQUEST } from '../blocking';

function listCommand(ctx: CommandContext, argv: ByteString[]): void {
  let ids: number[] | null = null;
  let typeFilter: string | null = null;
  for (let j = 2; j < argv.length; j++) {
    const opt = at(argv, j);
    if (isWord(opt, 'type') && j + 1 < argv.length) {
      const type = at(argv, ++j).toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type)) {
        throw new ReplyError(`ERR Unknown client type '${at(argv, j)}'`);
      }
      typeFilter = type === 'slave' ? 'replica' : type;
    } else if (isWord(opt, 'id') && j + 1 < argv.length) {
      ids ??= [];
      for (j++; j < argv.length; j++) {
        const id = intArg(at(argv, j), 'ERR Invalid client ID');
        if (id <= 0) throw new ReplyError('ERR Invalid client ID');
        ids.push(id);
      }
    } else {
      syntaxError();
    }
  }
  // With ID filters Redis lists the clients in the order the ids were given.
  const clients = ids === null ? [...ctx.server.clients.values()] : ids.map((id) => ctx.server.clients.get(id));
  let text = '';
  for (const c of clients) if (c !== undefined && (typeFilter === null || c.clientType === typeFilter)) text += c.describe(c === ctx.session.connection ? argv : null) + '\n';
  ctx.reply.verbatim(text);
}

function killCommand(ctx: CommandContext, argv: ByteString[]): void {
  const node = ctx.server;
  if (argv.length === 3) {
    // Old form: CLIENT KILL addr:port
    const target = [...node.clients.values()].find((c) => c.addr === at(argv, 2));
    if (target === undefined) throw new ReplyError(ERR.noSuchClient);
    killClient(ctx.connection, target);
    ctx.reply.ok();
    return;
  }
  let id: number | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: string | null = null;
  let user: string | null = null;
  let skipMe = true;
  if (argv.length % 2 !== 0) syntaxError();
  for (let j = 2; j < argv.length; j += 2) {
    const opt = at(argv, j).toLowerCase();
    const value = at(argv, j + 1);
    if (opt === 'id') {
      id = intArg(value, 'ERR client-id should be greater than 0');
      if (id <= 0) throw new ReplyError('ERR client-id should be greater than 0');
    } else if (opt === 'addr') addr = value;
    else if (opt === 'laddr') laddr = value;
    else if (opt === 'type') {
      type = value.toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type)) {
        throw new ReplyError(`ERR Unknown client type '${value}'`);
      }
      if (type === 'slave') type = 'replica'; // the old name; Client.kind uses the new one
    } else if (opt === 'user') {
      if (!node.acl.users.has(value)) throw new ReplyError(`ERR No such user '${value}'`);
      user = value;
    }
    else if (opt === 'skipme') {
      if (isWord(value, 'yes')) skipMe = true;
      else if (isWord(value, 'no')) skipMe = false;
      else syntaxError();
    } else syntaxError();
  }
  let killed = 0;
  for (const c of [...node.clients.values()]) {
    if (id !== null && c.id !== id) continue;
    if (addr !== null && c.addr !== addr) continue;
    if (laddr !== null && c.laddr !== laddr) continue;
    if (type !== null && c.clientType !== type) continue;
    if (user !== null && c.session.user?.name !== user) continue;
    if (c === ctx.session.connection && skipMe) continue;
    killClient(ctx.connection, c);
    killed++;
  }
  ctx.reply.integer(killed);
}

/** Closes a client; the caller itself is closed only after this reply is written. */
function killClient(caller: Client, target: Client): void {
  if (target === caller) caller.closeAfterReply = true;
  else target.close();
}

function replyCommand(ctx: CommandContext, argv: ByteString[]): void {
  const mode = at(argv, 2);
  if (isWord(mode, 'on')) {
    ctx.session.replyMode = 'on';
    ctx.session.skipNextReply = false;
    ctx.reply.ok();
  } else if (isWord(mode, 'off')) {
    ctx.session.replyMode = 'off';
  } else if (isWord(mode, 'skip')) {
    if (ctx.session.replyMode !== 'off') {
      ctx.session.replyMode = 'skip';
      ctx.session.skipNextReply = false;
    }
  } else {
    syntaxError();
  }
}

/**
 * CLIENT PAUSE timeout [WRITE|ALL] (server/client-pause.ts). Redis checks the mode word before
 * the timeout, and a timeout of 0 pauses nothing.
 */
function pauseCommand(ctx: CommandContext, argv: ByteString[]): void {
  if (argv.length > 4) throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${at(argv, 1)}'. Try CLIENT HELP.`);
  let mode: PauseMode = 'all';
  const word = argv[3];
  if (word !== undefined) {
    if (isWord(word, 'write')) mode = 'write';
    else if (!isWord(word, 'all')) throw new ReplyError('ERR CLIENT PAUSE mode must be WRITE or ALL');
  }
  const timeout = int64Arg(at(argv, 2), 'ERR timeout is not an integer or out of range');
  if (timeout < 0n) throw new ReplyError(ERR.timeoutNegative);
  ctx.server.pause.pause('client', mode, timeout === 0n ? 0 : ctx.nowMs + Number(timeout));
  ctx.reply.ok();
}

/**
 * CLIENT UNBLOCK id [TIMEOUT|ERROR]: a client blocked on keys (BLPOP, XREAD, ...) or in WAIT
 * gets its timeout reply now, or the UNBLOCKED error. Anything else answers 0: a client held by
 * CLIENT PAUSE, or by a command waiting on the network (MIGRATE), is not blocked in Redis's
 * sense (Redis 7.0.15 itself crashes on a paused one; later versions answer 0).
 */
function unblockCommand(ctx: CommandContext, argv: ByteString[]): void {
  if (argv.length > 4) throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${at(argv, 1)}'. Try CLIENT HELP.`);
  const id = int64Arg(at(argv, 2));
  let withError = false;
  const reason = argv[3];
  if (reason !== undefined) {
    if (isWord(reason, 'error')) withError = true;
    else if (!isWord(reason, 'timeout')) throw new ReplyError('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const node = ctx.server;
  const target = id > 0n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? node.clients.get(Number(id)) : undefined;
  let unblocked = false;
  if (target !== undefined && target.isBlocked) {
    unblocked =
      node.blocking.unblockByRequest(target.session, withError) ||
      node.replication.unblockWait(target, withError ? UNBLOCKED_BY_REQUEST : null);
  }
  ctx.reply.integer(unblocked ? 1 : 0);
}

export const clientCommands: CommandImpl[] = [
  cmd('client|id', (ctx) => ctx.reply.integer(ctx.session.id)),
  cmd('client|setname', (ctx, argv) => {
    const name = at(argv, 2);
    validateClientName(name);
    ctx.session.name = name;
    ctx.reply.ok();
  }),
  cmd('client|getname', (ctx) => {
    if (ctx.session.name === '') ctx.reply.nullBulk();
    else ctx.reply.bulk(ctx.session.name);
  }),
  cmd('client|list', listCommand),
  cmd('client|info', (ctx, argv) => ctx.reply.verbatim(ctx.connection.describe(argv) + '\n')),
  cmd('client|kill', killCommand),
  cmd('client|no-evict', (ctx, argv) => {
    const mode = at(argv, 2);
    if (isWord(mode, 'on')) ctx.session.noEvict = true;
    else if (isWord(mode, 'off')) ctx.session.noEvict = false;
    else syntaxError();
    ctx.reply.ok();
  }),
  cmd('client|reply', replyCommand),
  cmd('client|pause', pauseCommand),
  cmd('client|unblock', unblockCommand),
  cmd('client|unpause', (ctx) => {
    ctx.server.pause.unpause('client');
    ctx.reply.ok();
  }),
  cmd('client|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.client ?? [])),
];
