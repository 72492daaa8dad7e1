/**
 * The reference side of the parser tests: Debian's lua5.1 and luac5.1, run on batches of
 * sources written to a temporary folder (so any byte, NUL included, reaches Lua intact: the
 * driver reads each file with io.open(...):read("*a") and compiles it with
 * loadstring(src, "@user_script"), as Redis names its scripts).
 *
 * lua5.1 runs the driver as a main chunk, so its loadstring parses at C-call depth 2 (Redis
 * compiles from C at depth 0), and Debian builds it with LUA_COMPAT_LSTR=1 (Redis does not):
 * comparisons pass LUA51_OPTIONS to parse().
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LUA = '/usr/bin/lua5.1';
export const LUAC = '/usr/bin/luac5.1';
export const haveLua = existsSync(LUA);
export const haveLuac = existsSync(LUAC);
/** The C-call depth of loadstring called from a chunk run by lua5.1. */
export const LUA51_DEPTH = 2;
/**
 * parse() options that make the parser behave as Debian's lua5.1 (rather than Redis's Lua):
 * its depth, and its LUA_COMPAT_LSTR=1 rejection of `[[` inside `[[...]]`.
 */
export const LUA51_OPTIONS = { cCallDepth: LUA51_DEPTH, rejectNestedLongBrackets: true } as const;

const DRIVER = `
local dir, n = arg[1], tonumber(arg[2])
for i = 1, n do
  local fh = assert(io.open(dir .. "/" .. i .. ".lua", "rb"))
  local src = fh:read("*a")
  fh:close()
  local f, e = loadstring(src, "@user_script")
  if f then io.write(i, ":OK\\n") else io.write(i, ":ERR:", #e, ":", e, "\\n") end
end
`;

function withTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'lua-parser-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** For each source: null when lua5.1 compiles it, else its error message. */
export function luaCompileResults(sources: string[]): Array<string | null> {
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'driver.lua'), DRIVER);
    sources.forEach((source, i) => writeFileSync(join(dir, `${i + 1}.lua`), Buffer.from(source, 'latin1')));
    const out = execFileSync(LUA, [join(dir, 'driver.lua'), dir, String(sources.length)], { maxBuffer: 1 << 28 }).toString('latin1');
    const results: Array<string | null> = [];
    let pos = 0;
    while (pos < out.length) {
      const m = /^(\d+):(OK|ERR:(\d+):)/.exec(out.slice(pos, pos + 40));
      if (m === null) throw new Error(`unexpected driver output at ${pos}: ${out.slice(pos, pos + 80)}`);
      if (m[2] === 'OK') {
        results.push(null);
        pos += m[0].length + 1;
      } else {
        const length = Number(m[3]);
        results.push(out.substr(pos + m[0].length, length));
        pos += m[0].length + length + 1;
      }
    }
    if (results.length !== sources.length) throw new Error(`driver answered ${results.length} of ${sources.length}`);
    return results;
  });
}

/** Runs a Lua program (source text) with lua5.1 and returns what it printed. */
export function runLua(program: string): string {
  return withTempDir((dir) => {
    const file = join(dir, 'program.lua');
    writeFileSync(file, Buffer.from(program, 'latin1'));
    return execFileSync(LUA, [file], { maxBuffer: 1 << 28 }).toString('latin1');
  });
}

/** One function of a luac -l listing. */
export interface LuacFunction {
  lineDefined: number;
  lastLineDefined: number;
  parameters: number;
  isVararg: boolean;
  slots: number;
  upvalues: number;
  locals: number;
  constants: number;
  functions: number;
  code: Array<{ line: number; op: string }>;
}

/**
 * Lists each source with luac5.1 -l (all in one run: luac wraps them as children of its own
 * main). Returns, per source, its functions in luac's order: a function, then its children.
 */
export function luacListings(sources: string[]): LuacFunction[][] {
  if (sources.length === 0) return [];
  return withTempDir((dir) => {
    const files = sources.map((source, i) => {
      const file = join(dir, `p${i + 1}.lua`);
      writeFileSync(file, Buffer.from(source, 'latin1'));
      return file;
    });
    const out = execFileSync(LUAC, ['-l', '-p', ...files], { maxBuffer: 1 << 28 }).toString('latin1');
    const all: Array<LuacFunction & { main: boolean; source: string }> = [];
    let current: (LuacFunction & { main: boolean; source: string }) | null = null;
    for (const line of out.split('\n')) {
      const header = /^(main|function) <(.*):(\d+),(\d+)> \(/.exec(line);
      if (header !== null) {
        current = {
          main: header[1] === 'main',
          source: header[2] ?? '',
          lineDefined: Number(header[3]),
          lastLineDefined: Number(header[4]),
          parameters: 0,
          isVararg: false,
          slots: 0,
          upvalues: 0,
          locals: 0,
          constants: 0,
          functions: 0,
          code: [],
        };
        all.push(current);
        continue;
      }
      const figures = /^(\d+)(\+?) params?, (\d+) slots?, (\d+) upvalues?, (\d+) locals?, (\d+) constants?, (\d+) functions?/.exec(line);
      if (figures !== null && current !== null) {
        current.parameters = Number(figures[1]);
        current.isVararg = figures[2] === '+';
        current.slots = Number(figures[3]);
        current.upvalues = Number(figures[4]);
        current.locals = Number(figures[5]);
        current.constants = Number(figures[6]);
        current.functions = Number(figures[7]);
        continue;
      }
      const instruction = /^\t\d+\t\[(\d+)\]\t(\w+)/.exec(line);
      if (instruction !== null && current !== null) current.code.push({ line: Number(instruction[1]), op: instruction[2] ?? '' });
    }
    // drop luac's own wrapper, then split at each file's main
    const listings: LuacFunction[][] = [];
    for (const f of all) {
      if (f.source === '(luac)') continue;
      if (f.main) listings.push([]);
      listings[listings.length - 1]?.push(f);
    }
    if (listings.length !== sources.length) throw new Error(`luac listed ${listings.length} of ${sources.length} sources`);
    return listings;
  });
}

