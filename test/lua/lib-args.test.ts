/**
 * lib-args' conversions against lua5.1: numbers as strings ("%.14g", through table.concat) and
 * strings as numbers (tonumber), plus the argument error messages.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { checkInt, checkInteger, checkNumber, checkString, checkTable, optString, toLuaString, toNumber } from '../../server/scripting/lua/lib-args';
import { LuaTable } from '../../server/scripting/lua/table';
import { LuaError, type LuaRuntime } from '../../server/scripting/lua/values';
import { seededFloats } from '../../storage/random';

const LUA = '/usr/bin/lua5.1';
/** The differential tests skip, with this reason, where lua5.1 is not installed. */
const NO_LUA = existsSync(LUA) ? false : 'lua5.1 is not installed';


const rt: LuaRuntime = {
  call: () => [],
  tostring: (value) => String(value),
  lessThan: () => false,
  error: (message: string): never => {
    throw new LuaError(`POS: ${message}`);
  },
  getMetatable: () => null,
};

function runLua(source: string): string {
  return execFileSync(LUA, ['-'], { input: source, encoding: 'latin1', maxBuffer: 1 << 26 });
}

{
  t.test('numbers format as lua5.1 formats them (%.14g)', { skip: NO_LUA }, async (t) => {
    const seed = 20240601;
    const random = seededFloats(seed);
    const numbers: number[] = [123456789012345, 12345678901234.5, 99999999999999.5, 999999999999995, 0.5, 1e15, 1e-5, 2 ** 63, 5e-324, 1.7976931348623157e308];
    for (let i = 0; i < 3000; i++) {
      const r = random();
      if (r < 0.3) numbers.push((random() - 0.5) * 10 ** Math.floor(random() * 40 - 20));
      else if (r < 0.5) numbers.push(Math.floor(random() * 1e15) * 10 + 5); // 15-16 digit ties
      else if (r < 0.7) numbers.push(Math.floor(random() * 2 ** 40) + 0.5);
      else if (r < 0.85) numbers.push(Math.floor(random() * 1e6) / 2 ** Math.floor(random() * 30));
      else numbers.push(Math.fround(random() * 1000));
    }
    const source = `local t = {${numbers.map((n) => String(n)).join(',\n')}}\nprint(table.concat(t, '\\n'))\n`;
    const expected = runLua(source).trimEnd().split('\n');
    let wrong = 0;
    numbers.forEach((n, i) => {
      if (toLuaString(n) !== expected[i] && wrong++ < 5) t.equal(toLuaString(n), expected[i], `seed ${seed}: ${String(n)}`);
    });
    t.equal(wrong, 0, `${numbers.length} numbers`);
  });

  t.test('strings convert to numbers as lua5.1 converts them', { skip: NO_LUA }, async (t) => {
    const strings = ['10', ' 10 ', '0x1A', '0X1a', '-0x10', '1e3', '1E+3', '.5', '5.', '.', '', ' ', '1e', 'e1', '0x', '0x1p4', 'inf', '-inf', 'nan', 'infinity', 'INF', '1 2', '1\t', '\n2', '+5', '--5', '0x.8', '1.5e-3', '10abc', '1\x002', '\v7\f'];
    const source = strings.map((s) => `print(tonumber(${JSON.stringify(s).replace(/\\u000b/g, '\\v').replace(/\\u0000/g, '\\000')}))`).join('\n') + '\n';
    const expected = runLua(source).trimEnd().split('\n');
    strings.forEach((s, i) => {
      const number = toNumber(s);
      const shown = number === undefined ? 'nil' : toLuaString(number);
      t.equal(shown, expected[i], JSON.stringify(s));
    });
  });
}

t.test('argument errors', async (t) => {
  t.throws(() => checkTable(rt, [], 1, 'f'), new LuaError("POS: bad argument #1 to 'f' (table expected, got no value)"));
  t.throws(() => checkTable(rt, [undefined], 1, 'f'), new LuaError("POS: bad argument #1 to 'f' (table expected, got nil)"));
  t.throws(() => checkNumber(rt, [1, 'x'], 2, 'g'), new LuaError("POS: bad argument #2 to 'g' (number expected, got string)"));
  t.throws(() => checkString(rt, [new LuaTable()], 1, 'h'), new LuaError("POS: bad argument #1 to 'h' (string expected, got table)"));
  t.equal(checkString(rt, [12.5], 1, 'h'), '12.5');
  t.equal(optString(rt, [undefined], 1, 'h', 'dflt'), 'dflt');
  t.equal(checkNumber(rt, [' 0x10 '], 1, 'g'), 16);
  t.equal(checkInteger(rt, [-2.7], 1, 'g'), -2);
  t.equal(checkInteger(rt, [NaN], 1, 'g'), -(2 ** 63));
  t.equal(checkInt(rt, [2 ** 32 + 7], 1, 'g'), 7);
  t.equal(checkInt(rt, [2 ** 31], 1, 'g'), -(2 ** 31));
  t.equal(checkInt(rt, [1e300], 1, 'g'), 0);
});
