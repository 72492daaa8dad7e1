/*
 * A real redis-server for differential tests, started on a free loopback port in a fresh temp dir
 * with persistence off, so that its answers are the reference hashslot is compared against.
 *
 * Suites that need it call redisServerPath() first and skip with REDIS_MISSING_MESSAGE when it
 * returns null, so a developer without Redis installed still gets a green (but honest) run.
 * REDIS_SERVER_PATH overrides the lookup, e.g. to point at a self-built 7.0.
 */

import { findExecutable, ServerProcess } from './server-process';

export const REDIS_MISSING_MESSAGE =
  'redis-server not installed: apt-get install redis-server redis-tools (or set REDIS_SERVER_PATH) to enable differential tests';

export function redisServerPath(): string | null {
  const fromEnv = process.env['REDIS_SERVER_PATH'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return findExecutable('redis-server');
}

/** The directives both servers of a differential test are started with, so config answers match. */
export function commonServerArgs(port: number, dir: string): string[] {
  return [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', 'no',
    '--enable-debug-command', 'yes',
    '--daemonize', 'no',
    '--loglevel', 'notice',
  ];
}

/** A redis-server on a free port; `leading` goes first on the command line (a config file). */
export async function startRealRedis(extraArgs: readonly string[] = [], leading: readonly string[] = []): Promise<ServerProcess> {
  const command = redisServerPath();
  if (command === null) throw new Error(REDIS_MISSING_MESSAGE);
  return ServerProcess.start({
    name: 'redis-server',
    command,
    args: (port, dir) => [...leading, ...commonServerArgs(port, dir), ...extraArgs],
  });
}
