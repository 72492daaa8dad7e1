/**
 * `hashslot/testing`: a real Redis Cluster (or one node) inside a test, that the test can break.
 *
 *   import { startCluster } from 'hashslot/testing';
 *   const cluster = await startCluster({ shards: 3, replicasPerShard: 1 });
 *   const redis = new Redis.Cluster(cluster.startupNodes);
 *   await cluster.kill(cluster.primary(0));
 *   const failover = await cluster.next('failover', { timeoutMs: 5000 });
 *   await cluster.close();
 *
 * Nodes run in the test's process on loopback ports; faults act inside them (test-cluster.ts),
 * so clients see real addresses and real errors. See the README's "Testing with hashslot".
 *
 * On virtual time every timer of every node waits for the test, and a seed replays a run's
 * event history exactly (cluster-clock.ts):
 *
 *   const cluster = await startCluster({ clock: 'virtual', seed: 7, nodeTimeoutMs: 15_000 });
 *   await cluster.kill(cluster.primary(0));
 *   await cluster.clock.advance(20_000);   // PFAIL, FAIL, election: some 200 ms of wall time
 */
import type { LogSink } from '../log';
import type { Directives } from '../start';
import { HARNESS_LANE, RealClusterClock, VirtualClusterClock, type ClusterClock } from './cluster-clock';
import { nodeDirectives, memoryNodesConf } from './formation';
import { freePorts } from './free-port';
import { TestCluster, type ClusterOptions } from './test-cluster';
import { TestNode, type Interceptor } from './test-node';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export { TestCluster, type ClusterOptions, type FaultHandle, type NodeRef } from './test-cluster';
export { TestNode, type InterceptedCommand, type Interceptor } from './test-node';
export type { MigrateSlotOptions, PausedMigration, SlotMoved } from './migrate-slot';
export type { TestEvent, TestEventType, TestEventOf, HarnessEvent } from './events';
export type { ClusterClock } from './cluster-clock';
export type { Plane, BusMessageName } from './faults';
export type { CommandVerdict } from '../node-hooks';
export type { WriteOracle, OracleOptions } from './oracle';
export type {
  OracleReport,
  RecordedWrite,
  LostWrite,
  IndeterminateWrite,
  LossReason,
  IndeterminateReason,
  WriteOutcome,
  WriteSituation,
} from './oracle-judge';
export { formatReport } from './oracle-judge';

/** Starts a cluster (3 primaries and 3 replicas by default) and resolves once it is ok. */
export function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  return TestCluster.start(options);
}

export interface NodeOptions {
  clock?: 'real' | 'virtual';
  seed?: number;
  logSink?: LogSink;
  /** Every command errors with this ("ERR injected") from the start. */
  failCommands?: string;
  intercept?: Interceptor;
}

/** One standalone node with the same handles as a cluster's (pause, kill, intercept...). */
export interface SingleNode {
  readonly host: string;
  readonly port: number;
  readonly clock: ClusterClock;
  readonly handle: TestNode;
  failCommands(message: string | null): void;
  intercept(interceptor: Interceptor | null): void;
  pause(): void;
  resume(): void;
  kill(): Promise<void>;
  restart(options?: { data?: 'kept' | 'empty' }): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts one node (not in cluster mode unless the directives say so). */
export async function startNode(directives: Directives = {}, options: NodeOptions = {}): Promise<SingleNode> {
  const clock = options.clock === 'virtual' ? new VirtualClusterClock() : new RealClusterClock();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-node-'));
  const host = '127.0.0.1';
  const [port, busPort] = await freePorts(host, 2);
  const handle = new TestNode(
    0,
    0,
    host,
    port as number,
    busPort as number,
    { ...nodeDirectives(dir, '0', 15_000, {}), 'cluster-enabled': 'no', ...directives },
    memoryNodesConf(),
    options.seed ?? (Math.random() * 2 ** 31) >>> 0,
    {
      clock: clock.clockFor(HARNESS_LANE),
      clockFor: (lane) => clock.clockFor(lane),
      network: clock instanceof VirtualClusterClock ? clock.network : undefined,
      logSink: options.logSink ?? { write: () => undefined },
      busVerdict: () => 'deliver',
      clientsCut: () => false,
      replicationCut: () => false,
      replyDelayMs: () => 0,
      isNodeConnection: () => false,
      lastKnownShard: () => undefined,
      deadBusAddress: () => false,
      attached: () => undefined,
    },
  );
  if (options.failCommands !== undefined) handle.failCommands(options.failCommands);
  if (options.intercept !== undefined) handle.intercept(options.intercept);
  await handle.start();
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return {
    host,
    port: handle.port,
    clock,
    handle,
    failCommands: (message) => handle.failCommands(message),
    intercept: (interceptor) => handle.intercept(interceptor),
    pause: () => handle.pause(),
    resume: () => handle.resume(),
    kill: () => handle.kill(),
    restart: (opts = {}) => handle.restart(opts.data ?? 'kept'),
    close,
    [Symbol.asyncDispose]: close,
  };
}
