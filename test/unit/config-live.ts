/**
 * Helpers for config tests that use a real redis-server 7.0.15 as the oracle: start one on a
 * random loopback port, run redis-cli against it, and run redis-server with arguments that are
 * expected to fail at startup. Tests skip when /usr/bin/redis-server is missing.
 */
import { existsSync } from 'node:fs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from '../../bench/harness/free-port';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const REDIS_CLI = '/usr/bin/redis-cli';
export const HAVE_REDIS = existsSync(REDIS_SERVER) && existsSync(REDIS_CLI);
export const SKIP_NO_REDIS: string | false = HAVE_REDIS ? false : `${REDIS_SERVER} is missing`;

export function randomPort(): number {
  return 20000 + Math.floor(Math.random() * 30000);
}

/** redis-cli output lines for one command (errors print as "ERR ..."). */
export function cli(port: number, args: readonly string[]): string[] {
  const r = spawnSync(REDIS_CLI, ['-p', String(port), ...args], { encoding: 'latin1' });
  return r.stdout.replace(/\n+$/, '').split('\n');
}

export interface LiveServer {
  readonly port: number;
  readonly proc: ChildProcess;
  stop(): void;
}

/** How long a loaded machine may take to start redis-server before the test gives up. */
const START_DEADLINE_MS = 20_000;

/**
 * Starts redis-server with `args` on a free port and waits until it answers PING; throws when
 * it does not within the deadline (a test going on against a server that is not there fails
 * with misleading differences).
 */
export async function startRedis(args: readonly string[], cwd: string): Promise<LiveServer> {
  const port = await freePort();
  const proc = spawn(REDIS_SERVER, [...args, '--port', String(port)], { cwd, stdio: 'ignore' });
  const deadline = Date.now() + START_DEADLINE_MS;
  while (cli(port, ['PING'])[0] !== 'PONG') {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not answer PING within ${START_DEADLINE_MS} ms`);
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  return { port, proc, stop: () => proc.kill('SIGKILL') };
}

/** Runs redis-server expecting it to exit during config loading. */
export function startupFailure(args: readonly string[], cwd: string, input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(REDIS_SERVER, args, { cwd, input: input ?? '', encoding: 'latin1', timeout: 3000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
