/**
 * Loading the append-only file at start-up (appendonly yes: the AOF wins over dump.rdb), as
 * Redis 7.0's loadAppendOnlyFiles does:
 *
 *   appendonlydir/appendonly.aof.manifest     read first; no manifest but an old single
 *        │                                    `appendonly.aof` in `dir`: that file is moved
 *        │                                    into the directory and becomes the base (upgrade)
 *        ▼
 *   base   an RDB (starts with "REDIS": the rdb preamble) or commands
 *   incr   commands, each file in manifest order
 *
 * Commands run through the normal command path on a socketless session of kind 'master' (the
 * kind the replica's link to its master uses: no cluster redirections, no write guards), with
 * nothing propagated: the AOF is opened only after loading.
 *
 * A file that ends inside a command (a crash during a write) is a torn tail: in the last incr
 * file, with aof-load-truncated yes, it is cut at the end of the last complete command (and
 * loading goes on); otherwise start-up stops. Bytes that cannot be a command anywhere stop
 * start-up and no file is touched. Log lines are Redis's.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, truncateSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Keyspace } from '../../storage/keyspace';
import { loadRdb } from '../../storage/rdb/rdb-reader';
import { newListShape } from '../debug-hooks';
import type { RedisNode } from '../node';
import { type AofManifest, emptyManifest, manifestName, parseManifest } from './aof-manifest';
import { readAofCommands } from './aof-reader';
import { persistenceState } from './snapshots';

export class AofLoadError extends Error {}

function seconds(startMs: number, node: RedisNode): string {
  return ((node.clock() - startMs) / 1000).toFixed(3);
}

/**
 * Loads the AOF into the node; returns its manifest (null when there is no AOF yet, so the
 * caller creates the first base). Throws AofLoadError, already logged, when start-up must stop.
 */
export function loadAofAtStartup(node: RedisNode): AofManifest | null {
  const dirPath = resolve(node.config.string('dir'), node.config.string('appenddirname'));
  const fileBase = node.config.string('appendfilename');
  const manifestPath = join(dirPath, manifestName(fileBase));
  const log = node.log;
  let manifest: AofManifest;
  if (existsSync(manifestPath)) {
    try {
      manifest = parseManifest(readFileSync(manifestPath, 'latin1'));
    } catch (err) {
      log.warning((err as Error).message);
      throw new AofLoadError((err as Error).message);
    }
  } else {
    const oldPath = resolve(node.config.string('dir'), fileBase);
    if (!existsSync(oldPath)) return null;
    // A pre-7.0 single file: it becomes the base of a new directory, under its own name.
    mkdirSync(dirPath, { recursive: true });
    manifest = emptyManifest();
    manifest.base = { name: fileBase, seq: 1, type: 'b' };
    manifest.currBaseSeq = 1;
    node.aof.manifest = manifest;
    node.aof.persistManifest(manifest);
    renameSync(oldPath, join(dirPath, fileBase));
    log.notice(`Successfully migrated an old-style AOF file (${fileBase}) into the AOF directory (${node.config.string('appenddirname')}).`);
  }
  const files = [...(manifest.base === null ? [] : [manifest.base]), ...manifest.incr];
  for (const f of files) {
    if (!existsSync(join(dirPath, f.name))) {
      const message = `The AOF file ${f.name} doesn't exist`;
      log.warning(message);
      throw new AofLoadError(message);
    }
  }
  const startedMs = node.clock();
  const session = node.createSocketlessSession();
  session.kind = 'master';
  // Replayed writes are not written again, nor sent to replicas (DEBUG LOADAOF runs with both on).
  session.replicateCommands = false;
  files.forEach((f, i) => {
    const fileStart = node.clock();
    const bytes = readFileSync(join(dirPath, f.name));
    const isBase = f.type === 'b';
    const last = i === files.length - 1;
    if (bytes.length === 0) return;
    if (bytes.subarray(0, 5).toString('latin1') === 'REDIS') {
      log.notice('Reading RDB base file on AOF loading...');
      const loaded = new Keyspace(node.keyspace.dbs.length, node.random, null, node.keyspace.context.hashSeed);
      try {
        const result = loadRdb(bytes, loaded, node.clock(), { skipExpired: true, listShape: newListShape(node.config, node.debugHooks) });
        const version = result.aux.get('redis-ver');
        if (version !== undefined) log.notice(`Loading RDB produced by version ${version}`);
        if (result.aux.get('aof-base') === '1') log.notice('RDB is base AOF');
        log.notice(`Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.keysExpired}.`);
        node.replaceFunctionLibraries(result.functions);
      } catch (err) {
        const message = `Bad file format reading the append only file ${f.name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`;
        log.warning(message);
        throw new AofLoadError(`${message} (${(err as Error).message})`);
      }
      node.keyspace.adoptContents(loaded);
    } else {
      const result = readAofCommands(bytes, (argv) => {
        node.runSocketless(session, argv);
      });
      // A transaction the file did not finish is dropped, not applied half.
      if (session.transaction.inMulti) node.runSocketless(session, ['DISCARD']);
      if (result.status === 'format') {
        const message = `Bad file format reading the append only file ${f.name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`;
        log.warning(message);
        throw new AofLoadError(message);
      }
      if (result.status === 'truncated') {
        if (!last || !node.config.bool('aof-load-truncated')) {
          const message = `Unexpected end of file reading the append only file ${f.name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`;
          log.warning(message);
          throw new AofLoadError(message);
        }
        log.warning(`!!! Warning: short read while loading the AOF file ${f.name}!!!`);
        log.warning(`!!! Truncating the AOF ${f.name} at offset ${result.validBytes} !!!`);
        truncateSync(join(dirPath, f.name), result.validBytes);
        log.warning(`AOF ${f.name} loaded anyway because aof-load-truncated is enabled`);
      }
    }
    log.notice(`DB loaded from ${isBase ? 'base' : 'incr'} file ${f.name}: ${seconds(fileStart, node)} seconds`);
  });
  const state = persistenceState(node);
  state.dirtyAtLastSave = node.keyspace.context.dirty;
  log.notice(`DB loaded from append only file: ${seconds(startedMs, node)} seconds`);
  return manifest;
}

/**
 * DEBUG LOADAOF: the buffered writes go to the file, the dataset is emptied and the AOF loaded
 * back. Redis exits when that load fails; here the error is answered instead (the dataset is
 * then whatever loaded before the failure).
 */
export function debugLoadAof(node: RedisNode): void {
  if (node.aof.state === 'on') node.aof.flushNow();
  node.keyspace.flushAll();
  node.aof.deleteHistory();
  loadAofAtStartup(node);
  node.log.warning('Append Only File loaded by DEBUG LOADAOF');
}
