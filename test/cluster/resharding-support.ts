/*
 * What the resharding tests share: running `redis-cli --cluster <subcommand>` and reading its
 * output, waiting until a chosen subset of the launched nodes agrees on one cluster, and the node
 * kinds a test runs on.
 *
 * A subset, because these tests launch nodes that are not (yet, or any more) in the cluster: the
 * 4th master before `add-node`, a replica before `add-node --cluster-slave`, a node after
 * `del-node` (which resets it into a cluster of its own). LocalCluster.waitForAgreement looks at
 * every launched node, so it cannot be used while one of them stands outside.
 */

import { runRedisCli, stripAnsi, type ClusterNode, type LocalCluster, type NodeKind } from '../../bench/harness/cluster-harness';
import { agreementView, type NodeLine } from '../../bench/harness/cluster-replies';

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

export interface CliRun {
  code: number | null;
  /** stdout without colour codes, then stderr. */
  out: string;
  ms: number;
}

/** `redis-cli --cluster <args...>`, with the exit status, the plain output and how long it took. */
export async function clusterCli(args: readonly string[], timeoutMs = 120_000): Promise<CliRun> {
  const start = Date.now();
  const result = await runRedisCli(['--cluster', ...args], timeoutMs);
  const out = stripAnsi(result.stdout) + (result.stderr === '' ? '' : `\n[stderr]\n${result.stderr}`);
  return { code: result.timedOut ? null : result.code, out, ms: Date.now() - start };
}

export const address = (node: ClusterNode): string => `${node.host}:${node.port}`;

/**
 * Polls until every node of `members` lists exactly those nodes, with the same ids, roles,
 * masters, epochs and slots, none flagged fail/handshake, and says cluster_state:ok; returns the
 * agreed view.
 */
export async function waitForMembers(cluster: LocalCluster, members: readonly ClusterNode[], deadlineMs = 30_000): Promise<NodeLine[]> {
  let agreed: NodeLine[] = [];
  const ports = members.map((n) => n.port).sort((a, b) => a - b).join(',');
  await cluster.waitFor(`nodes ${ports} agree on one cluster of exactly them, state ok`, deadlineMs, async () => {
    const views = await Promise.all(members.map((n) => n.clusterNodes().catch(() => [])));
    const states = await Promise.all(members.map((n) => n.clusterState().catch((e: unknown) => String(e))));
    const texts = views.map(agreementView);
    const ok = views.every((v) => v.map((l) => l.port).sort((a, b) => a - b).join(',') === ports &&
        v.every((l) => !l.flags.some((f) => /fail|handshake|noaddr/.test(f)))) &&
      texts.every((text) => text === texts[0]) && states.every((s) => s === 'ok');
    agreed = views[0] ?? [];
    return { ok, detail: members.map((n, i) => `--- ${n.label} state=${String(states[i])}:\n${texts[i] ?? ''}`).join('\n') };
  });
  return agreed;
}

/** The sum of DBSIZE over the given nodes. */
export async function dbsizeSum(nodes: readonly ClusterNode[]): Promise<number> {
  const sizes = await Promise.all(nodes.map(async (n) => Number((await n.call('DBSIZE')).toString('latin1').slice(1))));
  return sizes.reduce((a, b) => a + b, 0);
}

/** The node of `view` (by id) among the launched nodes. */
export function nodeOf(cluster: LocalCluster, line: NodeLine | undefined): ClusterNode {
  if (line === undefined) throw new Error('no such node in the view');
  return cluster.byPort(line.port);
}
