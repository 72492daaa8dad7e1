/*
 * What a MULTI/EXEC sends to replicas, read off the replication stream of redis-server and of
 * hashslot by a raw fake replica (test/helpers/fake-replica.ts) and compared command by command.
 *
 * Redis 7.0 wraps what one execution unit propagates in MULTI/EXEC only when there is more than
 * one command to wrap: a transaction that made a single write sends that write alone (it is
 * atomic by itself), one that made none sends nothing, and one with several writes sends them
 * between MULTI and EXEC. hashslot used to wrap the lone write too.
 */
import t from 'tap';
import { FakeReplica } from '../helpers/fake-replica';
import { RawClient } from '../../bench/harness/raw-client';
import { redisServerPath, REDIS_MISSING_MESSAGE, startRealRedis } from '../../bench/harness/real-redis';
import type { ServerProcess } from '../../bench/harness/server-process';
import { startTarget } from '../helpers/target';

/** Each transaction, then a marker write that ends the stream read for it. */
const TRANSACTIONS: readonly (readonly string[][])[] = [
  [['SET', 'a', '1']],
  [['SET', 'a', '2'], ['GET', 'a']],
  [['GET', 'a']],
  [['SET', 'a', '3'], ['SET', 'b', '3']],
  [['INCR', 'n'], ['GET', 'n'], ['LPUSH', 'l', 'x']],
  [['SELECT', '2'], ['SET', 'c', '1']],
  [['DEL', 'missing'], ['SET', 'd', '1']],
];

async function streamOf(server: ServerProcess): Promise<string[][][]> {
  const replica = await FakeReplica.attach(server.port);
  const client = await RawClient.connect(server.port);
  try {
    const streams: string[][][] = [];
    for (const [i, commands] of TRANSACTIONS.entries()) {
      await client.call('SELECT', '0');
      await client.call('MULTI');
      for (const argv of commands) await client.call(...argv);
      await client.call('EXEC');
      const marker = `marker-${i}`;
      await client.call('SELECT', '0');
      await client.call('SET', marker, '1');
      const stream = await replica.readUntil((argv) => argv[1] === marker);
      // The marker write and any SELECT right before it are not part of the transaction.
      stream.pop();
      while (stream.length > 0 && stream[stream.length - 1]?.[0]?.toUpperCase() === 'SELECT') stream.pop();
      streams.push(stream);
    }
    return streams;
  } finally {
    client.close();
    replica.close();
  }
}

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  t.test('a transaction reaches replicas as Redis 7.0 sends it', async (t) => {
    const [redis, target] = await Promise.all([startRealRedis(), startTarget()]);
    t.teardown(() => Promise.all([redis.stop(), target.stop()]));
    const expected = await streamOf(redis);
    const actual = await streamOf(target);
    for (const [i, commands] of TRANSACTIONS.entries()) {
      t.same(actual[i], expected[i], `MULTI ${commands.map((argv) => argv.join(' ')).join('; ')} EXEC`);
    }
    // What Redis 7.0 was seen to send, pinned so a change on either side is noticed.
    t.same(expected[0], [['SELECT', '0'], ['SET', 'a', '1']], 'a lone write is sent without MULTI/EXEC');
    t.same(expected[2], [], 'a transaction without writes sends nothing');
    t.same(expected[3], [['MULTI'], ['SET', 'a', '3'], ['SET', 'b', '3'], ['EXEC']], 'several writes are wrapped');
  });
}
