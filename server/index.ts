/**
 * The in-process API: start a node inside the calling process, for test suites that want Redis
 * without spawning anything.
 *
 *   import { startNode } from 'hashslot';
 *   const node = await startNode({ port: 0 });        // 0: any free port
 *   const redis = new Redis(node.port);
 *   ...
 *   await node.close();
 *
 * Options are redis.conf directives (`{ requirepass: 'secret', databases: 4 }`), validated
 * exactly as on the command line. Several nodes can run in one process; each has its own
 * keyspace, configuration and log.
 */
import { Config } from './config/config';
import { parseCommandLine } from './config/config-file';
import { type LogSink } from './log';
import { RedisNode } from './node';

export { RedisNode } from './node';

export interface StartOptions {
  /** Where log lines go; silent by default. */
  logSink?: LogSink;
  /** Seed for the node's random choices (RANDOMKEY, sampling), for reproducible runs. */
  seed?: number;
}

const SILENT: LogSink = { write: () => undefined };

/** Starts a node with the given directives and resolves once it accepts connections. */
export async function startNode(
  directives: Record<string, string | number | boolean> = {},
  options: StartOptions = {},
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
  });
  await node.listen();
  return node;
}
