/**
 * How a write reaches the append-only file: the path from a propagated command to the kernel and
 * the disk. aof.ts decides which file that is (the manifest, rewrites, turning the AOF on and
 * off); this file only feeds, buffers, writes and syncs the file it is given.
 *
 * Every write the node propagates reaches the AOF from the same place it reaches replicas
 * (Replication.propagate / beginUnit / endUnit): encoded as RESP, preceded by a SELECT when its
 * db differs from the last one written, and an execution unit of several writes (a MULTI/EXEC,
 * a script, a command with the DELs of keys it found expired) wrapped in MULTI ... EXEC so
 * replay applies it whole. With aof-timestamp-enabled a `#TS:<unix seconds>` line goes before
 * the first write of each new second.
 *
 * The bytes wait in one buffer (a ByteSink, grown by doubling and reused: commands are encoded
 * straight into it, with no allocation per write), and the replies of the clients that wrote wait with them
 * (Client.flush asks holdReplies); at the end of the event-loop turn (server/network/
 * pending-replies.ts, after every socket read of the turn) one write(2) takes the whole buffer,
 * then the replies go, which is what Redis's beforeSleep does:
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
 * A write(2) that fails keeps the bytes buffered and marks the AOF as failing: until a retry (the
 * next turn's write, or the cron's) succeeds, write commands are refused with MISCONF
 * (snapshots.ts words it), and INFO says aof_last_write_status:err.
 */
import { closeSync, fsync, fsyncSync, openSync, writeSync } from 'node:fs';
import { sleepSync } from '../debug-hooks';
import { encodeCommand, encodeCommandInto, encodedLength } from '../../protocol/command-encoder';
import type { ByteString } from '../../storage/bytes';
import { ByteSink } from '../../storage/rdb/byte-sink';
import type { Client } from '../network/client';
import type { RedisNode } from '../node';

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
/** The write buffer's starting size; after a write, one that grew past KEPT_BYTES starts again at this size. */
const INITIAL_BYTES = 16 * 1024;
const KEPT_BYTES = 1024 * 1024;

/** What the writer asks of the AOF that owns it. */
export interface AofWriterHost {
  /** appendonly is on (or waiting for its first rewrite): propagated writes are kept. */
  readonly feeding: boolean;
  /** A rewrite or a BGSAVE is writing its file: Redis's "active child", for the latency class. */
  readonly childActive: boolean;
}

export class AofWriter {
  private fd: number | null = null;
  /** The bytes waiting for the write(2) at the end of the turn. */
  private readonly out = new ByteSink(INITIAL_BYTES);
  /** The db of the last command written; -1: the next command is preceded by a SELECT. */
  private selectedDb = -1;
  private lastTimestampSec = 0;
  // Execution units (see Replication): writes held until the outermost unit ends. Nearly every
  // unit is one client command with one write, so the first is held in two fields, not an object.
  private firstDb = 0;
  private firstArgv: readonly ByteString[] | null = null;
  private readonly held: Array<{ db: number; argv: readonly ByteString[] }> = [];
  private unitDepth = 0;
  /** Bytes written since the last fsync started, and whether an fsync is in flight. */
  private unsynced = false;
  fsyncInFlight = false;
  lastFsyncMs = 0;
  /** aof_current_size: the files' size when aof.ts last measured them, plus every write since. */
  currentSize = 0;
  lastWriteOk = true;
  /** Why the last write failed, worded as C's strerror (Redis's MISCONF names it). */
  lastWriteError = '';

  constructor(
    private readonly node: RedisNode,
    private readonly host: AofWriterHost,
  ) {}

  // ---------------------------------------------------------------------------------------------
  // Feeding

  /** A write the node propagates (Replication.propagate calls this for masters and replicas). */
  propagate(db: number, argv: readonly ByteString[]): void {
    if (!this.host.feeding) return;
    if (this.unitDepth === 0) {
      this.appendCommand(db, argv);
    } else if (this.firstArgv === null) {
      this.firstDb = db;
      this.firstArgv = argv;
    } else {
      this.held.push({ db, argv });
    }
  }

  beginUnit(): void {
    this.unitDepth++;
  }

  endUnit(): void {
    if (--this.unitDepth > 0) return;
    const first = this.firstArgv;
    if (first === null) return;
    this.firstArgv = null;
    const held = this.held;
    if (!this.host.feeding) {
      held.length = 0;
    } else if (held.length === 0) {
      this.appendCommand(this.firstDb, first);
    } else {
      // MULTI goes in the first write's db (its SELECT before it), as Redis propagates it.
      this.appendBytes(this.firstDb, MULTI);
      this.appendCommand(this.firstDb, first);
      for (const w of held) this.appendCommand(w.db, w.argv);
      held.length = 0;
      this.appendBytes(this.selectedDb, EXEC);
    }
  }

  /** Bytes buffered for the next write (INFO's aof_buffer_length). */
  get bufferBytes(): number {
    return this.out.length;
  }

  /** A command, encoded straight into the buffer, after its SELECT and timestamp if due. */
  private appendCommand(db: number, argv: readonly ByteString[]): void {
    this.beforeCommand(db);
    this.turnStarts();
    this.out.encoded(encodedLength(argv), encodeCommandInto, argv);
  }

  private appendBytes(db: number, bytes: Buffer): void {
    this.beforeCommand(db);
    this.push(bytes);
  }

  /** The `#TS:` line at a new second (aof-timestamp-enabled), and a SELECT when the db changes. */
  private beforeCommand(db: number): void {
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
  }

  private push(bytes: Buffer): void {
    this.turnStarts();
    this.out.bytes(bytes);
  }

  /** The turn's first bytes schedule its write. */
  private turnStarts(): void {
    // Written once this event-loop turn (also when no client reply follows: the cron's expiry).
    if (this.out.length === 0) this.node.pendingReplies.scheduleTurnEnd();
  }

  /** appendonly no: what was buffered is dropped with the file. */
  discardBuffer(): void {
    // A buffer that grew large for a burst is let go, not kept for good.
    this.out.clear(KEPT_BYTES);
  }

  // ---------------------------------------------------------------------------------------------
  // The end of the event-loop turn: write, sync, then the replies

  /**
   * Client.flush while writes are buffered: the client's replies wait for the end of this
   * event-loop turn, when the AOF is written (and fsynced) once for every client that wrote in
   * it, then the replies go (Redis's beforeSleep: flushAppendOnlyFile, then the replies): the
   * turn's pending replies (pending-replies.ts), which write the AOF first. True when held; false
   * while those replies are being written: even when the write failed (the bytes stay buffered,
   * MISCONF refuses the next writes) the replies go, as Redis sends them.
   */
  holdReplies(client: Client): boolean {
    const pending = this.node.pendingReplies;
    if (pending.writing) return false;
    pending.add(client);
    return true;
  }

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
    if (this.out.length === 0 || this.fd === null) return;
    const data = this.out.view();
    // DEBUG AOF-FLUSH-SLEEP: a stalled disk, for tests; the node stops meanwhile, as Redis does.
    const stallUs = this.node.debugHooks.aofFlushSleepUs;
    if (stallUs > 0) sleepSync(stallUs / 1000);
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
    this.out.clear(KEPT_BYTES);
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
        latency.addSampleIfNeeded(pendingFsync ? 'aof-write-pending-fsync' : this.host.childActive ? 'aof-write-active-child' : 'aof-write-alone', ms);
        latency.addSampleIfNeeded('aof-write', ms);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // fsync

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

  /** Write and fsync what is buffered now (FLUSHALL, DEBUG LOADAOF, a rewrite's start). */
  flushNow(): void {
    this.writeBuffer();
    this.fsyncNow();
  }

  /**
   * From the cron: retry a failed write, and under appendfsync everysec start a background
   * fsync when a second has passed since the last one and there is something to sync.
   */
  cron(nowMs: number): void {
    this.writeBuffer();
    if (this.node.config.string('appendfsync') === 'everysec' && this.unsynced && !this.fsyncInFlight && nowMs - this.lastFsyncMs >= 1000 && this.fd !== null) {
      this.fsyncInFlight = true;
      this.unsynced = false;
      this.lastFsyncMs = nowMs;
      fsync(this.fd, () => {
        this.fsyncInFlight = false;
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The file

  /** Appends from now on to `path` (the last one closed first); the next write starts with a SELECT. */
  open(path: string): void {
    this.close();
    this.fd = openSync(path, 'a', 0o644);
    this.selectedDb = -1;
  }

  /** Writes what is buffered, fsyncs and closes the file (if one is open). */
  close(): void {
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
}
