/*
 * The test-side RESP framer must be right before any differential result can be trusted: these
 * cases cover every RESP2/RESP3 type Redis 7.0 sends, nesting, nulls, attributes and pushes, and
 * feed each reply at every truncation point (which must say "incomplete", never a wrong end).
 */

import t from 'tap';
import { frameReply, parseReply, escapeBytes, encodeCommand, encodeCommands } from '../../bench/harness/resp';

const REPLIES: string[] = [
  '+OK\r\n',
  '-ERR unknown command\r\n',
  ':-42\r\n',
  '$5\r\nhe\r\nl\r\n',
  '$0\r\n\r\n',
  '$-1\r\n',
  '*-1\r\n',
  '*0\r\n',
  '*3\r\n:1\r\n$1\r\na\r\n*2\r\n+x\r\n$-1\r\n',
  '_\r\n',
  ',3.14\r\n',
  ',inf\r\n',
  '#t\r\n',
  '(3492890328409238509324850943850943825024385\r\n',
  '!21\r\nSYNTAX invalid syntax\r\n',
  '=15\r\ntxt:Some string\r\n',
  '%2\r\n+first\r\n:1\r\n+second\r\n%1\r\n$1\r\nk\r\n~2\r\n:1\r\n:2\r\n',
  '~3\r\n+a\r\n+b\r\n_\r\n',
  '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n',
  '|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.1923\r\n*2\r\n:2039123\r\n:9543892\r\n',
  '*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n:7\r\n',
];

t.test('every reply type frames to its full length and no further', async (t) => {
  for (const reply of REPLIES) {
    const bytes = Buffer.from(reply, 'latin1');
    const withNext = Buffer.concat([bytes, Buffer.from('+NEXT\r\n')]);
    t.equal(frameReply(withNext, 0), bytes.length, escapeBytes(bytes));
    for (let cut = 0; cut < bytes.length; cut++) {
      if (frameReply(bytes.subarray(0, cut), 0) !== -1) t.fail(`complete at ${cut} of ${escapeBytes(bytes)}`);
    }
  }
});

t.test('parseReply builds the tree', async (t) => {
  const node = parseReply(Buffer.from('%1\r\n+k\r\n*2\r\n$-1\r\n_\r\n', 'latin1'));
  t.equal(node.type, '%');
  t.equal(node.items.length, 2);
  t.equal(node.items[1]?.items[0]?.isNull, true);
  t.equal(node.items[1]?.items[1]?.type, '_');
  const attributed = parseReply(Buffer.from('|1\r\n+a\r\n:1\r\n:5\r\n', 'latin1'));
  t.equal(attributed.type, ':');
  t.equal(attributed.attributes?.length, 2);
});

t.test('unknown type bytes are rejected', async (t) => {
  t.throws(() => frameReply(Buffer.from('?x\r\n'), 0));
});

t.test('encodeCommand and escapeBytes', async (t) => {
  t.equal(encodeCommand(['SET', 'k', Buffer.from([0xff])]).toString('latin1'), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n\xff\r\n');
  t.equal(escapeBytes(Buffer.from('a\\\r\n\x00\xff', 'latin1')), 'a\\\\\\r\\n\\x00\\xff');
});

t.test('encodeCommands writes a pipeline as the concatenation of its requests', async (t) => {
  const commands = [['SET', 'key:1', 'v\u00e9'], ['INCRBY', 'n', 42], [Buffer.from([0, 0xff]), '']];
  const expected = Buffer.concat(commands.map((argv) => encodeCommand(argv)));
  t.same(encodeCommands(commands), expected);
  t.equal(
    expected.toString('latin1'),
    '*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$3\r\nv\xc3\xa9\r\n' +
      '*3\r\n$6\r\nINCRBY\r\n$1\r\nn\r\n$2\r\n42\r\n' +
      '*2\r\n$2\r\n\x00\xff\r\n$0\r\n\r\n',
  );
  t.equal(encodeCommands([]).length, 0);
});
