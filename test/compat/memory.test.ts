/*
 * Differential tests of the memory commands and maxmemory (issue 20): MEMORY USAGE's figures
 * for strings of every encoding and for small containers (Redis's exact numbers: the model in
 * storage/memory-model.ts mirrors its allocations), MEMORY's errors, HELP and DOCTOR's empty
 * report, the -OOM refusals under noeviction (plain commands, inside MULTI, EXEC, scripts with
 * and without flags), OBJECT FREQ under LFU, and INFO's maxmemory fields.
 */
import t from 'tap';
import { dualRun, error, type Pair } from './harness';
import { RawClient } from '../../bench/harness/raw-client';
import { infoLines } from './info-fields';

const dual = dualRun(t);

const long = (n: number): string => 'x'.repeat(n);

dual.case('MEMORY USAGE of strings by encoding', [
  ...['1', '123', '10000', '-5', '9223372036854775807', 'abc', long(20), long(44), long(45), long(100), long(300), long(70000)].flatMap(
    (value) => [['SET', 'foo', value], ['MEMORY', 'USAGE', 'foo']],
  ),
  ['SET', 'k1234567890', 'v'],
  ['MEMORY', 'USAGE', 'k1234567890'],
  ['SET', long(40), 'v'],
  ['MEMORY', 'USAGE', long(40)],
  ['MEMORY', 'USAGE', 'missing'],
  ['APPEND', 'app', 'abc'],
  ['MEMORY', 'USAGE', 'app'],
]);

dual.case('MEMORY USAGE of small containers', [
  ['HSET', 'h', 'a', '1', 'b', '2'],
  ['MEMORY', 'USAGE', 'h'],
  ['HSET', 'h2', 'field', long(60), 'n', '-70000'],
  ['MEMORY', 'USAGE', 'h2'],
  ['RPUSH', 'l', 'a', 'b', 'c'],
  ['MEMORY', 'USAGE', 'l'],
  ['RPUSH', 'l2', '1', '200', '-5000', '70000', '5000000000', long(63), long(64), long(5000)],
  ['MEMORY', 'USAGE', 'l2'],
  ['SADD', 's', '1', '2', '3'],
  ['MEMORY', 'USAGE', 's'],
  ['SADD', 's32', '1', '100000'],
  ['MEMORY', 'USAGE', 's32'],
  ['SADD', 's64', '1', '10000000000'],
  ['MEMORY', 'USAGE', 's64'],
  ['SADD', 's2', 'a', 'b', 'c'],
  ['MEMORY', 'USAGE', 's2'],
  ['ZADD', 'z', '1', 'a', '2.5', 'b', '-3', 'c', '1e20', 'd'],
  ['MEMORY', 'USAGE', 'z'],
  ['MEMORY', 'USAGE', 'z', 'SAMPLES', '0'],
]);

dual.case('MEMORY USAGE of larger containers (whole hash table, two quicklist nodes)', async (pair: Pair) => {
  const hset: string[] = ['HSET', 'hh'];
  const rpush: string[] = ['RPUSH', 'll'];
  for (let i = 1; i <= 1000; i++) {
    hset.push(`f${i}`, `v${i}`);
    rpush.push(`value${i}`);
  }
  await pair.step(hset);
  await pair.step(rpush);
  for (const key of ['hh', 'll']) {
    await pair.step(['MEMORY', 'USAGE', key]);
    await pair.step(['MEMORY', 'USAGE', key, 'SAMPLES', '0']);
  }
});

dual.case('MEMORY errors, HELP, DOCTOR, PURGE', [
  ['SET', 'a', 'b'],
  error('MEMORY', 'USAGE', 'a', 'SAMPLES', '-1'),
  error('MEMORY', 'USAGE', 'a', 'SAMPLES', 'x'),
  error('MEMORY', 'USAGE', 'a', 'SAMPLES'),
  error('MEMORY', 'USAGE', 'a', 'foo', '1'),
  error('MEMORY', 'USAGE'),
  error('MEMORY', 'NOSUCH'),
  ['MEMORY', 'HELP'],
  ['MEMORY', 'DOCTOR'],
  ['MEMORY', 'PURGE'],
]);

dual.case('noeviction: -OOM for deny-oom commands, reads still served', [
  ['SET', 'k', 'v'],
  ['CONFIG', 'SET', 'maxmemory', '1'],
  error('SET', 'k2', 'v'),
  error('LPUSH', 'l', 'a'),
  ['GET', 'k'],
  ['DEL', 'k'],
  ['CONFIG', 'SET', 'maxmemory', '0'],
]);

dual.case('eviction that cannot free enough: -OOM under every policy', [
  ['SET', 'k', 'v'],
  ['SET', 't', 'v', 'EX', '1000'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'volatile-lru'],
  ['CONFIG', 'SET', 'maxmemory', '1'],
  error('SET', 'k2', 'v'),
  ['EXISTS', 't'],
  ['EXISTS', 'k'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
  error('SET', 'k2', 'v'),
  ['DBSIZE'],
  ['GET', 'k'],
  ['CONFIG', 'SET', 'maxmemory', '0'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
  ['SET', 'k2', 'v'],
]);

dual.case('-OOM inside MULTI: queued commands refused, EXEC aborts', async (pair: Pair) => {
  // maxmemory is changed from a second connection: inside MULTI, CONFIG SET would be queued.
  const admin = await Promise.all([RawClient.connect(dual.running.redis.port), RawClient.connect(dual.running.target.port)]);
  const limit = async (value: string): Promise<void> => {
    for (const c of admin) await c.call('CONFIG', 'SET', 'maxmemory', value);
  };
  try {
    await pair.step(['MULTI']);
    await limit('1');
    await pair.step(error('GET', 'x'));
    await pair.step(error('EXEC'));
    await limit('0');
    await pair.step(['MULTI']);
    await pair.step(['SET', 'k', 'v']);
    await limit('1');
    await pair.step(error('EXEC'));
    await limit('0');
    await pair.step(['MULTI']);
    await pair.step(['GET', 'k']);
    await limit('1');
    await pair.step(['EXEC']);
    await pair.step(['MULTI']);
    await pair.step(['DISCARD']);
  } finally {
    await limit('0');
    for (const c of admin) c.close();
  }
});

dual.case('-OOM for scripts: flagged ones at start, unflagged at their first deny-oom call', [
  ['CONFIG', 'SET', 'maxmemory', '1'],
  error('EVAL', "#!lua\nreturn redis.call('set', KEYS[1], 'v')", '1', 'k'),
  ['EVAL', "#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'v')", '1', 'k'],
  ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", '1', 'k'],
  error('EVAL', "return redis.call('set', KEYS[1], 'v2')", '1', 'k'),
  ['EVAL', "return redis.pcall('set', KEYS[1], 'v2')", '1', 'k'],
  ['EVAL', "return redis.call('get', KEYS[1])", '1', 'k'],
  ['EVAL', "redis.call('del', KEYS[1]); return redis.call('set', KEYS[1], 'v3')", '1', 'k'],
  ['CONFIG', 'SET', 'maxmemory', '0'],
  ['GET', 'k'],
]);

// Redis refuses a flagged script over maxmemory in processCommand: a rejected call, not a call.
dual.case('-OOM for flagged scripts counts as rejected_calls, as Redis counts it', async (pair) => {
  await pair.do('FUNCTION', 'LOAD', "#!lua name=oomlib\nredis.register_function('w', function() return 1 end)\nredis.register_function{function_name='r', callback=function() return 1 end, flags={'no-writes'}}");
  await pair.do('CONFIG', 'RESETSTAT');
  await pair.do('CONFIG', 'SET', 'maxmemory', '1');
  try {
    await pair.step(error('EVAL', '#!lua\nreturn 1', '0'));
    await pair.step(error('FCALL', 'w', '0'));
    await pair.step(error('FCALL_RO', 'w', '0'));
    await pair.do('FCALL', 'r', '0');
    await pair.do('EVAL', '#!lua flags=no-writes\nreturn 1', '0');
  } finally {
    await pair.do('CONFIG', 'SET', 'maxmemory', '0');
  }
  const [redis, target] = await infoLines(pair, 'commandstats', (line) => /^cmdstat_(eval|fcall)/.test(line));
  pair.same(target, redis, 'INFO commandstats');
  const [redisStats, targetStats] = await infoLines(pair, 'stats', (line) => /^total_(commands_processed|error_replies):/.test(line));
  pair.same(targetStats, redisStats, 'INFO stats');
  await pair.do('FUNCTION', 'FLUSH');
});

dual.case('INFO eviction_exceeded_time counts the time memory stays over maxmemory', async (pair) => {
  const exceeded = async (c: RawClient): Promise<[number, number]> => {
    const info = (await c.call('INFO', 'stats')).toString('latin1');
    const field = (name: string): number => Number(new RegExp(`${name}:(\\d+)`).exec(info)?.[1] ?? NaN);
    return [field('total_eviction_exceeded_time'), field('current_eviction_exceeded_time')];
  };
  await pair.do('CONFIG', 'RESETSTAT');
  await pair.do('CONFIG', 'SET', 'maxmemory', '1');
  const [redis, target] = await pair.both(async (c) => {
    const shapes: string[] = [];
    // Over the limit from the next command on (noeviction: nothing can be freed); wait until a
    // millisecond shows, with a deadline.
    const deadline = Date.now() + 5_000;
    let seen: [number, number] = [0, 0];
    while ((seen = await exceeded(c))[1] < 2 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 5));
    shapes.push(`over: total ${seen[0] >= seen[1] && seen[0] > 0 ? '>= current > 0' : seen.join(',')}`);
    // maxmemory 0 stops the checks, not the period: it goes on counting (Redis never looks).
    await c.call('CONFIG', 'SET', 'maxmemory', '0');
    await c.call('PING');
    const unlimited = await exceeded(c);
    shapes.push(`unlimited: ${unlimited[1] >= seen[1] && unlimited[0] >= unlimited[1] ? 'still counting' : unlimited.join(',')}`);
    // A limit memory is within ends it at the next command's check.
    await c.call('CONFIG', 'SET', 'maxmemory', '1gb');
    await c.call('PING');
    const after = await exceeded(c);
    shapes.push(`after: current ${after[1]}, total ${after[0] >= unlimited[1] ? 'kept' : after.join(',')}`);
    await c.call('CONFIG', 'SET', 'maxmemory', '0');
    await c.call('CONFIG', 'RESETSTAT');
    shapes.push(`reset: ${(await exceeded(c)).join(',')}`);
    return shapes;
  });
  pair.same(target, redis, 'exceeded time while over, after, and reset');
});

dual.case('OBJECT FREQ and IDLETIME by policy', [
  ['SET', 'k', 'v'],
  error('OBJECT', 'FREQ', 'k'),
  ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
  ['SET', 'f', 'v'],
  ['OBJECT', 'FREQ', 'f'],
  ['GET', 'f'],
  ['OBJECT', 'FREQ', 'f'],
  error('OBJECT', 'IDLETIME', 'f'),
  ['OBJECT', 'FREQ', 'missing'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
]);

// lfu-log-factor 0: every access adds one, so the counters are exact on both servers.
dual.case('COPY makes a new object (a fresh LFU counter); RENAME and MOVE keep the counter', [
  ['CONFIG', 'SET', 'lfu-log-factor', '0'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
  ['SET', 'f', 'abc'],
  ['HSET', 'hf', 'a', '1'],
  ...[1, 2, 3, 4, 5].flatMap(() => [['GET', 'f'], ['HGET', 'hf', 'a']]),
  ['COPY', 'f', 'fc'],
  ['COPY', 'hf', 'hfc'],
  ['COPY', 'f', 'fc', 'DB', '3'],
  ['OBJECT', 'FREQ', 'fc'],
  ['OBJECT', 'FREQ', 'hfc'],
  ['RENAME', 'f', 'g'],
  ['OBJECT', 'FREQ', 'g'],
  ['MOVE', 'g', '2'],
  ['SELECT', '2'],
  ['OBJECT', 'FREQ', 'g'],
  ['SELECT', '3'],
  ['OBJECT', 'FREQ', 'fc'],
  ['FLUSHALL'],
  ['SELECT', '0'],
  ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
  ['CONFIG', 'SET', 'lfu-log-factor', '10'],
]);

dual.case('RESTORE FREQ under LFU, IDLETIME under LRU', async (pair: Pair) => {
  await pair.step(['SET', 'src', 'value']);
  // IDLETIME counts whole seconds, so a second may tick between RESTORE and OBJECT IDLETIME on
  // one server and not on the other (1001 against 1000). Such a tick does not come back on every
  // try; a real difference does, so the case is tried up to three times before it is judged.
  for (let attempt = 1; ; attempt++) {
    for (const side of ['redis', 'target'] as const) {
      const c = pair.client(side);
      const reply = await c.call('DUMP', 'src');
      // "$<len>\r\n<payload>\r\n": the payload's bytes.
      const payload = reply.subarray(reply.indexOf('\r\n') + 2, reply.length - 2);
      await c.call('DEL', 'lfu', 'lru');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
      const lfu = await c.call('RESTORE', 'lfu', '0', payload, 'FREQ', '100');
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      const lru = await c.call('RESTORE', 'lru', '0', payload, 'IDLETIME', '1000');
      pair.same([lfu.toString('latin1'), lru.toString('latin1')], ['+OK\r\n', '+OK\r\n'], `${side}: both RESTOREs`);
    }
    const [redisIdle, targetIdle] = await pair.both((c) => c.call('OBJECT', 'IDLETIME', 'lru'));
    const text = (reply: Buffer | Error): string => (reply instanceof Error ? reply.message : reply.toString('latin1'));
    if (text(redisIdle) !== text(targetIdle) && attempt < 3) continue;
    pair.same(text(targetIdle), text(redisIdle), 'OBJECT IDLETIME lru');
    break;
  }
  await pair.step(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu']);
  await pair.step(['OBJECT', 'FREQ', 'lfu']);
  await pair.step(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
});

dual.case('INFO maxmemory fields', async (pair: Pair) => {
  await pair.step(['CONFIG', 'SET', 'maxmemory', '100mb']);
  await pair.step(['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl']);
  const pick = (info: Buffer): string =>
    info
      .toString('latin1')
      .split('\r\n')
      .filter((line) => /^(maxmemory|maxmemory_human|maxmemory_policy|evicted_keys|evicted_clients|mem_not_counted_for_evict):/.test(line))
      .join('\n');
  const [r, h] = await pair.both((c) => c.call('INFO', 'everything'));
  pair.same(h instanceof Error ? h.message : pick(h), pick(r), 'INFO maxmemory fields');
  await pair.step(['CONFIG', 'SET', 'maxmemory', '0']);
  await pair.step(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
});

dual.case('used_memory follows the dataset: SET grows it, DEL and FLUSHALL ASYNC take it back', async (pair: Pair, tt) => {
  const used = async (side: 'redis' | 'target'): Promise<number> => {
    // Less the client buffers, which follow the traffic (and are sampled by the cron).
    const info = (await pair.client(side).call('INFO', 'memory')).toString('latin1');
    return Number(/used_memory:(\d+)/.exec(info)?.[1]) - Number(/mem_clients_normal:(\d+)/.exec(info)?.[1]);
  };
  // Redis's own figure also moves with its query buffer (a 100 kB argument stays in it for a
  // while), so the exact give-back is checked on hashslot, whose client buffers are sampled by
  // the cron; redis-server's run checks that the test's expectations hold there in direction.
  for (const side of ['target'] as const) {
    const c = pair.client(side);
    const empty = await used(side);
    await c.call('SET', 'big', long(100000));
    const grown = await used(side);
    tt.ok(grown - empty >= 100000, `${side}: SET of 100 kB grows used_memory (${empty} -> ${grown})`);
    await c.call('UNLINK', 'big');
    const after = await used(side);
    tt.ok(after - empty < 2048, `${side}: UNLINK gives it back (${after} vs ${empty})`);
    for (let i = 0; i < 100; i++) c.send('RPUSH', 'list', long(1000));
    await c.readReplies(100);
    tt.ok((await used(side)) - empty > 100000, `${side}: a 100 kB list is counted`);
    await c.call('FLUSHALL', 'ASYNC');
    tt.ok((await used(side)) - empty < 2048, `${side}: FLUSHALL ASYNC gives it back`);
  }
});
