/*
 * bin/hashslot-server as a child process, started exactly as a user would start redis-server
 * (same command line), on a free loopback port in a fresh temp dir.
 *
 * Running the real binary rather than the in-process API is deliberate: it covers the CLI, config
 * parsing, logging and the listener, which in-process tests skip. The repository root is found
 * from this file's location (dist/harness/ after compilation) so tests work from any cwd.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { commonServerArgs } from './real-redis';
import { ServerProcess } from './server-process';

export function repoRoot(): string {
  // Walk up until the directory holding package.json and bin/hashslot-server: works both from
  // harness/ (ts-node style) and dist/harness/ (compiled).
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'bin', 'hashslot-server')) && fs.existsSync(path.join(dir, 'package.json'))) {
      return dir;
    }
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, '..', '..');
}

export function hashslotBinPath(): string {
  return path.join(repoRoot(), 'bin', 'hashslot-server');
}

/**
 * Flags for the node binary that runs each hashslot process, from HASHSLOT_NODE_FLAGS (split on
 * spaces), e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile every node of a benchmark:
 * node refuses --cpu-prof in NODE_OPTIONS, and NODE_OPTIONS would reach the benchmark too.
 */
export function hashslotNodeFlags(): string[] {
  return (process.env['HASHSLOT_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');
}

/** Starts `node bin/hashslot-server <args>`; `args` gets the port and temp dir. */
export function startHashslot(args: (port: number, dir: string) => string[]): Promise<ServerProcess> {
  return ServerProcess.start({
    name: 'hashslot',
    command: process.execPath,
    args: (port, dir) => [...hashslotNodeFlags(), hashslotBinPath(), ...args(port, dir)],
  });
}

/** hashslot with the same directives the differential tests give redis-server. */
export function startHashslotLikeRedis(extraArgs: readonly string[] = []): Promise<ServerProcess> {
  return startHashslot((port, dir) => [...commonServerArgs(port, dir), ...extraArgs]);
}
