/**
 * Key expiry commands. Deadlines are absolute milliseconds; the relative forms (EXPIRE,
 * PEXPIRE) are converted with the command's frozen `nowMs`, and a deadline that is already in
 * the past deletes the key at once instead of leaving a dead key behind.
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError, unsupportedOption } from '../dispatch/errors';
import { at } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { NotifyFlag } from '../config/special-codecs';
import { deadlineFromExpireArg } from './expiry-args';

interface ExpireFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
}

function parseExpireFlags(argv: readonly ByteString[]): ExpireFlags {
  const f: ExpireFlags = { nx: false, xx: false, gt: false, lt: false };
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j] as ByteString;
    const lower = opt.toLowerCase();
    if (lower === 'nx') f.nx = true;
    else if (lower === 'xx') f.xx = true;
    else if (lower === 'gt') f.gt = true;
    else if (lower === 'lt') f.lt = true;
    else throw new ReplyError(unsupportedOption(opt));
  }
  if (f.nx && (f.xx || f.gt || f.lt)) throw new ReplyError(ERR.nxXxGtLt);
  if (f.gt && f.lt) throw new ReplyError(ERR.gtAndLt);
  return f;
}

function expireGeneric(name: string, seconds: boolean, absolute: boolean) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const key = at(argv, 1);
    const now = ctx.nowMs;
    const when = deadlineFromExpireArg(at(argv, 2), seconds, absolute ? 0 : now, name);
    const flags = parseExpireFlags(argv);
    const db = ctx.db;
    if (db.get(key, now) === undefined) {
      ctx.reply.integer(0);
      return;
    }
    const current = db.expireAt(key);
    if (
      (flags.nx && current !== undefined) ||
      (flags.xx && current === undefined) ||
      (flags.gt && (current === undefined || when <= current)) ||
      (flags.lt && current !== undefined && when >= current)
    ) {
      ctx.reply.integer(0);
      return;
    }
    // A deadline in the past deletes the key at once on a master only: a replica (its master's
    // stream, or its own client when writable) sets it, and the key reads as expired.
    if (when <= now && ctx.keyspace.context.expiry === 'delete') {
      db.delete(key);
      ctx.propagateAs(['DEL', key]);
      ctx.notifyKeyEvent(NotifyFlag.generic, 'del', key);
    } else {
      db.setExpireAt(key, when);
      // The NX/XX/GT/LT words stay, as sent, after the absolute deadline (Redis rewrites only
      // the name and the time).
      if (name !== 'pexpireat') ctx.propagateAs(['PEXPIREAT', key, String(when), ...argv.slice(3)]);
      ctx.notifyKeyEvent(NotifyFlag.generic, 'expire', key);
    }
    ctx.reply.integer(1);
  };
}

/** TTL / PTTL / EXPIRETIME / PEXPIRETIME: -2 for a missing key, -1 without a deadline. */
function ttlGeneric(inMs: boolean, absolute: boolean) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const key = at(argv, 1);
    const now = ctx.nowMs;
    const db = ctx.db;
    if (ctx.lookupReadNoTouch(db, key) === undefined) {
      ctx.reply.integer(-2);
      return;
    }
    const deadline = db.expireAtExact(key);
    if (deadline === undefined) {
      ctx.reply.integer(-1);
      return;
    }
    if (absolute) {
      ctx.reply.integer(inMs ? deadline : deadline / 1000n);
      return;
    }
    const ttl = Math.max(0, Number(deadline) - now);
    ctx.reply.integer(inMs ? ttl : Math.floor((ttl + 500) / 1000));
  };
}

function persistCommand(ctx: CommandContext, argv: ByteString[]): void {
  const key = at(argv, 1);
  const db = ctx.db;
  if (db.get(key, ctx.nowMs) === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const removed = db.persist(key);
  if (removed) ctx.notifyKeyEvent(NotifyFlag.generic, 'persist', key);
  ctx.reply.integer(removed ? 1 : 0);
}

export const expireCommands: CommandImpl[] = [
  cmd('expire', expireGeneric('expire', true, false)),
  cmd('pexpire', expireGeneric('pexpire', false, false)),
  cmd('expireat', expireGeneric('expireat', true, true)),
  cmd('pexpireat', expireGeneric('pexpireat', false, true)),
  cmd('ttl', ttlGeneric(false, false)),
  cmd('pttl', ttlGeneric(true, false)),
  cmd('expiretime', ttlGeneric(false, true)),
  cmd('pexpiretime', ttlGeneric(true, true)),
  cmd('persist', persistCommand),
];
