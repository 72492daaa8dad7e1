/**
 * Runs Lua source two ways for differential tests: in hashslot's VM (with the libraries Redis
 * loads plus a `print` that collects lines) and in Debian's lua5.1, the reference interpreter.
 * Both load the source as a chunk named "@user_script" (Redis's name, so messages read
 * "user_script:3: ...") and run it under pcall; a failure ends the output with "ERROR: <message>".
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadChunk, openBaseLib } from '../../server/scripting/lua/base-lib';
import { openCoroutineLib } from '../../server/scripting/lua/coroutine-lib';
import { openMathLib, RedisRandom } from '../../server/scripting/lua/math-lib';
import { openStringLib } from '../../server/scripting/lua/string-lib';
import { LuaTable } from '../../server/scripting/lua/table';
import { openTableLib } from '../../server/scripting/lua/table-lib';
import { LuaError, NativeFunction } from '../../server/scripting/lua/values';
import { LuaVM } from '../../server/scripting/lua/vm';

export const LUA51 = ['/usr/bin/lua5.1', '/usr/bin/lua51'].find((p) => fs.existsSync(p));

/** Runs `source` in hashslot's VM; returns the printed lines and the error, if any. */
export function runHashslot(source: string): string {
  const vm = new LuaVM();
  const globals = new LuaTable();
  openBaseLib(vm, globals);
  globals.setStr('table', openTableLib());
  const strings = openStringLib();
  globals.setStr('string', strings);
  const random = new RedisRandom();
  random.seed(0);
  globals.setStr('math', openMathLib(random));
  globals.setStr('coroutine', openCoroutineLib(vm));
  const meta = new LuaTable();
  meta.setStr('__index', strings);
  vm.stringMetatable = meta;
  const out: string[] = [];
  globals.setStr('print', new NativeFunction('print', (rt, args) => {
    out.push(args.map((a) => rt.tostring(a)).join('\t'));
    return [];
  }));
  const fn = loadChunk(source, '@user_script', globals);
  if (typeof fn === 'string') return `COMPILE: ${fn}`;
  try {
    const result = vm.runMain(fn, []);
    if (!Array.isArray(result)) return [...out, 'PAUSED'].join('\n');
  } catch (err) {
    if (!(err instanceof LuaError)) throw err;
    out.push(`ERROR: ${typeof err.value === 'string' ? err.value : vm.tostring(err.value).replace(/0x[0-9a-f]+/, 'ADDR')}`);
  }
  return out.join('\n');
}

const DRIVER = `
local f = io.open(arg[1], 'rb'); local src = f:read('*a'); f:close()
local fn, err = loadstring(src, '@user_script')
if not fn then io.write('COMPILE: ', err) return end
local ok, e = pcall(fn)
if not ok then
  local text = type(e) == 'string' and e or (tostring(e):gsub('0x[0-9a-f]+', 'ADDR'))
  print('ERROR: ' .. text)
end
`;

/** Runs `source` in lua5.1 (same chunk name, same pcall); its output without the final newline. */
export function runLua51(source: string): string {
  if (LUA51 === undefined) throw new Error('lua5.1 is not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-lua-'));
  try {
    fs.writeFileSync(path.join(dir, 'driver.lua'), DRIVER);
    fs.writeFileSync(path.join(dir, 'script.lua'), Buffer.from(source, 'latin1'));
    const output = execFileSync(LUA51, [path.join(dir, 'driver.lua'), path.join(dir, 'script.lua')], { timeout: 20_000 });
    return output.toString('latin1').replace(/\n$/, '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
