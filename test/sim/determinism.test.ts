/**
 * Replayability (DESIGN.md decision 3; STYLE.md "Deterministic simulation": a seed replays a run
 * exactly). The machine takes time and randomness only as inputs and the simulation draws every
 * choice from the seed, so one seed must give the same run, message for message: here a busy one
 * with loss, a partition, a slot move and a crash/restart. A different seed must give a
 * different run, or the seed would not be steering anything.
 */
import t from 'tap';
import { nodesText } from '../../cluster-bus/cluster-views';
import { typeCode } from '../../cluster-bus/messages';
import { createCluster, recordText, scenarioSeeds, takeSlots } from './sim-harness';
import { SimNetwork } from './sim-network';

interface RunTrace {
  records: string;
  deliveries: string[];
  views: string;
  configs: string;
}

function busyRun(seed: number): RunTrace {
  const sim = new SimNetwork({ seed, nodes: 6 });
  const deliveries: string[] = [];
  sim.onDeliver = ({ atMs, from, to, message }) => deliveries.push(`${atMs} ${from}->${to} type ${typeCode(message)}`);
  createCluster(sim, { masters: 3 });
  sim.dropRate = 0.1;
  sim.runFor(5000);
  sim.isolate(5);
  takeSlots(sim, 1, [0, 1, 2], true);
  sim.runFor(20_000);
  sim.healAll();
  sim.crash(2);
  sim.runFor(3000);
  sim.restart(2);
  sim.runFor(20_000);
  return {
    records: recordText(sim),
    deliveries,
    views: sim.nodes.map((n) => nodesText(n.machine)).join('--\n'),
    configs: sim.nodes.map((n) => n.savedConfig).join('--\n'),
  };
}

/** The first line where two texts differ, so a failure shows where the runs parted. */
function firstDifference(a: string[], b: string[]): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i}: ${JSON.stringify(a[i])} vs ${JSON.stringify(b[i])}`;
  }
  return 'none';
}

for (const seed of scenarioSeeds(8008)) {
  t.test(`one seed, one run: events, messages, views and nodes.conf repeat exactly (seed ${seed})`, (t) => {
    t.comment(`SIM_SEED=${seed}`);
    const first = busyRun(seed);
    const second = busyRun(seed);
    t.ok(first.deliveries.length > 500, `a busy run (${first.deliveries.length} messages, ${first.records.split('\n').length} records)`);
    t.equal(first.records === second.records, true, `same event sequence (first difference: ${firstDifference(first.records.split('\n'), second.records.split('\n'))})`);
    t.equal(first.deliveries.join('\n') === second.deliveries.join('\n'), true, `same messages at the same times (first difference: ${firstDifference(first.deliveries, second.deliveries)})`);
    t.equal(first.views, second.views, 'same CLUSTER NODES on every node, ping/pong times included');
    t.equal(first.configs, second.configs, 'same nodes.conf on every node');

    const other = busyRun((seed + 1) >>> 0);
    t.not(other.records, first.records, 'another seed gives another run');
    t.end();
  });
}
