/*
 * Differential tests of the Lua 5.1 parser against lua5.1 and luac5.1 on random programs.
 *
 * 1. Random valid programs (parser-programs.ts) and mutants of them: both sides must agree on
 *    whether each compiles and, when not, on the exact error message.
 * 2. For the programs both accept, luac5.1 -l lists the code: each function's figures (stack
 *    slots, constants, upvalues, locals, parameters, lines) must match what the parser's
 *    bookkeeping counted, and the lines of the instructions that can fail at run time must be
 *    the lines the syntax tree's nodes carry (parser-instructions.ts).
 *
 * Seeded: LUA_PARSER_SEED=<n> replays a run; a failure prints the seed and the program.
 */
import t from 'tap';
import type { FunctionExpr } from '../../server/scripting/lua/ast';
import { parse, type FunctionFigures } from '../../server/scripting/lua/parser';
import { GROUPS, emptyGroups, impliedInstructions, opcodeGroup } from './parser-instructions';
import { LUA51_OPTIONS, haveLua, haveLuac, luaCompileResults, luacListings } from './parser-oracle';
import { ProgramGenerator, layout, mutate, type ProgramToken } from './parser-programs';
import { seededFloats } from '../../storage/random';

const BASE_SEED = Number(process.env['LUA_PARSER_SEED'] ?? 5150);
const PROGRAMS = 500;
const MUTANTS_PER_PROGRAM = 2;

function myResult(source: string): string | null {
  try {
    parse(source, '@user_script', LUA51_OPTIONS);
    return null;
  } catch (e) {
    if (e instanceof Error && e.name === 'LuaSyntaxError') return e.message;
    return `CRASH ${e instanceof Error ? e.stack : String(e)}`;
  }
}

const show = (source: string): string => JSON.stringify(source.length > 600 ? source.slice(0, 600) + '...' : source);

if (!haveLua) {
  t.plan(0, 'lua5.1 is not installed at /usr/bin/lua5.1');
} else {
  t.comment(`seed ${BASE_SEED} (set LUA_PARSER_SEED to replay)`);
  const programs: Array<{ seed: number; source: string; tokens: ProgramToken[] }> = [];
  const mutants: Array<{ seed: number; source: string }> = [];
  for (let i = 0; i < PROGRAMS; i++) {
    const seed = BASE_SEED + i;
    const random = seededFloats(seed);
    const tokens = new ProgramGenerator(random).program();
    programs.push({ seed, source: layout(tokens, random), tokens });
    for (let m = 0; m < MUTANTS_PER_PROGRAM; m++) {
      const source = mutate(tokens, random);
      // a leading ESC makes lua5.1 read a binary chunk; Redis's Lua reads text (as the parser does)
      if (!source.startsWith('\x1b')) mutants.push({ seed, source });
    }
  }
  const luaResults = luaCompileResults([...programs.map((p) => p.source), ...mutants.map((m) => m.source)]);

  t.test('random programs: same verdict and message as lua5.1', async (t) => {
    let agree = 0;
    let valid = 0;
    programs.forEach((p, i) => {
      const expected = luaResults[i] ?? null;
      const actual = myResult(p.source);
      if (expected === actual) agree++;
      else t.fail(`seed ${p.seed}: ${show(p.source)}`, { expected, actual });
      if (expected === null) valid++;
    });
    t.equal(agree, programs.length, `${agree}/${programs.length} agree (${valid} valid)`);
    t.ok(valid > programs.length / 2, 'most generated programs are valid');
  });

  t.test('mutated programs: same error message as lua5.1', async (t) => {
    let agree = 0;
    let errors = 0;
    mutants.forEach((m, i) => {
      const expected = luaResults[programs.length + i] ?? null;
      const actual = myResult(m.source);
      if (expected === actual) agree++;
      else t.fail(`mutant of seed ${m.seed}: ${show(m.source)}`, { expected, actual });
      if (expected !== null) errors++;
    });
    t.equal(agree, mutants.length, `${agree}/${mutants.length} agree (${errors} with a syntax error)`);
    t.ok(errors > mutants.length / 2, 'most mutants are broken');
  });

  t.test('register pressure: "function or expression too complex" where lua5.1 raises it', async (t) => {
    const random = seededFloats(BASE_SEED ^ 0x5eed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const width = (max: number): number => Math.floor(random() * max);
    const leaf = (): string => pick(['v0', 'v1', 'g', '"s"', '1', '2.5', 'nil', 'true', '...', 't.x', 'v2[v3]', 'f()']);
    const wide = (depth: number): string => {
      const choice = depth <= 0 ? 0 : random();
      const list = (n: number): string => Array.from({ length: n }, () => wide(depth - 1)).join(', ');
      if (choice < 0.3) return leaf();
      if (choice < 0.45) return `f(${list(width(60))})`;
      if (choice < 0.55) return `o:m(${list(width(40))})`;
      if (choice < 0.65) return `{${list(width(70))}}`;
      if (choice < 0.72) return `{${Array.from({ length: width(10) }, () => `[${wide(depth - 1)}] = ${wide(depth - 1)}`).join(', ')}}`;
      if (choice < 0.82) return Array.from({ length: 1 + width(40) }, () => wide(depth - 1)).join(' .. ');
      if (choice < 0.9) return `${wide(depth - 1)} ${pick(['+', '*', '<', '==', 'and', 'or'])} ${wide(depth - 1)}`;
      return `(${wide(depth - 1)})`;
    };
    const sources: string[] = [];
    for (let i = 0; i < 300; i++) {
      const locals = 150 + width(50);
      const declare = `local ${Array.from({ length: locals }, (_, k) => `v${k}`).join(', ')}\n`;
      const expression = wide(3);
      const statement = pick([
        `local a, b = ${expression}, ${wide(2)}`,
        `x, y = ${expression}`,
        `return ${expression}, ${wide(2)}`,
        `f(${expression})`,
        `for k in ${expression} do end`,
        `if ${expression} then end`,
        `t[${wide(2)}], t.y = ${expression}, 1`,
      ]);
      sources.push(random() < 0.5 ? declare + statement : `function h(...)\n${declare}${statement}\nend`);
    }
    const expected = luaCompileResults(sources);
    let agree = 0;
    let complex = 0;
    sources.forEach((source, i) => {
      const actual = myResult(source);
      if (actual === expected[i]) agree++;
      else t.fail(show(source), { expected: expected[i], actual });
      if (expected[i]?.includes('too complex') === true) complex++;
    });
    t.equal(agree, sources.length, `${agree}/${sources.length} agree (${complex} too complex)`);
    t.ok(complex > 20, 'the register limit is reached often enough');
  });

  t.test('luac5.1 -l: function figures and instruction lines', { skip: haveLuac ? false : 'luac5.1 missing' }, async (t) => {
    const valid = programs.filter((_, i) => luaResults[i] === null);
    const listings = luacListings(valid.map((p) => p.source));
    let checked = 0;
    let mismatches = 0;
    valid.forEach((p, i) => {
      const figures = new Map<FunctionExpr | null, FunctionFigures>();
      const chunk = parse(p.source, '@user_script', { onFunction: (f, func) => figures.set(func, f) });
      const implied = impliedInstructions(chunk);
      const listing = listings[i] ?? [];
      if (implied.length !== listing.length) {
        mismatches++;
        t.fail(`seed ${p.seed}: ${implied.length} functions, luac lists ${listing.length}: ${show(p.source)}`);
        return;
      }
      implied.forEach(({ func, lines }, f) => {
        const luac = listing[f];
        const mine = figures.get(func);
        if (luac === undefined || mine === undefined) return;
        const expectedFigures = {
          lineDefined: luac.lineDefined,
          lastLineDefined: luac.lastLineDefined,
          parameters: luac.parameters,
          isVararg: luac.isVararg,
          maxStack: luac.slots,
          upvalues: luac.upvalues,
          locals: luac.locals,
          constants: luac.constants,
        };
        const luacLines = emptyGroups();
        for (const instruction of luac.code) {
          const group = opcodeGroup(instruction.op);
          if (group !== null) luacLines[group].push(instruction.line);
        }
        for (const g of GROUPS) luacLines[g].sort((a, b) => a - b);
        const sameFigures = JSON.stringify(mine) === JSON.stringify(expectedFigures);
        const sameLines = JSON.stringify(lines) === JSON.stringify(luacLines);
        if (!sameFigures || !sameLines) {
          mismatches++;
          if (mismatches <= 10) {
            t.fail(`seed ${p.seed}, function ${f}: ${show(p.source)}`, {
              figures: sameFigures ? 'same' : { mine, luac: expectedFigures },
              lines: sameLines ? 'same' : GROUPS.filter((g) => JSON.stringify(lines[g]) !== JSON.stringify(luacLines[g])).map((g) => ({ group: g, mine: lines[g], luac: luacLines[g] })),
            });
          }
        }
        checked++;
      });
    });
    t.equal(mismatches, 0, `${checked} functions of ${valid.length} programs match luac5.1 -l`);
  });
}
