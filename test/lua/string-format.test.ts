/**
 * string.format (string-format.ts) against lua5.1: hand-written edge cases (C integer casts,
 * printf rounding ties, inf/nan, flags, the width/precision limits, %q, %s with NULs and long
 * strings, %c of 0) and seeded random conversion specs applied to random numbers and strings.
 * SEED=n replays a run.
 */
import t from 'tap';
import { openStringLib } from '../../server/scripting/lua/string-lib';
import { compareLines, LUA51, runCasesInLua, runCasesInTs, testSeed, type Arg, type Case } from './string-lib-harness';
import { seededFloats } from '../../storage/random';

const f = (...args: Arg[]): Case => ({ fn: 'format', args });
const z = 0;
const NEG_NAN = z / z; // x86's default NaN: sign bit set
const POS_NAN = -NEG_NAN;

function handCases(): Case[] {
  const cases: Case[] = [];
  const integers = [0, -0, 1, -1, 3.7, -3.7, 2 ** 31, 2 ** 32 + 65, 2 ** 53, 2 ** 63, -(2 ** 63), 2 ** 64, 2 ** 63 + 2 ** 11, 1e100, -1e100, NEG_NAN, POS_NAN, Infinity, -Infinity, -191, 255, 256, '10', ' 0x10 ', '1e2', 'x'];
  for (const spec of ['%d', '%i', '%5d', '%-5d|', '%05d', '%+d', '% d', '%.3d', '%.0d', '%#x', '%#o', '%#X', '%x', '%X', '%o', '%u', '%c', '%5c|', '%-5c|', '%05c', '%+.3i', '%-+08.3d', '%#.0o', '%#.0x', '%#5.3o']) {
    for (const n of integers) cases.push(f(spec, n));
  }
  const floats = [999.5, 99.95, 9999999999.5, 9.5, 0.0009995, 0, -0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, 2.675, 1e-5, 1e-4, 123456, 1234567, 1e15, 1e16, 1e22, 1e300, 1.7976931348623157e308, 5e-324, 1e-310, 2 ** -1074, 0.1, 1 / 3, 9.9999995, 99.5, 0.05, 25, 100000, 999999.5, NEG_NAN, POS_NAN, Infinity, -Infinity];
  for (const spec of ['%f', '%.0f', '%.1f', '%.2f', '%.3f', '%.20f', '%.99f', '%e', '%.0e', '%#.0e', '%E', '%.3e', '%.16e', '%g', '%.0g', '%#.0g', '%#g', '%#.3g', '%.20g', '%G', '%.14g', '%.17g', '%+f', '% f', '%010.3f', '%-10.2e|', '%+.1f', '%#.0f', '%08.2f', '%-8.2f|', '%+G', '% g', '%099.3f', '%.99e', '%.99g']) {
    for (const x of floats) cases.push(f(spec, x));
  }
  for (const s of ['', 'abc', 'a\0bcdef', 'x'.repeat(99), 'x'.repeat(100), 'a\0'.repeat(60), '\n\r\0\t"\\\x1a\xff', '\x001', 12.5, 1 / 3, NEG_NAN]) {
    for (const spec of ['%s', '%5s|', '%-5s|', '%.2s', '%5.1s', '%05s', '%.0s', '%.s', '%99s', '%.99s', '%q', '%-5q|', '%10.3q']) cases.push(f(spec, s));
  }
  for (const fmt of ['%y', '%F', '%a', '%n', '%-----5d', '%------5d', '%100d', '%99d', '%.100d', '%.99f', '%', '%5', '%.5', '%5.', '%.', '%\0d', '%-\0', 'abc%%def', '%%', '%d %d', '%.f|%.e|%.g', '% +d', '%+ d', '%0-5d|', '%-05d|', '%#5x', '%#05x', '%-#5x|']) {
    cases.push(f(fmt, 1.5), f(fmt), f(fmt, 1, 2, 3));
  }
  cases.push(f(), f(12), f(12.5), f('%d', 'x'), f('%d', undefined), f('%s', undefined), f('%s', { table: 'map' }), f('%q', undefined), f('%s %s', 1), f('%c%c%c', 65, 0, 66), f('%s', true));
  return cases;
}

function randomNumber(random: () => number): number | string {
  const int = (n: number): number => Math.floor(random() * n);
  switch (int(10)) {
    case 0:
      return [0, -0, NEG_NAN, POS_NAN, Infinity, -Infinity, 2 ** 63, -(2 ** 63), 2 ** 64, 2 ** 53 + 1, 5e-324, 1.7976931348623157e308][int(12)]!;
    case 1:
      return (int(20001) - 10000) / [1, 2, 4, 8, 16, 32, 10, 100, 1000][int(9)]!;
    case 2: {
      const words = new Uint32Array(2);
      words[0] = int(4294967296);
      words[1] = int(4294967296);
      return new Float64Array(words.buffer)[0]!;
    }
    case 3:
      return Number(`${int(2) === 0 ? '-' : ''}${int(100000)}e${int(60) - 30}`);
    case 4:
      return Number(`${int(10 ** 15)}e${int(640) - 330}`);
    case 5:
      return [' 10 ', '0x1F', '1e3', '-2.5', 'abc', '', '12.5x'][int(7)]!;
    default:
      return (random() - 0.5) * 10 ** (int(30) - 10);
  }
}

function randomString(random: () => number): string {
  const alphabet = 'abc \0\n\r"\\\x01\x1a\xff%';
  let s = '';
  const length = random() < 0.15 ? 95 + Math.floor(random() * 30) : Math.floor(random() * 8);
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

function randomCases(random: () => number, count: number): Case[] {
  const int = (n: number): number => Math.floor(random() * n);
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    let fmt = random() < 0.3 ? 'x' : '';
    const args: Arg[] = [];
    for (let k = 1 + (random() < 0.2 ? 1 : 0); k > 0; k--) {
      let spec = '%';
      for (let n = int(4) === 0 ? int(7) : int(3); n > 0; n--) spec += '-+ #0'[int(5)];
      if (random() < 0.5) spec += String(int(random() < 0.1 ? 1000 : 30));
      if (random() < 0.5) spec += '.' + (random() < 0.2 ? '' : String(int(random() < 0.1 ? 1000 : 25)));
      const conversion = random() < 0.02 ? 'yF\0%'[int(4)]! : 'diouxXcfeEgGqs'[int(14)]!;
      spec += conversion;
      fmt += spec + (random() < 0.3 ? '|' : '');
      const roll = random();
      if (roll < 0.03) continue; // a missing argument
      args.push(conversion === 's' || conversion === 'q' ? (random() < 0.8 ? randomString(random) : randomNumber(random)) : randomNumber(random));
    }
    cases.push(f(fmt, ...args));
  }
  return cases;
}

t.test('differential against lua5.1', async (t) => {
  if (LUA51 === undefined) {
    t.plan(0, 'lua5.1 is not installed');
    return;
  }
  const seed = testSeed();
  t.comment(`seed ${seed} (SEED=${seed} replays)`);
  const random = seededFloats(seed);
  const library = openStringLib();
  const run = (name: string, cases: Case[]): void => {
    const expected = runCasesInLua(cases);
    const actual = runCasesInTs(cases, library);
    const { failures, report } = compareLines(cases, expected, actual);
    t.equal(failures, 0, `${name}: ${cases.length - failures} of ${cases.length} cases agree`, { diff: report.join('\n') });
  };
  run('hand-written cases', handCases());
  run('random specs', randomCases(random, 100000));
});
