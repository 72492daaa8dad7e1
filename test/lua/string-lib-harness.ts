/**
 * Differential testing of library calls against lua5.1, for numbers.test.ts and the string
 * library tests.
 *
 * A case is a call: a function of the string library (or a test wrapper such as gmatch's,
 * which drains the iterator) and its arguments. All cases of a run go to one lua5.1 process as
 * a data file, one case per line with every argument encoded (strings as hex, numbers as text
 * that tonumber reads back exactly); the Lua driver calls each under pcall and prints one line
 * per case: "OK" and the results, or "ERR" and the message (hex) without the "W:n: " position
 * that luaL_error adds. The same calls run on the TypeScript library through a minimal
 * LuaRuntime, and the lines must be equal. Numbers are compared as values: Lua prints them
 * with %.17g (exact), and both sides are turned into one canonical text (JS's shortest form,
 * "-0", "nan" / "-nan" by the sign bit).
 *
 * Callbacks (gsub with a function or a table) are fixtures defined on both sides by name.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { numberToString } from '../../server/scripting/lua/numbers';
import { LuaTable } from '../../server/scripting/lua/table';
import { LuaError, LuaFunction, NativeFunction, luaType, type LuaRuntime, type LuaValue } from '../../server/scripting/lua/values';

export const LUA51 = ['/usr/bin/lua5.1', '/usr/bin/lua51'].find((p) => fs.existsSync(p));


/** A seed from the environment (SEED=n) or the clock; tests print it so failures replay. */
export function testSeed(): number {
  const fromEnv = Number(process.env['SEED']);
  return Number.isInteger(fromEnv) && process.env['SEED'] !== undefined ? fromEnv : Date.now() % 1000000007;
}

export function hex(s: string): string {
  return Buffer.from(s, 'latin1').toString('hex');
}

export function unhex(h: string): string {
  return Buffer.from(h, 'hex').toString('latin1');
}

const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);

/** A number as one exact, comparable text (NaN by its sign bit). */
export function canonicalNumber(x: number): string {
  if (Number.isNaN(x)) {
    scratch[0] = x;
    return (scratchWords[1]! & 0x80000000) !== 0 ? '-nan' : 'nan';
  }
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/** lua5.1's %.17g (or tonumber-readable text) back to a canonical text. */
export function canonicalFromLua(text: string): string {
  if (text === 'nan' || text === '-nan' || text === 'inf' || text === '-inf' || text === '-0') return text;
  return canonicalNumber(Number(text));
}

/** An argument of a case: Lua values, plus named fixtures. */
export type Arg = string | number | boolean | undefined | { fn: string } | { table: string };

export interface Case {
  fn: string;
  args: Arg[];
}

function encodeArg(arg: Arg): string {
  if (arg === undefined) return 'nil';
  if (typeof arg === 'string') return 's:' + hex(arg);
  if (typeof arg === 'number') return 'n:' + canonicalNumber(arg);
  if (typeof arg === 'boolean') return arg ? 'b:1' : 'b:0';
  if ('fn' in arg) return 'f:' + arg.fn;
  return 't:' + arg.table;
}

export function describeCase(c: Case): string {
  const show = (arg: Arg): string => {
    if (typeof arg === 'string') return JSON.stringify(arg);
    if (typeof arg === 'number') return canonicalNumber(arg);
    if (arg === undefined) return 'nil';
    if (typeof arg === 'boolean') return String(arg);
    return 'fn' in arg ? `<fn ${arg.fn}>` : `<table ${arg.table}>`;
  };
  return `string.${c.fn}(${c.args.map(show).join(', ')})`;
}

// ---- the Lua side -------------------------------------------------------------------------------

const WRAPPED = ['byte', 'char', 'dump', 'find', 'format', 'gsub', 'len', 'lower', 'match', 'rep', 'reverse', 'sub', 'upper'];

const LUA_DRIVER = `
local W = assert(loadstring(${JSON.stringify(
  [
    'local W = {}',
    ...WRAPPED.map((name) => `W.${name} = function(...) return string.${name}(...) end`),
    'W.gmatch = function(...) local it = string.gmatch(...) local out = {} for k = 1, 60 do local r = {it()} if #r == 0 then break end for i = 1, #r do out[#out + 1] = r[i] end out[#out + 1] = "|" end return unpack(out) end',
    'W.tostring = function(...) return tostring(...) end',
    'W.tonumber = function(...) return tonumber(...) end',
    'return W',
  ].join('\n'),
)}, '=W'))()
local F = {
  upper1 = function(a) return type(a) == 'string' and a:upper() or a end,
  join = function(...) local t = {...} for i = 1, select('#', ...) do t[i] = tostring(t[i]) end return '<' .. table.concat(t, ',') .. '>' end,
  none = function() end,
  false_ = function() return false end,
  third = function() return 1/3 end,
  table_ = function() return {} end,
  true_ = function() return true end,
  len = function(a) return #tostring(a) end,
}
local T = {
  map = {a = '1', b = false, c = 2.5, ['1'] = 'one', [1] = 'pos1', x = 'X'},
  meta = setmetatable({x = 'X'}, {__index = function(t, k) return '<' .. tostring(k) .. '>' end}),
  chain = setmetatable({}, {__index = {a = 'A', b = true, c = 'C'}}),
  bad = {a = {}, b = 'B'},
}
local function unhex(h) return (h:gsub('%x%x', function(x) return string.char(tonumber(x, 16)) end)) end
local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end
local function decode(field)
  local tag, rest = field:sub(1, 1), field:sub(3)
  if field == 'nil' then return nil end
  if tag == 's' then return unhex(rest) end
  if tag == 'n' then return tonumber(rest) end
  if tag == 'b' then return rest == '1' end
  if tag == 'f' then return F[rest] end
  if tag == 't' then return T[rest] end
  error('bad field ' .. field)
end
local function ser(v)
  local kind = type(v)
  if kind == 'nil' then return 'nil' end
  if kind == 'string' then return 's:' .. hex(v) end
  if kind == 'number' then return 'n:' .. string.format('%.17g', v) end
  if kind == 'boolean' then return 'b:' .. tostring(v) end
  return 't:' .. kind
end
local function pack(...) return select('#', ...), {...} end
local out = {}
for line in io.lines(arg[1]) do
  local fields = {}
  for field in line:gmatch('[^ ]+') do fields[#fields + 1] = field end
  local name, count = fields[1], tonumber(fields[2])
  local args = {}
  for i = 1, count do args[i] = decode(fields[i + 2]) end
  local n, results = pack(pcall(W[name], unpack(args, 1, count)))
  if results[1] then
    local parts = {'OK'}
    for i = 2, n do parts[#parts + 1] = ser(results[i]) end
    out[#out + 1] = table.concat(parts, ' ')
  else
    local message = results[2]
    if type(message) == 'string' then message = message:gsub('^W:%d+: ', '') end
    out[#out + 1] = 'ERR ' .. hex(tostring(message))
  end
  if #out >= 2000 then io.write(table.concat(out, '\\n'), '\\n') out = {} end
end
if #out > 0 then io.write(table.concat(out, '\\n'), '\\n') end
`;

/** Runs the cases in lua5.1: one result line per case. */
export function runCasesInLua(cases: Case[]): string[] {
  if (LUA51 === undefined) throw new Error('lua5.1 is not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-strlib-'));
  try {
    const driver = path.join(dir, 'driver.lua');
    const input = path.join(dir, 'cases.txt');
    fs.writeFileSync(driver, LUA_DRIVER);
    fs.writeFileSync(input, cases.map((c) => [c.fn, c.args.length, ...c.args.map(encodeArg)].join(' ')).join('\n') + '\n');
    const output = execFileSync(LUA51, [driver, input], { maxBuffer: 1 << 30, timeout: 600_000 }).toString('latin1');
    const lines = output.split('\n');
    lines.pop();
    return lines.map((line) => line.replace(/ n:(\S+)/g, (_all, text: string) => ' n:' + canonicalFromLua(text)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the TypeScript side ------------------------------------------------------------------------

/** A LuaRuntime with just what library functions need, for tests without a VM. */
export class TestRuntime implements LuaRuntime {
  /** Errors raised through error(): the VM would add a position to these. */
  positionedErrors = 0;

  call(fn: LuaValue, args: LuaValue[]): LuaValue[] {
    if (fn instanceof NativeFunction) return fn.body(this, args);
    throw new LuaError(`attempt to call a ${luaType(fn)} value`, true);
  }

  tostring(value: LuaValue): string {
    if (typeof value === 'number') return numberToString(value);
    if (typeof value === 'string') return value;
    if (value === undefined || typeof value === 'boolean') return String(value ?? 'nil');
    return `${luaType(value)}: 0x${value.id.toString(16).padStart(8, '0')}`;
  }

  lessThan(a: LuaValue, b: LuaValue): boolean {
    if (typeof a === 'number' && typeof b === 'number') return a < b;
    if (typeof a === 'string' && typeof b === 'string') return a < b;
    throw new LuaError('attempt to compare', true);
  }

  error(message: string): never {
    this.positionedErrors++;
    throw new LuaError(message, true);
  }

  getMetatable(value: LuaValue): LuaTable | null {
    return value instanceof LuaTable ? value.metatable : null;
  }
}

function native(name: string, body: (rt: LuaRuntime, args: LuaValue[]) => LuaValue[]): NativeFunction {
  return new NativeFunction(name, body);
}

function tableOf(entries: [LuaValue, LuaValue][]): LuaTable {
  const table = new LuaTable();
  for (const [k, v] of entries) table.set(k, v);
  return table;
}

/** The same fixtures as the Lua driver's F and T. */
export function fixtures(): { functions: Map<string, LuaFunction>; tables: Map<string, LuaTable> } {
  const functions = new Map<string, LuaFunction>([
    ['upper1', native('upper1', (_rt, args) => [typeof args[0] === 'string' ? args[0].replace(/[a-z]+/g, (x) => x.toUpperCase()) : args[0]])],
    ['join', native('join', (rt, args) => ['<' + args.map((a) => rt.tostring(a)).join(',') + '>'])],
    ['none', native('none', () => [])],
    ['false_', native('false_', () => [false])],
    ['third', native('third', () => [1 / 3])],
    ['table_', native('table_', () => [new LuaTable()])],
    ['true_', native('true_', () => [true])],
    ['len', native('len', (rt, args) => [rt.tostring(args[0]).length])],
  ]);
  const meta = tableOf([['x', 'X']]);
  meta.metatable = tableOf([['__index', native('index', (rt, args) => ['<' + rt.tostring(args[1]) + '>'])]]);
  const chain = new LuaTable();
  chain.metatable = tableOf([['__index', tableOf([['a', 'A'], ['b', true], ['c', 'C']])]]);
  const tables = new Map<string, LuaTable>([
    ['map', tableOf([['a', '1'], ['b', false], ['c', 2.5], ['1', 'one'], [1, 'pos1'], ['x', 'X']])],
    ['meta', meta],
    ['chain', chain],
    ['bad', tableOf([['a', new LuaTable()], ['b', 'B']])],
  ]);
  return { functions, tables };
}

function serialize(value: LuaValue): string {
  if (value === undefined) return 'nil';
  if (typeof value === 'string') return 's:' + hex(value);
  if (typeof value === 'number') return 'n:' + canonicalNumber(value);
  if (typeof value === 'boolean') return 'b:' + String(value);
  return 't:' + luaType(value);
}

/**
 * Runs the cases on the TypeScript library: one line per case, as the Lua driver prints them.
 * `library` maps a function name to the native function (gmatch is drained like the driver).
 */
export function runCasesInTs(cases: Case[], library: LuaTable, rt: TestRuntime = new TestRuntime()): string[] {
  const { functions, tables } = fixtures();
  const fn = (name: string): NativeFunction => {
    const value = library.getStr(name);
    if (!(value instanceof NativeFunction)) throw new Error(`no function ${name}`);
    return value;
  };
  const decode = (arg: Arg): LuaValue => {
    if (arg === undefined || typeof arg !== 'object') return arg;
    return 'fn' in arg ? functions.get(arg.fn) : tables.get(arg.table);
  };
  return cases.map((c) => {
    const args = c.args.map(decode);
    try {
      let results: LuaValue[];
      if (c.fn === 'gmatch') {
        const iterator = fn('gmatch').body(rt, args)[0];
        results = [];
        for (let k = 0; k < 60; k++) {
          const r = rt.call(iterator, []);
          if (r.length === 0 || r[0] === undefined) break;
          results.push(...r, '|');
        }
      } else {
        results = fn(c.fn).body(rt, args);
      }
      return ['OK', ...results.map(serialize)].join(' ');
    } catch (err) {
      if (!(err instanceof LuaError)) throw err;
      return 'ERR ' + hex(typeof err.value === 'string' ? err.value : rt.tostring(err.value));
    }
  });
}

/** Line-by-line comparison: the number of mismatches and a report of the first few. */
export function compareLines(cases: Case[], expected: string[], actual: string[], limit = 25): { failures: number; report: string[] } {
  const report: string[] = [];
  let failures = 0;
  const decodeLine = (line: string | undefined): string =>
    (line ?? '<missing>').replace(/(s:|ERR )([0-9a-f]*)/g, (_all, tag: string, h: string) => tag + JSON.stringify(unhex(h)));
  for (let i = 0; i < cases.length; i++) {
    if (expected[i] === actual[i]) continue;
    failures++;
    if (report.length < limit) report.push(`${describeCase(cases[i]!)}\n  lua5.1: ${decodeLine(expected[i])}\n  ours:   ${decodeLine(actual[i])}`);
  }
  return { failures, report };
}
