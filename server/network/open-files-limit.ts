/**
 * The open-files limit a server needs for `maxclients`, set at start-up the way redis-server sets
 * it (adjustOpenFilesLimit in Redis 7.0).
 *
 * Every client is a file descriptor, and a process may hold only RLIMIT_NOFILE of them. Redis
 * wants maxclients + 32 (the 32 for listening sockets, files, the cluster bus, replication):
 *
 *   soft limit >= needed   nothing to do
 *   raise it to `needed`   "Increased maximum number of open files to N (it was originally set to M)."
 *   cannot (not root, above the hard limit): the largest value it can set, counting down from
 *                          `needed` in steps of 16 as Redis does, and maxclients reduced to fit
 *                          it, with Redis's three warnings; below 33 descriptors it gives up.
 *
 * Node itself raises its soft limit to the hard one as it starts, so the "Increased" notice shows
 * only where the hard limit too is below what is needed and the process may raise it (root).
 * Node has no setrlimit. Linux's prlimit(1) sets the limits of a running process, ours included,
 * so that is what is run; the current limits are read from /proc/self/limits. Where neither
 * exists (not Linux) the limit is left alone: a client past it is refused by the operating system
 * at accept time instead of by maxclients.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { Logger } from '../log';

/** Descriptors kept for everything that is not a client (Redis's CONFIG_MIN_RESERVED_FDS). */
const RESERVED_FDS = 32;
const STEP = 16;

export interface NofileLimit {
  soft: number;
  hard: number;
}

/** RLIMIT_NOFILE from /proc/self/limits; null where that file does not exist. */
export function readNofileLimit(): NofileLimit | null {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/limits', 'latin1');
  } catch {
    return null;
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (m === null) return null;
  const parse = (v: string): number => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v));
  return { soft: parse(m[1] as string), hard: parse(m[2] as string) };
}

/** Sets both limits to `limit`, as Redis's setrlimit call does; the OS error text on failure. */
function setNofileLimit(limit: number): string | null {
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${limit}:${limit}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    return null;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString('latin1').trim() ?? '';
    // prlimit ends its message with strerror's text, the part Redis prints.
    const reason = stderr.split(': ').pop() ?? '';
    return reason !== '' ? reason : (err as Error).message;
  }
}

/**
 * Makes room for `maxclients`; returns the maxclients the server can keep (lower than asked
 * when the limit could not be raised enough), or null when it cannot start at all.
 */
export function adjustOpenFilesLimit(maxclients: number, log: Logger): number | null {
  const current = readNofileLimit();
  if (current === null) return maxclients;
  const needed = maxclients + RESERVED_FDS;
  const old = current.soft;
  if (old >= needed) return maxclients;
  let best = needed;
  let error = setNofileLimit(best);
  if (error !== null) {
    // Counting down by 16 from what is needed, the first value a process without the right to
    // raise its hard limit can set is the largest one not above it.
    const fits = needed - STEP * Math.ceil((needed - current.hard) / STEP);
    best = fits > old && fits < needed ? fits : old;
    if (best !== old && setNofileLimit(best) !== null) best = old;
  }
  if (best >= needed) {
    log.notice(`Increased maximum number of open files to ${needed} (it was originally set to ${old}).`);
    return maxclients;
  }
  if (best <= RESERVED_FDS) {
    log.warning(`Your current 'ulimit -n' of ${old} is not enough for the server to start. Please increase your open file limit to at least ${needed}. Exiting.`);
    return null;
  }
  const reduced = best - RESERVED_FDS;
  error ??= 'Operation not permitted';
  log.warning(`You requested maxclients of ${maxclients} requiring at least ${needed} max file descriptors.`);
  log.warning(`Server can't set maximum open files to ${needed} because of OS error: ${error}.`);
  log.warning(`Current maximum open files is ${best}. maxclients has been reduced to ${reduced} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.`);
  return reduced;
}
