/*
 * PUBLISH and SPUBLISH outside cluster mode enter the replication stream although they change no
 * key (Redis forces their propagation), so subscribers of a replica hear what is published on
 * its master. Checked for every master/replica combination of kinds: a redis-server replica
 * hearing a hashslot master's PUBLISH proves what we put in the stream; a hashslot replica
 * hearing a redis-server master's proves we deliver what we apply.
 */

import { RawClient } from '../../bench/harness/raw-client';
import { encodeCommand } from '../../bench/harness/resp';
import { forEachSyncedPair } from './propagation-scaffold';
import { show, waitForSync } from './replication-harness';

const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;

forEachSyncedPair(
  'PUBLISH and SPUBLISH on the master reach subscribers of the replica',
  async (tt, master, replica) => {
    const sub = await RawClient.connect(replica.port);
    tt.teardown(() => sub.close());
    sub.write(encodeCommand(['SUBSCRIBE', 'news']));
    sub.write(encodeCommand(['SSUBSCRIBE', 'orders']));
    const confirmations = (await sub.readReplies(2)).map((r) => r.toString('latin1'));
    tt.same(confirmations, [`*3\r\n${bulk('subscribe')}${bulk('news')}:1\r\n`, `*3\r\n${bulk('ssubscribe')}${bulk('orders')}:1\r\n`]);

    tt.equal(show(await master.call('PUBLISH', 'news', 'hello')), ':0', 'no subscriber on the master itself');
    tt.equal(show(await master.call('SPUBLISH', 'orders', 'o1')), ':0');
    const heard = (await sub.readReplies(2, 10_000)).map((r) => r.toString('latin1'));
    tt.same(heard, [`*3\r\n${bulk('message')}${bulk('news')}${bulk('hello')}`, `*3\r\n${bulk('smessage')}${bulk('orders')}${bulk('o1')}`],
      'the replica\'s subscriber hears both, in order');
    await waitForSync(master, replica);
  },
  { warmup: false },
);
