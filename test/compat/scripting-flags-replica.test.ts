/*
 * What a script's flags mean on a replica and on a master short of replicas, against a real
 * redis-server, reply bytes compared. Redis derives EVAL's and FCALL's command flags from the
 * flags a script declares: without `no-writes` it is a write (READONLY on a read-only replica,
 * NOREPLICAS under min-replicas-to-write), without `allow-stale` it is refused on a replica whose
 * link is down when replica-serve-stale-data is no (MASTERDOWN), as is any script without a
 * shebang; inside a script allowed to run stale, only the commands flagged `stale` may run.
 *
 * Each server is started with the settings of its case (the replica points at a port nobody
 * listens on, so its link stays down).
 */
import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { redisServerPath, REDIS_MISSING_MESSAGE, startRealRedis } from '../../bench/harness/real-redis';
import { escapeBytes, type Arg } from '../../bench/harness/resp';
import type { ServerProcess } from '../../bench/harness/server-process';
import { startTarget, targetName } from '../helpers/target';

const LIBRARY = [
  '#!lua name=flagged',
  "redis.register_function{function_name = 'rw', callback = function() return 1 end}",
  "redis.register_function{function_name = 'ro', callback = function() return redis.call('get', 'x') end, flags = {'no-writes'}}",
  "redis.register_function{function_name = 'stale', callback = function() return redis.call('echo', 'e') end, flags = {'no-writes', 'allow-stale'}}",
  "redis.register_function{function_name = 'stale_get', callback = function() return redis.call('get', 'x') end, flags = {'no-writes', 'allow-stale'}}",
].join('\n');

const SCRIPTS: Arg[][] = [
  ['EVAL', 'return 1', '0'],
  ['EVAL', "return redis.call('set', 'x', '1')", '0'],
  ['EVAL', "return redis.call('get', 'x')", '0'],
  ['EVAL', '#!lua\nreturn 1', '0'],
  ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'],
  ['EVAL', "#!lua flags=no-writes\nreturn redis.call('set', 'x', '1')", '0'],
  ['EVAL', '#!lua flags=allow-stale\nreturn 1', '0'],
  ['EVAL', "#!lua flags=allow-stale,no-writes\nreturn redis.call('get', 'x')", '0'],
  ['EVAL', "#!lua flags=allow-stale,no-writes\nreturn redis.call('echo', 'e')", '0'],
  ['EVAL', "#!lua flags=allow-stale,no-writes\nreturn redis.pcall('ping')", '0'],
  ['EVAL_RO', '#!lua flags=no-writes\nreturn 1', '0'],
  ['EVAL_RO', '#!lua\nreturn 1', '0'],
  ['EVAL_RO', 'return 1', '0'],
  ['FCALL', 'rw', '0'],
  ['FCALL', 'ro', '0'],
  ['FCALL', 'stale', '0'],
  ['FCALL', 'stale_get', '0'],
  ['FCALL_RO', 'rw', '0'],
  ['FCALL', 'nosuch', '0'],
];

const CASES: Record<string, string[]> = {
  'a replica whose link is down, replica-serve-stale-data no': ['--replicaof', '127.0.0.1', '1', '--replica-serve-stale-data', 'no'],
  'a read-only replica serving stale data': ['--replicaof', '127.0.0.1', '1'],
  'a writable replica, stale data refused': ['--replicaof', '127.0.0.1', '1', '--replica-serve-stale-data', 'no', '--replica-read-only', 'no'],
  'a master short of replicas (min-replicas-to-write 1)': ['--min-replicas-to-write', '1'],
};

async function replies(server: ServerProcess, replica: boolean): Promise<string[]> {
  const client = await RawClient.connect(server.port);
  try {
    // A replica gets the library the way an operator would load it first: as a master.
    if (replica) await client.call('REPLICAOF', 'NO', 'ONE');
    await client.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY);
    if (replica) await client.call('REPLICAOF', '127.0.0.1', '1');
    const out: string[] = [];
    for (const script of SCRIPTS) out.push(escapeBytes(await client.call(...script)));
    return out;
  } finally {
    client.close();
  }
}

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  for (const [name, args] of Object.entries(CASES)) {
    t.test(name, async (tt) => {
      const servers = await Promise.all([startRealRedis(['--save', '', ...args]), startTarget(['--save', '', ...args])]);
      tt.teardown(() => Promise.all(servers.map((s) => s.stop())).then(() => undefined));
      const replica = args.includes('--replicaof');
      const [expected, actual] = await Promise.all(servers.map((s) => replies(s, replica)));
      for (let i = 0; i < SCRIPTS.length; i++) {
        tt.equal(actual?.[i], expected?.[i], `${targetName()}: ${JSON.stringify(SCRIPTS[i])}`);
      }
    });
  }
}
