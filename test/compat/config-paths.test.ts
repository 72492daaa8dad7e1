/*
 * Where relative paths from the configuration land (issue 11), compared with redis-server.
 *
 * redis-server chdir()s into `dir` as soon as it reads it, and opens its logfile and pidfile only
 * after the whole configuration is loaded, each relative to its working directory by then: so a
 * relative logfile or pidfile ends up in the final `dir`, whether it was given before or after
 * `dir`, in the config file or on the command line, and a relative `dir` is relative to the
 * previous one. It even opens the logfile for every line, so CONFIG SET dir moves the log.
 * hashslot hosts several nodes in one process and cannot chdir; it must resolve the same way.
 *
 * Each case runs both servers with the same config file and arguments, each in a fresh working
 * directory holding the subdirectories the case names, and compares the files each created there.
 */

import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hashslotBinPath } from '../../bench/harness/hashslot-process';
import { redisServerPath, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import { RawClient } from '../../bench/harness/raw-client';
import { targetName } from '../helpers/target';
import { delay, ServerProcess } from '../../bench/harness/server-process';

const redisPath = redisServerPath();

interface PathCase {
  name: string;
  /** The config file's text (written as `server.conf` in the working directory), or null. */
  config: string | null;
  args: string[];
  subdirs: string[];
  /** Run against the running server before it is stopped (cwd is the working directory). */
  during?: (client: RawClient, cwd: string) => Promise<void>;
}

const CASES: PathCase[] = [
  {
    name: 'logfile and pidfile after dir in the config file',
    config: 'dir ./n1\nlogfile log.txt\npidfile p.pid\n',
    args: [],
    subdirs: ['n1'],
  },
  {
    name: 'logfile before dir in the config file',
    config: 'logfile before.txt\ndir ./n1\n',
    args: [],
    subdirs: ['n1'],
  },
  {
    name: 'a second relative dir is relative to the first',
    config: 'dir ./n1\ndir ./n2\nlogfile l2.txt\n',
    args: [],
    subdirs: ['n1/n2', 'n2'],
  },
  {
    name: '--logfile before --dir on the command line',
    config: null,
    args: ['--logfile', 'cl.txt', '--dir', './n1', '--pidfile', 'cl.pid'],
    subdirs: ['n1'],
  },
  {
    name: '--dir on the command line after the config file\'s dir',
    config: 'dir ./n1\n',
    args: ['--dir', './n2', '--logfile', 'x.txt'],
    subdirs: ['n1/n2', 'n2'],
  },
  {
    name: 'CONFIG SET dir moves a relative logfile',
    config: null,
    args: ['--logfile', 'l.txt', '--dir', './n1', '--pidfile', 'moved.pid', '--enable-protected-configs', 'yes'],
    subdirs: ['n1', 'n2'],
    during: async (client, cwd) => {
      await client.call('CONFIG', 'SET', 'dir', path.join(cwd, 'n2'));
    },
  },
];

/** Every file under `root`, as sorted relative paths, the config file left out. */
function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(root, full));
    }
  };
  walk(root);
  return out.filter((f) => f !== 'server.conf').sort();
}

/** Runs one server in `cwd` through the case; the files it created while running and after. */
async function runCase(c: PathCase, program: 'redis' | 'hashslot', cwd: string): Promise<{ running: string[]; stopped: string[] }> {
  for (const sub of c.subdirs) fs.mkdirSync(path.join(cwd, sub), { recursive: true });
  const head = c.config === null ? [] : ['server.conf'];
  if (c.config !== null) fs.writeFileSync(path.join(cwd, 'server.conf'), c.config);
  const args = (port: number): string[] => [...head, '--port', String(port), '--bind', '127.0.0.1', '--save', '', ...c.args];
  // HASHSLOT_COMPAT_TARGET=redis plays the hashslot side with redis-server, to check the test.
  const server = await ServerProcess.start(program === 'redis' || targetName() === 'redis'
    ? { name: 'redis-server', command: redisPath ?? 'redis-server', args, cwd }
    : { name: 'hashslot', command: process.execPath, args: (port) => [hashslotBinPath(), ...args(port)], cwd });
  try {
    const client = await RawClient.connect(server.port);
    try {
      // The pidfile and "Ready to accept connections" come just after the port opens.
      const deadline = Date.now() + 5_000;
      while (!filesUnder(cwd).some((f) => /\.txt$/.test(f) && fs.readFileSync(path.join(cwd, f), 'latin1').includes('Ready to accept'))) {
        if (Date.now() > deadline) throw new Error(`${program}: no log file with "Ready to accept" in ${cwd}: ${filesUnder(cwd).join(', ')}`);
        await delay(20);
      }
      while (c.args.includes('--pidfile') && !filesUnder(cwd).some((f) => f.endsWith('.pid')) && Date.now() < deadline) await delay(20);
      await c.during?.(client, cwd);
    } finally {
      client.close();
    }
    const running = filesUnder(cwd);
    await server.stop();
    return { running, stopped: filesUnder(cwd) };
  } finally {
    await server.stop();
  }
}

if (redisPath === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  for (const c of CASES) {
    t.test(c.name, async (t) => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-test-paths-'));
      t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
      fs.mkdirSync(path.join(root, 'redis'));
      fs.mkdirSync(path.join(root, 'hashslot'));
      const [redis, hashslot] = await Promise.all([
        runCase(c, 'redis', path.join(root, 'redis')),
        runCase(c, 'hashslot', path.join(root, 'hashslot')),
      ]);
      t.same(hashslot, redis, 'the same files in the same places, running and after stopping');
      const lastLog = redis.stopped.filter((f) => f.endsWith('.txt')).at(-1);
      if (c.during !== undefined && lastLog !== undefined) {
        const tail = fs.readFileSync(path.join(root, 'hashslot', lastLog), 'latin1');
        t.match(tail, /Received SIGTERM/, 'the shutdown lines are logged in the new dir');
      }
    });
  }
}
