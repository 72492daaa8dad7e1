/*
 * FUNCTION and FCALL against a real redis-server, reply bytes compared: loading libraries (the
 * shebang, register_function's forms and every registration error), calling them, FCALL_RO,
 * LIST/STATS/DELETE/FLUSH, DUMP payloads interchanged both ways and RESTORE's policies, and a
 * library surviving DEBUG RELOAD (it is in the RDB). An empty library set answers as Redis's
 * does, which `redis-cli --cluster add-node` relies on.
 */
import t from 'tap';
import { dualRun, error, sorted, type Pair } from './harness';
import type { Arg } from '../../bench/harness/resp';

const dual = dualRun(t);

dual.case('FUNCTION LIST of no libraries, and its argument errors', [
  ['FUNCTION', 'LIST'],
  ['FUNCTION', 'LIST', 'WITHCODE'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x*', 'withcode'],
  error('FUNCTION', 'LIST', 'bogus'),
  error('FUNCTION', 'LIST', 'LIBRARYNAME'),
  error('FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'),
  error('FUNCTION', 'LIST', 'LIBRARYNAME', 'a', 'LIBRARYNAME', 'b'),
]);

/** Both servers' raw replies to one command. */
async function both(pair: Pair, ...argv: Arg[]): Promise<{ redis: string; target: string }> {
  const [redis, target] = await pair.both((client) => client.call(...argv));
  return { redis: redis.toString('latin1'), target: target instanceof Error ? String(target) : target.toString('latin1') };
}

dual.case('FUNCTION DUMP of no libraries, restored with every policy', async (pair, tt) => {
  const [reply] = await pair.both((client) => client.call('FUNCTION', 'DUMP'));
  const dumps = await both(pair, 'FUNCTION', 'DUMP');
  tt.equal(dumps.target, dumps.redis, 'the same payload bytes');
  const payload = reply.subarray(reply.indexOf('\r\n') + 2, reply.length - 2);
  for (const argv of [
    ['FUNCTION', 'RESTORE', payload],
    ['FUNCTION', 'RESTORE', payload, 'FLUSH'],
    ['FUNCTION', 'RESTORE', payload, 'append'],
    ['FUNCTION', 'RESTORE', payload, 'REPLACE'],
    ['FUNCTION', 'RESTORE', payload, 'bogus'],
    ['FUNCTION', 'RESTORE', payload, 'FLUSH', 'extra'],
    ['FUNCTION', 'RESTORE', 'abc'],
    ['FUNCTION', 'RESTORE', Buffer.concat([payload.subarray(0, 2), Buffer.alloc(8)])],
    ['FUNCTION', 'RESTORE'],
  ]) {
    const replies = await both(pair, ...argv);
    tt.equal(replies.target, replies.redis, argv.map(String).join(' ').slice(0, 60));
  }
});

const LIB1 = "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return {keys[1], args[1], #keys, #args} end)";
// One function per library where LIST shows them: Redis lists a library's functions in its
// hash table's order, which differs from run to run.
const LIB2 = "#!lua name=lib2\nredis.register_function{function_name='ro', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}";
const LIB3 = "#!lua name=lib3\nredis.register_function('rw', function(keys, args) return redis.call('set', keys[1], args[1]) end)";

dual.case('FUNCTION LOAD and FCALL', [
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'LOAD', LIB1],
  ['FCALL', 'f1', '1', 'k', 'a'],
  ['FCALL', 'f1', '0'],
  error('FCALL', 'f1', '2', 'k'),
  error('FCALL', 'f1', '-1'),
  error('FCALL', 'nosuch', '0'),
  error('FUNCTION', 'LOAD', LIB1),
  ['FUNCTION', 'LOAD', 'REPLACE', LIB1],
  ['FUNCTION', 'LOAD', LIB2],
  ['FUNCTION', 'LOAD', LIB3],
  ['FCALL', 'rw', '1', 'key', 'value'],
  ['FCALL', 'ro', '1', 'key'],
  ['FCALL_RO', 'ro', '1', 'key'],
  error('FCALL_RO', 'rw', '1', 'key', 'v'),
  sorted('FUNCTION', 'LIST'),
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'lib2', 'WITHCODE'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'nomatch*'],
  ['FUNCTION', 'STATS'],
  ['FUNCTION', 'DELETE', 'lib1'],
  error('FUNCTION', 'DELETE', 'lib1'),
  error('FCALL', 'f1', '0'),
  ['FUNCTION', 'FLUSH', 'SYNC'],
  ['FUNCTION', 'LIST'],
]);

dual.case('library errors', [
  ['FUNCTION', 'FLUSH'],
  error('FUNCTION', 'LOAD', 'return 1'),
  error('FUNCTION', 'LOAD', '#!lua\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!js name=x\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!lua name=bad-name\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!lua name=a foo=bar\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!lua name=a name=b\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!lua name=a\nlocal x = 1'),
  error('FUNCTION', 'LOAD', '#!lua name=a\nfor'),
  error('FUNCTION', 'LOAD', "#!lua name=a\nredis.call('set', 'k', 'v')"),
  error('FUNCTION', 'LOAD', '#!lua name=a\nx = 1'),
  error('FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('f')"),
  error('FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('a b', function() end)"),
  error('FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('f', 'notfn')"),
  error('FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function{function_name='f', callback=function() end, flags={'bogus'}}"),
  error('FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function{function_name='f', callback=function() end, extra=1}"),
  error('FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function{callback=function() end}"),
  error('FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('f', function() end, 'x')"),
  error('FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('f', function() end)\nredis.register_function('f', function() end)"),
  ['FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('f', function() return 1 end)"],
  error('FUNCTION', 'LOAD', "#!lua name=b\nredis.register_function('f', function() end)"),
  error('FUNCTION', 'LOAD', "#!lua name=b\nerror('at load')"),
  error('FUNCTION', 'LOAD', '#!lua name=b\nreturn pairs'),
  error('FUNCTION', 'LOAD'),
  error('FUNCTION', 'LOAD', 'BOGUS', "#!lua name=c\nredis.register_function('g', function() end)"),
]);

dual.case('function errors at FCALL: the suffix names the function and @user_function', [
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'LOAD', "#!lua name=e\nredis.register_function('boom', function() error('boom') end)\nredis.register_function('nokeys', function() return type(KEYS) end)\nredis.register_function('unknown', function() return redis.call('nosuch') end)"],
  error('FCALL', 'boom', '0'),
  error('FCALL', 'nokeys', '0'),
  error('FCALL', 'unknown', '0'),
]);

dual.case('FUNCTION DUMP and RESTORE carry libraries between redis-server and hashslot', async (pair, tt) => {
  await pair.both((client) => client.call('FUNCTION', 'FLUSH'));
  await pair.both((client) => client.call('FUNCTION', 'LOAD', LIB3));
  const dumps = await both(pair, 'FUNCTION', 'DUMP');
  tt.equal(dumps.target, dumps.redis, 'the same payload bytes (an RDB FUNCTION2 entry, LZF as Redis compresses)');
  // With several libraries the entries come in each server's own order (Redis: its hash table's).
  await pair.both((client) => client.call('FUNCTION', 'LOAD', LIB1));
  await pair.both((client) => client.call('FUNCTION', 'LOAD', LIB2));
  const [redisDump, targetDump] = await pair.both((client) => client.call('FUNCTION', 'DUMP'));
  const payloadOf = (reply: Buffer): Buffer => reply.subarray(reply.indexOf('\r\n') + 2, reply.length - 2);
  for (const [label, payload] of [['redis-server\'s payload', payloadOf(redisDump)], ['hashslot\'s payload', payloadOf(targetDump instanceof Buffer ? targetDump : Buffer.alloc(0))]] as const) {
    // A clash: both refuse; which library each names first depends on its own hash order.
    const clash = await both(pair, 'FUNCTION', 'RESTORE', payload);
    for (const reply of [clash.redis, clash.target]) tt.match(reply, /^-ERR Library lib\d already exists\r\n$/, `${label}: RESTORE over existing libraries is refused`);
    for (const argv of [
      ['FUNCTION', 'RESTORE', payload, 'REPLACE'],
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'RESTORE', payload],
      ['FCALL', 'f1', '1', 'k', 'a'],
      ['FUNCTION', 'RESTORE', payload, 'FLUSH'],
      ['FCALL', 'rw', '1', 'x', 'y'],
    ]) {
      const replies = await both(pair, ...argv);
      tt.equal(replies.target, replies.redis, `${label}: ${argv.map((a) => (a instanceof Buffer ? '<payload>' : a)).join(' ')}`);
    }
  }
});

dual.case('libraries are in the RDB: DEBUG RELOAD keeps them', [
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'LOAD', LIB1],
  ['DEBUG', 'RELOAD'],
  ['FCALL', 'f1', '1', 'k', 'a'],
  ['FUNCTION', 'LIST', 'WITHCODE'],
]);

dual.case('time in a function: keys expire by the FCALL\'s start, PTTL reads the clock', [
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'LOAD', '#!lua name=clock\n' +
    'local function wait(ms) local t = redis.call("time") local s = t[1] * 1000000 + t[2] ' +
    'repeat t = redis.call("time") until t[1] * 1000000 + t[2] - s > ms * 1000 end\n' +
    'redis.register_function("late", function(keys) wait(250) return {redis.call("get", keys[1]), redis.call("pttl", keys[1]), redis.call("pttl", keys[2]) < 9800} end)'],
  ['SET', 'ek', '5', 'PX', '100'],
  ['SET', 'a', 'v', 'PX', '10000'],
  ['FCALL', 'late', '2', 'ek', 'a'],
  ['EXISTS', 'ek'],
]);

dual.case('function names are case-insensitive (kept as registered); library names are not', [
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'LOAD', "#!lua name=l\nredis.register_function('Fn', function() return 1 end)"],
  ['FUNCTION', 'LOAD', "#!lua name=lb\nredis.register_function('boom', function() error('x') end)"],
  ['FCALL', 'fn', '0'],
  ['FCALL', 'FN', '0'],
  error('FCALL_RO', 'fn', '0'),
  // The suffix names the function as registered.
  error('FCALL', 'BOOM', '0'),
  error('FUNCTION', 'LOAD', "#!lua name=l2\nredis.register_function('fn', function() return 2 end)"),
  ['FUNCTION', 'LOAD', "#!lua name=L\nredis.register_function('g', function() return 3 end)"],
  ['FCALL', 'G', '0'],
  // Both "l" and "L" (the pattern ignores case), in each server's own order.
  sorted('FUNCTION', 'LIST', 'LIBRARYNAME', 'l'),
  ['FUNCTION', 'STATS'],
  ['FUNCTION', 'DELETE', 'l'],
  error('FUNCTION', 'DELETE', 'l'),
  error('FCALL', 'fn', '0'),
  ['FUNCTION', 'LOAD', "#!lua name=l2\nredis.register_function('fn', function() return 2 end)"],
  ['FUNCTION', 'LOAD', 'REPLACE', "#!lua name=l2\nredis.register_function('FN', function() return 4 end)"],
  ['FCALL', 'fn', '0'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'l2'],
  ['FUNCTION', 'DELETE', 'L'],
  ['FUNCTION', 'STATS'],
]);

dual.case('FCALL looks the function up before it reads numkeys', [
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'LOAD', LIB1],
  error('FCALL', 'nosuch', 'x'),
  error('FCALL', 'nosuch', '5', 'a'),
  error('FCALL', 'nosuch', '-1'),
  error('FCALL_RO', 'nosuch', 'x'),
  error('FCALL', 'f1', 'x'),
  error('FCALL', 'f1', '1.5'),
  error('FCALL', 'f1', '01', 'a'),
  error('FCALL', 'f1', '99999999999999999999'),
  error('FCALL', 'f1', '-1'),
  error('FCALL', 'f1', '5'),
  error('FCALL_RO', 'f1', 'x'),
  error('FCALL_RO', 'f1', '0'),
  ['FCALL', 'f1', '1', 'k'],
  // EVAL reads numkeys as Redis reads integers: no leading zero, no "-0".
  error('EVAL', 'return #KEYS', '01', 'a'),
  error('EVAL', 'return #KEYS', '-0'),
]);

dual.case('FUNCTION LIST LIBRARYNAME matches without case; FUNCTION FLUSH with too many arguments', [
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'LOAD', "#!lua name=mylib\nredis.register_function('f', function() return 1 end)"],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'MYLIB'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'M*'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', '[M]yLib'],
  error('FUNCTION', 'FLUSH', 'ASYNC', 'SYNC'),
  error('function', 'Flush', 'async', 'x'),
  error('FUNCTION', 'FLUSH', 'x'),
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'mylib'],
]);

/** A library named `name` by `line` (its first line), with one function `fn`. */
const libraryWith = (line: string, fn: string): string => `${line}\nredis.register_function('${fn}', function() return '${fn}' end)`;

dual.case('the library metadata line is split as Redis splits arguments; name= is case-insensitive', [
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'LOAD', libraryWith('#!lua NAME=H6', 'm1')],
  ['FUNCTION', 'LOAD', libraryWith('#!lua name=G\r', 'm2')],
  ['FUNCTION', 'LOAD', libraryWith('#!lua name="H4"', 'm3')],
  ['FUNCTION', 'LOAD', libraryWith('#!lua\tname=H5', 'm4')],
  ['FUNCTION', 'LOAD', libraryWith('#!"lua" Name=H7', 'm5')],
  ['FUNCTION', 'LOAD', libraryWith('#!LUA name=H8 \f', 'm6')],
  ['FCALL', 'm1', '0'],
  ['FCALL', 'm6', '0'],
  sorted('FUNCTION', 'LIST'),
  error('FUNCTION', 'LOAD', "#!lua name=x"),
  error('FUNCTION', 'LOAD', '#!lua name=x\0\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!lua name="x\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!lua name="a b"\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!lua Name=a NAME=b\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!lua name=a\vfoo\nreturn 1'),
  error('FUNCTION', 'LOAD', '#! lua name=a\nreturn 1'),
  // The name is checked before the engine.
  error('FUNCTION', 'LOAD', '#!js name=bad-name\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!js\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!\nreturn 1'),
  error('FUNCTION', 'LOAD', '#!js name=ok\nreturn 1'),
]);

dual.case('register_function reads numbers as strings, named arguments in any case, flags as a set', [
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'LOAD', '#!lua name=ra\nredis.register_function(1, function() return 7 end)'],
  ['FCALL', '1', '0'],
  ['FUNCTION', 'LOAD', '#!lua name=rb\nredis.register_function{function_name=12, callback=function() return 8 end, description=5}'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'rb'],
  error('FUNCTION', 'LOAD', '#!lua name=rc\nredis.register_function(1.5, function() return 7 end)'),
  error('FUNCTION', 'LOAD', '#!lua name=rc\nredis.register_function(2^53, function() return 7 end)'),
  ['FUNCTION', 'LOAD', '#!lua name=rd\nredis.register_function{function_name="d1", callback=function() return 9 end, flags={"no-writes","no-writes"}}'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'rd'],
  ['FUNCTION', 'LOAD', '#!lua name=re\nredis.register_function{FUNCTION_NAME="e1", Callback=function() return 10 end, flags={"Allow-OOM","NO-WRITES","allow-cross-slot-keys","no-cluster","allow-stale"}}'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 're'],
  ['FCALL_RO', 'e1', '0'],
  ['FUNCTION', 'LOAD', '#!lua name=rf\nredis.register_function{function_name="f1", callback=function() return 11 end, flags={"allow-oom","no-writes"}}'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'rf'],
  error('FUNCTION', 'LOAD', '#!lua name=rg\nredis.register_function({}, function() end)'),
  error('FUNCTION', 'LOAD', '#!lua name=rg\nredis.register_function(nil, nil)'),
  error('FUNCTION', 'LOAD', '#!lua name=rg\nredis.register_function("g", 5)'),
  error('FUNCTION', 'LOAD', '#!lua name=rg\nredis.register_function{[true]=1}'),
  error('FUNCTION', 'LOAD', '#!lua name=rg\nredis.register_function{function_name="g", callback=5}'),
  error('FUNCTION', 'LOAD', '#!lua name=rg\nredis.register_function{function_name=true, callback=function() end}'),
  error('FUNCTION', 'LOAD', '#!lua name=rg\nredis.register_function{function_name="g", callback=function() end, flags={1}}'),
]);

dual.case('FUNCTION RESTORE refuses a function whose name differs only in case from another library\'s', async (pair, tt) => {
  await pair.do('FUNCTION', 'FLUSH');
  await pair.do('FUNCTION', 'LOAD', "#!lua name=a\nredis.register_function('fn', function() return 1 end)");
  const [redisDump] = await pair.both((client) => client.call('FUNCTION', 'DUMP'));
  // redis-server's payload, restored on both sides.
  const payload = redisDump.subarray(redisDump.indexOf('\r\n') + 2, redisDump.length - 2);
  await pair.do('FUNCTION', 'FLUSH');
  await pair.do('FUNCTION', 'LOAD', "#!lua name=b\nredis.register_function('FN', function() return 2 end)");
  for (const argv of [['FUNCTION', 'RESTORE', payload], ['FUNCTION', 'RESTORE', payload, 'REPLACE'], ['FCALL', 'Fn', '0'], ['FUNCTION', 'RESTORE', payload, 'FLUSH'], ['FCALL', 'FN', '0']]) {
    const replies = await both(pair, ...argv);
    tt.equal(replies.target, replies.redis, argv.map((a) => (a instanceof Buffer ? '<payload>' : a)).join(' '));
  }
});
