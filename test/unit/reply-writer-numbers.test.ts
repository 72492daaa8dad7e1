/*
 * The reply writer prints integers, bulk lengths and array counts itself, digit by digit, in one
 * of three ways: one digit, 31-bit integer division, and Math.floor for the rest of the safe
 * integers. Each must give exactly JavaScript's own decimal form: checked here at every edge of
 * the three paths and over a seeded spread of values of every length.
 */
import t from 'tap';
import { ReplyWriter } from '../../protocol/reply-writer';
import { SeededRandom } from '../../storage/random';

function written(n: number): string {
  const out = new ReplyWriter();
  out.integer(n);
  return out.take().toString('latin1');
}

const EDGES = [
  0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65535, 65536, 99_999_999, 100_000_000, 999_999_999, 1_000_000_000,
  2 ** 31 - 2, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32, 9_999_999_999, 10_000_000_000,
  Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER,
];

t.test('integers at the edges of each path, both signs', async (t) => {
  for (const n of EDGES) {
    t.equal(written(n), `:${n}\r\n`);
    t.equal(written(-n), `:${n === 0 ? 0 : -n}\r\n`);
  }
});

t.test('a seeded spread of every length', async (t) => {
  const random = new SeededRandom(14);
  const wrong: string[] = [];
  for (let i = 0; i < 200_000; i++) {
    const digits = 1 + (i % 16);
    const n = Math.floor(random.next() * 10 ** digits) * (i % 3 === 0 ? -1 : 1);
    const text = written(n);
    if (text !== `:${n === 0 ? 0 : n}\r\n`) wrong.push(`${n} -> ${JSON.stringify(text)}`);
  }
  t.same(wrong.slice(0, 10), []);
});

t.test('bulk lengths and array counts use the same digits', async (t) => {
  const out = new ReplyWriter();
  out.array(2_147_483_647);
  out.bulk('x'.repeat(12345));
  const text = out.take().toString('latin1');
  t.ok(text.startsWith('*2147483647\r\n$12345\r\nxxx'));
});

t.test('stream IDs written from their halves', async (t) => {
  const asBulk = (ms: number, seq: number): string => {
    const out = new ReplyWriter();
    out.bulkStreamId(ms, seq);
    return out.take().toString('latin1');
  };
  const wrong: string[] = [];
  const check = (ms: number, seq: number): void => {
    const text = `${ms}-${seq}`;
    if (asBulk(ms, seq) !== `$${text.length}\r\n${text}\r\n`) wrong.push(text);
  };
  for (const ms of EDGES) for (const seq of EDGES) check(ms, seq);
  const random = new SeededRandom(19);
  // Halves of every length up to 16 digits, within the safe integers the writer is given.
  const half = (digits: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.floor(random.next() * 10 ** digits));
  for (let i = 0; i < 50_000; i++) check(half(1 + (i % 16)), half(1 + ((i >> 4) % 16)));
  t.same(wrong.slice(0, 10), []);
});
