/*
 * Failover benchmark (issue 5): how long from kill -9 of a master to the first PFAIL, the first
 * FAIL, the promotion of its replica and every surviving node back at cluster_state:ok, for real
 * redis-server and for hashslot at cluster-node-timeout 2000, in one run.
 *
 *   node dist/bench/failover.js [--rounds N]      (env BENCH_ROUNDS, default 3; npm run bench:failover)
 *
 * One round of one kind (all six nodes of that kind):
 *
 *   launch 6 nodes ── redis-cli --cluster create --cluster-replicas 1 ── all ok, all agree,
 *   keys SET through MOVED redirects, WAIT 1 on each master (every replica linked and in sync)
 *
 *   t0 = kill -9 of the master of slot 0, then every ~20 ms on each of the five survivors (one kept
 *   connection each, CLUSTER NODES and CLUSTER INFO pipelined), recording the first time that
 *
 *     PFAIL      any survivor flags the dead node `fail?` (or already `fail`, if a poll missed it)
 *     FAIL       any survivor flags it `fail`
 *     promoted   its replica's own `myself` line says `master`
 *     all ok     every survivor says cluster_state:ok and, in its CLUSTER NODES, the promoted
 *                replica is a master owning every slot the dead node had (the total)
 *
 * Each time is when the poll's reply arrived, so it is late by at most one poll interval plus a
 * round trip; both kinds are measured by the same loop. The replica's own "Start of election
 * delayed for N milliseconds" log line (both servers write it) is read afterwards: that random
 * 500-1000 ms delay is part of FAIL → promoted and is the largest source of spread between rounds.
 *
 * Kinds alternate which goes first in each round so drift on a shared box is spread over both;
 * each cell is the median over the rounds that succeeded, the steps are medians of per-round
 * differences. The target is hashslot/redis ≤ 1.00x on the total. Progress goes to stderr,
 * tables to stdout. Ctrl-C kills every node started and removes their dirs.
 */

import { RawClient } from './harness/raw-client';
import { redisServerPath } from './harness/real-redis';
import { parseReply } from './harness/resp';
import { delay } from './harness/server-process';
import { LocalCluster, RedirectingClient, redisCliPath, type ClusterNode, type NodeKind } from './harness/cluster-harness';
import { infoField, isMaster, ownedSlots, parseClusterNodes, type NodeLine } from './harness/cluster-replies';
import { log, parseRounds } from './bench-cli';
import { machine } from './machine';
import { formatRatio, formatTable, median } from './table';

const NODE_TIMEOUT_MS = 2_000;
const POLL_INTERVAL_MS = 20;
const FAILOVER_DEADLINE_MS = 30_000;
const OK_DEADLINE_MS = 30_000;
const KEYS = 100;
const KINDS: readonly NodeKind[] = ['redis', 'hashslot'];
const TARGET = 1.0;

interface Round {
  pfailMs: number;
  failMs: number;
  promotedMs: number;
  allOkMs: number;
  /** From the replica's log; NaN when the line was not found. */
  electionDelayMs: number;
  /** Who saw PFAIL / FAIL first, for the progress lines. */
  pfailSeenBy: string;
  failSeenBy: string;
  polls: number;
}

type Outcome = { ok: true; round: Round } | { ok: false; error: string };


const ms = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)}` : 'n/a');

// ─── Clean-up on Ctrl-C ─────────────────────────────────────────────────────────────────────────

/** Clusters that may have live processes; SIGINT kills them all at once, synchronously. */
const liveClusters = new Set<LocalCluster>();
let interrupted = false;

function killEverything(): void {
  for (const cluster of liveClusters) {
    for (const node of cluster.nodes) {
      if (node.isRunning && node.pid !== undefined) {
        try { process.kill(node.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) {
    // Second Ctrl-C: do not wait for the unwinding; kill what we know of and leave.
    killEverything();
    process.exit(130);
  }
  interrupted = true;
  log(`\n${signal}: killing every node started and cleaning up (Ctrl-C again to leave at once)`);
  killEverything();
}

class Interrupted extends Error {}

function checkInterrupted(): void {
  if (interrupted) throw new Interrupted('interrupted');
}

// ─── Polling the survivors ──────────────────────────────────────────────────────────────────────

interface Snapshot {
  node: ClusterNode;
  view: NodeLine[];
  state: string | undefined;
}

/** One kept connection per survivor, reopened if it drops; a failed poll of a node yields null. */
class Poller {
  private readonly clients = new Map<ClusterNode, RawClient>();

  constructor(private readonly nodes: readonly ClusterNode[]) {}

  async connect(): Promise<void> {
    await Promise.all(this.nodes.map(async (node) => this.clients.set(node, await RawClient.connect(node.port, node.host, 2_000))));
  }

  private async snapshotOf(node: ClusterNode): Promise<Snapshot | null> {
    try {
      let client = this.clients.get(node);
      if (client === undefined || client.isClosed) {
        client = await RawClient.connect(node.port, node.host, 2_000);
        this.clients.set(node, client);
      }
      client.send('CLUSTER', 'NODES');
      client.send('CLUSTER', 'INFO');
      const [nodesReply, infoReply] = await client.readReplies(2, 2_000);
      if (nodesReply === undefined || infoReply === undefined) return null;
      const view = parseClusterNodes(parseReply(nodesReply).text.toString('utf8'));
      const state = infoField(parseReply(infoReply).text.toString('utf8'), 'cluster_state');
      return { node, view, state };
    } catch {
      // A timed-out or broken connection may hold a late reply: start afresh on the next poll.
      this.clients.get(node)?.close();
      this.clients.delete(node);
      return null;
    }
  }

  /** Polls every node in parallel; each snapshot is stamped with the time its replies arrived. */
  poll(onSnapshot: (snapshot: Snapshot, at: number) => void): Promise<void> {
    return Promise.all(this.nodes.map(async (node) => {
      const snapshot = await this.snapshotOf(node);
      if (snapshot !== null) onSnapshot(snapshot, performance.now());
    })).then(() => undefined);
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}

// ─── One round ──────────────────────────────────────────────────────────────────────────────────

function roleOf(node: ClusterNode, view: readonly NodeLine[]): string {
  const me = view.find((n) => n.port === node.port);
  return me === undefined ? '?' : isMaster(me) ? 'master' : 'replica';
}

async function prepare(cluster: LocalCluster): Promise<NodeLine[]> {
  await cluster.createOrThrow(1);
  checkInterrupted();
  await cluster.waitForOk(OK_DEADLINE_MS);
  const view = await cluster.waitForAgreement(6, OK_DEADLINE_MS);
  checkInterrupted();
  const writer = new RedirectingClient();
  try {
    for (let i = 0; i < KEYS; i++) {
      const reply = (await writer.call(cluster.node(0).port, 'SET', `fo:${i}`, `v${i}`)).toString('latin1');
      if (reply !== '+OK\r\n') throw new Error(`SET fo:${i}: ${reply.trim()}`);
    }
    // Every replica linked and in sync: a replica that never synced would refuse to fail over.
    for (const master of view.filter(isMaster)) {
      const acked = (await writer.call(master.port, 'WAIT', '1', '5000')).toString('latin1');
      if (acked !== ':1\r\n') throw new Error(`WAIT 1 on master ${master.port}: ${acked.trim()}`);
    }
  } finally {
    writer.close();
  }
  return view;
}

async function measureFailover(cluster: LocalCluster, view: readonly NodeLine[]): Promise<Round> {
  const victimLine = view.find((n) => isMaster(n) && ownedSlots(n).includes(0));
  if (victimLine === undefined) throw new Error('no owner of slot 0');
  const replicaLine = view.find((n) => n.masterId === victimLine.id);
  if (replicaLine === undefined) throw new Error('the master of slot 0 has no replica');
  const victimSlots = ownedSlots(victimLine);
  const victim = cluster.byPort(victimLine.port);
  const replica = cluster.byPort(replicaLine.port);
  const survivors = cluster.nodes.filter((n) => n !== victim);
  const poller = new Poller(survivors);
  await poller.connect();

  let pfailAt = NaN;
  let failAt = NaN;
  let promotedAt = NaN;
  let pfailSeenBy = '';
  let failSeenBy = '';
  let polls = 0;
  try {
    const t0 = performance.now();
    await victim.kill('SIGKILL');
    for (;;) {
      const started = performance.now();
      const okNodes = new Set<ClusterNode>();
      await poller.poll(({ node, view: seen, state }, at) => {
        const dead = seen.find((n) => n.id === victimLine.id);
        const flags = dead?.flags ?? [];
        if (Number.isNaN(pfailAt) && (flags.includes('fail?') || flags.includes('fail'))) {
          pfailAt = at;
          pfailSeenBy = `${node.port} (${roleOf(node, view)})${flags.includes('fail') ? ', already fail' : ''}`;
        }
        if (Number.isNaN(failAt) && flags.includes('fail')) {
          failAt = at;
          failSeenBy = `${node.port} (${roleOf(node, view)})`;
        }
        if (node === replica && Number.isNaN(promotedAt) && seen.find((n) => n.flags.includes('myself'))?.flags.includes('master')) {
          promotedAt = at;
        }
        const promoted = seen.find((n) => n.id === replicaLine.id);
        const owned = promoted !== undefined && isMaster(promoted) ? new Set(ownedSlots(promoted)) : new Set<number>();
        const owns = victimSlots.every((slot) => owned.has(slot));
        if (state === 'ok' && owns) okNodes.add(node);
      });
      polls++;
      const now = performance.now();
      if (okNodes.size === survivors.length && !Number.isNaN(promotedAt)) {
        const electionDelay = /Start of election delayed for (\d+) milliseconds/.exec(replica.output());
        return {
          pfailMs: pfailAt - t0,
          failMs: failAt - t0,
          promotedMs: promotedAt - t0,
          allOkMs: now - t0,
          electionDelayMs: electionDelay === null ? NaN : Number(electionDelay[1]),
          pfailSeenBy,
          failSeenBy,
          polls,
        };
      }
      checkInterrupted();
      const stragglers = survivors.filter((n) => !n.isRunning);
      if (stragglers.length > 0) throw new Error(`${stragglers.map((n) => n.label).join(', ')} exited during the failover`);
      if (now - t0 > FAILOVER_DEADLINE_MS) {
        throw new Error(`not all ok within ${FAILOVER_DEADLINE_MS} ms of the kill: PFAIL ${ms(pfailAt - t0)}, FAIL ${ms(failAt - t0)}, ` +
          `promoted ${ms(promotedAt - t0)}, ok on ${okNodes.size}/${survivors.length}`);
      }
      await delay(Math.max(0, POLL_INTERVAL_MS - (now - started)));
    }
  } finally {
    poller.close();
  }
}

async function oneRound(kind: NodeKind): Promise<Outcome> {
  let cluster: LocalCluster | null = null;
  try {
    cluster = await LocalCluster.launch(Array.from({ length: 6 }, () => kind), { nodeTimeoutMs: NODE_TIMEOUT_MS });
    liveClusters.add(cluster);
    checkInterrupted();
    const view = await prepare(cluster);
    checkInterrupted();
    return { ok: true, round: await measureFailover(cluster, view) };
  } catch (err) {
    if (err instanceof Interrupted || interrupted) return { ok: false, error: 'interrupted' };
    const message = err instanceof Error ? err.message : String(err);
    const logs = cluster?.logs() ?? '';
    return { ok: false, error: `${message.slice(0, 2_000)}\n${logs.slice(-4_000)}` };
  } finally {
    if (cluster !== null) {
      if (interrupted) killEverything();
      await cluster.destroy();
      liveClusters.delete(cluster);
    }
  }
}

// ─── main ───────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const rounds = parseRounds(process.argv.slice(2), 3, 'usage: node dist/bench/failover.js [--rounds N]   (env BENCH_ROUNDS, default 3)');
  if (redisCliPath() === null || redisServerPath() === null) {
    log('redis-server and redis-cli are needed: apt-get install redis-server redis-tools');
    process.exitCode = 1;
    return;
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const box = machine();
  log(`failover: ${rounds} rounds per kind, cluster-node-timeout ${NODE_TIMEOUT_MS}, poll every ${POLL_INTERVAL_MS} ms; ` +
    `${box.cores} cores (${box.cpuModel}), load ${box.loadText(' ')}` +
    (box.busy ? ' (busy box: expect a wider spread)' : ''));

  const results: Record<NodeKind, Outcome[]> = { redis: [], hashslot: [] };
  for (let r = 0; r < rounds && !interrupted; r++) {
    const order: NodeKind[] = r % 2 === 0 ? ['redis', 'hashslot'] : ['hashslot', 'redis'];
    for (const kind of order) {
      if (interrupted) break;
      const outcome = await oneRound(kind);
      results[kind].push(outcome);
      if (outcome.ok) {
        const x = outcome.round;
        log(`round ${r + 1} ${kind}: PFAIL ${ms(x.pfailMs)} (seen by ${x.pfailSeenBy}), FAIL ${ms(x.failMs)} (seen by ${x.failSeenBy}), ` +
          `promoted ${ms(x.promotedMs)} (election delay ${ms(x.electionDelayMs)}), all ok ${ms(x.allOkMs)} ms; ${x.polls} polls`);
      } else {
        log(`round ${r + 1} ${kind}: FAILED ${outcome.error.split('\n')[0] ?? ''}`);
      }
    }
  }
  if (interrupted) {
    log('interrupted: no table');
    process.exitCode = 130;
    return;
  }

  const medianOf = (kind: NodeKind, pick: (round: Round) => number): number => {
    const values = results[kind].flatMap((o) => (o.ok && Number.isFinite(pick(o.round)) ? [pick(o.round)] : []));
    return values.length === 0 ? NaN : median(values);
  };
  const phases: Array<[string, (round: Round) => number]> = [
    ['first PFAIL (`fail?`) on any survivor', (x) => x.pfailMs],
    ['first FAIL on any survivor', (x) => x.failMs],
    ['replica promoted (its `myself` is master)', (x) => x.promotedMs],
    ['**all ok** (every survivor ok, slots on the new master)', (x) => x.allOkMs],
    ['step: PFAIL → FAIL', (x) => x.failMs - x.pfailMs],
    ['step: FAIL → promoted', (x) => x.promotedMs - x.failMs],
    ['step: promoted → all ok', (x) => x.allOkMs - x.promotedMs],
    ['election delay the replica logged (in FAIL → promoted)', (x) => x.electionDelayMs],
    ['all ok minus that delay (the random draw taken out)', (x) => x.allOkMs - x.electionDelayMs],
  ];
  const good = (kind: NodeKind): number => results[kind].filter((o) => o.ok).length;
  const rows = phases.map(([label, pick]) => {
    const redis = medianOf('redis', pick);
    const hashslot = medianOf('hashslot', pick);
    return [label, ms(redis), ms(hashslot), formatRatio(hashslot / redis)];
  });
  rows.push(['rounds ok', `${good('redis')}/${rounds}`, `${good('hashslot')}/${rounds}`, '']);
  process.stdout.write(`\n### kill -9 of a master in a 3+3 cluster, cluster-node-timeout ${NODE_TIMEOUT_MS} (median of ${rounds}, ms after the kill)\n\n`);
  process.stdout.write(formatTable([
    { header: 'phase', align: 'left' }, { header: 'redis', align: 'right' },
    { header: 'hashslot', align: 'right' }, { header: 'hashslot/redis', align: 'right' },
  ], rows));

  const ratio = medianOf('hashslot', (x) => x.allOkMs) / medianOf('redis', (x) => x.allOkMs);
  const verdict = Number.isFinite(ratio) ? (ratio <= TARGET ? 'met' : 'NOT MET') : 'no figure';
  process.stdout.write(`\n\ntarget hashslot/redis <= ${TARGET.toFixed(2)}x on the total (kill -9 → all ok): ${formatRatio(ratio)}, ${verdict}\n`);

  process.stdout.write('\nper round (ms after the kill: PFAIL / FAIL / promoted / all ok; election delay):\n\n');
  for (const kind of KINDS) {
    const lines = results[kind].map((o, i) => (o.ok
      ? `${kind} #${i + 1}: ${ms(o.round.pfailMs)} / ${ms(o.round.failMs)} / ${ms(o.round.promotedMs)} / ${ms(o.round.allOkMs)}; ${ms(o.round.electionDelayMs)}`
      : `${kind} #${i + 1}: failed`));
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  for (const kind of KINDS) {
    const failure = results[kind].find((o): o is { ok: false; error: string } => !o.ok);
    if (failure !== undefined) process.stdout.write(`\n${kind} failed ${results[kind].length - good(kind)} round(s); first failure:\n${failure.error}\n`);
  }
}

main().catch((err: unknown) => {
  killEverything();
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
