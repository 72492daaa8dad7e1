/**
 * A cache workload for comparing eviction with redis-server's: Zipf-distributed key accesses
 * from a seeded generator, each a GET and, on a miss, a SET of the key (as a read-through cache
 * does), sent in pipelined batches. The hit ratio is what an eviction policy is judged by: both
 * servers run the same sequence at the same maxmemory and should keep about as many hot keys.
 */
import type { RawClient } from './raw-client';
import { seededFloats } from '../../storage/random';

/** Key ranks drawn with probability proportional to 1 / rank^exponent. */
export function zipfSampler(keys: number, exponent: number, random: () => number): () => number {
  const cdf = new Float64Array(keys);
  let sum = 0;
  for (let i = 0; i < keys; i++) cdf[i] = sum += 1 / Math.pow(i + 1, exponent);
  return () => {
    const target = random() * sum;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export interface WorkloadOptions {
  seed: number;
  keys: number;
  operations: number;
  valueBytes: number;
  exponent: number;
  batch: number;
  /** Extra SET arguments (EX 1000 for the volatile policies). */
  setSuffix?: string[];
}

/** Runs the workload on one server; returns the hit ratio of its GETs (0..1). */
export async function runCacheWorkload(client: RawClient, options: WorkloadOptions): Promise<number> {
  const next = zipfSampler(options.keys, options.exponent, seededFloats(options.seed));
  // The keys are scattered over the key space, so a rank is not an insertion order.
  const name = (rank: number): string => `key:${(rank * 2654435761) % 4294967296}`;
  const value = 'v'.repeat(options.valueBytes);
  let hits = 0;
  for (let done = 0; done < options.operations; done += options.batch) {
    const ranks: number[] = [];
    for (let i = 0; i < options.batch; i++) ranks.push(next());
    for (const rank of ranks) client.send('GET', name(rank));
    const replies = await client.readReplies(ranks.length);
    let misses = 0;
    replies.forEach((reply, i) => {
      if (reply.toString('latin1') === '$-1\r\n') {
        client.send('SET', name(ranks[i] as number), value, ...(options.setSuffix ?? []));
        misses++;
      } else {
        hits++;
      }
    });
    if (misses > 0) await client.readReplies(misses);
  }
  return hits / options.operations;
}
