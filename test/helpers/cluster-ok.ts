/**
 * Waiting for a one-node cluster (the compat tests' `--cluster-enabled yes` servers, which assign
 * themselves every slot) to say `cluster_state:ok`, polled over the test's own connection.
 */
import type { RawClient } from '../../bench/harness/raw-client';
import { delay } from '../../bench/harness/server-process';

/** Polls CLUSTER INFO until the one-node cluster says ok (deadline 10 s). */
export async function clusterOk(c: RawClient): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await c.call('CLUSTER', 'INFO')).toString('latin1').includes('cluster_state:ok')) {
    if (Date.now() > deadline) throw new Error('cluster_state never became ok');
    await delay(20);
  }
}
