/**
 * The hit ratio of a Zipf cache workload (harness/cache-workload.ts) on an already running
 * server, for bench/eviction-lru.sh: `node dist/bench/eviction-hit-ratio.js PORT [OPERATIONS]
 * [KEYS]`. Prints `hit_ratio <0..1> ops_per_sec <n>`.
 */
import { RawClient } from './harness/raw-client';
import { runCacheWorkload } from './harness/cache-workload';

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const operations = Number(process.argv[3] ?? 1_000_000);
  const keys = Number(process.argv[4] ?? 2_000_000);
  if (!Number.isInteger(port)) throw new Error('usage: eviction-hit-ratio PORT [OPERATIONS] [KEYS]');
  const client = await RawClient.connect(port);
  const started = process.hrtime.bigint();
  const ratio = await runCacheWorkload(client, { seed: 20, keys, operations, valueBytes: 100, exponent: 0.9, batch: 200 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`hit_ratio ${ratio.toFixed(4)} ops_per_sec ${Math.round(operations / seconds)}`);
  client.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
