/**
 * Log lines in redis-server's format, because people and tools grep for them:
 *
 *   12345:M 22 Nov 2026 10:00:00.123 * Ready to accept connections
 *   └pid┘ │ └──── local time, ms ───┘ │
 *       role (M master, S replica)    level mark: . debug, - verbose, * notice, # warning
 *
 * One Logger per node: several nodes in one process each log with their own role and sink.
 */
import * as fs from 'node:fs';
import type { LogLine } from './node-events';
import { systemClock } from './clock';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const LEVEL_MARK = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface LogSink {
  write(line: string): void;
}

export const stdoutSink: LogSink = { write: (line) => process.stdout.write(line) };

/** Appends to a file, opened once; lines are written synchronously so a crash loses none. */
export function fileSink(path: string): LogSink {
  const fd = fs.openSync(path, 'a');
  return { write: (line) => fs.writeSync(fd, line) };
}

/**
 * Appends to the file `currentPath()` names now. redis-server opens its logfile for every line,
 * relative to its working directory, so a relative logfile follows CONFIG SET dir; this sink
 * reopens when the path changes (a line that cannot be written there is lost, as in Redis).
 * Throws if the first path cannot be opened, which stops the server at start-up.
 */
export function followingFileSink(currentPath: () => string): LogSink {
  let openPath = currentPath();
  let fd = fs.openSync(openPath, 'a');
  return {
    write: (line) => {
      const wanted = currentPath();
      if (wanted !== openPath) {
        try {
          const next = fs.openSync(wanted, 'a');
          fs.closeSync(fd);
          fd = next;
          openPath = wanted;
        } catch {
          return;
        }
      }
      fs.writeSync(fd, line);
    },
  };
}

export class Logger {
  role: 'M' | 'S' | 'C' = 'M';
  /** Sees every line written (the node turns them into 'log' events). */
  onLine: ((line: LogLine) => void) | null = null;

  constructor(
    public level: LogLevel,
    private sink: LogSink,
    /** The owning node's clock; the real one for messages logged before any node exists. */
    private readonly clock: () => number = () => systemClock.now(),
  ) {}

  setSink(sink: LogSink): void {
    this.sink = sink;
  }

  debug(message: string): void {
    this.log('debug', message);
  }

  verbose(message: string): void {
    this.log('verbose', message);
  }

  notice(message: string): void {
    this.log('notice', message);
  }

  warning(message: string): void {
    this.log('warning', message);
  }

  log(level: LogLevel, message: string): void {
    const rank = LEVEL_RANK[level];
    if (rank < LEVEL_RANK[this.level] || level === 'nothing') return;
    const text = `${process.pid}:${this.role} ${formatTimestamp(this.clock())} ${LEVEL_MARK[rank]} ${message}\n`;
    this.sink.write(text);
    this.onLine?.({ level, message, text });
  }

  /** A line without the prefix (the start-up banner; a crash report at `level` warning). */
  raw(text: string, level: LogLevel = 'notice'): void {
    if (LEVEL_RANK[this.level] <= LEVEL_RANK[level]) this.sink.write(text.endsWith('\n') ? text : text + '\n');
  }
}

/** The second formatTimestamp last formatted (ms / 1000, floored), and its text. */
let formattedSecond = Number.NaN;
let formattedSecondText = '';

/**
 * "22 Nov 2026 10:00:00.123" in local time. The text up to the second is kept for the next line
 * of the same second: Date's local-time getters cost several microseconds each in code that runs
 * too rarely to be optimised, and a burst of lines (a resync logs about ten) shares one second.
 */
export function formatTimestamp(ms: number): string {
  const whole = Math.floor(ms);
  const second = Math.floor(whole / 1000);
  if (second !== formattedSecond) {
    const d = new Date(second * 1000);
    const two = (n: number): string => String(n).padStart(2, '0');
    formattedSecondText =
      `${two(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
      `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
    formattedSecond = second;
  }
  return `${formattedSecondText}.${String(whole - second * 1000).padStart(3, '0')}`;
}
