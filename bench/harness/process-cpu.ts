/*
 * CPU time a process has used so far, all its threads, user and system, from /proc/<pid>/stat
 * (fields 14 and 15, utime and stime, in clock ticks). Read before and after a phase, the
 * difference is what the phase cost that process in CPU, whatever the wall clock says: on a core
 * shared by several servers, the wall time of one is mostly the others' CPU.
 */

import * as fs from 'node:fs';

/** Linux's USER_HZ: /proc reports times in these ticks (100 per second on every current kernel). */
const TICKS_PER_SECOND = 100;

export interface CpuTime {
  userMs: number;
  systemMs: number;
}

/** The CPU time `pid` has used so far; zeros when /proc cannot tell (not Linux, process gone). */
export function processCpu(pid: number): CpuTime {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (ticks: string | undefined): number => (Number(ticks) * 1000) / TICKS_PER_SECOND;
    return { userMs: ms(fields[11]), systemMs: ms(fields[12]) };
  } catch {
    return { userMs: 0, systemMs: 0 };
  }
}

/** The CPU `pids` used between two readings, summed (a process that has gone counts zero). */
export function cpuSpent(before: readonly CpuTime[], after: readonly CpuTime[]): CpuTime {
  let userMs = 0;
  let systemMs = 0;
  after.forEach((end, i) => {
    const start = before[i];
    if (start === undefined || end.userMs === 0) return;
    userMs += end.userMs - start.userMs;
    systemMs += end.systemMs - start.systemMs;
  });
  return { userMs, systemMs };
}
