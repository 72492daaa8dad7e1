/**
 * A node's RDB persistence: SAVE and BGSAVE, the `save` points checked from the cron, loading
 * dump.rdb at start-up and on DEBUG RELOAD, the saves FLUSHALL and SHUTDOWN make, and the
 * figures INFO persistence reports. The codec itself is storage/rdb (it yields bytes) and the
 * file is replaced by server/atomic-file.ts; this module decides when to use them and keeps the
 * bookkeeping Redis keeps.
 *
 * Background saves without fork(). Redis forks a child that writes a copy-on-write view of the
 * dataset while the parent serves clients. Here the view is frozen by snapshotKeyspace (a
 * synchronous copy of every key, cloning the mutable containers), after which the file is
 * written chunk by chunk with the event loop free between chunks:
 *
 *      BGSAVE ──▶ snapshot (sync) ──▶ "Background saving started"
 *                     │ chunk ─ write ─ yield ─ chunk ─ write ─ yield ... fsync, rename
 *      clients keep being served meanwhile; their writes are not in the file
 *                     ▼
 *      "Background saving terminated with success": lastsave = now, and the changes made
 *      during the save stay counted in rdb_changes_since_last_save, as with Redis's child.
 *
 * rdb-key-save-delay slows a save down key by key (save-pacing.ts): a BGSAVE with a timer
 * between keys, SAVE by blocking the node, as Redis's main process blocks. INFO's
 * current_save_keys_* fields show the running BGSAVE's (or AOF rewrite's) progress.
 *
 * Loading never damages the live data: the file is read into a fresh Keyspace and adopted
 * (Keyspace.adoptContents) only when it loaded completely, so a corrupt dump.rdb leaves the
 * node's data untouched (DEBUG RELOAD answers an error; Redis would exit instead).
 *
 * Hooks for the node (server/node.ts):
 *   loadSnapshotAtStartup(node)   before the node serves clients; throws on a corrupt file,
 *                                 which should stop the server as it stops redis-server
 *   persistenceCron(node)         from the cron, to start a BGSAVE when a save point is due
 *   saveBeforeShutdown(node, ...) from SHUTDOWN and from SIGTERM/SIGINT
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Keyspace } from '../../storage/keyspace';
import { loadRdb, type RdbLoadResult } from '../../storage/rdb/rdb-reader';
import { newListShape } from '../debug-hooks';
import {
  type RdbAuxFields, type RdbWriteOptions, rdbChunks, rdbPieces, snapshotKeyspace,
} from '../../storage/rdb/rdb-writer';
import { replaceFile, replaceFileSync } from './atomic-file';
import { SaveProgress, blockingPacedChunks, childInfoFields, pacedChunks } from './save-pacing';
import { ReplyError } from '../dispatch/errors';
import type { RedisNode } from '../node';

/** After a failed background save, the cron retries a due save point only this much later. */
const BGSAVE_RETRY_DELAY_SEC = 5;

interface BackgroundSave {
  readonly startedAtMs: number;
  /**
   * The unsaved changes when the snapshot was taken (Redis's dirty_before_bgsave): they are in
   * the file, and only they stop counting when it lands. A SAVE or DEBUG RELOAD meanwhile has
   * reset the count already, and Redis then subtracts them all the same, down to a negative
   * rdb_changes_since_last_save.
   */
  readonly changesAtStart: number;
  readonly abort: AbortController;
  readonly progress: SaveProgress;
}

/** What Redis keeps in its server struct about saves and loads, per node. */
export class PersistenceState {
  /** keyspace.context.dirty as of the data in the last successful save (or load). */
  dirtyAtLastSave = 0;
  bgsave: BackgroundSave | null = null;
  lastBgsaveOk = true;
  lastBgsaveTrySec = 0;
  lastBgsaveDurationSec = -1;
  /** SAVE and BGSAVE commands and cron saves started (INFO rdb_saves). */
  saves = 0;
  /** BGSAVE SCHEDULE during an AOF rewrite: the cron starts it once the rewrite is done. */
  bgsaveScheduled = false;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
}

export function persistenceState(node: RedisNode): PersistenceState {
  return node.persistence;
}

/** `dir`/`dbfilename`: where SAVE, BGSAVE and start-up loading find the file. */
export function rdbFilePath(node: RedisNode): string {
  return resolve(node.config.string('dir'), node.config.string('dbfilename'));
}

/** rdbcompression and rdbchecksum, for every RDB the node writes (saves, full syncs, AOF bases). */
export function rdbWriteOptions(node: RedisNode): RdbWriteOptions {
  return { compression: node.config.bool('rdbcompression'), checksum: node.config.bool('rdbchecksum') };
}

/** The AUX fields every RDB the node writes carries: when, its used_memory, its function libraries. */
export function commonAuxFields(node: RedisNode): RdbAuxFields {
  return {
    ctimeSec: nowSec(node),
    usedMemBytes: node.memory.used(),
    functions: node.functionLibraryCodes(),
  };
}

/** A save's AUX fields: the common ones, and the replication position when there is one. */
function auxFields(node: RedisNode): RdbAuxFields {
  const replication = node.replication.saveInfo();
  return { ...commonAuxFields(node), ...(replication === undefined ? {} : { replication }) };
}

function nowSec(node: RedisNode): number {
  return Math.floor(node.clock() / 1000);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Writes not yet in the last saved file (INFO rdb_changes_since_last_save). */
export function changesSinceLastSave(node: RedisNode): number {
  return node.keyspace.context.dirty - persistenceState(node).dirtyAtLastSave;
}

// ---------------------------------------------------------------------------------------------
// Saving

/** rdb-key-save-delay as a save starting now sees it: the value stays with the save (save-pacing.ts). */
export function keySaveDelayUs(node: RedisNode): number {
  return node.config.number('rdb-key-save-delay');
}

/** SAVE's work, synchronously: true when the file was written. */
export function saveNow(node: RedisNode): boolean {
  const state = persistenceState(node);
  const path = rdbFilePath(node);
  const snapshot = snapshotKeyspace(node.keyspace);
  const delayUs = keySaveDelayUs(node);
  const chunks = delayUs === 0
    ? rdbChunks(snapshot, auxFields(node), rdbWriteOptions(node))
    : blockingPacedChunks(rdbPieces(snapshot, auxFields(node), rdbWriteOptions(node), true), delayUs);
  try {
    replaceFileSync(path, chunks);
  } catch (err) {
    node.log.warning(`Write error saving DB on disk: ${errorText(err)}`);
    return false;
  }
  state.dirtyAtLastSave = node.keyspace.context.dirty;
  state.lastBgsaveOk = true;
  node.lastSaveSec = nowSec(node);
  node.log.notice('DB saved on disk');
  return true;
}

/** Starts a BGSAVE; false when one is already running. */
export function startBackgroundSave(node: RedisNode): boolean {
  const state = persistenceState(node);
  if (state.bgsave !== null) return false;
  state.saves++;
  state.lastBgsaveTrySec = nowSec(node);
  const snapshot = snapshotKeyspace(node.keyspace);
  const save: BackgroundSave = {
    startedAtMs: node.clock(),
    changesAtStart: changesSinceLastSave(node),
    abort: new AbortController(),
    progress: new SaveProgress(snapshot.keyCount),
  };
  state.bgsave = save;
  node.log.notice(`Background saving started by pid ${process.pid}`);
  const path = rdbFilePath(node);
  // A save stopped by FLUSHALL or SHUTDOWN loses its temp file, timed as Redis times removing
  // the temp file of a child it killed.
  const latency = { probe: node.latency, discardEvent: 'rdb-unlink-temp-file' };
  const delayUs = keySaveDelayUs(node);
  const chunks = pacedChunks(rdbPieces(snapshot, auxFields(node), rdbWriteOptions(node), delayUs !== 0), {
    clock: node.time, delayUs, progress: save.progress, signal: save.abort.signal,
  });
  replaceFile(path, chunks, save.abort.signal, { latency }).then(
    () => {
      if (state.bgsave !== save) return;
      finishBackgroundSave(node, state);
      state.dirtyAtLastSave += save.changesAtStart;
      state.lastBgsaveOk = true;
      node.lastSaveSec = nowSec(node);
      node.log.notice('DB saved on disk');
      node.log.notice('Background saving terminated with success');
    },
    (err: unknown) => {
      if (state.bgsave !== save) return; // cancelled: already accounted for
      finishBackgroundSave(node, state);
      state.lastBgsaveOk = false;
      node.log.warning(`Write error saving DB on disk: ${errorText(err)}`);
      node.log.warning('Background saving error');
    },
  );
  return true;
}

function finishBackgroundSave(node: RedisNode, state: PersistenceState): void {
  const save = state.bgsave;
  if (save === null) return;
  state.lastBgsaveDurationSec = Math.floor((node.clock() - save.startedAtMs) / 1000);
  state.bgsave = null;
}

/**
 * Stops a running BGSAVE and discards its temp file (FLUSHALL, SHUTDOWN: a file written from
 * data about to change must not land after a newer one). Not a failure: the last save status
 * stays as it was, as when Redis kills its child.
 */
export function cancelBackgroundSave(node: RedisNode): void {
  const state = persistenceState(node);
  const save = state.bgsave;
  if (save === null) return;
  finishBackgroundSave(node, state);
  save.abort.abort(new Error('background save cancelled'));
  node.log.warning('Background saving terminated by signal 10');
}

/** Called from the node's cron: starts a BGSAVE when a `save <seconds> <changes>` point is due. */
export function persistenceCron(node: RedisNode): void {
  const state = persistenceState(node);
  // One background job at a time, as Redis runs one child: an AOF rewrite delays save points.
  if (state.bgsave !== null || node.aof.rewrite !== null) return;
  if (state.bgsaveScheduled) {
    state.bgsaveScheduled = false;
    startBackgroundSave(node);
    return;
  }
  const now = nowSec(node);
  const changes = changesSinceLastSave(node);
  for (const point of node.config.value('save')) {
    if (
      changes >= point.changes &&
      now - node.lastSaveSec > point.seconds &&
      (now - state.lastBgsaveTrySec > BGSAVE_RETRY_DELAY_SEC || state.lastBgsaveOk)
    ) {
      node.log.notice(`${point.changes} changes in ${point.seconds} seconds. Saving...`);
      startBackgroundSave(node);
      return;
    }
  }
}

const MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/**
 * The error a write command (and PING) gets while the last background save failed, save points
 * are configured and stop-writes-on-bgsave-error is yes; null when writes are accepted.
 */
export function diskErrorReply(node: RedisNode): string | null {
  // The fields first: this runs before every write, and the last save nearly always went well.
  if (!node.aof.lastWriteOk && node.aof.state !== 'off') return `MISCONF Errors writing to the AOF file: ${node.aof.lastWriteError}`;
  if (persistenceState(node).lastBgsaveOk) return null;
  const config = node.config;
  if (!config.bool('stop-writes-on-bgsave-error') || config.value('save').length === 0) return null;
  return MISCONF;
}

/** FLUSHALL: a running BGSAVE is dropped and, with save points, the empty dataset is saved. */
export function saveAfterFlushAll(node: RedisNode): void {
  cancelBackgroundSave(node);
  if (node.config.value('save').length > 0) saveNow(node);
}

/**
 * Before a shutdown: stops a BGSAVE, then saves when asked to (SHUTDOWN SAVE) or by default
 * when save points are configured. False when that save failed: the node must not exit unless
 * forced, as Redis refuses to lose data silently.
 */
export function saveBeforeShutdown(node: RedisNode, mode: 'default' | 'save' | 'nosave'): boolean {
  if (persistenceState(node).bgsave !== null) {
    node.log.warning('There is a child saving an .rdb. Killing it!');
    cancelBackgroundSave(node);
  }
  if (mode === 'nosave' || (mode === 'default' && node.config.value('save').length === 0)) return true;
  node.log.notice('Saving the final RDB snapshot before exiting.');
  return saveNow(node);
}

// ---------------------------------------------------------------------------------------------
// Loading

/** Reads an RDB into a fresh keyspace shaped like the node's; throws RdbError when corrupt. */
function loadDetached(node: RedisNode, bytes: Buffer, asReplica: boolean): { loaded: Keyspace; result: RdbLoadResult } {
  const loaded = new Keyspace(node.keyspace.dbs.length, node.random, null, node.keyspace.context.hashSeed);
  // A replica keeps keys that expired meanwhile: its master will delete them (Redis skips
  // expired keys only when loading as a master).
  const result = loadRdb(bytes, loaded, node.clock(), { skipExpired: !asReplica, listShape: newListShape(node.config, node.debugHooks) });
  return { loaded, result };
}

/** The lines redis-server logs about an RDB it is loading (at start-up, DEBUG RELOAD, full sync). */
export function logRdbLoaded(node: RedisNode, result: RdbLoadResult): void {
  const version = result.aux.get('redis-ver');
  if (version !== undefined) node.log.notice(`Loading RDB produced by version ${version}`);
  const ctime = Number(result.aux.get('ctime'));
  if (Number.isFinite(ctime)) node.log.notice(`RDB age ${Math.max(0, nowSec(node) - ctime)} seconds`);
  const usedMem = Number(result.aux.get('used-mem'));
  if (Number.isFinite(usedMem)) node.log.notice(`RDB memory usage when created ${(usedMem / 1024 / 1024).toFixed(2)} Mb`);
  node.log.notice(`Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.keysExpired}.`);
}

function recordLoad(node: RedisNode, result: RdbLoadResult): void {
  const state = persistenceState(node);
  state.lastLoadKeysLoaded = result.keysLoaded;
  state.lastLoadKeysExpired = result.keysExpired;
}

/**
 * Whether the node starts as a replica, before any link to its master exists: by its replicaof
 * directive, or in cluster mode by its own role in nodes.conf (loaded before the RDB, as in Redis).
 */
function startsAsReplica(node: RedisNode): boolean {
  if (node.cluster !== null) return node.cluster.state.myself.isReplica;
  return node.config.value('replicaof') !== null;
}

/**
 * Loads `dir`/`dbfilename` into the node, if the file exists, before the node serves anyone.
 * A missing file is an empty dataset; an unreadable or corrupt one is fatal, as for
 * redis-server: the error is logged and thrown. Returns what the load found (the AUX fields
 * hold repl-id and repl-offset for a restarting master), or null without a file.
 */
export function loadSnapshotAtStartup(node: RedisNode): RdbLoadResult | null {
  const path = rdbFilePath(node);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    node.log.warning(`Fatal error loading the DB: ${errorText(err)}. Exiting.`);
    throw err;
  }
  const startedMs = node.clock();
  let detached: { loaded: Keyspace; result: RdbLoadResult };
  try {
    detached = loadDetached(node, bytes, startsAsReplica(node));
  } catch (err) {
    node.log.warning(`Fatal error loading the RDB file ${path}: ${errorText(err)}. Exiting.`);
    throw err;
  }
  logRdbLoaded(node, detached.result);
  node.keyspace.adoptContents(detached.loaded);
  node.replaceFunctionLibraries(detached.result.functions);
  recordLoad(node, detached.result);
  // Freshly loaded data is the saved data: nothing to save yet.
  persistenceState(node).dirtyAtLastSave = node.keyspace.context.dirty;
  node.log.notice(`DB loaded from disk: ${((node.clock() - startedMs) / 1000).toFixed(3)} seconds`);
  return detached.result;
}

export interface ReloadOptions {
  /** Save the dataset first (the default; NOSAVE skips it). */
  save: boolean;
  /** Replace the dataset (the default; NOFLUSH merges the file into it). */
  flush: boolean;
  /** With NOFLUSH: a key present in both takes the file's value instead of failing. */
  merge: boolean;
}

const LOAD_FAILED = 'ERR Error trying to load the RDB dump, check server logs.';

/**
 * DEBUG RELOAD: save (unless NOSAVE), then load the file back. Throws the ReplyError to answer
 * on failure; the dataset is then unchanged. A running BGSAVE goes on, as Redis leaves its child
 * alone here: it lands later, with the data of its own start (rdb-key-save-delay makes that
 * visible).
 */
export function debugReload(node: RedisNode, options: ReloadOptions): void {
  if (options.save && !saveNow(node)) throw new ReplyError('ERR');
  const path = rdbFilePath(node);
  let detached: { loaded: Keyspace; result: RdbLoadResult };
  try {
    detached = loadDetached(node, readFileSync(path), node.keyspace.context.expiry !== 'delete');
  } catch (err) {
    node.log.warning(`Error loading the RDB file ${path}: ${errorText(err)}`);
    throw new ReplyError(LOAD_FAILED);
  }
  const { loaded, result } = detached;
  logRdbLoaded(node, result);
  // Loading is not a change: what was unsaved before (nothing, after the save) stays unsaved.
  const unsaved = changesSinceLastSave(node);
  if (options.flush) {
    node.keyspace.adoptContents(loaded);
    node.replaceFunctionLibraries(result.functions);
  } else {
    mergeInto(node, loaded, options.merge);
  }
  persistenceState(node).dirtyAtLastSave = node.keyspace.context.dirty - unsaved;
  recordLoad(node, result);
  node.log.warning('DB reloaded by DEBUG RELOAD');
}

/** NOFLUSH: adds the loaded keys to the live ones; a clash fails before anything changes. */
function mergeInto(node: RedisNode, loaded: Keyspace, replace: boolean): void {
  const now = node.clock();
  if (!replace) {
    for (const db of loaded.dbs) {
      const live = node.keyspace.db(db.id);
      let clash: string | null = null;
      db.forEachEntry((key) => {
        if (clash === null && live.has(key, now)) clash = key;
      });
      if (clash !== null) {
        node.log.warning(`RDB has duplicated key '${clash}' in DB ${db.id}`);
        throw new ReplyError(LOAD_FAILED);
      }
    }
  }
  for (const db of loaded.dbs) {
    const live = node.keyspace.db(db.id);
    const keys: string[] = [];
    db.forEachEntry((key) => keys.push(key));
    for (const key of keys) db.copyKeyTo(key, live, key, now);
  }
}

// ---------------------------------------------------------------------------------------------
// INFO

/** The current_cow_* and current_save_keys_* fields: the running BGSAVE's or AOF rewrite's. */
export function saveProgressInfoFields(node: RedisNode): Array<[string, number | string]> {
  return childInfoFields(persistenceState(node).bgsave?.progress ?? node.aof.rewrite?.progress ?? null);
}

/** The rdb_* fields of INFO persistence, in Redis's order. */
export function rdbInfoFields(node: RedisNode): Array<[string, number | string]> {
  const state = persistenceState(node);
  const save = state.bgsave;
  return [
    ['rdb_changes_since_last_save', changesSinceLastSave(node)],
    ['rdb_bgsave_in_progress', save === null ? 0 : 1],
    ['rdb_last_save_time', node.lastSaveSec],
    ['rdb_last_bgsave_status', state.lastBgsaveOk ? 'ok' : 'err'],
    ['rdb_last_bgsave_time_sec', state.lastBgsaveDurationSec],
    ['rdb_current_bgsave_time_sec', save === null ? -1 : Math.floor((node.clock() - save.startedAtMs) / 1000)],
    ['rdb_saves', state.saves],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', state.lastLoadKeysExpired],
    ['rdb_last_load_keys_loaded', state.lastLoadKeysLoaded],
  ];
}
