/**
 * Generic key commands: existence, deletion, renaming, copying between databases, iteration.
 * They work on any value type, so they touch values only through storage/values.ts.
 */
import type { ByteString } from '../../storage/bytes';
import type { Database } from '../../storage/database';
import { cloneValue, typeName } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at, int32Arg, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { parseScanCursor } from './scan-args';
import { NotifyFlag } from '../config/special-codecs';

function deleteKeys(ctx: CommandContext, argv: ByteString[]): void {
  const db = ctx.db;
  const now = ctx.nowMs;
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i] as ByteString;
    if (db.deleteUnlessExpired(key, now)) {
      deleted++;
      ctx.notifyKeyEvent(NotifyFlag.generic, 'del', key);
    }
  }
  ctx.reply.integer(deleted);
}

/** EXISTS (which leaves access times alone) and TOUCH (which updates them). */
function countExisting(touch: boolean) {
  return (ctx: CommandContext, argv: ByteString[]): void => {
    const db = ctx.db;
    const now = ctx.nowMs;
    let n = 0;
    for (let i = 1; i < argv.length; i++) {
      const key = argv[i] as ByteString;
      if ((touch ? ctx.lookupRead(db, key) : ctx.lookupReadNoTouch(db, key)) !== undefined) n++;
    }
    ctx.reply.integer(n);
  };
}

function typeCommand(ctx: CommandContext, argv: ByteString[]): void {
  const value = ctx.lookupReadNoTouch(ctx.db, at(argv, 1));
  ctx.reply.simple(value === undefined ? 'none' : typeName(value));
}

function renameGeneric(ctx: CommandContext, argv: ByteString[], nx: boolean): void {
  const src = at(argv, 1);
  const dst = at(argv, 2);
  const db = ctx.db;
  const now = ctx.nowMs;
  const value = db.get(src, now);
  if (value === undefined) throw new ReplyError(ERR.noSuchKey);
  if (src === dst) {
    if (nx) ctx.reply.integer(0);
    else ctx.reply.ok();
    return;
  }
  if (db.get(dst, now) !== undefined) {
    if (nx) {
      ctx.reply.integer(0);
      return;
    }
    db.delete(dst);
  }
  db.copyKeyTo(src, db, dst, now);
  db.delete(src);
  ctx.notifyKeyEvent(NotifyFlag.generic, 'rename_from', src);
  ctx.notifyKeyEvent(NotifyFlag.generic, 'rename_to', dst);
  if (nx) ctx.reply.integer(1);
  else ctx.reply.ok();
}

/** The database with this index, or "DB index is out of range". */
function targetDb(ctx: CommandContext, index: number): Database {
  const db = ctx.keyspace.dbs[index];
  if (db === undefined || index < 0) throw new ReplyError(ERR.dbIndexOutOfRange);
  return db;
}

function copyCommand(ctx: CommandContext, argv: ByteString[]): void {
  const src = at(argv, 1);
  const dst = at(argv, 2);
  let target = ctx.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j] as ByteString;
    if (isWord(opt, 'replace')) replace = true;
    else if (isWord(opt, 'db') && j + 1 < argv.length) {
      const index = intArg(argv[++j] as ByteString);
      target = targetDb(ctx, index);
      if (ctx.clusterEnabled && index !== 0) {
        throw new ReplyError('ERR Copying to another database is not allowed in cluster mode');
      }
    }
    else syntaxError();
  }
  if (src === dst && target === ctx.db) throw new ReplyError(ERR.sameObject);
  const now = ctx.nowMs;
  const value = ctx.lookupRead(ctx.db, src);
  if (value === undefined) {
    ctx.reply.integer(0);
    return;
  }
  if (target.get(dst, now) !== undefined) {
    if (!replace) {
      ctx.reply.integer(0);
      return;
    }
    target.delete(dst);
  }
  ctx.db.copyKeyTo(src, target, dst, now, true);
  // Strings are immutable and shared; a container is edited in place, so the copy needs its own.
  if (typeof value !== 'string') target.overwrite(dst, cloneValue(value), now);
  ctx.notifyKeyspaceEvent(NotifyFlag.generic, 'copy_to', dst, target.id);
  ctx.reply.integer(1);
}

function moveCommand(ctx: CommandContext, argv: ByteString[]): void {
  if (ctx.clusterEnabled) throw new ReplyError('ERR MOVE is not allowed in cluster mode');
  const key = at(argv, 1);
  const target = targetDb(ctx, int32Arg(at(argv, 2)));
  if (target === ctx.db) throw new ReplyError(ERR.sameObject);
  const now = ctx.nowMs;
  const value = ctx.db.get(key, now);
  if (value === undefined || target.get(key, now) !== undefined) {
    ctx.reply.integer(0);
    return;
  }
  ctx.db.copyKeyTo(key, target, key, now);
  ctx.db.delete(key);
  ctx.notifyKeyEvent(NotifyFlag.generic, 'move_from', key);
  ctx.notifyKeyspaceEvent(NotifyFlag.generic, 'move_to', key, target.id);
  ctx.reply.integer(1);
}

function keysCommand(ctx: CommandContext, argv: ByteString[]): void {
  ctx.reply.bulkArray(ctx.db.keys(at(argv, 1), ctx.nowMs));
}

function scanCommand(ctx: CommandContext, argv: ByteString[]): void {
  const cursor = parseScanCursor(at(argv, 1));
  let count = 10;
  let pattern: ByteString | undefined;
  let type: string | undefined;
  for (let j = 2; j < argv.length; j++) {
    const opt = argv[j] as ByteString;
    const hasNext = j + 1 < argv.length;
    if (isWord(opt, 'count') && hasNext) {
      count = intArg(argv[++j] as ByteString);
      if (count < 1) syntaxError();
    } else if (isWord(opt, 'match') && hasNext) {
      pattern = argv[++j] as ByteString;
    } else if (isWord(opt, 'type') && hasNext) {
      type = (argv[++j] as ByteString).toLowerCase();
    } else {
      syntaxError();
    }
  }
  const filter = { ...(pattern === undefined || pattern === '*' ? {} : { pattern }), ...(type === undefined ? {} : { type }) };
  const [next, keys] = ctx.db.scan(cursor, count, filter, ctx.nowMs);
  ctx.reply.array(2);
  ctx.reply.bulk(next.toString());
  ctx.reply.bulkArray(keys);
}

function randomkeyCommand(ctx: CommandContext): void {
  const key = ctx.db.randomKey(ctx.nowMs);
  if (key === undefined) ctx.reply.nullBulk();
  else ctx.reply.bulk(key);
}

export const keyCommands: CommandImpl[] = [
  cmd('del', deleteKeys),
  cmd('unlink', deleteKeys),
  cmd('exists', countExisting(false)),
  cmd('touch', countExisting(true)),
  cmd('type', typeCommand),
  cmd('rename', (ctx, argv) => renameGeneric(ctx, argv, false)),
  cmd('renamenx', (ctx, argv) => renameGeneric(ctx, argv, true)),
  cmd('copy', copyCommand),
  cmd('move', moveCommand),
  cmd('keys', keysCommand),
  cmd('scan', scanCommand),
  cmd('randomkey', randomkeyCommand),
];
