/**
 * The command line of one node, as redis-server's: `hashslot-server [configfile] [--directive
 * value ...]`. It loads the configuration (exiting with redis-server's error text on a bad
 * directive), starts the node, logs the start-up lines tools grep for, and turns SIGINT/SIGTERM
 * into a clean shutdown.
 */
import { AclStartupError } from './acl/acl';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REDIS_VERSION } from '../storage/redis-version';
import { Config } from './config/config';
import { ConfigFileError, ConfigOpenError, parseCommandLine } from './config/config-file';
import { followingFileSink, Logger, type LogSink, stdoutSink } from './log';
import { RedisNode, SnapshotLoadError } from './node';
import { saveBeforeShutdown } from './persistence/snapshots';
import { adjustOpenFilesLimit } from './network/open-files-limit';
import { raiseInliningBudget } from './v8-tuning';

const USAGE = `Usage: ./hashslot-server [/path/to/redis.conf] [options] [-]
       ./hashslot-server - (read config from stdin)
       ./hashslot-server -v or --version
       ./hashslot-server -h or --help

Examples:
       ./hashslot-server (run the server with default conf)
       ./hashslot-server /etc/redis/6379.conf
       ./hashslot-server --port 7777
       ./hashslot-server --port 7777 --replicaof 127.0.0.1 8888
       ./hashslot-server /etc/myredis.conf --loglevel verbose -
       ./hashslot-server /etc/myredis.conf --loglevel verbose
`;

export function main(args: string[]): void {
  // Before any of the server's code is hot enough to be optimised (v8-tuning.ts).
  raiseInliningBudget(process.execArgv);
  const command = parseCommandLine(args);
  if (command.kind === 'version') {
    process.stdout.write(`Redis server v=${REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=hashslot\n`);
    process.exit(0);
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (command.kind === 'test-memory') {
    process.stderr.write('--test-memory is not supported by hashslot\n');
    process.exit(1);
  }
  let config: Config;
  try {
    config = Config.fromCommandLine(command);
  } catch (err) {
    if (err instanceof ConfigFileError) {
      process.stderr.write(Buffer.from(err.report, 'latin1'));
      process.exit(1);
    }
    if (err instanceof ConfigOpenError) {
      new Logger('notice', stdoutSink).warning(err.message);
      process.exit(1);
    }
    throw err;
  }
  if (config.moduleConfigs.length > 0) {
    new Logger('notice', stdoutSink).warning(
      'Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting',
    );
    process.exit(1);
  }
  const logfile = config.string('logfile');
  let sink: LogSink = stdoutSink;
  if (logfile !== '') {
    try {
      sink = followingFileSink(() => config.filePath('logfile'));
    } catch (err) {
      process.stderr.write(`Can't open the log file: ${(err as Error).message}\n`);
      process.exit(1);
    }
  }
  let node: RedisNode;
  try {
    node = new RedisNode({
      config,
      logSink: sink,
      executable: path.resolve(process.argv[1] ?? 'hashslot-server'),
    });
  } catch (err) {
    // Users that cannot be loaded (the ACL file, `user` lines): Redis refuses to start.
    if (!(err instanceof AclStartupError)) throw err;
    new Logger('notice', sink).warning(`Aborting Redis startup because of ACL errors: ${err.message}`);
    process.exit(1);
  }
  const log = node.log;
  log.notice('oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo');
  log.notice(`Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started`);
  if (command.readStdin) log.notice('Reading config from stdin');
  // As redis-server: the warning only when started with no arguments at all.
  if (args.length === 0) {
    log.warning(
      'Warning: no config file specified, using the default config. In order to specify a config file use hashslot-server /path/to/redis.conf',
    );
  } else {
    log.warning('Configuration loaded');
  }
  if (config.bool('daemonize')) log.warning('daemonize yes is not supported: running in the foreground');
  const maxclients = adjustOpenFilesLimit(config.number('maxclients'), log);
  if (maxclients === null) process.exit(1);
  if (maxclients !== config.number('maxclients')) config.set([['maxclients', String(maxclients)]]);

  node
    .listen()
    .then(() => {
      const mode = config.bool('cluster-enabled') ? 'cluster' : 'standalone';
      log.raw(`hashslot (Redis ${REDIS_VERSION} compatible) ${mode} mode, Port: ${node.port}, PID: ${process.pid}`);
      log.notice(`Running mode=${mode}, port=${node.port}.`);
      writePidfile(config.filePath('pidfile'));
      // Node builds process.stderr lazily, and the first socket it destroys reads it (net.js
      // compares the socket with it): several ms that would otherwise land on the first closed
      // connection, such as a replica's first reconnect to its master.
      void process.stderr;
      log.notice('Server initialized');
      log.notice('Ready to accept connections');
    })
    .catch((err: NodeJS.ErrnoException) => {
      if (err instanceof SnapshotLoadError) process.exit(1); // the loader logged why
      const port = config.number('port');
      log.warning(`Warning: Could not create server TCP listening socket *:${port}: ${err.message}`);
      log.warning(`Failed listening on port ${port} (TCP), aborting.`);
      process.exit(1);
    });

  const exit = (): void => {
    removePidfile(config.filePath('pidfile'));
    process.exit(0);
  };
  node.onShutdown = exit;
  // DEBUG SEGFAULT and friends: the process dies by the signal, as redis-server does.
  node.debugHooks.crashProcess = (signal) => process.kill(process.pid, signal);
  const onSignal = (name: string) => (): void => {
    log.warning(`Received ${name} scheduling shutdown...`);
    // With save points configured the data is saved first; a failed save keeps the server up.
    if (!saveBeforeShutdown(node, 'default')) {
      log.warning('Errors trying to shut down the server. Check the logs for more information.');
      return;
    }
    node.shutdown();
  };
  process.on('SIGINT', onSignal('SIGINT'));
  process.on('SIGTERM', onSignal('SIGTERM'));
}

function writePidfile(file: string): void {
  if (file === '') return;
  try {
    fs.writeFileSync(file, `${process.pid}\n`);
  } catch {
    /* Redis ignores a pidfile it cannot write */
  }
}

function removePidfile(file: string): void {
  if (file === '') return;
  try {
    fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}
