/**
 * The Lua language itself, differentially: each program runs in hashslot's VM and in Debian's
 * lua5.1, and the printed output (and the error message, if the program fails) must be the same
 * bytes. Programs cover scoping, closures and upvalues, varargs, multiple results, metatables,
 * coroutines, pcall/error, numeric for edge cases, number formatting, and runtime errors with
 * the variable names Lua 5.1 puts in them.
 */
import t from 'tap';
import { LUA51, runHashslot, runLua51 } from './lua-runner';

const PROGRAMS: Record<string, string> = {
  'arithmetic and number formatting': `
    print(1 + 2, 10 / 2, 7 % 3, -7 % 3, 7 % -3, 2 ^ 10, 1 / 3, -0.0, 1e15, 1e16, 123456789012345)
    print(0.1 + 0.2, 1e100, 2 ^ 53, 2 ^ 63, -2 ^ 63, 1 / 0, -1 / 0)
  `,
  'string coercion': `
    print('10' + 1, '3' * '4', 10 .. 20, '0x10' + 0, ' 5 ' * 2, 1 .. '')
    print(pcall(function() return 'abc' + 1 end))
  `,
  'comparison': `
    print(1 < 2, 'a' < 'b', 'a' < 'B', 'abc' < 'abd', '' < 'a', 2 <= 2, 'x' >= 'x', 1 == 1.0, '1' == 1)
    print(pcall(function() return 1 < '2' end))
    print(pcall(function() return {} < {} end))
  `,
  'locals, blocks and shadowing': `
    local x = 1
    do local x = 2; print(x) end
    print(x)
    local a, b, c = 1, 2
    print(a, b, c)
    local d, e = (function() return 1, 2, 3 end)()
    print(d, e)
    local f, g = ((function() return 1, 2 end)())
    print(f, g)
  `,
  'closures and upvalues': `
    local function counter()
      local n = 0
      return function() n = n + 1; return n end
    end
    local c1, c2 = counter(), counter()
    print(c1(), c1(), c2(), c1())
    local fns = {}
    for i = 1, 3 do fns[i] = function() return i end end
    print(fns[1](), fns[2](), fns[3]())
    local gs = {}
    local j = 0
    while j < 3 do j = j + 1; local k = j; gs[j] = function() return k end end
    print(gs[1](), gs[2](), gs[3]())
    local shared
    do local v = 10; shared = function(d) v = v + d; return v end end
    print(shared(1), shared(2))
  `,
  'varargs and select': `
    local function f(...) return select('#', ...), ... end
    print(f())
    print(f(nil, nil))
    print(f(1, 2, 3))
    local function g(a, ...) local t = {...}; return a, #t, t[1], t[3] end
    print(g(1, 2, 3, 4))
    print(select(2, 'a', 'b', 'c'), select(-1, 'a', 'b', 'c'))
    print(pcall(select, 0, 'a'))
    print((select('#', unpack({1, nil, 3}))))
  `,
  'multiple results in calls and tables': `
    local function three() return 1, 2, 3 end
    print(three(), three())
    print({three(), three()}[4] == nil, #{three(), three()}, #{three(), (three())})
    local t = {three(), x = 1, three()}
    print(#t, t[4])
    print(math.max(three()), string.format('%d %d %d', three()))
  `,
  'numeric for': `
    for i = 1, 3 do io_write = nil; print(i) end
    for i = 3, 1, -1 do print(i) end
    for i = 1, 0 do print('never') end
    for i = 0.1, 0.5, 0.2 do print(i) end
    for i = 1, 2, 0.5 do print(i) end
    print(pcall(function() for i = 1, 'x' do end end))
    print(pcall(function() for i = 'a', 2 do end end))
    print(pcall(function() for i = 1, 2, {} do end end))
    local n = 0
    for i = 1, 10 do if i > 3 then break end n = n + i end
    print(n)
  `,
  'generic for, pairs order, ipairs': `
    local t = {10, 20, 30, nil, 50}
    for i, v in ipairs(t) do print(i, v) end
    local u = {a = 1, b = 2, c = 3, d = 4, [1] = 'x', [2] = 'y', [10] = 'z'}
    for k, v in pairs(u) do print(k, v) end
    local keys = {}
    for k in pairs({alpha = 1, beta = 2, gamma = 3, delta = 4, epsilon = 5, zeta = 6}) do keys[#keys + 1] = k end
    print(table.concat(keys, ','))
  `,
  'length operator borders': `
    print(#{}, #{1, 2, 3}, #{1, nil, 3}, #{nil, nil, 3}, #{1, 2, nil}, #'abc', #'')
    local t = {} t[1] = 1 t[2] = 2 t[4] = 4 print(#t)
    local u = {1, 2, 3} u[2] = nil print(#u)
    local v = {} for i = 1, 10 do v[i] = i end v[10] = nil v[5] = nil print(#v)
  `,
  'metatables: __index, __newindex, __call, arithmetic, __eq, __lt, __le, __concat, __tostring': `
    local base = {greet = function(self) return 'hi ' .. self.name end}
    local obj = setmetatable({name = 'ann'}, {__index = base})
    print(obj:greet(), obj.missing)
    local log = {}
    local proxy = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = k; rawset(t, k, v * 2) end})
    proxy.a = 1; proxy.a = 5
    print(proxy.a, #log)
    local callable = setmetatable({}, {__call = function(self, x, y) return x + y end})
    print(callable(2, 3))
    local V = {}
    V.__index = V
    V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
    V.__eq = function(a, b) return a.x == b.x end
    V.__lt = function(a, b) return a.x < b.x end
    V.__le = function(a, b) return a.x <= b.x end
    V.__concat = function(a, b) return 'V' .. (type(a) == 'table' and a.x or a) .. (type(b) == 'table' and b.x or b) end
    V.__tostring = function(v) return 'V(' .. v.x .. ')' end
    V.__unm = function(v) return setmetatable({x = -v.x}, V) end
    local p, q = setmetatable({x = 1}, V), setmetatable({x = 2}, V)
    print(tostring(p + q), p == q, p < q, p <= q, q > p, p .. q, p .. 'z', tostring(-p))
    print(getmetatable('abc').__index == string, getmetatable(setmetatable({}, {__metatable = 'locked'})))
    print(pcall(setmetatable, setmetatable({}, {__metatable = 1}), {}))
  `,
  'rawget, rawset, rawequal, next': `
    local t = setmetatable({}, {__index = function() return 'dflt' end})
    print(t.x, rawget(t, 'x'), rawequal(t, t), rawequal(t, {}))
    print(next({}), next({5}))
    print(pcall(next, {}, 'nokey'))
  `,
  'pcall, error, xpcall': `
    print(pcall(error, 'plain'))
    print(pcall(function() error('with position') end))
    print(pcall(function() error('level 2', 2) end))
    print(pcall(function() error('no position', 0) end))
    print(select('#', pcall(function() error({code = 1}) end)), type(select(2, pcall(function() error({code = 1}) end))))
    print(select('#', pcall(error)))
    print(pcall(function() error() end))
    print(pcall(function() error(42) end))
    print(xpcall(function() error('x') end, function(m) return 'handled: ' .. m end))
    print(pcall(function() local x = nil; return x.field end))
    print(pcall(function() return undefined_global.field end))
    print(pcall(function() local t = {} return t.a.b end))
    print(pcall(function() local t = {} t.a.b = 1 end))
    print(pcall(function() return #nil end))
    print(pcall(function() local s = {} return 'a' .. s end))
    print(pcall(function() local t = {} t:method() end))
    print(pcall(function() undefined_function() end))
    print(pcall(function() local t = {} t.field() end))
    print(pcall(function() return -{} end))
    print(pcall(function() local up = nil; return (function() return up.x end)() end))
    print(pcall(function() local t = {} t[nil] = 1 end))
    print(pcall(function() local t = {} t[0/0] = 1 end))
    print(pcall(assert, false))
    print(pcall(assert, nil, 'custom message'))
    print(pcall(assert, 1, 2, 3))
  `,
  'coroutines': `
    local co = coroutine.create(function(a, b)
      print('start', a, b)
      local c = coroutine.yield(a + b)
      print('got', c)
      local d, e = coroutine.yield(c * 2)
      return d + e
    end)
    print(coroutine.resume(co, 1, 2))
    print(coroutine.status(co))
    print(coroutine.resume(co, 10))
    print(coroutine.resume(co, 3, 4))
    print(coroutine.status(co), coroutine.resume(co))
    local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
    print(gen(), gen(), gen())
    print(pcall(coroutine.yield, 1))
    local bad = coroutine.create(function() error('inside') end)
    print(coroutine.resume(bad))
    print(coroutine.running())
    local inner = coroutine.wrap(function() print(coroutine.status(coroutine.running())) end)
    inner()
  `,
  'tail calls and deep recursion': `
    local function loop(n) if n == 0 then return 'done' end return loop(n - 1) end
    print(loop(100000))
    local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
    print(fact(20))
    local function inf(n) return inf(n + 1) + 1 end
    print(pcall(inf, 0))
  `,
  'repeat-until scope and while': `
    local i = 0
    repeat local j = i; i = i + 1 until j >= 3
    print(i)
    local fs = {}
    local n = 0
    repeat n = n + 1; local m = n; fs[n] = function() return m end until m == 3
    print(fs[1](), fs[2](), fs[3]())
    while true do i = i + 1; if i > 10 then break end end
    print(i)
  `,
  'and, or, not': `
    print(nil and 1, false or 'x', 1 and 2, nil or false, not nil, not 0, 1 and nil or 3)
    local a = {} local b = a and a.x or 'default'
    print(b)
    local x = 5
    x = x > 3 and 'big' or 'small'
    print(x)
  `,
  'multiple assignment evaluation order': `
    local a, b = 1, 2
    a, b = b, a
    print(a, b)
    local t = {1, 2, 3}
    local i = 1
    i, t[i] = i + 1, 20
    print(i, t[1], t[2])
    local x, y, z = (function() return 1, 2, 3 end)()
    print(x, y, z)
  `,
  'string methods via the string metatable': `
    local s = 'Hello'
    print(s:upper(), s:len(), ('x'):rep(3), s:sub(2, -2), #s, s:byte(1), ('%d'):format(7))
  `,
  'tostring and tonumber': `
    print(tostring(nil), tostring(true), tostring(12), tostring(1.5), tostring('s'))
    print(tonumber('10'), tonumber('0x1F'), tonumber('  12  '), tonumber('1e2'), tonumber('abc'), tonumber(''), tonumber('10', 2), tonumber('ff', 16), tonumber('zz', 36), tonumber('8', 8))
    print(type(print), type(nil), type({}), type('x'), type(2), type(true), type(coroutine.create(function() end)))
  `,
  'unpack': `
    print(unpack({1, 2, 3}))
    print(unpack({1, 2, 3}, 2))
    print(unpack({1, 2, 3}, 2, 5))
    print(select('#', unpack({}, 1, 0)))
  `,
  'loadstring': `
    local f = loadstring('return 1 + ...')
    print(f(41))
    print(loadstring('x ='))
    print(loadstring('return 2', 'chunk')())
  `,
  'the hidden arg of vararg functions': `
    local function f(a, ...) return a, arg and arg.n, arg and arg[1], arg and arg[2] end
    print(f(1, 'x', 'y'))
    print(f(1))
    local function g(...) local n = select('#', ...) return n, arg end
    print(g(1, 2))
    local function h(...) return #arg end
    print(h(nil, nil, 3))
  `,
  'pcall and xpcall run in the loop: results, errors, levels, tail calls': `
    print(pcall(function(...) return ... end, 1, nil, 3))
    print(select('#', pcall(function() end)))
    local a, b, c = pcall(function() return 1, 2, 3, 4 end) print(a, b, c)
    local x = pcall(function() error('e') end) print(x)
    print(select(2, pcall(function() error({code = 1}) end)).code)
    print(pcall(function() error('lvl2', 2) end))
    print(pcall(function() local function inner() error('lvl2 inner', 2) end inner() end))
    print(pcall(function() error('nolevel', 0) end))
    print(pcall(function() return pcall(function() error('inner') end) end))
    print(pcall(function() local ok, e = pcall(error, 'x') error('outer ' .. e) end))
    local function tail(n) if n == 0 then error('bottom') end return tail(n - 1) end
    print(pcall(tail, 5))
    print(pcall(function() return tail(3) end))
    print(xpcall(function() error('boom') end, function(m) return 'handled: ' .. m end))
    print(xpcall(function() return 1, 2 end, print))
    print(xpcall(function() error('boom') end, function(m) error('again') end))
    print(pcall(xpcall, function() error('x') end, function(m) return m .. '!' end))
    local n = 0
    local function deep() n = n + 1 return pcall(deep) end
    print(deep(), n > 100)
    local co = coroutine.create(function() pcall(function() coroutine.yield(1) end) return 'after' end)
    print(coroutine.resume(co))
    print(coroutine.resume(co))
    local t = setmetatable({}, {__index = function(t, k) local ok, e = pcall(function() error(k) end) return e end})
    print(t.key)
    for i = 1, 3 do print(pcall(function() if i == 2 then error(i) end return i end)) end
    local up = 0
    print(pcall(function() local v = 5 local f = function() up = v end f() error('after closure') end), up)
  `,
  'coroutines resumed from Lua code run in the loop: values, errors, wrap, nesting': `
    local co = coroutine.create(function(a, b)
      print('start', a, b)
      local c = coroutine.yield(a + b)
      print('got', c)
      local d, e = coroutine.yield(c * 2)
      print('got', d, e)
      return 'done', 99
    end)
    print(coroutine.resume(co, 1, 2))
    print(coroutine.status(co))
    print(coroutine.resume(co, 10))
    print(coroutine.resume(co, 'x', 'y'))
    print(coroutine.status(co), coroutine.resume(co))
    local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
    print(gen(), gen(), gen(), select('#', gen()))
    print(pcall(gen))
    local failing = coroutine.create(function() local x = nil; return x.y end)
    print(coroutine.resume(failing))
    print(coroutine.status(failing))
    local w = coroutine.wrap(function() error('wrapped') end)
    print(pcall(w))
    local w2 = coroutine.wrap(function() error({code = 7}) end)
    print(select(2, pcall(w2)).code)
    local outer = coroutine.create(function()
      local inner = coroutine.create(function() coroutine.yield('inner1') return 'inner done' end)
      print('in outer', coroutine.resume(inner))
      coroutine.yield('outer1')
      print('in outer', coroutine.resume(inner))
      print('status', coroutine.status(inner), coroutine.running() ~= nil)
      return 'outer done'
    end)
    print(coroutine.resume(outer))
    print(coroutine.resume(outer))
    print(coroutine.resume(outer))
    print(coroutine.resume(coroutine.create(function() return coroutine.resume(coroutine.running()) end)))
    local self
    self = coroutine.create(function() return coroutine.status(self) end)
    print(coroutine.resume(self))
    print(pcall(coroutine.resume))
    print(coroutine.resume(coroutine.create(function() local ok, e = pcall(coroutine.yield, 1) return ok, e end)))
    local t = setmetatable({}, {__index = function(t, k) return coroutine.yield(k) end})
    print(coroutine.resume(coroutine.create(function() return t.key end)))
    local depth = 0
    local function nest() depth = depth + 1 local c = coroutine.create(nest) local ok, e = coroutine.resume(c) return ok, e end
    print(nest())
    print(depth > 100)
    local w3 = coroutine.wrap(function(...) local a = {...} coroutine.yield(#a) return select('#', ...) end)
    print(w3(1, 2, 3), w3())
    print(pcall(w3))
    print(pcall(function() return coroutine.yield(1) end))
    print(pcall(assert, false, nil))
    print(pcall(assert, false, 5))
    print(pcall(assert, false, {}))
    print(pcall(function() assert(false) end))
    print(pcall(math.fmod))
    print(pcall(math.atan2, 'x'))
    print(pcall(math.ldexp))
    print(pcall(setmetatable, {}))
    print(pcall(coroutine.create, nil))
    print(pcall(function() coroutine.wrap(1) end))
    print(pcall(function() local f = coroutine.wrap(function() error('x') end) f() end))
    print(type(select(2, pcall(function() local f = coroutine.wrap(function() error({}) end) f() end))))
    coroutine.yield(1)
  `,
  'syntax error: missing end': `for i=1,3 do`,
  'syntax error: unexpected symbol': `local x = = 1`,
  'runtime error at a later line': `
    local t = {}
    local v = t.a
    return v.b
  `,
};

if (LUA51 === undefined) {
  t.plan(0, 'lua5.1 is not installed (apt-get install lua5.1; .ci/run does)');
} else {
  for (const [name, source] of Object.entries(PROGRAMS)) {
    t.test(name, async (t) => {
      t.equal(runHashslot(source), runLua51(source));
    });
  }
}
