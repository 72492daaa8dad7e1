/*
 * bin/hashslot-server's command line and log, compared with redis-server's (issue 2): the same
 * `--directive value` arguments and config file syntax, the same fatal message and exit status for
 * a bad directive, and log lines in redis-server's format, because tools and scripts grep them
 * ("Ready to accept connections", "pid:M dd Mon yyyy hh:mm:ss.mmm * ...").
 */

import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commonServerArgs, redisServerPath, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import { hashslotBinPath } from '../../bench/harness/hashslot-process';
import { runProgram, type ProgramResult } from '../../bench/harness/run-program';
import { startTarget, targetName } from '../helpers/target';
import { RawClient } from '../../bench/harness/raw-client';
import { parseReply } from '../../bench/harness/resp';
import { ServerProcess } from '../../bench/harness/server-process';

const redisPath = redisServerPath();

/** One log line of redis-server: "pid:role dd Mon yyyy hh:mm:ss.mmm level message". */
const LOG_LINE = /^\d+:[XCSM] \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} [.\-*#] \S/;

function runTarget(args: string[]): Promise<ProgramResult> {
  if (targetName() === 'redis') return runProgram(redisPath ?? 'redis-server', args, { timeoutMs: 10_000 });
  return runProgram(process.execPath, [hashslotBinPath(), ...args], { timeoutMs: 10_000 });
}

/** Output without the parts that must differ (version in the fatal banner). */
function fatalText(result: ProgramResult): string {
  return `exit ${String(result.code)}\n${(result.stdout + result.stderr).replace(/\(Redis [^)]*\)/, '(Redis <version>)')}`;
}

if (redisPath === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  t.test('log lines look like redis-server\'s', async (t) => {
    const server = await startTarget();
    try {
      const ready = await server.waitForOutput(/Ready to accept connections/);
      t.ok(ready, `logs "Ready to accept connections"; output so far:\n${server.output()}`);
      const lines = server.output().split('\n').filter((l) => l.trim() !== '');
      t.ok(lines.length > 0, 'logs something at start-up');
      // The banner (redis-server's ASCII logo on a tty; hashslot's " PID: " line) is printed raw.
      for (const line of lines.filter((l) => !l.includes(' PID: '))) t.match(line, LOG_LINE, line);
      t.match(server.output(), /\* Ready to accept connections/, 'Ready to accept connections');
      t.match(server.output(), new RegExp(`Running mode=standalone, port=${server.port}\\.`), 'Running mode=standalone, port=N.');
      if (targetName() === 'hashslot') t.match(server.output(), new RegExp(` PID: ${String(server.pid)}`), 'banner with PID: <pid>');
    } finally {
      await server.stop();
    }
    t.match(server.output(), /ready to exit, bye bye/, 'SIGTERM shuts down like redis-server');
  });

  for (const args of [
    ['--bogus-directive', 'x'],
    ['--port', 'abc'],
    ['--port', '99999'],
    ['--databases', '0'],
    ['--loglevel', 'chatty'],
    ['--appendonly', 'maybe'],
    ['--port', '1', '2'],
  ]) {
    t.test(`bad command line: ${args.join(' ')}`, async (t) => {
      const [expected, actual] = await Promise.all([runProgram(redisPath, args, { timeoutMs: 10_000 }), runTarget(args)]);
      t.equal(fatalText(actual), fatalText(expected));
    });
  }

  t.test('a config file, then --directives that override it', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-cli-test-'));
    const file = path.join(dir, 'test.conf');
    fs.writeFileSync(file, [
      '# a comment line',
      '',
      'databases 7',
      'timeout   30   ',
      'requirepass "pa ss"',
      "maxmemory-policy 'allkeys-lru'",
      'hz 15',
      'save ""',
      'appendonly no',
      'tcp-keepalive 60',
      'cluster-node-timeout 5000',
      'repl-backlog-size 2mb',
      'replica-read-only yes',
      '',
    ].join('\n'));
    const servers: ServerProcess[] = [];
    try {
      const withFile = (start: (extra: string[]) => Promise<ServerProcess>): Promise<ServerProcess> =>
        start(['--hz', '20']).then((s) => (servers.push(s), s));
      // The file must come first on the command line, as redis-server requires.
      const [redis, target] = await Promise.all([
        withFile((extra) => startWithConfigFile('redis', file, extra)),
        withFile((extra) => startWithConfigFile(targetName(), file, extra)),
      ]);
      for (const name of ['databases', 'timeout', 'maxmemory-policy', 'hz', 'save', 'appendonly', 'tcp-keepalive', 'cluster-node-timeout', 'repl-backlog-size', 'replica-read-only']) {
        const [r, h] = await Promise.all([configGetAuthed(redis, name), configGetAuthed(target, name)]);
        t.same(h, r, `CONFIG GET ${name}`);
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

async function configGetAuthed(server: ServerProcess, name: string): Promise<string[]> {
  const client = await RawClient.connect(server.port);
  try {
    await client.call('AUTH', 'pa ss');
    return parseReply(await client.call('CONFIG', 'GET', name)).items.map((i) => i.text.toString('latin1'));
  } finally {
    client.close();
  }
}

async function startWithConfigFile(which: 'redis' | 'hashslot', file: string, extra: string[]): Promise<ServerProcess> {
  const args = (port: number, dir: string): string[] => [file, ...commonServerArgs(port, dir), ...extra];
  if (which === 'redis') return ServerProcess.start({ name: 'redis-server', command: redisPath ?? 'redis-server', args });
  return ServerProcess.start({ name: 'hashslot', command: process.execPath, args: (port, dir) => [hashslotBinPath(), ...args(port, dir)] });
}
