/**
 * The differential harness for the C libraries Redis bundles into its Lua (cjson, cmsgpack, bit,
 * struct): a case is a library call on some arguments, run twice:
 *
 * - on a real redis-server 7.0 (started here on a free port), as a one-line EVAL script that
 *   builds the arguments with Lua expressions and returns the results serialized by SER below;
 * - on the TypeScript library, with the same arguments built as the script builds them (tables
 *   start empty and get their keys assigned in the same order, so their layout, hence their
 *   next() order, is the same), the results serialized by the same rules.
 *
 * SER writes values with their types: numbers as %.17g (exact), strings in hex, tables as their
 * pairs() in iteration order (so the order is compared too), cjson.null as "null". A table used
 * as a key is written "table" (its place in the order depends on its address in C).
 *
 * Errors: an EVAL that fails replies "ERR <message> script: <sha>, on @user_script:1."; the
 * wrapping is removed and <message> compared. A library error raised the luaL_error way carries
 * the script position ("user_script:1: "), which the fake runtime below adds the same way; an
 * error raised by Lua itself inside the C function (cmsgpack's "table index is nil") has none.
 * Every script is one line, so positions always read "user_script:1:". Calls are made directly
 * (not through pcall) so that "bad argument" messages name the function as Redis does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from '../../bench/harness/free-port';
import Redis from 'ioredis';
import { LuaTable } from '../../server/scripting/lua/table';
import { CJSON_NULL, openCjson } from '../../server/scripting/lua/redis-libs/cjson';
import { formatG } from '../../server/scripting/lua/redis-libs/c-numbers';
import { LuaError, NativeFunction, luaType, type LuaRuntime, type LuaValue } from '../../server/scripting/lua/values';

export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
/** The reason the differential tests skip, or false when redis-server is there. */
export const NO_REDIS = REDIS_SERVER === undefined ? 'redis-server is not installed' : false;


// ---- values described once, built on both sides ----------------------------------------------

/** A Lua value written both as Lua source and as the TS value it evaluates to. */
export interface Spec {
  lua: string;
  build(): LuaValue;
  /** For an expression that yields several values (a call's last argument): all of them. */
  spread?: () => LuaValue[];
}

/** The NaN x86 computes for 0/0: its sign bit is set (C prints it "-nan", packs it ff f8 ...). */
const X86_NAN = new Float64Array(new Uint32Array([0, 0xfff80000]).buffer)[0] as number;

/**
 * A number literal that Lua reads back exactly (and -0, inf, nan, which need expressions). A
 * NaN is written 0/0, so the TS side gets the NaN that 0/0 gives on x86.
 */
export function num(n: number): Spec {
  let lua: string;
  if (n !== n) return { lua: '(0/0)', build: () => X86_NAN };
  else if (n === Infinity) lua = '(1/0)';
  else if (n === -Infinity) lua = '(-1/0)';
  else if (Object.is(n, -0)) lua = 'NZ'; // computed at run time: a -0 constant would merge with 0
  else lua = `(${formatG(n, 17)})`;
  return { lua, build: () => n };
}

/** A string literal, any bytes (one char per byte). */
export function str(s: string): Spec {
  let lua = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Three-digit decimal escapes, so that a digit after one is not read into it.
    lua += c >= 32 && c < 127 && c !== 34 && c !== 92 ? s.charAt(i) : `\\${String(c).padStart(3, '0')}`;
  }
  return { lua: `${lua}"`, build: () => s };
}

export const NIL: Spec = { lua: 'nil', build: () => undefined };
export const TRUE: Spec = { lua: 'true', build: () => true };
export const FALSE: Spec = { lua: 'false', build: () => false };
export const JSON_NULL: Spec = { lua: 'cjson.null', build: () => CJSON_NULL };
/** A function value (Lua's `type`; any native function on the TS side). */
export const FUNCTION: Spec = { lua: 'type', build: () => new NativeFunction('type', () => []) };

export function bool(b: boolean): Spec {
  return b ? TRUE : FALSE;
}

/** A table created empty, then assigned these keys in this order (t[k] = v). */
export function table(entries: Array<[Spec, Spec]>): Spec {
  const body = entries.map(([k, v]) => `t[${k.lua}]=${v.lua} `).join('');
  return {
    lua: `(function() local t = {} ${body}return t end)()`,
    build: () => {
      const t = new LuaTable();
      for (const [k, v] of entries) t.set(k.build(), v.build());
      return t;
    },
  };
}

/** {v1, v2, ...}: a constructor with positional items only (array part presized). */
export function list(items: Spec[]): Spec {
  return {
    lua: `{${items.map((i) => i.lua).join(',')}}`,
    build: () => {
      const t = new LuaTable(items.length, 0);
      items.forEach((item, i) => t.setInt(i + 1, item.build()));
      return t;
    },
  };
}

/** An expression evaluated by Lua, with the TS value given separately (e.g. self-references). */
export function raw(lua: string, build: () => LuaValue): Spec {
  return { lua, build };
}

// ---- serializing results -------------------------------------------------------------------

const LUA_PRELUDE =
  "local NZ = 0 NZ = -NZ " +
  "local function H(s) return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end)) end " +
  'local SER1 ' +
  "SER1 = function(v) local t = type(v) if t == 'number' then if v ~= v then return 'n:nan' end return 'n:' .. string.format('%.17g', v) " +
  "elseif t == 'string' then return 's:' .. H(v) elseif t == 'boolean' or t == 'nil' then return tostring(v) " +
  "elseif t == 'table' then local p = {} for k, x in pairs(v) do p[#p + 1] = (type(k) == 'table' and 'table' or SER1(k)) .. '=' .. SER1(x) end return '{' .. table.concat(p, ',') .. '}' " +
  "elseif v == cjson.null then return 'null' else return t end end " +
  "local function SER(...) local p = {} for i = 1, select('#', ...) do p[i] = SER1(select(i, ...)) end return table.concat(p, '|') end ";

function hex(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += s.charCodeAt(i).toString(16).padStart(2, '0');
  return out;
}

function serializeScalar(v: LuaValue): string {
  if (typeof v === 'number') return v !== v ? 'n:nan' : `n:${formatG(v, 17)}`;
  if (typeof v === 'string') return `s:${hex(v)}`;
  if (typeof v === 'boolean' || v === undefined) return String(v ?? 'nil');
  if (v === CJSON_NULL) return 'null';
  return luaType(v);
}

/** SER's text for a value; without recursion, as decoded tables may nest 8000 deep. */
export function serialize(root: LuaValue): string {
  const out: string[] = [];
  const open: Array<{ table: LuaTable; key: LuaValue }> = [];
  const write = (v: LuaValue): void => {
    if (v instanceof LuaTable) {
      out.push('{');
      open.push({ table: v, key: undefined });
    } else {
      out.push(serializeScalar(v));
    }
  };
  write(root);
  for (let top = open[open.length - 1]; top !== undefined; top = open[open.length - 1]) {
    const entry = top.table.next(top.key);
    if (entry === undefined) {
      out.push('}');
      open.pop();
      continue;
    }
    if (top.key !== undefined) out.push(',');
    top.key = entry[0];
    out.push(serializeScalar(entry[0]), '=');
    write(entry[1]);
  }
  return out.join('');
}

// ---- running a case on both sides -----------------------------------------------------------

/** The runtime a native function sees: only error() matters to these libraries. */
export const fakeRuntime: LuaRuntime = {
  call: () => {
    throw new Error('call() is not used by these libraries');
  },
  tostring: (v) => serialize(v),
  lessThan: () => {
    throw new Error('lessThan() is not used by these libraries');
  },
  error: (message: string): never => {
    throw new LuaError(`user_script:1: ${message}`);
  },
  getMetatable: () => null,
};

/** A library call: setup calls first (configuration), then the call whose results are compared. */
export interface Call {
  fn: string;
  args: Spec[];
}

/** What a side produced: "ok <serialized results>" or "error <message>". */
export type Outcome = string;

export function runTs(library: LuaTable, calls: Call[]): Outcome {
  try {
    let results: LuaValue[] = [];
    for (const call of calls) {
      const fn = library.getStr(call.fn);
      if (!(fn instanceof NativeFunction)) throw new Error(`no function ${call.fn}`);
      const args: LuaValue[] = [];
      for (const a of call.args) {
        if (a.spread) args.push(...a.spread());
        else args.push(a.build());
      }
      results = fn.body(fakeRuntime, args);
    }
    return `ok ${results.map(serialize).join('|')}`;
  } catch (err) {
    if (!(err instanceof LuaError)) throw err;
    // As it crosses RESP the message is read as UTF-8, like the real reply.
    return `error ${Buffer.from(String(err.value), 'latin1').toString()}`;
  }
}

/** The EVAL script for these calls on library `libName` (one line). */
export function luaScript(libName: string, calls: Call[]): string {
  const call = (c: Call): string => `${libName}.${c.fn}(${c.args.map((a) => a.lua).join(', ')})`;
  const setup = calls.slice(0, -1).map((c) => `${call(c)} `).join('');
  const last = calls[calls.length - 1];
  if (last === undefined) throw new Error('no call');
  return `${LUA_PRELUDE}${setup}return SER(${call(last)})`;
}

export class RedisReference {
  private constructor(
    private readonly process: ChildProcess,
    private readonly client: Redis,
  ) {}

  static async start(): Promise<RedisReference> {
    if (REDIS_SERVER === undefined) throw new Error('redis-server is not installed');
    const port = await freePort();
    const child = spawn(REDIS_SERVER, ['--port', String(port), '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--bind', '127.0.0.1'], {
      stdio: 'ignore',
    });
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // connection attempts while the server starts
    for (let attempt = 0; ; attempt++) {
      try {
        await client.connect();
        break;
      } catch (err) {
        if (attempt > 50) {
          child.kill();
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return new RedisReference(child, client);
  }

  /** Runs the calls on redis-server; SCRIPT FLUSH first when the configuration must start fresh. */
  async run(libName: string, calls: Call[], fresh = false): Promise<Outcome> {
    if (fresh) await this.client.call('SCRIPT', 'FLUSH');
    try {
      const reply = await this.client.callBuffer('EVAL', Buffer.from(luaScript(libName, calls), 'latin1'), '0');
      if (!Buffer.isBuffer(reply)) throw new Error(`unexpected reply ${String(reply)}`);
      return `ok ${reply.toString('latin1')}`;
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('ERR ')) throw err;
      const message = err.message.replace(/^ERR /, '').replace(/ script: [0-9a-f]{40}, on @user_script:\d+\.$/, '');
      return `error ${message}`;
    } finally {
      if (fresh) await this.client.call('SCRIPT', 'FLUSH');
    }
  }

  async stop(): Promise<void> {
    this.client.disconnect();
    this.process.kill();
    await new Promise<void>((resolve) => {
      if (this.process.exitCode !== null) resolve();
      else this.process.once('exit', () => resolve());
    });
  }
}

/**
 * Does LuaTable order long string keys as Redis does? Redis's Lua hashes every byte of a string
 * where Lua 5.1 samples strings of 32 bytes or more, so such keys iterate in another order.
 * (A property of table.ts, checked here so that the random tests can tell it apart.)
 */
export async function longStringKeysMatch(redis: RedisReference): Promise<boolean> {
  const keys = Array.from({ length: 12 }, (_, i) => String.fromCharCode(97 + i).repeat(40) + String.fromCharCode(65 + i));
  const order = raw(
    `(function() local t = {} ${keys.map((k, i) => `t["${k}"] = ${i} `).join('')}local r = {} for _, v in pairs(t) do r[#r + 1] = v end return table.concat(r, ",") end)()`,
    () => {
      const t = new LuaTable();
      keys.forEach((k, i) => t.setStr(k, i));
      const r: number[] = [];
      for (let e = t.next(undefined); e !== undefined; e = t.next(e[0])) r.push(e[1] as number);
      return r.join(',');
    },
  );
  const calls = [{ fn: 'encode', args: [order] }];
  return (await redis.run('cjson', calls)) === runTs(openCjson(), calls);
}

/**
 * The pairs() order of a library table on Redis and of the table `open` returns, each as
 * "name name ..." (string fields as name=value), compared through cjson.encode of that text.
 */
export async function libraryKeyOrders(redis: RedisReference, libName: string, open: () => LuaTable): Promise<[Outcome, Outcome]> {
  const lua = `(function() local r = {} for k, v in pairs(${libName}) do r[#r + 1] = k .. (type(v) == "string" and "=" .. v or "") end return table.concat(r, " ") end)()`;
  const order = raw(lua, () => {
    const names: string[] = [];
    const lib = open();
    for (let e = lib.next(undefined); e !== undefined; e = lib.next(e[0])) names.push(String(e[0]) + (typeof e[1] === 'string' ? `=${e[1]}` : ''));
    return names.join(' ');
  });
  const calls = [{ fn: 'encode', args: [order] }];
  return [runTs(openCjson(), calls), await redis.run('cjson', calls)];
}

/** Does a serialized outcome have a string key of 32 bytes or more (64 hex digits)? */
export function hasLongStringKey(outcome: Outcome): boolean {
  return /[{,]s:[0-9a-f]{64,}=/.test(outcome);
}
