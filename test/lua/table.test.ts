/**
 * LuaTable against lua5.1: random sequences of table operations are written out as a Lua
 * script that prints, after every step, #t and the next() order of the keys (with values); the
 * same operations are replayed on LuaTable and the printed lines must match exactly. Keys are
 * printed as ids from a key list, so neither side has to format numbers.
 *
 * To look at a failing seed's script: DUMP_SEED=<seed> writes it to /tmp/table-seed-<seed>.lua.
 */
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { LuaTable } from '../../server/scripting/lua/table';
import { LuaError, type LuaValue } from '../../server/scripting/lua/values';
import { seededFloats } from '../../storage/random';

const LUA = '/usr/bin/lua5.1';
/** The differential tests skip, with this reason, where lua5.1 is not installed. */
const NO_LUA = existsSync(LUA) ? false : 'lua5.1 is not installed';


type Key = number | string | boolean;

/** A key with its Lua source text. */
interface KeyDef {
  value: Key;
  lua: string;
}

type Item = { kind: 'positional'; value: number | null } | { kind: 'keyed'; key: KeyDef; value: number | null };

type Op =
  | { kind: 'set'; key: KeyDef; value: number | null }
  | { kind: 'probe'; key: KeyDef }
  /** t = { items..., unpack(SPREAD, 1, spread) } when spread is not null */
  | { kind: 'construct'; items: Item[]; spread: number | null };

/** SPREAD in the script: values 1..64 with holes, for `{unpack(SPREAD, 1, n)}`. */
const SPREAD: Array<number | null> = Array.from({ length: 64 }, (_, i) => (i % 7 === 3 || i % 11 === 5 ? null : 1000 + i));

function luaString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    out += code >= 97 && code <= 122 ? s[i] : `\\${code}`;
  }
  return out + '"';
}

function numberKey(n: number): KeyDef {
  return { value: n, lua: Object.is(n, -0) ? '-0' : n < 0 ? `(${String(n)})` : String(n) };
}

class Generator {
  private readonly random: () => number;
  private readonly strings: string[] = [];

  constructor(
    seed: number,
    /** Large tables: integer keys up to 600 and up to 300 strings. */
    private readonly wide = false,
  ) {
    this.random = seededFloats(seed);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz\0\xff\x80 ';
    const count = wide ? 300 : 6 + this.int(30);
    for (let i = 0; i < count; i++) {
      // Under 32 bytes: longer keys hash differently in Redis's Lua than in lua5.1 (table.ts);
      // redis-libs-cjson.test.ts compares long keys' order against redis-server instead.
      const length = this.pick([0, 1, 1, 2, 3, 4, 5, 8, 12, 20, 24, 31, 31, 30, 29, 28]);
      let s = '';
      for (let j = 0; j < length; j++) s += alphabet[this.int(this.random() < 0.9 ? 26 : alphabet.length)] as string;
      this.strings.push(s);
    }
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(list: T[]): T {
    return list[this.int(list.length)] as T;
  }

  key(): KeyDef {
    const r = this.random();
    if (r < 0.35) return numberKey(1 + this.int(this.pick(this.wide ? [64, 300, 600] : [4, 8, 16, 40, 70])));
    if (r < 0.45) return numberKey(this.pick([0, -0, -1, -2, 100, 128, 129, 1000, 2 ** 20, 2 ** 26, 2 ** 26 + 1, 2 ** 31, 2 ** 32 + 1, 2 ** 53, -(2 ** 40)]));
    if (r < 0.55) return numberKey(this.pick([0.5, 1.5, 2.5, -3.25, 1e100, -1e-300, 123.456, 2 ** -20, 3.75, 1 / 3, 5e-324]));
    if (r < 0.6) return { value: this.random() < 0.5, lua: '' };
    const s = this.pick(this.strings);
    return { value: s, lua: luaString(s) };
  }

  value(): number | null {
    return this.random() < 0.3 ? null : 1 + this.int(999);
  }

  op(): Op {
    const r = this.wide ? this.random() * 0.93 : this.random();
    if (r < 0.85) return { kind: 'set', key: this.key(), value: this.value() };
    if (r < 0.93) return { kind: 'probe', key: this.key() };
    const items: Item[] = [];
    const positional = this.pick([0, 0, 1, 2, 3, 5, 8, 9, 15, 16, 17, 30, 49, 50, 51, 60, 100]);
    const keyed = this.pick([0, 0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 25, 33, 40]);
    let p = 0;
    let k = 0;
    while (p < positional || k < keyed) {
      if (k >= keyed || (p < positional && this.random() < 0.5)) {
        items.push({ kind: 'positional', value: this.random() < 0.15 ? null : 2000 + p });
        p++;
      } else {
        items.push({ kind: 'keyed', key: this.key(), value: this.value() ?? 1 });
        k++;
      }
    }
    const spread = this.random() < 0.2 ? this.int(SPREAD.length) : null;
    return { kind: 'construct', items, spread };
  }
}

function keyLua(key: KeyDef): string {
  return typeof key.value === 'boolean' ? String(key.value) : key.lua;
}

function valueLua(value: number | null): string {
  return value === null ? 'nil' : String(value);
}

/** The Lua script of a run: the key list, then the steps, each followed by a dump. */
function script(ops: Op[], keys: KeyDef[]): string {
  const lines = [
    'collectgarbage("stop")',
    'local N = {}',
    // ids from 1: a constant 0 would be merged with a constant -0 of the same chunk
    ...keys.map((key, i) => `N[${keyLua(key)}] = ${i + 1}`),
    `local SPREAD = {${SPREAD.map(valueLua).join(',')}}`,
    'local t = {}',
    'local function dump()',
    '  local out = {#t}',
    '  local k, v = next(t)',
    '  while k ~= nil do out[#out + 1] = N[k] .. "=" .. v; k, v = next(t, k) end',
    '  print(table.concat(out, " "))',
    'end',
    'local function probe(key)',
    '  local ok, k = pcall(next, t, key)',
    '  if not ok then print("E " .. k) elseif k == nil then print("P end") else print("P " .. N[k]) end',
    'end',
  ];
  for (const op of ops) {
    if (op.kind === 'set') lines.push(`t[${keyLua(op.key)}] = ${valueLua(op.value)} dump()`);
    else if (op.kind === 'probe') lines.push(`probe(${keyLua(op.key)})`);
    else {
      const parts = op.items.map((item) => (item.kind === 'positional' ? valueLua(item.value) : `[${keyLua(item.key)}] = ${valueLua(item.value)}`));
      if (op.spread !== null) parts.push(`unpack(SPREAD, 1, ${op.spread})`);
      lines.push(`t = {${parts.join(', ')}} dump()`);
    }
  }
  return lines.join('\n') + '\n';
}

/** What the script prints, computed with LuaTable. */
function replay(ops: Op[], keyId: Map<LuaValue, number>): string {
  let table = new LuaTable();
  const out: string[] = [];
  const dump = (): void => {
    const parts: string[] = [String(table.length())];
    let entry = table.next(undefined);
    while (entry !== undefined) {
      parts.push(`${(keyId.get(entry[0]) ?? NaN) + 1}=${String(entry[1])}`);
      entry = table.next(entry[0]);
    }
    out.push(parts.join(' '));
  };
  const toValue = (value: number | null): LuaValue => (value === null ? undefined : value);
  for (const op of ops) {
    if (op.kind === 'set') {
      table.set(op.key.value, toValue(op.value));
      dump();
    } else if (op.kind === 'probe') {
      try {
        const entry = table.next(op.key.value);
        out.push(entry === undefined ? 'P end' : `P ${(keyId.get(entry[0]) ?? NaN) + 1}`);
      } catch (error) {
        if (!(error instanceof LuaError)) throw error;
        out.push(`E ${error.message}`);
      }
    } else {
      // As luac compiles a constructor: keyed items are stored when met, positional ones are
      // buffered and stored 50 at a time (and at the end, after a trailing multi-value call).
      const positionalCount = op.items.filter((item) => item.kind === 'positional').length;
      const keyedCount = op.items.length - positionalCount;
      table = new LuaTable(positionalCount, keyedCount);
      let pending: LuaValue[] = [];
      let stored = 0;
      const flush = (): void => {
        pending.forEach((value, i) => table.setInt(stored + i + 1, value));
        stored += pending.length;
        pending = [];
      };
      for (const item of op.items) {
        if (item.kind === 'positional') {
          pending.push(toValue(item.value));
          if (pending.length === 50) flush();
        } else {
          table.set(item.key.value, toValue(item.value));
        }
      }
      if (op.spread !== null) {
        for (let i = 0; i < op.spread; i++) pending.push(toValue(SPREAD[i] ?? null));
        table.reserveArray(stored + pending.length);
      }
      flush();
      dump();
    }
  }
  return out.join('\n') + '\n';
}

/** The distinct keys of a run (by Lua equality, which is JS SameValueZero here) and their ids. */
function collectKeys(ops: Op[]): { keys: KeyDef[]; keyId: Map<LuaValue, number> } {
  const keys: KeyDef[] = [];
  const keyId = new Map<LuaValue, number>();
  const addKey = (key: KeyDef): void => {
    if (!keyId.has(key.value)) {
      keyId.set(key.value, keys.length);
      keys.push(key);
    }
  };
  for (const op of ops) {
    if (op.kind === 'construct') {
      for (const item of op.items) if (item.kind === 'keyed') addKey(item.key);
    } else {
      addKey(op.key);
    }
  }
  for (let i = 1; i <= 200; i++) addKey(numberKey(i)); // positional items
  return { keys, keyId };
}

function runLua(source: string): string {
  return execFileSync(LUA, ['-'], { input: source, encoding: 'latin1', maxBuffer: 1 << 28 });
}

function compareLines(t: Test, expected: string, actual: string, what: string): void {
  const expectedLines = expected.split('\n');
  const actualLines = actual.split('\n');
  const first = expectedLines.findIndex((line, i) => line !== actualLines[i]);
  if (first === -1 && expectedLines.length === actualLines.length) {
    t.pass(`${what}: ${expectedLines.length - 1} lines match`);
    return;
  }
  t.equal(actualLines[first], expectedLines[first], `${what}: first difference at line ${first + 1}`);
}

{
  t.test('random operation sequences match lua5.1', { skip: NO_LUA }, async (t) => {
    const seeds = 60;
    let operations = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const generator = new Generator(seed);
      const ops: Op[] = [];
      const length = 60 + generator.int(200);
      for (let i = 0; i < length; i++) ops.push(generator.op());
      operations += ops.length;
      const { keys, keyId } = collectKeys(ops);
      if (process.env.DUMP_SEED === String(seed)) writeFileSync(`/tmp/table-seed-${seed}.lua`, script(ops, keys));
      compareLines(t, runLua(script(ops, keys)), replay(ops, keyId), `seed ${seed}`);
    }
    t.ok(operations > 5000, `${operations} operations`);
  });

  t.test('large tables match lua5.1', { skip: NO_LUA }, async (t) => {
    for (let seed = 1001; seed <= 1004; seed++) {
      const generator = new Generator(seed, true);
      const ops: Op[] = [];
      for (let i = 0; i < 1500; i++) ops.push(generator.op());
      const { keys, keyId } = collectKeys(ops);
      compareLines(t, runLua(script(ops, keys)), replay(ops, keyId), `wide seed ${seed}`);
    }
  });

  t.test('constructor sizes: hash order of {a=1,...} and array growth of {1,...,n}', { skip: NO_LUA }, async (t) => {
    const names: string[] = [];
    for (let i = 0; i < 40; i++) names.push(`k${i}`);
    const ops: Op[] = [];
    for (let n = 0; n <= 40; n++) {
      const items: Item[] = names.slice(0, n).map((name) => ({ kind: 'keyed', key: { value: name, lua: luaString(name) }, value: 1 }));
      ops.push({ kind: 'construct', items, spread: null });
      ops.push({ kind: 'set', key: { value: 'extra', lua: '"extra"' }, value: 2 });
    }
    for (let n = 0; n <= 70; n++) {
      const items: Item[] = Array.from({ length: n }, (_, i) => ({ kind: 'positional', value: i + 1 }));
      ops.push({ kind: 'construct', items, spread: null });
      ops.push({ kind: 'set', key: { value: 'x', lua: '"x"' }, value: 1 });
      ops.push({ kind: 'set', key: numberKey(n + 1), value: 3 });
      ops.push({ kind: 'set', key: numberKey(n + 2), value: 4 });
      ops.push({ kind: 'set', key: { value: 'y', lua: '"y"' }, value: 1 });
    }
    const keys: KeyDef[] = [...names, 'extra', 'x', 'y'].map((name) => ({ value: name, lua: luaString(name) }));
    for (let i = 1; i <= 80; i++) keys.push(numberKey(i));
    const keyId = new Map<LuaValue, number>(keys.map((key, i) => [key.value, i]));
    compareLines(t, runLua(script(ops, keys)), replay(ops, keyId), 'constructors');
  });
}

/** Builds the ops of a small hand-written case. */
function sets(entries: Array<[Key, number | null]>): Op[] {
  return entries.map(([key, value]) => ({ kind: 'set', key: typeof key === 'number' ? numberKey(key) : { value: key, lua: typeof key === 'string' ? luaString(key) : '' }, value }));
}

function positional(values: Array<number | null>, spread: number | null = null): Op {
  return { kind: 'construct', items: values.map((value) => ({ kind: 'positional', value })), spread };
}

{
  t.test('the # border as Lua 5.1 finds it', { skip: NO_LUA }, async (t) => {
    const cases: Array<{ name: string; ops: Op[]; expected?: number }> = [
      { name: '#{nil,nil,3}', ops: [positional([null, null, 3])], expected: 3 },
      { name: '#{1,nil,3}', ops: [positional([1, null, 3])], expected: 3 },
      { name: '#{1,nil}', ops: [positional([1, null])], expected: 1 },
      { name: '#{nil,2}', ops: [positional([null, 2])], expected: 2 },
      { name: 't={} t[1]=1 t[2]=nil t[4]=4', ops: [positional([]), ...sets([[1, 1], [2, null], [4, 4]])], expected: 1 },
      { name: 't={1,2,3} t[5]=5', ops: [positional([1, 2, 3]), ...sets([[5, 5]])], expected: 3 },
      { name: 't={1,2,3} t[5]=5 t[4]=4', ops: [positional([1, 2, 3]), ...sets([[5, 5], [4, 4]])], expected: 5 },
      { name: '{unpack({...}, 1, 5)} with holes', ops: [positional([], 5)] },
      { name: '{1, unpack(...)}', ops: [positional([7], 12)] },
      { name: 'powers of two up to 2^31', ops: [positional([]), ...sets(Array.from({ length: 32 }, (_, i): [Key, number] => [2 ** i, i + 1]))] },
      {
        // The probe doubles past INT_MAX - 2, so Lua 5.1 counts from 1 linearly.
        name: '{1..8, [9]=, [18]=, ... [9*2^27]=} (linear fallback)',
        ops: [
          {
            kind: 'construct',
            items: [...Array.from({ length: 8 }, (_, i): Item => ({ kind: 'positional', value: i + 1 })), ...Array.from({ length: 28 }, (_, i): Item => ({ kind: 'keyed', key: numberKey(9 * 2 ** i), value: 1 }))],
            spread: null,
          },
        ],
        expected: 9,
      },
      { name: 'sparse high keys', ops: [positional([]), ...sets([[1, 1], [2, 2], [3, 3], [1000, 1], [100000, 1], [4, 4], [3, null], [5, 5]])] },
      { name: 'clearing from the front', ops: [positional([1, 2, 3, 4, 5, 6, 7, 8]), ...sets([[1, null], [2, null], [8, null], [9, 9], [10, 10]])] },
      { name: 'float keys are not array keys', ops: [positional([]), ...sets([[1, 1], [1.5, 2], [2, 2], [2.5, 3], [3, 3]])] },
    ];
    const allOps = cases.flatMap((c) => c.ops);
    const { keys, keyId } = collectKeys(allOps);
    for (const c of cases) {
      const expected = runLua(script(c.ops, keys)).split('\n');
      const actual = replay(c.ops, keyId).split('\n');
      t.same(actual, expected, c.name);
      const lastDump = actual[actual.length - 2] ?? '';
      if (c.expected !== undefined) t.equal(Number(lastDump.split(' ')[0]), c.expected, `${c.name} is ${c.expected}`);
    }
  });
}

t.test('object keys: consistent get/set/next, and valid borders', async (t) => {
  const random = seededFloats(7);
  const objects = Array.from({ length: 40 }, () => new LuaTable());
  for (let round = 0; round < 30; round++) {
    const table = new LuaTable();
    const model = new Map<LuaValue, LuaValue>();
    for (let step = 0; step < 300; step++) {
      const r = random();
      const key: LuaValue = r < 0.5 ? objects[Math.floor(random() * objects.length)] : r < 0.8 ? 1 + Math.floor(random() * 30) : `s${Math.floor(random() * 30)}`;
      const value: LuaValue = random() < 0.3 ? undefined : step;
      table.set(key, value);
      if (value === undefined) model.delete(key);
      else model.set(key, value);
    }
    const seen = new Map<LuaValue, LuaValue>();
    for (let entry = table.next(undefined); entry !== undefined; entry = table.next(entry[0])) seen.set(entry[0], entry[1]);
    t.same([...seen.entries()].sort(byKey), [...model.entries()].sort(byKey), `round ${round}: next() walks exactly the live entries`);
    let wrong = 0;
    for (const [key, value] of model) if (table.get(key) !== value) wrong++;
    for (const object of objects) if (!model.has(object) && table.get(object) !== undefined) wrong++;
    t.equal(wrong, 0, `round ${round}: get agrees`);
    const border = table.length();
    t.ok((border === 0 || table.getInt(border) !== undefined) && table.getInt(border + 1) === undefined, `round ${round}: #t = ${border} is a border`);
  }
});

function byKey(a: [LuaValue, LuaValue], b: [LuaValue, LuaValue]): number {
  const name = (key: LuaValue): string => (typeof key === 'object' ? `o${String(key.id).padStart(8, '0')}` : `${typeof key}${String(key)}`);
  return name(a[0]) < name(b[0]) ? -1 : name(a[0]) > name(b[0]) ? 1 : 0;
}

t.test('errors and key normalization', async (t) => {
  const table = new LuaTable();
  t.throws(() => table.set(undefined, 1), new LuaError('table index is nil'));
  t.throws(() => table.set(NaN, 1), new LuaError('table index is NaN'));
  t.equal(table.get(undefined), undefined);
  t.equal(table.get(NaN), undefined);
  t.throws(() => table.next('absent'), new LuaError("invalid key to 'next'"));
  table.set(-0, 'zero');
  t.equal(table.get(0), 'zero', '-0 and 0 are one key');
  table.set(2.0, 'two');
  t.equal(table.getInt(2), 'two', '2.0 is the key 2');
  table.setStr('k', 'v');
  t.equal(table.get('k'), 'v');
  table.set('k', undefined);
  t.same(table.next('k'), undefined, 'a key assigned nil is still a valid position for next()');
  t.equal(table.readonly, false);
  t.equal(table.metatable, null);
});
