/*
 * A real redis-server and a hashslot node started side by side for a benchmark, and stopped on
 * every way out (normal end, error, SIGINT, SIGTERM), together with any redis-benchmark still
 * running: a server left behind would hold its port and memory after we are gone.
 *
 * Both get the same persistence settings (no RDB snapshots, no AOF, loopback only), each its
 * own temporary directory and a free port.
 */

import { LOOPBACK_HOST } from '../harness/free-port';
import { hashslotBinPath } from '../harness/hashslot-process';
import { ServerProcess, type ServerLaunch } from '../harness/server-process';

/** Overridable to compare another build (or to try the harness before the server exists). */
export const HASHSLOT_BIN = process.env['BENCH_HASHSLOT_BIN'] ?? hashslotBinPath();

/**
 * BENCH_TARGET=redis puts a second redis-server where hashslot would be, to check a benchmark
 * end to end (every command known on both sides; ratios near 1x).
 */
const TARGET_IS_REDIS = process.env['BENCH_TARGET'] === 'redis';

/** Every server started and not yet stopped, so that any exit path can stop them. */
const liveServers = new Set<ServerProcess>();
/** Aborted on SIGINT/exit: kills a redis-benchmark still running, which would otherwise spin on. */
export const loadGenerators = new AbortController();

/**
 * Starts redis-server, then hashslot, each in its own temporary directory, and waits until each
 * answers PING. One after the other rather than together: the second then cannot be handed the
 * port the first is already listening on (which would make it look ready while it is failing).
 */
export async function startPair(redisServer: string): Promise<{ redis: ServerProcess; hashslot: ServerProcess }> {
  const common = (port: number, dir: string): string[] => [
    '--port', String(port),
    '--bind', LOOPBACK_HOST,
    '--save', '',
    '--appendonly', 'no',
    '--daemonize', 'no',
    '--dir', dir,
  ];
  const shared: Pick<ServerLaunch, 'readiness' | 'onSpawn'> = {
    readiness: 'answers-ping',
    onSpawn: (server) => void liveServers.add(server),
  };
  const redis = await ServerProcess.start({ name: 'redis', command: redisServer, args: common, ...shared });
  const hashslot = TARGET_IS_REDIS
    ? await ServerProcess.start({ name: 'redis#2', command: redisServer, args: common, ...shared })
    : await ServerProcess.start({
        name: 'hashslot',
        command: process.execPath,
        args: (port, dir) => [HASHSLOT_BIN, ...common(port, dir)],
        ...shared,
      });
  return { redis, hashslot };
}

export async function stopAll(): Promise<void> {
  const servers = [...liveServers];
  liveServers.clear();
  await Promise.all(servers.map((server) => server.stop()));
}

/** Installs the exit and signal handlers; call once from a benchmark's entry point. */
export function stopServersOnExit(): void {
  process.on('exit', () => {
    loadGenerators.abort();
    for (const server of liveServers) server.killNow();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping redis-benchmark and servers\n`);
      loadGenerators.abort();
      void stopAll().finally(() => process.exit(130));
    });
  }
}
