/*
 * Local clusters for the cluster tests and the cluster start-up benchmark.
 *
 *   launchNodes(['hashslot', 'redis', ...])   one child process per node, each on a port P whose
 *        │                                     bus port P+10000 is free too, in a fresh temp dir
 *        ▼                                     holding its nodes-P.conf
 *   cluster.create(1)                          `redis-cli --cluster create ... --cluster-replicas 1
 *        │                                     --cluster-yes`, exactly what a user types
 *        ▼
 *   cluster.waitForOk() / waitForAgreement()   poll CLUSTER INFO / CLUSTER NODES until a condition
 *                                              holds or a deadline passes: never fixed sleeps
 *
 * Which program a node runs is chosen per node (the mixed test) or by HASHSLOT_CLUSTER_TARGET:
 * `redis` makes every "hashslot" node a real redis-server, which is how these tests are checked to
 * be right before hashslot can pass them.
 *
 * Why not server-process.ts: it takes any free port the kernel offers, and those come
 * from the ephemeral range (32768-60999), where port+10000 may be taken or even above 65535 — a
 * cluster node then fails to bind its bus. Here ports are drawn from 12000-21999, so the bus ports
 * (22000-31999) also stay below the ephemeral range where client sockets would collide with them.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOOPBACK_HOST } from './free-port';
import { hashslotBinPath, hashslotNodeFlags } from './hashslot-process';
import { RawClient } from './raw-client';
import { redisServerPath } from './real-redis';
import { parseReply, type Arg } from './resp';
import { runProgram, type ProgramResult } from './run-program';
import { delay, findExecutable, watchChild } from './server-process';
import { agreementView, infoField, parseClusterNodes, type NodeLine } from './cluster-replies';

export type NodeKind = 'hashslot' | 'redis';

/** Short enough that a test never waits long on failure detection, long enough for a busy CI box. */
export const DEFAULT_NODE_TIMEOUT_MS = 5_000;
const READY_DEADLINE_MS = 15_000;
const STOP_GRACE_MS = 3_000;
const OUTPUT_MAX_CHARS = 128 * 1024;
const PORT_LOW = 12_000;
const PORT_SPAN = 10_000;
const BUS_PORT_OFFSET = 10_000;

/** The kind of the nodes a test calls "hashslot": HASHSLOT_CLUSTER_TARGET=redis swaps in redis-server. */
export function clusterTarget(): NodeKind {
  return process.env['HASHSLOT_CLUSTER_TARGET'] === 'redis' ? 'redis' : 'hashslot';
}

export const redisCliPath = (): string | null => findExecutable('redis-cli');

/** Why this suite cannot run here, or null when it can. */
export function missingPrerequisite(kinds: readonly NodeKind[]): string | null {
  if (redisCliPath() === null) return 'redis-cli not installed: apt-get install redis-tools to enable cluster tests';
  if (kinds.includes('redis') && redisServerPath() === null) {
    return 'redis-server not installed: apt-get install redis-server (or set REDIS_SERVER_PATH) to enable this cluster test';
  }
  return null;
}

// ─── Ports ──────────────────────────────────────────────────────────────────────────────────────

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, LOOPBACK_HOST, () => server.close(() => resolve(true)));
  });
}

const portsHandedOut = new Set<number>();

/**
 * A port P with P and P+10000 both free. Random rather than sequential, so the two test files tap
 * runs in parallel rarely try the same one; a node that loses a race fails to start and is retried
 * on another port by startNode.
 */
export async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_LOW + Math.floor(Math.random() * PORT_SPAN);
    if (portsHandedOut.has(port)) continue;
    if ((await canBind(port)) && (await canBind(port + BUS_PORT_OFFSET))) {
      portsHandedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port pair (P, P+10000) found');
}

// ─── One node ───────────────────────────────────────────────────────────────────────────────────

export interface NodeOptions {
  nodeTimeoutMs?: number;
  extraArgs?: readonly string[];
}

export class ClusterNode {
  private child: ChildProcess | null = null;
  private outputText = '';
  private exitInfo: string | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly kind: NodeKind,
    readonly port: number,
    readonly dir: string,
    private readonly options: NodeOptions,
  ) {}

  readonly host = LOOPBACK_HOST;

  get label(): string {
    return `${this.kind}:${this.port}`;
  }

  get busPort(): number {
    return this.port + BUS_PORT_OFFSET;
  }

  get configFile(): string {
    return path.join(this.dir, `nodes-${this.port}.conf`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== null && this.exitInfo === null;
  }

  output(): string {
    return this.outputText;
  }

  /** A node on a fresh port pair in a fresh temp dir; retried elsewhere if the port was taken. */
  static async start(kind: NodeKind, options: NodeOptions = {}): Promise<ClusterNode> {
    let lastError: unknown = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freeClusterPort();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hashslot-cluster-${kind}-`));
      const node = new ClusterNode(kind, port, dir, options);
      try {
        await node.launch();
        return node;
      } catch (err) {
        lastError = err;
        await node.stop();
        node.removeDir();
        // Only a lost race for the port is worth another try; any other failure would repeat.
        if (!/in use/i.test(node.output())) break;
      }
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  /** The command line: the same directives for redis-server and bin/hashslot-server. */
  commandLine(): { command: string; args: string[] } {
    const args = [
      '--port', String(this.port),
      '--bind', LOOPBACK_HOST,
      '--dir', this.dir,
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
      '--loglevel', 'notice',
      '--cluster-enabled', 'yes',
      '--cluster-config-file', `nodes-${this.port}.conf`,
      '--cluster-node-timeout', String(this.options.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS),
      ...(this.options.extraArgs ?? []),
    ];
    if (this.kind === 'hashslot') return { command: process.execPath, args: [...hashslotNodeFlags(), hashslotBinPath(), ...args] };
    const redis = redisServerPath();
    if (redis === null) throw new Error('redis-server not installed');
    return { command: redis, args };
  }

  /** (Re)starts the process on the same port and dir, and waits until it answers PING. */
  async launch(): Promise<void> {
    if (this.isRunning) throw new Error(`${this.label} is already running`);
    const { command, args } = this.commandLine();
    this.exitInfo = null;
    this.outputText += `\n----- ${this.label} started ${new Date().toISOString()} -----\n`;
    const child = spawn(command, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer): void => {
      this.outputText = (this.outputText + chunk.toString('utf8')).slice(-OUTPUT_MAX_CHARS);
    };
    this.exited = watchChild(child, keep, (info) => {
      this.exitInfo = info;
    });
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_DEADLINE_MS;
    for (;;) {
      if (this.exitInfo !== null) {
        throw new Error(`${this.label} exited before answering PING (${this.exitInfo}):\n${this.outputText}`);
      }
      try {
        const reply = await this.call('PING');
        if (reply.toString('latin1') === '+PONG\r\n') return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.label} did not answer PING within ${READY_DEADLINE_MS} ms:\n${this.outputText}`);
      await delay(20);
    }
  }

  /** One command on a fresh connection; the raw reply bytes. */
  async call(...argv: Arg[]): Promise<Buffer> {
    const client = await RawClient.connect(this.port, LOOPBACK_HOST, 2_000);
    try {
      return await client.call(...argv);
    } finally {
      client.close();
    }
  }

  /** A bulk-string reply as text (CLUSTER INFO, CLUSTER NODES); throws on anything else. */
  async callText(...argv: Arg[]): Promise<string> {
    const reply = await this.call(...argv);
    const node = parseReply(reply);
    if (node.type !== '$' && node.type !== '=' && node.type !== '+') {
      throw new Error(`${this.label} ${argv.join(' ')}: expected text, got ${reply.toString('latin1').slice(0, 200)}`);
    }
    return node.text.toString('utf8');
  }

  async clusterNodes(): Promise<NodeLine[]> {
    return parseClusterNodes(await this.callText('CLUSTER', 'NODES'));
  }

  async myself(): Promise<NodeLine> {
    const line = (await this.clusterNodes()).find((n) => n.flags.includes('myself'));
    if (line === undefined) throw new Error(`${this.label}: no myself line in CLUSTER NODES`);
    return line;
  }

  async clusterState(): Promise<string | undefined> {
    return infoField(await this.callText('CLUSTER', 'INFO'), 'cluster_state');
  }

  /** Sends a signal and waits for the process to exit. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (!this.isRunning) return;
    this.child?.kill(signal);
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after a grace period. Keeps the dir (restart tests reuse it). */
  async stop(): Promise<void> {
    if (!this.isRunning) return;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), STOP_GRACE_MS);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }

  removeDir(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
    portsHandedOut.delete(this.port);
  }
}

// ─── A cluster ──────────────────────────────────────────────────────────────────────────────────

/** The subset of tap's Test the harness needs, so it does not depend on tap's type exports. */
export interface TestHooks {
  teardown(fn: () => unknown): void;
  passing(): boolean;
}

export class LocalCluster {
  private constructor(readonly nodes: ClusterNode[]) {}

  /** Starts one node per kind, in parallel. If any fails, the others are stopped again. */
  static async launch(kinds: readonly NodeKind[], options: NodeOptions = {}): Promise<LocalCluster> {
    const started = await Promise.allSettled(kinds.map((kind) => ClusterNode.start(kind, options)));
    const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure !== undefined) {
      await Promise.all(nodes.map(async (n) => { await n.stop(); n.removeDir(); }));
      throw failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
    }
    return new LocalCluster(nodes);
  }

  /** Stops every node at teardown, also when the test failed; then prints the logs if it did. */
  attach(t: TestHooks): this {
    t.teardown(async () => {
      await this.destroy();
      if (!t.passing()) process.stderr.write(this.logs());
    });
    return this;
  }

  node(index: number): ClusterNode {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`no node #${index}`);
    return node;
  }

  byPort(port: number): ClusterNode {
    const node = this.nodes.find((n) => n.port === port);
    if (node === undefined) throw new Error(`no node on port ${port}`);
    return node;
  }

  addresses(): string[] {
    return this.nodes.map((n) => `${n.host}:${n.port}`);
  }

  /** `redis-cli --cluster create <all nodes> --cluster-replicas N --cluster-yes`. */
  async create(replicas: number): Promise<ProgramResult> {
    return runRedisCli(['--cluster', 'create', ...this.addresses(), '--cluster-replicas', String(replicas), '--cluster-yes'], 90_000);
  }

  async createOrThrow(replicas: number): Promise<void> {
    const result = await this.create(replicas);
    if (result.code !== 0) {
      throw new Error(`redis-cli --cluster create exited ${String(result.code)}:\n${result.stdout}\n${result.stderr}`);
    }
  }

  /** Polls until every node reports cluster_state:ok; throws with each node's state at the deadline. */
  async waitForOk(deadlineMs = 30_000): Promise<void> {
    await this.waitFor('every node reports cluster_state:ok', deadlineMs, async () => {
      const states = await Promise.all(this.nodes.map((n) => n.clusterState().catch((e: unknown) => String(e))));
      const ok = states.every((s) => s === 'ok');
      return { ok, detail: this.nodes.map((n, i) => `${n.label}=${String(states[i])}`).join(' ') };
    });
  }

  /**
   * Polls until every node's CLUSTER NODES describes the same cluster (ids, addresses, roles,
   * masters, epochs, slots) with `expectedNodes` entries, no fail/handshake flags and every link
   * `connected`; returns the agreed view as seen by node 0. A node learns a peer from gossip
   * before its cron opens a link to it, and a bus message (a PUBLISH) finds no link until then.
   */
  async waitForAgreement(expectedNodes: number, deadlineMs = 30_000): Promise<NodeLine[]> {
    let agreed: NodeLine[] = [];
    await this.waitFor(`all nodes agree on CLUSTER NODES (${expectedNodes} nodes)`, deadlineMs, async () => {
      // A reply that does not parse counts as disagreement, and its error is what gets reported.
      const errors: string[] = [];
      const views = await Promise.all(this.nodes.map((n) => n.clusterNodes().catch((e: unknown) => {
        errors.push(`${n.label}: ${e instanceof Error ? e.message : String(e)}`);
        return [];
      })));
      const texts = views.map(agreementView);
      const settled = views.every((v) => v.length === expectedNodes &&
        v.every((line) => !line.flags.some((f) => /fail|handshake|noaddr/.test(f)) && line.link === 'connected'));
      const ok = settled && texts.every((text) => text === texts[0]);
      agreed = views[0] ?? [];
      const down = this.nodes.flatMap((n, i) =>
        (views[i] ?? []).filter((line) => line.link !== 'connected').map((line) => `${n.label}: link to ${line.id} ${line.link}`));
      return { ok, detail: [...errors, ...down, ...this.nodes.map((n, i) => `--- ${n.label}:\n${texts[i] ?? ''}`)].join('\n') };
    });
    return agreed;
  }

  async waitFor(what: string, deadlineMs: number, probe: () => Promise<{ ok: boolean; detail: string }>): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    let last = '';
    for (;;) {
      const result = await probe();
      if (result.ok) return;
      last = result.detail;
      const dead = this.nodes.filter((n) => !n.isRunning);
      if (dead.length > 0) throw new Error(`waiting for ${what}: ${dead.map((n) => n.label).join(', ')} exited\n${last}`);
      if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}\n${last}`);
      await delay(50);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  /** Stops the nodes and removes their dirs. */
  async destroy(): Promise<void> {
    await this.stop();
    for (const node of this.nodes) node.removeDir();
  }

  logs(): string {
    return this.nodes.map((n) => `\n===== log of ${n.label} (dir ${n.dir}) =====\n${n.output()}`).join('\n');
  }
}

// ─── redis-cli and a redirect-following client ─────────────────────────────────────────────────

export async function runRedisCli(args: readonly string[], timeoutMs = 30_000, input?: string): Promise<ProgramResult> {
  const cli = redisCliPath();
  if (cli === null) throw new Error('redis-cli not installed');
  return runProgram(cli, args, input === undefined ? { timeoutMs } : { timeoutMs, input });
}

/** redis-cli colours its --cluster output even into a pipe; tests match the plain text. */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/**
 * Sends each command to an entry node first and follows MOVED/ASK like a cluster client, keeping
 * one connection per node. "Readable through any node" means the entry node either answers or
 * points to the owner; this client makes that explicit without a library's slot cache.
 */
export class RedirectingClient {
  private readonly connections = new Map<number, RawClient>();
  redirects = 0;

  /** `readDeadlineMs` must exceed any blocking timeout sent through it (WAIT 1 5000 needs > 5 s). */
  constructor(private readonly readDeadlineMs = 10_000) {}

  async call(entryPort: number, ...argv: Arg[]): Promise<Buffer> {
    let port = entryPort;
    let asking = false;
    for (let hop = 0; hop < 5; hop++) {
      const client = await this.connection(port);
      if (asking) await client.call('ASKING');
      const reply = await client.call(...argv);
      const redirect = /^-(MOVED|ASK) \d+ [^:]*:(\d+)\r\n$/.exec(reply.toString('latin1'));
      if (redirect === null) return reply;
      this.redirects++;
      asking = redirect[1] === 'ASK';
      port = Number(redirect[2]);
    }
    throw new Error(`more than 5 redirects for ${argv.join(' ')} from port ${entryPort}`);
  }

  private async connection(port: number): Promise<RawClient> {
    const existing = this.connections.get(port);
    if (existing !== undefined && !existing.isClosed) return existing;
    const client = await RawClient.connect(port, LOOPBACK_HOST, this.readDeadlineMs);
    this.connections.set(port, client);
    return client;
  }

  close(): void {
    for (const client of this.connections.values()) client.close();
    this.connections.clear();
  }
}
