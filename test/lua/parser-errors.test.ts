/*
 * Syntax errors of the Lua 5.1 parser: a hand-written list of malformed (and a few valid)
 * snippets with the exact message Lua 5.1.5 gives for each, covering every message the lexer
 * and parser produce. The expected messages were taken from lua5.1's
 * loadstring(src, "@user_script"); when lua5.1 is installed the list is also compiled by it
 * again, so the table cannot drift from the reference.
 *
 * The list is checked with the parser set up as lua5.1 (LUA51_OPTIONS: C-call depth 2, and
 * Debian's rejection of `[[` inside `[[...]]`), with a separate check of what differs in Redis
 * (observed on redis-server 7.0: depth 0, nested `[[` accepted).
 */
import t from 'tap';
import { parse, type ParseOptions } from '../../server/scripting/lua/parser';
import { LUA51_OPTIONS, haveLua, luaCompileResults } from './parser-oracle';

function compileError(source: string, options: ParseOptions = LUA51_OPTIONS): string | null {
  try {
    parse(source, '@user_script', options);
    return null;
  } catch (e) {
    if (e instanceof Error && e.name === 'LuaSyntaxError') return e.message;
    throw e;
  }
}

const repeat = (s: string, n: number): string => s.repeat(n);
const names = (n: number, prefix = 'a'): string => Array.from({ length: n }, (_, i) => prefix + i).join(', ');

/** [source, message lua5.1 gives (null: it compiles)]. */
const SHORT_CASES: Array<[string, string | null]> = [
  ["x = = 1", "user_script:1: unexpected symbol near '='"],
  ["x = )", "user_script:1: unexpected symbol near ')'"],
  ["local = 1", "user_script:1: '<name>' expected near '='"],
  ["x = 1 +", "user_script:1: unexpected symbol near '<eof>'"],
  ["x = {1,,2}", "user_script:1: unexpected symbol near ','"],
  ["return return", "user_script:1: unexpected symbol near 'return'"],
  [";", "user_script:1: unexpected symbol near ';'"],
  ["x = ~ 1", "user_script:1: unexpected symbol near '~'"],
  ["x = a ~ b", "user_script:1: unexpected symbol near '~'"],
  ["x = \"a\" \"b\"", "user_script:1: unexpected symbol near '\"b\"'"],
  ["f() = 1", "user_script:1: unexpected symbol near '='"],
  ["x.y:z = 1", "user_script:1: function arguments expected near '='"],
  ["x = 1 2", "user_script:1: unexpected symbol near '2'"],
  ["= 1", "user_script:1: unexpected symbol near '='"],
  ["x", "user_script:1: '=' expected near '<eof>'"],
  ["x y", "user_script:1: '=' expected near 'y'"],
  ["a.b", "user_script:1: '=' expected near '<eof>'"],
  ["a[1]", "user_script:1: '=' expected near '<eof>'"],
  ["a, b", "user_script:1: '=' expected near '<eof>'"],
  ["local a.b = 1", "user_script:1: unexpected symbol near '.'"],
  ["x, y 1", "user_script:1: '=' expected near '1'"],
  ["function f() return", "user_script:1: 'end' expected near '<eof>'"],
  ["function f()\n return 1", "user_script:2: 'end' expected (to close 'function' at line 1) near '<eof>'"],
  ["if x then", "user_script:1: 'end' expected near '<eof>'"],
  ["if x then\nelse", "user_script:2: 'end' expected (to close 'if' at line 1) near '<eof>'"],
  ["while x do\n", "user_script:2: 'end' expected (to close 'while' at line 1) near '<eof>'"],
  ["do\n x = 1", "user_script:2: 'end' expected (to close 'do' at line 1) near '<eof>'"],
  ["for i = 1, 2 do\n", "user_script:2: 'end' expected (to close 'for' at line 1) near '<eof>'"],
  ["f(1, 2", "user_script:1: ')' expected near '<eof>'"],
  ["f(1,\n2", "user_script:2: ')' expected (to close '(' at line 1) near '<eof>'"],
  ["x = (1", "user_script:1: ')' expected near '<eof>'"],
  ["x = (\n1", "user_script:2: ')' expected (to close '(' at line 1) near '<eof>'"],
  ["x = {1, 2", "user_script:1: '}' expected near '<eof>'"],
  ["x = {\n1", "user_script:2: '}' expected (to close '{' at line 1) near '<eof>'"],
  ["x = t[1", "user_script:1: ']' expected near '<eof>'"],
  ["x = t[\n1 }", "user_script:2: ']' expected near '}'"],
  ["function f", "user_script:1: '(' expected near '<eof>'"],
  ["function f.a:b.c() end", "user_script:1: '(' expected near '.'"],
  ["function () end", "user_script:1: '<name>' expected near '('"],
  ["local function () end", "user_script:1: '<name>' expected near '('"],
  ["local function f", "user_script:1: '(' expected near '<eof>'"],
  ["x = function end", "user_script:1: '(' expected near 'end'"],
  ["for", "user_script:1: '<name>' expected near '<eof>'"],
  ["for 1", "user_script:1: '<name>' expected near '1'"],
  ["for i", "user_script:1: '=' or 'in' expected near '<eof>'"],
  ["for i = 1", "user_script:1: ',' expected near '<eof>'"],
  ["for i = 1, 2", "user_script:1: 'do' expected near '<eof>'"],
  ["for i = 1, 2, 3 x", "user_script:1: 'do' expected near 'x'"],
  ["for i, j", "user_script:1: 'in' expected near '<eof>'"],
  ["for i, j in x", "user_script:1: 'do' expected near '<eof>'"],
  ["for i.j = 1, 2 do end", "user_script:1: '=' or 'in' expected near '.'"],
  ["if x", "user_script:1: 'then' expected near '<eof>'"],
  ["if x y", "user_script:1: 'then' expected near 'y'"],
  ["if x then else elseif", "user_script:1: 'end' expected near 'elseif'"],
  ["while x", "user_script:1: 'do' expected near '<eof>'"],
  ["while x y", "user_script:1: 'do' expected near 'y'"],
  ["repeat", "user_script:1: 'until' expected near '<eof>'"],
  ["repeat x = 1", "user_script:1: 'until' expected near '<eof>'"],
  ["repeat x = 1 end", "user_script:1: 'until' expected near 'end'"],
  ["function f(a,) end", "user_script:1: <name> or '...' expected near ')'"],
  ["function f(a b) end", "user_script:1: ')' expected near 'b'"],
  ["function f(..., a) end", "user_script:1: ')' expected near ','"],
  ["function f(1) end", "user_script:1: <name> or '...' expected near '1'"],
  ["function f(a", "user_script:1: ')' expected near '<eof>'"],
  ["local function f(a, ...", "user_script:1: ')' expected near '<eof>'"],
  ["x = a:b", "user_script:1: function arguments expected near '<eof>'"],
  ["x = a:b.c", "user_script:1: function arguments expected near '.'"],
  ["x = a:1()", "user_script:1: '<name>' expected near '1'"],
  ["a:b", "user_script:1: function arguments expected near '<eof>'"],
  ["x = a.1", "user_script:1: unexpected symbol near '.1'"],
  ["x = a.b.", "user_script:1: '<name>' expected near '<eof>'"],
  ["x = t[]", "user_script:1: unexpected symbol near ']'"],
  ["f\n(1)", "user_script:2: ambiguous syntax (function call x new statement) near '('"],
  ["x = f\n(1)", "user_script:2: ambiguous syntax (function call x new statement) near '('"],
  ["local x = y\n(f or g)()", "user_script:2: ambiguous syntax (function call x new statement) near '('"],
  ["a.b:c\n(1)", "user_script:2: ambiguous syntax (function call x new statement) near '('"],
  ["x = ...", null],
  ["function f() return ... end", "user_script:1: cannot use '...' outside a vararg function near '...'"],
  ["function f(a) local t = {...} end", "user_script:1: cannot use '...' outside a vararg function near '...'"],
  ["function f(...) return function() return ... end end", "user_script:1: cannot use '...' outside a vararg function near '...'"],
  ["break", "user_script:1: no loop to break near '<eof>'"],
  ["do break end", "user_script:1: no loop to break near 'end'"],
  ["if x then break end", "user_script:1: no loop to break near 'end'"],
  ["function f() break end", "user_script:1: no loop to break near 'end'"],
  ["while x do local function g() break end end", "user_script:1: no loop to break near 'end'"],
  ["return 1 x = 2", "user_script:1: '<eof>' expected near 'x'"],
  ["return 1; return 2", "user_script:1: '<eof>' expected near 'return'"],
  ["while true do break x = 1 end", "user_script:1: 'end' expected near 'x'"],
  ["do return end x = 1", null],
  ["return;;", "user_script:1: '<eof>' expected near ';'"],
  ["x, f() = 1", "user_script:1: syntax error near '='"],
  ["(x) = 1", "user_script:1: syntax error near '='"],
  ["(x)", "user_script:1: syntax error near '<eof>'"],
  ["x, (y) = 1, 2", "user_script:1: syntax error near '='"],
  ["x, y.z, f\"s\" = 1", "user_script:1: syntax error near '='"],
  ["1 = x", "user_script:1: unexpected symbol near '1'"],
  ["\"s\" = 1", "user_script:1: unexpected symbol near '\"s\"'"],
  ["nil = 1", "user_script:1: unexpected symbol near 'nil'"],
  ["x = \"abc", "user_script:1: unfinished string near '<eof>'"],
  ["x = 'abc\ndef'", "user_script:1: unfinished string near ''abc'"],
  ["x = \"abc\\", "user_script:1: unfinished string near '<eof>'"],
  ["x = \"a\\300\"", "user_script:1: escape sequence too large near '\"a'"],
  ["x = \"a\\256b\"", "user_script:1: escape sequence too large near '\"a'"],
  ["x = \"\\1234\"", null],
  ["x = \"a\\q\"", null],
  ["x = [[abc", "user_script:1: unfinished long string near '<eof>'"],
  ["x = [==[abc]=]", "user_script:1: unfinished long string near '<eof>'"],
  ["x = [=[ [=[ ]=]", null],
  ["x = [[ [[ ]]", "user_script:1: nesting of [[...]] is deprecated near '['"],
  ["--[[abc", "user_script:1: unfinished long comment near '<eof>'"],
  ["--[==[ ]=] ", "user_script:1: unfinished long comment near '<eof>'"],
  ["--[[ [[ ]]", "user_script:1: nesting of [[...]] is deprecated near '['"],
  ["x = [=", "user_script:1: invalid long string delimiter near '[='"],
  ["x = [==x", "user_script:1: invalid long string delimiter near '[=='"],
  ["x = [=]", "user_script:1: invalid long string delimiter near '[='"],
  ["x = 3x", "user_script:1: malformed number near '3x'"],
  ["x = 1..2", "user_script:1: malformed number near '1..2'"],
  ["x = 1.2.3", "user_script:1: malformed number near '1.2.3'"],
  ["x = 0x", "user_script:1: malformed number near '0x'"],
  ["x = 0xg", "user_script:1: malformed number near '0xg'"],
  ["x = 1e", "user_script:1: malformed number near '1e'"],
  ["x = 1e+", "user_script:1: malformed number near '1e+'"],
  ["x = 1e+5x", "user_script:1: malformed number near '1e+5x'"],
  ["x = 0x1p+4", "user_script:1: malformed number near '0x1p'"],
  ["x = 0x1P", "user_script:1: malformed number near '0x1P'"],
  ["x = 08.5e", "user_script:1: malformed number near '08.5e'"],
  ["x = 5_", "user_script:1: malformed number near '5_'"],
  ["x = 1 y", "user_script:1: '=' expected near '<eof>'"],
  ["x = 1 \"a\\tb\"", "user_script:1: unexpected symbol near '\"a\tb\"'"],
  ["x = 1 \"a\\0b\"", "user_script:1: unexpected symbol near '\"a'"],
  ["x = 1 [==[\nab\r\ncd]==]", "user_script:3: unexpected symbol near '[==[ab\ncd]==]'"],
  ["x = 1 1.5e3", "user_script:1: unexpected symbol near '1.5e3'"],
  ["x = 1 0x1F", "user_script:1: unexpected symbol near '0x1F'"],
  ["x = 1 'it''s'", "user_script:1: unexpected symbol near ''it''"],
  ["x = @", "user_script:1: unexpected symbol near '@'"],
  ["x = $", "user_script:1: unexpected symbol near '$'"],
  ["x = `", "user_script:1: unexpected symbol near '`'"],
  ["x = \\", "user_script:1: unexpected symbol near '\\'"],
  ["x = !", "user_script:1: unexpected symbol near '!'"],
  ["x = ?", "user_script:1: unexpected symbol near '?'"],
  ["x = \x01", "user_script:1: unexpected symbol near 'char(1)'"],
  ["x = ", "user_script:1: unexpected symbol near 'char(127)'"],
  ["x = \x80", "user_script:1: unexpected symbol near '\x80'"],
  ["x = \xff", "user_script:1: unexpected symbol near '\xff'"],
  ["x = \x00", "user_script:1: unexpected symbol"],
  ["x = 1 \x00", "user_script:1: unexpected symbol"],
  ["# comment\nx = 1", "user_script:1: unexpected symbol near '#'"],
  ["#!/usr/bin/lua\nx = 1", "user_script:1: unexpected symbol near '#'"],
  ["\xef\xbb\xbfx = 1", "user_script:1: unexpected symbol near '\xef'"],
  ["x = 1\x00", null],
  ["x = 1\x00\x00y", null],
  ["x = 'a' .\x00 'b'", null],
  ["x = 'a' ..\x00 'b'", "user_script:1: unexpected symbol near '...'"],
  ["x = .\x00", "user_script:1: unexpected symbol near '..'"],
  ["x = \"a\r\nb\"", "user_script:1: unfinished string near '\"a'"],
  ["x = \"a\rb\"", "user_script:1: unfinished string near '\"a'"],
  ["x = \"\\\r\n\" y", "user_script:2: '=' expected near '<eof>'"],
  ["x = [[\r\n\n\r\r]] y", "user_script:4: '=' expected near '<eof>'"],
  ["x = 1 --[[\n\n]] y", "user_script:3: '=' expected near '<eof>'"],
  ["x = 1 -- c\r y", "user_script:2: '=' expected near '<eof>'"],
];

/** Limits (at lua5.1's depth 2): nesting levels, locals, upvalues, assignment targets, registers. */
const LIMIT_CASES: Array<[string, string, string | null]> = [
  ['197 parentheses', 'x = ' + repeat('(', 197) + '1' + repeat(')', 197), 'user_script:1: chunk has too many syntax levels'],
  ['196 parentheses', 'x = ' + repeat('(', 196) + '1' + repeat(')', 196), null],
  ['198 blocks', repeat('do ', 198) + repeat('end ', 198), 'user_script:1: chunk has too many syntax levels'],
  ['197 blocks', repeat('do ', 197) + repeat('end ', 197), null],
  ['198 tables', 'x = ' + repeat('{', 198) + repeat('}', 198), 'user_script:1: chunk has too many syntax levels'],
  ['197 unary minus', 'x = ' + repeat('- ', 197) + '1', 'user_script:1: chunk has too many syntax levels'],
  ['197 concatenations', 'x = ' + repeat('a .. ', 197) + 'a', 'user_script:1: chunk has too many syntax levels'],
  ['197 powers', 'x = ' + repeat('2 ^ ', 197) + '2', 'user_script:1: chunk has too many syntax levels'],
  ['198 functions', repeat('function f() ', 198) + repeat('end ', 198), 'user_script:1: chunk has too many syntax levels'],
  ['198 calls', 'x = ' + repeat('f(', 198) + repeat(')', 198), 'user_script:1: chunk has too many syntax levels'],
  ['198 ifs', repeat('if x then ', 198) + repeat('end ', 198), 'user_script:1: chunk has too many syntax levels'],
  ['198 whiles', repeat('while x do ', 198) + repeat('end ', 198), 'user_script:1: chunk has too many syntax levels'],
  ['198 repeats', repeat('repeat ', 198) + repeat('until x ', 198), 'user_script:1: chunk has too many syntax levels'],
  ['200 locals', 'local ' + names(200), null],
  ['201 locals', 'local ' + names(201), 'user_script:1: main function has more than 200 local variables'],
  ['201 locals in a function', 'function f()\nlocal ' + names(201) + '\nend', 'user_script:3: function at line 1 has more than 200 local variables'],
  ['200 parameters and arg', 'function f(' + names(200) + ', ...) end', 'user_script:1: function at line 1 has more than 200 local variables'],
  ['a numeric for takes 4 locals', 'local ' + names(197) + '\nfor i = 1, 2 do end', 'user_script:2: main function has more than 200 local variables'],
  ['a generic for takes 3 + n locals', 'local ' + names(196) + '\nfor k, v in x do end', 'user_script:2: main function has more than 200 local variables'],
  ['201 local statements', Array.from({ length: 201 }, (_, i) => `local a${i}\n`).join(''), 'user_script:202: main function has more than 200 local variables'],
  ['60 upvalues', 'local ' + names(60) + '\nfunction f() return ' + names(60) + ' end', null],
  ['61 upvalues', 'local ' + names(61) + '\nfunction f()\n return ' + names(61) + ' end', 'user_script:3: function at line 2 has more than 60 upvalues'],
  ['61 upvalues passed through', 'local ' + names(61) + '\nfunction f() return function() return ' + names(61) + ' end end', 'user_script:2: function at line 2 has more than 60 upvalues'],
  ['198 assignment targets', names(198) + ' = 1', null],
  ['199 assignment targets', names(199) + ' = 1', 'user_script:1: main function has more than 197 variables in assignment'],
  ['197 targets one level down', 'do ' + names(197) + ' = 1 end', null],
  ['248 arguments', 'f(' + repeat('1, ', 247) + '1)', null],
  ['249 arguments', 'f(' + repeat('1, ', 248) + '1)', "user_script:1: function or expression too complex near '<eof>'"],
  ['249 global arguments', 'f(' + repeat('a, ', 248) + 'a)\nx = 1', "user_script:2: function or expression too complex near 'x'"],
  ['250 return values', 'return ' + repeat('a, ', 249) + 'a', "user_script:1: function or expression too complex near '<eof>'"],
  ['250 local values', 'local x = ' + repeat('a, ', 249) + 'a', "user_script:1: function or expression too complex near '<eof>'"],
  ['250 assigned values', 'x = ' + repeat('a, ', 249) + 'a', "user_script:1: function or expression too complex near '<eof>'"],
  ['301 table items (stored 50 at a time)', 'x = {' + repeat('a, ', 300) + 'a}', null],
  ['248 method arguments', 't:m(' + repeat('1, ', 247) + '1)', "user_script:1: function or expression too complex near '<eof>'"],
  ['199 locals and a nested sum', 'local ' + names(199) + '\nx = a0 + (a1 + (a2 + (a3 + a4)))', null],
  ['199 locals and a call', 'local ' + names(199) + '\nf(a, b)', null],
  ['200 locals and a call', 'local ' + names(200, 'v') + '\nx = f(1)', null],
  ['199 locals and a generic for', 'local ' + names(199, 'v') + '\nfor k in x do end', 'user_script:2: main function has more than 200 local variables'],
];

t.test('hand-written syntax errors: the messages of Lua 5.1', async (t) => {
  const distinct = new Set<string>();
  for (const [source, expected] of SHORT_CASES) {
    t.equal(compileError(source), expected, JSON.stringify(source));
    if (expected !== null) distinct.add(expected.replace(/^user_script:\d+: /, '').replace(/ near .*$/s, '').replace(/\d+/g, 'N'));
  }
  for (const [what, source, expected] of LIMIT_CASES) {
    t.equal(compileError(source), expected, what);
    if (expected !== null) distinct.add(expected.replace(/^user_script:\d+: /, '').replace(/ near .*$/s, '').replace(/\d+/g, 'N'));
  }
  t.ok(distinct.size >= 40, `${distinct.size} distinct messages covered`);
});

t.test('the same list compiled by lua5.1 gives the same messages', { skip: haveLua ? false : 'lua5.1 missing' }, async (t) => {
  const sources = [...SHORT_CASES.map(([s]) => s), ...LIMIT_CASES.map(([, s]) => s)];
  const results = luaCompileResults(sources);
  sources.forEach((source, i) => t.equal(compileError(source), results[i] ?? null, JSON.stringify(source.slice(0, 80))));
});

t.test("Redis's thresholds: scripts are compiled at C-call depth 0", async (t) => {
  // observed with redis-server 7.0: EVAL of these scripts
  const redis = (source: string): string | null => compileError(source, {});
  t.equal(redis('x = ' + repeat('(', 198) + '1' + repeat(')', 198)), null);
  t.equal(redis('x = ' + repeat('(', 199) + '1' + repeat(')', 199)), 'user_script:1: chunk has too many syntax levels');
  t.equal(redis(names(200) + ' = 1'), null);
  t.equal(redis(names(201) + ' = 1'), 'user_script:1: main function has more than 199 variables in assignment');
  t.equal(redis('x = '), "user_script:1: unexpected symbol near '<eof>'");
  t.equal(redis('\x1bLua'), "user_script:1: unexpected symbol near 'char(27)'", 'a leading ESC is text, not a binary chunk');
  t.equal(redis('return [[ a [[ b ]]'), null, 'Redis accepts [[ inside [[...]]: the string ends at the first ]]');
  t.equal(redis('return [[ a [[ b ]] c ]]'), "user_script:1: '<eof>' expected near 'c'");
  t.equal(redis('--[[ [[ ]] return'), null);
});

t.test('deep or long input errors out or parses, never overflows the stack', async (t) => {
  const levels = 'user_script:1: chunk has too many syntax levels';
  t.equal(compileError('x = ' + repeat('(', 100000) + '1' + repeat(')', 100000), {}), levels);
  t.equal(compileError('x = ' + repeat('{', 100000), {}), levels);
  t.equal(compileError('x = ' + repeat('- ', 100000) + '1', {}), levels);
  t.equal(compileError('x = ' + repeat('not ', 100000) + '1', {}), levels);
  t.equal(compileError('x = ' + repeat('a .. ', 100000) + 'a', {}), levels);
  t.equal(compileError(repeat('do ', 100000), {}), levels);
  t.equal(compileError(repeat('function f() ', 100000), {}), levels);
  t.equal(compileError('x = ' + repeat('f(', 100000), {}), levels);
  // left-associative chains and suffix chains are loops in Lua 5.1, not nesting: no limit
  t.equal(compileError('x = ' + repeat('a + ', 100000) + 'a', {}), null);
  t.equal(compileError('x = ' + repeat('a and ', 100000) + 'a', {}), null);
  t.equal(compileError('x = a' + repeat('.b', 100000), {}), null);
  t.equal(compileError('f' + repeat('()', 100000), {}), null);
  t.equal(compileError(repeat('x = 1\n', 100000), {}), null);
  t.equal(compileError('x = {' + repeat('1, ', 100000) + '}', {}), null);
});
