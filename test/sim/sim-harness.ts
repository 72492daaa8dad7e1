/**
 * Wiring between tap and the simulation, and the workloads scenarios share.
 *
 * Seeds. Each scenario has a fixed default seed, so the suite is the same on every run.
 * `SIM_SEED=n` replays one seed (the one a failing test printed) for every scenario of the file;
 * `SIM_SWEEP=k` runs each scenario with k seeds (the default, then k-1 derived ones), which is
 * how to look for seeds that break an invariant. The seed and the fault knobs are printed before
 * the run starts (TigerBeetle's VOPR logs them up front), and a failing test also prints the
 * replay command and the tail of the record.
 *
 * Workloads. `createCluster` forms a cluster the way `redis-cli --cluster create` does
 * (redis-wire.md §4.4): ADDSLOTSRANGE on the masters, SET-CONFIG-EPOCH 1..N on every node, every
 * node MEETs node 0, wait until everybody knows everybody (re-sending MEET to nodes that did not
 * join, as redis-cli 7.0 does), then CLUSTER REPLICATE on the replicas.
 */
import type tapDefault from 'tap';
import type { AdminOp, AdminResult } from '../../cluster-bus/cluster-state';
import { SLOT_COUNT } from '../../cluster-bus/messages';
import { allKnowAll, converged } from './sim-checks';
import { SimNetwork, type SimOptions, type SimRecord } from './sim-network';

export type Test = tap.Test;
// Keeps the import: the `tap` namespace used above is declared by the package's typings.
export type TapRoot = typeof tapDefault;

/** The seeds a scenario runs with (see the module comment). */
export function scenarioSeeds(defaultSeed: number): number[] {
  const replay = process.env.SIM_SEED;
  if (replay !== undefined && replay !== '') return [Number(replay) >>> 0];
  const sweep = Number(process.env.SIM_SWEEP ?? '1');
  const seeds = [defaultSeed];
  for (let i = 1; i < sweep; i++) seeds.push((Math.imul(defaultSeed ^ 0x9e3779b9, i + 1) + i * 0x6d2b79f5) >>> 0);
  return seeds;
}

/** A simulation bound to a test: knobs logged first, the record dumped if the test fails. */
export function startSim(t: Test, options: SimOptions): SimNetwork {
  const sim = new SimNetwork(options);
  t.comment(
    `SIM_SEED=${options.seed} nodes=${options.nodes} nodeTimeoutMs=${options.nodeTimeoutMs ?? 15000} ` +
      `latency=${options.latencyMinMs ?? 1}-${options.latencyMaxMs ?? 10}ms drop=${options.dropRate ?? 0}`,
  );
  t.teardown(() => {
    if (t.passing()) return;
    const file = process.argv[1] ?? 'dist/test/sim/<file>.test.js';
    process.stderr.write(
      `\n*** simulation failed; replay with: SIM_SEED=${sim.seed} npx tap --reporter=tap ${file}\n` +
        `*** at ${sim.now} ms simulated; stats ${JSON.stringify(sim.stats)}\n` +
        sim.records
          .slice(-60)
          .map((r) => formatRecord(r))
          .join('\n') +
        '\n',
    );
  });
  return sim;
}

/** One line per record; bigint epochs as decimal. */
export function formatRecord(record: SimRecord): string {
  const what = record.kind === 'event' ? JSON.stringify(record.event, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)) : record.what;
  return `${String(record.atMs).padStart(7)} ms  node ${record.node}  ${what}`;
}

/** The whole record as text: two runs with one seed must produce the same string. */
export function recordText(sim: SimNetwork): string {
  return sim.records.map((r) => formatRecord(r)).join('\n');
}

/** The error text an admin operation was refused with, or null when it was done. */
export function refusal(result: AdminResult): string | null {
  return result.ok ? null : result.error;
}

/** Admin operations a workload expects to succeed: a refusal is a broken scenario. */
export function adminOk(sim: SimNetwork, index: number, ...ops: AdminOp[]): void {
  const result = sim.admin(index, ...ops);
  if (!result.ok) throw new Error(`node ${index}: ${result.error}`);
}

/** CLUSTER MEET from one node to another's address. */
export function meet(sim: SimNetwork, from: number, to: number): void {
  const target = sim.node(to);
  adminOk(sim, from, { type: 'meet', ip: target.ip, port: target.port, cport: target.cport });
}

/** CLUSTER ADDSLOTSRANGE first last on a node. */
export function addSlots(sim: SimNetwork, index: number, first: number, last: number): void {
  adminOk(sim, index, { type: 'addslots', slots: range(first, last) });
}

/** The slot range master i of n gets from redis-cli --cluster create. */
export function masterRange(i: number, masters: number): [number, number] {
  return [Math.floor((SLOT_COUNT * i) / masters), Math.floor((SLOT_COUNT * (i + 1)) / masters) - 1];
}

export interface CreateOptions {
  masters: number;
  /** How many of the nodes after the masters replicate one; the rest stay empty masters. Default: all. */
  replicas?: number;
  /** Bound on the join, in simulated ms. */
  joinLimitMs?: number;
  /** Re-send MEET to nodes not yet joined this often (redis-cli does, when links stay down). */
  remeetEveryMs?: number;
}

/**
 * Forms a cluster of every node of the simulation: the first `masters` nodes get a share of the
 * slots, node i >= masters replicates master (i - masters) % masters (up to `replicas` of them).
 * Returns the simulated time the join took.
 */
export function createCluster(sim: SimNetwork, options: CreateOptions): number {
  const { masters } = options;
  const count = sim.nodes.length;
  for (let i = 0; i < masters; i++) {
    const [first, last] = masterRange(i, masters);
    addSlots(sim, i, first, last);
  }
  for (let i = 0; i < count; i++) adminOk(sim, i, { type: 'set-config-epoch', epoch: BigInt(i + 1) });
  for (let i = 1; i < count; i++) meet(sim, i, 0);
  const remeetEveryMs = options.remeetEveryMs ?? 0;
  let lastMeetMs = sim.now;
  const joinMs = sim.runUntil(
    'every node knows every other',
    () => {
      if (allKnowAll(sim)) return true;
      if (remeetEveryMs > 0 && sim.now - lastMeetMs >= remeetEveryMs) {
        lastMeetMs = sim.now;
        const zero = sim.node(0).machine;
        for (let i = 1; i < count; i++) {
          const node = sim.node(i);
          if (!zero.nodes.has(node.id) || !node.machine.nodes.has(zero.myself.name)) meet(sim, i, 0);
        }
      }
      return false;
    },
    options.joinLimitMs ?? 30_000,
  );
  const replicas = options.replicas ?? count - masters;
  for (let i = masters; i < masters + replicas; i++) {
    adminOk(sim, i, { type: 'replicate', nodeId: sim.node((i - masters) % masters).id });
  }
  return joinMs;
}

/** A simulation whose nodes were formed into a cluster and agree on one view. */
export function formedCluster(t: Test, options: SimOptions & CreateOptions): SimNetwork {
  const sim = startSim(t, options);
  createCluster(sim, options);
  sim.runUntil('views converge', () => converged(sim), 30_000, 250);
  return sim;
}

/**
 * A master takes slots over with a new, unique configEpoch: CLUSTER BUMPEPOCH then SETSLOT NODE
 * on itself for each slot, the way an operator forces slots onto a node (one CLUSTER command's
 * worth of effects: nothing is sent before the last slot is taken).
 */
export function takeSlots(sim: SimNetwork, index: number, slots: number[], bump: boolean): void {
  const id = sim.node(index).id;
  const ops: AdminOp[] = slots.map((slot) => ({ type: 'setslot', slot, action: 'node', nodeId: id }));
  adminOk(sim, index, ...(bump ? [{ type: 'bumpepoch' } as const, ...ops] : ops));
}

export function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(i);
  return out;
}
