/**
 * string-lib.ts and lua-pattern.ts against lua5.1: hand-written edge cases for every function,
 * then seeded random find/match/gmatch/gsub calls (patterns from a grammar of 5.1's pattern
 * items, malformed ones included; subjects over a small alphabet with special bytes). Results
 * and error messages must be identical (see string-lib-harness.ts). SEED=n replays a run.
 */
import t from 'tap';
import { openStringLib } from '../../server/scripting/lua/string-lib';
import { LuaTable } from '../../server/scripting/lua/table';
import { LuaError, NativeFunction, type LuaValue } from '../../server/scripting/lua/values';
import { compareLines, LUA51, runCasesInLua, runCasesInTs, testSeed, TestRuntime, type Arg, type Case } from './string-lib-harness';
import { seededFloats } from '../../storage/random';

const c = (fn: string, ...args: Arg[]): Case => ({ fn, args });
const fnArg = (name: string): Arg => ({ fn: name });
const tableArg = (name: string): Arg => ({ table: name });

function handCases(): Case[] {
  const cases: Case[] = [];
  const big = [2 ** 31, 2 ** 32 + 2, -(2 ** 32) + 2, 2 ** 53, 2 ** 63, -(2 ** 63), 1e100, -1e100, NaN, Infinity, -Infinity, -0];
  // byte / sub: relative positions, clamping, C integer conversion of odd numbers.
  for (const s of ['', 'a', 'abcdef', 'a\0b\xff']) {
    for (const i of [undefined, 0, 1, 2, -1, -3, -10, 10, 1.9, -1.5, '2', ...big]) {
      cases.push(c('byte', s, i), c('sub', s, i));
      for (const j of [undefined, 0, 1, 3, -1, -2, -10, 10, 2.5, ...big]) cases.push(c('byte', s, i, j), c('sub', s, i, j));
    }
  }
  cases.push(c('byte'), c('byte', 12.5, 1, -1), c('byte', 'abc', 'x'), c('byte', tableArg('bad')), c('sub', 'abc'), c('sub', 'abc', 'x'), c('sub', 'abc', 1, tableArg('bad')));
  cases.push(c('byte', 'x'.repeat(7997), 1, -1), c('byte', 'x'.repeat(7998), 1, -1), c('byte', 'x'.repeat(7996), 1, -1, 0));
  // char
  cases.push(c('char'), c('char', 65), c('char', 0, 255, 65.9, '66'), c('char', 256), c('char', -1), c('char', 2 ** 32 + 65), c('char', 65, 'x'), c('char', 65, undefined), c('char', NaN), c('char', 1e100));
  // rep, len, reverse, upper, lower
  for (const n of [-1, 0, 1, 3, 2.9, 2 ** 32 + 2, NaN, 1e100, '2', 'x', undefined]) cases.push(c('rep', 'ab', n), c('rep', '', n));
  cases.push(c('rep'), c('rep', 1.5, 2), c('len', 'a\0b'), c('len', 123), c('len', 1e15), c('len', -0), c('len'), c('len', true));
  const bytes = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  cases.push(c('upper', bytes), c('lower', bytes), c('reverse', bytes), c('reverse', ''), c('upper', 1.5), c('lower'), c('reverse', 0 / 0));
  // dump
  // (dump of a Lua function returns bytecode in lua5.1: not comparable; see string-lib.ts.)
  cases.push(c('dump'), c('dump', 'x'), c('dump', 1));
  // find / match: init, plain, specials, anchors, captures, errors.
  for (const init of [undefined, 1, 2, 0, -1, -2, -10, 3, 4, 5, 10, 1.9, -1.5, 2 ** 32 + 1, NaN, '2', 'x']) {
    for (const [s, p] of [['abc', 'b'], ['abc', ''], ['abcabc', 'bc'], ['a.b', '.'], ['a+b', '+'], ['abc', '^b'], ['abc', '^a'], ['abc', 'c$'], ['aaa', 'a-'], ['abc', '()']]) {
      cases.push(c('find', s, p, init), c('match', s, p, init), c('find', s, p, init, true), c('find', s, p, init, 1));
    }
  }
  const patterns = [
    '[a', '[', '[]', '[^]', '[]]', '[^]]', '[a^]+', '[%', '[%a', '[a-]+', '[b-]+', '[-b]+', '[%a-z]+', '[z-a]', '[%]]', '[a%]]+',
    '%', '%f', '%fa', '%f[%a]%a+', '%f[%z]', '%f[^%z]', '%f[%w]', '%b', '%ba', '%b()', '%bXX', '%b((', '(', ')', 'a)', '(a)%2', '(a%1)', '%1', '%0',
    '(a)%1', '()%1', '((a)(b))', '(a)()', '(a)(b)(c)', '(()a())', '^(.-)%s*$', '^%s*(.-)%s*$', 'x[', 'a[', 'x%', 'a%1', 'a\0b', 'a\0.', '%z', '[%z]', '.%zb',
    'b$c', 'b^c', 'a-$', '$', '^$', '^', '.-', '.*', '.+', '.?', 'a*', 'a+', 'a-b', 'a?b', '%a+', '%A+', '%d%d', '%D', '%l%u', '%L', '%p+', '%P', '%s', '%S+', '%w+', '%W', '%x+', '%X',
    '%c', '%C', '%.', '%%', '%(', '%g', '%Z', '[%w_]+', '[^%s]+', '[%d.]+', '[a-c-e]+', '[%-]', '(h)(e)(l)(l)(o)', '(%w+)=(%w+)', '%((%w+)%)', 'X(.-)X',
    '(a?)+', '(a*)*', 'a**', 'a+?', 'a?+', '(%)', '%b%(%)',
  ];
  const subjects = ['', 'abc', 'aXbXc', 'THE (quick) fox', 'hello world', 'k=v, x=y', 'a\0b', 'x\0', '((a)(b))', '(', 'a]c', 'a^c', 'a-c', 'ab$c', 'ab^c', '  pad  ', 'a.b', 'aab', 'a%b', '\xff\x80 z', 'a_b1 2.5'];
  for (const p of patterns) for (const s of subjects) cases.push(c('find', s, p), c('match', s, p), c('gmatch', s, p), c('gsub', s, p, '<%0>'));
  cases.push(c('find', 'x'.repeat(40), '(a)'.repeat(33)), c('find', 'a'.repeat(40), '(a)'.repeat(33)), c('find', 'a'.repeat(40), '(a)'.repeat(32)), c('match', 'a'.repeat(40), '()'.repeat(33)));
  cases.push(c('find', 'a'.repeat(10), 'a*'.repeat(20000)), c('find', 'a'.repeat(10), 'a?'.repeat(20000)), c('match', 'a'.repeat(120), '(a-)'.repeat(3) + 'b'), c('match', 'a'.repeat(300), '(a-)'.repeat(3) + '$'));
  cases.push(c('find'), c('find', 'a'), c('find', tableArg('bad'), 'a'), c('match', 'a', 1), c('find', 123, 2), c('find', 'a', 'a', tableArg('bad')));
  // gmatch
  for (const [s, p] of [['abc', ''], ['a^abc', '^a'], ['abc', 'b*'], ['k=v, x=y', '(%w+)=(%w+)'], ['abc', '()'], ['one two', '%a+'], ['', ''], ['', 'x']]) cases.push(c('gmatch', s, p));
  cases.push(c('gmatch', 'abc'), c('gmatch', 5, 5), c('gmatch', 'abc', '('), c('gmatch', 'abc', '[a'));
  // gsub: templates, callbacks, tables, counts.
  const templates = ['-', '%0', '%1', '%2', '%9', '%', 'x%', '%x', '%%', '%1%0%%', '[%1|%2]', '%0%0', '', 'a\0b'];
  for (const [s, p] of [['hello world', 'o'], ['hello world', '(o)'], ['hello world', ''], ['hello', 'l*'], ['abc', '%w*'], ['abc', 'b*'], ['abc', '(a)(b)'], ['abc', '()'], ['abc', '^a*'], ['aaa', '^a'], ['abc', '(a)()'], ['abc', 'x']]) {
    for (const r of templates) cases.push(c('gsub', s, p, r));
    for (const f of ['upper1', 'join', 'none', 'false_', 'third', 'table_', 'true_', 'len']) cases.push(c('gsub', s, p, fnArg(f)));
    for (const tb of ['map', 'meta', 'chain', 'bad']) cases.push(c('gsub', s, p, tableArg(tb)));
    cases.push(c('gsub', s, p, 1), c('gsub', s, p, 2.5), c('gsub', s, p, undefined), c('gsub', s, p), c('gsub', s, p, true));
  }
  for (const n of [undefined, -1, 0, 1, 2, 2.7, 100, 2 ** 32 + 2, NaN, 'x', '1']) cases.push(c('gsub', 'abc', '', 'x', n), c('gsub', 'aaaa', 'a', 'b', n));
  cases.push(c('gsub', 'aaaa', 'a', undefined, 'x'), c('gsub', 'aaaa', tableArg('bad'), undefined, 'x'), c('gsub'), c('gsub', 'abc', '(', 'x'), c('gsub', 'abc', 'a(', fnArg('join')), c('gsub', 'abc', 'a(', tableArg('map')));
  cases.push(c('gsub', 'abc', '%w', '%2'), c('gsub', 'abc', '(a)', '%2'), c('gsub', 'abc', '.', tableArg('chain')), c('gsub', 'ab1', '%d', tableArg('map')), c('gsub', 'x x', '()x', tableArg('map')));
  return cases;
}

/** A random pattern from a grammar of 5.1's items (mostly well formed). */
function randomPattern(random: () => number, depth = 0): string {
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const singles = ['a', 'b', 'x', '.', '%a', '%d', '%s', '%w', '%p', '%l', '%u', '%x', '%c', '%z', '%A', '%S', '%W', '%.', '%%', '%(', '%]', ' ', '\0', '\xff', '^', '$', ']', '-'];
  const setItem = (): string => pick(['a', 'b', 'a-c', 'x-z', '%a', '%d', '%s', '%W', ']', '^', '-', '%]', '%-', '.', '\0', '\xfe']);
  const single = (): string => {
    if (random() < 0.2) {
      let set = '[' + (random() < 0.3 ? '^' : '');
      for (let k = 1 + int(3); k > 0; k--) set += setItem();
      return set + (random() < 0.97 ? ']' : '');
    }
    return pick(singles);
  };
  let out = depth === 0 && random() < 0.2 ? '^' : '';
  for (let items = 1 + int(4); items > 0; items--) {
    const r = random();
    if (r < 0.6) out += single() + pick(['', '', '', '*', '+', '-', '?']);
    else if (r < 0.72 && depth < 2) out += '(' + randomPattern(random, depth + 1) + (random() < 0.95 ? ')' : '');
    else if (r < 0.76) out += '()';
    else if (r < 0.82) out += '%' + pick(['1', '2', '3', '0']);
    else if (r < 0.88) out += pick(['%b()', '%bab', '%b((', '%b', '%ba']);
    else if (r < 0.94) out += '%f[' + setItem() + ']' + (random() < 0.05 ? '' : '');
    else out += pick(['%', '%f', '[', ')', '$', '%fa']);
  }
  if (depth === 0 && random() < 0.15) out += '$';
  return out;
}

function randomSubject(random: () => number): string {
  const alphabet = 'aaabbx()%-^$] .\0\n1AB\xff';
  let s = '';
  for (let k = Math.floor(random() * 12); k > 0; k--) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

function randomCases(random: () => number, count: number): Case[] {
  const int = (n: number): number => Math.floor(random() * n);
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const s = randomSubject(random);
    const p = randomPattern(random);
    const kind = int(6);
    const init = random() < 0.5 ? undefined : int(31) - 15;
    if (kind === 0) cases.push(c('find', s, p, init));
    else if (kind === 1) cases.push(c('find', s, p, init, random() < 0.5));
    else if (kind === 2) cases.push(c('match', s, p, init));
    else if (kind === 3) cases.push(c('gmatch', s, p));
    else {
      const replacements: Arg[] = ['<%0>', '%1', '[%2%1]', '%%', '%', 'x', '%3', fnArg('join'), fnArg('none'), fnArg('upper1'), tableArg('map'), tableArg('meta'), 7];
      cases.push(c('gsub', s, p, replacements[int(replacements.length)], random() < 0.7 ? undefined : int(6) - 1));
    }
  }
  return cases;
}

t.test('library shape', async (t) => {
  const library = openStringLib();
  const names: string[] = [];
  for (let key = library.next(undefined); key !== undefined; key = library.next(key[0])) names.push(key[0] as string);
  // lua5.1: for k in pairs(string) do io.write(k, " ") end
  t.same(names, 'sub upper len gfind rep find match char dump gmatch reverse byte format gsub lower'.split(' '), 'pairs order as in lua5.1');
  t.equal(library.getStr('gfind'), library.getStr('gmatch'), 'gfind is gmatch');
});

t.test('errors go through rt.error, so the VM adds the position', async (t) => {
  const library = openStringLib();
  const rt = new TestRuntime();
  const raised = (fn: string, args: LuaValue[]): LuaError | undefined => {
    try {
      (library.getStr(fn) as NativeFunction).body(rt, args);
    } catch (err) {
      if (err instanceof LuaError) return err;
      throw err;
    }
    return undefined;
  };
  const patternError = raised('find', ['abc', '[a']);
  t.equal(patternError?.value, "malformed pattern (missing ']')");
  t.ok(patternError?.needsPosition);
  const argumentError = raised('rep', ['x']);
  t.equal(argumentError?.value, "bad argument #2 to 'rep' (number expected, got no value)");
  t.ok(argumentError?.needsPosition);
  t.equal(rt.positionedErrors, 2);
});

t.test('deep patterns do not overflow the JS stack', async (t) => {
  const library = openStringLib();
  const rt = new TestRuntime();
  const find = library.getStr('find') as NativeFunction;
  t.same(find.body(rt, ['a'.repeat(10), 'a*'.repeat(200000)]), [1, 10]);
  t.same(find.body(rt, ['a'.repeat(100000), '(a-)b?'.repeat(3) + '$']), [1, 100000, '', '', 'a'.repeat(100000)]);
  const gsub = library.getStr('gsub') as NativeFunction;
  const [result, count] = gsub.body(rt, ['ab'.repeat(50000), '%w', '%0%0']) as [LuaValue, LuaValue];
  t.equal((result as string).length, 200000);
  t.equal(count, 100000);
});

t.test('differential against lua5.1', async (t) => {
  if (LUA51 === undefined) {
    t.plan(0, 'lua5.1 is not installed');
    return;
  }
  const seed = testSeed();
  t.comment(`seed ${seed} (SEED=${seed} replays)`);
  const random = seededFloats(seed);
  const library: LuaTable = openStringLib();
  const run = (name: string, cases: Case[]): void => {
    const expected = runCasesInLua(cases);
    const actual = runCasesInTs(cases, library);
    const { failures, report } = compareLines(cases, expected, actual);
    t.equal(failures, 0, `${name}: ${cases.length - failures} of ${cases.length} cases agree`, { diff: report.join('\n') });
  };
  run('hand-written cases', handCases());
  run('random patterns', randomCases(random, 60000));
});
