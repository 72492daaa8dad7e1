/**
 * How a replica takes in the snapshot of a full sync, by `repl-diskless-load` (Redis 7.0):
 *
 *   disk     (`disabled`, and `on-empty-db` while the replica holds keys) the payload is written
 *            to `temp-<unix time>.<pid>.rdb` in `dir` as it arrives. Once complete, the file
 *            becomes `dbfilename` (unless `rdb-del-sync-files` is on and nothing else persists),
 *            the old data is flushed, and the file's contents are loaded. A load that fails
 *            leaves the replica empty. A transfer cut short deletes the temp file and keeps the
 *            old data.
 *   socket   (`on-empty-db` on an empty replica) nothing touches the disk; the old data (none)
 *            is flushed and the payload loaded. A failed load leaves the replica empty.
 *   swapdb   the payload is loaded beside the old data, which is swapped out only once the
 *            load has succeeded; a failed load keeps the old data.
 *
 * hashslot parses a payload once it has all of it (the RDB reader is not incremental), so
 * `socket` and `swapdb` hold it in memory rather than reading it off the socket piecemeal. The
 * load itself runs in one go, so no client ever sees a half-loaded dataset, and
 * `async_loading` stays 0. Each mode writes Redis's log lines, in Redis's order.
 */
import * as fs from 'node:fs';
import { resolve } from 'node:path';
import { Keyspace } from '../../storage/keyspace';
import { loadRdb, type RdbLoadResult } from '../../storage/rdb/rdb-reader';
import { newListShape } from '../debug-hooks';
import type { ByteString } from '../../storage/bytes';
import type { RedisNode } from '../node';
import { logRdbLoaded } from '../persistence/snapshots';

export type SyncLoadMode = 'disk' | 'socket' | 'swapdb';

/** The mode for the transfer starting now. */
export function chooseLoadMode(node: RedisNode): SyncLoadMode {
  const setting = node.config.string('repl-diskless-load');
  if (setting === 'swapdb') return 'swapdb';
  if (setting === 'on-empty-db' && node.keyspace.totalKeys === 0) return 'socket';
  return 'disk';
}

/** Where the payload of a disk-mode transfer is written while it arrives. */
export class SyncTempFile {
  readonly path: string;
  private fd: number | null;

  constructor(private readonly node: RedisNode) {
    const seconds = Math.floor(node.clock() / 1000);
    this.path = resolve(node.config.string('dir'), `temp-${seconds}.${process.pid}.rdb`);
    this.fd = fs.openSync(this.path, 'w', 0o644);
  }

  write(chunk: Buffer): void {
    if (this.fd !== null && chunk.length > 0) fs.writeSync(this.fd, chunk);
  }

  /**
   * The transfer is complete: the file is synced and becomes `dbfilename`, as Redis renames it;
   * or, with rdb-del-sync-files on a node that persists nothing, goes (the payload is loaded
   * from memory, so nothing needs it after this).
   */
  complete(): void {
    this.closeFd(true);
    const config = this.node.config;
    if (config.bool('rdb-del-sync-files') && config.value('save').length === 0 && !config.bool('appendonly')) {
      fs.rmSync(this.path, { force: true });
    } else {
      fs.renameSync(this.path, resolve(config.string('dir'), config.string('dbfilename')));
    }
  }

  /** The transfer was cut short: the partial file goes. */
  discard(): void {
    this.closeFd(false);
    fs.rmSync(this.path, { force: true });
  }

  private closeFd(sync: boolean): void {
    if (this.fd === null) return;
    if (sync) fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Loads a complete payload the way `mode` does; returns the RDB's aux fields, or throws (after
 * Redis's log line) with the node left as that mode leaves it.
 */
export function loadSyncPayload(node: RedisNode, rdb: Buffer, mode: SyncLoadMode, hadCachedMaster: boolean): Map<ByteString, ByteString> {
  const log = node.log;
  if (mode === 'swapdb') {
    log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    const loaded = loadInto(node, rdb, 'socket', () => log.notice('MASTER <-> REPLICA sync: Discarding temporary DB in background'));
    if (hadCachedMaster) log.notice('Discarding previously cached master state.');
    log.notice('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
    adopt(node, loaded.keyspace, loaded.result);
    log.notice('MASTER <-> REPLICA sync: Discarding old DB in background');
    return loaded.result.aux;
  }
  if (hadCachedMaster) log.notice('Discarding previously cached master state.');
  log.notice('MASTER <-> REPLICA sync: Flushing old data');
  log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
  // Loaded aside and adopted, rather than flushed first: tracking clients hear one flush.
  const loaded = loadInto(node, rdb, mode, () => {
    node.keyspace.flushAll();
    node.replaceFunctionLibraries([]);
  });
  adopt(node, loaded.keyspace, loaded.result);
  return loaded.result.aux;
}

function loadInto(node: RedisNode, rdb: Buffer, from: 'disk' | 'socket', onFailure: () => void): { keyspace: Keyspace; result: RdbLoadResult } {
  const keyspace = new Keyspace(node.keyspace.dbs.length, node.random, null, node.keyspace.context.hashSeed);
  try {
    // Keys already past their deadline are kept: the master's DEL will follow.
    const result = loadRdb(rdb, keyspace, node.clock(), { skipExpired: false, listShape: newListShape(node.config, node.debugHooks) });
    logRdbLoaded(node, result);
    return { keyspace, result };
  } catch (err) {
    node.log.warning(`Failed trying to load the MASTER synchronization DB from ${from}, check server logs.`);
    onFailure();
    throw err;
  }
}

function adopt(node: RedisNode, keyspace: Keyspace, result: RdbLoadResult): void {
  node.keyspace.adoptContents(keyspace);
  // A replica takes its master's function libraries with its data (Redis flushes its own).
  node.replaceFunctionLibraries(result.functions);
}
