/*
 * Real libraries that run Lua in Redis, against hashslot and against redis-server: the same
 * workload through each, the outcomes compared (lua-libraries-workloads.ts has the workloads
 * and the expected transcripts).
 *
 *   rate-limiter-flexible   RateLimiterRedis. With ioredis it defines its script with
 *                           defineCommand: ioredis sends EVAL on a connection's first use, then
 *                           EVALSHA, and EVAL again after NOSCRIPT; with node-redis
 *                           (useRedisPackage) it sends EVAL every time. block() and get() are
 *                           MULTI transactions, duration 0 a MULTI without a script.
 *   redlock 5.0.0-beta.2    acquire / extend / release scripts by EVALSHA, EVAL after NOSCRIPT,
 *                           two clients contending for the same resources, using().
 *
 * On the standalone servers the script traffic each workload caused is checked too, from INFO
 * commandstats and errorstats (EVAL and EVALSHA calls, failed calls, NOSCRIPT errors): it shows
 * that the library really took the paths above, and that the server counted them as Redis does.
 *
 * Deployments: one standalone server of each kind (processes, as a user starts them), then a
 * cluster of three primaries of each kind: hashslot's from `hashslot/testing` (in-process) and
 * redis-server's made by `redis-cli --cluster create` (bench/harness/cluster-harness.ts), both
 * driven by ioredis's Cluster client. Without redis-server (or redis-cli for its cluster) only
 * hashslot runs, checked against the expected transcripts alone.
 */

import t from 'tap';
import type { Test } from 'tap';
import { Cluster, Redis } from 'ioredis';
import { createClient } from 'redis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { startCluster } from '../../server/testing';
import { startHashslotLikeRedis } from '../../bench/harness/hashslot-process';
import { redisServerPath, REDIS_MISSING_MESSAGE, startRealRedis } from '../../bench/harness/real-redis';
import type { ServerProcess } from '../../bench/harness/server-process';
import { LocalCluster, missingPrerequisite } from '../../bench/harness/cluster-harness';
import {
  checkTranscript,
  compareTranscripts,
  rateLimiterWorkload,
  RATE_LIMITER_EXPECTED,
  redlockCrossSlotWorkload,
  redlockExpected,
  redlockWorkload,
  REDLOCK_CROSS_SLOT_EXPECTED,
  type Entry,
  type IoredisClient,
  type Side,
} from './lua-libraries-workloads';

/** Key prefixes, one per workload: the workloads share each deployment's keyspace. */
const PREFIX = { ioredisLimiter: 'rl-ioredis', nodeRedisLimiter: 'rl-node-redis', redlock: 'lock', textKey: 'rl-text' } as const;

/** One deployment the workloads run against: a standalone server or a cluster. */
interface Deployment {
  /** 'redis-server' or 'hashslot': the reference first. */
  readonly name: string;
  /** A new ioredis client (Redis or Cluster), ready; closed at the end of the file. */
  ioredis(): Promise<IoredisClient>;
  /** A new node-redis client, standalone only. */
  nodeRedis?(): Promise<ReturnType<typeof createClient>>;
  flushScripts(client: IoredisClient): Promise<void>;
  readonly kind: 'standalone' | 'cluster';
  /** The servers whose INFO counts the scripts: the server, or the cluster's primaries. */
  scriptNodes(client: IoredisClient): Redis[];
}

const closers: Array<() => Promise<unknown> | unknown> = [];
t.teardown(async () => {
  for (const close of closers.reverse()) await close();
});

// ─── Deployments ────────────────────────────────────────────────────────────────────────────────

function standalone(name: string, server: ServerProcess): Deployment {
  return {
    name,
    async ioredis() {
      const client = new Redis({ port: server.port, host: server.host, lazyConnect: true, maxRetriesPerRequest: 1 });
      closers.push(() => client.disconnect());
      await client.connect();
      return client;
    },
    async nodeRedis() {
      const client = createClient({ socket: { port: server.port, host: server.host, reconnectStrategy: false } });
      client.on('error', () => {
        // Surfaced through the failing command; without a listener node-redis would throw globally.
      });
      closers.push(() => (client.isOpen ? client.quit() : undefined));
      await client.connect();
      return client;
    },
    async flushScripts(client) {
      await (client as Redis).script('FLUSH');
    },
    kind: 'standalone',
    scriptNodes: (client) => [client as Redis],
  };
}

function cluster(name: string, startupNodes: Array<{ host: string; port: number }>): Deployment {
  return {
    name,
    async ioredis() {
      const client = new Cluster(startupNodes, { redisOptions: { maxRetriesPerRequest: 1 } });
      closers.push(() => client.disconnect());
      await new Promise<void>((resolve, reject) => {
        client.once('ready', resolve);
        client.once('error', reject);
      });
      return client;
    },
    async flushScripts(client) {
      const primaries = (client as Cluster).nodes('master');
      if (primaries.length !== 3) throw new Error(`expected 3 primaries, ioredis knows ${primaries.length}`);
      await Promise.all(primaries.map((node) => node.script('FLUSH')));
    },
    kind: 'cluster',
    scriptNodes: (client) => (client as Cluster).nodes('master'),
  };
}

async function standaloneDeployments(t: Test): Promise<Deployment[]> {
  const deployments: Deployment[] = [];
  if (redisServerPath() === null) {
    t.comment(`${REDIS_MISSING_MESSAGE}; hashslot is checked against the expected outcomes only`);
  } else {
    const redis = await startRealRedis();
    closers.push(() => redis.stop());
    deployments.push(standalone('redis-server', redis));
  }
  const hashslot = await startHashslotLikeRedis();
  closers.push(() => hashslot.stop());
  deployments.push(standalone('hashslot', hashslot));
  return deployments;
}

async function clusterDeployments(t: Test): Promise<Deployment[]> {
  const deployments: Deployment[] = [];
  const problem = missingPrerequisite(['redis']);
  if (problem !== null) {
    t.comment(`${problem}; the hashslot cluster is checked against the expected outcomes only`);
  } else {
    const redis = await LocalCluster.launch(['redis', 'redis', 'redis']);
    closers.push(() => redis.destroy());
    await redis.createOrThrow(0);
    await redis.waitForOk();
    deployments.push(cluster('redis-server', redis.nodes.map((n) => ({ host: n.host, port: n.port }))));
  }
  const hashslot = await startCluster({ shards: 3, replicasPerShard: 0 });
  closers.push(() => hashslot.close());
  deployments.push(cluster('hashslot', hashslot.startupNodes));
  return deployments;
}

// ─── Script traffic ─────────────────────────────────────────────────────────────────────────────

/** What INFO says about scripts, or its change over a workload. */
interface ScriptTraffic {
  evalCalls: number;
  evalFailed: number;
  /** A count, or only whether EVALSHA was used where its count depends on timing (redlock). */
  evalshaCalls: number | boolean;
  evalshaFailed: number;
  /** errorstat_<PREFIX> counts: the error replies the server counted, by their first word. */
  errors: Record<string, number>;
}

async function readTraffic(raw: IoredisClient): Promise<ScriptTraffic> {
  const text = `${await raw.info('commandstats')}\n${await raw.info('errorstats')}`;
  const field = (command: string, name: string): number => {
    const match = new RegExp(`^cmdstat_${command}:.*\\b${name}=(\\d+)`, 'm').exec(text);
    return match === null ? 0 : Number(match[1]);
  };
  const errors: Record<string, number> = {};
  for (const match of text.matchAll(/^errorstat_([^:]+):count=(\d+)/gm)) errors[match[1] ?? ''] = Number(match[2]);
  return {
    evalCalls: field('eval', 'calls'),
    evalFailed: field('eval', 'failed_calls'),
    evalshaCalls: field('evalsha', 'calls'),
    evalshaFailed: field('evalsha', 'failed_calls'),
    errors,
  };
}

function trafficDelta(before: ScriptTraffic, after: ScriptTraffic, exactEvalsha: boolean): ScriptTraffic {
  const errors: Record<string, number> = {};
  for (const [prefix, count] of Object.entries(after.errors)) {
    const delta = count - (before.errors[prefix] ?? 0);
    if (delta !== 0) errors[prefix] = delta;
  }
  const evalshaCalls = Number(after.evalshaCalls) - Number(before.evalshaCalls);
  return {
    evalCalls: after.evalCalls - before.evalCalls,
    evalFailed: after.evalFailed - before.evalFailed,
    evalshaCalls: exactEvalsha ? evalshaCalls : evalshaCalls > 0,
    evalshaFailed: after.evalshaFailed - before.evalshaFailed,
    errors,
  };
}

const TRAFFIC_STEP = 'script traffic (INFO commandstats and errorstats)';
const SPREAD_STEP = 'primaries that ran scripts (INFO commandstats)';

/**
 * Runs `workload` and adds what INFO says about it as a last entry: on a standalone server the
 * script traffic it caused, in a cluster how many primaries ran its scripts (the hash tags spread
 * the keys over all three; exact counts there would depend on which node saw a script first).
 */
async function withTraffic(deployment: Deployment, raw: IoredisClient, exactEvalsha: boolean, workload: () => Promise<Entry[]>): Promise<Entry[]> {
  const nodes = deployment.scriptNodes(raw);
  const before = await Promise.all(nodes.map(readTraffic));
  const entries = await workload();
  const deltas = await Promise.all(nodes.map(async (node, i) => trafficDelta(before[i] ?? (await readTraffic(node)), await readTraffic(node), exactEvalsha)));
  if (deployment.kind === 'standalone') return [...entries, { step: TRAFFIC_STEP, outcome: 'resolved', value: deltas[0] }];
  const running = deltas.filter((d) => d.evalCalls + Number(d.evalshaCalls) > 0).length;
  return [...entries, { step: SPREAD_STEP, outcome: 'resolved', value: running }];
}

/** `expected`, with the last entry withTraffic adds. */
function expectedWith(deployment: Deployment, expected: readonly Entry[], traffic: ScriptTraffic): Entry[] {
  const last: Entry = deployment.kind === 'standalone'
    ? { step: TRAFFIC_STEP, outcome: 'resolved', value: traffic }
    : { step: SPREAD_STEP, outcome: 'resolved', value: 3 };
  return [...expected, last];
}

// ─── The comparison ─────────────────────────────────────────────────────────────────────────────

/**
 * Runs `workload` on each deployment in turn, each in its own subtest checked against its
 * expected transcript, then compares hashslot's transcript with redis-server's.
 */
async function compareOn(
  t: Test,
  deployments: readonly Deployment[],
  expected: (deployment: Deployment) => readonly Entry[],
  workload: (deployment: Deployment) => Promise<Entry[]>,
): Promise<void> {
  const transcripts = new Map<string, Entry[]>();
  for (const deployment of deployments) {
    await t.test(deployment.name, async (t) => {
      const transcript = await workload(deployment);
      transcripts.set(deployment.name, transcript);
      checkTranscript(t, transcript, expected(deployment));
    });
  }
  const reference = transcripts.get('redis-server');
  const candidate = transcripts.get('hashslot');
  if (reference !== undefined && candidate !== undefined) {
    await t.test('hashslot and redis-server: the same outcomes', async (t) => compareTranscripts(t, reference, candidate));
  }
}

async function side(deployment: Deployment): Promise<Side> {
  const raw = await deployment.ioredis();
  return { raw, flushScripts: () => deployment.flushScripts(raw) };
}

/**
 * 50 script calls through ioredis, whose defined command goes out as EVAL on its first use (each
 * of the 5 RateLimiterRedis instances defines it again, so 5 first uses) and as EVALSHA after;
 * one EVALSHA meets NOSCRIPT after SCRIPT FLUSH and is sent again as EVAL.
 */
const IOREDIS_LIMITER_TRAFFIC: ScriptTraffic = { evalCalls: 6, evalFailed: 0, evalshaCalls: 45, evalshaFailed: 1, errors: { NOSCRIPT: 1 } };
/** node-redis: the same 50 script calls, each an EVAL. */
const NODE_REDIS_LIMITER_TRAFFIC: ScriptTraffic = { evalCalls: 50, evalFailed: 0, evalshaCalls: 0, evalshaFailed: 0, errors: {} };
/**
 * redlock sends EVALSHA first, always: NOSCRIPT then EVAL at the first acquire, extend and
 * release, and at the acquire and release after SCRIPT FLUSH.
 */
const REDLOCK_TRAFFIC: ScriptTraffic = { evalCalls: 5, evalFailed: 0, evalshaCalls: true, evalshaFailed: 5, errors: { NOSCRIPT: 5 } };

async function rateLimiterWithIoredis(deployment: Deployment, prefix: string): Promise<Entry[]> {
  const storeClient = await deployment.ioredis();
  const sides = await side(deployment);
  return withTraffic(deployment, sides.raw, true, () => rateLimiterWorkload({ storeClient, useRedisPackage: false }, sides, prefix));
}

async function redlockWithIoredis(deployment: Deployment): Promise<Entry[]> {
  const [a, b] = [await deployment.ioredis(), await deployment.ioredis()];
  const sides = await side(deployment);
  return withTraffic(deployment, sides.raw, false, () => redlockWorkload(a, b, sides, PREFIX.redlock));
}

// ─── A script that answers an error ─────────────────────────────────────────────────────────────

const LIMITER_SCRIPT_SHA = 'a1de965f42e177aa339706bd580f049065eca79a';
/** What the rejection and INFO say on redis-server 7.0. */
const TEXT_KEY_REJECTION = {
  error: 'ReplyError',
  message: `ERR value is not an integer or out of range script: ${LIMITER_SCRIPT_SHA}, on @user_script:1.`,
};
/** The INCRBY error raised out of the script is one error reply, and EVAL's call failed. */
const TEXT_KEY_TRAFFIC: ScriptTraffic = { evalCalls: 1, evalFailed: 1, evalshaCalls: 0, evalshaFailed: 0, errors: { ERR: 1 } };

/**
 * What an application sees when its limiter key collides with other data: RateLimiterRedis's
 * script fails at INCRBY: the same rejection, and the same counts in INFO.
 */
async function scriptErrorCounts(t: Test, deployments: readonly Deployment[]): Promise<void> {
  const traffic = new Map<string, unknown>();
  for (const deployment of deployments) {
    await t.test(`${deployment.name}: the rejection`, async (t) => {
      const client = await deployment.ioredis();
      await client.set(`${PREFIX.textKey}:{user-7}`, 'not-a-number');
      const limiter = new RateLimiterRedis({ storeClient: client, points: 5, duration: 10, keyPrefix: PREFIX.textKey });
      const before = await readTraffic(client);
      const rejection = await limiter.consume('{user-7}').then(
        () => 'resolved',
        (err: unknown) => (err instanceof Error ? { error: err.name, message: err.message } : err),
      );
      traffic.set(deployment.name, trafficDelta(before, await readTraffic(client), true));
      t.same(rejection, TEXT_KEY_REJECTION, 'consume rejects with the script error');
    });
  }
  if (traffic.has('redis-server')) {
    await t.test('redis-server: INFO commandstats and errorstats', async (t) => {
      t.same(traffic.get('redis-server'), TEXT_KEY_TRAFFIC, 'one failed EVAL, one ERR');
    });
  }
  await t.test('hashslot: INFO commandstats and errorstats', async (t) => {
    t.same(traffic.get('hashslot'), TEXT_KEY_TRAFFIC, 'counted as redis-server counts it');
  });
}

// ─── Tests ──────────────────────────────────────────────────────────────────────────────────────

t.test('standalone servers', async (t) => {
  const deployments = await standaloneDeployments(t);

  await t.test('rate-limiter-flexible with ioredis (EVAL, then EVALSHA; EVAL after NOSCRIPT)', async (t) => {
    await compareOn(
      t,
      deployments,
      (deployment) => expectedWith(deployment, RATE_LIMITER_EXPECTED, IOREDIS_LIMITER_TRAFFIC),
      (deployment) => rateLimiterWithIoredis(deployment, PREFIX.ioredisLimiter),
    );
  });

  await t.test('rate-limiter-flexible with node-redis (useRedisPackage: EVAL)', async (t) => {
    await compareOn(
      t,
      deployments,
      (deployment) => expectedWith(deployment, RATE_LIMITER_EXPECTED, NODE_REDIS_LIMITER_TRAFFIC),
      async (deployment) => {
        if (deployment.nodeRedis === undefined) throw new Error('no node-redis client for this deployment');
        const storeClient = await deployment.nodeRedis();
        const sides = await side(deployment);
        return withTraffic(deployment, sides.raw, true, () =>
          rateLimiterWorkload({ storeClient, useRedisPackage: true }, sides, PREFIX.nodeRedisLimiter),
        );
      },
    );
  });

  await t.test('redlock with two ioredis clients', async (t) => {
    await compareOn(t, deployments, (deployment) => expectedWith(deployment, redlockExpected(PREFIX.redlock), REDLOCK_TRAFFIC), redlockWithIoredis);
  });

  await t.test('a limiter key that holds text: the script fails, and INFO counts the error', async (t) => {
    await scriptErrorCounts(t, deployments);
  });
});

t.test('clusters of three primaries, ioredis Cluster, hash-tagged keys', async (t) => {
  const deployments = await clusterDeployments(t);

  await t.test('rate-limiter-flexible', async (t) => {
    await compareOn(
      t,
      deployments,
      (deployment) => expectedWith(deployment, RATE_LIMITER_EXPECTED, IOREDIS_LIMITER_TRAFFIC),
      (deployment) => rateLimiterWithIoredis(deployment, PREFIX.ioredisLimiter),
    );
  });

  await t.test('redlock with two Cluster clients', async (t) => {
    await compareOn(t, deployments, (deployment) => expectedWith(deployment, redlockExpected(PREFIX.redlock), REDLOCK_TRAFFIC), redlockWithIoredis);
  });

  await t.test('redlock over resources in two slots: CROSSSLOT', async (t) => {
    await compareOn(t, deployments, () => REDLOCK_CROSS_SLOT_EXPECTED, async (deployment) => {
      const client = await deployment.ioredis();
      return redlockCrossSlotWorkload(client, await side(deployment), PREFIX.redlock);
    });
  });
});
