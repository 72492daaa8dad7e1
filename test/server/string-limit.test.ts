/**
 * V8 caps a string at 536,870,888 characters, 24 bytes short of Redis's default 512 MB
 * proto-max-bulk-len. Writes that would build a longer value get the size error Redis gives past
 * its own limit, and the server stays up. (Not differential: redis-server accepts them, at the
 * price of a 512 MB allocation per case.)
 */
import t from 'tap';
import { startNode } from '../../server/index';
import { RawClient } from '../../bench/harness/raw-client';

const TOO_LONG = '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n';

t.test('writes past the JavaScript string limit are refused, not fatal', async (t) => {
  const node = await startNode({ save: '' });
  t.teardown(() => node.close());
  const client = await RawClient.connect(node.port);
  t.teardown(() => client.close());
  const call = async (...argv: string[]): Promise<string> => (await client.call(...argv)).toString('latin1');

  t.equal(await call('SETRANGE', 'k', '536870880', 'x'.repeat(40)), TOO_LONG, 'SETRANGE');
  t.equal(await call('SETBIT', 'k', '4294967200', '1'), TOO_LONG, 'SETBIT');
  t.equal(await call('BITFIELD', 'k', 'SET', 'u8', '4294967200', '1'), TOO_LONG, 'BITFIELD');
  t.equal(await call('PING'), '+PONG\r\n', 'the server is still up');
  t.equal(await call('EXISTS', 'k'), ':0\r\n', 'nothing was created');
});
