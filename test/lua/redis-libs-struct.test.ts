/**
 * struct against redis-server 7.0: pack, unpack and size on hand-written formats (every option,
 * endianness, alignment including sizes that are not powers of two, wide integers, c0 and s,
 * start positions, and every error), then seeded random formats with random values: packed,
 * the result unpacked again (whole, cut short, from other positions), and sized. Each case runs
 * as an EVAL on a real redis-server and on openStruct(); outcomes must be identical.
 */
import t, { type Test } from 'tap';
import { openStruct } from '../../server/scripting/lua/redis-libs/struct';
import { NIL, NO_REDIS, RedisReference, TRUE, libraryKeyOrders, num, runTs, str, table, type Call, type Spec } from './redis-libs-harness';
import { seededFloats } from '../../storage/random';

async function same(t: Test, redis: RedisReference, calls: Call[]): Promise<boolean> {
  const expected = await redis.run('struct', calls);
  const actual = runTs(openStruct(), calls);
  const name = calls.map((c) => `${c.fn}(${c.args.map((a) => a.lua).join(', ')})`).join('; ');
  t.equal(actual, expected, name.length > 200 ? `${name.slice(0, 200)}...` : name);
  return actual === expected;
}

const pack = (format: string, ...args: Spec[]): Call => ({ fn: 'pack', args: [str(format), ...args] });
const unpack = (format: string, data: string, ...args: Spec[]): Call => ({ fn: 'unpack', args: [str(format), str(data), ...args] });
const size = (format: string): Call => ({ fn: 'size', args: [str(format)] });
const hex = (h: string): string => Buffer.from(h.replace(/\s/g, ''), 'hex').toString('latin1');

async function packCases(t: Test, redis: RedisReference): Promise<void> {
  const integers: Array<[string, number]> = [
    ['>i', 1], ['<i', 1], ['i', -2], ['b', 200], ['B', -1], ['>h', 0x1234], ['>l', -1], ['>L', 2 ** 63], ['>L', 2 ** 64], ['>L', 1e30],
    ['>L', Infinity], ['>l', -Infinity], ['>L', NaN], ['>T', 5], ['>i3', -2], ['>i16', -1], ['<i16', -1], ['>I10', 2 ** 70], ['>i1', 2.9],
    ['>i1', -2.9], ['<i32', -5], ['>I', 2 ** 32 + 5], ['>i8', -(2 ** 63)], ['>i8', -(2 ** 63) - 4096], ['<I8', 2 ** 63 + 4096], ['i0', 1],
    ['>h', 70000.9], ['>H', -70000.9], ['<l', 2 ** 53 + 2],
  ];
  for (const [format, n] of integers) await same(t, redis, [pack(format, num(n))]);
  for (const n of [1.5, 0.1, 1e300, -1e-300, Infinity, NaN, -0, 16777217]) {
    for (const format of ['>f', '<f', '>d', '<d']) await same(t, redis, [pack(format, num(n))]);
  }
  const others: Array<[string, Spec[]]> = [
    ['c3', [str('abcd')]], ['c0', [str('abcd')]], ['c', [str('xy')]], ['s', [str('ab')]], ['s', [str('a\0b')]], ['x', []], ['bxh', [num(1), num(2)]],
    ['!bxh', [num(1), num(2)]], ['!4 b d', [num(1), num(2)]], ['!b d', [num(1), num(2)]], ['!2bi', [num(1), num(2)]], ['!bi3', [num(1), num(2)]],
    ['b!8i3', [num(1), num(2)]], ['!8bc3', [num(1), str('xyz')]], ['>!4 i3 i5', [num(1), num(2)]], ['!16b', [num(1)]], ['!1bd', [num(1), num(2)]],
    ['c', [num(12)]], ['s', [num(12)]], ['i3', [num(2 ** 23), num(2 ** 24 + 5)]], ['b\0b', [num(1), num(2)]], ['', []], ['   ', []],
    ['i', [str('12')]], ['i', [str(' 0x10 ')]], ['!bbhbibdbl', [num(1), num(2), num(3), num(4), num(5), num(6), num(7), num(8), num(9), num(10)]],
    // Errors.
    ['z', []], ['\u00c8', []], ['!3', []], ['!0', []], ['!', []], ['i33', [num(1)]], ['i99999999999', [num(1)]], ['i2147483647', [num(1)]],
    ['c2147483648', [num(1)]], ['i', []], ['i', [str('x')]], ['i', [TRUE]], ['c3', [str('ab')]], ['bc3', [num(1), str('ab')]], ['s', [table([])]],
    ['<ii', [num(1)]], ['<iii', [num(1)]], ['<is', [num(1)]], ['<ic2', [num(1)]], ['f', [NIL]], ['d', [str('1e2')]],
  ];
  for (const [format, args] of others) await same(t, redis, [pack(format, ...args)]);
  await same(t, redis, [{ fn: 'pack', args: [] }]);
  await same(t, redis, [{ fn: 'pack', args: [num(12), num(1)] }]);
  await same(t, redis, [{ fn: 'pack', args: [table([])] }]);
}

async function unpackCases(t: Test, redis: RedisReference): Promise<void> {
  const cases: Call[] = [
    unpack('>i', hex('00000001')),
    unpack('<i2I2bB', hex('feff feff ff ff')),
    unpack('>i16', hex('ffffffffffffffff0000000000000001')),
    unpack('>i16', hex('00000000000000008000000000000001')),
    unpack('>I16', hex('ffffffffffffffffffffffffffffffff')),
    unpack('>i9', hex('00ffffffffffffffff')),
    unpack('>i9', hex('000fffffffffffffff')),
    unpack('<i9', hex('ffffffffffffffff7f')),
    unpack('>I8', hex('ffffffffffffffff')),
    unpack('>i8', hex('8000000000000001')),
    unpack('>i3', hex('800000')),
    unpack('<i32', hex('ff'.repeat(32))),
    unpack('>f>d', hex('3fc00000 3ff8000000000000')),
    unpack('<f<d', hex('7fc00001 000000000000f87f')),
    unpack('T', 'abcdefgh'),
    unpack('i0', 'abc'),
    unpack('b c0', hex('02616263')),
    unpack('c2 c0', '12abcdefghijklmn'),
    unpack('c1 c0', '2abc'),
    unpack('c2 c0', hex('0103616263')),
    unpack('c0', 'abc'),
    unpack('c0', '3abc'),
    unpack('c0', 'abcdef', num(2)),
    unpack('x c0', '3abc'),
    unpack('s c0', 'abc\0'),
    unpack('b c0 c0', '\u0002ab'),
    unpack('b c0', '\u00ffabc'),
    unpack('B c0', '\u0005abc'),
    unpack('d c0', `${hex('0000000000000040')}abcd`),
    unpack('>d c0', `${hex('7ff8000000000000')}abcd`),
    unpack('d c0', `${hex('300fc0b92e9e7c7e')}abcd`),
    unpack('d c0', `${hex('000000000000f043')}abcd`),
    unpack('d c0', `${hex('010000000000e043')}abcd`),
    unpack('s s', 'ab\0cd\0xx'),
    unpack('s', 'abc'),
    unpack('s', ''),
    unpack('s', 'a', num(2)),
    unpack('bb', 'abcd', num(2)),
    unpack('bb', 'abcd', num(3)),
    unpack('bb', 'abcd', num(4)),
    unpack('!bi', hex('0100000002000000')),
    unpack('!bi', hex('01000000020000')),
    unpack('!4 i3 i5', hex('00000000010000000000000002')),
    unpack('z', ''),
    unpack('\u00c8', '2abc'),
    unpack('i33', 'abc'),
    unpack('!5', 'abc'),
  ];
  for (const c of cases) await same(t, redis, [c]);
  for (const position of [0, -1, -5, 1, 2.7, 5, 6, 10, 0.5, -0.5, 2 ** 53, 2 ** 63, -(2 ** 63), NaN]) {
    await same(t, redis, [unpack('', 'abcd', num(position))]);
    await same(t, redis, [unpack('b', 'abcd', num(position))]);
    await same(t, redis, [unpack('x', 'abcd', num(position))]);
    await same(t, redis, [unpack('>', 'abcd', num(position))]);
  }
  await same(t, redis, [unpack('b', 'a', str('x'))]);
  await same(t, redis, [unpack('b', 'a', str('1'))]);
  await same(t, redis, [{ fn: 'unpack', args: [str('b')] }]);
  await same(t, redis, [{ fn: 'unpack', args: [str('b'), table([])] }]);
  await same(t, redis, [{ fn: 'unpack', args: [str('b'), num(5)] }]);
  // The Lua stack: results, with 2 and 3 arguments.
  await same(t, redis, [unpack('b'.repeat(7997), 'a'.repeat(8000))]);
  await same(t, redis, [unpack('b'.repeat(7998), 'a'.repeat(8000))]);
  await same(t, redis, [unpack('b'.repeat(7996), 'a'.repeat(8000), num(1))]);
  await same(t, redis, [unpack('b'.repeat(7997), 'a'.repeat(8000), num(1))]);
  await same(t, redis, [unpack('b'.repeat(7998), 'a'.repeat(7997))]);
}

async function sizeCases(t: Test, redis: RedisReference): Promise<void> {
  const formats = [
    'i', 'bd', '!bd', 'z', '!bi3i5', 'c10', 'x', '>', '', 's', 'c0', '!3', 'i0', 'c', '?', '\u00c8', 'i33', 'i99999999999', '!4 i3 i5 d c7 h',
    'bhilfdTxc2', '!bhilfdTxc2', 'b!2d!4d!8d', 'abc', '123',
  ];
  for (const format of formats) await same(t, redis, [size(format)]);
  await same(t, redis, [{ fn: 'size', args: [] }]);
  await same(t, redis, [{ fn: 'size', args: [num(12)] }]);
  const [actual, expected] = await libraryKeyOrders(redis, 'struct', openStruct);
  t.equal(actual, expected, 'pairs(struct) order');
}

// ---- random cases ---------------------------------------------------------------------------

interface RandomItem {
  text: string;
  value?: Spec;
}

function randomString(rand: () => number, length: number, withNul: boolean): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const c = Math.floor(rand() * 256);
    s += String.fromCharCode(c === 0 && !withNul ? 1 : c);
  }
  return s;
}

function randomInteger(rand: () => number): number {
  const r = rand();
  if (r < 0.4) return Math.floor((rand() - 0.5) * 2 ** (1 + Math.floor(rand() * 40)));
  if (r < 0.6) return (rand() - 0.5) * 2 ** Math.floor(rand() * 70);
  if (r < 0.7) return [2 ** 63, -(2 ** 63), 2 ** 64, 2 ** 53 + 2, -1, 0, 255, 256, -129, Infinity, NaN][Math.floor(rand() * 11)]!;
  return Math.floor(rand() * 300) - 20;
}

function randomItem(rand: () => number): RandomItem {
  const r = rand();
  if (r < 0.12) return { text: ['>', '<', ' ', '!', `!${[1, 2, 4, 8, 16][Math.floor(rand() * 5)]}`, '!3'][Math.floor(rand() * 6)]! };
  if (r < 0.55) {
    const letter = 'bBhHlLTiI'.charAt(Math.floor(rand() * 9));
    const width = (letter === 'i' || letter === 'I') && rand() < 0.6 ? String(Math.floor(rand() * (rand() < 0.05 ? 40 : 17))) : '';
    return { text: letter + width, value: num(randomInteger(rand)) };
  }
  if (r < 0.7) {
    const values = [1.5, 0.1, -2.25, 1e300, 3.4e38, NaN, Infinity, -0, (rand() - 0.5) * 1e6];
    return { text: rand() < 0.5 ? 'f' : 'd', value: num(values[Math.floor(rand() * values.length)]!) };
  }
  if (r < 0.78) return { text: 'x' };
  if (r < 0.9) {
    const n = Math.floor(rand() * 6);
    const length = rand() < 0.85 ? n + Math.floor(rand() * 3) : Math.max(0, n - 1);
    return { text: `c${rand() < 0.2 ? '' : n}`, value: str(randomString(rand, length, true)) };
  }
  return { text: 's', value: str(randomString(rand, Math.floor(rand() * 6), rand() < 0.2)) };
}

async function randomCases(t: Test, redis: RedisReference, seed: number): Promise<void> {
  t.comment(`random cases, seed ${seed}`);
  const rand = seededFloats(seed);
  const lib = openStruct();
  let mismatches = 0;
  let compared = 0;
  const compare = async (calls: Call[]): Promise<string> => {
    const expected = await redis.run('struct', calls);
    const actual = runTs(lib, calls);
    compared++;
    if (actual !== expected && mismatches++ < 10) {
      t.equal(actual, expected, calls.map((c) => `${c.fn}(${c.args.map((a) => a.lua).join(', ')})`).join('; '));
    }
    return actual;
  };
  for (let i = 0; i < 500; i++) {
    const items = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => randomItem(rand));
    const format = items.map((item) => item.text).join('');
    const values = items.flatMap((item) => (item.value ? [item.value] : []));
    if (rand() < 0.05) values.pop(); // one value missing
    const packed = await compare([{ fn: 'pack', args: [str(format), ...values] }]);
    await compare([size(format)]);
    if (!packed.startsWith('ok s:')) continue;
    let data = Buffer.from(packed.slice(5), 'hex').toString('latin1');
    if (rand() < 0.3) data = data.slice(0, Math.floor(rand() * data.length));
    // (Not negative: a wrapped position plus a 'c' size can wrap back, and C then reads memory.)
    const position = rand() < 0.7 ? [] : [num(Math.floor(rand() * 4))];
    await compare([unpack(format, data, ...position)]);
  }
  t.equal(mismatches, 0, `random cases all identical (${compared} compared)`);
}

t.test('struct against redis-server', async (t) => {
  if (NO_REDIS) {
    t.plan(0, NO_REDIS);
    return;
  }
  const redis = await RedisReference.start();
  t.teardown(() => redis.stop());
  await t.test('pack', (t) => packCases(t, redis));
  await t.test('unpack', (t) => unpackCases(t, redis));
  await t.test('size', (t) => sizeCases(t, redis));
  const seed = Number(process.env.SEED ?? Date.now() % 1000000);
  await t.test('random', (t) => randomCases(t, redis, seed));
});
