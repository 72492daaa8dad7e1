/**
 * DEBUG: the server's introspection and test hooks, refused unless enable-debug-command allows
 * the caller. The saves DEBUG RELOAD makes are in ../persistence/snapshots.ts; DEBUG DIGEST's
 * fingerprint is computed in ../../storage/digest.ts. PROTOCOL and HELP are in ./debug-protocol.ts;
 * the structure reports (HTSTATS, SDSLEN, LISTPACK...), REPLICATE and MALLCTL in ./debug-structures.ts;
 * the test hooks (AOF-FLUSH-SLEEP, REPLYBUFFER, LEAK, SET-DISABLE-DENY-SCRIPTS) and CLIENT-EVICTION in
 * ./debug-hooks.ts; the crashes on purpose (SEGFAULT, PANIC, ASSERT, OOM) in ./debug-crash.ts.
 * OBJECT, PAUSE-CRON, QUICKLIST-PACKED-THRESHOLD, ERROR and CONFIG-REWRITE-FORCE-ALL are here.
 */
import type { ByteString } from '../../storage/bytes';
import { datasetDigest, digestHex, valueDigest } from '../../storage/digest';
import { valueEncoding } from '../../storage/encodings';
import type { CommandContext } from '../dispatch/command-context';
import { ERR, ReplyError } from '../dispatch/errors';
import { at, atoi, int64Arg, isWord } from './args';
import { cmd, type CommandImpl } from '../dispatch/command';
import { debugReload, type ReloadOptions } from '../persistence/snapshots';
import { refcount } from './server-commands';
import { AofLoadError, debugLoadAof } from '../persistence/aof-load';
import { HELP_REPLIES } from '../dispatch/meta/command-meta.generated';
import { debugProtocol, replyDebugHelp, type DebugHelpLine } from './debug-protocol';
import { debugStructures, STRUCTURE_SUBCOMMANDS } from './debug-structures';
import { debugHooks, HOOK_SUBCOMMANDS } from './debug-hooks';
import { CRASH_SUBCOMMANDS, debugCrash } from './debug-crash';
import { sleepSync } from '../debug-hooks';
import { rdbSavedLength } from '../../storage/rdb/dump-payload';
import { quicklistNodes } from '../../storage/rdb/quicklist-layout';
import { DEFAULT_PACKED_THRESHOLD_BYTES } from '../../storage/quicklist-shape';
import { formatFixed } from '../../storage/fixed-point';
import { parseMemory } from '../config/codecs';
import { ConfigRewriteError } from '../config/rewrite';
import { rewriteConfigOf } from './config-commands';

/**
 * Whether a command behind enable-debug-command or enable-module-command may run: "yes", or
 * "local" for a client connected over loopback (Redis's allowProtectedAction).
 */
export function protectedCommandAllowed(ctx: CommandContext, directive: 'enable-debug-command' | 'enable-module-command'): boolean {
  const setting = ctx.config.string(directive);
  return setting === 'yes' || (setting === 'local' && ctx.connection.isLocal);
}

function debugCommand(ctx: CommandContext, argv: ByteString[]): void {
  const node = ctx.server;
  if (!protectedCommandAllowed(ctx, 'enable-debug-command')) throw new ReplyError(ERR.debugDisabled);
  const sub = at(argv, 1).toLowerCase();
  if (sub === 'sleep' && argv.length === 3) {
    const seconds = Number(at(argv, 2));
    sleepSync(Number.isFinite(seconds) ? seconds * 1000 : 0);
    ctx.reply.ok();
  } else if (sub === 'set-active-expire' && argv.length === 3) {
    node.activeExpire.enabled = atoi(at(argv, 2)) !== 0;
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
    debugObject(ctx, at(argv, 2));
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
  } else if (!moreDebug(ctx, sub, argv)) {
    throw new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${at(argv, 1)}'. Try DEBUG HELP.`);
  }
}

/**
 * DEBUG OBJECT key: how Redis holds the value. serializedlength is the length of its RDB encoding
 * (rdbcompression applies); a list adds its quicklist's figures: nodes, elements per node (%.2f),
 * the fill and whether compression was on when it was created, and the nodes' bytes uncompressed.
 */
function debugObject(ctx: CommandContext, key: ByteString): void {
  const node = ctx.server;
  const value = ctx.db.peek(key, node.nowMs);
  if (value === undefined) throw new ReplyError(ERR.noSuchKey);
  const serializedLength = rdbSavedLength(value, ctx.config.bool('rdbcompression'));
  let text =
    `Value at:0x0 refcount:${refcount(ctx, key, value)} encoding:${valueEncoding(value, ctx.db.heldStringForm(key))} ` +
    `serializedlength:${serializedLength} lru:${ctx.db.accessWord(key, node.nowMs) & 0xffffff} lru_seconds_idle:${ctx.db.idleSeconds(key, node.nowMs)}`;
  if (typeof value !== 'string' && value.kind === 'list') {
    const nodes = quicklistNodes(value);
    const bytes = nodes.reduce((sum, n) => sum + n.bytes.length, 0);
    text +=
      ` ql_nodes:${nodes.length} ql_avg_node:${formatFixed(value.items.length / nodes.length, 2)} ql_listpack_max:${value.shape.fill}` +
      ` ql_compressed:${value.shape.compressDepth !== 0 ? 1 : 0} ql_uncompressed_size:${bytes}`;
  }
  ctx.reply.simple(text);
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

/** The subcommands DEBUG HELP lists: those handled here (Redis's HELP text, filtered). */
const IMPLEMENTED_HELP = new Set([
  'SLEEP', 'SET-ACTIVE-EXPIRE', 'RELOAD', 'DIGEST', 'DIGEST-VALUE', 'OBJECT', 'DROP-CLUSTER-PACKET-FILTER', 'CLUSTERLINK',
  'PROTOCOL', 'CHANGE-REPL-ID', 'SET-SKIP-CHECKSUM-VALIDATION', 'PAUSE-CRON', 'LOG', 'ERROR', 'POPULATE',
  'QUICKLIST-PACKED-THRESHOLD', 'LOADAOF', 'CONFIG-REWRITE-FORCE-ALL', 'HELP', ...STRUCTURE_SUBCOMMANDS, ...HOOK_SUBCOMMANDS,
  ...CRASH_SUBCOMMANDS,
]);

/** The subcommands added with PROTOCOL; false when `sub` is none of them (or has the wrong arity). */
function moreDebug(ctx: CommandContext, sub: string, argv: ByteString[]): boolean {
  const node = ctx.server;
  if (sub === 'help' && argv.length === 2) {
    replyDebugHelp(ctx, (HELP_REPLIES.debug ?? []) as readonly DebugHelpLine[], IMPLEMENTED_HELP);
  } else if (sub === 'protocol' && argv.length === 3) {
    debugProtocol(ctx, at(argv, 2));
  } else if (sub === 'change-repl-id' && argv.length === 2) {
    // A new history name, and no previous one to accept partial resyncs for.
    node.replication.replid = node.random.hex(40);
    node.replication.replid2 = '0'.repeat(40);
    node.replication.secondReplidOffset = -1;
    ctx.reply.ok();
  } else if (sub === 'set-skip-checksum-validation' && argv.length === 3) {
    // Accepted for the test suites that send it; hashslot has no RDB checksum skip to turn on.
    ctx.reply.ok();
  } else if (sub === 'pause-cron' && argv.length === 3) {
    // C's atoi, as Redis reads it. Pausing stops Redis's cached LRU clock at once (until the
    // first tick after the pause ends): every access from now is stamped with this second.
    node.debugHooks.cronPaused = atoi(at(argv, 2)) !== 0;
    if (node.debugHooks.cronPaused) node.keyspace.context.lruFrozenSec ??= Math.floor(node.nowMs / 1000);
    ctx.reply.ok();
  } else if (sub === 'quicklist-packed-threshold' && argv.length === 3) {
    node.debugHooks.packedThresholdBytes = packedThresholdArg(at(argv, 2));
    ctx.reply.ok();
  } else if (sub === 'config-rewrite-force-all' && argv.length === 2) {
    try {
      rewriteConfigOf(node, true);
    } catch (err) {
      if (!(err instanceof ConfigRewriteError)) throw err;
      throw new ReplyError(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${err.reason}`);
    }
    ctx.reply.ok();
  } else if (sub === 'log' && argv.length === 3) {
    node.log.warning(`DEBUG LOG: ${at(argv, 2)}`);
    ctx.reply.ok();
  } else if (sub === 'error' && argv.length === 3) {
    // Written as a reply rather than raised: Redis sends it as raw protocol, so it is no error
    // reply to INFO (no errorstat, total_error_replies, failed_calls), in MULTI and scripts too.
    ctx.reply.error(at(argv, 2));
  } else if (sub === 'populate' && argv.length >= 3 && argv.length <= 5) {
    populate(ctx, argv);
  } else {
    return debugStructures(ctx, sub, argv) || debugHooks(ctx, sub, argv) || debugCrash(ctx, sub, argv);
  }
  return true;
}

/** The largest packed threshold Redis takes: a little under 4 GiB (quicklistisSetPackedThreshold). */
const PACKED_THRESHOLD_MAX_BYTES = 2n ** 32n - 2n ** 20n;

/** DEBUG QUICKLIST-PACKED-THRESHOLD's argument: a memory value (memtoull) up to that; 0 restores 1 GiB. */
function packedThresholdArg(arg: ByteString): number {
  const bytes = parseMemory(arg);
  if (bytes === null || bytes > PACKED_THRESHOLD_MAX_BYTES) {
    throw new ReplyError('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
  }
  return bytes === 0n ? DEFAULT_PACKED_THRESHOLD_BYTES : Number(bytes);
}

/** DEBUG POPULATE count [prefix] [size]: prefix:N = "value:N" (cut or zero-padded to size); existing keys kept. */
function populate(ctx: CommandContext, argv: ByteString[]): void {
  const count = /^[0-9]+$/.test(at(argv, 2)) ? Number(at(argv, 2)) : -1;
  if (!Number.isSafeInteger(count) || count < 0) throw new ReplyError('ERR value is out of range, must be positive');
  const prefix = argv.length >= 4 ? at(argv, 3) : 'key';
  let size = 0;
  if (argv.length === 5) {
    size = /^[0-9]+$/.test(at(argv, 4)) ? Number(at(argv, 4)) : -1;
    if (!Number.isSafeInteger(size) || size < 0) throw new ReplyError('ERR value is out of range, must be positive');
  }
  const now = ctx.server.nowMs;
  // Redis presizes the key dict for `count` keys first (what DEBUG HTSTATS then shows).
  ctx.db.presizeForKeys(count);
  // Redis adds the keys without counting them as changes: rdb_changes_since_last_save stays.
  const dirty = ctx.keyspace.context.dirty;
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
    if (ctx.db.has(key, now)) continue;
    const text = `value:${j}`;
    const value = size === 0 ? text : size <= text.length ? text.slice(0, size) : text + '\0'.repeat(size - text.length);
    ctx.db.set(key, value, now);
  }
  ctx.keyspace.context.dirty = dirty;
  ctx.reply.ok();
}
