/*
 * HyperLogLog strings built by hand for the differential tests (and the steps the HLL test files
 * share: the change counter, element lists, the cached cardinality): sketches no sequence of PFADDs
 * would make (registers at the saturation value 51, above it, every register set), and corrupt
 * ones (sparse opcodes that cover too few or too many registers, a truncated last XZERO). Both
 * servers are given the same bytes with SET and must answer the same.
 *
 * The layout is Redis's (storage/hyperloglog.ts explains it); this file spells it out again on
 * its own, so that a test does not rely on the code it checks.
 */

import { check, type Step } from './harness';
import type { Comparator } from './compare';
import { escapeMultiline, type Arg } from '../../bench/harness/resp';

const REGISTERS = 16384;

/** Compares only the rdb_changes_since_last_save line of INFO persistence. */
const dirtyCounter: Comparator = (redis, target) => {
  const pick = (b: Buffer): string => /rdb_changes_since_last_save:\d+/.exec(b.toString('latin1'))?.[0] ?? escapeMultiline(b);
  return { expected: pick(redis), actual: pick(target) };
};
/** A step comparing how many changes each server counted (PFADD counts per raised register). */
export const changes = (): Step => check(dirtyCounter, 'INFO', 'persistence');

export const elements = (prefix: string, count: number, from = 0): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i + from}`);
/** The cached cardinality: bytes 8..15 of the string. */
export const cache = (key: string): Arg[] => ['GETRANGE', key, '8', '15'];

function header(encoding: number, staleCache: boolean): Buffer {
  const h = Buffer.alloc(16);
  h.write('HYLL', 0, 'latin1');
  h[4] = encoding;
  if (staleCache) h[15] = 0x80;
  return h;
}

/** A dense sketch whose register i holds registerAt(i) (0..63). */
export function denseSketch(registerAt: (i: number) => number, staleCache = true): Buffer {
  const registers = Buffer.alloc(REGISTERS * 6 / 8);
  for (let i = 0; i < REGISTERS; i++) {
    const value = registerAt(i) & 63;
    for (let bit = 0; bit < 6; bit++) {
      if (((value >> bit) & 1) === 0) continue;
      const at = i * 6 + bit;
      registers[at >> 3]! |= 1 << (at & 7);
    }
  }
  return Buffer.concat([header(0, staleCache), registers]);
}

/** A sparse sketch made of these opcode bytes. */
export function sparseSketch(opcodes: readonly number[], staleCache = true): Buffer {
  return Buffer.concat([header(1, staleCache), Buffer.from(opcodes)]);
}

/** Sparse opcodes. */
export const zero = (run: number): number[] => [run - 1];
export const xzero = (run: number): number[] => [((run - 1) >> 8) | 0x40, (run - 1) & 0xff];
export const val = (value: number, run: number): number[] => [0x80 | ((value - 1) << 2) | (run - 1)];

/** A deterministic scatter of small numbers (no Math.random: cases must replay). */
export function scatter(i: number, modulo: number): number {
  return (Math.imul(i + 1, 2654435761) >>> 16) % modulo;
}

/**
 * Elements whose hash has 32 zeros above the register index, so they bring a count of 33: more
 * than a sparse VAL opcode holds (32), which turns a sparse sketch dense at once. Found by a
 * brute-force search over 8-byte little-endian counters (about one hash in 2^32 qualifies).
 */
export const COUNT_33_ELEMENTS: readonly Buffer[] = [3130853818n, 7555790606n, 9524120947n].map((n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
});
