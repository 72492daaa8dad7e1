/**
 * Replacing a file so that a crash never leaves it half written: the one writer behind RDB
 * snapshots (SAVE, BGSAVE, SHUTDOWN), CONFIG REWRITE and nodes.conf.
 *
 * Writing over the file in place would leave a torn file if the process or the machine died
 * midway, and the next start would load garbage (or refuse to start). So the new contents go to
 * a temp file in the same directory, and only a complete, flushed file takes the old one's name:
 *
 *     open  temp-<pid>-<random><ext>      same directory, so the rename stays on one file system
 *     write every chunk
 *     fsync the temp file                 its bytes are on disk before its name is
 *     rename temp -> path                 atomic: a reader sees the old file or the new one
 *     fsync the directory                 the rename itself survives a power loss
 *
 * On any failure the temp file is removed and the old file is left untouched. The callers own
 * the bytes (storage/ encodes the RDB, cluster-bus/ formats nodes.conf, config/ formats the
 * rewritten config); this file owns the disk.
 */
import { randomBytes } from 'node:crypto';
import {
  close as closeCallback, closeSync, fsync as fsyncCallback, fsyncSync, openSync, renameSync, statSync, unlinkSync,
  write as writeCallback, writeSync,
} from 'node:fs';
import { dirname, extname, join } from 'node:path';
import type { LatencyProbe } from '../../storage/database';

export interface ReplaceFileOptions {
  /**
   * Keep the permissions of the file being replaced (CONFIG REWRITE and nodes.conf: an operator
   * may have tightened them); otherwise, and for a new file, 0644.
   */
  readonly keepMode?: boolean;
  /**
   * Steps the caller's latency monitor samples, under the event names given: the final rename
   * (an AOF rewrite's new base: aof-rename) and the removal of the temp file of a write stopped
   * through its signal (a stopped BGSAVE: rdb-unlink-temp-file).
   */
  readonly latency?: { readonly probe: LatencyProbe; readonly renameEvent?: string; readonly discardEvent?: string };
}

const DEFAULT_MODE = 0o644;

/** A temp file next to `path`, unique across the nodes of one process. */
function tempPathFor(path: string): string {
  return join(dirname(path), `temp-${process.pid}-${randomBytes(4).toString('hex')}${extname(path)}`);
}

function modeFor(path: string, options: ReplaceFileOptions): number {
  if (options.keepMode !== true) return DEFAULT_MODE;
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return DEFAULT_MODE; // a new file
  }
}

/** fsync of the directory makes the rename durable; some file systems refuse it, harmlessly. */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // the rename itself already happened
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Removes the temp file of a failed write; timed when the write was stopped (discardEvent). */
function discard(tmp: string, signal: AbortSignal | undefined, options: ReplaceFileOptions): void {
  const latency = options.latency;
  if (latency?.discardEvent === undefined || signal?.aborted !== true) {
    removeQuietly(tmp);
    return;
  }
  const startedMs = latency.probe.start();
  removeQuietly(tmp);
  latency.probe.end(latency.discardEvent, startedMs);
}

/** Renames the finished temp file over `path`, or removes it (`drop`) when that fails. */
function commit(tmp: string, path: string, signal: AbortSignal | undefined, options: ReplaceFileOptions, drop: () => void): void {
  try {
    // Checked in the same turn as the rename: a save cancelled while the file was being closed
    // must not replace a file written since.
    signal?.throwIfAborted();
    const latency = options.latency;
    const startedMs = latency?.renameEvent === undefined ? 0 : latency.probe.start();
    renameSync(tmp, path);
    if (latency?.renameEvent !== undefined) latency.probe.end(latency.renameEvent, startedMs);
  } catch (err) {
    drop();
    throw err;
  }
  syncDirectory(dirname(path));
}

/** Replaces `path` with the concatenated `chunks`, blocking until the file is durable. */
export function replaceFileSync(path: string, chunks: Iterable<Uint8Array>, options: ReplaceFileOptions = {}): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'w', modeFor(path, options));
  try {
    for (const chunk of chunks) {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    removeQuietly(tmp);
    throw err;
  }
  closeSync(fd);
  commit(tmp, path, undefined, options, () => removeQuietly(tmp));
}

/**
 * The same without blocking the server: each chunk is written asynchronously and the event loop
 * gets a turn between chunks, so a large BGSAVE does not stall clients. `chunks` may be a lazy
 * generator (storage/rdb/rdb-writer.ts rdbChunks encodes as it is read), or an asynchronous one
 * that takes its time (save-pacing.ts waits between keys for rdb-key-save-delay). `signal`
 * aborts the write (FLUSHALL and SHUTDOWN cancel a background save): the temp file is removed
 * and the promise rejects with the signal's reason. The removal happens in the turn of the
 * abort itself, not when the write notices it: SHUTDOWN exits in that turn, and Redis leaves no
 * temp file of a child it killed.
 */
export async function replaceFile(
  path: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
  options: ReplaceFileOptions = {},
): Promise<void> {
  const tmp = tempPathFor(path);
  // Opened synchronously, with the abort listener in the same turn: an asynchronous open left
  // a turn in which the file existed but an abort (SHUTDOWN, which exits at once) did not see it.
  const fd = openSync(tmp, 'w', modeFor(path, options));
  let dropped = false;
  const drop = (): void => {
    if (dropped) return;
    dropped = true;
    discard(tmp, signal, options);
  };
  signal?.addEventListener('abort', drop, { once: true });
  try {
    for await (const chunk of chunks) {
      signal?.throwIfAborted();
      let off = 0;
      while (off < chunk.length) off += await writeAsync(fd, chunk, off, chunk.length - off);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    signal?.throwIfAborted();
    await fsyncAsync(fd);
  } catch (err) {
    signal?.removeEventListener('abort', drop);
    await closeAsync(fd).catch(() => undefined);
    drop();
    throw err;
  }
  await closeAsync(fd);
  signal?.removeEventListener('abort', drop);
  commit(tmp, path, signal, options, drop);
}

function writeAsync(fd: number, data: Uint8Array, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => writeCallback(fd, data, offset, length, null, (err, written) => (err === null ? resolve(written) : reject(err))));
}

function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsyncCallback(fd, (err) => (err === null ? resolve() : reject(err))));
}

function closeAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => closeCallback(fd, (err) => (err === null ? resolve() : reject(err))));
}
