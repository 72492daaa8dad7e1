/**
 * SAVE, BGSAVE, DUMP, RESTORE: snapshots of the keyspace in RDB format (storage/rdb), with the
 * node-level bookkeeping in server/persistence/snapshots.ts.
 *
 * RESTORE checks in Redis's order, which decides the error a client sees when several things
 * are wrong: options (syntax, IDLETIME, FREQ), then BUSYKEY, then the TTL, then the payload's
 * footer (version and CRC), then its content. Only then is the keyspace touched.
 */
import type { ByteString } from '../../storage/bytes';
import { INT64_MAX } from '../../storage/numbers';
import { createDumpPayload, decodeDumpPayload, verifyDumpPayload } from '../../storage/rdb/dump-payload';
import { RdbError } from '../../storage/rdb/rdb-error';
import type { StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';
import { persistenceState, saveNow, startBackgroundSave } from '../persistence/snapshots';
import { at, int64Arg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { NotifyFlag } from '../config/special-codecs';
import { newListShape } from '../debug-hooks';

const BGSAVE_IN_PROGRESS = 'ERR Background save already in progress';
const BUSYKEY = 'BUSYKEY Target key name already exists.';
const BAD_PAYLOAD_FOOTER = 'ERR DUMP payload version or checksum are wrong';
const BAD_DATA_FORMAT = 'ERR Bad data format';

function saveCommand(ctx: CommandContext): void {
  const node = ctx.server;
  const state = persistenceState(node);
  if (state.bgsave !== null) throw new ReplyError(BGSAVE_IN_PROGRESS);
  state.saves++;
  if (!saveNow(node)) throw new ReplyError('ERR');
  ctx.reply.ok();
}

function bgsaveCommand(ctx: CommandContext, argv: ByteString[]): void {
  // SCHEDULE matters in Redis when another child (an AOF rewrite) runs; there is none here.
  if (argv.length > 2 || (argv.length === 2 && !isWord(argv[1], 'schedule'))) syntaxError();
  if (ctx.server.persistence.bgsave !== null) throw new ReplyError(BGSAVE_IN_PROGRESS);
  // Inside EXEC Redis never forks: the save is left to the cron, as SCHEDULE would leave it.
  if (ctx.session.transaction.executing) {
    ctx.server.persistence.bgsaveScheduled = true;
    ctx.reply.simple('Background saving scheduled');
    return;
  }
  if (ctx.server.aof.rewrite !== null) {
    // An AOF rewrite counts as Redis's other child process.
    if (argv.length === 2) {
      ctx.server.persistence.bgsaveScheduled = true;
      ctx.reply.simple('Background saving scheduled');
      return;
    }
    throw new ReplyError("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
  }
  if (!startBackgroundSave(ctx.server)) throw new ReplyError(BGSAVE_IN_PROGRESS);
  ctx.reply.simple('Background saving started');
}

/**
 * BGREWRITEAOF: a new AOF base from the current dataset (persistence/aof.ts). While a BGSAVE
 * runs, or inside EXEC, it is scheduled (Redis cannot run two children at once, and does not
 * fork inside a transaction; the cron starts it after).
 */
function bgrewriteaofCommand(ctx: CommandContext): void {
  const aof = ctx.server.aof;
  if (aof.rewrite !== null) throw new ReplyError('ERR Background append only file rewriting already in progress');
  // Inside EXEC Redis never forks: the cron starts the rewrite.
  if (ctx.session.transaction.executing) {
    aof.rewriteScheduled = true;
    ctx.reply.simple('Background append only file rewriting scheduled');
    return;
  }
  let outcome: 'started' | 'scheduled';
  try {
    outcome = aof.startRewrite();
  } catch (err) {
    ctx.log.warning(`Can't rewrite append only file in background: ${(err as Error).message}`);
    throw new ReplyError("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  }
  ctx.reply.simple(outcome === 'started' ? 'Background append only file rewriting started' : 'Background append only file rewriting scheduled');
}

function dumpCommand(ctx: CommandContext, argv: ByteString[]): void {
  const value = ctx.lookupRead(ctx.db, at(argv, 1));
  if (value === undefined) ctx.reply.nullBulk();
  else ctx.reply.bulk(createDumpPayload(value, ctx.config.bool('rdbcompression')));
}

interface RestoreOptions {
  replace: boolean;
  absTtl: boolean;
  idleSec: bigint | null;
  freq: bigint | null;
}

function parseRestoreOptions(argv: readonly ByteString[]): RestoreOptions {
  const options: RestoreOptions = { replace: false, absTtl: false, idleSec: null, freq: null };
  for (let j = 4; j < argv.length; j++) {
    const opt = at(argv, j);
    const hasValue = j + 1 < argv.length;
    if (isWord(opt, 'replace')) {
      options.replace = true;
    } else if (isWord(opt, 'absttl')) {
      options.absTtl = true;
    } else if (isWord(opt, 'idletime') && hasValue && options.freq === null) {
      options.idleSec = int64Arg(at(argv, ++j));
      if (options.idleSec < 0n) throw new ReplyError('ERR Invalid IDLETIME value, must be >= 0');
    } else if (isWord(opt, 'freq') && hasValue && options.idleSec === null) {
      options.freq = int64Arg(at(argv, ++j));
      if (options.freq < 0n || options.freq > 255n) throw new ReplyError('ERR Invalid FREQ value, must be >= 0 and <= 255');
    } else {
      syntaxError();
    }
  }
  return options;
}

/** The payload's value, or the error RESTORE answers for it. */
function decodePayload(ctx: CommandContext, payload: Buffer): StoredValue {
  if (!verifyDumpPayload(payload)) throw new ReplyError(BAD_PAYLOAD_FOOTER);
  try {
    const value = decodeDumpPayload(payload);
    // Redis builds the restored list's quicklist with the settings in force now.
    if (typeof value !== 'string' && value.kind === 'list') value.shape = newListShape(ctx.config, ctx.server.debugHooks);
    return value;
  } catch (err) {
    if (!(err instanceof RdbError)) throw err;
    ctx.log.verbose(`RESTORE refused a payload: ${err.message}`);
    throw new ReplyError(BAD_DATA_FORMAT);
  }
}

function restoreCommand(ctx: CommandContext, argv: ByteString[]): void {
  const db = ctx.db;
  const now = ctx.nowMs;
  const key = at(argv, 1);
  const options = parseRestoreOptions(argv);
  if (!options.replace && db.peek(key, now) !== undefined) throw new ReplyError(BUSYKEY);
  let ttl = int64Arg(at(argv, 2));
  if (ttl < 0n) throw new ReplyError('ERR Invalid TTL value, must be >= 0');
  const value = decodePayload(ctx, Buffer.from(at(argv, 3), 'latin1'));

  const deleted = options.replace && db.peek(key, now) !== undefined && db.delete(key);
  if (ttl !== 0n && !options.absTtl) {
    ttl += BigInt(now);
    // Redis adds in 64 bits: an overflowing deadline wraps into the past and creates nothing.
    if (ttl > INT64_MAX) ttl -= 2n ** 64n;
  }
  // A deadline already past creates nothing on a master (a replica keeps what its master sent).
  if (ttl !== 0n && ttl <= BigInt(now) && ctx.keyspace.context.expiry === 'delete') {
    if (deleted) {
      ctx.propagateAs([ctx.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key]);
      ctx.notifyKeyEvent(NotifyFlag.generic, 'del', key);
    }
    ctx.reply.ok();
    return;
  }
  db.set(key, value, now);
  if (ttl !== 0n) {
    db.setExpireAt(key, ttl);
    // Replicas get the absolute deadline, so they expire the key at the same instant.
    if (!options.absTtl) ctx.propagateAs([...argv.slice(0, 2), String(ttl), ...argv.slice(3), 'ABSTTL']);
  }
  if (options.idleSec !== null) db.setIdleSeconds(key, Number(options.idleSec), now);
  ctx.notifyKeyEvent(NotifyFlag.generic, 'restore', key);
  if (options.freq !== null) db.setFrequency(key, Number(options.freq), now);
  ctx.reply.ok();
}

export const persistenceCommands: CommandImpl[] = [
  cmd('save', saveCommand),
  cmd('bgsave', bgsaveCommand),
  cmd('bgrewriteaof', bgrewriteaofCommand),
  cmd('dump', dumpCommand),
  cmd('restore', restoreCommand),
  // What MIGRATE sends in cluster mode: RESTORE that an importing slot serves without ASKING.
  cmd('restore-asking', restoreCommand),
];
