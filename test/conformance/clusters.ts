/**
 * The clusters a scenario breaks, behind one interface: hashslot-cluster (faults through its
 * control port) and six real redis-server processes made by `redis-cli --cluster create` (faults
 * through the processes and Redis's own commands), so that a verdict can be checked to be the
 * client's and not hashslot's.
 *
 *   fault                 hashslot-cluster (control port)     redis-server
 *   kill a primary        NODE KILL sN, later NODE RESTART    SIGKILL, later the process again
 *   silence a primary     NODE PAUSE sN / NODE RESUME         SIGSTOP / SIGCONT
 *   manual failover       FAILOVER N                          CLUSTER FAILOVER on its replica
 *   move a slot           SLOT MIGRATE ... [PAUSE], RESUME    the same steps as redis-cli, here
 *
 * Shards are named by a slot they were created with (0, 5461, 16383): whoever serves
 * that slot now is the shard's primary, after failovers too.
 */
import type { RespValue } from '../../protocol/resp-value';
import { RespConnection } from '../../server/testing/resp-connection';
import { LocalCluster, type ClusterNode } from '../../bench/harness/cluster-harness';
import { ClusterProcess } from '../helpers/cluster-process';

export type Backend = 'hashslot' | 'redis';

export interface OracleSummary {
  acked: number;
  lost: number;
  lostDespiteWait: number;
  reasons: Record<string, number>;
  indeterminate: number;
}

export interface ClusterUnderTest {
  readonly backend: Backend;
  readonly startupNodes: ReadonlyArray<{ host: string; port: number }>;
  readonly nodeTimeoutMs: number;
  killPrimary(shard: number): Promise<void>;
  /** Starts the killed node again (it rejoins as a replica). */
  restartKilled(): Promise<void>;
  pausePrimary(shard: number): Promise<void>;
  resumePaused(): Promise<void>;
  failover(shard: number): Promise<void>;
  /** The shard whose primary serves `slot` now. */
  shardOfSlot(slot: number): Promise<number>;
  /** Moves `slot` to `toShard`'s primary; with pause, stops after the first step of keys. */
  migrateSlot(slot: number, toShard: number, pause: boolean): Promise<() => Promise<void>>;
  /** hashslot only: the lost-write oracle. */
  oracleStart?(): Promise<void>;
  oracleCheck?(): Promise<OracleSummary>;
  close(): Promise<void>;
}

/** A slot each shard keeps in both layouts (ours ends shard 1 at 10921, redis-cli's at 10922). */
const SHARD_SLOTS = [0, 5461, 16383];
const CALL_TIMEOUT_MS = 60_000;

export async function startCluster(backend: Backend, nodeTimeoutMs: number): Promise<ClusterUnderTest> {
  return backend === 'hashslot' ? HashslotCluster.start(nodeTimeoutMs) : RedisServerCluster.start(nodeTimeoutMs);
}

function text(value: RespValue): string {
  if (typeof value === 'object' && value !== null && '-' in value) throw new Error(value['-']);
  return typeof value === 'object' && value !== null && '+' in value ? value['+'] : String(value);
}

class HashslotCluster implements ClusterUnderTest {
  readonly backend = 'hashslot';
  private killed: string | null = null;
  private paused: string | null = null;

  private constructor(
    private readonly process: ClusterProcess,
    private readonly control: RespConnection,
    readonly nodeTimeoutMs: number,
  ) {}

  static async start(nodeTimeoutMs: number): Promise<HashslotCluster> {
    const process = await ClusterProcess.start(['--port', '0', '--node-timeout', String(nodeTimeoutMs)]);
    const control = await RespConnection.connect(process.description.control.host, process.description.control.port, 10_000);
    return new HashslotCluster(process, control, nodeTimeoutMs);
  }

  get startupNodes(): Array<{ host: string; port: number }> {
    return this.process.description.nodes.map((n) => ({ host: n.host, port: n.port }));
  }

  private call(...argv: string[]): Promise<RespValue> {
    return this.control.call(argv, CALL_TIMEOUT_MS).then((value) => {
      text(value);
      return value;
    });
  }

  /** The index of shard `shard`'s primary now (refs like s0 would follow renumbered shards). */
  private async primaryIndex(shard: number): Promise<string> {
    const owner = await this.ownerOf(SHARD_SLOTS[shard] as number);
    return String(owner.index);
  }

  private async ownerOf(slot: number): Promise<{ index: number; shardOf: number }> {
    const nodes = (await this.call('TOPOLOGY')) as RespValue[][];
    const records = nodes.map((flat) => {
      const record = new Map<string, RespValue>();
      for (let i = 0; i + 1 < flat.length; i += 2) record.set(String(flat[i]), flat[i + 1] as RespValue);
      return record;
    });
    const covers = (record: Map<string, RespValue>, s: number): boolean =>
      ((record.get('slots') as string[] | undefined) ?? []).some((range) => {
        const [first, last] = range.split('-').map(Number) as [number, number | undefined];
        return s >= first && s <= (last ?? first);
      });
    const owner = records.find((r) => covers(r, slot));
    if (owner === undefined) throw new Error(`no node serves slot ${slot}`);
    const shardOf = SHARD_SLOTS.findIndex((first) => covers(owner, first));
    return { index: Number(owner.get('index')), shardOf };
  }

  async killPrimary(shard: number): Promise<void> {
    this.killed = await this.primaryIndex(shard);
    await this.call('NODE', 'KILL', this.killed);
  }

  async restartKilled(): Promise<void> {
    if (this.killed !== null) await this.call('NODE', 'RESTART', this.killed);
    this.killed = null;
  }

  async pausePrimary(shard: number): Promise<void> {
    this.paused = await this.primaryIndex(shard);
    await this.call('NODE', 'PAUSE', this.paused);
  }

  async resumePaused(): Promise<void> {
    if (this.paused !== null) await this.call('NODE', 'RESUME', this.paused);
    this.paused = null;
  }

  async failover(shard: number): Promise<void> {
    // FAILOVER takes the harness's shard number, which follows a node's first shard: find it
    // through the replica of the primary serving the shard's slot.
    const owner = await this.ownerOf(SHARD_SLOTS[shard] as number);
    const topologyShard = await this.topologyShard(owner.index);
    await this.call('FAILOVER', String(topologyShard));
  }

  private async topologyShard(index: number): Promise<number> {
    const nodes = (await this.call('TOPOLOGY')) as RespValue[][];
    const flat = nodes[index] as RespValue[];
    return Number(flat[flat.indexOf('shard') + 1]);
  }

  async shardOfSlot(slot: number): Promise<number> {
    return (await this.ownerOf(slot)).shardOf;
  }

  async migrateSlot(slot: number, toShard: number, pause: boolean): Promise<() => Promise<void>> {
    const target = await this.primaryIndex(toShard);
    await this.call('SLOT', 'MIGRATE', String(slot), target, 'STEP', '10', ...(pause ? ['PAUSE'] : []));
    return pause ? async () => void (await this.call('SLOT', 'RESUME', String(slot))) : async () => undefined;
  }

  async oracleStart(): Promise<void> {
    await this.call('ORACLE', 'START');
  }

  async oracleCheck(): Promise<OracleSummary> {
    const report = JSON.parse(String(await this.call('ORACLE', 'CHECK'))) as {
      acked: number;
      lost: Array<{ reason: string }>;
      lostDespiteWait: unknown[];
      indeterminate: unknown[];
    };
    const reasons: Record<string, number> = {};
    for (const write of report.lost) reasons[write.reason] = (reasons[write.reason] ?? 0) + 1;
    return { acked: report.acked, lost: report.lost.length, lostDespiteWait: report.lostDespiteWait.length, reasons, indeterminate: report.indeterminate.length };
  }

  async close(): Promise<void> {
    this.control.close();
    await this.process.stop('SIGTERM');
  }
}

class RedisServerCluster implements ClusterUnderTest {
  readonly backend = 'redis';
  private killed: ClusterNode | null = null;
  private paused: ClusterNode | null = null;

  private constructor(
    private readonly cluster: LocalCluster,
    readonly nodeTimeoutMs: number,
  ) {}

  static async start(nodeTimeoutMs: number): Promise<RedisServerCluster> {
    // repl-diskless-sync-delay 0, as hashslot-cluster's nodes have it: with Redis's default 5 s
    // a replica is still waiting for its first sync when a scenario starts, and cannot fail
    // over ("Disconnected from master for longer than allowed").
    const cluster = await LocalCluster.launch(Array.from({ length: 6 }, () => 'redis' as const), { nodeTimeoutMs, extraArgs: ['--repl-diskless-sync-delay', '0'] });
    try {
      await cluster.createOrThrow(1);
      await cluster.waitForOk();
      await cluster.waitFor('every replica in sync with its master', 30_000, async () => {
        const links = await Promise.all(
          cluster.nodes.map(async (node) => {
            const connection = await RespConnection.connect(node.host, node.port, 5_000);
            try {
              const info = String(await connection.call(['INFO', 'replication'], 5_000));
              return /role:master/.test(info) || /master_link_status:up/.test(info);
            } finally {
              connection.close();
            }
          }),
        );
        return { ok: links.every(Boolean), detail: links.join(' ') };
      });
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return new RedisServerCluster(cluster, nodeTimeoutMs);
  }

  get startupNodes(): Array<{ host: string; port: number }> {
    return this.cluster.nodes.map((n) => ({ host: n.host, port: n.port }));
  }

  private async ask(node: ClusterNode, ...argv: string[]): Promise<RespValue> {
    const connection = await RespConnection.connect(node.host, node.port, 5_000);
    try {
      return await connection.call(argv, CALL_TIMEOUT_MS);
    } finally {
      connection.close();
    }
  }

  /** The running, unpaused node serving `slot`, per a live node's CLUSTER SLOTS. */
  private async ownerOf(slot: number): Promise<ClusterNode> {
    for (const viewer of this.cluster.nodes) {
      if (!viewer.isRunning || viewer === this.paused) continue;
      const ranges = (await this.ask(viewer, 'CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
      const range = ranges.find(([first, last]) => slot >= first && slot <= last);
      if (range !== undefined) return this.cluster.byPort(range[2][1]);
    }
    throw new Error(`no node serves slot ${slot}`);
  }

  async killPrimary(shard: number): Promise<void> {
    this.killed = await this.ownerOf(SHARD_SLOTS[shard] as number);
    await this.killed.kill('SIGKILL');
  }

  async restartKilled(): Promise<void> {
    await this.killed?.launch();
    this.killed = null;
  }

  async pausePrimary(shard: number): Promise<void> {
    this.paused = await this.ownerOf(SHARD_SLOTS[shard] as number);
    const pid = this.paused.pid;
    if (pid !== undefined) process.kill(pid, 'SIGSTOP');
  }

  async resumePaused(): Promise<void> {
    const pid = this.paused?.pid;
    if (pid !== undefined) process.kill(pid, 'SIGCONT');
    this.paused = null;
  }

  async failover(shard: number): Promise<void> {
    const primary = await this.ownerOf(SHARD_SLOTS[shard] as number);
    const id = String(await this.ask(primary, 'CLUSTER', 'MYID'));
    const replicas = String(await this.ask(primary, 'CLUSTER', 'NODES'))
      .split('\n')
      .filter((line) => line.split(' ')[3] === id && !line.includes('fail'));
    const port = Number(/:(\d+)@/.exec(replicas[0] ?? '')?.[1]);
    const replica = this.cluster.byPort(port);
    text(await this.ask(replica, 'CLUSTER', 'FAILOVER'));
    await this.cluster.waitFor(`the replica on ${port} to take over`, 20_000, async () => {
      const role = await this.ask(replica, 'ROLE');
      return { ok: Array.isArray(role) && role[0] === 'master', detail: JSON.stringify(role) };
    });
  }

  async shardOfSlot(slot: number): Promise<number> {
    const owner = await this.ownerOf(slot);
    for (let shard = 0; shard < SHARD_SLOTS.length; shard++) if ((await this.ownerOf(SHARD_SLOTS[shard] as number)) === owner) return shard;
    return -1;
  }

  async migrateSlot(slot: number, toShard: number, pause: boolean): Promise<() => Promise<void>> {
    const source = await this.ownerOf(slot);
    const target = await this.ownerOf(SHARD_SLOTS[toShard] as number);
    const [sourceId, targetId] = [String(await this.ask(source, 'CLUSTER', 'MYID')), String(await this.ask(target, 'CLUSTER', 'MYID'))];
    // redis-cli's order: IMPORTING on the target, MIGRATING on the source, keys, then NODE.
    text(await this.ask(target, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId));
    text(await this.ask(source, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', targetId));
    const step = async (): Promise<boolean> => {
      const keys = (await this.ask(source, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '10')) as string[];
      if (keys.length === 0) return false;
      text(await this.ask(source, 'MIGRATE', target.host, String(target.port), '', '0', '5000', 'KEYS', ...keys));
      return true;
    };
    const finish = async (): Promise<void> => {
      while (await step());
      for (const node of [target, source]) text(await this.ask(node, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId));
      for (const node of this.cluster.nodes) {
        if (node === target || node === source || !node.isRunning) continue;
        await this.ask(node, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId).catch(() => undefined);
      }
    };
    if (!pause) {
      await finish();
      return async () => undefined;
    }
    await step();
    return finish;
  }

  async close(): Promise<void> {
    await this.resumePaused();
    await this.cluster.destroy();
  }
}
