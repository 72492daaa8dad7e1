/**
 * The append-only file while the node runs (Redis 7.0's multi-part AOF): which files there are
 * and when they change. The files and the manifest are described in aof-manifest.ts, start-up
 * loading in aof-load.ts, and how each write reaches the current file (buffering, write(2),
 * appendfsync) in aof-writer.ts.
 *
 *   appendonlydir/
 *     appendonly.aof.M.base.rdb|aof    the dataset as it was at the last rewrite
 *     appendonly.aof.N.incr.aof        every write since, appended by the writer
 *     appendonly.aof.manifest          which base and which incr files make up the AOF now
 *
 * Rewrite (BGREWRITEAOF, the automatic rewrite, CONFIG SET appendonly yes), without fork():
 *
 *   start  ─ write and fsync what is buffered; open incr N+1 and name it in the manifest;
 *            writes from now on go there
 *          ─ freeze the dataset (snapshotKeyspace: a synchronous copy, as BGSAVE does)
 *   then   ─ the copy is written as base M+1 chunk by chunk, the event loop free between chunks
 *            (aof-base.ts: an RDB file, or commands with aof-use-rdb-preamble no)
 *   done   ─ the manifest names base M+1 and incr N+1; the old base and incr files become
 *            history and are deleted (unless aof-disable-auto-gc)
 *
 * The automatic rewrite starts from the cron once the AOF has grown past
 * auto-aof-rewrite-min-size and by auto-aof-rewrite-percentage over the base's size.
 *
 * With CONFIG SET appendonly yes there is no AOF yet: writes go to a temp incr file outside the
 * manifest until the first base exists, and the AOF becomes "on" only then (Redis's
 * AOF_WAIT_REWRITE).
 */
import { renameSync, statSync, unlinkSync, mkdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ByteString } from '../../storage/bytes';
import { snapshotKeyspace } from '../../storage/rdb/rdb-writer';
import type { Client } from '../network/client';
import type { RedisNode } from '../node';
import { replaceFileSync } from './atomic-file';
import {
  type AofManifest, baseFileName, cloneManifest, emptyManifest, formatManifest, incrFileName, manifestName,
} from './aof-manifest';
import { writeBaseFile } from './aof-base';
import { SaveProgress } from './save-pacing';
import { AofWriter, type AofWriterHost } from './aof-writer';

export type AofState = 'off' | 'on' | 'wait_rewrite';

interface Rewrite {
  readonly startedAtMs: number;
  readonly abort: AbortController;
  readonly baseName: string;
  /** Keys written into the new base so far, for INFO (save-pacing.ts). */
  readonly progress: SaveProgress;
}

export class AppendOnlyFile implements AofWriterHost {
  state: AofState = 'off';
  manifest: AofManifest = emptyManifest();
  /** Feeds, buffers, writes and syncs the current incr file (aof-writer.ts). */
  private readonly writer: AofWriter;
  /** The file the writer appends to (a temp incr file while waiting for the first rewrite). */
  private fileName = '';
  baseSize = 0;
  rewrite: Rewrite | null = null;
  rewriteScheduled = false;
  lastRewriteDurationSec = -1;
  lastBgrewriteOk = true;
  rewrites = 0;
  consecutiveFailures = 0;

  constructor(private readonly node: RedisNode) {
    this.writer = new AofWriter(node, this);
  }

  get dir(): string {
    return resolve(this.node.config.string('dir'), this.node.config.string('appenddirname'));
  }

  private get fileBase(): string {
    return this.node.config.string('appendfilename');
  }

  /** AofWriterHost: writes are kept while the AOF is on or waiting for its first rewrite. */
  get feeding(): boolean {
    return this.state !== 'off';
  }

  /** AofWriterHost: a rewrite or BGSAVE writing its file (aof-write-active-child samples). */
  get childActive(): boolean {
    return this.rewrite !== null || this.node.persistence.bgsave !== null;
  }

  // ---------------------------------------------------------------------------------------------
  // The write path, as the node's other parts call it (aof-writer.ts does the work)

  /** A write the node propagates (Replication.propagate calls this for masters and replicas). */
  propagate(db: number, argv: readonly ByteString[]): void {
    this.writer.propagate(db, argv);
  }

  beginUnit(): void {
    this.writer.beginUnit();
  }

  endUnit(): void {
    this.writer.endUnit();
  }

  /** Bytes waiting for this turn's write(2) (aof_buffer_length). */
  get bufferBytes(): number {
    return this.writer.bufferBytes;
  }

  /** Client.flush while writes are buffered: see AofWriter.holdReplies. */
  holdReplies(client: Client): boolean {
    return this.writer.holdReplies(client);
  }

  /** Before replies leave: the buffered writes go to the kernel (and the disk with always). */
  beforeReply(): void {
    this.writer.beforeReply();
  }

  get fsyncInFlight(): boolean {
    return this.writer.fsyncInFlight;
  }

  get lastWriteOk(): boolean {
    return this.writer.lastWriteOk;
  }

  /** Why the last write failed, worded as C's strerror (Redis's MISCONF names it). */
  get lastWriteError(): string {
    return this.writer.lastWriteError;
  }

  get currentSize(): number {
    return this.writer.currentSize;
  }

  // ---------------------------------------------------------------------------------------------
  // Files

  private openIncr(name: string): void {
    this.writer.open(join(this.dir, name));
    this.fileName = name;
  }

  persistManifest(manifest: AofManifest = this.manifest): void {
    replaceFileSync(join(this.dir, manifestName(this.fileBase)), [Buffer.from(formatManifest(manifest), 'latin1')]);
  }

  /** A file's size from stat(2) (0 if it is missing), timed as Redis times it: aof-fstat. */
  private fileSize(name: string): number {
    const startedMs = this.node.latency.start();
    try {
      return statSync(join(this.dir, name)).size;
    } catch {
      return 0;
    } finally {
      this.node.latency.end('aof-fstat', startedMs);
    }
  }

  /**
   * After start-up loading with appendonly yes: continue the last incr file, or (no AOF at all)
   * create the first base from the loaded (empty) dataset and an incr file, as Redis 7.0 does.
   */
  openAtStartup(manifest: AofManifest | null): void {
    mkdirSync(this.dir, { recursive: true });
    const log = this.node.log;
    this.state = 'on';
    if (manifest === null || (manifest.base === null && manifest.incr.length === 0)) {
      this.manifest = emptyManifest();
      const rdb = this.node.config.bool('aof-use-rdb-preamble');
      const base = baseFileName(this.fileBase, 1, rdb);
      log.notice(`Creating AOF base file ${base} on server start`);
      writeBaseFile(this.node, snapshotKeyspace(this.node.keyspace), join(this.dir, base), rdb, 'sync');
      this.manifest.base = { name: base, seq: 1, type: 'b' };
      this.manifest.currBaseSeq = 1;
    } else {
      this.manifest = manifest;
      this.baseSize = manifest.base === null ? 0 : this.fileSize(manifest.base.name);
      this.writer.currentSize = this.baseSize + manifest.incr.reduce((n, f) => n + this.fileSize(f.name), 0);
    }
    const last = this.manifest.incr[this.manifest.incr.length - 1];
    if (last !== undefined) {
      log.notice(`Opening AOF incr file ${last.name} on server start`);
      this.openIncr(last.name);
    } else {
      const seq = ++this.manifest.currIncrSeq;
      const name = incrFileName(this.fileBase, seq);
      log.notice(`Creating AOF incr file ${name} on server start`);
      this.openIncr(name);
      this.manifest.incr.push({ name, seq, type: 'i' });
    }
    this.persistManifest();
    this.writer.lastFsyncMs = this.node.clock();
  }

  // ---------------------------------------------------------------------------------------------
  // Rewrite

  /** BGREWRITEAOF's work: 'started', or 'scheduled' while a BGSAVE runs. Throws on failure. */
  startRewrite(): 'started' | 'scheduled' {
    if (this.node.persistence.bgsave !== null) {
      this.rewriteScheduled = true;
      return 'scheduled';
    }
    this.rewriteScheduled = false;
    const node = this.node;
    const log = node.log;
    mkdirSync(this.dir, { recursive: true });
    this.writer.flushNow();
    if (this.state === 'on') {
      // Writes from now on go to a new incr file, named in the manifest at once.
      const next = cloneManifest(this.manifest);
      const seq = ++next.currIncrSeq;
      const name = incrFileName(this.fileBase, seq);
      next.incr.push({ name, seq, type: 'i' });
      this.openIncr(name);
      this.persistManifest(next);
      this.manifest = next;
      log.notice(`Creating AOF incr file ${name} on background rewrite`);
    } else if (this.state === 'wait_rewrite') {
      this.openIncr(`temp-${this.fileBase}.incr`);
    }
    const rdb = node.config.bool('aof-use-rdb-preamble');
    const baseName = baseFileName(this.fileBase, this.manifest.currBaseSeq + 1, rdb);
    const snapshot = snapshotKeyspace(node.keyspace);
    const rewrite: Rewrite = {
      startedAtMs: node.clock(), abort: new AbortController(), baseName, progress: new SaveProgress(snapshot.keyCount),
    };
    this.rewrite = rewrite;
    this.rewrites++;
    log.notice(`Background append only file rewriting started by pid ${process.pid}`);
    const written = writeBaseFile(node, snapshot, join(this.dir, baseName), rdb, { signal: rewrite.abort.signal, progress: rewrite.progress });
    written.then(
      () => {
        if (this.rewrite !== rewrite) return;
        this.rewriteDone(rewrite);
      },
      (err: unknown) => {
        if (this.rewrite !== rewrite) return;
        this.rewrite = null;
        this.lastRewriteDurationSec = Math.floor((node.clock() - rewrite.startedAtMs) / 1000);
        this.lastBgrewriteOk = false;
        this.consecutiveFailures++;
        log.warning(`Background AOF rewrite failed: ${(err as Error).message}`);
      },
    );
    return 'started';
  }

  private rewriteDone(rewrite: Rewrite): void {
    const node = this.node;
    const log = node.log;
    log.notice('Background AOF rewrite terminated with success');
    const next = cloneManifest(this.manifest);
    if (next.base !== null) next.history.push({ ...next.base, type: 'h' });
    next.currBaseSeq++;
    next.base = { name: rewrite.baseName, seq: next.currBaseSeq, type: 'b' };
    if (this.state === 'wait_rewrite') {
      // The temp incr file becomes the first real one.
      const seq = ++next.currIncrSeq;
      const name = incrFileName(this.fileBase, seq);
      this.writer.writeBuffer();
      const startedMs = node.latency.start();
      renameSync(join(this.dir, this.fileName), join(this.dir, name));
      node.latency.end('aof-rename', startedMs);
      this.fileName = name;
      for (const f of next.incr) next.history.push({ ...f, type: 'h' });
      next.incr = [{ name, seq, type: 'i' }];
      log.notice(`Successfully renamed the temporary AOF incr file temp-${this.fileBase}.incr into ${name}`);
    } else {
      // Every incr file but the one opened at the rewrite's start is in the new base.
      const keep = this.state === 'on' ? next.incr.slice(-1) : [];
      for (const f of next.incr.slice(0, next.incr.length - keep.length)) next.history.push({ ...f, type: 'h' });
      next.incr = keep;
    }
    this.persistManifest(next);
    this.manifest = next;
    if (this.state === 'wait_rewrite') this.state = 'on';
    this.baseSize = this.fileSize(rewrite.baseName);
    this.writer.currentSize = this.baseSize + (next.incr.length > 0 ? this.fileSize(this.fileName) : 0);
    this.deleteHistory();
    this.rewrite = null;
    this.lastRewriteDurationSec = Math.floor((node.clock() - rewrite.startedAtMs) / 1000);
    this.lastBgrewriteOk = true;
    this.consecutiveFailures = 0;
    log.notice('Background AOF rewrite finished successfully');
  }

  /** Removes the history files and names none any more (not with aof-disable-auto-gc). */
  deleteHistory(): void {
    if (this.node.config.bool('aof-disable-auto-gc') || this.manifest.history.length === 0) return;
    for (const f of this.manifest.history) {
      this.node.log.notice(`Removing the history file ${f.name} in the background`);
      try {
        unlinkSync(join(this.dir, f.name));
      } catch {
        // already gone
      }
    }
    this.manifest.history = [];
    this.persistManifest();
  }

  private cancelRewrite(): void {
    const rewrite = this.rewrite;
    if (rewrite === null) return;
    this.rewrite = null;
    rewrite.abort.abort(new Error('AOF rewrite cancelled'));
    this.node.log.notice('Killing running AOF rewrite child');
  }

  // ---------------------------------------------------------------------------------------------
  // Turning on and off, the cron, shutdown

  /** CONFIG SET appendonly yes: a rewrite makes the first base; "on" once it is done. */
  turnOn(): void {
    if (this.state !== 'off') return;
    this.state = 'wait_rewrite';
    if (this.rewrite !== null) this.cancelRewrite();
    this.startRewrite();
  }

  /** A replica loaded its master's snapshot: the old files no longer describe the dataset. */
  restartAfterSync(): void {
    if (this.state === 'off') return;
    this.turnOff();
    this.turnOn();
  }

  /** CONFIG SET appendonly no. */
  turnOff(): void {
    if (this.state === 'off') return;
    this.cancelRewrite();
    this.writer.close();
    if (this.state === 'wait_rewrite') {
      try {
        unlinkSync(join(this.dir, `temp-${this.fileBase}.incr`));
      } catch {
        // not created
      }
    }
    this.state = 'off';
    this.writer.discardBuffer();
    this.rewriteScheduled = false;
  }

  /**
   * The cron's part that Redis runs in beforeSleep (flushAppendOnlyFile): a write that failed
   * retried, the everysec fsync. It goes on under DEBUG PAUSE-CRON, the rewrites do not.
   */
  flushCron(nowMs: number): void {
    if (this.state !== 'off') this.writer.cron(nowMs);
  }

  /** From the node's cron: the everysec fsync, a scheduled rewrite, the automatic rewrite. */
  cron(nowMs: number): void {
    if (this.state === 'off' && !this.rewriteScheduled) return;
    this.writer.cron(nowMs);
    if (this.rewrite !== null || this.node.persistence.bgsave !== null) return;
    if (this.rewriteScheduled) {
      this.startRewrite();
      return;
    }
    const percentage = this.node.config.number('auto-aof-rewrite-percentage');
    if (this.state === 'on' && percentage > 0 && this.currentSize > this.node.config.number('auto-aof-rewrite-min-size')) {
      const base = this.baseSize > 0 ? this.baseSize : 1;
      const growth = Math.floor((this.currentSize * 100) / base) - 100;
      if (growth >= percentage) {
        this.node.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
        this.startRewrite();
      }
    }
  }

  /** SHUTDOWN (and close): everything written and fsynced, a running rewrite dropped. */
  flushForShutdown(): void {
    if (this.state === 'off') return;
    this.cancelRewrite();
    this.node.log.notice('Calling fsync() on the AOF file.');
    this.writer.close();
  }

  /** The node closes: the file is written, fsynced and closed, without SHUTDOWN's log line. */
  close(): void {
    if (this.state === 'off') return;
    this.cancelRewrite();
    this.writer.close();
  }

  /** FLUSHALL, DEBUG LOADAOF: write and fsync what is buffered now. */
  flushNow(): void {
    this.writer.flushNow();
  }

  get dirExists(): boolean {
    return existsSync(this.dir);
  }

  /** The aof_* fields of INFO persistence, in Redis's order. */
  infoFields(): Array<[string, number | string]> {
    const rewrite = this.rewrite;
    const fields: Array<[string, number | string]> = [
      ['aof_enabled', this.state === 'off' ? 0 : 1],
      ['aof_rewrite_in_progress', rewrite === null ? 0 : 1],
      ['aof_rewrite_scheduled', this.rewriteScheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', this.lastRewriteDurationSec],
      ['aof_current_rewrite_time_sec', rewrite === null ? -1 : Math.floor((this.node.clock() - rewrite.startedAtMs) / 1000)],
      ['aof_last_bgrewrite_status', this.lastBgrewriteOk ? 'ok' : 'err'],
      ['aof_rewrites', this.rewrites],
      ['aof_rewrites_consecutive_failures', this.consecutiveFailures],
      ['aof_last_write_status', this.writer.lastWriteOk ? 'ok' : 'err'],
      ['aof_last_cow_size', 0],
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
    ];
    if (this.state !== 'off') {
      fields.push(
        ['aof_current_size', this.currentSize],
        ['aof_base_size', this.baseSize],
        ['aof_pending_rewrite', this.rewriteScheduled ? 1 : 0],
        ['aof_buffer_length', this.bufferBytes],
        ['aof_pending_bio_fsync', this.fsyncInFlight ? 1 : 0],
        ['aof_delayed_fsync', 0],
      );
    }
    return fields;
  }
}
