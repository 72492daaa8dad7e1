/**
 * The table library against lua5.1. Each case (a table, a table.* call with its arguments, and
 * for sort/foreach a callback) is written out as Lua and also run on the TypeScript library
 * through a minimal test runtime (there is no VM in these tests: callbacks are NativeFunctions
 * implementing the same logic as the Lua text). Both sides print the results, the error if any,
 * the table afterwards (#t and next() order) and the log of callback calls; they must match.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { openTableLib } from '../../server/scripting/lua/table-lib';
import { LuaTable } from '../../server/scripting/lua/table';
import { toLuaString } from '../../server/scripting/lua/lib-args';
import { LuaError, LuaFunction, NativeFunction, luaType, type LuaRuntime, type LuaValue } from '../../server/scripting/lua/values';
import { seededFloats } from '../../storage/random';

const LUA = '/usr/bin/lua5.1';
/** The differential tests skip, with this reason, where lua5.1 is not installed. */
const NO_LUA = existsSync(LUA) ? false : 'lua5.1 is not installed';
const POSITION = 'POS: ';


/** A runtime good enough for library functions: no metatables, errors with a fixed position. */
class TestRuntime implements LuaRuntime {
  call(fn: LuaValue, args: LuaValue[]): LuaValue[] {
    if (fn instanceof NativeFunction) return fn.body(this, args);
    throw new LuaError(`attempt to call a ${luaType(fn)} value`);
  }
  tostring(value: LuaValue): string {
    return String(value);
  }
  lessThan(a: LuaValue, b: LuaValue): boolean {
    if (typeof a === 'number' && typeof b === 'number') return a < b;
    if (typeof a === 'string' && typeof b === 'string') return a < b;
    const ta = luaType(a);
    const tb = luaType(b);
    throw new LuaError(ta === tb ? `attempt to compare two ${ta} values` : `attempt to compare ${ta} with ${tb}`);
  }
  error(message: string): never {
    throw new LuaError(POSITION + message);
  }
  getMetatable(): LuaTable | null {
    return null;
  }
}

// ---- the cases -------------------------------------------------------------------------------

/** An element: a number, a string, a boolean, nil, or a record {k = key, id = id}. */
type Elem = number | string | boolean | null | { k: number; id: number };
type Callback = 'byKey' | 'byKeyDesc' | 'byKeyLE' | 'always' | 'never' | 'chaos' | 'numLess' | 'collect' | 'stopAt2' | 'returnFalse';
type Arg = { kind: 'table' } | { kind: 'value'; value: Exclude<Elem, { k: number }> } | { kind: 'callback'; name: Callback } | { kind: 'other table' };

interface Case {
  /** t[key] = value, in order */
  entries: Array<[number | string, Elem]>;
  fn: 'insert' | 'remove' | 'concat' | 'sort' | 'getn' | 'maxn' | 'setn' | 'foreach' | 'foreachi';
  args: Arg[];
}

const CALLBACKS_LUA = `
local log, calls = {}, 0
local function key(v) if type(v) == 'table' then return v.k end return -1000 end
local F = {
  byKey = function(a, b) log[#log + 1] = fmt(a) .. '<' .. fmt(b) return key(a) < key(b) end,
  byKeyDesc = function(a, b) log[#log + 1] = fmt(a) .. '<' .. fmt(b) return key(a) > key(b) end,
  byKeyLE = function(a, b) log[#log + 1] = fmt(a) .. '<' .. fmt(b) return key(a) <= key(b) end,
  always = function(a, b) log[#log + 1] = fmt(a) .. '<' .. fmt(b) return true end,
  never = function(a, b) log[#log + 1] = fmt(a) .. '<' .. fmt(b) return false end,
  chaos = function(a, b) calls = calls + 1 log[#log + 1] = fmt(a) .. '<' .. fmt(b) if (calls * 7 + key(a) * 3 + key(b)) % 5 < 2 then return 1 end return nil end,
  numLess = function(a, b) log[#log + 1] = fmt(a) .. '<' .. fmt(b) if a == nil or b == nil then return false end return a < b end,
  collect = function(k, v) log[#log + 1] = fmt(k) .. '=' .. fmt(v) end,
  stopAt2 = function(k, v) log[#log + 1] = fmt(k) .. '=' .. fmt(v) if k == 2 then return 'stop' end end,
  returnFalse = function(k, v) log[#log + 1] = fmt(k) .. '=' .. fmt(v) return false end,
}
`;

const PRELUDE = `
function fmt(v)
  local ty = type(v)
  if ty == 'string' then return '"' .. v .. '"' end
  if ty == 'table' then return 'T' .. tostring(v.id) end
  return tostring(v)
end
local function R(k, id) return {k = k, id = id} end
local function dump(t)
  local out = {'#' .. #t}
  local k, v = next(t)
  while k ~= nil do out[#out + 1] = fmt(k) .. '=' .. fmt(v) k, v = next(t, k) end
  return table.concat(out, ' ')
end
local function show(ok, ...)
  if not ok then return 'error ' .. tostring((...)):gsub('^stdin:%d+: ', '${POSITION}') end
  local out = {'results ' .. select('#', ...)}
  for i = 1, select('#', ...) do out[#out + 1] = fmt((select(i, ...))) end
  return table.concat(out, ' ')
end
`;

function elemLua(e: Elem): string {
  if (e === null) return 'nil';
  if (typeof e === 'object') return `R(${e.k}, ${e.id})`;
  if (typeof e === 'string') return JSON.stringify(e);
  return String(e);
}

function caseLua(c: Case): string {
  const lines = ['do', CALLBACKS_LUA, 'local t, other = {}, {}'];
  for (const [key, value] of c.entries) lines.push(`t[${elemLua(key)}] = ${elemLua(value)}`);
  const args = c.args.map((arg) => (arg.kind === 'table' ? 't' : arg.kind === 'other table' ? 'other' : arg.kind === 'callback' ? `F.${arg.name}` : elemLua(arg.value)));
  lines.push(`local args = {${args.join(', ')}}`);
  lines.push(`print(show(pcall(function() return table.${c.fn}(unpack(args, 1, ${args.length})) end)))`);
  lines.push('print(dump(t))', "print('log ' .. table.concat(log, ' '))", 'end');
  return lines.join('\n');
}

function record(k: number, id: number): LuaTable {
  const table = new LuaTable();
  table.setStr('k', k);
  table.setStr('id', id);
  return table;
}

function fmt(v: LuaValue): string {
  if (typeof v === 'string') return `"${v}"`;
  if (v instanceof LuaTable) return `T${String(v.getStr('id'))}`;
  if (v instanceof LuaFunction) return 'function';
  if (typeof v === 'number') return toLuaString(v) ?? '';
  return v === undefined ? 'nil' : String(v);
}

function callbacks(log: string[]): Record<Callback, NativeFunction> {
  let calls = 0;
  const key = (v: LuaValue): number => (v instanceof LuaTable ? (v.getStr('k') as number) : -1000);
  const compare = (name: string, test: (a: LuaValue, b: LuaValue, rt: LuaRuntime) => LuaValue) =>
    new NativeFunction(name, (rt, [a, b]) => {
      log.push(`${fmt(a)}<${fmt(b)}`);
      return [test(a, b, rt)];
    });
  const visit = (name: string, result: (k: LuaValue) => LuaValue) =>
    new NativeFunction(name, (_rt, [k, v]) => {
      log.push(`${fmt(k)}=${fmt(v)}`);
      const r = result(k);
      return r === undefined ? [] : [r];
    });
  return {
    byKey: compare('byKey', (a, b) => key(a) < key(b)),
    byKeyDesc: compare('byKeyDesc', (a, b) => key(a) > key(b)),
    byKeyLE: compare('byKeyLE', (a, b) => key(a) <= key(b)),
    always: compare('always', () => true),
    never: compare('never', () => false),
    chaos: compare('chaos', (a, b) => {
      calls++;
      return (((calls * 7 + key(a) * 3 + key(b)) % 5) + 5) % 5 < 2 ? 1 : undefined;
    }),
    numLess: compare('numLess', (a, b, rt) => {
      if (a === undefined || b === undefined) return false;
      try {
        return rt.lessThan(a, b);
      } catch (error) {
        // `a < b` inside a Lua function: the error carries that function's position.
        throw error instanceof LuaError ? new LuaError(POSITION + String(error.value)) : error;
      }
    }),
    collect: visit('collect', () => undefined),
    stopAt2: visit('stopAt2', (k) => (k === 2 ? 'stop' : undefined)),
    returnFalse: visit('returnFalse', () => false),
  };
}

/** What caseLua prints, computed with the TypeScript library. */
function caseTs(c: Case, lib: LuaTable): string {
  const rt = new TestRuntime();
  const log: string[] = [];
  const named = callbacks(log);
  const table = new LuaTable();
  const other = new LuaTable();
  const value = (e: Elem): LuaValue => (e === null ? undefined : typeof e === 'object' ? record(e.k, e.id) : e);
  for (const [key, element] of c.entries) table.set(key, value(element));
  const args = c.args.map((arg): LuaValue => (arg.kind === 'table' ? table : arg.kind === 'other table' ? other : arg.kind === 'callback' ? named[arg.name] : value(arg.value)));
  let shown: string;
  try {
    const results = rt.call(lib.getStr(c.fn), args);
    shown = [`results ${results.length}`, ...results.map(fmt)].join(' ');
  } catch (error) {
    if (!(error instanceof LuaError)) throw error;
    shown = `error ${String(error.value)}`;
  }
  const dump = [`#${table.length()}`];
  for (let entry = table.next(undefined); entry !== undefined; entry = table.next(entry[0])) dump.push(`${fmt(entry[0])}=${fmt(entry[1])}`);
  return [shown, dump.join(' '), `log ${log.join(' ')}`].join('\n');
}

// ---- generation --------------------------------------------------------------------------------

class CaseGenerator {
  private readonly random: () => number;
  constructor(seed: number) {
    this.random = seededFloats(seed);
  }
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(list: T[]): T {
    return list[this.int(list.length)] as T;
  }
  scalar(): Exclude<Elem, { k: number }> {
    const r = this.random();
    if (r < 0.5) return this.int(100);
    if (r < 0.8) return this.pick(['a', 'b', 'xy', '', '10', 'zz']);
    if (r < 0.9) return this.pick([2.5, -3, 1e15, 1 / 4, 123456789012]);
    return this.pick([true, false, null]);
  }
  /** An array 1..n, sometimes with holes and some hash entries. */
  entries(element: () => Elem, maxLength: number): Array<[number | string, Elem]> {
    const n = this.int(maxLength + 1);
    const entries: Array<[number | string, Elem]> = [];
    const holes = this.random() < 0.3;
    for (let i = 1; i <= n; i++) entries.push([i, holes && this.random() < 0.15 ? null : element()]);
    if (this.random() < 0.3) entries.push(['x', element()]);
    if (this.random() < 0.2) entries.push([n + 2 + this.int(3), element()]);
    if (this.random() < 0.2) entries.push([this.pick([0, -1, 2.5, 1000]), element()]);
    return entries;
  }
  position(n: number): Arg {
    const r = this.random();
    if (r < 0.7) return { kind: 'value', value: this.int(n + 4) - 1 };
    if (r < 0.8) return { kind: 'value', value: this.pick([1.9, -0.5, 2.2]) };
    if (r < 0.9) return { kind: 'value', value: this.pick(['2', ' 3 ', '0x2', '1e0', 'abc', '']) };
    return { kind: 'value', value: this.pick([null, true]) };
  }
  case(): Case {
    const fn = this.pick<Case['fn']>(['insert', 'insert', 'remove', 'remove', 'concat', 'concat', 'sort', 'sort', 'sort', 'getn', 'maxn', 'setn', 'foreach', 'foreachi']);
    const badTable = this.random() < 0.05;
    const tableArg: Arg = badTable ? { kind: 'value', value: this.pick([null, 1, 'str']) } : { kind: 'table' };
    if (fn === 'sort') {
      const r = this.random();
      if (r < 0.6) {
        let id = 0;
        const range = this.pick([2, 3, 5, 10, 1000]);
        const entries = this.entries(() => ({ k: this.int(range), id: ++id }), this.pick([3, 10, 40, 150]));
        const comparator = this.pick<Callback>(['byKey', 'byKey', 'byKeyDesc', 'byKeyLE', 'always', 'never', 'chaos', 'chaos']);
        return { entries, fn, args: [tableArg, { kind: 'callback', name: comparator }] };
      }
      const numbers = r < 0.85;
      const entries = this.entries(() => (numbers ? this.int(50) : this.pick(['a', 'b', 'c', 'ab', 'B', ''])), this.pick([3, 10, 60]));
      if (this.random() < 0.1) entries.push([1, this.pick<Elem>([true, 'q', 7])]);
      const args: Arg[] = [tableArg];
      if (numbers && this.random() < 0.4) args.push({ kind: 'callback', name: 'numLess' });
      else if (this.random() < 0.1) args.push({ kind: 'value', value: this.pick([null, 3]) });
      return { entries: entries.filter(([, v]) => v !== null || this.random() < 0.5), fn, args };
    }
    const entries = this.entries(() => this.scalar(), this.pick([0, 3, 8, 20]));
    const n = entries.length;
    const args: Arg[] = [tableArg];
    switch (fn) {
      case 'insert': {
        const count = this.pick([1, 2, 2, 2, 3, 3, 3, 4]);
        if (count >= 3) args.push(this.position(n));
        for (let i = args.length; i < count; i++) args.push({ kind: 'value', value: this.scalar() });
        break;
      }
      case 'remove':
        if (this.random() < 0.7) args.push(this.position(n));
        break;
      case 'concat': {
        const count = this.int(4);
        const params: Arg[] = [
          { kind: 'value', value: this.pick([', ', '', '-', 3, null]) },
          this.position(n),
          this.position(n),
        ];
        if (this.random() < 0.05) params[0] = { kind: 'other table' };
        args.push(...params.slice(0, count));
        break;
      }
      case 'foreach':
      case 'foreachi':
        if (this.random() < 0.9) args.push({ kind: 'callback', name: this.pick<Callback>(['collect', 'stopAt2', 'returnFalse']) });
        else args.push({ kind: 'value', value: this.pick([null, 5]) });
        break;
      case 'setn':
        if (this.random() < 0.5) args.push({ kind: 'value', value: 3 });
        break;
      default:
        break;
    }
    return { entries, fn, args };
  }
}

function runLua(source: string): string {
  return execFileSync(LUA, ['-'], { input: source, encoding: 'latin1', maxBuffer: 1 << 28 });
}

{
  t.test('random table.* calls match lua5.1', { skip: NO_LUA }, async (t) => {
    const lib = openTableLib();
    const seeds = 8;
    const outcomes = new Map<string, number>();
    for (let seed = 1; seed <= seeds; seed++) {
      const generator = new CaseGenerator(seed);
      const cases = Array.from({ length: 250 }, () => generator.case());
      const expected = runLua(PRELUDE + cases.map(caseLua).join('\n') + '\n').split('\n');
      let failures = 0;
      cases.forEach((c, i) => {
        const actual = caseTs(c, lib);
        const wanted = expected.slice(i * 3, i * 3 + 3).join('\n');
        const outcome = `${c.fn}: ${(expected[i * 3] ?? '').replace(/\(.*|results .*/, (m) => (m.startsWith('results') ? 'ok' : ''))}`;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (actual !== wanted && failures++ < 3) t.equal(actual, wanted, `seed ${seed} case ${i}: table.${c.fn}\n${caseLua(c)}`);
      });
      t.equal(failures, 0, `seed ${seed}: ${cases.length} cases`);
    }
    t.comment([...outcomes.entries()].sort().map(([outcome, count]) => `${count} × ${outcome}`).join('\n'));
  });

  t.test('pairs(table) walks the library in the order lua5.1 does', { skip: NO_LUA }, async (t) => {
    const expected = runLua("local out = {} for k in pairs(table) do out[#out + 1] = k end print(table.concat(out, ' '))\n").trim();
    const names: string[] = [];
    const lib = openTableLib();
    for (let entry = lib.next(undefined); entry !== undefined; entry = lib.next(entry[0])) names.push(String(entry[0]));
    t.equal(names.join(' '), expected);
  });
}

t.test('messages and corner cases', async (t) => {
  const lib = openTableLib();
  const rt = new TestRuntime();
  const call = (name: string, ...args: LuaValue[]): LuaValue[] => rt.call(lib.getStr(name), args);
  const fails = (name: string, args: LuaValue[], message: string): void => {
    t.throws(() => rt.call(lib.getStr(name), args), new LuaError(message), `${name}: ${message}`);
  };
  fails('insert', [undefined, 1], `${POSITION}bad argument #1 to 'insert' (table expected, got nil)`);
  fails('insert', [], `${POSITION}bad argument #1 to 'insert' (table expected, got no value)`);
  fails('insert', [new LuaTable(), 1, 2, 3], `${POSITION}wrong number of arguments to 'insert'`);
  fails('concat', [new LuaTable(), new LuaTable()], `${POSITION}bad argument #2 to 'concat' (string expected, got table)`);
  fails('setn', [new LuaTable(), 1], `${POSITION}'setn' is obsolete`);
  const list = new LuaTable();
  list.setInt(1, 'a');
  list.setInt(2, new LuaTable());
  fails('concat', [list], `${POSITION}invalid value (table) at index 2 in table for 'concat'`);
  t.same(call('concat', list, ', ', 1, 1), ['a']);

  const numbers = new LuaTable();
  [1e15, 1 / 3, -0, Infinity, -Infinity, 2 ** 53, 0.1, 1e-5, 123456789012345, 1e100].forEach((n, i) => numbers.setInt(i + 1, n));
  t.same(call('concat', numbers, ' '), ['1e+15 0.33333333333333 -0 inf -inf 9.007199254741e+15 0.1 1e-05 1.2345678901234e+14 1e+100']);

  const readonly = new LuaTable();
  readonly.setInt(1, 2);
  readonly.setInt(2, 1);
  readonly.readonly = true;
  fails('insert', [readonly, 3], 'Attempt to modify a readonly table');
  fails('sort', [readonly], 'Attempt to modify a readonly table');
  t.same(call('remove', readonly, 5), [], 'remove out of range writes nothing');
  t.equal(readonly.getInt(1), 2);

  const big = new LuaTable();
  for (let i = 1; i <= 2000; i++) big.setInt(i, (i * 7919) % 2003);
  call('sort', big);
  let sorted = true;
  for (let i = 1; i < 2000; i++) if ((big.getInt(i) as number) > (big.getInt(i + 1) as number)) sorted = false;
  t.ok(sorted, 'a large array sorts');
});

t.test('argument conversions', async (t) => {
  const lib = openTableLib();
  const rt = new TestRuntime();
  const list = (): LuaTable => {
    const table = new LuaTable();
    for (let i = 1; i <= 3; i++) table.setInt(i, i * 10);
    return table;
  };
  const positions: Array<[LuaValue, number]> = [
    [1.9, 1],
    [-0.5, 0],
    [' 2 ', 2],
    ['0x2', 2],
    ['2e0', 2],
    [2 ** 32 + 2, 2],
    [NaN, 0],
  ];
  for (const [position, expected] of positions) {
    const table = list();
    const removed = rt.call(lib.getStr('remove'), [table, position]);
    const value = expected >= 1 && expected <= 3 ? expected * 10 : undefined;
    t.same(removed, value === undefined ? [] : [value], `remove at ${String(position)} removes position ${expected}`);
  }
  t.throws(() => rt.call(lib.getStr('remove'), [list(), '2x']), new LuaError(`${POSITION}bad argument #2 to 'remove' (number expected, got string)`));
});
