/**
 * The request parser on its own: every request shape, delivered whole and split at every byte
 * offset, protocol errors with Redis's exact texts, and random input that must never throw
 * anything but a ProtocolError.
 */
import t from 'tap';
import fc from 'fast-check';
import { ByteStringRequestParser, ProtocolError, RequestParser } from '../../protocol/request-parser';

function parseAll(chunks: Buffer[], limits = {}): string[][] {
  const parser = new ByteStringRequestParser(limits);
  const out: string[][] = [];
  for (const chunk of chunks) {
    parser.feed(chunk);
    let argv: string[] | null;
    while ((argv = parser.next()) !== null) out.push(argv);
  }
  return out;
}

function encode(...argvs: string[][]): Buffer {
  let s = '';
  for (const argv of argvs) {
    s += `*${argv.length}\r\n`;
    for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  }
  return Buffer.from(s, 'latin1');
}

function errorOf(input: string, limits = {}): string {
  try {
    parseAll([Buffer.from(input, 'latin1')], limits);
  } catch (err) {
    if (err instanceof ProtocolError) return err.message;
    throw err;
  }
  return 'no error';
}

t.test('multibulk requests, whole and split at every offset', async (t) => {
  const requests = [['SET', 'key', 'value'], ['GET', '\xff\x00key'], ['PING'], ['ECHO', ''], ['MSET', 'a', '1', 'b', '2']];
  const bytes = encode(...requests);
  t.same(parseAll([bytes]), requests);
  for (let cut = 1; cut < bytes.length; cut++) {
    t.same(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)]), requests, `split at ${cut}`);
  }
  const oneByteAtATime = [...bytes].map((b) => Buffer.from([b]));
  t.same(parseAll(oneByteAtATime), requests);
});

t.test('inline requests', async (t) => {
  t.same(parseAll([Buffer.from('PING\r\nSET a "b c"\nGET \'x y\'\r\n')]), [['PING'], ['SET', 'a', 'b c'], ['GET', 'x y']]);
  t.same(parseAll([Buffer.from('\r\n')]), [[]], 'a blank line is an empty request');
  t.same(parseAll([Buffer.from('ECHO "\\x41\\n"\r\n')]), [['ECHO', 'A\n']]);
});

t.test('a large bulk arriving in many chunks is assembled once', async (t) => {
  const big = 'x'.repeat(1024 * 1024);
  const bytes = encode(['SET', 'k', big], ['GET', 'k']);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
  const out = parseAll(chunks);
  t.equal(out.length, 2);
  t.equal(out[0]?.[2]?.length, big.length);
  t.same(out[1], ['GET', 'k']);
});

t.test('pipelines of thousands of requests in one chunk', async (t) => {
  const requests = Array.from({ length: 5000 }, (_, i) => ['SET', `key:${i}`, `v${i}`]);
  t.equal(parseAll([encode(...requests)]).length, 5000);
});

t.test("protocol errors carry Redis's texts", async (t) => {
  t.equal(errorOf('*abc\r\n'), 'Protocol error: invalid multibulk length');
  t.equal(errorOf('*01\r\n'), 'Protocol error: invalid multibulk length');
  t.equal(errorOf('*2\r\n$3\r\nGET\r\n:1\r\n'), "Protocol error: expected '$', got ':'");
  t.equal(errorOf('*1\r\n$-5\r\n'), 'Protocol error: invalid bulk length');
  t.equal(errorOf('*1\r\n$x\r\n'), 'Protocol error: invalid bulk length');
  t.equal(errorOf('*1\r\n$100\r\n', { maxBulkLen: 10 }), 'Protocol error: invalid bulk length');
  t.equal(errorOf('SET "a b\r\n'), 'Protocol error: unbalanced quotes in request');
  t.equal(errorOf('x'.repeat(70000)), 'Protocol error: too big inline request');
  t.equal(errorOf('*' + '1'.repeat(70000)), 'Protocol error: too big mbulk count string');
  t.equal(errorOf('*1\r\n$' + '1'.repeat(70000)), 'Protocol error: too big bulk count string');
  t.equal(errorOf('*0\r\n*-1\r\n'), 'no error', 'empty multibulks are skipped');
});

t.test('random bytes never crash the parser', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
      const parser = new RequestParser({ maxBulkLen: 1024 });
      try {
        for (const chunk of chunks) {
          parser.feed(Buffer.from(chunk));
          while (parser.next() !== null) {
            /* drain */
          }
        }
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
      }
    }),
    { numRuns: 2000, seed: 42 },
  );
  t.pass('no exception other than ProtocolError');
});

t.test('random valid requests survive random chunking', async (t) => {
  const arg = fc.string({ maxLength: 40 }).map((s) => Buffer.from(s, 'utf8').latin1Slice());
  fc.assert(
    fc.property(
      fc.array(fc.array(arg, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 10 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (requests, cuts) => {
        const bytes = encode(...requests);
        const points = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(bytes.subarray(prev, p));
          prev = p;
        }
        chunks.push(bytes.subarray(prev));
        t.same(parseAll(chunks), requests);
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});

t.test('a big last argument split across reads, followed by another request', async (t) => {
  const bytes = encode(['SET', 'k', 'v'.repeat(40000)], ['PING']);
  const out = parseAll([bytes.subarray(0, 20000), bytes.subarray(20000)]);
  t.equal(out.length, 2);
  t.equal(out[0]?.[2]?.length, 40000);
  t.same(out[1], ['PING']);
});

t.test('Buffer and byte-string parsers agree', async (t) => {
  const requests = [['SET', 'a-key-longer-than-thirteen', 'v'], ['GET', '\xff\x00']];
  const parser = new RequestParser();
  parser.feed(encode(...requests));
  const viaBuffers: string[][] = [];
  let argv: Buffer[] | null;
  while ((argv = parser.next()) !== null) viaBuffers.push(argv.map((b) => b.latin1Slice(0, b.length)));
  t.same(viaBuffers, requests);
  t.same(parseAll([encode(...requests)]), requests);
});

t.test('query-buffer figures for CLIENT LIST: the batch, the unconsumed tail, the pending args', async (t) => {
  const parser = new ByteStringRequestParser();
  parser.feed(Buffer.from('PING\r\n*2\r\n$6\r\nCLIENT\r\n$4\r\nLIST\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nab'));
  parser.markBatchStart();
  t.same(parser.next(), ['PING']);
  t.same(parser.next(), ['CLIENT', 'LIST']);
  t.equal(parser.batchBytes, 6 + 26 + 26, 'the whole read, commands already run included');
  t.equal(parser.next(), null);
  t.equal(parser.unconsumedBytes, 2, 'only the bytes of the incomplete bulk: its $5 line is consumed');
  t.equal(parser.pendingArgCount, 2);
  t.equal(parser.pendingArgBytes, 4, 'SET and k are parsed already');
  parser.feed(Buffer.from('cde\r\n'));
  parser.markBatchStart();
  t.equal(parser.batchBytes, 7, 'a new read starts from the unconsumed bytes (not the $5 line)');
  t.same(parser.next(), ['SET', 'k', 'abcde']);
  t.equal(parser.pendingArgCount, 0);
  t.equal(parser.unconsumedBytes, 0);
});

t.test('command names handed out again are the bytes sent, whatever shared their cache slot before', async (t) => {
  // Same length and same first and last bytes share a slot of the name cache: each must still
  // come out as its own bytes, in multibulk and inline requests, across parsers and reads.
  const names = ['SET', 'SXT', 'set', 'S\x00T', 'S\xffT', 'GET', 'INCR', 'IXCR', 'X', 'Y', 'a'.repeat(24), 'a'.repeat(25), 'CLIENT', 'CLI\r\nT'];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 40 }), fc.boolean(), (picked, inline) => {
      const requests = picked.map((name) => [name, 'k']);
      const bytes = inline
        ? Buffer.from(picked.filter((n) => /^[A-Za-z]+$/.test(n)).map((n) => `${n} k\r\n`).join(''), 'latin1')
        : encode(...requests);
      const expected = inline ? requests.filter(([n]) => /^[A-Za-z]+$/.test(n as string)) : requests;
      const half = bytes.length >> 1;
      t.same(parseAll([bytes.subarray(0, half), bytes.subarray(half)]), expected);
    }),
    { numRuns: 300, seed: 7 },
  );
  t.same(parseAll([encode(['', 'k'], ['SET', 'k', 'v'])]), [['', 'k'], ['SET', 'k', 'v']], 'an empty name is not cached');
});

t.test('arguments of every length up to 40 bytes come out as their bytes, whichever way they are made', async (t) => {
  // Under 13 bytes they are cut from the read's text, 13 to 24 made by String.fromCharCode, longer
  // by latin1Slice: each way must give the same byte string, high bytes included.
  const random = fc.sample(fc.uint8Array({ minLength: 40, maxLength: 40 }), { numRuns: 20, seed: 11 });
  for (const bytes of random) {
    const text = Buffer.from(bytes).latin1Slice(0, 40);
    const requests = Array.from({ length: 41 }, (_, n) => ['SET', text.slice(0, n), text.slice(40 - n)]);
    const got = parseAll([encode(...requests)]);
    t.same(got, requests);
    for (const argv of got) t.ok(argv.every((arg) => [...arg].every((ch) => ch.charCodeAt(0) < 256)));
  }
});
