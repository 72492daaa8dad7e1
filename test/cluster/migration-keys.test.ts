/*
 * A slot moved with its keys, step by step as redis-cli's reshard moves it, and what clients
 * see at each step (redis-wire.md §4.2, §4.4). The same script runs on a cluster of
 * redis-servers (which checks the expectations) and on a cluster of hashslot nodes:
 *
 *   1. keys written in slot S on the source, some with TTLs, one about to expire
 *   2. target IMPORTING, source MIGRATING; half of the keys MIGRATEd (KEYS form)
 *        source: present key served, moved key -ASK, new key -ASK, mixed MGET -TRYAGAIN,
 *                MULTI with a moved key -ASK and EXEC -EXECABORT, expired key -ASK,
 *                MIGRATE of an expired key +NOKEY
 *        target: -MOVED without ASKING; with it the moved keys and their TTLs are there,
 *                a mixed MGET is -TRYAGAIN, RESTORE-ASKING needs no ASKING
 *   3. the rest MIGRATEd, SETSLOT NODE on every master: -MOVED from the source, the target
 *      serves every key; a shard channel subscriber on the source gets its sunsubscribe push
 */

import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { LocalCluster, missingPrerequisite } from '../../bench/harness/cluster-harness';
import { isMaster, keySlot, ownedSlots } from '../../bench/harness/cluster-replies';
import type { Arg } from '../../bench/harness/resp';

const KINDS = ['redis', 'hashslot'] as const;
const problem = missingPrerequisite([...KINDS]);

if (problem !== null) {
  t.plan(0, problem);
} else {
  for (const kind of KINDS) {
    t.test(`a slot moved with its keys, redirects at every step (${kind})`, async (t) => {
      t.setTimeout(90_000);
      const cluster = (await LocalCluster.launch([kind, kind, kind])).attach(t);
      await cluster.createOrThrow(0);
      await cluster.waitForOk();
      const view = await cluster.waitForAgreement(3);
      const slot = keySlot('{m}');
      const s = String(slot);
      const sourceLine = view.find((n) => isMaster(n) && ownedSlots(n).includes(slot));
      const targetLine = view.find((n) => isMaster(n) && n !== sourceLine);
      const thirdLine = view.find((n) => isMaster(n) && n !== sourceLine && n !== targetLine);
      if (sourceLine === undefined || targetLine === undefined || thirdLine === undefined) throw new Error('no masters');
      const source = await RawClient.connect(sourceLine.port);
      const target = await RawClient.connect(targetLine.port);
      const third = await RawClient.connect(thirdLine.port);
      const subscriber = await RawClient.connect(sourceLine.port);
      t.teardown(() => { source.close(); target.close(); third.close(); subscriber.close(); });
      const on = async (client: RawClient, ...argv: Arg[]): Promise<string> => (await client.call(...argv)).toString('latin1');
      const ask = `-ASK ${slot} 127.0.0.1:${targetLine.port}\r\n`;
      const movedToSource = `-MOVED ${slot} 127.0.0.1:${sourceLine.port}\r\n`;
      const movedToTarget = `-MOVED ${slot} 127.0.0.1:${targetLine.port}\r\n`;
      const tryagain = '-TRYAGAIN Multiple keys request during rehashing of slot\r\n';

      // 1. Keys in the slot.
      for (const k of ['a', 'b', 'c', 'd']) t.equal(await on(source, 'SET', `{m}:${k}`, k), '+OK\r\n');
      t.equal(await on(source, 'RPUSH', '{m}:list', 'x', 'y'), ':2\r\n');
      t.equal(await on(source, 'SET', '{m}:ttl', 'v', 'EX', '1000'), '+OK\r\n');
      t.equal(await on(source, 'SET', '{m}:short', 'v', 'PX', '300'), '+OK\r\n');
      t.equal(await on(subscriber, 'SSUBSCRIBE', '{m}'), '*3\r\n$10\r\nssubscribe\r\n$3\r\n{m}\r\n:1\r\n');

      // 2. The slot opened, half of the keys moved.
      t.equal(await on(target, 'CLUSTER', 'SETSLOT', s, 'IMPORTING', sourceLine.id), '+OK\r\n');
      t.equal(await on(source, 'CLUSTER', 'SETSLOT', s, 'MIGRATING', targetLine.id), '+OK\r\n');
      t.equal(await on(source, 'CLUSTER', 'COUNTKEYSINSLOT', s), ':7\r\n');
      t.equal(await on(source, 'MIGRATE', '127.0.0.1', String(targetLine.port), '', '0', '5000', 'KEYS', '{m}:a', '{m}:b', '{m}:ttl', '{m}:list'), '+OK\r\n',
        'MIGRATE on a migrating slot is served by the source');
      t.equal(await on(source, 'CLUSTER', 'COUNTKEYSINSLOT', s), ':3\r\n');

      t.equal(await on(source, 'GET', '{m}:c'), '$1\r\nc\r\n', 'source serves a key it still has');
      t.equal(await on(source, 'GET', '{m}:a'), ask, 'a moved key: ASK');
      t.equal(await on(source, 'SET', '{m}:new', 'v'), ask, 'a new key: ASK');
      t.equal(await on(source, 'MGET', '{m}:a', '{m}:c'), tryagain, 'some keys moved: TRYAGAIN');
      t.equal(await on(source, 'MGET', '{m}:c', '{m}:d'), '*2\r\n$1\r\nc\r\n$1\r\nd\r\n', 'all keys here: served');
      t.equal(await on(source, 'MULTI'), '+OK\r\n');
      t.equal(await on(source, 'GET', '{m}:c'), '+QUEUED\r\n');
      t.equal(await on(source, 'GET', '{m}:a'), ask, 'inside MULTI: ASK');
      t.equal(await on(source, 'EXEC'), '-EXECABORT Transaction discarded because of previous errors.\r\n');

      t.equal(await on(target, 'GET', '{m}:a'), movedToSource, 'target without ASKING: MOVED');
      t.equal(await on(target, 'ASKING'), '+OK\r\n');
      t.equal(await on(target, 'GET', '{m}:a'), '$1\r\na\r\n', 'target with ASKING: the moved key');
      t.equal(await on(target, 'ASKING'), '+OK\r\n');
      const ttl = await on(target, 'TTL', '{m}:ttl');
      t.ok(/^:(99\d|1000)\r\n$/.test(ttl), `the TTL came along (${ttl.trim()})`);
      t.equal(await on(target, 'ASKING'), '+OK\r\n');
      t.equal(await on(target, 'LRANGE', '{m}:list', '0', '-1'), '*2\r\n$1\r\nx\r\n$1\r\ny\r\n');
      t.equal(await on(target, 'ASKING'), '+OK\r\n');
      t.equal(await on(target, 'MGET', '{m}:a', '{m}:c'), tryagain, 'target with ASKING, some keys not here yet: TRYAGAIN');
      t.equal(await on(target, 'RESTORE-ASKING', '{m}:direct', '0', await dumpOf(source, '{m}:c')), '+OK\r\n', 'RESTORE-ASKING needs no ASKING');
      t.equal(await on(target, 'ASKING'), '+OK\r\n');
      t.equal(await on(target, 'GET', '{m}:direct'), '$1\r\nc\r\n');

      // The short key expires while the slot is open: missing on the source, so ASK; MIGRATE of it is NOKEY.
      await waitUntil(async () => (await on(source, 'GET', '{m}:short')) === ask, 5_000, 'the short key to expire');
      t.equal(await on(source, 'MIGRATE', '127.0.0.1', String(targetLine.port), '{m}:short', '0', '5000'), '+NOKEY\r\n');

      // 3. The rest moved, the slot assigned to the target everywhere.
      t.equal(await on(source, 'MIGRATE', '127.0.0.1', String(targetLine.port), '', '0', '5000', 'KEYS', '{m}:c', '{m}:d'), '+OK\r\n');
      t.equal(await on(source, 'CLUSTER', 'COUNTKEYSINSLOT', s), ':0\r\n');
      t.equal(await on(target, 'CLUSTER', 'SETSLOT', s, 'NODE', targetLine.id), '+OK\r\n');
      t.equal(await on(source, 'CLUSTER', 'SETSLOT', s, 'NODE', targetLine.id), '+OK\r\n');
      t.equal(await on(third, 'CLUSTER', 'SETSLOT', s, 'NODE', targetLine.id), '+OK\r\n');
      t.equal(await on(source, 'GET', '{m}:a'), movedToTarget, 'source: MOVED once the slot is gone');
      t.equal(await on(third, 'GET', '{m}:a'), movedToTarget, 'the third master too');
      for (const [k, v] of [['a', 'a'], ['b', 'b'], ['c', 'c'], ['d', 'd'], ['ttl', 'v'], ['direct', 'c']]) {
        t.equal(await on(target, 'GET', `{m}:${k}`), `$1\r\n${v}\r\n`, `target serves {m}:${k}`);
      }
      t.equal(await on(target, 'CLUSTER', 'COUNTKEYSINSLOT', s), ':7\r\n');
      const push = (await subscriber.readReplies(1, 5_000))[0]?.toString('latin1');
      t.equal(push, '*3\r\n$12\r\nsunsubscribe\r\n$3\r\n{m}\r\n:0\r\n', 'the shard channel subscriber is unsubscribed');
      await cluster.waitForOk();
    });
  }
}

/** The payload of DUMP key, as bytes. */
async function dumpOf(client: RawClient, key: string): Promise<Buffer> {
  const reply = await client.call('DUMP', key);
  const crlf = reply.indexOf('\r\n');
  return reply.subarray(crlf + 2, reply.length - 2);
}

async function waitUntil(test: () => Promise<boolean>, deadlineMs: number, what: string): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
