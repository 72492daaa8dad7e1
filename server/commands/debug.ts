/**
 * DEBUG: the server's introspection and test hooks, refused unless enable-debug-command allows
 * the caller. The saves DEBUG RELOAD makes are in ../persistence/snapshots.ts; DEBUG DIGEST's
 * fingerprint is computed in ../../storage/digest.ts.
 */
import type { ByteString } from '../../storage/bytes';
import { datasetDigest, digestHex, valueDigest } from '../../storage/digest';
import { valueEncoding } from '../../storage/encodings';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at, int64Arg, isWord } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { debugReload, type ReloadOptions } from '../persistence/snapshots';
import { refcount } from './server-commands';
import { AofLoadError, debugLoadAof } from '../persistence/aof-load';

/** Blocks the event loop like Redis's DEBUG SLEEP: the whole server stops for that long. */
function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function debugCommand(ctx: CommandContext, argv: ByteString[]): void {
  const node = ctx.server;
  const setting = node.config.string('enable-debug-command');
  if (setting !== 'yes' && !(setting === 'local' && ctx.connection.isLocal)) throw new ReplyError(ERR.debugDisabled);
  const sub = at(argv, 1).toLowerCase();
  if (sub === 'sleep' && argv.length === 3) {
    const seconds = Number(at(argv, 2));
    sleepSync(Number.isFinite(seconds) ? seconds * 1000 : 0);
    ctx.reply.ok();
  } else if (sub === 'set-active-expire' && argv.length === 3) {
    node.activeExpireEnabled = at(argv, 2) !== '0';
    ctx.reply.ok();
  } else if (sub === 'loadaof' && argv.length === 2) {
    try {
      debugLoadAof(node);
    } catch (err) {
      if (!(err instanceof AofLoadError)) throw err;
      throw new ReplyError(`ERR ${err.message}`);
    }
    ctx.reply.ok();
  } else if (sub === 'reload') {
    debugReload(node, parseReloadOptions(argv));
    ctx.reply.ok();
  } else if (sub === 'digest' && argv.length === 2) {
    ctx.reply.simple(digestHex(datasetDigest(node.keyspace.dbs)));
  } else if (sub === 'digest-value') {
    // DEBUG DIGEST-VALUE key...: one status reply per key, zeros for a missing one.
    ctx.reply.array(argv.length - 2);
    for (const key of argv.slice(2)) {
      ctx.reply.simple(digestHex(valueDigest(ctx.db.peekStored(key), ctx.db.expireAt(key) !== undefined)));
    }
  } else if (sub === 'object' && argv.length === 3) {
    const value = ctx.db.peek(at(argv, 2), node.nowMs);
    if (value === undefined) throw new ReplyError(ERR.noSuchKey);
    ctx.reply.simple(
      `Value at:0x0 refcount:${refcount(ctx.db, at(argv, 2), value)} encoding:${valueEncoding(value, ctx.db.isRawString(at(argv, 2)))} serializedlength:${typeof value === 'string' ? value.length : 0} lru:${ctx.db.accessWord(at(argv, 2), node.nowMs) & 0xffffff} lru_seconds_idle:${ctx.db.idleSeconds(at(argv, 2), node.nowMs)}`,
    );
  } else if (sub === 'drop-cluster-packet-filter' && argv.length === 3) {
    // Incoming bus messages of this type are dropped (-1: none), as Redis's cluster tests use it.
    const messageType = int64Arg(at(argv, 2));
    if (node.cluster !== null) node.cluster.state.dropPacketFilter = Number(messageType);
    ctx.reply.ok();
  } else if (sub === 'clusterlink' && argv.length === 5 && isWord(at(argv, 2), 'kill')) {
    if (node.cluster === null) throw new ReplyError('ERR Debug option only available for cluster mode enabled setup!');
    const result = node.cluster.admin({ type: 'kill-links', nodeId: at(argv, 4), direction: at(argv, 3) });
    if (!result.ok) throw new ReplyError(result.error);
    ctx.reply.ok();
  } else {
    throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${at(argv, 1)}'. Try DEBUG HELP.`);
  }
}

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]. */
function parseReloadOptions(argv: readonly ByteString[]): ReloadOptions {
  const options: ReloadOptions = { save: true, flush: true, merge: false };
  for (let j = 2; j < argv.length; j++) {
    const opt = at(argv, j);
    if (isWord(opt, 'merge')) options.merge = true;
    else if (isWord(opt, 'noflush')) options.flush = false;
    else if (isWord(opt, 'nosave')) options.save = false;
    else throw new ReplyError('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  return options;
}

export const debugCommands: CommandImpl[] = [cmd('debug', debugCommand)];
