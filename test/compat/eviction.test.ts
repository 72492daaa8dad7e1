/*
 * maxmemory eviction compared with redis-server (issue 20): both servers get the same limit and
 * policy and run the same seeded Zipf cache workload (bench/harness/cache-workload.ts); each policy's hit
 * ratio must be within a few points of Redis's, memory must end within the limit, evictions
 * must be counted in INFO and announced as "evicted" keyspace events, and a replica (here: the
 * DEL that eviction propagates) is checked in the replication tests' manner elsewhere.
 */
import t from 'tap';
import { dualRun, type Pair } from './harness';
import { runCacheWorkload } from '../../bench/harness/cache-workload';

/** Hit ratios may differ by this much (absolute) from Redis's. */
const TOLERANCE = 0.05;
const MAXMEMORY = 3 * 1024 * 1024;

const dual = dualRun(t);

async function infoField(pair: Pair, side: 'redis' | 'target', field: string): Promise<number> {
  const info = (await pair.client(side).call('INFO', 'everything')).toString('latin1');
  return Number(new RegExp(`\\r\\n${field}:(\\d+)`).exec(info)?.[1]);
}

const POLICIES: Array<[string, string[]]> = [
  ['allkeys-lru', []],
  ['allkeys-lfu', []],
  ['allkeys-random', []],
  ['volatile-lru', ['EX', '100000']],
  ['volatile-ttl', ['EX', '100000']],
];

for (const [policy, setSuffix] of POLICIES) {
  dual.case(`${policy}: hit ratio within ${TOLERANCE * 100} points of redis-server's`, async (pair, tt) => {
    const ratios: Record<string, number> = {};
    for (const side of ['redis', 'target'] as const) {
      const c = pair.client(side);
      await c.call('CONFIG', 'RESETSTAT');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', policy);
      await c.call('CONFIG', 'SET', 'maxmemory', String(MAXMEMORY));
      try {
        ratios[side] = await runCacheWorkload(c, {
          seed: 20, keys: 30000, operations: 60000, valueBytes: 200, exponent: 0.9, batch: 100, setSuffix,
        });
        const used = await infoField(pair, side, 'used_memory');
        const evicted = await infoField(pair, side, 'evicted_keys');
        tt.ok(evicted > 1000, `${side}: keys were evicted (${evicted})`);
        tt.ok(used <= MAXMEMORY * 1.05, `${side}: used_memory ${used} ends near or under maxmemory ${MAXMEMORY}`);
      } finally {
        await c.call('CONFIG', 'SET', 'maxmemory', '0');
        await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      }
    }
    const redis = ratios.redis as number;
    const target = ratios.target as number;
    tt.comment(`${policy}: hit ratio redis-server ${redis.toFixed(4)}, hashslot ${target.toFixed(4)}`);
    tt.ok(Math.abs(redis - target) <= TOLERANCE, `${policy}: hit ratio ${target.toFixed(4)} vs redis-server ${redis.toFixed(4)}`);
  });
}

dual.case('evictions are announced as "evicted" keyspace events', async (pair, tt) => {
  for (const side of ['redis', 'target'] as const) {
    const c = pair.client(side);
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ee');
    for (let i = 0; i < 2000; i++) c.send('SET', `k${i}`, 'x'.repeat(100));
    await c.readReplies(2000);
    const port = side === 'redis' ? dual.running.redis.port : dual.running.target.port;
    const { RawClient } = await import('../../bench/harness/raw-client');
    const subscriber = await RawClient.connect(port);
    try {
      await subscriber.call('SUBSCRIBE', '__keyevent@0__:evicted');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
      await c.call('CONFIG', 'SET', 'maxmemory', String(1024 * 1024));
      await c.call('SET', 'trigger', 'x');
      const [message] = await subscriber.readReplies(1);
      tt.match(message?.toString('latin1') ?? '', /__keyevent@0__:evicted/, `${side}: an evicted event arrived`);
    } finally {
      subscriber.close();
      await c.call('CONFIG', 'SET', 'maxmemory', '0');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    }
  }
});
