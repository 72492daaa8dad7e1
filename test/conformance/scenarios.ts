/**
 * The five scenarios: what the kit does to the cluster while a client works on it, and how the
 * outcome is judged. Each runs on a fresh cluster (clusters.ts) with node-timeout 1,000 ms.
 *
 *   hard-kill          shard 0's primary killed (SIGKILL / NODE KILL) under ~1,000 writes/s.
 *                      Pass: no write a WAIT confirmed is lost, and 100 consecutive writes
 *                      succeed within node-timeout + 3 s of the kill. Other losses are counted
 *                      (and, on hashslot, classified by the lost-write oracle).
 *   silent-primary     shard 0's primary paused (SIGSTOP / NODE PAUSE): no RST ever comes.
 *                      Pass: 100 consecutive writes succeed again while it is still paused,
 *                      within node-timeout + 5 s: the client timed out and found the new primary.
 *   reshard-pipeline   the slot of 50 pipelined keys moved to another shard, paused half-way
 *                      for 1 s. Pass: no -MOVED, -ASK or -TRYAGAIN reached the application and
 *                      no GET returned anything but the SET just before it.
 *   demotion           a manual failover of shard 0 while the client reads from replicas and
 *                      writes. Pass: no write error reached the application and every
 *                      acknowledged write is there afterwards.
 *   sharded-pubsub     SSUBSCRIBE/SPUBLISH on one channel; its slot moved to another shard, then
 *                      that shard failed over. Pass: every message published after the move
 *                      completed was delivered to the subscriber.
 */
import { keyHashSlot } from '../../storage/key-slot';
import type { Backend, ClusterUnderTest, OracleSummary } from './clusters';
import { startCluster } from './clusters';
import type { NodeClientName } from './node-clients';
import { startPythonWorkload } from './python-workload';
import { startNodeWorkload, type ScenarioName, type Workload, type WorkloadConfig, type WorkloadResult } from './workloads';

export type ClientName = NodeClientName | 'redis-py';
export const SCENARIOS: readonly ScenarioName[] = ['hard-kill', 'silent-primary', 'reshard-pipeline', 'demotion', 'sharded-pubsub'];
export const CLIENTS: readonly ClientName[] = ['ioredis', 'node-redis', 'redis-py'];

export const NODE_TIMEOUT_MS = 1_000;
const COMMAND_TIMEOUT_MS = 1_000;
const READY_TIMEOUT_MS = 20_000;
/** The keys of the pipeline scenario and the pub/sub channel, each in one slot. */
const SLOT_KEY_TAG = '{r}';
const CHANNEL = '{ps}news';

export interface Verdict {
  scenario: ScenarioName;
  client: ClientName;
  backend: Backend;
  outcome: 'pass' | 'FAIL' | 'unsupported' | 'error';
  /** The measured figures, one short line. */
  figures: string;
  /** Why it failed, or what was unsupported. */
  reason: string;
  result: WorkloadResult | null;
  oracle?: OracleSummary;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` or `ms` passed. */
async function until(ms: number, done: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(50);
}

function startWorkload(client: ClientName, scenario: ScenarioName, config: WorkloadConfig): Promise<Workload> {
  return client === 'redis-py' ? Promise.resolve(startPythonWorkload(scenario, config)) : startNodeWorkload(client, scenario, config);
}

function errorTotal(result: WorkloadResult): number {
  return Object.values(result.errors ?? {}).reduce((a, b) => a + b, 0);
}

function topErrors(result: WorkloadResult, n = 2): string {
  return Object.entries(result.errors ?? {})
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([text, count]) => `${count}x ${text}`)
    .join('; ');
}

export async function runScenario(scenario: ScenarioName, client: ClientName, backend: Backend): Promise<Verdict> {
  const base = { scenario, client, backend };
  let cluster: ClusterUnderTest | null = null;
  let workload: Workload | null = null;
  try {
    cluster = await startCluster(backend, NODE_TIMEOUT_MS);
    const config: WorkloadConfig = { startupNodes: cluster.startupNodes, nodeTimeoutMs: NODE_TIMEOUT_MS, commandTimeoutMs: COMMAND_TIMEOUT_MS, slotKeyTag: SLOT_KEY_TAG, channel: CHANNEL };
    await cluster.oracleStart?.();
    workload = await startWorkload(client, scenario, config);
    try {
      await Promise.race([workload.ready, sleep(READY_TIMEOUT_MS).then(() => Promise.reject(new Error(`not ready within ${READY_TIMEOUT_MS} ms`)))]);
    } catch (err) {
      const result = await workload.stop();
      workload = null;
      if (result.unsupported !== undefined) return { ...base, outcome: 'unsupported', figures: '', reason: result.unsupported, result };
      return { ...base, outcome: 'error', figures: '', reason: `workload did not start: ${err instanceof Error ? err.message : String(err)} ${result.crash ?? topErrors(result)}`, result };
    }
    const verdict = await SCRIPTS[scenario](cluster, workload);
    workload = null;
    const oracle = await cluster.oracleCheck?.();
    return { ...base, ...verdict, ...(oracle === undefined ? {} : { oracle }) };
  } catch (err) {
    return { ...base, outcome: 'error', figures: '', reason: err instanceof Error ? err.message : String(err), result: null };
  } finally {
    if (workload !== null) await workload.stop().catch(() => undefined);
    await cluster?.close().catch(() => undefined);
  }
}

type Script = (cluster: ClusterUnderTest, workload: Workload) => Promise<Pick<Verdict, 'outcome' | 'figures' | 'reason' | 'result'>>;

/** The first run of 100 consecutive successes completed after `fromMs`, as ms after it. */
function recoveryAfter(result: WorkloadResult, fromMs: number): number | null {
  const at = (result.recoveries ?? []).find((ms) => ms >= fromMs);
  return at === undefined ? null : at - fromMs;
}

const SCRIPTS: Record<ScenarioName, Script> = {
  'hard-kill': async (cluster, workload) => {
    await sleep(1_000);
    const killedAt = Date.now();
    await cluster.killPrimary(0);
    await sleep(NODE_TIMEOUT_MS + 5_000);
    await cluster.restartKilled();
    await sleep(1_000);
    const result = await workload.stop();
    if (result.crash !== undefined) return { outcome: 'error', figures: '', reason: result.crash, result };
    const recovery = recoveryAfter(result, killedAt);
    const limit = NODE_TIMEOUT_MS + 3_000;
    const lostConfirmed = result.lostConfirmed?.length ?? 0;
    const figures = `${result.opsPerSec ?? 0} w/s, ${result.acked ?? 0} acked, ${result.confirmed ?? 0} WAIT-confirmed, back in ${recovery === null ? 'never' : `${recovery} ms`}, ${result.lostAcked ?? 0} lost`;
    const reasons = [
      ...(lostConfirmed > 0 ? [`${lostConfirmed} WAIT-confirmed writes lost`] : []),
      ...(recovery === null || recovery > limit ? [`no 100 consecutive writes within ${limit} ms of the kill (${topErrors(result)})`] : []),
      ...((result.unverifiable ?? 0) > 0 ? [`${result.unverifiable ?? 0} keys could not be read back`] : []),
    ];
    return { outcome: reasons.length === 0 ? 'pass' : 'FAIL', figures, reason: reasons.join('; '), result };
  },

  'silent-primary': async (cluster, workload) => {
    await sleep(1_000);
    const pausedAt = Date.now();
    await cluster.pausePrimary(0);
    const limit = NODE_TIMEOUT_MS + 5_000;
    await sleep(limit + 2_000);
    const resumedAt = Date.now();
    await cluster.resumePaused();
    await sleep(1_000);
    const result = await workload.stop();
    if (result.crash !== undefined) return { outcome: 'error', figures: '', reason: result.crash, result };
    const recovery = recoveryAfter(result, pausedAt);
    const whilePaused = recovery !== null && pausedAt + recovery < resumedAt;
    const figures = `back in ${recovery === null ? 'never' : `${recovery} ms`}${whilePaused || recovery === null ? '' : ' (after the resume)'}, longest command ${result.maxCommandMs ?? 0} ms`;
    const pass = whilePaused && (recovery as number) <= limit;
    return { outcome: pass ? 'pass' : 'FAIL', figures, reason: pass ? '' : `no 100 consecutive writes within ${limit} ms while the primary was silent (${topErrors(result)})`, result };
  },

  'reshard-pipeline': async (cluster, workload) => {
    const slot = keyHashSlot(SLOT_KEY_TAG);
    const from = await cluster.shardOfSlot(slot);
    const resume = await cluster.migrateSlot(slot, (from + 1) % 3, true);
    await sleep(1_000);
    await resume();
    await sleep(1_000);
    const result = await workload.stop();
    if (result.crash !== undefined) return { outcome: 'error', figures: '', reason: result.crash, result };
    const figures = `${result.batches ?? 0} pipelines, ${result.redirectErrors ?? 0} redirects surfaced, ${result.wrongValues ?? 0} wrong values, ${errorTotal(result)} errors`;
    const pass = (result.redirectErrors ?? 0) === 0 && (result.wrongValues ?? 0) === 0;
    return { outcome: pass ? 'pass' : 'FAIL', figures, reason: pass ? '' : topErrors(result), result };
  },

  demotion: async (cluster, workload) => {
    await sleep(1_000);
    await cluster.failover(0);
    await sleep(2_000);
    const result = await workload.stop();
    if (result.crash !== undefined) return { outcome: 'error', figures: '', reason: result.crash, result };
    const writeErrors = errorTotal(result) - (result.readErrors ?? 0);
    const figures = `${result.acked ?? 0} acked, ${result.lostAcked ?? 0} lost, ${writeErrors} write errors, ${result.reads ?? 0} replica reads (${result.staleReads ?? 0} stale)`;
    const pass = (result.lostAcked ?? 0) === 0 && writeErrors === 0 && (result.unverifiable ?? 0) === 0;
    return { outcome: pass ? 'pass' : 'FAIL', figures, reason: pass ? '' : topErrors(result), result };
  },

  'sharded-pubsub': async (cluster, workload) => {
    const slot = keyHashSlot(CHANNEL);
    const from = await cluster.shardOfSlot(slot);
    const to = (from + 1) % 3;
    await sleep(500);
    await (await cluster.migrateSlot(slot, to, false))();
    const movedAt = Date.now();
    workload.phase('moved', movedAt);
    await sleep(1_000);
    await cluster.failover(to);
    workload.phase('failed-over', Date.now());
    await sleep(2_000);
    const result = await workload.stop();
    if (result.crash !== undefined) return { outcome: 'error', figures: '', reason: result.crash, result };
    const received = new Set(result.received ?? []);
    const after = (result.published ?? []).filter(([, atMs]) => atMs >= movedAt);
    const missed = after.filter(([seq]) => !received.has(seq));
    const figures = `${(result.published ?? []).length} published, ${received.size} received, ${missed.length} of ${after.length} missed after the move`;
    const pass = missed.length === 0 && after.length > 0;
    return { outcome: pass ? 'pass' : 'FAIL', figures, reason: pass ? '' : after.length === 0 ? `nothing published after the move (${topErrors(result)})` : `first missed seq ${missed[0]?.[0]} (${topErrors(result)})`, result };
  },
};
