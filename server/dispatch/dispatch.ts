/**
 * The path of one request through the server, checks in Redis's order (the order is visible to
 * clients: a wrong-arity call to an unknown subcommand gets the unknown-subcommand error):
 *
 *   1. lookup: unknown command / unknown subcommand of a container (CONFIG, CLIENT, ...)
 *   2. arity
 *   3. authentication (NOAUTH unless the command is flagged no_auth), then the user's ACL
 *      permissions (NOPERM)
 *   4. cluster routing (MOVED/ASK/CROSSSLOT/CLUSTERDOWN)
 *   5. write guards: MISCONF after a failed background save, NOREPLICAS, READONLY on a replica,
 *      the RESP2 subscriber's restricted command set, MASTERDOWN while a replica's link is down;
 *      then -BUSY while a script runs past busy-reply-threshold (unless flagged allow_busy)
 *   6. inside MULTI: the command is queued (+QUEUED) instead; a rejection above dooms the
 *      transaction
 *   7. the handler, run synchronously to completion
 *   8. propagation: a write that changed the dataset (or forced it) enters the replication
 *      stream, as the handler rewrote it (relative expiry → absolute) or as received
 *
 * The master client (the link applying our master's stream) skips auth, routing and the
 * guards, and propagates nothing itself: the link forwards the bytes it applied.
 *
 * Client errors thrown by the handler as ReplyError become error replies; any other exception
 * is a server bug and propagates.
 */
import type { ByteString } from '../../storage/bytes';
import type { Session } from './session';
import type { CommandSpec } from './command';
import type { CommandTable } from './command-table';
import { ERR, RejectedError, ReplyError, unknownCommand, unknownSubcommand, wrongArity } from './errors';
import { diskErrorReply } from '../persistence/snapshots';
import { Monitors } from '../observe/monitor';

/** Resolves argv to the command (or subcommand) to run, or throws the lookup/arity error. */
export function lookupCommand(table: CommandTable, argv: readonly ByteString[]): CommandSpec {
  const name = argv[0] as ByteString;
  const top = table.lookup(name);
  if (top === undefined) throw new ReplyError(unknownCommand(name, argv.slice(1)));
  let spec = top;
  if (top.subcommands !== null && argv.length >= 2) {
    const sub = top.subcommands.get((argv[1] as ByteString).toLowerCase());
    if (sub === undefined) throw new ReplyError(unknownSubcommand(name, argv[1] as ByteString));
    spec = sub;
  }
  const argc = argv.length;
  if ((spec.arity > 0 && argc !== spec.arity) || argc < -spec.arity) {
    throw new WrongArity(spec);
  }
  return spec;
}

/** A cluster redirect (MOVED, ASK, TRYAGAIN, CROSSSLOT, CLUSTERDOWN) found by routing. */
class Redirect extends ReplyError {}

/** A known command with the wrong number of arguments: Redis counts it in its rejected_calls. */
class WrongArity extends ReplyError {
  constructor(readonly spec: CommandSpec) {
    super(wrongArity(spec.fullName));
  }
}

/**
 * Runs one request. Returns the command that ran (for the caller's timing), or null when the
 * request was rejected before reaching a handler.
 */
export function dispatch(table: CommandTable, session: Session, argv: ByteString[]): CommandSpec | null {
  const node = session.context.server;
  // Another client's MIGRATE is waiting for its target: this command waits too, unread, as it
  // would in Redis, whose MIGRATE blocks the server (exclusive-run.ts).
  const exclusive = node.exclusive;
  // (A busy script holds the node too, but others are answered -BUSY below instead of waiting.)
  if (exclusive.active && session.connection !== null && exclusive.holds(session) && !node.scriptBusy) {
    exclusive.hold(session.connection, argv);
    return null;
  }
  if (node.tracking.clients !== 0) node.tracking.limitTable();
  const replyMark = session.reply.mark();
  let spec: CommandSpec | undefined;
  try {
    spec = lookupCommand(table, argv);
    // CLIENT LIST's cmd: set on lookup, so a queued command shows and EXEC's commands do not.
    session.lastCommand = spec.fullName;
    session.commandsStarted++;
    if (!session.authenticated && !spec.noAuth && node.acl.authRequired) throw new ReplyError(ERR.noAuth);
    // ACL (server/acl/acl.ts): a user without restrictions (the default one) costs this test.
    const user = session.user;
    if (user !== null && !user.unrestricted) node.acl.checkCommand(session, user, spec, argv);
    if (session.kind !== 'master') {
      const cluster = node.cluster;
      if (cluster !== null) {
        let redirect: string | null = null;
        if (spec.firstKey > 0 || spec.flags.has('movablekeys')) redirect = cluster.route(session, spec, argv);
        // EXEC routes its queued commands again, together: keys may have moved since they were
        // queued, and commands that were each fine alone may name several slots.
        else if (spec.fullName === 'exec' && session.transaction.queue !== null) redirect = cluster.routeAll(session, session.transaction.queue);
        if (redirect !== null) throw new Redirect(redirect);
      }
      // maxmemory-clients, which may close this very client (then the command does not run);
      // then maxmemory: evict keys, and refuse a deny-oom command if memory is still over (memory/).
      node.memory.clientEviction.evictIfNeeded();
      if (session.connection?.closed === true) return null;
      node.memory.beforeCommand(session, spec);
      checkWriteGuards(session, spec);
      // A script past busy-reply-threshold: only what may interrupt or leave it (SCRIPT KILL,
      // SHUTDOWN NOSAVE) and connection housekeeping run.
      if (node.scriptBusy && !spec.flags.has('allow_busy')) throw new ReplyError(node.busyError);
    }
    // CLIENT PAUSE, or a manual failover's write pause: the command waits (before it would be
    // queued inside MULTI, as in Redis) and runs once the pause no longer covers it.
    const connection = session.connection;
    if (connection !== null && node.pause.active && node.pause.covers(session, spec)) {
      node.pause.hold(connection, argv);
      return null;
    }
    if (session.transaction.inMulti && !RUN_INSIDE_MULTI.has(spec.fullName)) {
      queueCommand(session, spec, argv);
      finishReply(session, replyMark);
      return null;
    }
  } catch (err) {
    if (!(err instanceof ReplyError)) throw err;
    let text = err.text;
    // Inside MULTI a rejected command dooms the transaction (EXEC answers EXECABORT). A
    // rejected EXEC always answers EXECABORT, naming why, and discards any transaction.
    if (session.transaction.inMulti) session.transaction.aborted = true;
    // A redirect of EXEC itself is the exception: Redis discards the transaction and answers the
    // redirect as is, so that a cluster client can follow it and retry the whole transaction.
    if ((argv[0] as ByteString).toLowerCase() === 'exec') {
      if (!(err instanceof Redirect)) text = `EXECABORT Transaction discarded because of: ${text.replace(/^ERR /, '')}`;
      session.transaction.end();
    }
    const rejected = spec ?? (err instanceof WrongArity ? err.spec : undefined);
    if (rejected !== undefined) rejected.stats.rejectedCalls++;
    node.stats.countError(text);
    session.reply.error(text);
    // ASKING holds until EXEC inside a transaction, also past a command rejected while queuing.
    if (!session.transaction.inMulti) session.asking = false;
    if (session.tracking !== null) node.tracking.afterCommand(session, null);
    finishReply(session, replyMark);
    return null;
  }
  // One execution unit: what the command replicates, with the DELs of keys it found expired,
  // reaches replicas together (wrapped in MULTI/EXEC when it is more than one command).
  node.replication.beginUnit();
  // Client tracking compares key changes with the running client (NOLOOP, and its own
  // invalidations, which follow its reply).
  const tracking = node.tracking;
  tracking.current = session;
  try {
    runCommand(session, spec, argv);
  } finally {
    tracking.current = null;
    node.replication.endUnit();
  }
  tracking.afterCommand(session, spec);
  // Clients blocked on keys this command (or this EXEC) pushed to are served now (blocking.ts);
  // after an EXEC that waits on the network, once it has finished (transaction-commands.ts).
  if (!session.waiting) node.blocking.handleReadyKeys();
  // ASKING lasts for exactly one command, or inside MULTI until EXEC (or DISCARD): the queued
  // commands and EXEC's routing of them (above) all read it, as in Redis.
  if (session.asking && spec.fullName !== 'asking' && !session.transaction.inMulti) session.asking = false;
  finishReply(session, replyMark);
  return spec;
}

/**
 * Runs a command that passed the checks (also each command EXEC runs): the handler, its error
 * reply, stats, and propagation of what it changed.
 */
export function runCommand(session: Session, spec: CommandSpec, argv: ByteString[]): void {
  const ctx = session.context;
  const node = ctx.server;
  const handler = spec.handler;
  if (handler === null) throw new Error(`container ${spec.fullName} has no handler`);
  const context = node.keyspace.context;
  const dirtyBefore = context.dirty;
  // A write of a replica's own client (it passed READONLY: the replica is writable) deletes the
  // expired keys it looks up and has its deadlines remembered (KeyspaceContext's `own`).
  const ownWrite = spec.isWrite && session.kind !== 'master' && context.expiry === 'hide';
  if (ownWrite) context.expiry = 'own';
  const slowlog = node.slowlog;
  const startedMs = slowlog.times(spec, argv.length, node.latency.thresholdUs) ? node.time.monotonicMs() : -1;
  const monitors = node.monitors;
  const shown = monitors.size === 0 ? null : Monitors.when(spec);
  if (shown === 'before') monitors.hold(session, spec, argv);
  let rejected = false;
  try {
    handler(ctx, argv);
  } catch (err) {
    if (!(err instanceof ReplyError)) throw err;
    rejected = err instanceof RejectedError;
    if (rejected) spec.stats.rejectedCalls++;
    else spec.stats.failedCalls++;
    node.stats.countError(err.text);
    session.reply.error(err.text);
  } finally {
    if (ownWrite) context.expiry = 'hide';
    if (shown === 'before') monitors.release(!rejected);
  }
  // Refused before it ran, in Redis's terms: not a call (no stats, SLOWLOG or propagation).
  if (rejected) return;
  if (shown === 'after') monitors.feed(session, spec, argv);
  if (startedMs >= 0) slowlog.finished(node, session, spec, argv, startedMs);
  if (session.tracking !== null && spec.flags.has('readonly')) node.tracking.rememberCommand(session, spec, argv);
  const propagated = ctx.takePropagation(argv, context.dirty !== dirtyBefore && spec.isWrite);
  if (propagated !== null && session.replicateCommands) node.replication.propagate(session.db.id, propagated);
  spec.stats.calls++;
  node.stats.totalCommandsProcessed++;
}

/** What runs at once inside MULTI instead of being queued (Redis's list). */
const RUN_INSIDE_MULTI = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

function queueCommand(session: Session, spec: CommandSpec, argv: ByteString[]): void {
  if (spec.flags.has('no_multi')) throw new ReplyError('ERR Command not allowed inside a transaction');
  // A transaction already doomed (a rejected command, a touched WATCHed key) keeps answering
  // QUEUED but stores nothing more, as Redis does: so EXEC's routing, CLIENT LIST's multi= and
  // the client's memory see only what came before.
  const tx = session.transaction;
  if (!tx.aborted && !tx.touched) tx.queue?.push({ spec, argv });
  session.reply.simple('QUEUED');
}

const ALLOWED_WHILE_SUBSCRIBED = new Set([
  'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit', 'reset',
]);

/**
 * The checks persistence, replication and pub/sub add before a command runs, in Redis's
 * processCommand order: MISCONF (a failed background save), NOREPLICAS, READONLY, the RESP2
 * subscribed context, MASTERDOWN.
 */
function checkWriteGuards(session: Session, spec: CommandSpec): void {
  // A MONITOR connection is a replica to Redis: it may not touch the keyspace.
  const monitors = session.context.server.monitors;
  if (monitors.size !== 0 && monitors.has(session) && (spec.flags.has('readonly') || spec.isWrite || spec.flags.has('may_replicate'))) {
    throw new ReplyError("ERR Replica can't interact with the keyspace");
  }
  checkDataGuards(session, spec.isWrite, spec.fullName === 'ping');
  // A RESP2 subscriber's connection carries messages; replies to other commands would be
  // mistaken for them, so only these are allowed until it leaves pub/sub mode.
  if (session.resp === 2 && session.subscriptions.active && !ALLOWED_WHILE_SUBSCRIBED.has(spec.fullName)) {
    throw new ReplyError(
      `ERR Can't execute '${spec.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    );
  }
  if (!spec.servesStale) checkNotStale(session);
}

/** MISCONF, NOREPLICAS and READONLY, in Redis's order, for a write (and PING, for MISCONF). */
function checkDataGuards(session: Session, isWrite: boolean, isPing: boolean): void {
  const node = session.context.server;
  const replication = node.replication;
  const config = node.config;
  if ((isWrite || isPing) && !replication.isReplica) {
    const diskError = diskErrorReply(node);
    if (diskError !== null) throw new ReplyError(diskError);
  }
  if (isWrite) {
    if (replication.tooFewGoodReplicas()) throw new ReplyError('NOREPLICAS Not enough good replicas to write.');
    if (replication.isReplica && config.bool('replica-read-only')) {
      throw new ReplyError("READONLY You can't write against a read only replica.");
    }
  }
}

/** A replica whose link is down and that must not serve stale data: MASTERDOWN. */
function checkNotStale(session: Session): void {
  const node = session.context.server;
  const replication = node.replication;
  if (replication.isReplica && !replication.linkUp && !node.config.bool('replica-serve-stale-data')) {
    throw new ReplyError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
  }
}

/**
 * The same guards for EVAL and FCALL, once the script is known: Redis derives the command's
 * flags from the flags the script declares (a write unless no-writes, stale-safe only with
 * allow-stale). A script without a shebang (`flags` null) is refused on a stale replica, and
 * its writes are checked one by one as it runs (redis-api.ts).
 */
export function checkScriptGuards(session: Session, flags: readonly string[] | null): void {
  if (session.kind === 'master') return;
  try {
    if (flags !== null) session.context.server.memory.checkScriptStart(flags);
    if (flags !== null) checkDataGuards(session, !flags.includes('no-writes'), false);
    if (flags === null || !flags.includes('allow-stale')) checkNotStale(session);
  } catch (err) {
    // Redis makes these checks in processCommand, before the command runs.
    if (err instanceof ReplyError && !(err instanceof RejectedError)) throw new RejectedError(err.text);
    throw err;
  }
}

/**
 * Applies CLIENT REPLY OFF|SKIP: drops the reply the command just produced, and the one a command
 * waiting on the network (MIGRATE) will produce when it finishes.
 */
function finishReply(session: Session, mark: number): void {
  if (session.replyMode === 'on') return;
  if (session.replyMode === 'skip') {
    if (session.skipNextReply) {
      if (session.waiting && session.afterWait === null) session.dropLateReply = true;
      dropReplies(session, mark);
      session.skipNextReply = false;
      session.replyMode = 'on';
    } else {
      // The SKIP command itself replies nothing; the next command is the skipped one.
      dropReplies(session, mark);
      session.skipNextReply = true;
    }
    return;
  }
  if (session.waiting && session.afterWait === null) session.dropLateReply = true;
  dropReplies(session, mark);
}

/** Drops what was replied since `mark`, except pub/sub pushes, which Redis never silences. */
function dropReplies(session: Session, mark: number): void {
  const ranges = session.pushRanges;
  if (ranges.length === 0) {
    session.reply.rewind(mark);
    return;
  }
  const all = session.reply.take();
  const kept: Buffer[] = [all.subarray(0, mark)];
  for (let i = 0; i + 1 < ranges.length; i += 2) {
    const start = ranges[i] as number;
    if (start >= mark) kept.push(all.subarray(start, ranges[i + 1]));
  }
  ranges.length = 0;
  session.reply.raw(Buffer.concat(kept));
}
