/**
 * encodeCommand, the RESP multibulk the replication stream and the AOF carry: fixed vectors, and
 * a round trip through the request parser for random commands of byte-string arguments (any
 * byte, any length, lengths of every digit count up to the ones the native write takes).
 */
import t from 'tap';
import fc from 'fast-check';
import { encodeCommand, encodeCommandInto, encodedLength } from '../../protocol/command-encoder';
import { ByteStringRequestParser } from '../../protocol/request-parser';

t.test('fixed vectors', async (t) => {
  t.equal(encodeCommand(['SET', 'k', 'v']).toString('latin1'), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n');
  t.equal(encodeCommand(['PING']).toString('latin1'), '*1\r\n$4\r\nPING\r\n');
  t.equal(encodeCommand(['SET', '', '']).toString('latin1'), '*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n');
  const long = 'x'.repeat(12345);
  t.equal(encodeCommand(['SET', 'k', long]).toString('latin1'), `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$12345\r\n${long}\r\n`);
  // Byte strings: each char is one byte, including 0x00 and 0xff.
  t.same([...encodeCommand(['\u0000\u00ff'])], [...Buffer.from('*1\r\n$2\r\n', 'latin1'), 0, 255, 13, 10]);
  const many = Array.from({ length: 12 }, (_, i) => String(i));
  t.equal(encodeCommand(many).toString('latin1').slice(0, 5), '*12\r\n');
});

t.test('what it encodes parses back to the same arguments', async (t) => {
  const byteString = fc.oneof(
    fc.string({ maxLength: 20 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  );
  fc.assert(
    fc.property(fc.array(byteString, { minLength: 1, maxLength: 15 }), (argv) => {
      const parser = new ByteStringRequestParser();
      parser.feed(encodeCommand(argv));
      const parsed = parser.next();
      return parsed !== null && parsed.length === argv.length && parsed.every((arg, i) => arg === argv[i]) && parser.next() === null;
    }),
    { numRuns: 2000 },
  );
  t.pass('2,000 random commands round-tripped');
});

t.test('encodeCommandInto writes the same bytes at an offset, exactly encodedLength of them, and nothing around them', async (t) => {
  const commands = [['SET', 'k', 'v'], ['PING'], ['SET', '', ''], ['SET', 'k', 'y'.repeat(300)], Array.from({ length: 12 }, (_, i) => String(i))];
  for (const argv of commands) {
    const alone = encodeCommand(argv);
    const size = encodedLength(argv);
    t.equal(size, alone.length, `encodedLength of ${argv[0] ?? ''} (${argv.length} args)`);
    const out = Buffer.alloc(size + 10, 0xee);
    t.equal(encodeCommandInto(out, 5, argv), 5 + size, 'returns the offset after it');
    t.same(out.subarray(5, 5 + size), alone, 'the same bytes');
    t.ok(out.subarray(0, 5).every((b) => b === 0xee) && out.subarray(5 + size).every((b) => b === 0xee), 'the bytes around it untouched');
  }
});
