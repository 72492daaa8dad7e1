/*
 * The two Node cluster clients people actually use, each running a 10,000-key workload against a
 * six-node cluster made by redis-cli. Both discover the topology with CLUSTER SLOTS, route by
 * their own CRC16, follow MOVED, and group pipelines per node, so this checks the cluster from
 * the outside the way an application sees it:
 *
 *   6,000 plain keys      SET then GET, many in flight (spread over ~5,000 slots, all masters)
 *   2,000 tagged keys     100 hash tags × 20 keys: MSET and MGET per tag (one slot per call)
 *   2,000 pipelined keys  100 pipelines of 20 SETs + 20 GETs, each pipeline within one tag
 *
 * Then the masters' DBSIZE must add up to exactly 10,000: nothing lost, nothing stored twice.
 */

import t from 'tap';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { clusterTarget, LocalCluster, missingPrerequisite } from '../../bench/harness/cluster-harness';
import { isMaster, keySlot, type NodeLine } from '../../bench/harness/cluster-replies';

const kind = clusterTarget();
const problem = missingPrerequisite([kind]);

const PLAIN_KEYS = 6_000;
const TAGS = 100;
const KEYS_PER_TAG = 20;
const IN_FLIGHT = 500;
const TOTAL_KEYS = PLAIN_KEYS + 2 * TAGS * KEYS_PER_TAG;

/** What each client must be able to do; the two libraries are adapted to it below. */
interface Workload {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<string | null>;
  mset(pairs: Array<[string, string]>): Promise<unknown>;
  mget(keys: string[]): Promise<Array<string | null>>;
  /** One pipeline: SET each pair, then GET each key; returns the GET replies. */
  pipeline(pairs: Array<[string, string]>): Promise<Array<string | null>>;
}

async function inBatches<T>(items: readonly T[], run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += IN_FLIGHT) await Promise.all(items.slice(i, i + IN_FLIGHT).map(run));
}

async function runWorkload(t: tap.Test, prefix: string, client: Workload): Promise<void> {
  const plain = Array.from({ length: PLAIN_KEYS }, (_, i) => `${prefix}:key:${i}`);
  t.ok(new Set(plain.map(keySlot)).size > 4_000, 'the plain keys spread over thousands of slots');
  await inBatches(plain, async (key) => void (await client.set(key, `v:${key}`)));
  let wrong = 0;
  await inBatches(plain, async (key) => {
    if ((await client.get(key)) !== `v:${key}`) wrong++;
  });
  t.equal(wrong, 0, `${PLAIN_KEYS} GETs read what was SET`);

  let mgetWrong = 0;
  const tags = Array.from({ length: TAGS }, (_, g) => g);
  await inBatches(tags, async (g) => {
    const pairs = Array.from({ length: KEYS_PER_TAG }, (_, j): [string, string] => [`${prefix}:{m${g}}:${j}`, `m${g}.${j}`]);
    await client.mset(pairs);
    const values = await client.mget(pairs.map(([k]) => k));
    if (JSON.stringify(values) !== JSON.stringify(pairs.map(([, v]) => v))) mgetWrong++;
  });
  t.equal(mgetWrong, 0, `${TAGS} MSET/MGET pairs over hash-tagged keys`);

  let pipelineWrong = 0;
  await inBatches(tags, async (g) => {
    const pairs = Array.from({ length: KEYS_PER_TAG }, (_, j): [string, string] => [`${prefix}:{p${g}}:${j}`, `p${g}.${j}`]);
    const values = await client.pipeline(pairs);
    if (JSON.stringify(values) !== JSON.stringify(pairs.map(([, v]) => v))) pipelineWrong++;
  });
  t.equal(pipelineWrong, 0, `${TAGS} pipelines of ${KEYS_PER_TAG} SETs and GETs`);
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  let cluster: LocalCluster | null = null;
  let masters: NodeLine[] = [];

  t.before(async () => {
    cluster = (await LocalCluster.launch(Array.from({ length: 6 }, () => kind))).attach(t);
    await cluster.createOrThrow(1);
    await cluster.waitForOk();
    masters = (await cluster.waitForAgreement(6)).filter(isMaster);
  });

  const startupPort = (): number => {
    if (cluster === null) throw new Error('cluster not started');
    return cluster.node(0).port;
  };

  /** FLUSHALL every master, so each client's key count can be checked on its own. */
  const flushMasters = async (): Promise<void> => {
    const c = cluster;
    if (c === null) throw new Error('cluster not started');
    await Promise.all(masters.map((m) => c.byPort(m.port).call('FLUSHALL')));
  };

  const dbsizes = async (): Promise<number[]> => {
    const c = cluster;
    if (c === null) throw new Error('cluster not started');
    return Promise.all(masters.map(async (m) => Number((await c.byPort(m.port).call('DBSIZE')).toString('latin1').slice(1))));
  };

  t.test(`ioredis Cluster: ${TOTAL_KEYS} keys (${kind})`, async (t) => {
    await flushMasters();
    const client = new Cluster([{ host: '127.0.0.1', port: startupPort() }], {
      enableReadyCheck: true,
      slotsRefreshTimeout: 5_000,
      redisOptions: { maxRetriesPerRequest: 2 },
    });
    try {
      await runWorkload(t, 'io', {
        set: (k, v) => client.set(k, v),
        get: (k) => client.get(k),
        mset: (pairs) => client.mset(...pairs.flat()),
        mget: (keys) => client.mget(...keys),
        pipeline: async (pairs) => {
          const pipeline = client.pipeline();
          for (const [k, v] of pairs) pipeline.set(k, v);
          for (const [k] of pairs) pipeline.get(k);
          const results = (await pipeline.exec()) ?? [];
          const failed = results.find(([err]) => err !== null);
          if (failed !== undefined) throw failed[0];
          return results.slice(pairs.length).map(([, value]) => (typeof value === 'string' ? value : null));
        },
      });
      const sizes = await dbsizes();
      t.equal(sizes.reduce((a, b) => a + b, 0), TOTAL_KEYS, 'the masters hold exactly the keys written', { sizes });
      t.ok(sizes.every((s) => s > 0), 'every master holds some');
    } finally {
      client.disconnect();
    }
  });

  t.test(`node-redis createCluster: ${TOTAL_KEYS} keys (${kind})`, async (t) => {
    await flushMasters();
    const client = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${startupPort()}` }] });
    client.on('error', () => undefined); // reported through the rejected commands instead
    await client.connect();
    try {
      await runWorkload(t, 'nr', {
        set: (k, v) => client.set(k, v),
        get: (k) => client.get(k),
        mset: (pairs) => client.mSet(pairs),
        mget: (keys) => client.mGet(keys),
        pipeline: async (pairs) => {
          const first = pairs[0]?.[0];
          if (first === undefined) return [];
          const multi = client.multi(first);
          for (const [k, v] of pairs) multi.set(k, v);
          for (const [k] of pairs) multi.get(k);
          const results = await multi.execAsPipeline();
          return results.slice(pairs.length).map((value) => (typeof value === 'string' ? value : null));
        },
      });
      const sizes = await dbsizes();
      t.equal(sizes.reduce((a, b) => a + b, 0), TOTAL_KEYS, 'the masters hold exactly the keys written', { sizes });
      t.ok(sizes.every((s) => s > 0), 'every master holds some');
    } finally {
      await client.disconnect();
    }
  });
}
