/**
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
 *         [AUTH2 username password] [KEYS key ...]
 *
 * Moves keys to another server, as Redis 7.0 does (resharding sends it for each batch of a
 * slot's keys):
 *
 *   1. the keys that exist here are serialized as DUMP payloads with their remaining TTL (a key
 *      whose deadline has just passed is skipped); none exist → +NOKEY
 *   2. one write to the target over a cached connection (network/migrate-sockets.ts):
 *      [AUTH] [SELECT db, when the connection's last db differs] then per key
 *      RESTORE-ASKING (cluster mode; RESTORE otherwise) key ttl payload [REPLACE]
 *   3. one reply line per command is read; each key the target acknowledged is deleted here
 *      (unless COPY), with a "del" keyspace event, and replicas get one DEL of those keys
 *   4. the reply: +OK; "ERR Target instance replied with error: ..." for the first error the
 *      target sent; "IOERR error or timeout ..." when the link failed
 *
 * Redis does steps 2-3 with blocking socket calls, so nothing else runs meanwhile. Here they
 * are asynchronous, and the node is taken exclusively for their duration
 * (dispatch/exclusive-run.ts): other clients' commands wait, so a key cannot change between its
 * serialization and its deletion; inside EXEC, the transaction's later commands wait too. A
 * link that fails before anything was read is retried once on a new connection, unless it timed
 * out, as Redis does.
 */
import type { ByteString } from '../../storage/bytes';
import type { Database } from '../../storage/database';
import { createDumpPayload } from '../../storage/rdb/dump-payload';
import type { StoredValue } from '../../storage/values';
import type { CommandContext } from '../dispatch/command-context';
import { cmd, type CommandImpl } from '../dispatch/command';
import { ERR, ReplyError } from '../dispatch/errors';
import type { MigrateSocket, MigrateSockets } from '../network/migrate-sockets';
import { NotifyFlag } from '../config/special-codecs';
import type { RedisNode } from '../node';
import type { Session } from '../dispatch/session';
import { at, int64Arg, isWord, syntaxError } from './args';

interface MigrateRequest {
  host: string;
  port: string;
  dbid: number;
  timeoutMs: number;
  copy: boolean;
  replace: boolean;
  auth: { username: string | null; password: string } | null;
  keys: ByteString[];
}

/** Options in Redis's order of checks: the words after the timeout, then timeout and db. */
function parseMigrate(argv: readonly ByteString[]): MigrateRequest {
  let copy = false;
  let replace = false;
  let auth: MigrateRequest['auth'] = null;
  let keys = [at(argv, 3)];
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const word = at(argv, j);
    if (isWord(word, 'copy')) {
      copy = true;
    } else if (isWord(word, 'replace')) {
      replace = true;
    } else if (isWord(word, 'auth')) {
      if (more < 1) syntaxError();
      auth = { username: null, password: at(argv, ++j) };
    } else if (isWord(word, 'auth2')) {
      if (more < 2) syntaxError();
      const username = at(argv, ++j);
      auth = { username, password: at(argv, ++j) };
    } else if (isWord(word, 'keys')) {
      if (at(argv, 3).length !== 0) {
        throw new ReplyError('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      }
      keys = argv.slice(j + 1);
      break;
    } else {
      syntaxError();
    }
  }
  const timeout = int64Arg(at(argv, 5), ERR.notInteger);
  const dbid = int64Arg(at(argv, 4), ERR.notInteger);
  return {
    host: at(argv, 1),
    port: at(argv, 2),
    dbid: Number(dbid),
    timeoutMs: timeout <= 0n ? 1000 : Number(timeout),
    copy,
    replace,
    auth,
    keys,
  };
}

/** A key found here, with its value and deadline as they were when MIGRATE ran. */
interface Migrating {
  key: ByteString;
  value: StoredValue;
  deadlineMs: number | undefined;
}

type Outcome =
  | { kind: 'ok'; acked: ByteString[] }
  | { kind: 'error'; text: string; acked: ByteString[] };

function migrateCommand(ctx: CommandContext, argv: ByteString[]): void {
  const request = parseMigrate(argv);
  const db = ctx.db;
  const found: Migrating[] = [];
  for (const key of request.keys) {
    const value = ctx.lookupRead(db, key);
    if (value !== undefined) found.push({ key, value, deadlineMs: db.expireAt(key) });
  }
  if (found.length === 0) {
    ctx.reply.simple('NOKEY');
    return;
  }
  const node = ctx.server;
  const session = ctx.session;
  // Inside EXEC too, as in Redis: the rest of the transaction waits for the reply.
  if (session.connection === null) {
    throw new ReplyError('ERR MIGRATE cannot wait for its target without a client connection in hashslot');
  }
  const resume = ctx.suspend();
  const compress = ctx.config.bool('rdbcompression');
  const command = node.cluster !== null ? 'RESTORE-ASKING' : 'RESTORE';
  const build = (select: boolean): { bytes: Buffer; sent: ByteString[] } =>
    encodeRequest(request, found, node.clock(), select, command, compress);
  void exchange(node.migrateSockets, request, build).then(
    (outcome) => finish(node, session, db, request, outcome, resume),
    (err: unknown) => {
      node.log.warning(`MIGRATE failed: ${err instanceof Error ? err.message : String(err)}`);
      finish(node, session, db, request, { kind: 'error', text: 'IOERR error or timeout reading to target instance', acked: [] }, resume);
    },
  );
}

/** The bytes sent to the target, and the keys whose RESTORE they carry (in order). */
function encodeRequest(
  request: MigrateRequest,
  found: readonly Migrating[],
  nowMs: number,
  select: boolean,
  command: string,
  compress: boolean,
): { bytes: Buffer; sent: ByteString[] } {
  const parts: Buffer[] = [];
  const push = (args: ReadonlyArray<string | Buffer>): void => {
    parts.push(Buffer.from(`*${args.length}\r\n`, 'latin1'));
    for (const arg of args) {
      const bytes = typeof arg === 'string' ? Buffer.from(arg, 'latin1') : arg;
      parts.push(Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, CRLF);
    }
  };
  const auth = request.auth;
  if (auth !== null) push(auth.username === null ? ['AUTH', auth.password] : ['AUTH', auth.username, auth.password]);
  if (select) push(['SELECT', String(request.dbid)]);
  const sent: ByteString[] = [];
  for (const { key, value, deadlineMs } of found) {
    let ttl = 0;
    if (deadlineMs !== undefined) {
      ttl = deadlineMs - nowMs;
      if (ttl < 0) continue; // expired since it was looked up: not sent, not deleted
      if (ttl < 1) ttl = 1;
    }
    const args: Array<string | Buffer> = [command, key, String(ttl), createDumpPayload(value, compress)];
    if (request.replace) args.push('REPLACE');
    push(args);
    sent.push(key);
  }
  return { bytes: Buffer.concat(parts), sent };
}

const CRLF = Buffer.from('\r\n', 'latin1');
const IOERR_WRITING = 'IOERR error or timeout writing to target instance';
const IOERR_READING = 'IOERR error or timeout reading to target instance';

/** Steps 2 and 3 of the module comment: what the target acknowledged, and the reply. */
async function exchange(
  sockets: MigrateSockets,
  request: MigrateRequest,
  build: (select: boolean) => { bytes: Buffer; sent: ByteString[] },
): Promise<Outcome> {
  const name = `${request.host}:${request.port}`;
  const timeout = request.timeoutMs;
  let mayRetry = true;
  for (;;) {
    const opened = await sockets.get(request.host, request.port, timeout);
    if (!opened.ok) {
      if (opened.timedOut) return { kind: 'error', text: 'IOERR error or timeout connecting to the client', acked: [] };
      // A refused connect: Redis's blocking connect reports it only when it writes.
      if (mayRetry) {
        mayRetry = false;
        continue;
      }
      return { kind: 'error', text: IOERR_WRITING, acked: [] };
    }
    const socket: MigrateSocket = opened.socket;
    const select = socket.lastDbId !== request.dbid;
    const { bytes, sent } = build(select);
    const head = (request.auth !== null ? 1 : 0) + (select ? 1 : 0);
    const { lines, failure } = await socket.exchange(bytes, head + sent.length, timeout);
    if (failure !== null && (failure.stage === 'writing' || lines.length < head)) {
      // Nothing was acknowledged: retried once on a new connection unless it timed out.
      sockets.close(name);
      if (!failure.timedOut && mayRetry) {
        mayRetry = false;
        continue;
      }
      return { kind: 'error', text: failure.stage === 'writing' ? IOERR_WRITING : IOERR_READING, acked: [] };
    }
    // AUTH and SELECT answer first; an error there counts for every key.
    const headError = lines.slice(0, head).find((line) => line.startsWith('-')) ?? null;
    const acked: ByteString[] = [];
    let targetError: string | null = null;
    const replies = lines.slice(head);
    replies.forEach((line, i) => {
      const error = headError ?? (line.startsWith('-') ? line : null);
      if (error === null) acked.push(sent[i] as ByteString);
      else if (targetError === null) {
        targetError = error.slice(1);
        socket.lastDbId = -1;
      }
    });
    if (targetError === null && failure !== null && replies.length === 0 && mayRetry && !failure.timedOut) {
      sockets.close(name);
      mayRetry = false;
      continue;
    }
    if (failure !== null) sockets.close(name);
    if (targetError !== null) return { kind: 'error', text: `ERR Target instance replied with error: ${targetError as string}`, acked };
    if (failure !== null) return { kind: 'error', text: IOERR_READING, acked };
    socket.lastDbId = request.dbid;
    return { kind: 'ok', acked };
  }
}

/** Step 3's deletions and step 4's reply; then the node is free again. */
function finish(node: RedisNode, session: Session, db: Database, request: MigrateRequest, outcome: Outcome, resume: () => void): void {
  node.nowMs = node.clock();
  if (!request.copy && outcome.acked.length > 0) {
    const deleted: ByteString[] = [];
    for (const key of outcome.acked) {
      if (!db.delete(key)) continue;
      deleted.push(key);
      if (node.notifyKeyspaceEvents !== 0) session.context.notifyKeyspaceEvent(NotifyFlag.generic, 'del', key, db.id);
    }
    // Replicas get the deletions as one DEL, as Redis rewrites the command it propagates.
    if (deleted.length > 0) {
      node.replication.beginUnit();
      node.replication.propagate(db.id, ['DEL', ...deleted]);
      node.replication.endUnit();
    }
  }
  const replyMark = session.reply.mark();
  if (outcome.kind === 'ok') {
    session.reply.ok();
  } else {
    const spec = node.commands.get('migrate');
    if (spec !== undefined) spec.stats.failedCalls++;
    node.stats.countError(outcome.text);
    session.reply.error(outcome.text);
  }
  // Under CLIENT REPLY OFF or SKIP the reply is written (and counted) but never sent.
  if (session.dropLateReply) {
    session.dropLateReply = false;
    session.reply.rewind(replyMark);
  }
  resume();
}

export const migrateCommands: CommandImpl[] = [cmd('migrate', migrateCommand)];
