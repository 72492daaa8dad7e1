/**
 * The append-only file while the node runs (Redis 7.0's multi-part AOF; the files and the
 * manifest are described in aof-manifest.ts, start-up loading in aof-load.ts).
 *
 * Every write the node propagates reaches the AOF from the same place it reaches replicas
 * (Replication.propagate / beginUnit / endUnit): encoded as RESP, preceded by a SELECT when its
 * db differs from the last one written, and an execution unit of several writes (a MULTI/EXEC,
 * a script, a command with the DELs of keys it found expired) wrapped in MULTI ... EXEC so
 * replay applies it whole. The bytes wait in `buffer`, and the replies of the clients that
 * wrote wait with them (Client.flush asks holdReplies); at the end of the event-loop turn
 * (setImmediate, after every socket read of the turn) one write(2) takes the whole buffer, then
 * the replies go, which is what Redis's beforeSleep does:
 *
 *     every client's batch this turn ─▶ buffer ─▶ write(2) [+ one fsync if always] ─▶ replies
 *
 *   appendfsync always    fsync in the same step, before the reply: an acknowledged write
 *                         survives a power loss
 *   appendfsync everysec  the cron starts an asynchronous fsync (libuv's thread pool) once a
 *                         second: a power loss costs at most about a second; a crash of the
 *                         process costs nothing, the bytes are already in the kernel
 *   appendfsync no        the kernel decides
 *
 * Rewrite (BGREWRITEAOF, the automatic rewrite, CONFIG SET appendonly yes), without fork():
 *
 *   start  ─ write and fsync what is buffered; open incr N+1 and name it in the manifest;
 *            writes from now on go there
 *          ─ freeze the dataset (snapshotKeyspace: a synchronous copy, as BGSAVE does)
 *   then   ─ the copy is written as base M+1 chunk by chunk, the event loop free between chunks
 *   done   ─ the manifest names base M+1 and incr N+1; the old base and incr files become
 *            history and are deleted (unless aof-disable-auto-gc)
 *
 * With CONFIG SET appendonly yes there is no AOF yet: writes go to a temp incr file outside the
 * manifest until the first base exists, and the AOF becomes "on" only then (Redis's
 * AOF_WAIT_REWRITE).
 */
import { closeSync, fsync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync, mkdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodeCommand } from '../../protocol/command-encoder';
import type { ByteString } from '../../storage/bytes';
import { snapshotKeyspace } from '../../storage/rdb/rdb-writer';
import type { Client } from '../network/client';
import type { RedisNode } from '../node';
import { replaceFileSync } from './atomic-file';
import {
  type AofManifest, baseFileName, cloneManifest, emptyManifest, formatManifest, incrFileName, manifestName,
} from './aof-manifest';
import { writeBaseFile } from './aof-base';

export type AofState = 'off' | 'on' | 'wait_rewrite';

/** C's strerror() text for the errors a write or fsync meets (Node words them differently). */
const STRERROR: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EDQUOT: 'Disk quota exceeded',
  EBADF: 'Bad file descriptor',
  EROFS: 'Read-only file system',
  EACCES: 'Permission denied',
  EFBIG: 'File too large',
};

function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return (code !== undefined ? STRERROR[code] : undefined) ?? (err as Error).message;
}

const MULTI = encodeCommand(['MULTI']);
const EXEC = encodeCommand(['EXEC']);

interface Rewrite {
  readonly startedAtMs: number;
  readonly abort: AbortController;
  readonly baseName: string;
}

export class AppendOnlyFile {
  state: AofState = 'off';
  manifest: AofManifest = emptyManifest();
  private fd: number | null = null;
  /** The file `fd` writes to (a temp incr file while waiting for the first rewrite). */
  private fileName = '';
  private buffer: Buffer[] = [];
  bufferBytes = 0;
  /** The db of the last command written; -1: the next command is preceded by a SELECT. */
  private selectedDb = -1;
  private lastTimestampSec = 0;
  // Execution units (see Replication): writes held until the outermost unit ends.
  private readonly held: Array<{ db: number; argv: readonly ByteString[] }> = [];
  private unitDepth = 0;
  /** Bytes written since the last fsync started, and whether an fsync is in flight. */
  private unsynced = false;
  fsyncInFlight = false;
  private lastFsyncMs = 0;
  currentSize = 0;
  baseSize = 0;
  /** Clients whose replies wait for this turn's AOF write (holdReplies). */
  private readonly heldReplies = new Set<Client>();
  private turnEndScheduled = false;
  private releasing = false;
  rewrite: Rewrite | null = null;
  rewriteScheduled = false;
  lastRewriteDurationSec = -1;
  lastBgrewriteOk = true;
  rewrites = 0;
  consecutiveFailures = 0;
  lastWriteOk = true;
  /** Why the last write failed, worded as C's strerror (Redis's MISCONF names it). */
  lastWriteError = '';

  constructor(private readonly node: RedisNode) {}

  get dir(): string {
    return resolve(this.node.config.string('dir'), this.node.config.string('appenddirname'));
  }

  private get fileBase(): string {
    return this.node.config.string('appendfilename');
  }

  // ---------------------------------------------------------------------------------------------
  // Feeding

  /** A write the node propagates (Replication.propagate calls this for masters and replicas). */
  propagate(db: number, argv: readonly ByteString[]): void {
    if (this.state === 'off') return;
    if (this.unitDepth > 0) this.held.push({ db, argv });
    else this.append(db, encodeCommand(argv));
  }

  beginUnit(): void {
    this.unitDepth++;
  }

  endUnit(): void {
    if (--this.unitDepth > 0) return;
    const held = this.held;
    if (held.length === 0) return;
    if (this.state !== 'off') {
      if (held.length === 1) {
        const only = held[0] as { db: number; argv: readonly ByteString[] };
        this.append(only.db, encodeCommand(only.argv));
      } else {
        // MULTI goes in the first write's db (its SELECT before it), as Redis propagates it.
        this.append((held[0] as { db: number }).db, MULTI);
        for (const w of held) this.append(w.db, encodeCommand(w.argv));
        this.append(this.selectedDb, EXEC);
      }
    }
    held.length = 0;
  }

  private append(db: number, command: Buffer): void {
    if (this.node.config.bool('aof-timestamp-enabled')) {
      const sec = Math.floor(this.node.clock() / 1000);
      if (sec > this.lastTimestampSec) {
        this.lastTimestampSec = sec;
        this.push(Buffer.from(`#TS:${sec}\r\n`, 'latin1'));
      }
    }
    if (db !== this.selectedDb) {
      this.push(encodeCommand(['SELECT', String(db)]));
      this.selectedDb = db;
    }
    this.push(command);
  }

  private push(bytes: Buffer): void {
    // Written once this event-loop turn (also when no client reply follows: the cron's expiry).
    if (this.bufferBytes === 0) this.scheduleTurnEnd();
    this.buffer.push(bytes);
    this.bufferBytes += bytes.length;
  }

  /**
   * Client.flush while writes are buffered: the client's replies wait for the end of this
   * event-loop turn, when the AOF is written (and fsynced) once for every client that wrote in
   * it, then the replies go (Redis's beforeSleep: flushAppendOnlyFile, then the replies). True
   * when held; false while the held replies are being released (they go at once).
   */
  holdReplies(client: Client): boolean {
    if (this.releasing) return false;
    this.heldReplies.add(client);
    this.scheduleTurnEnd();
    return true;
  }

  private scheduleTurnEnd(): void {
    if (this.turnEndScheduled) return;
    this.turnEndScheduled = true;
    setImmediate(this.turnEnd);
  }

  private readonly turnEnd = (): void => {
    this.turnEndScheduled = false;
    this.beforeReply();
    if (this.heldReplies.size === 0) return;
    const clients = [...this.heldReplies];
    this.heldReplies.clear();
    // Even when the write failed (the bytes stay buffered, MISCONF refuses the next writes)
    // the replies go, as Redis sends them.
    this.releasing = true;
    try {
      for (const client of clients) client.flush();
    } finally {
      this.releasing = false;
    }
  };

  /**
   * Before replies leave (Client.flush): the buffered writes go to the kernel, and with
   * appendfsync always to the disk, so a client never sees the reply of a write the file lacks.
   */
  beforeReply(): void {
    if (this.bufferBytes === 0) return;
    this.writeBuffer();
    if (this.node.config.string('appendfsync') === 'always') this.fsyncNow();
  }

  /** write(2) of everything buffered; a failure is logged and reported by INFO. */
  writeBuffer(): void {
    if (this.bufferBytes === 0 || this.fd === null) return;
    const data = this.buffer.length === 1 ? (this.buffer[0] as Buffer) : Buffer.concat(this.buffer, this.bufferBytes);
    try {
      this.writeAll(this.fd, data);
      this.currentSize += data.length;
      this.unsynced = true;
      if (!this.lastWriteOk) this.node.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteOk = true;
    } catch (err) {
      // Until a retry (the next write, or the cron) succeeds, writes are refused with MISCONF.
      if (this.lastWriteOk) this.node.log.warning(`Error writing to the AOF file: ${strerror(err)}`);
      this.lastWriteOk = false;
      this.lastWriteError = strerror(err);
      return; // kept in the buffer
    }
    this.buffer = [];
    this.bufferBytes = 0;
  }

  /**
   * write(2) until the kernel has every byte (Redis's aofWrite), timed for the latency monitor:
   * each write is an aof-write sample and also one of the three kinds Redis tells apart, by what
   * the disk may be busy with meanwhile. An everysec fsync still running is a pending fsync. A
   * BGSAVE or an AOF rewrite writing its file is Redis's "active child": here it is no child
   * process but the same work interleaved on this thread, competing for the same disk.
   */
  private writeAll(fd: number, data: Buffer): void {
    const latency = this.node.latency;
    const startedMs = latency.start();
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    } finally {
      const ms = latency.elapsedMs(startedMs);
      if (ms > 0) {
        const pendingFsync = this.fsyncInFlight && this.node.config.string('appendfsync') === 'everysec';
        const activeChild = this.rewrite !== null || this.node.persistence.bgsave !== null;
        latency.addSampleIfNeeded(pendingFsync ? 'aof-write-pending-fsync' : activeChild ? 'aof-write-active-child' : 'aof-write-alone', ms);
        latency.addSampleIfNeeded('aof-write', ms);
      }
    }
  }

  /** fsync now; under appendfsync always each one is an aof-fsync-always latency sample. */
  private fsyncNow(): void {
    if (this.fd === null || !this.unsynced) return;
    try {
      const startedMs = this.node.latency.start();
      fsyncSync(this.fd);
      if (this.node.config.string('appendfsync') === 'always') this.node.latency.end('aof-fsync-always', startedMs);
      this.unsynced = false;
      this.lastFsyncMs = this.node.clock();
    } catch (err) {
      this.lastWriteOk = false;
      this.node.log.warning(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${(err as Error).message}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Files

  private openIncr(name: string): void {
    this.closeFile();
    this.fd = openSync(join(this.dir, name), 'a', 0o644);
    this.fileName = name;
    this.selectedDb = -1;
  }

  private closeFile(): void {
    if (this.fd === null) return;
    this.writeBuffer();
    try {
      fsyncSync(this.fd);
    } catch {
      // best effort: the file is being left
    }
    closeSync(this.fd);
    this.fd = null;
    this.unsynced = false;
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
      this.currentSize = this.baseSize + manifest.incr.reduce((n, f) => n + this.fileSize(f.name), 0);
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
    this.lastFsyncMs = this.node.clock();
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
    this.writeBuffer();
    if (this.fd !== null) this.fsyncNow();
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
    const rewrite: Rewrite = { startedAtMs: node.clock(), abort: new AbortController(), baseName };
    const snapshot = snapshotKeyspace(node.keyspace);
    this.rewrite = rewrite;
    this.rewrites++;
    log.notice(`Background append only file rewriting started by pid ${process.pid}`);
    const written = writeBaseFile(node, snapshot, join(this.dir, baseName), rdb, rewrite.abort.signal);
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
      this.writeBuffer();
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
    this.currentSize = this.baseSize + (next.incr.length > 0 ? this.fileSize(this.fileName) : 0);
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
    this.closeFile();
    if (this.state === 'wait_rewrite') {
      try {
        unlinkSync(join(this.dir, `temp-${this.fileBase}.incr`));
      } catch {
        // not created
      }
    }
    this.state = 'off';
    this.buffer = [];
    this.bufferBytes = 0;
    this.rewriteScheduled = false;
  }

  /** From the node's cron: the everysec fsync, a scheduled rewrite, the automatic rewrite. */
  cron(nowMs: number): void {
    if (this.state === 'off' && !this.rewriteScheduled) return;
    this.writeBuffer();
    if (this.node.config.string('appendfsync') === 'everysec' && this.unsynced && !this.fsyncInFlight && nowMs - this.lastFsyncMs >= 1000 && this.fd !== null) {
      this.fsyncInFlight = true;
      this.unsynced = false;
      this.lastFsyncMs = nowMs;
      fsync(this.fd, () => {
        this.fsyncInFlight = false;
      });
    }
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
    this.closeFile();
  }

  /** The node closes: the file is written, fsynced and closed, without SHUTDOWN's log line. */
  close(): void {
    if (this.state === 'off') return;
    this.cancelRewrite();
    this.closeFile();
  }

  /** FLUSHALL, DEBUG LOADAOF: write and fsync what is buffered now. */
  flushNow(): void {
    this.writeBuffer();
    this.fsyncNow();
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
      ['aof_last_write_status', this.lastWriteOk ? 'ok' : 'err'],
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
