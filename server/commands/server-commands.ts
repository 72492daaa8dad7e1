/**
 * Server-wide commands: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, LASTSAVE, SHUTDOWN, OBJECT,
 * FUNCTION FLUSH. The saves FLUSHALL and SHUTDOWN make are in ../persistence/snapshots.ts.
 * DEBUG is in ./debug.ts.
 */
import type { ByteString } from '../../storage/bytes';
import { isSharedInteger, valueEncoding } from '../../storage/encodings';
import type { StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at, int32Arg, isWord, syntaxError } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';
import { writeRespValue } from '../../protocol/resp-value';
import { lfuCounter } from '../../storage/access-clock';
import { saveAfterFlushAll, saveBeforeShutdown } from '../persistence/snapshots';

/** FLUSHDB / FLUSHALL / FUNCTION FLUSH take an optional ASYNC or SYNC. */
function parseFlushMode(argv: readonly ByteString[], index: number): void {
  if (argv.length > index + 1) syntaxError();
  const mode = argv[index];
  if (mode !== undefined && !isWord(mode, 'async') && !isWord(mode, 'sync')) syntaxError();
}

function swapdbCommand(ctx: CommandContext, argv: ByteString[]): void {
  const node = ctx.server;
  if (node.config.bool('cluster-enabled')) throw new ReplyError('ERR SWAPDB is not allowed in cluster mode');
  const a = int32Arg(at(argv, 1), 'ERR invalid first DB index');
  const b = int32Arg(at(argv, 2), 'ERR invalid second DB index');
  const count = node.keyspace.dbs.length;
  if (a < 0 || a >= count || b < 0 || b >= count) throw new ReplyError(ERR.dbIndexOutOfRange);
  node.keyspace.swap(a, b);
  // Clients blocked on a key of either database may find it filled now (served after SWAPDB).
  if (a !== b) {
    node.blocking.signalDatabase(node.keyspace.db(a));
    node.blocking.signalDatabase(node.keyspace.db(b));
  }
  // Replicated even when a database is swapped with itself or both are empty, as in Redis.
  ctx.forcePropagation();
  ctx.reply.ok();
}

function shutdownCommand(ctx: CommandContext, argv: ByteString[]): void {
  const flags = new Set<string>();
  for (let j = 1; j < argv.length; j++) {
    const opt = at(argv, j).toLowerCase();
    if (!['nosave', 'save', 'now', 'force', 'abort'].includes(opt)) syntaxError();
    flags.add(opt);
  }
  if ((flags.has('abort') && flags.size > 1) || (flags.has('save') && flags.has('nosave'))) syntaxError();
  if (flags.has('abort')) throw new ReplyError('ERR No shutdown in progress.');
  // A busy script can only be left by SHUTDOWN NOSAVE: saving would write a dataset the
  // script is halfway through changing.
  if (!flags.has('nosave') && ctx.server.scriptBusy) throw new ReplyError(ctx.server.busyError);
  // With save points configured (or SAVE) the dataset is saved first; if that fails the server
  // stays up unless FORCE. The connection closes without a reply, which is how clients see a
  // successful SHUTDOWN.
  const mode = flags.has('save') ? 'save' : flags.has('nosave') ? 'nosave' : 'default';
  if (!saveBeforeShutdown(ctx.server, mode)) {
    if (!flags.has('force')) {
      ctx.server.log.warning("Error trying to save the DB, can't exit.");
      throw new ReplyError('ERR Errors trying to SHUTDOWN. Check logs.');
    }
    ctx.server.log.warning('Error trying to save the DB. Exit anyway.');
  }
  ctx.server.shutdown();
}

/**
 * Small non-negative integers are shared objects in Redis, reported with refcount INT_MAX, unless
 * the key holds its string in a form of its own (heldStringForm) or maxmemory is set with an LRU
 * or LFU policy, under which Redis gives every value its own object to keep its access clock.
 * (Redis decides when it stores the value; this reads the policy of now, which differs only for a
 * value stored before the policy changed.)
 */
export function refcount(ctx: CommandContext, key: ByteString, value: StoredValue): number {
  if (typeof value !== 'string' || ctx.db.heldStringForm(key) !== null || !isSharedInteger(value)) return 1;
  const policy = ctx.config.string('maxmemory-policy');
  const ownObjects = ctx.config.number('maxmemory') !== 0 && (policy.includes('lru') || policy.includes('lfu'));
  return ownObjects ? 1 : 2147483647;
}

function objectSubcommand(ctx: CommandContext, argv: ByteString[], answer: (value: StoredValue) => void): void {
  const value = ctx.db.peek(at(argv, 2), ctx.nowMs);
  if (value === undefined) ctx.reply.null();
  else answer(value);
}

function usesLfu(ctx: CommandContext): boolean {
  return ctx.config.string('maxmemory-policy').includes('lfu');
}

export const serverCommands: CommandImpl[] = [
  cmd('dbsize', (ctx) => ctx.reply.integer(ctx.db.size)),
  cmd('flushdb', (ctx, argv) => {
    parseFlushMode(argv, 1);
    ctx.keyspace.flushDb(ctx.db);
    // Even an empty database's flush reaches replicas, as in Redis.
    ctx.forcePropagation();
    ctx.reply.ok();
  }),
  cmd('flushall', (ctx, argv) => {
    parseFlushMode(argv, 1);
    ctx.keyspace.flushAll();
    ctx.forcePropagation();
    saveAfterFlushAll(ctx.server);
    ctx.reply.ok();
  }),
  cmd('swapdb', swapdbCommand),
  cmd('time', (ctx) => {
    const micros = ctx.server.timeMicros();
    ctx.reply.array(2);
    ctx.reply.bulk(String(Math.floor(micros / 1e6)));
    ctx.reply.bulk(String(micros % 1e6));
  }),
  cmd('lastsave', (ctx) => ctx.reply.integer(ctx.server.lastSaveSec)),
  cmd('shutdown', shutdownCommand),
  cmd('object|encoding', (ctx, argv) =>
    objectSubcommand(ctx, argv, (value) => ctx.reply.bulk(valueEncoding(value, ctx.db.heldStringForm(at(argv, 2))))),
  ),
  cmd('object|refcount', (ctx, argv) =>
    objectSubcommand(ctx, argv, (value) => ctx.reply.integer(refcount(ctx, at(argv, 2), value))),
  ),
  cmd('object|idletime', (ctx, argv) =>
    objectSubcommand(ctx, argv, () => {
      if (usesLfu(ctx)) throw new ReplyError(ERR.lfuSelected);
      ctx.reply.integer(ctx.db.idleSeconds(at(argv, 2), ctx.nowMs));
    }),
  ),
  cmd('object|freq', (ctx, argv) =>
    objectSubcommand(ctx, argv, () => {
      const lfu = ctx.keyspace.context.lfu;
      if (!usesLfu(ctx) || lfu == null) throw new ReplyError(ERR.lfuNotSelected);
      ctx.reply.integer(lfuCounter(ctx.db.accessWord(at(argv, 2), ctx.nowMs), ctx.nowMs, lfu));
    }),
  ),
  cmd('object|help', (ctx) => writeRespValue(ctx.reply, HELP_REPLIES.object ?? [])),
];
