/*
 * BullMQ against hashslot and against redis-server: the same job workload through a Queue, a
 * Worker and QueueEvents on each (bullmq-workload.ts), and the outcomes compared exactly — job
 * counts, which jobs completed with which return values, which failed with which reason after how
 * many attempts, the events QueueEvents read from the events stream and the stream's entries by
 * event name. Then BullMQ's less common paths (bullmq-features.ts: flows, deduplication, job
 * schedulers, a rate limiter, pause, retryJobs, clean, drain, obliterate), step by step.
 *
 * BullMQ is the heaviest Lua user among common Node libraries: every state change is a script
 * (EVALSHA of scripts that unpack cmsgpack arguments, touch lists, sorted sets, hashes and XADD
 * to the events stream), and its Worker and QueueEvents block (BZPOPMIN, XREAD BLOCK).
 *
 * Deployments: one standalone server of each kind (processes, as a user starts them), then a
 * cluster of three primaries of each kind, both formed by `redis-cli --cluster create`
 * (bench/harness/cluster-harness.ts) and driven by ioredis's Cluster client. In a cluster BullMQ
 * needs a hash-tagged prefix ({bull}) so that all of a queue's keys share one slot. Without
 * redis-server (or redis-cli) only hashslot runs, checked against the totals alone.
 *
 * Job counts: BULLMQ_JOBS sets the standalone run's count (default 10,000: about 14 s on
 * redis-server and 18 s on hashslot on a loaded two-core machine), BULLMQ_CLUSTER_JOBS the
 * cluster's (default 1,000).
 */

import t from 'tap';
import type { Test } from 'tap';
// BullMQ's own ioredis (npm nests it: another version than the project's), so that the Cluster
// client handed to it is of the type and class it expects.
import { Cluster } from 'bullmq/node_modules/ioredis';
import { startHashslotLikeRedis } from '../../bench/harness/hashslot-process';
import { redisServerPath, REDIS_MISSING_MESSAGE, startRealRedis } from '../../bench/harness/real-redis';
import { LocalCluster, missingPrerequisite, type NodeKind } from '../../bench/harness/cluster-harness';
import { runFeatures, type Transcript } from './bullmq-features';
import { expectedTotals, runWorkload, type BullConnections, type Outcome } from './bullmq-workload';

const jobCount = (variable: string, fallback: number): number => {
  const value = Number(process.env[variable] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${variable} must be a positive integer`);
  return value;
};
const STANDALONE_JOBS = jobCount('BULLMQ_JOBS', 10_000);
const CLUSTER_JOBS = jobCount('BULLMQ_CLUSTER_JOBS', 1_000);
/** Generous: about 150 jobs a second at worst, on a loaded machine. */
const deadlineFor = (n: number): number => 30_000 + n * 7;

interface Deployment {
  readonly name: 'redis-server' | 'hashslot';
  readonly conns: BullConnections;
}

const closers: Array<() => Promise<unknown> | unknown> = [];
t.teardown(async () => {
  for (const close of closers.reverse()) await close();
});

function standalone(name: Deployment['name'], port: number, host: string): Deployment {
  // Options, not instances: BullMQ opens its own connections and closes them with each component.
  return { name, conns: { prefix: 'bull', connection: () => ({ host, port, maxRetriesPerRequest: null }) } };
}

async function clusterOf(name: Deployment['name'], kind: NodeKind): Promise<Deployment> {
  const nodes = await LocalCluster.launch([kind, kind, kind]);
  closers.push(() => nodes.destroy());
  await nodes.createOrThrow(0);
  await nodes.waitForOk();
  const startupNodes = nodes.nodes.map((n) => ({ host: n.host, port: n.port }));
  // One Cluster client per component: BullMQ shares an instance it is given (and duplicates it for
  // its blocking reads), so these are closed here, after the components.
  const connection = (): Cluster => {
    const client = new Cluster(startupNodes, { redisOptions: { maxRetriesPerRequest: null } });
    closers.push(() => client.disconnect());
    return client;
  };
  return { name, conns: { prefix: '{bull}', connection } };
}

/** Runs the workload on each deployment, checks each against the totals, then compares them. */
async function compareOn(t: Test, deployments: readonly Deployment[], queueName: string, n: number): Promise<void> {
  const outcomes = new Map<string, Outcome>();
  const totals = expectedTotals(n);
  for (const deployment of deployments) {
    await t.test(deployment.name, async (t) => {
      const { outcome, elapsedMs } = await runWorkload(deployment.conns, queueName, n, deadlineFor(n));
      t.comment(`${n} jobs in ${elapsedMs} ms`);
      outcomes.set(deployment.name, outcome);
      t.equal(outcome.counts.completed, totals.completed, 'completed count');
      t.equal(outcome.counts.failed, totals.failed, 'failed count');
      t.equal(outcome.completed.length, totals.completed, 'completed jobs read back');
      t.equal(outcome.failed.length, totals.failed, 'failed jobs read back');
      t.equal(outcome.completedEvents.length, totals.completed, "QueueEvents 'completed' for every completed job");
      t.equal(outcome.failedEvents.length, totals.failed, "QueueEvents 'failed' for every failed job");
      t.ok(outcome.eventsStreamWritten, 'the events stream exists (XLEN > 0)');
      t.equal(outcome.streamEventCounts['added'], n, "an 'added' event per job in the stream");
    });
  }
  const reference = outcomes.get('redis-server');
  const candidate = outcomes.get('hashslot');
  if (reference === undefined || candidate === undefined) return;
  await t.test('hashslot and redis-server: the same outcome', async (t) => {
    t.same(candidate.counts, reference.counts, 'getJobCounts');
    t.same(candidate.completed, reference.completed, 'completed jobs: ids, attempts, return values');
    t.same(candidate.failed, reference.failed, 'failed jobs: ids, attempts, failedReason');
    t.same(candidate.completedEvents, reference.completedEvents, "QueueEvents 'completed' events");
    t.same(candidate.failedEvents, reference.failedEvents, "QueueEvents 'failed' events");
    t.equal(candidate.eventsStreamWritten, reference.eventsStreamWritten, 'events stream written');
    t.same(candidate.streamEventCounts, reference.streamEventCounts, "entries of the events stream by event name, 'drained' aside");
  });
}

/** The feature steps (bullmq-features.ts) on each deployment, the transcripts compared. */
async function compareFeatures(t: Test, deployments: readonly Deployment[], queueName: string): Promise<void> {
  const transcripts = new Map<string, Transcript>();
  for (const deployment of deployments) {
    await t.test(deployment.name, async (t) => {
      const transcript = await runFeatures(deployment.conns, queueName);
      transcripts.set(deployment.name, transcript);
      const threw = transcript.filter(([, value]) => typeof value === 'string' && value.startsWith('threw: '));
      t.same(threw, [], 'no step threw');
    });
  }
  const reference = transcripts.get('redis-server');
  const candidate = transcripts.get('hashslot');
  if (reference === undefined || candidate === undefined) return;
  await t.test('hashslot and redis-server: the same transcript', async (t) => {
    for (const [i, [label, value]] of reference.entries()) t.same(candidate[i], [label, value], label);
    t.equal(candidate.length, reference.length, 'as many steps');
  });
}

t.test(`standalone servers: ${STANDALONE_JOBS} jobs`, async (t) => {
  const deployments: Deployment[] = [];
  if (redisServerPath() === null) {
    t.comment(`${REDIS_MISSING_MESSAGE}; hashslot is checked against the totals only`);
  } else {
    const redis = await startRealRedis();
    closers.push(() => redis.stop());
    deployments.push(standalone('redis-server', redis.port, redis.host));
  }
  const hashslot = await startHashslotLikeRedis();
  closers.push(() => hashslot.stop());
  deployments.push(standalone('hashslot', hashslot.port, hashslot.host));
  await t.test('the workload', (t) => compareOn(t, deployments, 'standalone-jobs', STANDALONE_JOBS));
  await t.test('flows, deduplication, schedulers, limiter, pause, retry, clean, obliterate', (t) => compareFeatures(t, deployments, 'features'));
});

t.test(`clusters of three primaries, prefix {bull}: ${CLUSTER_JOBS} jobs`, async (t) => {
  const deployments: Deployment[] = [];
  const problem = missingPrerequisite(['redis', 'hashslot']);
  if (problem === null) deployments.push(await clusterOf('redis-server', 'redis'));
  else t.comment(`${problem}; the hashslot cluster is checked against the totals only`);
  deployments.push(await clusterOf('hashslot', 'hashslot'));
  await t.test('the workload', (t) => compareOn(t, deployments, 'cluster-jobs', CLUSTER_JOBS));
  await t.test('flows, deduplication, schedulers, limiter, pause, retry, clean, obliterate', (t) => compareFeatures(t, deployments, 'features'));
});
