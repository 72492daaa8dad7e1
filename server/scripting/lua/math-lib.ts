/**
 * Lua 5.1's math library as Redis 7.0 loads it, with Redis's own random generator.
 *
 * Redis replaces math.random and math.randomseed with a 48-bit linear congruential generator
 * of its own (the lrand48 recurrence: x = x * 0x5DEECE66D + 0xB mod 2^48, each draw the top 31
 * bits; randomseed(s) starts from x = s * 2^16 + 0x330E), so that a seeded script draws the same
 * numbers on every platform. A draw in [0, 1) is (draw mod (2^31 - 1)) / (2^31 - 1), and
 * random(m) / random(m, n) scale it as Lua 5.1 does: floor(r * m) + 1 and floor(r * (n - m + 1)) + m.
 *
 * Redis's generator is one C global: it starts from lrand48's own initial state
 * (x = 0x1234ABCD330E, so a fresh server's first math.random() is 0.39646477363839), is never
 * reseeded by Redis itself (not per script, not by SCRIPT FLUSH), and EVAL and FCALL draw from
 * it in turn. Here the node owns the one generator and both engines' math tables use it.
 */
import { LuaTable } from './table';
import { checkNumber } from './lib-args';
import { NativeFunction, type LuaValue } from './values';
import { cAtan2, cFabs, cFmod, cPow, DEFAULT_NAN, keepingNaN, oneResult, POSITIVE_NAN, twoResults, withDomain } from './libm';

const MULTIPLIER = 0x5deece66dn;
const INCREMENT = 0xbn;
const MASK_48 = (1n << 48n) - 1n;
const RAND_MAX = 2147483647;

/** lrand48's state before any seeding. */
const INITIAL_STATE = 0x1234abcd330en;

export class RedisRandom {
  private state = INITIAL_STATE;

  seed(seed: number): void {
    this.state = ((BigInt.asIntN(32, BigInt(Math.trunc(seed))) << 16n) | 0x330en) & MASK_48;
  }

  /** A draw in [0, 1), as Redis's math.random computes it. */
  next(): number {
    this.state = (this.state * MULTIPLIER + INCREMENT) & MASK_48;
    const draw = Number(this.state >> 17n);
    return (draw % RAND_MAX) / RAND_MAX;
  }
}

/** frexp: x = m * 2^e with 0.5 <= |m| < 1 (m = x and e = 0 for 0, inf and nan). */
function frexp(x: number): LuaValue[] {
  if (x === 0 || !Number.isFinite(x)) return twoResults(x, 0);
  let mantissa = x;
  let exponent = 0;
  // Subnormals first: scale into the normal range (2^-1074 * 2^64 is normal), so 2^-e below
  // never overflows to infinity.
  if (Math.abs(mantissa) < 2 ** -1022) {
    mantissa *= 2 ** 64;
    exponent -= 64;
  }
  const e = Math.floor(Math.log2(Math.abs(mantissa))) + 1;
  mantissa = ldexp(mantissa, -e);
  exponent += e;
  // log2 can be off by one near powers of two; settle into [0.5, 1) (bounded: a step or two).
  for (let i = 0; i < 4 && Math.abs(mantissa) < 0.5; i++) {
    mantissa *= 2;
    exponent--;
  }
  for (let i = 0; i < 4 && Math.abs(mantissa) >= 1; i++) {
    mantissa /= 2;
    exponent++;
  }
  return twoResults(mantissa, exponent);
}

function ldexp(m: number, e: number): number {
  // In steps, so that neither 2^e nor the product overflows or underflows early.
  let result = m;
  let exponent = Math.trunc(e);
  while (exponent > 1000) {
    result *= Math.pow(2, 1000);
    exponent -= 1000;
  }
  while (exponent < -1000) {
    result *= Math.pow(2, -1000);
    exponent += 1000;
  }
  return result * Math.pow(2, exponent);
}

export function openMathLib(random: RedisRandom): LuaTable {
  const math = new LuaTable(0, 32);
  const unary = (name: string, f: (x: number) => number): void => {
    math.setStr(name, new NativeFunction(name, (rt, args) => oneResult(f(checkNumber(rt, args, 1, name)))));
  };
  // The second argument is checked first: C Lua's `f(luaL_checknumber(L, 1), luaL_checknumber(L,
  // 2))` is compiled by gcc right to left, so math.fmod() complains about #2 in Redis.
  const binary = (name: string, f: (x: number, y: number) => number): void => {
    math.setStr(name, new NativeFunction(name, (rt, args) => {
      const y = checkNumber(rt, args, 2, name);
      return oneResult(f(checkNumber(rt, args, 1, name), y));
    }));
  };
  // NaN in, NaN (the same) out; a NaN made from numbers as glibc makes it (libm.ts).
  const infinite = (x: number): boolean => !Number.isFinite(x);
  unary('abs', cFabs);
  unary('acos', withDomain(Math.acos, (x) => Math.abs(x) > 1, POSITIVE_NAN));
  unary('asin', withDomain(Math.asin, (x) => Math.abs(x) > 1, POSITIVE_NAN));
  unary('atan', keepingNaN(Math.atan));
  binary('atan2', cAtan2);
  unary('ceil', keepingNaN(Math.ceil));
  unary('cos', withDomain(Math.cos, infinite, DEFAULT_NAN));
  unary('cosh', keepingNaN(Math.cosh));
  unary('deg', keepingNaN((x) => x * (180 / Math.PI)));
  unary('exp', keepingNaN(Math.exp));
  unary('floor', keepingNaN(Math.floor));
  binary('fmod', cFmod);
  binary('mod', cFmod);
  unary('log', withDomain(Math.log, (x) => x < 0, DEFAULT_NAN));
  unary('log10', withDomain(Math.log10, (x) => x < 0, POSITIVE_NAN));
  binary('pow', cPow);
  unary('rad', keepingNaN((x) => x * (Math.PI / 180)));
  unary('sin', withDomain(Math.sin, infinite, DEFAULT_NAN));
  unary('sinh', keepingNaN(Math.sinh));
  unary('sqrt', withDomain(Math.sqrt, (x) => x < 0, DEFAULT_NAN));
  unary('tan', withDomain(Math.tan, infinite, DEFAULT_NAN));
  unary('tanh', keepingNaN(Math.tanh));
  math.setStr('frexp', new NativeFunction('frexp', (rt, args) => frexp(checkNumber(rt, args, 1, 'frexp'))));
  math.setStr('ldexp', new NativeFunction('ldexp', (rt, args) => {
    const e = Math.trunc(checkNumber(rt, args, 2, 'ldexp'));
    return oneResult(ldexp(checkNumber(rt, args, 1, 'ldexp'), e));
  }));
  math.setStr('modf', new NativeFunction('modf', (rt, args) => {
    const x = checkNumber(rt, args, 1, 'modf');
    const whole = x >= 0 ? Math.floor(x) : Math.ceil(x);
    return twoResults(whole, Number.isFinite(x) ? x - whole : Number.isNaN(x) ? x : 0);
  }));
  const extreme = (name: string, better: (candidate: number, best: number) => boolean): void => {
    math.setStr(name, new NativeFunction(name, (rt, args) => {
      let best = checkNumber(rt, args, 1, name);
      for (let i = 2; i <= args.length; i++) {
        const candidate = checkNumber(rt, args, i, name);
        if (better(candidate, best)) best = candidate;
      }
      return oneResult(best);
    }));
  };
  extreme('max', (candidate, best) => candidate > best);
  extreme('min', (candidate, best) => candidate < best);
  math.setStr('random', new NativeFunction('random', (rt, args) => {
    const r = random.next();
    switch (args.length) {
      case 0:
        return [r];
      case 1: {
        const upper = Math.trunc(checkNumber(rt, args, 1, 'random'));
        if (!(upper >= 1)) rt.error("bad argument #1 to 'random' (interval is empty)");
        return [Math.floor(r * upper) + 1];
      }
      case 2: {
        const lower = Math.trunc(checkNumber(rt, args, 1, 'random'));
        const upper = Math.trunc(checkNumber(rt, args, 2, 'random'));
        if (!(lower <= upper)) rt.error("bad argument #2 to 'random' (interval is empty)");
        return [Math.floor(r * (upper - lower + 1)) + lower];
      }
      default:
        return rt.error('wrong number of arguments');
    }
  }));
  math.setStr('randomseed', new NativeFunction('randomseed', (rt, args) => {
    random.seed(Math.trunc(checkNumber(rt, args, 1, 'randomseed')));
    return [];
  }));
  math.setStr('pi', Math.PI);
  math.setStr('huge', Number.POSITIVE_INFINITY);
  return math;
}
