/*
 * Starting and stopping the servers a benchmark measures: the one launcher every bench script
 * uses (side-by-side, data-types, replication-sync; the cluster benchmarks go through
 * harness/cluster-harness.ts, which stops its own nodes).
 *
 * Every server started here is tracked until it is stopped, so that every way out (normal end,
 * error, SIGINT, SIGTERM) stops it, together with any redis-benchmark still running: a server
 * left behind would hold its port and memory after we are gone. A server a benchmark froze with
 * SIGSTOP (replication-sync's partial resync) is continued first, or it would sit out SIGTERM
 * until the grace period's SIGKILL.
 *
 * Both kinds get the same directives (no RDB snapshots, no AOF, loopback only), each its own
 * temporary directory and a free port (harness/server-process.ts), and count as started only
 * when they answer PING: load must not be measured against a server still answering -LOADING.
 */

import { LOOPBACK_HOST } from './harness/free-port';
import { hashslotBinPath, hashslotNodeFlags } from './harness/hashslot-process';
import { ServerProcess } from './harness/server-process';

export type ServerKind = 'redis' | 'hashslot';

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

/** The directives every benchmark server starts with, before the benchmark's own. */
export function benchServerArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', LOOPBACK_HOST, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir];
}

export interface BenchServerLaunch {
  readonly kind: ServerKind;
  /** For messages: "redis", "hashslot-master"... */
  readonly name: string;
  readonly redisServer: string;
  /** Another hashslot entry script (run with this node); HASHSLOT_BIN by default. */
  readonly hashslotBin?: string;
  /** The whole command line; benchServerArgs by default. */
  readonly args?: (port: number, dir: string) => string[];
  readonly readyDeadlineMs?: number;
}

/** Starts one server and waits until it answers PING; it is stopped on every way out. */
export function startServer(launch: BenchServerLaunch): Promise<ServerProcess> {
  const args = launch.args ?? benchServerArgs;
  const hashslotBin = launch.hashslotBin ?? HASHSLOT_BIN;
  return ServerProcess.start({
    name: launch.name,
    command: launch.kind === 'redis' ? launch.redisServer : process.execPath,
    args: launch.kind === 'redis' ? args : (port, dir) => [...hashslotNodeFlags(), hashslotBin, ...args(port, dir)],
    readiness: 'answers-ping',
    ...(launch.readyDeadlineMs === undefined ? {} : { readyDeadlineMs: launch.readyDeadlineMs }),
    onSpawn: (server) => void liveServers.add(server),
  });
}

/** Stops one server (continuing it first if it was frozen) and forgets it. */
export async function stopServer(server: ServerProcess): Promise<void> {
  if (server.pid !== undefined && server.isRunning) {
    try {
      process.kill(server.pid, 'SIGCONT');
    } catch {
      // gone already
    }
  }
  await server.stop();
  liveServers.delete(server);
}

/**
 * Starts redis-server, then hashslot (or a second redis-server under BENCH_TARGET=redis). One
 * after the other rather than together: the second then cannot be handed the port the first is
 * already listening on (which would make it look ready while it is failing).
 */
export async function startPair(redisServer: string): Promise<{ redis: ServerProcess; hashslot: ServerProcess }> {
  const redis = await startServer({ kind: 'redis', name: 'redis', redisServer });
  const hashslot = await startServer(TARGET_IS_REDIS ? { kind: 'redis', name: 'redis#2', redisServer } : { kind: 'hashslot', name: 'hashslot', redisServer });
  return { redis, hashslot };
}

export async function stopAll(): Promise<void> {
  await Promise.all([...liveServers].map(stopServer));
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
