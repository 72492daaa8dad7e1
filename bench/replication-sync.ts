/*
 * Replication benchmark: how long a replica takes to be in sync after a full sync of 1,000,000
 * keys, and after a partial resync, for real redis-server and for hashslot in one run.
 *
 *   node dist/bench/replication-sync.js [--rounds N] [--keys N] [--burst N]   (npm run bench:replication)
 *
 * For each kind (master and replica both redis-server, or both hashslot), in alternation over the
 * rounds (the kind that goes first alternates), on freshly started servers each round:
 *
 *   1. master and replica started with the same directives for both kinds: --save '' --appendonly no
 *      --repl-diskless-sync yes --repl-diskless-sync-delay 0 --repl-backlog-size 1048576
 *   2. N keys key:0 .. key:N-1 with distinct 16-byte values SET into the master, pipelined
 *      (key-loader.ts, the loader of the memory benchmark)
 *   3. full sync: t0 = REPLICAOF sent to the replica; polled every 10 ms until the replica says
 *      master_link_status:up, its slave_repl_offset equals the master's master_repl_offset and its
 *      DBSIZE equals the master's. The phases are read off the same polls (replication-pair.ts).
 *      RSS of master and replica (/proc/<pid>/status) once in sync.
 *   4. partial resync: replica SIGSTOPped, its link killed on the master (CLIENT KILL TYPE replica,
 *      or CLIENT LIST + CLIENT KILL ID if that is refused), a burst of SETs written to the master
 *      (10,000 by default; the script checks they fit the 1 MiB backlog), t0 = SIGCONT, polled
 *      every 1 ms until in sync again. The master's sync_partial_ok must have grown; a round where
 *      the replica got a full sync instead is reported as such and not counted. Repeated 5 times
 *      per round (--partial-repeats) on the same pair; the median is over all resyncs of all rounds.
 *
 * Each cell is the median over the rounds that succeeded; `vs redis` is hashslot's median over
 * redis's, with the targets: full sync <= 1.5x, partial resync <= 1.0x. A kind that fails
 * (hashslot before it replicates: REPLICAOF answers an error) gets "failed: <reason>" in its row and
 * the run goes on. Progress goes to stderr, tables to stdout.
 */

import { encodeCommands } from './harness/resp';
import { BenchArgs } from './bench-cli';
import { HASHSLOT_BIN, stopAll, stopServersOnExit } from './launch';
import { machine, redisServerVersion } from './machine';
import {
  burstCommands,
  describeReplicationArgs,
  runRound,
  type FullSync,
  type Kind,
  type Outcome,
  type PairOptions,
  type PartialSync,
  type RoundResult,
  TIMEOUT_REASON_PREFIX,
} from './replication-pair';
import { formatBytes, formatCount, formatRatio, formatTable, median } from './table';

const FULL_TARGET = 1.5;
const PARTIAL_TARGET = 1.0;
/** The burst must stay well inside the backlog: a backlog that overflows forces a full sync. */
const BURST_BACKLOG_SHARE = 0.75;
const KINDS: readonly Kind[] = ['redis', 'hashslot'];

/** A round's settings (replication-pair.ts), and how many rounds. */
interface Options extends Omit<PairOptions, 'log'> {
  rounds: number;
}

const USAGE = `usage: node dist/bench/replication-sync.js [options]
  --rounds N           rounds per kind, median reported          (env BENCH_ROUNDS, default 3)
  --keys N             keys loaded before the full sync          (env BENCH_KEYS,   default 1000000)
  --value-bytes N      value size of loaded and burst keys       (default 16)
  --burst N            SETs written while the replica is stopped (default 10000; must fit the backlog)
  --partial-repeats N  partial resyncs per round, median kept    (default 5)
  --poll-ms N          poll interval during the full sync        (default 10)
  --partial-poll-ms N  poll interval during the partial resync   (default 1)
  --redis-server PATH  (env BENCH_REDIS_SERVER, default redis-server)
  env BENCH_HASHSLOT_BIN overrides bin/hashslot-server (run with this node binary)`;

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const args = BenchArgs.parse(argv, {
    usage: USAGE,
    options: ['rounds', 'keys', 'value-bytes', 'burst', 'partial-repeats', 'poll-ms', 'partial-poll-ms', 'redis-server'],
  }, env);
  const integer = (name: string, envName: string | null, normal: number): number => args.positiveInt(name, envName ?? undefined, normal);
  return {
    rounds: integer('rounds', 'BENCH_ROUNDS', 3),
    keyCount: integer('keys', 'BENCH_KEYS', 1_000_000),
    valueBytes: integer('value-bytes', null, 16),
    burstSets: integer('burst', null, 10_000),
    partialRepeats: integer('partial-repeats', null, 5),
    fullPollMs: integer('poll-ms', null, 10),
    partialPollMs: integer('partial-poll-ms', null, 1),
    backlogBytes: 1024 * 1024,
    redisServer: args.text('redis-server', 'BENCH_REDIS_SERVER') ?? 'redis-server',
    hashslotBin: HASHSLOT_BIN,
  };
}

/**
 * The burst's size in the replication stream is about its RESP size (the master propagates each
 * SET as it was sent, plus a SELECT); checked before anything is started.
 */
function burstRespBytes(options: Options): number {
  return encodeCommands(burstCommands(options.burstSets, options.valueBytes)).length;
}

function skipped(why: string): { ok: false; reason: string; details: string } {
  return { ok: false, reason: `not run: ${why}`, details: '' };
}

// ─── report ─────────────────────────────────────────────────────────────────────────────────────

const ms = (value: number): string => (Number.isFinite(value) ? formatCount(value) : 'n/a');

function successes<T>(outcomes: readonly Outcome<T>[]): T[] {
  return outcomes.flatMap((outcome) => (outcome.ok ? [outcome.value] : []));
}

function medianOf<T>(values: readonly T[], pick: (value: T) => number): number {
  return values.length === 0 ? Number.NaN : median(values.map(pick));
}

/** "failed: <reason>" from the first failed round, or "" when all rounds succeeded. */
function note<T>(outcomes: readonly Outcome<T>[]): string {
  const failures = outcomes.filter((outcome): outcome is Extract<Outcome<T>, { ok: false }> => !outcome.ok);
  // Rounds not run (no full sync, or skipped after a timeout) follow from a real failure elsewhere.
  const real = failures.filter((failure) => !failure.reason.startsWith('not run'));
  const first = real[0];
  if (first === undefined) return failures[0]?.reason ?? '';
  const others = real.some((failure) => failure.reason !== first.reason);
  return `failed: ${first.reason}${others ? ' (and others, below)' : ''}`;
}

/** Judged on the ratio as printed (two decimals), so a row never says 1.00x beside NOT MET. */
function verdict(ratio: number, target: number): string {
  if (!Number.isFinite(ratio)) return 'no figure';
  return Number(ratio.toFixed(2)) <= target ? 'met' : 'NOT MET';
}

function renderReport(results: readonly RoundResult[], options: Options, burstBytes: number): string {
  const fulls = (kind: Kind): Outcome<FullSync>[] => results.filter((r) => r.kind === kind).map((r) => r.full);
  const partials = (kind: Kind): Outcome<PartialSync>[] => results.filter((r) => r.kind === kind).map((r) => r.partial);
  const fullTotal = (kind: Kind): number => medianOf(successes(fulls(kind)), (f) => f.totalMs);
  // Over every resync of every good round: rounds x repeats samples of a ~10-20 ms figure.
  const partialTotal = (kind: Kind): number => medianOf(successes(partials(kind)).flatMap((p) => p.samplesMs), (ms) => ms);
  const fullRatio = fullTotal('hashslot') / fullTotal('redis');
  const partialRatio = partialTotal('hashslot') / partialTotal('redis');
  const out: string[] = [];

  out.push(
    ``,
    `## Full sync of ${formatCount(options.keyCount)} keys (${options.valueBytes}-byte values; median of ${options.rounds} round(s), ms)`,
    ``,
    `t0 = REPLICAOF sent; polled every ${options.fullPollMs} ms until link up, offsets equal and DBSIZE equal.`,
    `handshake: until the replica reports master_sync_in_progress:1; transfer: until it reports loading:1;`,
    `load: until master_link_status:up; catch-up: until offsets and DBSIZE match.`,
    ``,
    formatTable(
      [
        { header: 'server', align: 'left' },
        { header: 'rounds ok', align: 'right' },
        { header: 'handshake', align: 'right' },
        { header: 'transfer', align: 'right' },
        { header: 'load', align: 'right' },
        { header: 'catch-up', align: 'right' },
        { header: 'total to in sync', align: 'right' },
        { header: 'vs redis', align: 'right' },
        { header: 'note', align: 'left' },
      ],
      KINDS.map((kind) => {
        const ok = successes(fulls(kind));
        return [
          kind,
          `${ok.length}/${options.rounds}`,
          ms(medianOf(ok, (f) => f.handshakeMs)),
          ms(medianOf(ok, (f) => f.transferMs)),
          ms(medianOf(ok, (f) => f.loadMs)),
          ms(medianOf(ok, (f) => f.catchUpMs)),
          ms(fullTotal(kind)),
          kind === 'redis' ? (ok.length > 0 ? '1.00x' : 'n/a') : formatRatio(fullRatio),
          note(fulls(kind)),
        ];
      }),
    ),
    ``,
    `target hashslot/redis <= ${FULL_TARGET.toFixed(2)}x: ${verdict(fullRatio, FULL_TARGET)}`,
  );

  out.push(
    ``,
    `## Partial resync after ${formatCount(options.burstSets)} SETs (median of ${options.rounds} round(s) × ${options.partialRepeats} resyncs, ms)`,
    ``,
    `Replica SIGSTOPped, its link killed on the master, ${formatCount(options.burstSets)} SETs (${formatBytes(burstBytes)} of RESP;`,
    `backlog ${formatBytes(options.backlogBytes)}), t0 = SIGCONT; polled every ${options.partialPollMs} ms until in sync; sync_partial_ok must grow.`,
    `${options.partialRepeats} resyncs per round on the same pair; median, min and max are over all resyncs of the good rounds.`,
    ``,
    formatTable(
      [
        { header: 'server', align: 'left' },
        { header: 'rounds ok', align: 'right' },
        { header: 'stream bytes', align: 'right' },
        { header: 'min', align: 'right' },
        { header: 'max', align: 'right' },
        { header: 'median to in sync', align: 'right' },
        { header: 'vs redis', align: 'right' },
        { header: 'note', align: 'left' },
      ],
      KINDS.map((kind) => {
        const ok = successes(partials(kind));
        const totals = ok.flatMap((p) => p.samplesMs);
        const via = [...new Set(ok.map((p) => p.killedVia))].filter((v) => v !== 'CLIENT KILL TYPE replica');
        const failureNote = note(partials(kind));
        return [
          kind,
          `${ok.length}/${options.rounds}`,
          ok.length > 0 ? formatCount(medianOf(ok, (p) => p.burstStreamBytes)) : 'n/a',
          ms(totals.length > 0 ? Math.min(...totals) : Number.NaN),
          ms(totals.length > 0 ? Math.max(...totals) : Number.NaN),
          ms(partialTotal(kind)),
          kind === 'redis' ? (ok.length > 0 ? '1.00x' : 'n/a') : formatRatio(partialRatio),
          [failureNote, via.length > 0 ? `link killed via ${via.join(', ')}` : ''].filter((s) => s !== '').join('; '),
        ];
      }),
    ),
    ``,
    `target hashslot/redis <= ${PARTIAL_TARGET.toFixed(2)}x: ${verdict(partialRatio, PARTIAL_TARGET)}`,
  );

  out.push(
    ``,
    `## Memory once in sync after the full sync (median, VmRSS / VmHWM from /proc)`,
    ``,
    formatTable(
      [
        { header: 'server', align: 'left' },
        { header: 'master RSS', align: 'right' },
        { header: 'replica RSS', align: 'right' },
        { header: 'replica peak RSS', align: 'right' },
        { header: 'replica RSS vs redis', align: 'right' },
      ],
      KINDS.map((kind) => {
        const ok = successes(fulls(kind));
        const replicaRss = medianOf(ok, (f) => f.replicaRssBytes);
        const redisReplicaRss = medianOf(successes(fulls('redis')), (f) => f.replicaRssBytes);
        return [
          kind,
          formatBytes(medianOf(ok, (f) => f.masterRssBytes)),
          formatBytes(replicaRss),
          formatBytes(medianOf(ok, (f) => f.replicaPeakRssBytes)),
          kind === 'redis' ? (ok.length > 0 ? '1.00x' : 'n/a') : formatRatio(replicaRss / redisReplicaRss),
        ];
      }),
    ),
  );

  const failures = results.flatMap((result) =>
    (
      [
        ['full sync', result.full],
        ['partial resync', result.partial],
      ] as const
    ).flatMap(([what, outcome]) =>
      !outcome.ok && !outcome.reason.startsWith('not run') ? [{ kind: result.kind, what, reason: outcome.reason, details: outcome.details }] : [],
    ),
  );
  if (failures.length > 0) {
    out.push(``, `## Failures`, ``);
    const shown = new Set<string>();
    for (const failure of failures) {
      const key = `${failure.kind} ${failure.what} ${failure.reason}`;
      const count = failures.filter((f) => `${f.kind} ${f.what} ${f.reason}` === key).length;
      if (shown.has(key)) continue;
      shown.add(key);
      out.push(`- ${failure.kind}, ${failure.what}, ${count} round(s): ${failure.reason}`);
      if (failure.details !== '') out.push('', '```', failure.details.trimEnd().slice(-3_000), '```', '');
    }
  }
  return out.join('\n') + '\n';
}

function describeMachine(options: Options): string {
  const redisVersion = redisServerVersion(options.redisServer);
  const box = machine();
  return [
    `# Replication: full sync and partial resync, hashslot vs redis-server`,
    ``,
    `- machine: ${box.cores} CPU core(s), ${box.cpuModel}, ${box.totalMemGib} RAM; master, replica and`,
    `  this script share the cores (both kinds under the same handicap)`,
    `- load average at start: ${box.loadText()}` +
      (box.busy ? ' (busy box: expect noisy figures)' : ''),
    `- node ${process.version}; ${redisVersion}; hashslot: ${options.hashslotBin}`,
    `- both kinds: ${describeReplicationArgs(options.backlogBytes)}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const log = (line: string): void => void process.stderr.write(line + '\n');
  const burstBytes = burstRespBytes(options);
  if (burstBytes > options.backlogBytes * BURST_BACKLOG_SHARE) {
    throw new Error(
      `--burst ${options.burstSets} is ${burstBytes} bytes of RESP, more than ${BURST_BACKLOG_SHARE * 100}% of the ` +
        `${options.backlogBytes}-byte backlog: the replica would need a full sync. Use a smaller --burst.`,
    );
  }
  process.stdout.write(describeMachine(options) + '\n');
  const pairOptions: PairOptions = {
    keyCount: options.keyCount,
    valueBytes: options.valueBytes,
    burstSets: options.burstSets,
    partialRepeats: options.partialRepeats,
    fullPollMs: options.fullPollMs,
    partialPollMs: options.partialPollMs,
    backlogBytes: options.backlogBytes,
    redisServer: options.redisServer,
    hashslotBin: options.hashslotBin,
    log,
  };
  const results: RoundResult[] = [];
  const started = performance.now();
  /** A kind whose full sync timed out once is not run again: each further round would wait as long. */
  const timedOut = new Map<Kind, string>();
  try {
    for (let round = 0; round < options.rounds; round += 1) {
      const order: Kind[] = round % 2 === 0 ? ['redis', 'hashslot'] : ['hashslot', 'redis'];
      for (const kind of order) {
        log(`round ${round + 1}/${options.rounds} ${kind}:`);
        const earlier = timedOut.get(kind);
        const result: RoundResult =
          earlier !== undefined
            ? { kind, full: skipped(`an earlier round timed out (${earlier})`), partial: skipped('no full sync') }
            : await runRound(kind, pairOptions);
        results.push(result);
        if (!result.full.ok && result.full.reason.startsWith(TIMEOUT_REASON_PREFIX)) timedOut.set(kind, result.full.reason);
        const show = <T extends { totalMs: number }>(outcome: Outcome<T>): string =>
          outcome.ok ? `${Math.round(outcome.value.totalMs)} ms` : outcome.reason.startsWith('not run') ? outcome.reason : `FAILED: ${outcome.reason}`;
        log(`  full sync ${show(result.full)}; partial resync (median of the round) ${show(result.partial)}`);
      }
    }
  } finally {
    await stopAll();
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(renderReport(results, options, burstBytes));
}

stopServersOnExit();

main().catch((error: unknown) => {
  process.stderr.write(`replication benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
  void stopAll();
});
