/**
 * The in-process API, and robustness of a running node against hostile input: garbage bytes on
 * many connections at once must neither crash the process nor disturb a well-behaved client.
 */
import * as net from 'node:net';
import t from 'tap';
import fc from 'fast-check';
import Redis from 'ioredis';
import { startNode } from '../../server/index';

t.test('several nodes in one process, each with its own keyspace', async (t) => {
  const a = await startNode();
  const b = await startNode({ databases: 4 });
  t.teardown(() => Promise.all([a.close(), b.close()]));
  const ra = new Redis(a.port, '127.0.0.1', { lazyConnect: true });
  const rb = new Redis(b.port, '127.0.0.1', { lazyConnect: true });
  t.teardown(() => {
    ra.disconnect();
    rb.disconnect();
  });
  await ra.set('k', 'from a');
  t.equal(await rb.get('k'), null, 'b does not see a\'s keys');
  t.equal(await ra.get('k'), 'from a');
  t.same(await rb.config('GET', 'databases'), ['databases', '4']);
});

t.test('bad directives are refused with redis-server\'s words', async (t) => {
  await t.rejects(startNode({ 'no-such-directive': 1 }), /Bad directive or wrong number of arguments/);
});

function sendGarbage(port: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end(Buffer.from(bytes));
    });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.resume();
    socket.setTimeout(2000, () => socket.destroy());
  });
}

t.test('random bytes on many connections never take the node down', async (t) => {
  const node = await startNode({ 'proto-max-bulk-len': '1mb' });
  t.teardown(() => node.close());
  const good = new Redis(node.port, '127.0.0.1');
  t.teardown(() => good.disconnect());
  await good.set('survivor', 'yes');
  const inputs = fc.sample(
    fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc.array(fc.constantFrom('*', '$', '\r\n', '-1', '99999999999', 'SET', '"', "'", ' ', '0', '\n'), { maxLength: 60 })
        .map((parts) => new Uint8Array(Buffer.from(parts.join(''), 'latin1'))),
    ),
    { numRuns: 300, seed: 1234 },
  );
  for (let i = 0; i < inputs.length; i += 30) {
    await Promise.all(inputs.slice(i, i + 30).map((bytes) => sendGarbage(node.port, bytes)));
    t.equal(await good.get('survivor'), 'yes', `after batch ${i / 30}`);
  }
});
