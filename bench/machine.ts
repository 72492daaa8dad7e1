/*
 * The box a benchmark ran on, for the header of its report: figures only mean something next to
 * the core count, the CPU model and how busy the box was. On a shared machine other processes'
 * work lands on the same cores (a 1-minute load above half the cores is flagged as busy), and the
 * spread of the figures widens with it. Each script words its header itself; the facts come from
 * here.
 */

import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

export interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly totalMemGib: string;
  /** The 1, 5 and 15 minute load averages, two decimals each, joined by `separator`. */
  loadText(separator?: string): string;
  /** The 1-minute load is above half the cores. */
  readonly busy: boolean;
}

export function machine(): Machine {
  const cpus = os.cpus();
  const load = os.loadavg();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown CPU',
    totalMemGib: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    loadText: (separator = ' / ') => load.map((l) => l.toFixed(2)).join(separator),
    busy: (load[0] ?? 0) > cpus.length / 2,
  };
}

/** The first line of `redis-server --version`, or why it is unknown. */
export function redisServerVersion(redisServer: string): string {
  try {
    return execFileSync(redisServer, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch (error) {
    return `(redis-server version unknown: ${error instanceof Error ? error.message : String(error)})`;
  }
}
