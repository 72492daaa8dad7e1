/*
 * The master role moving around five nodes under write load (issue 12), in the manner of Redis's
 * PSYNC2 test, seeded so a failing layout sequence can be replayed:
 *
 *   each cycle   a seeded pick becomes master (REPLICAOF NO ONE, pings every second); once every
 *                node of its old chain carries the new replid, the other four are attached in a
 *                random tree below it (some direct, some chained), in an order that only ever
 *                points a node at one already on the new chain or on its own old chain
 *   load         INCR x and SETs of random keys on the master for LOAD_MS, while a random node's
 *                master link is killed every KILL_EVERY_MS
 *   every 3rd    a leaf replica is restarted from its RDB (CONFIG REWRITE, SHUTDOWN SAVE, the same
 *                config file): it must continue with a partial resync
 *   checks       every node reaches the master's x; with pings off, every offset equals the
 *                master's exactly; DEBUG DIGEST is the same on all five; and the five took 4
 *                full syncs in all (the four first syncs: every later one is partial), as Redis
 *                makes it for the same layouts (counted from the nodes' logs)
 *
 * Run with all five nodes redis-server (checks the test), all hashslot, and mixed.
 *   HASHSLOT_SHUFFLE_SECONDS=60   how long each variant shuffles (default 60)
 *   HASHSLOT_SHUFFLE_SEED=1234    replay a seed (printed at the start of each variant)
 *   HASHSLOT_SHUFFLE_VARIANTS=hashslot,mixed   only these variants
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';
import { SeededRandom } from '../../storage/random';
import {
  FAST_SYNC_ARGS, missingPrerequisite, startNodes, stat, waitFor, type NodeKind, type ReplNode, type Test,
} from './replication-harness';

const SECONDS = Number(process.env['HASHSLOT_SHUFFLE_SECONDS'] ?? '60');
const LOAD_MS = 1500;
const KILL_EVERY_MS = 400;
const RESTART_EVERY_CYCLES = 3;

const VARIANTS: ReadonlyArray<{ name: string; kinds: readonly NodeKind[] }> = [
  { name: 'redis-server', kinds: ['redis', 'redis', 'redis', 'redis', 'redis'] },
  { name: 'hashslot', kinds: ['hashslot', 'hashslot', 'hashslot', 'hashslot', 'hashslot'] },
  { name: 'mixed', kinds: ['hashslot', 'redis', 'hashslot', 'redis', 'hashslot'] },
];

class Shuffle {
  /** Who each node replicates from (index), or -1 for the master. */
  readonly upstream: number[];
  private counter = 0;
  /** Each node's data dir: a restart runs in its first process's dir, whatever its own temp dir. */
  private readonly dirs: string[];
  /** sync_full counted by nodes before they restarted (a restart zeroes INFO stats). */
  private retiredFullSyncs = 0;
  /**
   * Every full sync one of the five took ("Full resync from master" in its log, as both servers
   * word it), with the lines before it. This, not the masters' sync_full, is what is checked: a
   * master also counts a sync it served to a process outside the test (in a full `npm test`, a
   * replica of another test file whose master's freed port one of these nodes reused).
   */
  private readonly fullSyncsTaken: string[] = [];
  /** Full syncs beyond the four already reported as a failure. */
  private reportedExtra = 0;

  constructor(
    private readonly t: Test,
    readonly nodes: ReplNode[],
    private readonly configFiles: readonly string[],
    private readonly kinds: readonly NodeKind[],
    private readonly random: (n: number) => number,
    /** Named in failures, so a CI log is enough to replay the layouts. */
    private readonly seed: number,
  ) {
    this.upstream = nodes.map(() => -1);
    this.dirs = nodes.map((n) => n.process.dir);
    nodes.forEach((node, i) => this.watchLog(node, i));
  }

  private watchLog(node: ReplNode, i: number): void {
    const recent: string[] = [];
    node.process.onLine((line) => {
      recent.push(line);
      if (recent.length > 12) recent.shift();
      if (line.includes('Full resync from master: ')) this.fullSyncsTaken.push(`#${i} ${node.label}:\n  ${recent.join('\n  ')}`);
    });
  }

  private rootOf(i: number): number {
    let r = i;
    for (let hops = 0; this.upstream[r] !== -1 && hops < 10; hops++) r = this.upstream[r] as number;
    return r;
  }

  private async replid(i: number): Promise<string> {
    return (await (this.nodes[i] as ReplNode).info('replication')).get('master_replid') ?? '';
  }

  private async linkUp(i: number): Promise<boolean> {
    return (await (this.nodes[i] as ReplNode).info('replication')).get('master_link_status') === 'up';
  }

  async cycle(n: number): Promise<void> {
    const nodes = this.nodes;
    const master = this.random(5);
    const m = nodes[master] as ReplNode;
    await m.replicaOf(null);
    this.upstream[master] = -1;
    await m.callText('CONFIG', 'SET', 'repl-ping-replica-period', '1');
    if (n === 1) await m.callText('SET', 'x', '0');
    // The chain the new master headed as a replica learns its new replid before anyone moves.
    await waitFor('every node carries its root master\'s replid', 20_000, async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await this.replid(i));
      const bad = ids.flatMap((id, i) => (id === ids[this.rootOf(i)] ? [] : [i]));
      return { ok: bad.length === 0, detail: `nodes ${bad.join(',')} differ: ${ids.join(' ')}` };
    }, nodes);

    // A random tree under the new master.
    const used = [master];
    const target = new Map<number, number>();
    while (used.length < 5) {
      let r: number;
      do r = this.random(5); while (used.includes(r));
      target.set(r, used[this.random(used.length)] as number);
      used.push(r);
    }
    while (target.size > 0) {
      let moved = false;
      for (const [replica, via] of target) {
        const sameNewChain = this.rootOf(via) === this.rootOf(master);
        const sameOldChain = this.rootOf(via) === this.rootOf(replica);
        if (n !== 1 && !sameNewChain && !sameOldChain) continue;
        await (nodes[replica] as ReplNode).replicaOf(nodes[via] as ReplNode);
        await waitFor(`#${replica} linked to #${via}`, 20_000, async () => ({ ok: await this.linkUp(replica), detail: '' }), nodes);
        this.upstream[replica] = via;
        target.delete(replica);
        moved = true;
        break;
      }
      if (!moved) throw new Error('no replica could be attached in a safe order');
    }
    this.t.comment(`cycle ${n}: master #${master}, upstream ${this.upstream.join(',')}`);

    await this.increment(master);
    await this.waitForCounter();
    await this.load(master);
    await this.waitForCounter();
    if (n % RESTART_EVERY_CYCLES === 0) await this.restartLeaf(master);
    await this.settle(master);
  }

  private async increment(master: number): Promise<void> {
    await (this.nodes[master] as ReplNode).callText('INCR', 'x');
    this.counter++;
  }

  private async waitForCounter(): Promise<void> {
    const want = String(this.counter);
    await waitFor(`x = ${want} on every node`, 30_000, async () => {
      const values: string[] = [];
      for (const node of this.nodes) values.push(await node.callText('GET', 'x'));
      return { ok: values.every((v) => v === want), detail: values.join(' ') };
    }, this.nodes).catch(async (err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${await this.describeNodes()}`);
    });
  }

  /** Each node's INFO replication and log tail: what a failure needs to be explained from CI's log. */
  private async describeNodes(): Promise<string> {
    const parts: string[] = [];
    for (const [i, node] of this.nodes.entries()) {
      const info = await node.info('replication').then((r) => r.toString(), (e: unknown) => String(e));
      parts.push(`--- #${i} ${node.label}, upstream #${this.upstream[i]}:\n${info}\n${node.process.describeFailure()}`);
    }
    return parts.join('\n');
  }

  private async load(master: number): Promise<void> {
    const m = this.nodes[master] as ReplNode;
    const start = Date.now();
    let nextKill = start + KILL_EVERY_MS;
    while (Date.now() - start < LOAD_MS) {
      await this.increment(master);
      await m.callText('SET', `key:${this.random(1000)}`, `value:${this.counter}`);
      if (Date.now() >= nextKill) {
        nextKill += KILL_EVERY_MS;
        const victim = this.nodes[this.random(5)] as ReplNode;
        await victim.call('CLIENT', 'KILL', 'TYPE', 'master');
      }
    }
  }

  /** Restarts a replica nobody replicates from, from its config file and dump.rdb. */
  private async restartLeaf(master: number): Promise<void> {
    const leaves = [0, 1, 2, 3, 4].filter((i) => i !== master && !this.upstream.includes(i));
    const i = leaves[this.random(leaves.length)] as number;
    const node = this.nodes[i] as ReplNode;
    const fullBefore = this.fullSyncsTaken.length;
    // Its counters start again from zero: keep what it had served (for the failure message).
    this.retiredFullSyncs += await stat(node, 'sync_full');
    await node.callText('CONFIG', 'REWRITE');
    // The rewritten file names the node's dir; it restarts there, on its dump.rdb. The exited
    // process is stopped (and its dir removed) only at teardown.
    const dir = this.dirs[i] as string;
    await node.call('SHUTDOWN', 'SAVE').catch(() => undefined);
    await waitFor(`#${i} exits`, 10_000, async () => ({ ok: !node.isRunning, detail: '' }));
    const [restarted] = await startNodes(this.t, [{
      kind: this.kinds[i] as NodeKind, name: `#${i}`, args: [...FAST_SYNC_ARGS, '--dir', dir], configFile: this.configFiles[i] as string,
    }]);
    if (restarted === undefined) throw new Error('restart failed');
    this.nodes[i] = restarted;
    this.watchLog(restarted, i);
    await waitFor(`#${i} back in sync`, 30_000, async () => ({ ok: await this.linkUp(i), detail: '' }), this.nodes);
    this.t.comment(`restarted #${i} from its RDB`);
    this.t.equal(this.fullSyncsTaken.length, fullBefore, `#${i} restarted from its RDB without a full sync`);
  }

  /** Pings off: every offset must come to equal the master's; then the datasets must agree. */
  private async settle(master: number): Promise<void> {
    const m = this.nodes[master] as ReplNode;
    await m.callText('CONFIG', 'SET', 'repl-ping-replica-period', '3600');
    await waitFor('offsets equal the master\'s exactly', 30_000, async () => {
      const offsets: number[] = [];
      for (const node of this.nodes) offsets.push((await node.info('replication')).num('master_repl_offset'));
      return { ok: offsets.every((o) => o === offsets[master]), detail: offsets.join(' ') };
    }, this.nodes);
    const digests: string[] = [];
    for (const node of this.nodes) digests.push(await node.callText('DEBUG', 'DIGEST'));
    this.t.ok(digests.every((d) => d === digests[0]), `DEBUG DIGEST equal on all nodes (${digests.map((d) => d.slice(0, 8)).join(' ')})`);
    const taken = this.fullSyncsTaken.length;
    const served: number[] = [];
    for (const node of this.nodes) served.push(await stat(node, 'sync_full'));
    const detail = `seed ${this.seed}; sync_full served per node ${served.join(',')}, by restarted processes ${this.retiredFullSyncs}`;
    // Reported once: the cycles after a miss would all repeat it.
    this.t.equal(taken, 4 + this.reportedExtra, `the nodes took 4 full syncs in all (${detail})`);
    if (taken > 4 + this.reportedExtra) {
      this.t.comment(`the full syncs taken:\n${this.fullSyncsTaken.join('\n')}`);
      this.reportedExtra = taken - 4;
    }
  }
}

// Three variants of SECONDS each, plus start-up and settling: more than tap's 120 s per file.
t.setTimeout((SECONDS + 90) * VARIANTS.length * 1000);

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  const only = process.env['HASHSLOT_SHUFFLE_VARIANTS']?.split(',');
  for (const variant of VARIANTS.filter((v) => only === undefined || only.includes(v.name))) {
    t.test(`${variant.name}: the master moves for ${SECONDS} s under load`, { timeout: (SECONDS + 120) * 1000 }, async (t) => {
      const seed = Number(process.env['HASHSLOT_SHUFFLE_SEED'] ?? String(Math.floor(Math.random() * 1e9)));
      t.comment(`seed ${seed} (HASHSLOT_SHUFFLE_SEED=${seed} replays the layouts)`);
      const base = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'hashslot-shuffle-'));
      t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
      const configFiles = variant.kinds.map((_k, i) => {
        const file = path.join(base, `node-${i}.conf`);
        fs.writeFileSync(file, `# shuffle node ${i}\n`);
        return file;
      });
      const nodes = await startNodes(t, variant.kinds.map((kind, i) => ({
        kind, name: `#${i}`, args: FAST_SYNC_ARGS, configFile: configFiles[i] as string,
      })));
      const random = new SeededRandom(seed);
      const shuffle = new Shuffle(t, nodes, configFiles, variant.kinds, (n) => random.below(n), seed);
      const start = Date.now();
      for (let cycle = 1; Date.now() - start < SECONDS * 1000 || cycle <= RESTART_EVERY_CYCLES; cycle++) {
        // The seed and the layout go into the failure itself: a terse CI log prints no comments.
        await shuffle.cycle(cycle).catch((err: unknown) => {
          throw new Error(`cycle ${cycle}, seed ${seed}, upstream ${shuffle.upstream.join(',')}: ${err instanceof Error ? err.message : String(err)}`);
        });
      }
    });
  }
}
