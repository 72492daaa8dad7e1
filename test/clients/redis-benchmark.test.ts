/*
 * redis-benchmark against hashslot (issue 2: `-t set,get,incr,mset -c 50 -n 200000` without
 * errors). redis-benchmark hammers one server with 50 pipelined-ish connections; besides "no
 * errors", the INCR counter must come out at exactly -n, which proves that no command was lost or
 * applied twice under concurrency. HASHSLOT_BENCH_REQUESTS lowers -n for quick local runs.
 */

import t from 'tap';
import { findExecutable, type ServerProcess } from '../../bench/harness/server-process';
import { runProgram } from '../../bench/harness/run-program';
import { startTarget, targetName } from '../helpers/target';
import { RawClient } from '../../bench/harness/raw-client';

const benchmark = findExecutable('redis-benchmark');
const REQUESTS = Number(process.env['HASHSLOT_BENCH_REQUESTS'] ?? '200000');

if (benchmark === null) {
  t.plan(0, 'redis-benchmark not installed: apt-get install redis-tools to enable');
} else {
  let server: ServerProcess | null = null;
  t.before(async () => {
    server = await startTarget();
  });
  t.teardown(async () => {
    await server?.stop();
  });

  t.test(`redis-benchmark -t set,get,incr,mset -c 50 -n ${REQUESTS} (${targetName()})`, { timeout: 300_000 }, async (t) => {
    if (server === null) throw new Error('server not started');
    const result = await runProgram(benchmark, ['-h', '127.0.0.1', '-p', String(server.port), '-t', 'set,get,incr,mset', '-c', '50', '-n', String(REQUESTS), '-q'], { timeoutMs: 280_000 });
    // -q prints progress lines ending in \r and one final line per test ending in \n.
    const finals = result.stdout.split('\n').map((l) => l.split('\r').pop() ?? '').filter((l) => l.trim() !== '');
    t.equal(result.code, 0, `exit code (stderr: ${result.stderr})`);
    t.notMatch(result.stdout + result.stderr, /error/i, 'no errors reported');
    t.same(finals.map((l) => l.split(':')[0]), ['SET', 'GET', 'INCR', 'MSET (10 keys)'], 'one result per test');
    for (const line of finals) t.match(line, /requests per second/, line);

    const client = await RawClient.connect(server.port);
    try {
      t.equal((await client.call('GET', 'counter:__rand_int__')).toString('latin1'), `$${String(REQUESTS).length}\r\n${REQUESTS}\r\n`, 'INCR applied exactly -n times');
      t.equal((await client.call('PING')).toString('latin1'), '+PONG\r\n', 'still answering');
    } finally {
      client.close();
    }
    t.equal(server.exitStatus(), null, 'server still running');
  });
}
