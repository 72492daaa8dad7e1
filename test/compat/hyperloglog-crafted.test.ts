/*
 * Differential tests for HyperLogLog sketches that PFADD alone does not make, every reply
 * compared byte for byte with a real redis-server: hand-made strings (hll-strings.ts) with
 * registers at 51 and above (Ertl's tau term, and the 2^63 overflow of a sketch whose every
 * register is saturated), elements whose count of 33 no sparse opcode can hold, and corrupt
 * sketches, given with SET or made by SETRANGE/APPEND over a real one. Each must get Redis's
 * errors (or Redis's answers, where Redis does not notice the damage: a sparse sketch covering
 * too few registers still takes a PFADD below its end) and never crash the server; what a
 * failed command left behind is read back with GET.
 */

import t from 'tap';
import { dualRun, error, type Step } from './harness';
import type { Arg } from '../../bench/harness/resp';
import { cache, changes, COUNT_33_ELEMENTS, denseSketch, elements, scatter, sparseSketch, val, xzero, zero } from './hll-strings';

const dual = dualRun(t);


/** Steps that poke at a (possibly corrupt) sketch in `key` from every command, with GETs between. */
function probe(key: string): Step[] {
  return [
    ['GET', key],
    ['PFCOUNT', key],
    ['PFCOUNT', key, 'missing'],
    ['PFDEBUG', 'ENCODING', key],
    ['PFDEBUG', 'DECODE', key],
    ['PFMERGE', `${key}:merged`, key],
    ['GET', `${key}:merged`],
    ['PFADD', key, 'a'],
    ['GET', key],
    ['PFADD', key, 'b', 'c', 'd', 'e'],
    ['GET', key],
    ['PFADD', key, ...elements('many', 60)],
    ['GET', key],
    ['PFDEBUG', 'TODENSE', key],
    ['GET', key],
    ['PFCOUNT', key],
  ];
}

const CORRUPT_SPARSE: Record<string, Buffer> = {
  'too few registers': sparseSketch([...xzero(16000)]),
  'too many registers': sparseSketch([...xzero(16384), ...zero(1)]),
  'a VAL past the last register': sparseSketch([...xzero(16382), ...val(5, 4)]),
  'a VAL right after the last register': sparseSketch([...xzero(16384), ...val(1, 1)]),
  'two VALs after the last register': sparseSketch([...xzero(16383), ...val(1, 1), ...val(2, 1)]),
  'zeros past the last register, then a VAL': sparseSketch([...xzero(16384), ...xzero(10), ...val(3, 1)]),
  'runs of every kind adding up': sparseSketch([...zero(64), ...val(32, 4), ...val(32, 4), ...xzero(16000), ...val(1, 1), ...zero(311)]),
  'a truncated XZERO at the end': sparseSketch([...zero(64), ...zero(64), ...zero(64), ...zero(63), 0x7f]),
  'only a truncated XZERO': sparseSketch([0x40]),
  'a valid cache over bad opcodes': sparseSketch([...xzero(100)], false),
  'VALs not merged': sparseSketch([...val(2, 1), ...val(2, 1), ...val(2, 2), ...xzero(16380)]),
};

for (const [name, bytes] of Object.entries(CORRUPT_SPARSE)) {
  dual.case(`a crafted sparse sketch: ${name}`, [['SAVE'], ['SET', 'c', bytes], ...probe('c'), changes(), ['SET', 'd', bytes], ['PFDEBUG', 'GETREG', 'd'], ['GET', 'd']]);
}

dual.case('a failing PFADD keeps the registers it raised, uncounted', [
  ['SAVE'],
  ['SET', 'c', sparseSketch([...xzero(9000)])],
  changes(),
  ['PFADD', 'c', ...elements('p', 30)],
  ['GET', 'c'],
  changes(),
  ['PFDEBUG', 'DECODE', 'c'],
]);

dual.case('sketches corrupted with SETRANGE and APPEND', async (pair) => {
  const edits: Arg[][] = [
    ['SETRANGE', 'h', '16', '\x00'],
    ['SETRANGE', 'h', '16', '\x3f'],
    ['SETRANGE', 'h', '17', '\x00'],
    ['SETRANGE', 'h', '17', Buffer.from([0xff])],
    ['SETRANGE', 'h', '4', '\x02'],
    ['SETRANGE', 'h', '4', '\x00'],
    ['SETRANGE', 'h', '15', '\x00'],
    ['SETRANGE', 'h', '0', 'X'],
    ['SETRANGE', 'h', '5', 'abc'],
    ['APPEND', 'h', '\x00'],
    ['APPEND', 'h', Buffer.from([0x80])],
    ['SETRANGE', 'h', '18', Buffer.from([0xfc, 0xfc, 0xfc])],
  ];
  for (const edit of edits) {
    for (const dense of [false, true]) {
      await pair.do('DEL', 'h');
      await pair.do('PFADD', 'h', 'a', 'b', 'c', ...(dense ? elements('d', 3000) : []));
      await pair.do(...edit);
      for (const step of probe('h')) await pair.step(step);
    }
  }
});

const SATURATED = 51;
const DENSE: Record<string, Buffer> = {
  'every register 51 (the count overflows 2^63)': denseSketch(() => SATURATED),
  'every register 63': denseSketch(() => 63),
  'half the registers 51 (Ertl\'s tau term)': denseSketch((i) => (i % 2 === 0 ? SATURATED : scatter(i, 20))),
  'a few registers 51': denseSketch((i) => (i % 997 === 0 ? SATURATED : scatter(i, 12))),
  'registers 0..63 scattered': denseSketch((i) => scatter(i, 64)),
  'registers 0..51 scattered': denseSketch((i) => scatter(i, 52)),
  'every register 50': denseSketch(() => 50),
  'every register 1': denseSketch(() => 1),
  'all zero but one': denseSketch((i) => (i === 16383 ? 7 : 0)),
  'all zero': denseSketch(() => 0),
  'a valid cached count of 2^63-1': Buffer.concat([
    Buffer.from('HYLL\x00\x00\x00\x00', 'latin1'),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
    denseSketch(() => 3).subarray(16),
  ]),
};

for (const [name, bytes] of Object.entries(DENSE)) {
  dual.case(`a crafted dense sketch: ${name}`, [
    ['SAVE'],
    ['SET', 'd', bytes],
    ['PFCOUNT', 'd'],
    cache('d'),
    changes(),
    ['PFCOUNT', 'd'],
    changes(),
    ['PFCOUNT', 'd', 'missing'],
    ['PFADD', 'small', 'a', 'b'],
    ['PFCOUNT', 'd', 'small'],
    ['PFMERGE', 'small', 'd'],
    ['GET', 'small'],
    ['PFCOUNT', 'small'],
    ['PFADD', 'd', ...elements('z', 100)],
    ['GET', 'd'],
    ['PFCOUNT', 'd'],
    ['PFDEBUG', 'GETREG', 'd'],
    error('PFDEBUG', 'DECODE', 'd'),
  ]);
}

const [RARE_A, RARE_B, RARE_C] = COUNT_33_ELEMENTS as [Buffer, Buffer, Buffer];

dual.case('an element counting 33 turns a sparse sketch dense at once', [
  ['PFADD', 'h', 'a', 'b', 'c'],
  ['PFADD', 'h', RARE_A],
  ['PFDEBUG', 'ENCODING', 'h'],
  ['GET', 'h'],
  ['PFCOUNT', 'h'],
  ['PFADD', 'fresh', RARE_B],
  ['PFDEBUG', 'ENCODING', 'fresh'],
  ['GET', 'fresh'],
  ['PFADD', 'batch', 'x', 'y', RARE_C, 'z'],
  ['GET', 'batch'],
  ['PFADD', 'batch', RARE_C],
  ['PFADD', 's', 'q'],
  ['PFMERGE', 's', 'batch'],
  ['PFDEBUG', 'ENCODING', 's'],
  ['GET', 's'],
  ['PFCOUNT', 's', 'h', 'fresh'],
  ['SET', 'bad', sparseSketch([...xzero(9000)])],
  error('PFADD', 'bad', RARE_A),
  ['GET', 'bad'],
]);
