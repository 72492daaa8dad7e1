/**
 * One side of a side-by-side cluster test (a real Redis cluster against a hashslot one): a
 * connection to each node, and replies with every node's port written as `<node N>`, so the
 * two sides' transcripts compare byte for byte.
 */
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
}
