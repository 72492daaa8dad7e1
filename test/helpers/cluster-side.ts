/**
 * One side of a side-by-side cluster test (a real Redis cluster against a hashslot one): a
 * connection to each node, and replies with every node's port written as `<node N>`, so the
 * two sides' transcripts compare byte for byte.
 */
import type tap from 'tap';
import type { LocalCluster } from '../../bench/harness/cluster-harness';
import { RawClient } from '../../bench/harness/raw-client';
import { escapeBytes, type Arg } from '../../bench/harness/resp';

export class ClusterSide {
  private readonly clients: RawClient[] = [];

  constructor(readonly cluster: LocalCluster) {}

  async connect(): Promise<void> {
    for (const node of this.cluster.nodes) this.clients.push(await RawClient.connect(node.port, node.host));
  }

  /** One command on node `index`'s connection; the reply with every node's port as `<node N>`. */
  async call(index: number, argv: readonly Arg[]): Promise<string> {
    const client = this.clients[index];
    if (client === undefined) throw new Error(`no node #${index}`);
    return this.normalize(escapeBytes(await client.call(...argv)));
  }

  normalize(text: string): string {
    return this.cluster.nodes.reduce((out, node, i) => out.split(`:${node.port}`).join(`:<node ${i}>`), text);
  }

  close(): void {
    for (const client of this.clients) client.close();
  }

  /** The two sides of a test, connected, and closed when `tt` ends. */
  static async connectBoth(tt: tap.Test, redisCluster: LocalCluster, targetCluster: LocalCluster): Promise<[ClusterSide, ClusterSide]> {
    const redis = new ClusterSide(redisCluster);
    const target = new ClusterSide(targetCluster);
    tt.teardown(() => {
      redis.close();
      target.close();
    });
    await Promise.all([redis.connect(), target.connect()]);
    return [redis, target];
  }
}

/** Node 0 takes every slot and node 1 becomes its replica; returns once the cluster is ok. */
export async function formMasterReplica(cluster: LocalCluster): Promise<void> {
  const [master, replica] = [cluster.node(0), cluster.node(1)];
  await master.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await master.call('CLUSTER', 'MEET', replica.host, String(replica.port));
  await cluster.waitForAgreement(2);
  await replica.call('CLUSTER', 'REPLICATE', (await master.myself()).id);
  await cluster.waitForOk();
}
