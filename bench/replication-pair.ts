/*
 * One round of the replication benchmark for one kind of server (see replication-sync.ts): a
 * master and a replica of the same kind, a full sync of N keys, then a partial resync after a
 * burst of writes the replica missed while it was stopped.
 *
 *   full sync     t0 = REPLICAOF sent ─ poll every 10 ms ─▶ link up, offsets equal, DBSIZE equal
 *                       handshake │ transfer │ load │ catch-up    (milestones seen by the polls)
 *
 *   partial       SIGSTOP replica, CLIENT KILL TYPE replica on the master, wait until the master
 *                 counts no replica, burst of SETs (must fit the backlog), t0 = SIGCONT ─ poll
 *                 every 1 ms ─▶ link up, offsets equal, DBSIZE equal; sync_partial_ok must have
 *                 grown (a grown sync_full means the replica was given a full sync instead).
 *                 Repeated --partial-repeats times on the same pair (one resync is 10-20 ms on
 *                 redis and single samples are noisy); every sample is kept
 *
 * Milestones of the full sync, each the first poll that shows it (or a later stage):
 *   sync started   replica's master_sync_in_progress:1 (it got +FULLRESYNC and reads the payload)
 *   loading        replica's loading:1 (the payload is being loaded into its keyspace)
 *   link up        replica's master_link_status:up
 *   in sync        link up, slave_repl_offset == master's master_repl_offset, DBSIZE equal
 * A stage too short to be caught between two polls is counted in the next one.
 *
 * Everything that can go wrong (a server that does not start, REPLICAOF answering an error, a
 * sync that never completes, a replica that dies) ends the round with a one-line reason and the
 * details; nothing here throws past runRound, so a failing kind cannot crash the run.
 */

import { loadDistinctKeys } from './key-loader';
import { median } from './table';
import { RawClient } from './harness/raw-client';
import { encodeCommands, parseReply, type Arg } from './harness/resp';
import { delay, type ServerProcess } from './harness/server-process';
import { LOOPBACK_HOST } from './harness/free-port';
import { benchServerArgs, startServer as startBenchServer, stopServer, type ServerKind } from './launch';

export type Kind = ServerKind;

export interface PairOptions {
  keyCount: number;
  valueBytes: number;
  burstSets: number;
  /** Partial resyncs per round (each: stop, kill, burst, continue, poll). */
  partialRepeats: number;
  fullPollMs: number;
  partialPollMs: number;
  backlogBytes: number;
  redisServer: string;
  hashslotBin: string;
  log: (line: string) => void;
}

export interface FullSync {
  loadMsOfKeys: number;
  handshakeMs: number;
  transferMs: number;
  loadMs: number;
  catchUpMs: number;
  totalMs: number;
  masterRssBytes: number;
  replicaRssBytes: number;
  replicaPeakRssBytes: number;
  polls: number;
}

export interface PartialSync {
  /** Median of the resyncs of this round (the report takes the median over all rounds' samples). */
  totalMs: number;
  /** Each resync of this round (--partial-repeats of them), ms. */
  samplesMs: number[];
  /** Replication stream bytes the burst added, i.e. what the backlog had to hold. */
  burstStreamBytes: number;
  killedVia: 'CLIENT KILL TYPE replica' | 'CLIENT KILL ID';
  polls: number;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string; details: string };

export interface RoundResult {
  kind: Kind;
  full: Outcome<FullSync>;
  partial: Outcome<PartialSync>;
}

/** A failure with a short reason for the table and longer details for below it. */
class RoundFailure extends Error {
  constructor(
    readonly reason: string,
    readonly details = '',
  ) {
    super(reason);
  }
}

const SERVER_START_DEADLINE_MS = 15_000;
const PARTIAL_DEADLINE_MS = 30_000;
const KILL_DEADLINE_MS = 5_000;
/** Reasons that start with this mean the sync never completed (the caller skips later rounds). */
export const TIMEOUT_REASON_PREFIX = 'not in sync';

/** Generous: 30 s plus 60 µs per key (90 s for a million); a stuck sync must not hang the run. */
function fullSyncDeadlineMs(keyCount: number): number {
  return 30_000 + keyCount * 0.06;
}

/** The directives both master and replica of both kinds are started with. */
export function replicationArgs(port: number, dir: string, backlogBytes: number): string[] {
  return [
    ...benchServerArgs(port, dir),
    '--repl-diskless-sync', 'yes',
    '--repl-diskless-sync-delay', '0',
    '--repl-backlog-size', String(backlogBytes),
  ];
}

export function describeReplicationArgs(backlogBytes: number): string {
  return replicationArgs(0, '<dir>', backlogBytes)
    .join(' ')
    .replace('--port 0', '--port <free port>')
    .replace("--save  ", "--save '' ");
}

async function startServer(kind: Kind, role: 'master' | 'replica', options: PairOptions): Promise<ServerProcess> {
  const args = (port: number, dir: string): string[] => replicationArgs(port, dir, options.backlogBytes);
  try {
    return await startBenchServer({
      kind,
      name: `${kind}-${role}`,
      redisServer: options.redisServer,
      hashslotBin: options.hashslotBin,
      args,
      readyDeadlineMs: SERVER_START_DEADLINE_MS,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RoundFailure(`${role} did not start: ${firstLine(message)}`, message);
  }
}

// ─── talking to the servers ─────────────────────────────────────────────────────────────────────

/** The replies of a pipeline as text; an error reply stays as its "-ERR ..." line. */
async function pipeline(client: RawClient, commands: readonly (readonly Arg[])[], deadlineMs: number): Promise<string[]> {
  client.write(encodeCommands(commands));
  const replies = await client.readReplies(commands.length, Math.max(1, deadlineMs));
  return replies.map(replyText);
}

function replyText(reply: Buffer): string {
  const node = parseReply(reply);
  if (node.type === '-' || node.type === '!') return '-' + node.text.toString('latin1');
  return node.text.toString('latin1');
}

async function call(client: RawClient, argv: readonly Arg[], deadlineMs = 5_000): Promise<string> {
  const [reply] = await pipeline(client, [argv], deadlineMs);
  return reply ?? '';
}

function isError(text: string): boolean {
  return text.startsWith('-');
}

/** INFO text as a field map (CRLF or LF lines, `#` headers skipped, lines without ':' ignored). */
function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

async function info(client: RawClient, section: string): Promise<Map<string, string>> {
  const text = await call(client, ['INFO', section]);
  if (isError(text)) throw new RoundFailure(`INFO ${section} answered ${JSON.stringify(text)}`);
  return infoFields(text);
}

function numberField(fields: Map<string, string>, name: string): number {
  const text = fields.get(name);
  return text === undefined || text === '' ? Number.NaN : Number(text);
}

async function dbsize(client: RawClient): Promise<number> {
  const text = await call(client, ['DBSIZE'], 30_000);
  if (isError(text)) throw new RoundFailure(`DBSIZE answered ${JSON.stringify(text)}`);
  return Number(text);
}

// ─── polling until in sync ──────────────────────────────────────────────────────────────────────

interface Observation {
  atMs: number;
  syncInProgress: boolean;
  loading: boolean;
  linkUp: boolean;
  replicaOffset: number;
  masterOffset: number;
  replicaKeys: number;
  inSync: boolean;
  summary: string;
}

/**
 * One poll: INFO replication, INFO persistence and DBSIZE on the replica (pipelined), INFO
 * replication on the master, concurrently. DBSIZE answers -LOADING on a loading redis: -1 then.
 */
async function observe(master: RawClient, replica: RawClient, expectedKeys: number, deadlineMs: number): Promise<Observation> {
  const [replicaReplies, masterReplies] = await Promise.all([
    pipeline(replica, [['INFO', 'replication'], ['INFO', 'persistence'], ['DBSIZE']], deadlineMs),
    pipeline(master, [['INFO', 'replication']], deadlineMs),
  ]);
  const atMs = performance.now();
  const [replicationText = '', persistenceText = '', dbsizeText = ''] = replicaReplies;
  const masterText = masterReplies[0] ?? '';
  const replication = infoFields(isError(replicationText) ? '' : replicationText);
  const persistence = infoFields(isError(persistenceText) ? '' : persistenceText);
  const masterInfo = infoFields(isError(masterText) ? '' : masterText);
  const linkUp = replication.get('master_link_status') === 'up';
  const replicaOffset = numberField(replication, 'slave_repl_offset');
  const masterOffset = numberField(masterInfo, 'master_repl_offset');
  const replicaKeys = isError(dbsizeText) ? -1 : Number(dbsizeText);
  const inSync = linkUp && Number.isFinite(replicaOffset) && replicaOffset === masterOffset && replicaKeys === expectedKeys;
  const summary =
    `replica: master_link_status=${replication.get('master_link_status') ?? '(absent)'}` +
    ` master_sync_in_progress=${replication.get('master_sync_in_progress') ?? '(absent)'}` +
    ` loading=${persistence.get('loading') ?? '(absent)'} slave_repl_offset=${replication.get('slave_repl_offset') ?? '(absent)'}` +
    ` DBSIZE=${isError(dbsizeText) ? dbsizeText : dbsizeText}` +
    (isError(replicationText) ? ` INFO replication=${replicationText}` : '') +
    `; master: master_repl_offset=${masterInfo.get('master_repl_offset') ?? '(absent)'}` +
    ` connected_slaves=${masterInfo.get('connected_slaves') ?? '(absent)'}` +
    (isError(masterText) ? ` INFO replication=${masterText}` : '') +
    `; expected DBSIZE ${expectedKeys}`;
  return {
    atMs,
    syncInProgress: replication.get('master_sync_in_progress') === '1',
    loading: persistence.get('loading') === '1',
    linkUp,
    replicaOffset,
    masterOffset,
    replicaKeys,
    inSync,
    summary,
  };
}

interface Milestones {
  syncStarted?: number;
  loading?: number;
  linkUp?: number;
  inSync: number;
  polls: number;
}

/** Polls until in sync; fails at the deadline or when either server exits. */
async function pollUntilInSync(
  servers: { master: ServerProcess; replica: ServerProcess },
  clients: { master: RawClient; replica: RawClient },
  expectedKeys: number,
  pollMs: number,
  deadlineMs: number,
  what: string,
): Promise<Milestones> {
  const startMs = performance.now();
  const seen: { syncStarted?: number; loading?: number; linkUp?: number } = {};
  let last = '(no poll answered)';
  let polls = 0;
  for (;;) {
    for (const server of [servers.master, servers.replica]) {
      if (!server.isRunning) {
        throw new RoundFailure(`${server.name} exited during the ${what} (${server.exitStatus() ?? ''})`, `last poll: ${last}\n${server.describeFailure()}`);
      }
    }
    const remaining = startMs + deadlineMs - performance.now();
    if (remaining <= 0) {
      throw new RoundFailure(`${TIMEOUT_REASON_PREFIX} ${Math.round(deadlineMs / 1000)} s after the ${what} started`, `last poll: ${last}`);
    }
    let observation: Observation;
    try {
      observation = await observe(clients.master, clients.replica, expectedKeys, remaining);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new RoundFailure(`polling failed during the ${what}: ${firstLine(message)}`, `${message}\nlast poll: ${last}`);
    }
    polls += 1;
    last = observation.summary;
    const at = observation.atMs;
    // A later stage implies the earlier ones: a stage not caught by any poll gets the time of the
    // first poll that saw a later one.
    if (observation.inSync || observation.linkUp) seen.linkUp ??= at;
    if (observation.inSync || observation.linkUp || observation.loading) seen.loading ??= at;
    if (observation.inSync || observation.linkUp || observation.loading || observation.syncInProgress) seen.syncStarted ??= at;
    if (observation.inSync) {
      return { ...seen, inSync: at, polls };
    }
    await delay(pollMs);
  }
}

// ─── the two measurements ───────────────────────────────────────────────────────────────────────

async function measureFullSync(
  servers: { master: ServerProcess; replica: ServerProcess },
  clients: { master: RawClient; replica: RawClient },
  options: PairOptions,
  loadMsOfKeys: number,
): Promise<FullSync> {
  const expectedKeys = await dbsize(clients.master);
  if (expectedKeys !== options.keyCount) {
    throw new RoundFailure(`master holds ${expectedKeys} keys after loading ${options.keyCount}`);
  }
  const t0 = performance.now();
  const answer = await call(clients.replica, ['REPLICAOF', LOOPBACK_HOST, servers.master.port]);
  if (isError(answer)) throw new RoundFailure(`REPLICAOF answered ${JSON.stringify(answer)}`);
  const seen = await pollUntilInSync(servers, clients, expectedKeys, options.fullPollMs, fullSyncDeadlineMs(options.keyCount), 'full sync');
  const syncStarted = seen.syncStarted ?? seen.inSync;
  const loading = seen.loading ?? seen.inSync;
  const linkUp = seen.linkUp ?? seen.inSync;
  return {
    loadMsOfKeys,
    handshakeMs: syncStarted - t0,
    transferMs: loading - syncStarted,
    loadMs: linkUp - loading,
    catchUpMs: seen.inSync - linkUp,
    totalMs: seen.inSync - t0,
    masterRssBytes: servers.master.readRssBytes(),
    replicaRssBytes: servers.replica.readRssBytes(),
    replicaPeakRssBytes: servers.replica.readPeakRssBytes(),
    polls: seen.polls,
  };
}

/** Kills the master's connections to replicas; returns which way worked. */
async function killReplicaLinks(master: RawClient): Promise<PartialSync['killedVia']> {
  const byType = await call(master, ['CLIENT', 'KILL', 'TYPE', 'replica']);
  if (!isError(byType)) {
    if (Number(byType) < 1) throw new RoundFailure(`CLIENT KILL TYPE replica killed ${byType} connections (expected 1)`);
    return 'CLIENT KILL TYPE replica';
  }
  // Fallback: find the replica's connection in CLIENT LIST (flags contain S) and kill it by id.
  const list = await call(master, ['CLIENT', 'LIST']);
  if (isError(list)) {
    throw new RoundFailure(`CLIENT KILL TYPE replica answered ${JSON.stringify(byType)} and CLIENT LIST answered ${JSON.stringify(list)}`);
  }
  const ids = list
    .split(/\r?\n/)
    .filter((line) => /(?:^| )flags=\S*S/.test(line))
    .map((line) => /(?:^| )id=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  if (ids.length === 0) {
    throw new RoundFailure(`CLIENT KILL TYPE replica answered ${JSON.stringify(byType)} and CLIENT LIST shows no replica (flags=S)`, list);
  }
  for (const id of ids) {
    const killed = await call(master, ['CLIENT', 'KILL', 'ID', id]);
    if (isError(killed)) throw new RoundFailure(`CLIENT KILL ID ${id} answered ${JSON.stringify(killed)}`);
  }
  return 'CLIENT KILL ID';
}

/** `count` SETs of fresh keys with `valueBytes`-byte values: their size in the replication stream is about their RESP size. */
export function burstCommands(count: number, valueBytes: number): string[][] {
  const commands: string[][] = [];
  for (let index = 0; index < count; index += 1) {
    commands.push(['SET', `burst:${index}`, `b${index}:`.padEnd(valueBytes, 'y').slice(0, valueBytes)]);
  }
  return commands;
}

async function measurePartialResync(
  servers: { master: ServerProcess; replica: ServerProcess },
  clients: { master: RawClient; replica: RawClient },
  options: PairOptions,
): Promise<Omit<PartialSync, 'samplesMs'>> {
  const replicaPid = servers.replica.pid;
  if (replicaPid === undefined) throw new RoundFailure('replica has no pid');
  const statsBefore = await info(clients.master, 'stats');
  process.kill(replicaPid, 'SIGSTOP');
  const killedVia = await killReplicaLinks(clients.master);
  // Until the master has let go of the replica, the burst could still be written to its socket.
  const killDeadline = performance.now() + KILL_DEADLINE_MS;
  for (;;) {
    const replication = await info(clients.master, 'replication');
    const connected = numberField(replication, 'connected_slaves');
    if (connected === 0) break;
    if (!Number.isFinite(connected)) {
      throw new RoundFailure(`master's INFO replication has no connected_slaves count (${replication.get('connected_slaves') ?? 'absent'}) after ${killedVia}`);
    }
    if (performance.now() > killDeadline) {
      throw new RoundFailure(`master still reports connected_slaves:${replication.get('connected_slaves') ?? '?'} ${KILL_DEADLINE_MS} ms after ${killedVia}`);
    }
    await delay(2);
  }
  const offsetBefore = numberField(await info(clients.master, 'replication'), 'master_repl_offset');
  const burst = burstCommands(options.burstSets, options.valueBytes);
  const replies = await pipeline(clients.master, burst, 60_000);
  const firstError = replies.find(isError);
  if (firstError !== undefined) throw new RoundFailure(`burst SET answered ${JSON.stringify(firstError)}`);
  const replicationAfter = await info(clients.master, 'replication');
  const burstStreamBytes = numberField(replicationAfter, 'master_repl_offset') - offsetBefore;
  const backlogSize = numberField(replicationAfter, 'repl_backlog_size');
  if (burstStreamBytes > backlogSize) {
    options.log(`    warning: the burst added ${burstStreamBytes} bytes to the stream, more than the ${backlogSize}-byte backlog`);
  }
  const expectedKeys = await dbsize(clients.master);
  const t0 = performance.now();
  process.kill(replicaPid, 'SIGCONT');
  const seen = await pollUntilInSync(servers, clients, expectedKeys, options.partialPollMs, PARTIAL_DEADLINE_MS, 'partial resync');
  const totalMs = seen.inSync - t0;
  const statsAfter = await info(clients.master, 'stats');
  const grew = (name: string): number => numberField(statsAfter, name) - numberField(statsBefore, name);
  if (grew('sync_full') > 0) {
    throw new RoundFailure(
      `full sync instead of a partial resync (sync_full +${grew('sync_full')}, in sync after ${Math.round(totalMs)} ms)`,
      `burst: ${burstStreamBytes} stream bytes, backlog ${backlogSize} bytes`,
    );
  }
  if (!(grew('sync_partial_ok') > 0)) {
    throw new RoundFailure(
      `in sync after ${Math.round(totalMs)} ms but sync_partial_ok did not grow (before ${statsBefore.get('sync_partial_ok') ?? '(absent)'}, after ${statsAfter.get('sync_partial_ok') ?? '(absent)'})`,
    );
  }
  return { totalMs, burstStreamBytes, killedVia, polls: seen.polls };
}

// ─── one round ──────────────────────────────────────────────────────────────────────────────────

function failed(error: unknown, servers: ServerProcess[]): { ok: false; reason: string; details: string } {
  if (error instanceof RoundFailure) return { ok: false, reason: error.reason, details: error.details };
  const message = error instanceof Error ? error.message : String(error);
  const dead = servers.filter((server) => !server.isRunning).map((server) => server.describeFailure());
  return { ok: false, reason: firstLine(message), details: [message, ...dead].join('\n') };
}

const NOT_RUN = (why: string): { ok: false; reason: string; details: string } => ({ ok: false, reason: `not run: ${why}`, details: '' });

/** Fresh master and replica of `kind`, full sync, partial resync; always stops both. */
export async function runRound(kind: Kind, options: PairOptions): Promise<RoundResult> {
  const started: ServerProcess[] = [];
  const clients: RawClient[] = [];
  let full: Outcome<FullSync> = NOT_RUN('set-up failed');
  let partial: Outcome<PartialSync> = NOT_RUN('no full sync');
  try {
    const master = await startServer(kind, 'master', options);
    started.push(master);
    const replica = await startServer(kind, 'replica', options);
    started.push(replica);
    const masterClient = await RawClient.connect(master.port);
    clients.push(masterClient);
    const replicaClient = await RawClient.connect(replica.port);
    clients.push(replicaClient);
    const servers = { master, replica };
    const pair = { master: masterClient, replica: replicaClient };

    options.log(`    loading ${options.keyCount} keys into the ${kind} master...`);
    const load = await loadDistinctKeys(masterClient, { keyCount: options.keyCount, valueBytes: options.valueBytes });
    if (load.errors > 0) throw new RoundFailure(`loading: ${load.errors} SETs failed, first: ${load.firstError ?? ''}`);
    options.log(`    loaded in ${Math.round(load.elapsedMs)} ms; REPLICAOF...`);
    try {
      full = { ok: true, value: await measureFullSync(servers, pair, options, load.elapsedMs) };
    } catch (error) {
      full = failed(error, started);
      return { kind, full, partial };
    }
    options.log(`    full sync ${Math.round(full.value.totalMs)} ms; partial resync...`);
    const samples: Array<Omit<PartialSync, 'samplesMs'>> = [];
    try {
      // The burst overwrites the same keys each time, so every repeat adds the same stream bytes.
      for (let repeat = 0; repeat < options.partialRepeats; repeat += 1) {
        samples.push(await measurePartialResync(servers, pair, options));
      }
      const samplesMs = samples.map((sample) => sample.totalMs);
      options.log(`    partial resyncs: ${samplesMs.map((sample) => sample.toFixed(1)).join(', ')} ms`);
      const first = samples[0];
      if (first === undefined) throw new RoundFailure('no partial resync measured');
      partial = { ok: true, value: { ...first, totalMs: median(samplesMs), samplesMs, polls: samples.reduce((n, x) => n + x.polls, 0) } };
    } catch (error) {
      partial = failed(error, started);
      if (!partial.ok && options.partialRepeats > 1) {
        partial = { ...partial, reason: `resync ${samples.length + 1} of ${options.partialRepeats}: ${partial.reason}` };
      }
    }
    return { kind, full, partial };
  } catch (error) {
    full = failed(error, started);
    return { kind, full, partial };
  } finally {
    for (const client of clients) client.close();
    // stopServer continues a replica left frozen, which would sit out SIGTERM otherwise.
    await Promise.all(started.map(stopServer));
  }
}

function firstLine(text: string): string {
  const line = (text.split('\n')[0] ?? '').trim();
  return line.length > 160 ? line.slice(0, 157) + '...' : line;
}

