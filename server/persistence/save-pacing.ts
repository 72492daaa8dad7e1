/**
 * rdb-key-save-delay: saves that go slowly on purpose, and the progress INFO reports for them.
 *
 * Redis's test suites set rdb-key-save-delay (a hidden config, in microseconds) to make a BGSAVE,
 * an AOF rewrite or a full sync's snapshot last long enough to watch it run: "in progress" in
 * INFO, a second BGSAVE refused, a BGREWRITEAOF scheduled, a FLUSHALL or a SHUTDOWN that stops
 * it. Redis waits that long after writing each key, in every save it makes:
 *
 *   forked child        BGSAVE, the cron's save points, an AOF rewrite (RDB preamble or
 *                       commands), a full sync's RDB (to disk or to the replicas' sockets)
 *   main process        SAVE, DEBUG RELOAD, FLUSHALL's and SHUTDOWN's saves: the whole server
 *                       stops meanwhile (checked on redis-server 7.0.15: a PING sent during a
 *                       SAVE of 5 keys at 0.5 s a key is answered 2.5 s later)
 *
 * A negative value -N means a fraction of a microsecond: Redis then sleeps 1 µs for one key in
 * N, chosen at random; on average 1/N µs a key, which is what is waited here. The child copied
 * the value when it was forked, so CONFIG SET during a save changes the next save, not this one:
 * a save reads it once, when it starts.
 *
 * hashslot's background saves run on the main thread, interleaved with clients, so their wait
 * must leave the event loop free: it is a timer on the node's clock between keys, and the writer
 * (atomic-file.ts for files, replication/full-sync.ts for sockets) consumes an asynchronous
 * stream of chunks. Foreground saves block with sleepSync, as Redis's do: the other clients wait
 * exactly as long as they would there.
 *
 *   rdbPieces (one piece a key) ──▶ pacedChunks: bytes gathered ── owed ≥ 10 ms? ──▶ yield the
 *                                   bytes (they reach the file or the replicas first), then wait
 *
 * A background save keeps a schedule: key k is done no earlier than k delays after the start.
 * Timers have a millisecond grain, so it waits only when at least MIN_WAIT_MS are due: 1000 keys
 * at 200 µs wait about 20 times 10 ms, not 1000 times "0.2 ms", and a timer that fires late is
 * made up for by the next keys. A save held up by the node blocking (a SAVE or DEBUG RELOAD with
 * the delay set) catches up at once afterwards, as Redis's child went on while its parent slept.
 * An abort (FLUSHALL, SHUTDOWN, a cancelled rewrite) ends a wait at once, so the temp file goes
 * away at once, as it does when Redis kills its child.
 *
 * Progress. A child tells its parent how many keys it has written: it looks at the clock once
 * every 1024 keys, starting with the first, and reports when a second has passed since its last
 * report. The parent resets the figures when the child is gone. INFO shows them as
 * current_save_keys_processed, current_save_keys_total (the keys when the save started) and
 * current_fork_perc. In an RDB the key's wait comes before the report (Redis sleeps inside the
 * function that writes a key); in an AOF rewrite without the preamble, after it. So with 5 keys at
 * 1 s a key, a BGSAVE shows 0 processed, then 1 from the first second on, and never more.
 */
import { formatFixed } from '../../storage/fixed-point';
import type { SavePiece } from '../../storage/rdb/rdb-writer';
import type { NodeClock } from '../clock';
import { sleepSync } from '../debug-hooks';

/** Owed waits shorter than this wait for the next key: a timer cannot honour a fraction of a ms. */
const MIN_WAIT_MS = 10;
/** A child looks at the clock once every this many keys, starting with the first. */
const PROGRESS_CHECK_KEYS = 1024;
/** ...and reports at most this often. */
const PROGRESS_REPORT_MS = 1000;
/** Bytes gathered before they are handed on even when no wait is due (atomic-file's chunk size). */
const FLUSH_BYTES = 64 * 1024;

/** The wait after each key, in ms, for a rdb-key-save-delay value in µs (negative: see above). */
export function perKeyDelayMs(delayUs: number): number {
  if (delayUs >= 0) return delayUs / 1000;
  return 1 / -delayUs / 1000;
}

/** What a running save has reported so far, for INFO's current_save_keys_* fields. */
export class SaveProgress {
  keysProcessed = 0;
  private reportedAtMs = -Infinity;
  /** The key count at which the save next looks at the clock (1, 1025, 2049...). */
  private nextCheckKeys = 1;

  constructor(readonly keysTotal: number) {}

  /** `keysWritten` keys are in the stream: reports them if a check falls here and a second has passed. */
  advance(keysWritten: number, nowMs: number): void {
    if (keysWritten < this.nextCheckKeys) return;
    const checksPassed = Math.floor((keysWritten - this.nextCheckKeys) / PROGRESS_CHECK_KEYS) + 1;
    this.nextCheckKeys += checksPassed * PROGRESS_CHECK_KEYS;
    if (nowMs - this.reportedAtMs < PROGRESS_REPORT_MS) return;
    this.keysProcessed = keysWritten;
    this.reportedAtMs = nowMs;
  }
}

/**
 * INFO persistence's current_* fields for the running save, or for none (all zero). There is no
 * copy-on-write without fork(): the cow figures stay 0.
 */
export function childInfoFields(progress: SaveProgress | null): Array<[string, number | string]> {
  const total = progress?.keysTotal ?? 0;
  const processed = progress?.keysProcessed ?? 0;
  return [
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', formatFixed(total === 0 ? 0 : (processed / total) * 100, 2)],
    ['current_save_keys_processed', processed],
    ['current_save_keys_total', total],
  ];
}

export interface PacingOptions {
  readonly clock: NodeClock;
  /** rdb-key-save-delay when the save started, in µs. */
  readonly delayUs: number;
  /** Where INFO reads the save's progress; absent for saves INFO does not show. */
  readonly progress?: SaveProgress;
  /** An AOF rewrite without the preamble reports a key before waiting for it, an RDB after. */
  readonly reportBeforeDelay?: boolean;
  /** Ends a wait at once, rejecting with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Waits `ms` on the node's clock, or until `signal` aborts (then rejects with its reason). */
function wait(clock: NodeClock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.schedule(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A background save's chunks, paced by rdb-key-save-delay and reporting progress (see the module
 * comment). `pieces` should come one a key when the delay is not 0, so the waits fall between keys.
 */
export async function* pacedChunks(pieces: Iterable<SavePiece>, options: PacingOptions): AsyncGenerator<Buffer> {
  const { clock, progress, signal } = options;
  const delayMs = perKeyDelayMs(options.delayUs);
  const startedMs = clock.monotonicMs();
  const gathered: Buffer[] = [];
  let gatheredBytes = 0;
  let keys = 0;
  const take = (): Buffer => {
    const bytes = gathered.length === 1 ? (gathered[0] as Buffer) : Buffer.concat(gathered);
    gathered.length = 0;
    gatheredBytes = 0;
    return bytes;
  };
  for (const piece of pieces) {
    gathered.push(piece.bytes);
    gatheredBytes += piece.bytes.length;
    const newKeys = piece.keysWritten - keys;
    keys = piece.keysWritten;
    if (newKeys > 0 && options.reportBeforeDelay === true) progress?.advance(keys, clock.now());
    const dueMs = startedMs + keys * delayMs - clock.monotonicMs();
    if (dueMs >= MIN_WAIT_MS) {
      yield take();
      await wait(clock, dueMs, signal);
    } else if (gatheredBytes >= FLUSH_BYTES) {
      yield take();
    }
    if (newKeys > 0 && options.reportBeforeDelay !== true) progress?.advance(keys, clock.now());
  }
  // The last keys' wait is due too: Redis sleeps after every key, the last one included.
  const dueMs = startedMs + keys * delayMs - clock.monotonicMs();
  if (dueMs > 0) await wait(clock, dueMs, signal);
  if (gathered.length > 0) yield take();
}

/**
 * A foreground save's chunks, paced by blocking the event loop as Redis blocks its one thread
 * (SAVE, DEBUG RELOAD, FLUSHALL's and SHUTDOWN's saves).
 */
export function* blockingPacedChunks(pieces: Iterable<SavePiece>, delayUs: number): Generator<Buffer> {
  const delayMs = perKeyDelayMs(delayUs);
  let owedMs = 0;
  let keys = 0;
  for (const piece of pieces) {
    owedMs += (piece.keysWritten - keys) * delayMs;
    keys = piece.keysWritten;
    if (owedMs >= MIN_WAIT_MS) {
      sleepSync(owedMs);
      owedMs = 0;
    }
    yield piece.bytes;
  }
  sleepSync(owedMs);
}
