/**
 * Publications that no client command makes: keyspace notifications (raised by whatever changed
 * a key, expiry included) and messages relayed from the cluster bus call the node's registry
 * directly, outside any command. They must reach subscribers all the same, in order, and be
 * flushed to their sockets without waiting for the subscriber's next request.
 */
import t from 'tap';
import { startRedisNode as startNode } from '../../server/start';
import { notifyKeyspaceEvent } from '../../server/pubsub/keyspace-events';
import { NotifyFlag } from '../../server/config/special-codecs';
import { RawClient } from '../../bench/harness/raw-client';

const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;
const pmessage = (pattern: string, channel: string, payload: string): string =>
  `*4\r\n${bulk('pmessage')}${bulk(pattern)}${bulk(channel)}${bulk(payload)}`;

t.test('keyspace notifications raised outside a command reach subscribers', async (t) => {
  const node = await startNode({ 'notify-keyspace-events': 'KEA' });
  t.teardown(() => node.close());
  const sub = await RawClient.connect(node.port);
  t.teardown(() => sub.close());
  t.equal((await sub.call('PSUBSCRIBE', '__key*__:*')).toString('latin1'), `*3\r\n${bulk('psubscribe')}${bulk('__key*__:*')}:1\r\n`);

  notifyKeyspaceEvent(node, NotifyFlag.generic, 'del', 'mykey', 0);
  const replies = (await sub.readReplies(2)).map((r) => r.toString('latin1'));
  t.same(replies, [pmessage('__key*__:*', '__keyspace@0__:mykey', 'del'), pmessage('__key*__:*', '__keyevent@0__:del', 'mykey')],
    'keyspace first, then keyevent');

  const direct = node.pubsub.publish('__keyspace@3__:k', 'expired');
  t.equal(direct, 1, 'publish counts the pattern subscriber');
  t.same((await sub.readReplies(1)).map((r) => r.toString('latin1')), [pmessage('__key*__:*', '__keyspace@3__:k', 'expired')]);

  // With the class disabled nothing is sent: the next message is a PUBLISH made afterwards.
  const publisher = await RawClient.connect(node.port);
  t.teardown(() => publisher.close());
  t.equal((await publisher.call('CONFIG', 'SET', 'notify-keyspace-events', 'Kl')).toString('latin1'), '+OK\r\n');
  notifyKeyspaceEvent(node, NotifyFlag.generic, 'del', 'mykey', 0);
  t.equal((await publisher.call('PUBLISH', '__keyspace@0__:marker', 'after')).toString('latin1'), ':1\r\n');
  t.same((await sub.readReplies(1)).map((r) => r.toString('latin1')), [pmessage('__key*__:*', '__keyspace@0__:marker', 'after')],
    'the disabled class sent nothing');
});
