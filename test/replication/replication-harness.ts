/*
 * Master/replica pairs for the replication acceptance tests.
 *
 *   forEachCombo(t, 'scenario', body)      one tap subtest per combination of kinds
 *        │                                  redis→redis, redis→hashslot, hashslot→redis,
 *        │                                  hashslot→hashslot (todo until HASHSLOT_REPLICATION=1)
 *        ▼
 *   startNodes(t, [{ kind, name, args }])   one child process per node: redis-server or
 *        │                                  bin/hashslot-server with the same command line, on a
 *        │                                  free port in a fresh temp dir; stopped at teardown,
 *        │                                  with every node's log printed if the test failed
 *        ▼
 *   replica.replicaOf(master)               REPLICAOF, as an operator would type it
 *   waitForSync(master, replica)            polls INFO replication on both sides until the replica's
 *                                           link is up and its offset equals the master's
 *   assertSameDataset(t, m, r, oracle)      dataset-compare.ts: SCAN, TYPE, PTTL and DUMP on both
 *                                           sides, values read back in a scratch redis-server
 *
 * Every wait is a poll on a condition with a deadline, never a fixed sleep: a loaded 2-core CI
 * machine makes the tests slower, not flaky. A node can be frozen with SIGSTOP (pause) and thawed
 * with SIGCONT (resume), which is how a replica is made to miss part of the stream; teardown
 * thaws a frozen node before stopping it, since SIGTERM is not acted on by a stopped process.
 *
 * Switches (environment):
 *   HASHSLOT_REPLICATION=0               report the combinations involving hashslot as tap `todo`
 *                                        instead of running them (they run by default)
 *   HASHSLOT_REPLICATION_TARGET=redis    every "hashslot" node is a real redis-server instead, so
 *                                        all four combinations run and must pass: this checks the
 *                                        tests themselves, exactly as HASHSLOT_COMPAT_TARGET does
 *   HASHSLOT_REPLICATION_COMBOS=redis-hashslot,hashslot-hashslot
 *                                        only these combinations (ids master-replica)
 *   HASHSLOT_REPLICATION_SEED=1234       replay the workload of a failed run (workload.ts)
 */

import type tapDefault from 'tap';
import { startHashslot } from '../../bench/harness/hashslot-process';
import { RawClient } from '../../bench/harness/raw-client';
import { commonServerArgs, REDIS_MISSING_MESSAGE, redisServerPath, startRealRedis } from '../../bench/harness/real-redis';
import { describeArgv, encodeCommands, escapeBytes, parseReply, type Arg, type RespNode } from '../../bench/harness/resp';
import { delay, type ServerProcess } from '../../bench/harness/server-process';

export type Test = tap.Test;
// Keeps the import: the `tap` namespace used above is declared by the package's typings.
export type TapRoot = typeof tapDefault;

export type NodeKind = 'redis' | 'hashslot';

const POLL_INTERVAL_MS = 50;
const CALL_DEADLINE_MS = 10_000;
export const SYNC_DEADLINE_MS = 20_000;

/** Master directives that make a full sync start at once: diskless, no 5-second gathering delay. */
export const FAST_SYNC_ARGS: readonly string[] = ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'];

// ─── Combinations ───────────────────────────────────────────────────────────────────────────────

export interface Combo {
  /** The kinds as the scenario names them; hashslot may be played by redis-server (see above). */
  master: NodeKind;
  replica: NodeKind;
  /** e.g. `redis-hashslot`, as HASHSLOT_REPLICATION_COMBOS spells it. */
  id: string;
  /** e.g. `redis master → hashslot replica`. */
  title: string;
}

const ALL_COMBOS: readonly (readonly [NodeKind, NodeKind])[] = [
  ['redis', 'redis'],
  ['redis', 'hashslot'],
  ['hashslot', 'redis'],
  ['hashslot', 'hashslot'],
];

/** True when HASHSLOT_REPLICATION_TARGET=redis swaps redis-server in for every hashslot node. */
export function hashslotPlayedByRedis(): boolean {
  return process.env['HASHSLOT_REPLICATION_TARGET'] === 'redis';
}

/** The program that actually runs for a node the scenario calls `kind`. */
export function programOf(kind: NodeKind): NodeKind {
  return kind === 'hashslot' && hashslotPlayedByRedis() ? 'redis' : kind;
}

/** hashslot replicates: its combinations run unless HASHSLOT_REPLICATION=0. */
const HASHSLOT_COMBOS_RUN_BY_DEFAULT = true;

function runsHashslotForReal(): boolean {
  if (hashslotPlayedByRedis()) return true;
  const switched = process.env['HASHSLOT_REPLICATION'];
  if (switched === '1') return true;
  if (switched === '0') return false;
  return HASHSLOT_COMBOS_RUN_BY_DEFAULT;
}

export function combos(): Combo[] {
  const wanted = (process.env['HASHSLOT_REPLICATION_COMBOS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return ALL_COMBOS.map(([master, replica]) => {
    const stand = (k: NodeKind): string => (k !== programOf(k) ? `${k} (played by redis-server)` : k);
    return { master, replica, id: `${master}-${replica}`, title: `${stand(master)} master → ${stand(replica)} replica` };
  }).filter((c) => wanted.length === 0 || wanted.includes(c.id));
}

/** tap options for a combination: `todo` while hashslot does not replicate yet. */
export function comboOptions(combo: Combo): { todo?: string } {
  const involvesHashslot = combo.master === 'hashslot' || combo.replica === 'hashslot';
  if (!involvesHashslot || runsHashslotForReal()) return {};
  return { todo: 'hashslot replication is being implemented: HASHSLOT_REPLICATION=1 runs this combination' };
}

/** Declares one subtest per combination (optionally only those `filter` keeps). */
export function forEachCombo(
  t: Test,
  scenario: string,
  body: (t: Test, combo: Combo) => Promise<void>,
  filter: (combo: Combo) => boolean = () => true,
): void {
  for (const combo of combos().filter(filter)) {
    void t.test(`${combo.title}: ${scenario}`, comboOptions(combo), (tt) => body(tt, combo));
  }
}

/** Why this suite cannot run here (no redis-server for the reference side and the oracle), or null. */
export function missingPrerequisite(): string | null {
  return redisServerPath() === null ? REDIS_MISSING_MESSAGE : null;
}

// ─── Replies ────────────────────────────────────────────────────────────────────────────────────

export const text = (node: RespNode): string => node.text.toString('latin1');
export const isErrorReply = (node: RespNode): boolean => node.type === '-' || node.type === '!';
/** A reply as readable, unambiguous text: `+OK`, `:1`, `-ERR ...` or escaped RESP for the rest. */
export const show = (node: RespNode): string =>
  node.type === '+' || node.type === '-' || node.type === ':' ? `${node.type}${text(node)}` : escapeBytes(node.raw);

/** A reply as plain data: strings for bulk/simple strings (latin1), numbers, null, arrays, {error}. */
export function toData(node: RespNode): unknown {
  if (node.isNull) return null;
  switch (node.type) {
    case ':':
      return Number(text(node));
    case '-':
    case '!':
      return { error: text(node) };
    case '*':
    case '~':
    case '>':
      return node.items.map(toData);
    default:
      return text(node);
  }
}

/** One connection: commands one at a time or as a pipeline written with one write(). */
export class Conn {
  private constructor(
    private readonly client: RawClient,
    readonly label: string,
  ) {}

  static async open(port: number, label: string): Promise<Conn> {
    return new Conn(await RawClient.connect(port, '127.0.0.1', CALL_DEADLINE_MS), label);
  }

  get isClosed(): boolean {
    return this.client.isClosed;
  }

  async call(...argv: Arg[]): Promise<RespNode> {
    const [reply] = await this.pipeline([argv]);
    if (reply === undefined) throw new Error(`${this.label}: no reply to ${describeArgv(argv)}`);
    return reply;
  }

  async pipeline(commands: readonly (readonly Arg[])[], deadlineMs = 30_000): Promise<RespNode[]> {
    if (commands.length === 0) return [];
    this.client.write(encodeCommands(commands));
    const raw = await this.client.readReplies(commands.length, deadlineMs);
    return raw.map((r) => parseReply(r));
  }

  close(): void {
    this.client.close();
  }
}

// ─── INFO ───────────────────────────────────────────────────────────────────────────────────────

export class Info {
  constructor(
    readonly fields: ReadonlyMap<string, string>,
    /** Field names in the order the server printed them. */
    readonly names: readonly string[],
  ) {}

  get(name: string): string | undefined {
    return this.fields.get(name);
  }

  /** A numeric field; NaN when absent, so comparisons with it fail visibly. */
  num(name: string): number {
    const value = this.fields.get(name);
    return value === undefined ? NaN : Number(value);
  }

  /** The `slaveN:` lines, parsed. */
  replicas(): ReplicaLine[] {
    return this.names.filter((n) => /^slave\d+$/.test(n)).map((n) => parseReplicaLine(this.fields.get(n) ?? ''));
  }

  toString(): string {
    return this.names.map((n) => `${n}:${this.fields.get(n) ?? ''}`).join('\n');
  }
}

export function parseInfo(body: string): Info {
  const fields = new Map<string, string>();
  const names: string[] = [];
  for (const line of body.split('\r\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon);
    names.push(name);
    fields.set(name, line.slice(colon + 1));
  }
  return new Info(fields, names);
}

export interface ReplicaLine {
  ip: string;
  port: number;
  state: string;
  offset: number;
  lag: number;
  raw: string;
}

/** `ip=127.0.0.1,port=6380,state=online,offset=123,lag=0` */
export function parseReplicaLine(value: string): ReplicaLine {
  const parts = new Map(value.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
  return {
    ip: parts.get('ip') ?? '',
    port: Number(parts.get('port')),
    state: parts.get('state') ?? '',
    offset: Number(parts.get('offset')),
    lag: Number(parts.get('lag')),
    raw: value,
  };
}

// ─── Nodes ──────────────────────────────────────────────────────────────────────────────────────

export interface NodeSpec {
  kind: NodeKind;
  /** Short role name for messages: `master`, `R1`. */
  name: string;
  /** Extra redis-server directives, e.g. FAST_SYNC_ARGS. */
  args?: readonly string[];
  /** A config file, given first on the command line (CONFIG REWRITE writes to it). */
  configFile?: string;
}

export class ReplNode {
  private control: Conn | null = null;
  private paused = false;

  private constructor(
    readonly kind: NodeKind,
    readonly name: string,
    readonly process: ServerProcess,
  ) {}

  static async start(spec: NodeSpec): Promise<ReplNode> {
    const extra = spec.args ?? [];
    const program = programOf(spec.kind);
    const file = spec.configFile === undefined ? [] : [spec.configFile];
    const proc = program === 'redis'
      ? await startRealRedis(extra, file)
      : await startHashslot((port, dir) => [...file, ...commonServerArgs(port, dir), ...extra]);
    return new ReplNode(spec.kind, spec.name, proc);
  }

  get port(): number {
    return this.process.port;
  }

  get host(): string {
    return this.process.host;
  }

  /** `replica(hashslot:41234)`; the program, not the scenario's name for it. */
  get label(): string {
    return `${this.name}(${this.process.name}:${this.port})`;
  }

  get isRunning(): boolean {
    return this.process.isRunning;
  }

  /** A new connection of the caller's own (pipelines, SELECT state). */
  connect(): Promise<Conn> {
    return Conn.open(this.port, this.label);
  }

  /** One command on the node's control connection, reopened if it was closed or failed. */
  async call(...argv: Arg[]): Promise<RespNode> {
    if (this.paused) throw new Error(`${this.label} is paused (SIGSTOP): it cannot answer ${describeArgv(argv)}`);
    if (this.control === null || this.control.isClosed) this.control = await this.connect();
    const conn = this.control;
    try {
      return await conn.call(...argv);
    } catch (err) {
      // A timed-out reply could still arrive later and be taken for the next command's: start over.
      conn.close();
      if (this.control === conn) this.control = null;
      throw err;
    }
  }

  /** A command that must succeed; its reply as text (bulk, simple string) or number text. */
  async callText(...argv: Arg[]): Promise<string> {
    const reply = await this.call(...argv);
    if (isErrorReply(reply)) throw new Error(`${this.label} ${describeArgv(argv)}: ${show(reply)}`);
    return text(reply);
  }

  async info(section: string): Promise<Info> {
    return parseInfo(await this.callText('INFO', section));
  }

  /** `REPLICAOF host port` (or `REPLICAOF NO ONE` for null); the reply as `+OK ...` / `-ERR ...`. */
  async replicaOf(master: ReplNode | null): Promise<string> {
    const reply = master === null
      ? await this.call('REPLICAOF', 'NO', 'ONE')
      : await this.call('REPLICAOF', master.host, String(master.port));
    return show(reply);
  }

  /** SIGSTOP: the process stops reading and writing; its sockets stay open. */
  pause(): void {
    const pid = this.process.pid;
    if (pid === undefined) throw new Error(`${this.label} has no pid`);
    this.control?.close();
    this.control = null;
    process.kill(pid, 'SIGSTOP');
    this.paused = true;
  }

  /** SIGCONT. */
  resume(): void {
    const pid = this.process.pid;
    if (!this.paused || pid === undefined) return;
    this.paused = false;
    if (this.process.isRunning) process.kill(pid, 'SIGCONT');
  }

  async stop(): Promise<void> {
    this.resume();
    this.control?.close();
    this.control = null;
    await this.process.stop();
  }

  log(): string {
    return `\n===== log of ${this.label} (${this.process.exitStatus() ?? 'running'}, dir ${this.process.dir}) =====\n${this.process.output()}`;
  }
}

/**
 * Starts the nodes in parallel; at teardown stops them (also when the test failed) and, if it did
 * fail, prints every node's log. If one fails to start, the others are stopped at once.
 */
export async function startNodes(t: Test, specs: readonly NodeSpec[]): Promise<ReplNode[]> {
  const started = await Promise.allSettled(specs.map((s) => ReplNode.start(s)));
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  t.teardown(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    if (!t.passing()) process.stderr.write(nodes.map((n) => n.log()).join('\n') + '\n');
  });
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure !== undefined) throw failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
  return nodes;
}

/** Two nodes started with startNodes; `REPLICAOF` is left to the test. */
export async function startPair(t: Test, combo: Combo, masterArgs: readonly string[] = FAST_SYNC_ARGS): Promise<[ReplNode, ReplNode]> {
  const [master, replica] = await startNodes(t, [
    { kind: combo.master, name: 'master', args: masterArgs },
    { kind: combo.replica, name: 'replica', args: FAST_SYNC_ARGS },
  ]);
  if (master === undefined || replica === undefined) throw new Error('startNodes returned too few nodes');
  return [master, replica];
}

// ─── Waiting ────────────────────────────────────────────────────────────────────────────────────

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/**
 * Polls `probe` until it reports ok; throws at the deadline with the last detail. A probe that
 * throws (a node busy loading, a connection reset) counts as "not yet". Fails at once if one of
 * `nodes` exited.
 */
export async function waitFor(what: string, deadlineMs: number, probe: () => Promise<ProbeResult>, nodes: readonly ReplNode[] = []): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last = '(no probe finished)';
  for (;;) {
    try {
      const result = await probe();
      if (result.ok) return;
      last = result.detail;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    const dead = nodes.filter((n) => !n.isRunning);
    if (dead.length > 0) throw new Error(`waiting for ${what}: ${dead.map((n) => n.label).join(', ')} exited\n${last}`);
    if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}\n${last}`);
    await delay(POLL_INTERVAL_MS);
  }
}

/**
 * Until the replica's link is up, no sync is in progress, and its offsets (`slave_repl_offset`,
 * `master_repl_offset`) equal the master's `master_repl_offset`. The master is read first: if a
 * write or a keepalive PING moves its offset between the two reads, the next poll settles it.
 */
export async function waitForSync(master: ReplNode, replica: ReplNode, deadlineMs = SYNC_DEADLINE_MS): Promise<number> {
  let offset = NaN;
  await waitFor(`${replica.label} in sync with ${master.label}`, deadlineMs, async () => {
    const m = await master.info('replication');
    const r = await replica.info('replication');
    offset = m.num('master_repl_offset');
    const ok = r.get('role') === 'slave' &&
      r.get('master_port') === String(master.port) &&
      r.get('master_link_status') === 'up' &&
      r.get('master_sync_in_progress') === '0' &&
      r.num('slave_repl_offset') === offset &&
      r.num('master_repl_offset') === offset;
    return { ok, detail: `--- ${master.label}:\n${m.toString()}\n--- ${replica.label}:\n${r.toString()}` };
  }, [master, replica]);
  return offset;
}

/** Until the master lists every replica as online with an acknowledged offset equal to its own. */
export async function waitForAcks(master: ReplNode, replicas: readonly ReplNode[], deadlineMs = SYNC_DEADLINE_MS): Promise<Info> {
  let info: Info | null = null;
  await waitFor(`${master.label} has acks from ${replicas.map((r) => r.label).join(', ')}`, deadlineMs, async () => {
    const m = await master.info('replication');
    info = m;
    const offset = m.num('master_repl_offset');
    const lines = m.replicas();
    const ok = m.num('connected_slaves') === replicas.length &&
      replicas.every((r) => lines.some((l) => l.port === r.port && l.state === 'online' && l.offset === offset));
    return { ok, detail: m.toString() };
  }, [master, ...replicas]);
  if (info === null) throw new Error('unreachable: waitFor returned without a probe');
  return info;
}

/** A counter from INFO stats (sync_full, sync_partial_ok, expired_keys, ...). */
export async function stat(node: ReplNode, name: string): Promise<number> {
  return (await node.info('stats')).num(name);
}

// ─── Small workloads ────────────────────────────────────────────────────────────────────────────

/**
 * `count` SETs of `valueBytes`-byte values, pipelined in batches, on a fresh connection; keys are
 * `${prefix}:${i}`. Returns the replies that were not +OK (none expected).
 */
export async function writeBurst(node: ReplNode, prefix: string, count: number, valueBytes: number, db = 0): Promise<string[]> {
  const conn = await node.connect();
  try {
    const bad: string[] = [];
    const selected = await conn.call('SELECT', String(db));
    if (show(selected) !== '+OK') bad.push(`SELECT ${db}: ${show(selected)}`);
    const BATCH = 500;
    for (let start = 0; start < count; start += BATCH) {
      const commands: Arg[][] = [];
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        const value = `${prefix}:${i}:`.padEnd(valueBytes, 'x').slice(0, valueBytes);
        commands.push(['SET', `${prefix}:${i}`, value]);
      }
      for (const reply of await conn.pipeline(commands)) if (show(reply) !== '+OK') bad.push(show(reply));
    }
    return bad;
  } finally {
    conn.close();
  }
}
