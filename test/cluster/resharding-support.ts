/*
 * What the resharding tests share beyond bench/harness/cluster-steps.ts: the node kinds a test
 * runs on, chosen by an environment variable so one variant can be run alone (redis-server first,
 * to check the test itself; then hashslot and the mixed cluster); redis-cli steps that must be
 * answered on stdin; and the small views of a cluster the operations tests assert on.
 */

import { runRedisCli, stripAnsi, type ClusterNode, type NodeKind } from '../../bench/harness/cluster-harness';
import { isMaster, ownedSlots, parseClusterNodes, type NodeLine } from '../../bench/harness/cluster-replies';
import type { CliRun } from '../../bench/harness/cluster-steps';

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

/**
 * `redis-cli --cluster <args...>` with `answers` on its stdin. Redis 7.0's fix asks before
 * covering unassigned slots even with --cluster-yes ("we want explicit manual confirmation from
 * users for all the fix cases"), and reads the answers from stdin.
 */
export async function clusterCliAnswering(args: readonly string[], answers: string, timeoutMs = 120_000): Promise<CliRun> {
  const start = performance.now();
  const result = await runRedisCli(['--cluster', ...args], timeoutMs, answers);
  const out = stripAnsi(result.stdout) + (result.stderr === '' ? '' : `\n[stderr]\n${result.stderr}`);
  return { code: result.timedOut ? null : result.code, out, ms: Math.round(performance.now() - start) };
}

/**
 * A standalone server seen as a cluster of one master owning every slot: what
 * bench/harness/cluster-dataset.ts needs to load a dataset into it and snapshot it.
 */
export function standaloneView(port: number): NodeLine[] {
  return parseClusterNodes(`${'0'.repeat(40)} 127.0.0.1:${port}@0 myself,master - 0 0 0 connected 0-16383\n`);
}

/** The master that owns `slot` in `view`, or undefined. */
export function ownerOf(view: readonly NodeLine[], slot: number): NodeLine | undefined {
  return view.find((line) => isMaster(line) && ownedSlots(line).includes(slot));
}

/** A node's line in `view` (by port); throws when the node is not in it. */
export function lineOf(view: readonly NodeLine[], node: ClusterNode): NodeLine {
  const line = view.find((l) => l.port === node.port);
  if (line === undefined) throw new Error(`${node.label} is not in the view`);
  return line;
}

/** Slot numbers as redis-cli prints a slot list: `[0-33],[35],[37-40]`, ascending. */
export function slotList(slots: readonly number[]): string {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    ranges.push(i === j ? `[${sorted[i]}]` : `[${sorted[i]}-${sorted[j]}]`);
    i = j + 1;
  }
  return ranges.join(',');
}

/** Slot ranges as CLUSTER NODES prints them (`0-6826 10923-12287`), for a node of `view`. */
export function slotRanges(view: readonly NodeLine[], node: ClusterNode): string {
  return lineOf(view, node).slotTokens.filter((token) => !token.startsWith('[')).join(' ');
}
