/**
 * `hashslot-cluster` (bin/hashslot-cluster, and `npm start`): a whole Redis Cluster in one process, for tests written
 * in any language and for trying things by hand. It is hashslot/testing's startCluster() behind
 * a command line, plus the control port (control/control-server.ts), which speaks RESP so that
 * the test drives the faults with the Redis client it already has.
 *
 *   hashslot-cluster [--shards 3] [--replicas 1] [--port 7000 | --port 0] [--node-timeout 5000]
 *                    [--dir DIR | --in-memory] [--control-port P] [--control-pass PASS]
 *                    [--clock real|virtual] [--seed N] [--view-port P [--view-controls]]
 *                    [--json] [-- --directive value ...]
 *
 * Ports: with --port 7000 (the default) node i listens on 7000+i and its bus on 17000+i, and the
 * control port is 6999; with --port 0 every port is a free one picked by the kernel (the control
 * port too, unless given). State: nodes.conf and a log per node go to `.hashslot-cluster/` (or
 * --dir), so starting again on the same directory and ports rejoins the same cluster; with
 * --in-memory (the default for --port 0) nothing is written. Everything after `--` is redis.conf
 * directives for every node, written as redis-server takes them (`-- --maxmemory 100mb`).
 *
 * --view-port serves the live view (view/view-server.ts) on loopback: the cluster drawn from its
 * events, and with --view-controls the buttons that break it.
 *
 * Once every node is ok it prints where everything is (one JSON line with --json, for a
 * test's process to read) and runs until SIGINT, SIGTERM or SHUTDOWN on the control port; each
 * stops every node and closes every port before the process exits.
 */
import * as path from 'node:path';
import type { Directives } from '../start';
import { ControlServer } from './control/control-server';
import { TestCluster, type ClusterOptions } from './test-cluster';
import { ViewServer } from './view/view-server';

export const USAGE = `usage: hashslot-cluster [--shards 3] [--replicas 1] [--port 7000 | --port 0] [--node-timeout 5000]
                        [--dir DIR | --in-memory] [--control-port P] [--control-pass PASS]
                        [--clock real|virtual] [--seed N] [--view-port P [--view-controls]] [--json]
                        [-- --directive value ...]`;

export interface CommandOptions {
  shards: number;
  replicas: number;
  /** 0: free ports. */
  basePort: number;
  nodeTimeoutMs: number;
  /** null: in memory. */
  dir: string | null;
  controlPort: number;
  controlPass: string | undefined;
  clock: 'real' | 'virtual';
  seed: number | undefined;
  json: boolean;
  /** null: no live view. */
  viewPort: number | null;
  viewControls: boolean;
  directives: Directives;
}

/** A bad command line, with the message to print above the usage. */
export class UsageError extends Error {}

const VALUE_OPTIONS = ['shards', 'replicas', 'port', 'node-timeout', 'dir', 'control-port', 'control-pass', 'clock', 'seed', 'view-port'] as const;

export function parseCommandLine(argv: readonly string[]): CommandOptions | 'help' {
  const given = new Map<string, string>();
  let inMemory = false;
  let json = false;
  let viewControls = false;
  let directives: Directives = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--') {
      directives = parseDirectives(argv.slice(i + 1));
      break;
    }
    if (arg === '--json') json = true;
    else if (arg === '--view-controls') viewControls = true;
    else if (arg === '--in-memory') inMemory = true;
    else if (arg.startsWith('--') && (VALUE_OPTIONS as readonly string[]).includes(arg.slice(2))) {
      const value = argv[i + 1];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      given.set(arg.slice(2), value);
      i++;
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const text = given.get(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`--${name} must be an integer ${min}-${max}, not '${text}'`);
    return value;
  };
  const basePort = int('port', 7000, 0, 55535);
  if (inMemory && given.has('dir')) throw new UsageError('--dir and --in-memory exclude each other');
  if (viewControls && !given.has('view-port')) throw new UsageError('--view-controls needs --view-port');
  const clock = given.get('clock') ?? 'real';
  if (clock !== 'real' && clock !== 'virtual') throw new UsageError(`--clock must be real or virtual, not '${clock}'`);
  const dirGiven = given.get('dir');
  return {
    shards: int('shards', 3, 1, 1000),
    replicas: int('replicas', 1, 0, 100),
    basePort,
    nodeTimeoutMs: int('node-timeout', 5000, 1),
    dir: inMemory ? null : dirGiven !== undefined ? path.resolve(dirGiven) : basePort === 0 ? null : path.resolve('.hashslot-cluster'),
    controlPort: int('control-port', basePort === 0 ? 0 : basePort - 1, 0, 65535),
    controlPass: given.get('control-pass'),
    clock,
    seed: given.has('seed') ? int('seed', 0, 0, 2 ** 32 - 1) : undefined,
    json,
    viewPort: given.has('view-port') ? int('view-port', 0, 0, 65535) : null,
    viewControls,
    directives,
  };
}

/** `--name value words ...` groups, as redis-server takes them on its command line. */
function parseDirectives(words: readonly string[]): Directives {
  const directives: Directives = {};
  let name: string | null = null;
  let values: string[] = [];
  const close = (): void => {
    if (name === null) return;
    if (values.length === 0) throw new UsageError(`directive ${name} needs a value`);
    directives[name] = values.join(' ');
  };
  for (const word of words) {
    if (word.startsWith('--')) {
      close();
      name = word.slice(2);
      values = [];
    } else if (name === null) {
      throw new UsageError(`after --, directives are written --name value (got '${word}')`);
    } else {
      values.push(word);
    }
  }
  close();
  return directives;
}

export interface RunningCluster {
  readonly cluster: TestCluster;
  readonly control: ControlServer;
  readonly view: ViewServer | null;
  /** Stops the control port and every node; idempotent. */
  stop(): Promise<void>;
}

export async function startFromOptions(options: CommandOptions, onShutdown: () => void): Promise<RunningCluster> {
  const clusterOptions: ClusterOptions = {
    shards: options.shards,
    replicasPerShard: options.replicas,
    nodeTimeoutMs: options.nodeTimeoutMs,
    clock: options.clock,
    directives: options.directives,
    startTimeoutMs: 30_000,
    ...(options.basePort === 0 ? {} : { basePort: options.basePort }),
    ...(options.dir === null ? {} : { dir: options.dir }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  };
  const cluster = await TestCluster.start(clusterOptions);
  let control: ControlServer | null = null;
  let view: ViewServer | null = null;
  try {
    control = await ControlServer.start(cluster, { port: options.controlPort, ...(options.controlPass === undefined ? {} : { password: options.controlPass }), onShutdown });
    if (options.viewPort !== null) view = await ViewServer.start(cluster, { port: options.viewPort, controls: options.viewControls, verbs: control.verbs });
  } catch (err) {
    await control?.close();
    await cluster.close();
    throw err;
  }
  const started = control;
  let stopping: Promise<void> | null = null;
  return {
    cluster,
    control: started,
    view,
    stop: () => (stopping ??= Promise.all([started.close(), view?.close()]).then(() => cluster.close())),
  };
}

/** What a test's process reads from --json: one line. */
export function describe(running: RunningCluster, options: CommandOptions): string {
  const { cluster, control } = running;
  return JSON.stringify({
    nodes: cluster.nodes.map((n) => ({ index: n.index, id: n.id, host: n.host, port: n.port, busPort: n.busPort, shard: n.shard, role: n.role })),
    control: { host: control.host, port: control.port },
    view: running.view === null ? null : { url: running.view.url, controls: options.viewControls },
    seed: cluster.seed,
    clock: cluster.clock.kind,
    dir: options.dir,
  });
}

function summary(running: RunningCluster, options: CommandOptions, elapsedMs: number): string {
  const { cluster, control } = running;
  const nodes = cluster.nodes;
  const first = nodes[0];
  const lines = [
    `hashslot-cluster: ${options.shards} primaries + ${options.shards * options.replicas} replicas, cluster_state:ok after ${elapsedMs} ms (seed ${cluster.seed}, ${cluster.clock.kind} clock)`,
    ...nodes.map((n) => `  node ${n.index}  ${n.host}:${n.port}  bus ${n.busPort}  ${n.role} of shard ${n.shard}  ${n.id}`),
    `  connect:  redis-cli -c -p ${first?.port ?? 0}`,
    `  control:  redis-cli -p ${control.port}${options.controlPass === undefined ? '' : ' -a <control-pass>'}   (try TOPOLOGY, NODE HELP, FAULT HELP)`,
    ...(running.view === null ? [] : [`  view:     ${running.view.url}${options.viewControls ? ' (with controls)' : ''}`]),
    `  state:    ${options.dir === null ? 'in memory' : `${options.dir} (nodes.conf and one log per node)`}`,
    '  stop:     Ctrl-C',
  ];
  return lines.join('\n') + '\n';
}

/** The command (bin/hashslot-cluster): `argv` without node and the script. */
export function main(argv: readonly string[]): void {
  run(argv).catch((err: unknown) => {
    process.stderr.write(`hashslot-cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

async function run(argv: readonly string[]): Promise<void> {
  let options: CommandOptions | 'help';
  try {
    options = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`hashslot-cluster: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const started = Date.now();
  let running: RunningCluster | null = null;
  let signals = 0;
  const shutdown = (): void => {
    if (++signals > 1) process.exit(1); // a second Ctrl-C: do not wait
    void (running?.stop() ?? Promise.resolve()).then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  running = await startFromOptions(options, shutdown);
  process.stdout.write(options.json ? `${describe(running, options)}\n` : summary(running, options, Date.now() - started));
}
