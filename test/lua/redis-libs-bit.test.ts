/**
 * bit against redis-server 7.0: every function on hand-picked numbers (fractions that round to
 * even, values past 32 bits, 2^53, 1e300, inf, nan, numeric strings), argument errors, and
 * seeded random numbers and argument counts. Each case runs as an EVAL on a real redis-server
 * and on openBit(); outcomes must be identical.
 */
import t, { type Test } from 'tap';
import { openBit } from '../../server/scripting/lua/redis-libs/bit';
import { FUNCTION, NIL, NO_REDIS, RedisReference, TRUE, libraryKeyOrders, num, runTs, str, table, type Call, type Spec } from './redis-libs-harness';
import { seededFloats } from '../../storage/random';

const FUNCTIONS = ['tobit', 'tohex', 'bnot', 'band', 'bor', 'bxor', 'lshift', 'rshift', 'arshift', 'rol', 'ror', 'bswap'];

const INTERESTING = [
  0, -0, 1, -1, 2.5, 3.5, -2.5, -3.5, 0.5, 1.5, -0.5, 0.49999999999999994, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32,
  2 ** 32 + 7, 2 ** 52 + 1, -(2 ** 52) - 3, 2 ** 51 + 0.5, 2 ** 53, 2 ** 53 + 2, 2 ** 60 + 12345, 2 ** 63, 1e300, -1e300, 1e-300,
  Infinity, -Infinity, NaN, 0x12345678, 0xdeadbeef, 31, 32, 33, -31, 4.5e15, 123456789.75,
];

async function same(t: Test, redis: RedisReference, calls: Call[]): Promise<boolean> {
  const expected = await redis.run('bit', calls);
  const actual = runTs(openBit(), calls);
  t.equal(actual, expected, calls.map((c) => `${c.fn}(${c.args.map((a) => a.lua).join(', ')})`).join('; '));
  return actual === expected;
}

const call = (fn: string, ...args: Spec[]): Call => ({ fn, args });

async function handCases(t: Test, redis: RedisReference): Promise<void> {
  for (const n of INTERESTING) await same(t, redis, [call('tobit', num(n))]);
  for (const fn of ['bnot', 'bswap', 'tohex']) for (const n of INTERESTING) await same(t, redis, [call(fn, num(n))]);
  for (const fn of ['lshift', 'rshift', 'arshift', 'rol', 'ror']) {
    for (const count of [0, 1, 4, 31, 32, 33, -1, 2.5, 1e300, NaN]) await same(t, redis, [call(fn, num(0x87654321), num(count))]);
    await same(t, redis, [call(fn, num(-256), num(4))]);
  }
  for (const digits of [0, 1, 2, 7, 8, 9, 20, -1, -4, -8, -20, 3.7, -(2 ** 31), 2 ** 31, 2 ** 32 + 3, NaN]) {
    await same(t, redis, [call('tohex', num(0x12abcdef), num(digits))]);
  }
  await same(t, redis, [call('band', num(0xff), num(0x0f0f), num(-1))]);
  await same(t, redis, [call('bor', num(1), num(2), num(4), num(8))]);
  await same(t, redis, [call('bxor', num(5), num(3), num(1))]);
  await same(t, redis, [call('band', num(7))]);
  // Numeric strings, and the errors: the highest bad argument of band/bor/bxor is named.
  for (const s of ['0x10', ' 12 ', '1e3', '0', 'abc', '', '12abc', '0x', 'inf', 'nan', '  -7\t']) await same(t, redis, [call('tobit', str(s))]);
  await same(t, redis, [call('tobit')]);
  await same(t, redis, [call('band')]);
  await same(t, redis, [call('band', num(1), str('x'), table([]))]);
  await same(t, redis, [call('bor', str('x'), num(1))]);
  await same(t, redis, [call('bxor', num(1), num(2), NIL)]);
  await same(t, redis, [call('lshift', num(1))]);
  await same(t, redis, [call('rol', TRUE, num(1))]);
  await same(t, redis, [call('bnot', TRUE)]);
  await same(t, redis, [call('bswap', FUNCTION)]);
  await same(t, redis, [call('tohex', num(1), NIL)]);
  await same(t, redis, [call('tohex', num(1), str('x'))]);
  await same(t, redis, [call('tobit', num(1), str('ignored'))]);
  const [actual, expected] = await libraryKeyOrders(redis, 'bit', openBit);
  t.equal(actual, expected, 'pairs(bit) order');
}

function randomNumber(rand: () => number): Spec {
  const r = rand();
  if (r < 0.3) return num(Math.floor((rand() - 0.5) * 2 ** 34));
  if (r < 0.5) return num(Math.floor((rand() - 0.5) * 2 ** 20) + [0, 0.5, 0.25, 0.75, -0.5][Math.floor(rand() * 5)]!);
  if (r < 0.7) return num((rand() - 0.5) * 2 ** Math.floor(rand() * 80));
  if (r < 0.8) return num(Math.floor(rand() * 64) - 16);
  if (r < 0.9) return num(INTERESTING[Math.floor(rand() * INTERESTING.length)]!);
  return str(String(Math.floor((rand() - 0.5) * 1e6)));
}

async function randomCases(t: Test, redis: RedisReference, seed: number): Promise<void> {
  t.comment(`random cases, seed ${seed}`);
  const rand = seededFloats(seed);
  let mismatches = 0;
  for (let i = 0; i < 1500; i++) {
    const fn = FUNCTIONS[Math.floor(rand() * FUNCTIONS.length)]!;
    const count = fn === 'band' || fn === 'bor' || fn === 'bxor' ? 1 + Math.floor(rand() * 5) : fn === 'tohex' ? 1 + Math.floor(rand() * 2) : 2;
    const args = Array.from({ length: count }, () => randomNumber(rand));
    const calls = [call(fn, ...args)];
    const expected = await redis.run('bit', calls);
    const actual = runTs(openBit(), calls);
    if (actual !== expected && mismatches++ < 10) t.equal(actual, expected, `${fn}(${args.map((a) => a.lua).join(', ')})`);
  }
  t.equal(mismatches, 0, 'random cases all identical');
}

t.test('bit against redis-server', async (t) => {
  if (NO_REDIS) {
    t.plan(0, NO_REDIS);
    return;
  }
  const redis = await RedisReference.start();
  t.teardown(() => redis.stop());
  await t.test('functions and errors', (t) => handCases(t, redis));
  const seed = Number(process.env.SEED ?? Date.now() % 1000000);
  await t.test('random', (t) => randomCases(t, redis, seed));
});
