/**
 * Commands run on a session that has no socket (RedisNode.createSocketlessSession and
 * runSocketless), the way scripting's redis.call and a testing API will run them: the reply
 * comes back as bytes, and everything else a command does still happens as for a connected
 * client — its write reaches the replication stream, its keyspace events reach real subscribers.
 */
import t from 'tap';
import { startRedisNode as startNode } from '../../server/start';
import { FakeReplica } from '../helpers/fake-replica';
import { RawClient } from '../../bench/harness/raw-client';

const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;

t.test('SET then GET on a socketless session', async (t) => {
  const node = await startNode();
  t.teardown(() => node.close());
  const session = node.createSocketlessSession();
  t.equal(node.runSocketless(session, ['SET', 'k', 'v']).toString('latin1'), '+OK\r\n');
  t.equal(node.runSocketless(session, ['GET', 'k']).toString('latin1'), bulk('v'));
  t.equal(node.runSocketless(session, ['NOSUCH']).toString('latin1').startsWith("-ERR unknown command 'NOSUCH'"), true);
  // The session's state is its own: SELECT moves it, not anyone else.
  t.equal(node.runSocketless(session, ['SELECT', '3']).toString('latin1'), '+OK\r\n');
  t.equal(node.runSocketless(session, ['GET', 'k']).toString('latin1'), '$-1\r\n');
  const client = await RawClient.connect(node.port);
  t.teardown(() => client.close());
  t.equal((await client.call('GET', 'k')).toString('latin1'), bulk('v'), 'a connected client sees the write in db 0');
  // A blocking command cannot wait without a connection: it answers at once, as inside EXEC.
  t.equal(node.runSocketless(session, ['BLPOP', 'empty', '0']).toString('latin1'), '*-1\r\n');
});

t.test('a socketless write reaches the replication stream', async (t) => {
  const node = await startNode();
  t.teardown(() => node.close());
  const replica = await FakeReplica.attach(node.port);
  t.teardown(() => replica.close());
  const session = node.createSocketlessSession();
  t.equal(node.runSocketless(session, ['SET', 'k', 'v', 'EX', '100']).toString('latin1'), '+OK\r\n');
  t.equal(node.runSocketless(session, ['RPUSH', 'l', 'a']).toString('latin1'), ':1\r\n');
  const stream = await replica.readUntil((argv) => argv[0] === 'RPUSH');
  t.same(stream[0], ['SELECT', '0']);
  t.equal(stream[1]?.[0], 'SET', 'SET EX is propagated as SET PXAT');
  t.equal(stream[1]?.[3], 'PXAT');
  t.same(stream[2], ['RPUSH', 'l', 'a']);
});

t.test('a socketless write notifies a subscribed socket client', async (t) => {
  const node = await startNode({ 'notify-keyspace-events': 'KEA' });
  t.teardown(() => node.close());
  const sub = await RawClient.connect(node.port);
  t.teardown(() => sub.close());
  t.equal((await sub.call('SUBSCRIBE', '__keyevent@0__:set')).toString('latin1'), `*3\r\n${bulk('subscribe')}${bulk('__keyevent@0__:set')}:1\r\n`);
  const session = node.createSocketlessSession();
  t.equal(node.runSocketless(session, ['SET', 'mykey', 'v']).toString('latin1'), '+OK\r\n');
  const [message] = await sub.readReplies(1);
  t.equal(message?.toString('latin1'), `*3\r\n${bulk('message')}${bulk('__keyevent@0__:set')}${bulk('mykey')}`);
});
