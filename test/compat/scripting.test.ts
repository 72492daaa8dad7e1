/*
 * EVAL and SCRIPT against a real redis-server, reply bytes compared: the conversions both ways
 * (RESP2 and RESP3), redis.call's checks and errors, error replies with their "script: <sha>,
 * on @user_script:N." suffix, the script cache, KEYS/ARGV, globals protection, SELECT inside a
 * script, and the libraries scripts use most (string, table, math, cjson, bit, struct, cmsgpack).
 */
import t from 'tap';
import { dualRun, error, mapExcept } from './harness';
import { infoLines } from './info-fields';

const dual = dualRun(t);

const evalOf = (body: string, ...keysAndArgs: string[]): string[] => ['EVAL', body, ...keysAndArgs];

// First in the file: it needs servers whose scripts have not drawn a random number yet.
dual.case("math.random starts from Redis's fixed state; EVAL and FCALL share it, SCRIPT FLUSH keeps it", [
  evalOf('return tostring(math.random())', '0'),
  evalOf('return {tostring(math.random()), math.random(100), math.random(5, 9)}', '0'),
  ['FUNCTION', 'LOAD', 'REPLACE', "#!lua name=randlib\nredis.register_function('draw', function() return tostring(math.random()) end)"],
  ['FCALL', 'draw', '0'],
  ['SCRIPT', 'FLUSH'],
  evalOf('return tostring(math.random())', '0'),
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'LOAD', "#!lua name=randlib\nredis.register_function('draw', function() return tostring(math.random()) end)"],
  ['FCALL', 'draw', '0'],
  evalOf('math.randomseed(5) return tostring(math.random())', '0'),
  ['FCALL', 'draw', '0'],
  evalOf('return tostring(math.random())', '0'),
  ['FUNCTION', 'FLUSH'],
]);

dual.case('Lua values to replies', [
  evalOf('return 1', '0'),
  evalOf('return 3.99', '0'),
  evalOf('return -3.99', '0'),
  evalOf('return 2^53', '0'),
  evalOf('return 1e20', '0'),
  evalOf('return 0/0', '0'),
  evalOf('return "str"', '0'),
  evalOf('return ""', '0'),
  evalOf('return true', '0'),
  evalOf('return false', '0'),
  evalOf('return nil', '0'),
  evalOf('return {}', '0'),
  evalOf('return {1, 2, {3, "x", {}}, true, false}', '0'),
  evalOf('return {1, 2, nil, 4}', '0'),
  evalOf('return {ok = "fine"}', '0'),
  evalOf('return {ok = "two\\r\\nlines"}', '0'),
  evalOf('return {err = "ERR custom"}', '0'),
  evalOf('return {err = "nocode"}', '0'),
  evalOf('return {err = 1}', '0'),
  evalOf('return redis.error_reply("E2 x")', '0'),
  evalOf('return redis.error_reply("nocode")', '0'),
  evalOf('return redis.error_reply("-E3 x")', '0'),
  evalOf('return redis.status_reply("S")', '0'),
  evalOf('return 1, 2, 3', '0'),
  evalOf('return print', '0'),
]);

dual.case('replies to Lua values (RESP2)', [
  ['SET', 's', 'v'],
  ['RPUSH', 'l', 'a', 'b'],
  ['HSET', 'h', 'f', 'v'],
  evalOf('return redis.call("get", "s")', '0'),
  evalOf('return type(redis.call("get", "missing"))', '0'),
  evalOf('return redis.call("get", "missing")', '0'),
  evalOf('return redis.call("set", "k", "v")', '0'),
  evalOf('local r = redis.call("set", "k", "v") return r.ok', '0'),
  evalOf('return redis.call("lrange", "l", 0, -1)', '0'),
  evalOf('return redis.call("incr", "n")', '0'),
  evalOf('return redis.call("hgetall", "h")', '0'),
  evalOf('return redis.call("mget", "s", "missing", "s")', '0'),
  evalOf('return redis.pcall("incr", "s")', '0'),
  evalOf('local r = redis.pcall("incr", "s") return type(r) .. " " .. r.err', '0'),
  evalOf('return redis.call("exists", "s", "missing")', '0'),
  evalOf('return redis.call("ping")', '0'),
  evalOf('return redis.call("echo", 12.5)', '0'),
  evalOf('return redis.call("echo", 1e20)', '0'),
]);

dual.case('replies to Lua values and back in RESP3 (redis.setresp(3), HELLO 3)', [
  ['HSET', 'h', 'f', 'v'],
  ['SADD', 'set', 'm'],
  ['ZADD', 'z', '1.5', 'a'],
  evalOf('redis.setresp(3) return redis.call("hgetall", "h")', '0'),
  evalOf('redis.setresp(3) local r = redis.call("hgetall", "h") return r.map.f', '0'),
  evalOf('redis.setresp(3) return redis.call("smembers", "set")', '0'),
  evalOf('redis.setresp(3) return redis.call("zscore", "z", "a")', '0'),
  evalOf('redis.setresp(3) local r = redis.call("zscore", "z", "a") return tostring(r.double)', '0'),
  evalOf('redis.setresp(3) return redis.call("get", "missing")', '0'),
  evalOf('redis.setresp(3) return true', '0'),
  evalOf('redis.setresp(3) return false', '0'),
  evalOf('return {double = 3.5}', '0'),
  evalOf('return {map = {a = 1}}', '0'),
  evalOf('return {set = {a = true}}', '0'),
  mapExcept(['id', 'version'], 'HELLO', '3'),
  evalOf('return {double = 3.5}', '0'),
  evalOf('return {map = {a = 1}}', '0'),
  evalOf('return {set = {a = true}}', '0'),
  evalOf('return nil', '0'),
  evalOf('return false', '0'),
  evalOf('redis.setresp(3) return false', '0'),
  evalOf('return {big_number = "123456789012345678901234567890"}', '0'),
  evalOf('redis.setresp(3) return redis.call("hgetall", "h")', '0'),
  evalOf('return redis.call("hgetall", "h")', '0'),
]);

dual.case('redis.call errors and checks', [
  ['SET', 's', 'v'],
  error(...evalOf('return redis.call("incr", "s")', '0')),
  error(...evalOf('return redis.call("nosuch")', '0')),
  error(...evalOf('return redis.call("get")', '0')),
  error(...evalOf('return redis.call()', '0')),
  error(...evalOf('return redis.call({})', '0')),
  error(...evalOf('return redis.call("get", {})', '0')),
  error(...evalOf('return redis.call("eval", "return 1", "0")', '0')),
  error(...evalOf('return redis.call("multi")', '0')),
  error(...evalOf('return redis.call("subscribe", "c")', '0')),
  evalOf('local ok, e = pcall(redis.call, "nosuch") return e', '0'),
  evalOf('local ok, e = pcall(redis.call, "nosuch") return type(e)', '0'),
  evalOf('local ok, e = pcall(function() return redis.call("incr", "s") end) return e', '0'),
  evalOf('local ok, e = pcall(function() error({err = "x"}) end) return {type(e), e}', '0'),
  evalOf('local ok, e = pcall(function() error({err = 7}) end) return {type(e), e}', '0'),
  evalOf('local ok, e = pcall(function() error({nope = 7}) end) return type(e)', '0'),
  evalOf('return {pcall(redis.error_reply, 1)}', '0'),
  evalOf('return redis.status_reply()', '0'),
  evalOf('return {pcall(redis.sha1hex)}', '0'),
  evalOf('local ok, e = pcall(string.rep) return e', '0'),
  evalOf('local ok, e = xpcall(function() return redis.call("nosuch") end, function(m) return type(m) end) return e', '0'),
  evalOf('return redis.pcall("nosuch")', '0'),
  error(...['EVAL_RO', 'return redis.call("set", "k", "v")', '0']),
  ['EVAL_RO', 'return redis.call("get", "s")', '0'],
  evalOf('redis.call("config", "get", "maxmemory") return 1', '0'),
]);

dual.case('runtime errors: messages, lines and the script suffix', [
  ['SET', 's', 'v'],
  error(...evalOf('error("boom")', '0')),
  error(...evalOf('error("no position", 0)', '0')),
  error(...evalOf('error({err = "MYCODE custom"})', '0')),
  error(...evalOf('error({err = 1})', '0')),
  error(...evalOf('error(123)', '0')),
  error(...evalOf('error(nil)', '0')),
  error(...evalOf('error(true)', '0')),
  error(...evalOf('local t = nil\nreturn t.x', '0')),
  error(...evalOf('local t = {}\n\nt.x.y = 1', '0')),
  error(...evalOf('local function f() error("in f") end\nf()', '0')),
  error(...evalOf('return string.rep()', '0')),
  error(...evalOf('return 1 + {}', '0')),
  error(...evalOf('return #nil', '0')),
  error(...evalOf('undefined_function()', '0')),
  error(...evalOf('return assert(false, "asserted")', '0')),
  error(...evalOf('return redis.call("incr", "s") .. "x"', '0')),
]);

dual.case('compile errors', [
  error(...evalOf('for i=1,3 do', '0')),
  error(...evalOf('local x = = 1', '0')),
  error(...evalOf('return "unfinished', '0')),
  error(...evalOf('x = ', '0')),
  error('SCRIPT', 'LOAD', 'return ('),
]);

dual.case('globals protection and the environment', [
  error(...evalOf('x = 1', '0')),
  error(...evalOf('return x', '0')),
  error(...evalOf('_G.x = 1', '0')),
  error(...evalOf('string.x = 1', '0')),
  error(...evalOf('table.insert = nil', '0')),
  error(...evalOf('setmetatable(_G, nil)', '0')),
  error(...evalOf('print("x")', '0')),
  error(...evalOf('return os.time()', '0')),
  error(...evalOf('return io', '0')),
  error(...evalOf('return dofile("/etc/passwd")', '0')),
  error(...evalOf('return getfenv(1)', '0')),
  evalOf('local t = {} t.x = 1 return t.x', '0'),
  evalOf('return _VERSION', '0'),
  evalOf('return type(loadstring)', '0'),
  evalOf('return loadstring("return 7")()', '0'),
  evalOf('return {loadstring("return (")}', '0'),
  evalOf('return {loadstring(string.dump and "\\27Lua" or "\\27Lua")}', '0'),
  evalOf('local n = 0 for k in pairs(_G) do n = n + 1 end return n', '0'),
  evalOf('return redis.REDIS_VERSION', '0'),
  evalOf('return redis.REDIS_VERSION_NUM', '0'),
  evalOf('return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}', '0'),
  evalOf('return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, redis.REPL_SLAVE, redis.REPL_ALL}', '0'),
  evalOf('return redis.sha1hex("")', '0'),
  evalOf('return redis.sha1hex("abc")', '0'),
  evalOf('return redis.replicate_commands()', '0'),
  evalOf('return redis.setresp(2)', '0'),
  error(...evalOf('return redis.setresp(4)', '0')),
  error(...evalOf('return redis.log(1)', '0')),
  error(...evalOf('return redis.log(9, "x")', '0')),
  evalOf('return redis.log(redis.LOG_DEBUG, "from a script")', '0'),
]);

dual.case('KEYS, ARGV and numkeys', [
  evalOf('return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}', '2', 'k1', 'k2', 'a1', 'a2'),
  evalOf('return #KEYS .. #ARGV', '0'),
  evalOf('redis.call("set", KEYS[1], ARGV[1]) return redis.call("get", KEYS[1])', '1', 'kk', 'vv'),
  error(...evalOf('return 1', '-1')),
  error(...evalOf('return 1', '3', 'a')),
  error(...evalOf('return 1', 'x')),
  error(...evalOf('return 1', '1.5', 'a')),
  error('EVAL', 'return 1'),
]);

dual.case('the script cache: SCRIPT LOAD, EXISTS, FLUSH, EVALSHA', [
  ['SCRIPT', 'FLUSH'],
  error('EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'),
  ['SCRIPT', 'LOAD', 'return 1'],
  ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'],
  ['EVALSHA', 'E0E1F9FABFC9D4800C877A703B823AC0578FF8DB', '0'],
  ['EVALSHA_RO', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'],
  error('EVALSHA', 'abc', '0'),
  ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'ffffffffffffffffffffffffffffffffffffffff'],
  evalOf('return 2', '0'),
  ['SCRIPT', 'EXISTS', '7f923f79fe76194c868d7e1d0820de36700eb649'],
  ['SCRIPT', 'FLUSH'],
  ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'],
  ['SCRIPT', 'FLUSH', 'ASYNC'],
  ['SCRIPT', 'FLUSH', 'sync'],
  error('SCRIPT', 'FLUSH', 'bogus'),
  error('SCRIPT', 'KILL'),
  error('SCRIPT', 'LOAD'),
  error('SCRIPT', 'bogus'),
]);

dual.case('SELECT inside a script does not leak; time is frozen', [
  ['SELECT', '2'],
  evalOf('redis.call("select", 5) redis.call("set", "in5", "x") return redis.call("get", "in5")', '0'),
  ['GET', 'in5'],
  ['SELECT', '5'],
  ['GET', 'in5'],
  evalOf('local a = redis.call("time") local b = redis.call("time") return a[1] == b[1] and a[2] == b[2]', '0'),
]);

/** Lua helpers: `wait(ms)` spins on TIME for at least ms, `now()` is TIME in ms. */
const CLOCK_HELPERS =
  'local function now() local t = redis.call("time") return t[1] * 1000 + math.floor(t[2] / 1000) end ' +
  'local function wait(ms) local t = redis.call("time") local s = t[1] * 1000000 + t[2] ' +
  'repeat t = redis.call("time") until t[1] * 1000000 + t[2] - s > ms * 1000 end ';

dual.case('time in a script: keys expire by its start; TTLs, deadlines and TIME read the clock', [
  ['SET', 'ek', '5', 'PX', '100'],
  // Alive to the script though past its deadline: read, counted, listed, not replaced by NX,
  // incremented; its PTTL is 0.
  evalOf(`${CLOCK_HELPERS} wait(250) return {redis.call("get", "ek"), redis.call("exists", "ek"), redis.call("pttl", "ek"), redis.call("set", "ek", "new", "NX"), redis.call("incr", "ek"), redis.call("dbsize"), redis.call("keys", "*"), redis.call("scan", 0)}`, '1', 'ek'),
  ['GET', 'ek'],
  ['SET', 'a', 'v', 'PX', '10000'],
  evalOf(`${CLOCK_HELPERS} wait(250) return redis.call("pttl", "a") < 9800`, '0'),
  // A relative deadline counts from the command, not from the script's start.
  evalOf(`${CLOCK_HELPERS} wait(250) local t = now() redis.call("set", "b", "v", "PX", 1000) local d = redis.call("pexpiretime", "b") - t return d >= 1000 and d < 1150`, '0'),
  evalOf(`${CLOCK_HELPERS} wait(250) local t = now() redis.call("pexpire", "b", 1000) local d = redis.call("pexpiretime", "b") - t return d >= 1000 and d < 1150`, '0'),
  // A deadline already past by the clock deletes the key, though the script began before it.
  evalOf(`${CLOCK_HELPERS} local t = now() redis.call("set", "c", "v") wait(250) return {redis.call("pexpireat", "c", t + 100), redis.call("exists", "c")}`, '0'),
  // Set past by the clock with PXAT: alive to the script, gone after it.
  evalOf(`${CLOCK_HELPERS} local t = now() wait(250) return {redis.call("set", "d", "v", "PXAT", t + 100), redis.call("get", "d"), redis.call("pttl", "d")}`, '0'),
  ['EXISTS', 'd'],
]);

dual.case('blocking commands inside a script answer at once', [
  evalOf('return redis.call("blpop", "nolist", 0)', '0'),
  ['RPUSH', 'l', 'x'],
  evalOf('return redis.call("blpop", "l", 0)', '0'),
]);

dual.case('libraries: string, table, math', [
  evalOf('return string.format("%5.2f|%d|%s|%q", 3.14159, 42, "x", "a\\nb")', '0'),
  evalOf('return {string.find("hello world", "o w")}', '0'),
  evalOf('return string.gsub("hello", "l", "L")', '0'),
  evalOf('return {string.match("key:123", "(%a+):(%d+)")}', '0'),
  evalOf('local t = {} for w in string.gmatch("a b c", "%a") do t[#t+1] = w end return t', '0'),
  evalOf('local t = {3, 1, 2} table.sort(t) return t', '0'),
  evalOf('local t = {3, 1, 2} table.sort(t, function(a, b) return a > b end) return t', '0'),
  evalOf('return table.concat({1, 2, "x"}, "-")', '0'),
  evalOf('local t = {} table.insert(t, "a") table.insert(t, 1, "b") return t', '0'),
  evalOf('return {math.floor(3.7), math.ceil(3.2), math.max(1, 5, 3), math.min(4, 2), math.abs(-3)}', '0'),
  evalOf('return tostring(math.pi)', '0'),
  evalOf('return tostring(math.sqrt(2))', '0'),
  evalOf('math.randomseed(1) return {tostring(math.random()), math.random(10), math.random(5, 7)}', '0'),
  evalOf('return tostring(10/3)', '0'),
  evalOf('return tostring(1e15) .. " " .. tostring(1e16) .. " " .. tostring(-0.0)', '0'),
]);

dual.case('libraries: cjson, cmsgpack, bit, struct', [
  evalOf('return cjson.encode({1, 2, 3})', '0'),
  evalOf('return cjson.encode({a = 1})', '0'),
  evalOf('return cjson.encode({a = {b = {1, "x", true}}, c = cjson.null})', '0'),
  evalOf('local t = cjson.decode("[1,2,{\\"a\\":\\"b\\"}]") return t[3].a', '0'),
  evalOf('return cjson.encode(cjson.decode("{\\"k\\":[1,2.5,null,true]}"))', '0'),
  evalOf('return cmsgpack.pack({1, 2, "x"})', '0'),
  evalOf('return cmsgpack.unpack(cmsgpack.pack({1, 2, "x"}))', '0'),
  evalOf('return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(3, 1), bit.lshift(1, 4), bit.tohex(255)}', '0'),
  evalOf('return struct.pack(">I2", 258)', '0'),
  evalOf('return {struct.unpack(">I2", "\\1\\2")}', '0'),
]);

dual.case('scripts that write: the keyspace and stats', [
  evalOf('redis.call("set", "a", "1") redis.call("incr", "a") return redis.call("get", "a")', '0'),
  ['GET', 'a'],
  evalOf('for i = 1, 100 do redis.call("rpush", "list", i) end return redis.call("llen", "list")', '0'),
  ['LRANGE', 'list', '0', '4'],
]);

dual.case('shebang flags', [
  error(...evalOf("#!lua flags=no-writes\nreturn redis.call('set','a','b')", '0')),
  evalOf('#!lua flags=no-writes\nreturn 1', '0'),
  error(...evalOf('#!lua flags=bogus\nreturn 1', '0')),
  error(...evalOf('#!lua foo=bar\nreturn 1', '0')),
  error(...evalOf('#!js\nreturn 1', '0')),
  error(...evalOf('#!luax\nreturn 1', '0')),
  error('EVAL_RO', '#!lua\nreturn 1', '0'),
  ['EVAL_RO', '#!lua flags=no-writes\nreturn 2', '0'],
  evalOf("#!lua\nreturn redis.call('set','a','b')", '0'),
  evalOf('#!lua flags=no-writes,allow-oom\nreturn 3', '0'),
  evalOf('#!lua flags=\nreturn 4', '0'),
  error(...evalOf("#!lua\nerror('x')", '0')),
  evalOf('#!lua  flags=no-writes   \nreturn 5', '0'),
]);

dual.case('the shebang line is split as Redis splits arguments (whitespace, quotes)', [
  evalOf('#!lua\r\nreturn 1', '0'),
  error(...evalOf('#!lua flags=no-writes\r\nreturn redis.call("set", "a", "b")', '0')),
  evalOf('#!lua\tflags=no-writes\nreturn 2', '0'),
  evalOf('#!lua \f\nreturn 3', '0'),
  evalOf('#!lua "flags=no-writes"\nreturn 4', '0'),
  evalOf('#!lua flags="no-writes,allow-oom"\nreturn 5', '0'),
  evalOf('#!"lua"\nreturn 6', '0'),
  evalOf('#!lua flags=no-writes  flags=allow-oom\nreturn 7', '0'),
  error(...evalOf('#!lua flags="no-writes\nreturn 8', '0')),
  error(...evalOf('#!lua "a"b\nreturn 8', '0')),
  error(...evalOf('#!lua flags=no-writes"x"\nreturn 8', '0')),
  error(...evalOf('#!lua\vflags=no-writes\nreturn 8', '0')),
  error(...evalOf('#! lua\nreturn 8', '0')),
  error(...evalOf('#!LUA\nreturn 8', '0')),
  error(...evalOf('#!lua FLAGS=no-writes\nreturn 8', '0')),
  // An empty flag between commas (or at either end) is an unknown flag; "flags=" alone is none.
  error(...evalOf('#!lua flags=no-writes,\nreturn 9', '0')),
  error(...evalOf('#!lua flags=,no-writes\nreturn 9', '0')),
  error(...evalOf('#!lua flags=no-writes,,allow-oom\nreturn 9', '0')),
  // No newline (before a NUL byte, which ends the line for Redis): no valid shebang.
  error(...evalOf('#!lua', '0')),
  error(...evalOf('#!lua flags=no-writes', '0')),
  error(...evalOf('#!lua flags=no-writes\0zz\nreturn 10', '0')),
  error('SCRIPT', 'LOAD', '#!lua'),
  ['SCRIPT', 'LOAD', '#!lua\r\nreturn 1'],
]);

dual.case("error()'s levels count Lua 5.1's call stack: C functions, pcall, lost tail calls", [
  error(...evalOf('local function f() error("L3", 3) end\nlocal function g() f() end\nlocal function h()\n  g()\nend\nh()', '0')),
  evalOf('return select(2, pcall(function() error("m", 3) end))', '0'),
  evalOf('return select(2, pcall(error, "msg", 2))', '0'),
  evalOf('return select(2, pcall(error, "msg", 3))', '0'),
  evalOf('return select(2, pcall(error, "msg"))', '0'),
  error(...evalOf('local function f() error("x", 2) end local function g() return f() end g()', '0')),
  error(...evalOf('local function f() error("x", 3) end local function g() f() end g()', '0')),
  error(...evalOf('local function f() error("x", 2) end\nreturn f()', '0')),
  error(...evalOf('local t = {3, 2, 1} table.sort(t, function(a, b) error("cmp", 2) end)', '0')),
  error(...evalOf('local t = {3, 2, 1} table.sort(t, function(a, b) error("cmp", 3) end)', '0')),
  error(...evalOf('local t = setmetatable({}, {__index = function(t, k) error("idx", 2) end})\nreturn t.x', '0')),
  // Raised inside a C function: no position (a runtime error there, or luaL_error called by C).
  error(...evalOf('local t = {"a", 1} table.sort(t)', '0')),
  evalOf('return select(2, pcall(table.sort, {"a", 1}))', '0'),
  error(...evalOf('local t = {"a", 1} table.sort(t, function(a, b) return a < b end)', '0')),
  error(...evalOf('table.sort({{}, {}}, string.rep)', '0')),
  error(...evalOf('table.insert(string, 1)', '0')),
  evalOf('return {pcall(rawset, {}, nil, 1)}', '0'),
  error(...evalOf('local t = setmetatable({}, {__add = function(a, b) error("add", 3) end}) local function f() return t + 1 end return f()', '0')),
  error(...evalOf('local co = coroutine.wrap(function() local function f() error("w", 2) end f() end) co()', '0')),
  error(...evalOf('local function f() return nosuch end\nf()', '0')),
  error(...evalOf('return ("x"):rep()', '0')),
]);

dual.case("a loadstring'd chunk names itself in the error's suffix", [
  error(...evalOf('loadstring("x = 5")()', '0')),
  error(...evalOf('local f = loadstring("local a = nil\\nreturn a.b") return f()', '0')),
  error(...evalOf('return loadstring("error(\'x\')")()', '0')),
  error(...evalOf('local f = loadstring("return 1 + nil", "=mine") return f()', '0')),
]);

dual.case('tostring returns what __tostring returns; NUL ends status and error texts', [
  evalOf('return tostring(setmetatable({}, {__tostring = function() return 5 end}))', '0'),
  evalOf('return type(tostring(setmetatable({}, {__tostring = function() return nil end})))', '0'),
  evalOf('return tostring(setmetatable({}, {__tostring = function() return {1, 2} end}))', '0'),
  evalOf('return {ok = "a\\0b"}', '0'),
  evalOf('return redis.status_reply("a\\0b")', '0'),
  evalOf('local t = redis.status_reply("a\\0b") return #t.ok', '0'),
  error(...evalOf('return {err = "ERR a\\0b"}', '0')),
  error(...evalOf('return {err = "x\\0y"}', '0')),
  error(...evalOf('error("x\\0y")', '0')),
]);

const NAN_SOURCES = [
  '0/0', '-(0/0)', '(-8)^(1/3)', '(-8)^0.5', 'math.pow(-2, 0.5)', '1^math.huge', '(-1)^math.huge', 'math.pow(1, 0/0)',
  '(0/0)^0', 'math.log(-1)', 'math.log10(-1)', 'math.floor(0/0)', 'math.ceil(-(0/0))', 'math.atan2(0/0, 1)',
  'math.atan2(1, -(0/0))', 'math.fmod(7, 0)', 'math.fmod(-7, 0)', 'math.fmod(-(0/0), 1)', 'math.fmod(math.huge, 2)',
  'math.abs(0/0)', 'math.acos(2)', 'math.asin(2)', 'math.sqrt(-1)', 'math.sin(math.huge)', 'math.exp(0/0)',
  'math.exp(-(0/0))', 'math.cosh(0/0)', 'math.tanh(-(0/0))', '5 % 0', 'math.huge % 2',
];

dual.case("NaN's sign, as glibc prints it ('-nan' for the default NaN x86 makes)", [
  evalOf(`return {${NAN_SOURCES.map((e) => `tostring(${e})`).join(', ')}}`, '0'),
  evalOf('return {double = 0/0}', '0'),
  evalOf('return {double = -(0/0)}', '0'),
  evalOf('return {double = math.log(-1)}', '0'),
]);

dual.case('NaN doubles in RESP3', [
  evalOf('return {double = 0/0}', '0'),
  evalOf('return {double = -(0/0)}', '0'),
], { resp3: true });

// ─── INFO: a script's errors and the scripting memory figures ──────────────────────────────────


/** A script that lists its error table's fields, as `k=v` strings (pairs order included). */
const fieldsOf = (expression: string): string[] =>
  evalOf(`local e = ${expression} local out = {} for k, v in pairs(e) do out[#out + 1] = k .. '=' .. tostring(v) end return out`, '0');

dual.case('INFO counts a script\'s errors as Redis does (errorstats, failed and rejected calls)', async (pair) => {
  await pair.do('CONFIG', 'RESETSTAT');
  await pair.do('SET', 's', 'str');
  for (const command of [
    evalOf("return redis.call('lpush', KEYS[1], 'x')", '1', 's'),
    evalOf("return redis.pcall('lpush', KEYS[1], 'x')", '1', 's'),
    evalOf("local e = redis.pcall('lpush', KEYS[1], 'x') return 1", '1', 's'),
    evalOf("return redis.error_reply('MYERR boom')", '0'),
    evalOf("error('plain')", '0'),
    evalOf("return {err = 'ERR t'}", '0'),
    evalOf("return {1, {err = 'ERR nested'}, redis.pcall('nosuch')}", '0'),
    evalOf("return redis.pcall('nosuch')", '0'),
    fieldsOf("redis.pcall('lpush', 's', 'x')"),
    fieldsOf("redis.pcall('nosuch')"),
    fieldsOf("redis.pcall('get')"),
    fieldsOf("redis.pcall('get', {})"),
    fieldsOf('redis.pcall()'),
    fieldsOf("redis.pcall('subscribe', 'x')"),
    fieldsOf("redis.error_reply('X y')"),
    ['EVAL_RO', "local e = redis.pcall('set', 'a', 'b') return e", '0'],
    ['EVAL', 'return 1'],
    ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'],
  ]) {
    await pair.step(command.length > 0 && command[0] === 'EVAL' && command.length === 2 ? error(...command) : command);
  }
  const pick = (line: string): boolean => /^(errorstat_|cmdstat_(eval|evalsha|eval_ro|lpush|get|set|subscribe):|total_error_replies|unexpected_error)/.test(line);
  for (const section of ['errorstats', 'commandstats', 'stats']) {
    const [r, h] = await infoLines(pair, section, pick);
    pair.same(h, r, `INFO ${section}`);
  }
});

dual.case('INFO memory: the cached scripts and the functions', async (pair) => {
  await pair.do('SCRIPT', 'FLUSH');
  await pair.do('FUNCTION', 'FLUSH');
  // Exact: the counts and what the script cache holds; not the Lua VMs' own memory (estimated).
  const pick = (line: string): boolean => /^(number_of_|used_memory_scripts_eval|used_memory_functions)/.test(line);
  let [r, h] = await infoLines(pair, 'memory', pick);
  pair.same(h, r, 'nothing loaded');
  const [, vmBefore] = await infoLines(pair, 'memory', (line) => line.startsWith('used_memory_vm_eval:'));
  await pair.do('SCRIPT', 'LOAD', 'return 1');
  await pair.do('SCRIPT', 'LOAD', `return '${'a'.repeat(95)}'`);
  for (let i = 0; i < 6; i++) await pair.do('EVAL', `return ${i}`, '0');
  await pair.do('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 1 end)");
  [r, h] = await infoLines(pair, 'memory', (line) => /^(number_of_|used_memory_scripts_eval)/.test(line));
  pair.same(h, r, 'two loaded, six run, a library');
  const [, vmAfter] = await infoLines(pair, 'memory', (line) => line.startsWith('used_memory_vm_eval:'));
  const bytes = (lines: string[] | Error): number => (lines instanceof Error ? NaN : Number(lines[0]?.split(':')[1]));
  pair.same(bytes(vmAfter) > bytes(vmBefore), true, `used_memory_vm_eval grew (${bytes(vmBefore)} -> ${bytes(vmAfter)})`);
  await pair.do('SCRIPT', 'FLUSH');
  await pair.do('FUNCTION', 'FLUSH');
});

dual.case("Redis's pcall: error tables, a table without a text err, no argument", [
  evalOf('return select("#", pcall(error, {}))', '0'),
  evalOf('return {pcall()}', '0'),
  evalOf('local a, b, c = pcall(error, {}) return {type(a), type(b), type(c)}', '0'),
  evalOf('local a, b, c = pcall(function() error({err = 5}) end) return {type(a), b, type(c)}', '0'),
  evalOf('return select("#", pcall(function() error({}) end))', '0'),
  evalOf('return {pcall(function() redis.call("nosuch") end)}', '0'),
  evalOf('local ok, e = xpcall(function() redis.call("nosuch") end, function(x) return x end) return type(e)', '0'),
  evalOf('return {pcall(nil)}', '0'),
  evalOf('local n = 0 local function f() n = n + 1 return pcall(f) end f() return n', '0'),
]);
