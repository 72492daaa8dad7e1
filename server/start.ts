/**
 * Starting a node inside the calling process from redis.conf directives: the directives become a
 * redis-server command line (`{ requirepass: 'secret' }` → `--requirepass secret`), validated
 * exactly as the CLI validates it, and the node binds its ports before the promise resolves.
 *
 * This returns the internal RedisNode, with all its parts reachable: `npm start`
 * (through hashslot/testing) and hashslot's own tests use it. Users get the small facade of index.ts.
 */
import { Config } from './config/config';
import { parseCommandLine } from './config/config-file';
import { type LogSink } from './log';
import { RedisNode } from './node';
import type { NodeClock } from './clock';
import type { NodesConfStore } from './cluster/nodes-conf-file';
import type { NodeHooks } from './node-hooks';

/** Directive values as a user writes them: `{ port: 0, appendonly: false, maxmemory: '2mb' }`. */
export type Directives = Record<string, string | number | boolean>;

export interface StartOptions {
  /** Where log lines go; silent by default. */
  logSink?: LogSink;
  /** Seed for the node's random choices (RANDOMKEY, sampling), for reproducible runs. */
  seed?: number;
}

/** What hashslot's own tools (hashslot/testing, npm start) may also set. */
export interface NodeStartOptions extends StartOptions {
  /** The node's clock (a ManualClock for virtual time); the system clock by default. */
  clock?: NodeClock;
  /** nodes.conf kept somewhere other than its file (hashslot/testing keeps it in memory). */
  nodesConf?: NodesConfStore;
  /** A cluster master's start-up wait before it declares the cluster ok (Redis: 2000 ms). */
  clusterWritableDelayMs?: number;
  /** Applied before the node opens its ports, so the first socket already sees them. */
  hooks?: NodeHooks;
  /** Runs on the new node before it loads its snapshot and opens its ports. */
  beforeListen?: (node: RedisNode) => void;
}

const SILENT: LogSink = { write: () => undefined };

/** Starts a node with the given directives and resolves once it accepts connections. */
export async function startRedisNode(
  directives: Directives = {},
  options: NodeStartOptions = {},
): Promise<RedisNode> {
  const argv: string[] = [];
  const withDefaults = { port: 0, bind: '127.0.0.1', ...directives };
  for (const [name, value] of Object.entries(withDefaults)) {
    argv.push(`--${name}`, typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value));
  }
  const command = parseCommandLine(argv);
  if (command.kind !== 'run') throw new Error(`unexpected command line: ${argv.join(' ')}`);
  const config = Config.fromCommandLine(command);
  const node = new RedisNode({
    config,
    logSink: options.logSink ?? SILENT,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.nodesConf === undefined ? {} : { nodesConf: options.nodesConf }),
    ...(options.clusterWritableDelayMs === undefined ? {} : { clusterWritableDelayMs: options.clusterWritableDelayMs }),
  });
  if (options.hooks !== undefined) node.hooks = options.hooks;
  options.beforeListen?.(node);
  try {
    await node.listen();
  } catch (err) {
    // A port taken meanwhile (the bus port, after the client port opened): without the close the
    // half-started node's listeners and cron would keep the caller's process alive.
    await node.close();
    throw err;
  }
  return node;
}
