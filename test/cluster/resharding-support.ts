/*
 * What the resharding tests share beyond bench/harness/cluster-steps.ts: the node kinds a test
 * runs on, chosen by an environment variable so one variant can be run alone (redis-server first,
 * to check the test itself; then hashslot and the mixed cluster).
 */

import type { NodeKind } from '../../bench/harness/cluster-harness';

export { address, clusterCli, dbsizeSum, waitForMembers } from '../../bench/harness/cluster-steps';

/** A variant of a test: the kinds of its nodes, in launch order. */
export interface Variant {
  name: string;
  kinds: NodeKind[];
}

/**
 * The variants a file runs, from HASHSLOT_RESHARD_KINDS (comma-separated: redis, hashslot, mixed;
 * all three by default). `mixed` alternates redis and hashslot, starting with redis.
 */
export function selectedVariants(nodeCount: number, env = process.env['HASHSLOT_RESHARD_KINDS']): Variant[] {
  const names = (env ?? 'redis,hashslot,mixed').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return names.map((name): Variant => {
    if (name === 'redis' || name === 'hashslot') return { name, kinds: Array.from({ length: nodeCount }, () => name) };
    if (name === 'mixed') return { name, kinds: Array.from({ length: nodeCount }, (_, i): NodeKind => (i % 2 === 0 ? 'redis' : 'hashslot')) };
    throw new Error(`HASHSLOT_RESHARD_KINDS: unknown kind ${JSON.stringify(name)} (redis, hashslot, mixed)`);
  });
}
