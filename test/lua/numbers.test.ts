/**
 * numbers.ts against lua5.1: tostring of hundreds of thousands of doubles (random bit patterns,
 * random decimals, exact %.14g ties, integers near 2^53 and 10^14, powers of ten and their
 * neighbours, subnormals, specials), tonumber of strings from a grammar of strtod's inputs, and
 * tonumber(s, base). Each side prints through the harness (string-lib-harness.ts).
 * SEED=n replays a run.
 */
import t from 'tap';
import { formatG14, numberToString, stringToNumber, toNumberBase } from '../../server/scripting/lua/numbers';
import { LuaTable } from '../../server/scripting/lua/table';
import { NativeFunction, type LuaValue } from '../../server/scripting/lua/values';
import { compareLines, LUA51, runCasesInLua, runCasesInTs, testSeed, type Case } from './string-lib-harness';
import { seededFloats } from '../../storage/random';

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);

function fromWords(high: number, low: number): number {
  words[1] = high >>> 0;
  words[0] = low >>> 0;
  return scratch[0]!;
}

/** The next double up (toward +inf) or down. */
function neighbour(x: number, up: boolean): number {
  scratch[0] = x;
  let big = (BigInt(words[1]!) << 32n) | BigInt(words[0]!);
  big += (x >= 0) === up ? 1n : -1n;
  words[1] = Number(big >> 32n);
  words[0] = Number(big & 0xffffffffn);
  return scratch[0]!;
}

/** The library the harness calls: tostring and tonumber as numbers.ts computes them. */
function numbersLibrary(): LuaTable {
  const library = new LuaTable();
  library.setStr('tostring', new NativeFunction('tostring', (_rt, args) => [numberToString(args[0] as number)]));
  library.setStr('tonumber', new NativeFunction('tonumber', (_rt, args): LuaValue[] => {
    const base = args[1];
    const s = args[0] as string;
    if (base === undefined || base === 10) return [stringToNumber(s)];
    return [toNumberBase(s, base as number)];
  }));
  return library;
}

function doubles(random: () => number): number[] {
  const out: number[] = [];
  const u32 = (): number => Math.floor(random() * 4294967296);
  const int = (n: number): number => Math.floor(random() * n);
  // Random bit patterns: every exponent, including subnormals, inf and NaN payloads.
  for (let i = 0; i < 100000; i++) out.push(fromWords(u32(), u32()));
  // Subnormals and the smallest normals.
  for (let i = 0; i < 10000; i++) out.push(fromWords((u32() & 0x800fffff) | (i % 2 === 0 ? 0 : 0x00100000), u32()));
  // Random short decimals at every scale.
  for (let i = 0; i < 60000; i++) {
    const digits = String(Math.floor(random() * 10 ** (1 + int(17))));
    out.push(Number(`${random() < 0.5 ? '-' : ''}${digits}e${int(640) - 330}`));
  }
  // Exact ties at the 15th digit: N / 2^m with N * 5^m a 15-digit number ending in 5.
  for (let i = 0; i < 20000; i++) {
    const m = 1 + int(21);
    const low = Math.ceil(1e14 / 5 ** m);
    const high = Math.floor((1e15 - 1) / 5 ** m);
    if (high < low) continue;
    let n = low + int(high - low + 1);
    if (n % 2 === 0) n = n + 1 <= high ? n + 1 : n - 1;
    if (n < low || n % 2 === 0) continue;
    out.push((n / 2 ** m) * (random() < 0.2 ? -1 : 1));
  }
  // 15-digit integers ending in 5 (ties), and integers around 10^14, 10^15, 2^53.
  for (let i = 0; i < 10000; i++) out.push((int(9e13) + 1e13) * 10 + 5);
  for (const centre of [1e14, 1e15, 2 ** 53, 1e16, 2 ** 63, 1e17]) {
    for (let d = -300; d <= 300; d++) out.push(centre + d, -(centre + d));
  }
  // Powers of ten (and of two) and their neighbouring doubles.
  for (let k = -330; k <= 310; k++) {
    const p = Number(`1e${k}`);
    out.push(p, neighbour(p, true), neighbour(p, false), 5 * p, 9.99999999999995 * p, 0.5 * p);
  }
  for (let k = -1074; k <= 1023; k++) out.push(2 ** k, 3 * 2 ** k);
  // Halves and other short fractions.
  for (let i = 0; i < 10000; i++) out.push((int(2000000) - 1000000) / [2, 4, 8, 16, 10, 100, 1000][int(7)]!);
  out.push(0, -0, Infinity, -Infinity, NaN, -NaN, fromWords(0x7ff80000, 0), fromWords(0xfff80000, 0), Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE);
  out.push(0.1, 1 / 3, 2 / 3, 100, 1e15, 1e-5, 123456789012345, 99999999999999.5, 0.1 + 0.2);
  return out;
}

function numberStrings(random: () => number): string[] {
  const out: string[] = [];
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const digits = (max: number, alphabet = '0123456789'): string => {
    let s = '';
    for (let i = int(max + 1); i > 0; i--) s += alphabet[int(alphabet.length)];
    return s;
  };
  const spaces = ['', '', '', ' ', '  ', '\t', '\n', '\v', '\f', '\r', ' \t '];
  for (let i = 0; i < 60000; i++) {
    let body: string;
    const kind = int(10);
    if (kind < 4) {
      body = digits(5) + (random() < 0.5 ? '.' + digits(5) : '') + (random() < 0.4 ? pick(['e', 'E']) + pick(['', '+', '-']) + digits(3) : '');
    } else if (kind < 6) {
      body = pick(['0x', '0X', '0x', '0']) + digits(int(3) === 0 ? 20 : 4, '0123456789abcdefABCDEF') + (random() < 0.3 ? '.' + digits(4, '0123456789abcdef') : '') + (random() < 0.3 ? pick(['p', 'P']) + pick(['', '+', '-']) + digits(4) : '');
    } else if (kind < 7) {
      body = pick(['inf', 'INF', 'Inf', 'infinity', 'Infinity', 'infin', 'nan', 'NaN', 'nan()', 'nan(12ab_)', 'nan(', 'nan(x y)', 'na', 'in', 'nanx', 'infx']);
    } else if (kind < 8) {
      body = digits(8, '0123456789abcdefxXpPeE.+- ()\0');
    } else if (kind < 9) {
      // Long mantissas and extreme exponents: correct rounding matters here.
      body = digits(40) + (random() < 0.5 ? '.' + digits(40) : '') + 'e' + pick(['', '-', '+']) + String(int(400));
    } else {
      body = pick(['0x1p-1074', '0x1p-1075', '0x1.8p-1075', '0x1.fffffffffffff8p1023', '0x1.fffffffffffff7p1023', '0x1p1024', '0x.8', '0x.', '0x', '0xp1', '1e', '1e+', '.', '.e1', '5.', '.5', '1x', '0x-1', '- 1', '1.5e3x', '4.9e-324', '2.4703282292062328e-324', '2.4703282292062327e-324', '1.7976931348623158e308', '1.7976931348623159e308', '0x123456789abcdef0123', '0x1.00000000000008p0', '0x1.00000000000018p0', '0x1.000000000000080000001p0']);
    }
    let s = pick(spaces) + pick(['', '', '+', '-']) + body + pick(spaces);
    if (random() < 0.05) s += pick(['\0', '\0junk', 'x', ' x']);
    out.push(s);
  }
  return out;
}

function baseCases(random: () => number): Case[] {
  const cases: Case[] = [];
  const int = (n: number): number => Math.floor(random() * n);
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFXYZ';
  for (let i = 0; i < 30000; i++) {
    const base = 2 + int(35);
    let s = ['', ' ', '\t\n'][int(3)]! + ['', '', '+', '-'][int(4)]! + (random() < 0.15 ? ['0x', '0X'][int(2)]! : '');
    const length = int(5) === 0 ? int(30) : int(6);
    for (let k = 0; k < length; k++) s += alphabet[int(base < 36 && random() < 0.8 ? Math.min(base, alphabet.length) : alphabet.length)];
    s += ['', '', ' ', '  \r', 'z', '\0', '.5'][int(7)]!;
    cases.push({ fn: 'tonumber', args: [s, base] });
  }
  for (const [s, base] of [['ffffffffffffffff', 16], ['10000000000000000', 16], ['-1', 16], ['-ffffffffffffffff', 16], ['-10000000000000000', 16], ['1111', 2], ['zz', 36], ['ZZ', 36], ['0x', 16], ['0x1', 16], ['0x1', 17], ['  7  ', 8], ['8', 8], ['', 2]] as const) {
    cases.push({ fn: 'tonumber', args: [s, base] });
  }
  return cases;
}

t.test('known conversions', async (t) => {
  const z = 0;
  t.equal(numberToString(z / z), '-nan', '0/0 is a negative NaN on x86, as lua5.1 prints it');
  t.equal(numberToString(-(z / z)), 'nan');
  t.equal(numberToString(1 / z), 'inf');
  t.equal(numberToString(-1 / z), '-inf');
  t.equal(numberToString(-0), '-0');
  t.equal(numberToString(1e15), '1e+15');
  t.equal(numberToString(1e-5), '1e-05');
  t.equal(numberToString(0.1), '0.1');
  t.equal(numberToString(2 ** 53), '9.007199254741e+15');
  t.equal(numberToString(123456789012345), '1.2345678901234e+14', 'an exact tie rounds to even');
  t.equal(numberToString(1 / 3), '0.33333333333333');
  t.equal(formatG14(99999999999999.5), '1e+14');
  t.equal(stringToNumber(' 0x10 '), 16);
  t.equal(stringToNumber('0x1p4'), 16);
  t.equal(stringToNumber('10 x'), undefined);
  t.equal(stringToNumber('5\0junk'), 5);
  t.equal(stringToNumber('infinity'), Infinity);
  t.equal(numberToString(stringToNumber('-nan')!), '-nan');
  t.equal(toNumberBase('-1', 16), 2 ** 64);
  t.equal(toNumberBase('0x10', 16), 16);
  t.equal(toNumberBase(' 11 ', 2), 3);
  t.equal(toNumberBase('0x', 16), undefined);
});

t.test('differential against lua5.1', async (t) => {
  if (LUA51 === undefined) {
    t.plan(0, 'lua5.1 is not installed');
    return;
  }
  const seed = testSeed();
  t.comment(`seed ${seed} (SEED=${seed} replays)`);
  const random = seededFloats(seed);
  const library = numbersLibrary();
  const run = (name: string, cases: Case[]): void => {
    const expected = runCasesInLua(cases);
    const actual = runCasesInTs(cases, library);
    const { failures, report } = compareLines(cases, expected, actual);
    t.equal(failures, 0, `${name}: ${cases.length - failures} of ${cases.length} cases agree`, { diff: report.join('\n') });
  };
  run('tostring', doubles(random).map((x) => ({ fn: 'tostring', args: [x] })));
  run('tonumber', numberStrings(random).map((s) => ({ fn: 'tonumber', args: [s] })));
  run('tonumber with a base', baseCases(random));
});
