/**
 * Generic key commands: existence, deletion, renaming, copying between databases, iteration.
 * They work on any value type, so they touch values only through storage/values.ts.
 */
import type { ByteString } from '../../storage/bytes';
import type { Database } from '../../storage/database';
import { cloneValue, typeName } from '../../storage/values';
import type { Client } from '../client';
import { ERR, ReplyError } from '../errors';
import { at, int32Arg, intArg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from './command';
import { parseScanCursor } from './scan-args';
import { notifyKeyEvent, notifyKeyspaceEvent, NotifyFlag } from '../keyspace-events';

function deleteKeys(client: Client, argv: ByteString[]): void {
  const db = client.db;
  const now = client.node.nowMs;
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i] as ByteString;
    // An expired key counts as missing: look it up first so lazy expiry removes it.
    if (db.get(key, now) !== undefined && db.delete(key)) {
      deleted++;
      notifyKeyEvent(client, NotifyFlag.generic, 'del', key);
    }
  }
  client.reply.integer(deleted);
}

/** EXISTS (which leaves access times alone) and TOUCH (which updates them). */
function countExisting(touch: boolean) {
  return (client: Client, argv: ByteString[]): void => {
    const db = client.db;
    const now = client.node.nowMs;
    let n = 0;
    for (let i = 1; i < argv.length; i++) {
      const key = argv[i] as ByteString;
      if ((touch ? client.node.lookupRead(db, key) : client.node.lookupReadNoTouch(db, key)) !== undefined) n++;
    }
    client.reply.integer(n);
  };
}

function typeCommand(client: Client, argv: ByteString[]): void {
  const value = client.node.lookupReadNoTouch(client.db, at(argv, 1));
  client.reply.simple(value === undefined ? 'none' : typeName(value));
}

function renameGeneric(client: Client, argv: ByteString[], nx: boolean): void {
  const src = at(argv, 1);
  const dst = at(argv, 2);
  const db = client.db;
  const now = client.node.nowMs;
  const value = db.get(src, now);
  if (value === undefined) throw new ReplyError(ERR.noSuchKey);
  if (src === dst) {
    if (nx) client.reply.integer(0);
    else client.reply.ok();
    return;
  }
  if (db.get(dst, now) !== undefined) {
    if (nx) {
      client.reply.integer(0);
      return;
    }
    db.delete(dst);
  }
  db.copyKeyTo(src, db, dst, now);
  db.delete(src);
  notifyKeyEvent(client, NotifyFlag.generic, 'rename_from', src);
  notifyKeyEvent(client, NotifyFlag.generic, 'rename_to', dst);
  if (nx) client.reply.integer(1);
  else client.reply.ok();
}

/** The database with this index, or "DB index is out of range". */
function targetDb(client: Client, index: number): Database {
  const db = client.node.keyspace.dbs[index];
  if (db === undefined || index < 0) throw new ReplyError(ERR.dbIndexOutOfRange);
  return db;
}

function copyCommand(client: Client, argv: ByteString[]): void {
  const src = at(argv, 1);
  const dst = at(argv, 2);
  let target = client.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j] as ByteString;
    if (isWord(opt, 'replace')) replace = true;
    else if (isWord(opt, 'db') && j + 1 < argv.length) {
      const index = intArg(argv[++j] as ByteString);
      target = targetDb(client, index);
      if (client.node.cluster !== null && index !== 0) {
        throw new ReplyError('ERR Copying to another database is not allowed in cluster mode');
      }
    }
    else syntaxError();
  }
  if (src === dst && target === client.db) throw new ReplyError(ERR.sameObject);
  const now = client.node.nowMs;
  const value = client.node.lookupRead(client.db, src);
  if (value === undefined) {
    client.reply.integer(0);
    return;
  }
  if (target.get(dst, now) !== undefined) {
    if (!replace) {
      client.reply.integer(0);
      return;
    }
    target.delete(dst);
  }
  client.db.copyKeyTo(src, target, dst, now);
  // Strings are immutable and shared; a container is edited in place, so the copy needs its own.
  if (typeof value !== 'string') target.overwrite(dst, cloneValue(value), now);
  notifyKeyspaceEvent(client.node, NotifyFlag.generic, 'copy_to', dst, target.id);
  client.reply.integer(1);
}

function moveCommand(client: Client, argv: ByteString[]): void {
  if (client.node.cluster !== null) throw new ReplyError('ERR MOVE is not allowed in cluster mode');
  const key = at(argv, 1);
  const target = targetDb(client, int32Arg(at(argv, 2)));
  if (target === client.db) throw new ReplyError(ERR.sameObject);
  const now = client.node.nowMs;
  const value = client.db.get(key, now);
  if (value === undefined || target.get(key, now) !== undefined) {
    client.reply.integer(0);
    return;
  }
  client.db.copyKeyTo(key, target, key, now);
  client.db.delete(key);
  notifyKeyEvent(client, NotifyFlag.generic, 'move_from', key);
  notifyKeyspaceEvent(client.node, NotifyFlag.generic, 'move_to', key, target.id);
  client.reply.integer(1);
}

function keysCommand(client: Client, argv: ByteString[]): void {
  client.reply.bulkArray(client.db.keys(at(argv, 1), client.node.nowMs));
}

function scanCommand(client: Client, argv: ByteString[]): void {
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
  const [next, keys] = client.db.scan(cursor, count, filter, client.node.nowMs);
  client.reply.array(2);
  client.reply.bulk(next.toString());
  client.reply.bulkArray(keys);
}

function randomkeyCommand(client: Client): void {
  const key = client.db.randomKey(client.node.nowMs);
  if (key === undefined) client.reply.nullBulk();
  else client.reply.bulk(key);
}

export const keyCommands: CommandImpl[] = [
  cmd('del', deleteKeys),
  cmd('unlink', deleteKeys),
  cmd('exists', countExisting(false)),
  cmd('touch', countExisting(true)),
  cmd('type', typeCommand),
  cmd('rename', (client, argv) => renameGeneric(client, argv, false)),
  cmd('renamenx', (client, argv) => renameGeneric(client, argv, true)),
  cmd('copy', copyCommand),
  cmd('move', moveCommand),
  cmd('keys', keysCommand),
  cmd('scan', scanCommand),
  cmd('randomkey', randomkeyCommand),
];
