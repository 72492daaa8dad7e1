/**
 * Settings that only DEBUG changes. Redis keeps them as server globals which its test suites flip
 * to provoke a condition on purpose: an AOF flush that stalls, reply buffers that never shrink.
 * hashslot keeps them per node (several nodes can share a process), read where the behaviour
 * they change lives: the AOF writer, the clients cron's reply-buffer pass, the server cron, the
 * quicklist shape of new lists, the scripts' command checks.
 */
import type { Config } from './config/config';
import { DEFAULT_PACKED_THRESHOLD_BYTES, quicklistShape, type QuicklistShape } from '../storage/quicklist-shape';

/** Blocks the event loop, as Redis's usleep/DEBUG SLEEP blocks its one thread: the node stops. */
export function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** reply-buffer-peak-reset-time's default (ms), which DEBUG REPLYBUFFER PEAK-RESET-TIME RESET restores. */
export const DEFAULT_PEAK_RESET_MS = 5000;

export class DebugHooks {
  /** DEBUG AOF-FLUSH-SLEEP: microseconds to stall before each AOF write(2) that has bytes (0: none). */
  aofFlushSleepUs = 0;
  /** DEBUG REPLYBUFFER RESIZING: whether the clients cron resizes reply buffers and resets their peaks. */
  replyBufferResizing = true;
  /** DEBUG REPLYBUFFER PEAK-RESET-TIME: ms between resets of a reply buffer's peak; negative: never. */
  replyBufferPeakResetMs = DEFAULT_PEAK_RESET_MS;
  /** DEBUG PAUSE-CRON: the server cron's ticks return at once (server-cron.ts). */
  cronPaused = false;
  /** DEBUG LEAK: strings kept for the node's lifetime, the memory Redis leaks on purpose. */
  readonly leaked: string[] = [];
  /**
   * DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call commands flagged noscript (DEBUG, CONFIG,
   * CLIENT...), as Redis's test suite has them do, but for those scripting.ts keeps refusing.
   */
  scriptsMayCallNoscript = false;
  /**
   * How DEBUG SEGFAULT, PANIC, ASSERT and OOM end the process (commands/debug-crash.ts): set by
   * the CLI, which owns the process; null for a node sharing its process, which then just closes.
   */
  crashProcess: ((signal: 'SIGSEGV' | 'SIGABRT') => void) | null = null;
  /** DEBUG QUICKLIST-PACKED-THRESHOLD: elements this long get a plain quicklist node of their own. */
  packedThresholdBytes = DEFAULT_PACKED_THRESHOLD_BYTES;
}

/**
 * The quicklist shape of a list created now (storage/quicklist-shape.ts): Redis reads
 * list-max-listpack-size and list-compress-depth when it creates a list, and the packed
 * threshold is DEBUG's.
 */
export function newListShape(config: Pick<Config, 'number'>, hooks: DebugHooks): QuicklistShape {
  return quicklistShape(config.number('list-max-listpack-size'), config.number('list-compress-depth'), hooks.packedThresholdBytes);
}
