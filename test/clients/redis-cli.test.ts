/*
 * redis-cli against hashslot, compared with the same invocation against a real redis-server:
 * stdout, stderr and exit code must match (after sorting where the order is the server's choice,
 * e.g. --scan). redis-cli formats replies by type, so this also checks reply types end to end,
 * and --pipe checks mass insertion with its trailing ECHO handshake.
 */

import t from 'tap';
import { findExecutable, type ServerProcess } from '../../bench/harness/server-process';
import { runProgram } from '../../bench/harness/run-program';
import { startTarget, targetName } from '../helpers/target';
import { redisServerPath, startRealRedis, REDIS_MISSING_MESSAGE } from '../../bench/harness/real-redis';
import { encodeCommand } from '../../bench/harness/resp';

const cli = findExecutable('redis-cli');

interface Invocation {
  args: string[];
  input?: string | Buffer;
  sortLines?: boolean;
}

const massInsert = Buffer.concat(Array.from({ length: 1000 }, (_, i) => encodeCommand(['SET', `mass:${i}`, `v${i}`])));

const INVOCATIONS: Invocation[] = [
  { args: ['PING'] },
  { args: ['SET', 'k', 'hello world'] },
  { args: ['GET', 'k'] },
  { args: ['--no-raw', 'GET', 'k'] },
  { args: ['--no-raw', 'GET', 'missing'] },
  { args: ['--no-raw', 'INCR', 'counter'] },
  { args: ['--no-raw', 'MGET', 'k', 'missing', 'counter'] },
  { args: ['--no-raw', 'NOSUCHCOMMAND', 'x'] },
  { args: ['NOSUCHCOMMAND', 'x'] },
  { args: ['--no-raw', 'SET', 'k', 'v', 'EX', '0'] },
  { args: ['-n', '3', 'SET', 'db3key', 'x'] },
  { args: ['-n', '3', '--no-raw', 'DBSIZE'] },
  { args: ['--no-raw', 'SET', 'bin', '\\xff\\x00'] },
  { args: ['--no-raw', 'GET', 'bin'] },
  { args: ['-3', '--no-raw', 'GET', 'missing'] },
  { args: ['-3', '--no-raw', 'CONFIG', 'GET', 'databases'] },
  { args: ['-3', '--no-raw', 'INCRBYFLOAT', 'f', '1.5'] },
  { args: ['--no-raw', 'LCS', 'k', 'bin', 'IDX'] },
  { args: [], input: 'SET a 1\nINCR a\nGET a\nECHO "quoted arg"\n' },
  { args: ['--pipe'], input: massInsert },
  { args: ['--no-raw', 'DBSIZE'] },
  { args: ['--scan', '--pattern', 'mass:1??'], sortLines: true },
  { args: ['-r', '3', 'INCR', 'repeated'] },
  { args: ['--no-raw', 'EXISTS', 'k', 'a', 'missing'] },
  { args: ['--no-raw', 'TTL', 'k'] },
  { args: ['-x', 'SET', 'fromstdin'], input: 'piped value' },
  { args: ['GET', 'fromstdin'] },
];

/** The output with the server's port replaced, so messages that name the address compare. */
function normalize(text: string, port: number, sortLines: boolean): string {
  const replaced = text.split(String(port)).join('<port>');
  return sortLines ? replaced.split('\n').sort().join('\n') : replaced;
}

if (cli === null) {
  t.plan(0, 'redis-cli not installed: apt-get install redis-tools to enable');
} else if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  let redis: ServerProcess | null = null;
  let target: ServerProcess | null = null;
  t.before(async () => {
    [redis, target] = await Promise.all([startRealRedis(), startTarget()]);
  });
  t.teardown(async () => {
    await Promise.all([redis?.stop(), target?.stop()]);
  });

  t.test(`redis-cli invocations give the same output (${targetName()} vs redis-server)`, async (t) => {
    if (redis === null || target === null) throw new Error('servers not started');
    for (const invocation of INVOCATIONS) {
      const run = async (server: ServerProcess): Promise<string> => {
        const options = invocation.input === undefined ? {} : { input: invocation.input };
        const result = await runProgram(cli, ['-h', '127.0.0.1', '-p', String(server.port), ...invocation.args], options);
        const sortLines = invocation.sortLines === true;
        return `exit ${String(result.code)}\nstdout:\n${normalize(result.stdout, server.port, sortLines)}\nstderr:\n${normalize(result.stderr, server.port, false)}`;
      };
      const [expected, actual] = await Promise.all([run(redis), run(target)]);
      t.equal(actual, expected, `redis-cli ${invocation.args.join(' ')}`);
    }
  });
}
