/*
 * Micro-benchmark: what one SETBIT costs on a large value, given that values are immutable byte
 * strings (storage/bytes.ts) and setting a bit therefore builds a new string.
 *
 *   node dist/bench/setbit-cost.js [--rounds N]
 *
 * Ways to write one bit into a latin1 string of 100 bytes, 1 MB and 16 MB are timed, each
 * followed by one read of a byte of the result (as the next command touching the key would do),
 * because V8 defers work: concatenation builds a rope that is only flattened, at O(length), on
 * first read.
 *   slice+concat   slice, one char, slice
 *   buffer copy    latin1 string -> Buffer, poke the byte, Buffer -> latin1 string
 *   withBit        what SETBIT runs (storage/bits.ts): the first below 4 KB, the second above
 *   mutable buffer the bound a Buffer-backed value would give: poke the byte in place
 * The last one is not a representation hashslot has; it shows what one would buy.
 *
 * Measured on the 2-core reference machine, node 20, while other jobs ran (per SETBIT):
 *   100 B   slice+concat ~0.2 us, buffer copy ~0.5 us
 *   1 MB    slice+concat ~1.0 ms, buffer copy ~0.55 ms, mutable buffer ~0.1 us
 *   16 MB   slice+concat ~14 ms,  buffer copy ~7.5 ms,  mutable buffer ~0.15 us
 * redis-server does the same SETBIT in about a microsecond at any size.
 */

import { withBit } from '../storage/bits';
import { BenchArgs } from './bench-cli';


function timeUs(rounds: number, body: (i: number) => void): number {
  for (let i = 0; i < Math.min(20, rounds); i++) body(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) body(i);
  return Number(process.hrtime.bigint() - start) / 1000 / rounds;
}

function measure(bytes: number, rounds: number): void {
  const bits = bytes * 8;
  let s = 'x'.repeat(bytes);
  let sink = 0;
  const sliceConcat = timeUs(rounds, (i) => {
    const offset = (i * 7919) % bits;
    const index = offset >> 3;
    s = s.slice(0, index) + String.fromCharCode(s.charCodeAt(index) ^ (1 << (7 - (offset & 7)))) + s.slice(index + 1);
    sink += s.charCodeAt(i % bytes);
  });
  let w = 'x'.repeat(bytes);
  const viaWithBit = timeUs(rounds, (i) => {
    w = withBit(w, (i * 7919) % bits, (i & 1) as 0 | 1);
    sink += w.charCodeAt(i % bytes);
  });
  let t = 'x'.repeat(bytes);
  const bufferCopy = timeUs(rounds, (i) => {
    const buf = Buffer.from(t, 'latin1');
    const offset = (i * 7919) % bits;
    buf[offset >> 3] = (buf[offset >> 3] as number) ^ (1 << (7 - (offset & 7)));
    t = buf.latin1Slice(0, buf.length);
    sink += t.charCodeAt(i % bytes);
  });
  const mutable = Buffer.alloc(bytes, 'x');
  const inPlace = timeUs(rounds * 100, (i) => {
    const offset = (i * 7919) % bits;
    mutable[offset >> 3] = (mutable[offset >> 3] as number) ^ (1 << (7 - (offset & 7)));
    sink += mutable[i % bytes] as number;
  });
  const size = bytes >= 1 << 20 ? `${bytes / (1 << 20)} MB` : `${bytes} B`;
  const us = (n: number): string => n.toFixed(n < 10 ? 3 : 0).padStart(8);
  console.log(
    `${size.padStart(6)}  slice+concat ${us(sliceConcat)} us  buffer copy ${us(bufferCopy)} us  withBit ${us(viaWithBit)} us  ` +
      `mutable buffer ${us(inPlace)} us  (per SETBIT, ${rounds} rounds; sink ${sink % 10})`,
  );
}

const rounds = BenchArgs.parse(process.argv.slice(2), { usage: 'usage: node dist/bench/setbit-cost.js [--rounds N]', options: ['rounds'] }).positiveInt('rounds', undefined, 200);
console.log(`node ${process.version}`);
measure(100, rounds * 100);
measure(1 << 20, rounds);
measure(16 << 20, Math.max(10, Math.floor(rounds / 8)));
