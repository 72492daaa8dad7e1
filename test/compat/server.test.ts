/*
 * Differential tests for server commands (issue 2): DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, INFO,
 * CONFIG, OBJECT, DEBUG, FUNCTION FLUSH, generic command errors and SHUTDOWN (last: it stops
 * both servers). COMMAND and its subcommands are in command-table.test.ts.
 */

import t from 'tap';
import { approx, check, dualRun, error, mapExcept, rawClose, sortedPairs, type Pair } from './harness';
import type { Compared } from './compare';
import { compareInfo, infoText, parseInfo } from './info-fields';
import { encodeCommand, escapeMultiline, parseReply } from '../../bench/harness/resp';
import { delay } from '../../bench/harness/server-process';

const dual = dualRun(t);

dual.case('DBSIZE FLUSHDB FLUSHALL', [
  ['DBSIZE'],
  ['MSET', 'a', '1', 'b', '2'],
  ['DBSIZE'],
  ['SELECT', '1'],
  ['SET', 'c', '3'],
  ['DBSIZE'],
  ['FLUSHDB'],
  ['DBSIZE'],
  ['SELECT', '0'],
  ['DBSIZE'],
  ['FLUSHDB', 'ASYNC'],
  ['DBSIZE'],
  ['SET', 'a', '1'],
  ['FLUSHDB', 'sync'],
  ['SET', 'a', '1'],
  ['SELECT', '9'],
  ['SET', 'b', '1'],
  ['FLUSHALL'],
  ['DBSIZE'],
  ['SELECT', '0'],
  ['DBSIZE'],
  ['SET', 'a', '1'],
  ['FLUSHALL', 'ASYNC'],
  ['DBSIZE'],
  ['SET', 'a', '1'],
  ['FLUSHALL', 'SYNC'],
  ['DBSIZE'],
  error('FLUSHALL', 'BOGUS'),
  error('FLUSHALL', 'ASYNC', 'SYNC'),
  error('FLUSHDB', 'BOGUS'),
  error('DBSIZE', 'x'),
]);

dual.case('SWAPDB', [
  ['SET', 'k', 'in0'],
  ['SELECT', '1'],
  ['SET', 'k', 'in1'],
  ['SET', 'only1', 'x', 'EX', '100'],
  ['SWAPDB', '0', '1'],
  ['GET', 'k'],
  ['EXISTS', 'only1'],
  ['SELECT', '0'],
  ['GET', 'k'],
  approx(1, 'TTL', 'only1'),
  ['SWAPDB', '0', '0'],
  ['SWAPDB', '2', '15'],
  error('SWAPDB', '0', '16'),
  error('SWAPDB', '16', '0'),
  error('SWAPDB', '-1', '0'),
  error('SWAPDB', 'a', '0'),
  error('SWAPDB', '0', 'b'),
  error('SWAPDB', '0'),
]);

const sameTime = (redis: Buffer, target: Buffer): Compared => {
  const describe = (buf: Buffer): string => {
    try {
      const node = parseReply(buf);
      const [sec, usec] = node.items.map((i) => i.text.toString('latin1'));
      if (node.type !== '*' || node.items.length !== 2 || node.items.some((i) => i.type !== '$')) return escapeMultiline(buf);
      if (sec === undefined || usec === undefined || !/^\d+$/.test(sec) || !/^\d{1,6}$/.test(usec)) return escapeMultiline(buf);
      return `*2 [$seconds, $microseconds], seconds ~${Math.round(Number(sec) / 10)}0`;
    } catch {
      return escapeMultiline(buf);
    }
  };
  return { expected: describe(redis), actual: describe(target) };
};

dual.case('TIME', [
  check(sameTime, 'TIME'),
  error('TIME', 'x'),
]);

/** Each INFO variant: same section names; every redis field present; numbers stay numbers. */
async function compareInfoVariant(pair: Pair, args: string[]): Promise<void> {
  const [r, h] = await pair.both(async (c) => c.call('INFO', ...args));
  const label = `INFO ${args.join(' ')}`;
  if (h instanceof Error) {
    pair.same(h.message, 'an INFO reply', label);
    return;
  }
  pair.same(h.subarray(0, 1).toString('latin1'), r.subarray(0, 1).toString('latin1'), `${label}: reply type`);
  const diff = compareInfo(infoText(r), infoText(h));
  pair.same(diff.sections.actual, diff.sections.expected, `${label}: section names`);
  pair.same(diff.missingFields, [], `${label}: every field redis-server has`);
  pair.same(diff.nonNumeric, [], `${label}: numeric fields stay numeric`);
}

dual.case('INFO sections and field names', async (pair) => {
  await pair.do('SET', 'k', 'v');
  for (const variant of [[], ['default'], ['all'], ['everything'], ['server'], ['clients'], ['memory'], ['persistence'],
    ['stats'], ['replication'], ['cpu'], ['keyspace'], ['cluster'], ['modules'], ['errorstats'], ['commandstats'],
    ['server', 'clients'], ['SERVER'], ['nosuchsection']]) {
    await compareInfoVariant(pair, variant);
  }
});

dual.case('INFO keyspace and cluster values', async (pair) => {
  await pair.do('MSET', 'a', '1', 'b', '2');
  await pair.do('SELECT', '3');
  await pair.do('SET', 'c', '3');
  await pair.do('INFO', 'keyspace');
  await pair.do('INFO', 'cluster');
  await pair.do('FLUSHALL');
  await pair.do('INFO', 'keyspace');
  const [r, h] = await pair.both(async (c) => {
    const server = parseInfo(infoText(await c.call('INFO', 'server'))).find((s) => s.name === 'Server')?.fields;
    return { mode: server?.get('redis_mode'), port: server?.get('tcp_port') === undefined ? 'missing' : 'present' };
  });
  pair.same(h, r, 'INFO server: redis_mode and tcp_port');
});

dual.case('INFO in RESP3', async (pair) => {
  await compareInfoVariant(pair, []);
  await compareInfoVariant(pair, ['keyspace']);
}, { resp3: true });

dual.case('CONFIG GET common parameters', [
  sortedPairs('CONFIG', 'GET', 'maxmemory'),
  sortedPairs('CONFIG', 'GET', 'maxmemory-policy'),
  sortedPairs('CONFIG', 'GET', 'databases'),
  sortedPairs('CONFIG', 'GET', 'timeout'),
  sortedPairs('CONFIG', 'GET', 'tcp-keepalive'),
  sortedPairs('CONFIG', 'GET', 'save'),
  sortedPairs('CONFIG', 'GET', 'appendonly'),
  sortedPairs('CONFIG', 'GET', 'requirepass'),
  sortedPairs('CONFIG', 'GET', 'protected-mode'),
  sortedPairs('CONFIG', 'GET', 'proto-max-bulk-len'),
  sortedPairs('CONFIG', 'GET', 'client-query-buffer-limit'),
  sortedPairs('CONFIG', 'GET', 'hz'),
  sortedPairs('CONFIG', 'GET', 'loglevel'),
  sortedPairs('CONFIG', 'GET', 'bind'),
  sortedPairs('CONFIG', 'GET', 'daemonize'),
  sortedPairs('CONFIG', 'GET', 'cluster-enabled'),
  sortedPairs('CONFIG', 'GET', 'cluster-node-timeout'),
  sortedPairs('CONFIG', 'GET', 'repl-backlog-size'),
  sortedPairs('CONFIG', 'GET', 'replica-read-only'),
  sortedPairs('CONFIG', 'GET', 'maxclients'),
  sortedPairs('CONFIG', 'GET', 'appendfsync'),
  sortedPairs('CONFIG', 'GET', 'nosuchparam'),
  sortedPairs('CONFIG', 'GET', 'timeout', 'hz', 'databases'),
  sortedPairs('CONFIG', 'GET', 'TIMEOUT'),
  sortedPairs('CONFIG', 'GET', 'maxmemory*'),
  sortedPairs('CONFIG', 'GET', 'cluster-*'),
  sortedPairs('CONFIG', 'GET', 'repl-*'),
  sortedPairs('CONFIG', 'GET', 'replica-*'),
  sortedPairs('CONFIG', 'GET', 'slave-*'),
  sortedPairs('CONFIG', 'GET', '*max-*-len'),
  sortedPairs('CONFIG', 'GET', 'time?ut'),
  error('CONFIG', 'GET'),
]);

dual.case('CONFIG GET with a glob over every parameter', [
  check((redis, target) => {
    const names = (buf: Buffer): string => {
      const node = parseReply(buf);
      const list: string[] = [];
      for (let i = 0; i < node.items.length; i += 2) list.push(node.items[i]?.text.toString('latin1') ?? '');
      return list.sort().join('\n');
    };
    return { expected: names(redis), actual: names(target) };
  }, 'CONFIG', 'GET', '*'),
]);

dual.case('CONFIG SET', [
  ['CONFIG', 'SET', 'maxmemory', '100mb'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['CONFIG', 'SET', 'maxmemory', '1gb', 'timeout', '30'],
  ['CONFIG', 'GET', 'timeout'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
  ['CONFIG', 'GET', 'maxmemory-policy'],
  ['CONFIG', 'SET', 'hz', '20'],
  ['CONFIG', 'SET', 'loglevel', 'warning'],
  ['CONFIG', 'GET', 'loglevel'],
  ['CONFIG', 'SET', 'MAXMEMORY', '0'],
  error('CONFIG', 'SET', 'timeout', 'abc'),
  error('CONFIG', 'SET', 'maxmemory', '-1'),
  error('CONFIG', 'SET', 'maxmemory-policy', 'bogus'),
  error('CONFIG', 'SET', 'loglevel', 'chatty'),
  error('CONFIG', 'SET', 'nosuchparam', '1'),
  error('CONFIG', 'SET', 'daemonize', 'yes'),
  error('CONFIG', 'SET', 'databases', '32'),
  error('CONFIG', 'SET', 'timeout'),
  error('CONFIG', 'SET', 'timeout', '1', 'hz'),
  error('CONFIG', 'SET', 'timeout', '1', 'timeout', '2'),
  error('CONFIG', 'SET', 'hz', '20', 'timeout', 'x'),
  ['CONFIG', 'GET', 'hz'],
  // An enum value with two names reads back as the first.
  ['CONFIG', 'SET', 'oom-score-adj', 'relative'],
  ['CONFIG', 'GET', 'oom-score-adj'],
  ['CONFIG', 'SET', 'oom-score-adj', 'no'],
  ['CONFIG', 'SET', 'timeout', '0', 'hz', '10', 'maxmemory-policy', 'noeviction', 'loglevel', 'notice'],
  ['CONFIG', 'RESETSTAT'],
  error('CONFIG', 'RESETSTAT', 'x'),
  error('CONFIG', 'REWRITE'),
  error('CONFIG', 'BOGUS'),
  error('CONFIG'),
]);

dual.case('OBJECT', [
  ['SET', 'int', '12345'],
  ['SET', 'bigint', '123456789012345678'],
  ['SET', 'toobig', '12345678901234567890'],
  ['SET', 'neg', '-5'],
  ['SET', 'lead0', '0123'],
  ['SET', 'short', 'hello'],
  ['SET', 'edge44', 'x'.repeat(44)],
  ['SET', 'edge45', 'x'.repeat(45)],
  ['OBJECT', 'ENCODING', 'int'],
  ['OBJECT', 'ENCODING', 'bigint'],
  ['OBJECT', 'ENCODING', 'toobig'],
  ['OBJECT', 'ENCODING', 'neg'],
  ['OBJECT', 'ENCODING', 'lead0'],
  ['OBJECT', 'ENCODING', 'short'],
  ['OBJECT', 'ENCODING', 'edge44'],
  ['OBJECT', 'ENCODING', 'edge45'],
  ['OBJECT', 'ENCODING', 'missing'],
  ['APPEND', 'short', '!'],
  ['OBJECT', 'ENCODING', 'short'],
  ['APPEND', 'int', '6'],
  ['OBJECT', 'ENCODING', 'int'],
  ['INCR', 'lead0'],
  ['OBJECT', 'ENCODING', 'lead0'],
  ['SETRANGE', 'r', '0', 'abc'],
  ['OBJECT', 'ENCODING', 'r'],
  ['INCRBYFLOAT', 'f', '1.5'],
  ['OBJECT', 'ENCODING', 'f'],
  ['SET', 'small', '100'],
  ['OBJECT', 'REFCOUNT', 'small'],
  ['SET', 'large', '10000'],
  ['OBJECT', 'REFCOUNT', 'large'],
  ['OBJECT', 'REFCOUNT', 'short'],
  ['OBJECT', 'REFCOUNT', 'missing'],
  approx(2, 'OBJECT', 'IDLETIME', 'short'),
  ['OBJECT', 'IDLETIME', 'missing'],
  error('OBJECT', 'FREQ', 'short'),
  ['OBJECT', 'FREQ', 'missing'],
  error('OBJECT', 'ENCODING'),
  error('OBJECT', 'BOGUS', 'k'),
  error('OBJECT'),
]);

dual.case('OBJECT and MEMORY USAGE of strings held in a form their bytes do not decide', [
  // INCRBYFLOAT stores an embstr even when the result reads as an integer.
  ['SET', 'f', '1.5'],
  ['INCRBYFLOAT', 'f', '1.5'],
  ['OBJECT', 'ENCODING', 'f'],
  ['OBJECT', 'REFCOUNT', 'f'],
  ['MEMORY', 'USAGE', 'f'],
  ['DEBUG', 'SDSLEN', 'f'],
  ['INCRBYFLOAT', 'new', '3'],
  ['OBJECT', 'ENCODING', 'new'],
  ['INCRBYFLOAT', 'long', '12345678901234567890'],
  ['OBJECT', 'ENCODING', 'long'],
  // It keeps that form through RENAME, MOVE and COPY, and loses it to any new value.
  ['RENAME', 'f', 'g'],
  ['OBJECT', 'ENCODING', 'g'],
  ['COPY', 'g', 'h'],
  ['OBJECT', 'ENCODING', 'h'],
  ['MOVE', 'h', '1'],
  ['SELECT', '1'],
  ['OBJECT', 'ENCODING', 'h'],
  ['SELECT', '0'],
  ['INCR', 'g'],
  ['OBJECT', 'ENCODING', 'g'],
  ['OBJECT', 'REFCOUNT', 'g'],
  ['INCRBYFLOAT', 'new', '0'],
  ['APPEND', 'new', '1'],
  ['OBJECT', 'ENCODING', 'new'],
  ['INCRBYFLOAT', 'long', '0'],
  ['SET', 'long', '7'],
  ['OBJECT', 'ENCODING', 'long'],
  // COPY gives a shared integer an object of its own.
  ['SET', 'shared', '10'],
  ['COPY', 'shared', 'private'],
  ['OBJECT', 'REFCOUNT', 'shared'],
  ['OBJECT', 'REFCOUNT', 'private'],
  ['OBJECT', 'ENCODING', 'private'],
  ['RENAME', 'private', 'moved'],
  ['OBJECT', 'REFCOUNT', 'moved'],
  ['SET', 'moved', '10'],
  ['OBJECT', 'REFCOUNT', 'moved'],
  // With maxmemory and an LRU or LFU policy no integer is shared.
  ['CONFIG', 'SET', 'maxmemory', '1gb'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-lru'],
  ['SET', 'lru', '5'],
  ['OBJECT', 'REFCOUNT', 'lru'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
  ['SET', 'lfu', '6'],
  ['OBJECT', 'REFCOUNT', 'lfu'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random'],
  ['SET', 'random', '7'],
  ['OBJECT', 'REFCOUNT', 'random'],
  ['CONFIG', 'SET', 'maxmemory', '0'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'],
  ['SET', 'nolimit', '8'],
  ['OBJECT', 'REFCOUNT', 'nolimit'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
  ['FLUSHALL'],
]);

dual.case('OBJECT FREQ and IDLETIME under LFU', [
  ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
  ['SET', 'k', 'v'],
  check((r, h) => ({ expected: r.subarray(0, 1).toString(), actual: h.subarray(0, 1).toString() }), 'OBJECT', 'FREQ', 'k'),
  error('OBJECT', 'IDLETIME', 'k'),
  ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
]);

dual.case('DEBUG and FUNCTION', [
  ['DEBUG', 'SLEEP', '0'],
  ['DEBUG', 'SLEEP', '0.01'],
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'FLUSH', 'ASYNC'],
  ['FUNCTION', 'FLUSH', 'SYNC'],
  error('FUNCTION', 'FLUSH', 'BOGUS'),
  error('DEBUG'),
]);

dual.case('unknown commands, arity and subcommands', [
  error('NOSUCHCMD'),
  error('nosuchcmd', 'arg1', 'arg2'),
  error('NOSUCHCMD', 'a'.repeat(200)),
  error('NOSUCHCMD', '', Buffer.from([0xff, 0x0a])),
  error('NOSUCHCMD', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q'),
  error(''),
  error('GET'),
  error('get', 'a', 'b'),
  error('SET'),
  error('MSET', 'a'),
  error('DEL'),
  error('CONFIG', 'NOSUB'),
  error('config', 'nosub', 'x'),
  error('CLIENT', 'NOSUB'),
  error('OBJECT', 'NOSUB'),
  error('FUNCTION', 'NOSUB'),
  error('COMMAND', 'NOSUB'),
  error('CONFIG'),
  error('CLIENT'),
  error('OBJECT'),
  error('CONFIG', 'GET'),
  error('CLIENT', 'GETNAME', 'extra'),
  error('CONFIG|GET', 'x'),
  error('GET|X', 'k'),
]);

dual.case('OBJECT IDLETIME follows reads and writes', [
  ['SET', 'idle', 'v'],
  ['SET', 'busy', 'v'],
  ['DEBUG', 'SLEEP', '1.2'],
  ['GET', 'busy'],
  ['TTL', 'idle'],
  ['TYPE', 'idle'],
  ['EXISTS', 'idle'],
  approx(1, 'OBJECT', 'IDLETIME', 'idle'),
  ['OBJECT', 'IDLETIME', 'busy'],
  ['TOUCH', 'idle'],
  ['OBJECT', 'IDLETIME', 'idle'],
]);


dual.case('NOREPLICAS under min-replicas-to-write, and its alias', [
  ['SET', 'k', 'v'],
  ['CONFIG', 'SET', 'min-replicas-to-write', '1'],
  error('SET', 'k', 'v2'),
  error('INCR', 'n'),
  error('MSET', 'a', '1', 'b', '2'),
  ['GET', 'k'],
  ['PING'],
  // min-replicas-max-lag 0 switches the check off.
  ['CONFIG', 'SET', 'min-replicas-max-lag', '0'],
  ['SET', 'k', 'v3'],
  ['CONFIG', 'SET', 'min-replicas-max-lag', '10'],
  error('DEL', 'k'),
  ['CONFIG', 'SET', 'min-slaves-to-write', '0'],
  ['SET', 'k', 'v4'],
  ['GET', 'k'],
  ['CONFIG', 'GET', 'min-replicas-to-write'],
]);

dual.case('MASTERDOWN on a replica whose link is down, replica-serve-stale-data no', [
  ['SET', 'k', 'v'],
  ['CONFIG', 'SET', 'replica-serve-stale-data', 'no'],
  ['GET', 'k'],
  // Port 1: nobody listens, so the link stays down.
  ['REPLICAOF', '127.0.0.1', '1'],
  error('GET', 'k'),
  error('PING'),
  error('DBSIZE'),
  check((redis, target) => ({ expected: String(redis.length > 0), actual: String(target.length > 0) }), 'INFO', 'server'),
  ['CONFIG', 'SET', 'replica-serve-stale-data', 'yes'],
  ['GET', 'k'],
  // HELLO names the role: a replica even while its link is down.
  mapExcept(['id', 'version'], 'HELLO', '3'),
  ['REPLICAOF', 'NO', 'ONE'],
  mapExcept(['id', 'version'], 'HELLO', '2'),
  ['SET', 'k', 'v2'],
]);

dual.case('SHUTDOWN (last: stops both servers)', async (pair) => {
  await pair.error('SHUTDOWN', 'BOGUS');
  await pair.error('SHUTDOWN', 'NOSAVE', 'SAVE');
  await pair.step(rawClose(encodeCommand(['SHUTDOWN', 'NOSAVE'])));
  const servers = dual.running;
  const deadline = Date.now() + 10_000;
  while ((servers.redis.exitStatus() === null || servers.target.exitStatus() === null) && Date.now() < deadline) {
    await delay(20);
  }
  pair.same(servers.target.exitStatus(), servers.redis.exitStatus(), 'both processes exited the same way');
  const logged = (text: string): boolean => /ready to exit, bye bye/i.test(text);
  pair.same(logged(servers.target.output()), logged(servers.redis.output()), 'log says "Redis is now ready to exit, bye bye..."');
});
