/*
 * Steps of a cluster's life done the operator's way, for the resharding tests and the rebalance
 * benchmark: running `redis-cli --cluster <subcommand>` (optionally under a command prefix such as
 * `taskset -c 1`, so the benchmark can pin it), and waiting until a chosen subset of the launched
 * nodes agrees on one cluster.
 *
 * A subset, because these scripts launch nodes that are not (yet, or any more) in the cluster: a
 * 4th master before `add-node`, a replica before `add-node --cluster-slave`, a node after
 * `del-node` (which resets it into a cluster of its own). LocalCluster.waitForAgreement looks at
 * every launched node, so it cannot be used while one of them stands outside.
 */

import { redisCliPath, stripAnsi, type ClusterNode, type LocalCluster } from './cluster-harness';
import { agreementView, type NodeLine } from './cluster-replies';
import { runProgram } from './run-program';

export interface CliRun {
  /** null when the deadline passed and redis-cli was killed. */
  code: number | null;
  /** stdout without colour codes, then stderr. */
  out: string;
  ms: number;
}

/**
 * `redis-cli --cluster <args...>`, with the exit status, the plain output and how long it ran
 * (wall clock from spawn to exit). `prefix` runs it through another program, e.g. ['taskset', '-c', '1'].
 */
export async function clusterCli(args: readonly string[], timeoutMs = 120_000, prefix: readonly string[] = []): Promise<CliRun> {
  const cli = redisCliPath();
  if (cli === null) throw new Error('redis-cli not installed');
  const argv = [...prefix, cli, '--cluster', ...args];
  const start = performance.now();
  const result = await runProgram(argv[0] ?? cli, argv.slice(1), { timeoutMs });
  const ms = performance.now() - start;
  const out = stripAnsi(result.stdout) + (result.stderr === '' ? '' : `\n[stderr]\n${result.stderr}`);
  return { code: result.timedOut ? null : result.code, out, ms: Math.round(ms) };
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
