/*
 * CLIENT PAUSE / CLIENT UNPAUSE, differentially: each scenario runs against a redis-server and
 * against hashslot (a second redis-server with HASHSLOT_COMPAT_TARGET=redis), with several
 * connections, and what it observes must be equal: replies, and for each reply whether it came
 * at once or only when the pause ended ("held"). Pauses are a few hundred ms; timings are
 * classified with wide margins, never compared exactly.
 */

import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { redisServerPath, REDIS_MISSING_MESSAGE, startRealRedis } from '../../bench/harness/real-redis';
import type { ServerProcess } from '../../bench/harness/server-process';
import { escapeBytes, type Arg } from '../../bench/harness/resp';
import { startTarget } from '../helpers/target';

type Observations = Array<[string, string]>;

interface Scenario {
  name: string;
  run: (connect: () => Promise<RawClient>, seen: Observations) => Promise<void>;
}

/** A reply and whether it took at least `heldMs` (held by the pause) or came at once. */
async function timed(client: RawClient, heldMs: number, ...argv: Arg[]): Promise<string> {
  const started = Date.now();
  const reply = (await client.call(...argv)).toString('latin1');
  const took = Date.now() - started;
  const when = took >= heldMs ? 'held' : took < heldMs / 2 ? 'at once' : `unclear (${took} ms)`;
  return `${when}: ${reply}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const SCENARIOS: Scenario[] = [
  {
    name: 'argument errors',
    run: async (connect, seen) => {
      const c = await connect();
      for (const argv of [
        ['CLIENT', 'PAUSE'],
        ['CLIENT', 'PAUSE', '10', 'bogus'],
        ['CLIENT', 'PAUSE', 'abc'],
        ['CLIENT', 'PAUSE', 'abc', 'bogus'],
        ['CLIENT', 'PAUSE', '-1'],
        ['CLIENT', 'PAUSE', '1.5'],
        ['CLIENT', 'PAUSE', '10', 'write', 'extra'],
        ['CLIENT', 'UNPAUSE', 'x'],
        ['CLIENT', 'PAUSE', '0'],
        ['CLIENT', 'UNPAUSE'],
      ]) seen.push([argv.join(' '), (await c.call(...argv)).toString('latin1')]);
      c.close();
    },
  },
  {
    name: 'WRITE: reads go through, writes wait in order, then run',
    run: async (connect, seen) => {
      const admin = await connect();
      const writer = await connect();
      const reader = await connect();
      await admin.call('SET', 'k', 'old');
      seen.push(['pause', (await admin.call('CLIENT', 'PAUSE', '500', 'WRITE')).toString('latin1')]);
      const set = timed(writer, 350, 'SET', 'k', 'new');
      await sleep(50);
      seen.push(['GET while paused', await timed(reader, 350, 'GET', 'k')]);
      seen.push(['EXISTS while paused', await timed(reader, 350, 'EXISTS', 'k')]);
      seen.push(['PUBLISH (may replicate)', await timed(reader, 350, 'PUBLISH', 'ch', 'm')]);
      seen.push(['SET', await set]);
      seen.push(['GET after', await timed(reader, 350, 'GET', 'k')]);
      for (const c of [admin, writer, reader]) c.close();
    },
  },
  {
    name: 'ALL: every command waits, UNPAUSE included',
    run: async (connect, seen) => {
      const admin = await connect();
      const other = await connect();
      seen.push(['pause', (await admin.call('CLIENT', 'PAUSE', '400', 'ALL')).toString('latin1')]);
      seen.push(['PING', await timed(other, 280, 'PING')]);
      seen.push(['pause again', (await admin.call('CLIENT', 'PAUSE', '400')).toString('latin1')]);
      seen.push(['UNPAUSE', await timed(other, 280, 'CLIENT', 'UNPAUSE')]);
      for (const c of [admin, other]) c.close();
    },
  },
  {
    name: 'a shorter or weaker pause does not shorten or weaken one in effect',
    run: async (connect, seen) => {
      const admin = await connect();
      const other = await connect();
      await admin.call('CLIENT', 'PAUSE', '600', 'WRITE');
      await admin.call('CLIENT', 'PAUSE', '50', 'WRITE');
      seen.push(['SET after the shorter pause', await timed(other, 450, 'SET', 'x', '1')]);
      await admin.call('CLIENT', 'PAUSE', '500', 'ALL');
      await admin.call('CLIENT', 'PAUSE', '500', 'WRITE').catch(() => Buffer.from('held'));
      seen.push(['GET under ALL then WRITE', await timed(other, 300, 'GET', 'x')]);
      for (const c of [admin, other]) c.close();
    },
  },
  {
    name: 'UNPAUSE in WRITE mode releases the held writes at once',
    run: async (connect, seen) => {
      const admin = await connect();
      const writer = await connect();
      await admin.call('CLIENT', 'PAUSE', '5000', 'WRITE');
      const started = Date.now();
      const set = writer.call('SET', 'u', '1');
      await sleep(100);
      seen.push(['UNPAUSE', await timed(admin, 1000, 'CLIENT', 'UNPAUSE')]);
      const reply = (await set).toString('latin1');
      seen.push(['SET', `${Date.now() - started < 2000 ? 'released' : 'waited for the timeout'}: ${reply}`]);
      for (const c of [admin, writer]) c.close();
    },
  },
  {
    name: 'MULTI/EXEC: writes inside wait, EXEC of a write transaction waits',
    run: async (connect, seen) => {
      const admin = await connect();
      const tx = await connect();
      const reads = await connect();
      seen.push(['MULTI', (await tx.call('MULTI')).toString('latin1')]);
      seen.push(['queued GET', (await tx.call('GET', 'm')).toString('latin1')]);
      await admin.call('CLIENT', 'PAUSE', '400', 'WRITE');
      seen.push(['SET inside MULTI', await timed(tx, 280, 'SET', 'm', '1')]);
      seen.push(['EXEC', await timed(tx, 280, 'EXEC')]);
      await reads.call('MULTI');
      await reads.call('GET', 'm');
      await admin.call('CLIENT', 'PAUSE', '400', 'WRITE');
      seen.push(['EXEC of reads only', await timed(reads, 280, 'EXEC')]);
      await admin.call('CLIENT', 'UNPAUSE');
      for (const c of [admin, tx, reads]) c.close();
    },
  },
  {
    name: 'keys past their deadline read as missing but stay until the pause ends',
    run: async (connect, seen) => {
      const admin = await connect();
      const c = await connect();
      await admin.call('SET', 'e', 'v', 'PX', '100');
      await admin.call('SET', 'keep', 'v');
      await admin.call('CLIENT', 'PAUSE', '700', 'WRITE');
      await sleep(250);
      seen.push(['GET expired', await timed(c, 400, 'GET', 'e')]);
      seen.push(['DBSIZE still counts it', await timed(c, 400, 'DBSIZE')]);
      await sleep(600);
      const end = Date.now() + 5000;
      let dbsize = '';
      while (Date.now() < end) {
        dbsize = (await c.call('DBSIZE')).toString('latin1');
        if (dbsize === ':1\r\n') break;
        await sleep(20);
      }
      seen.push(['DBSIZE once the pause ended', dbsize]);
      for (const x of [admin, c]) x.close();
    },
  },
];

if (redisServerPath() === null) {
  t.plan(0, REDIS_MISSING_MESSAGE);
} else {
  t.test('CLIENT PAUSE and UNPAUSE compared with redis-server', async (t) => {
    t.setTimeout(120_000);
    const servers: ServerProcess[] = [await startRealRedis(), await startTarget()];
    t.teardown(() => Promise.all(servers.map((s) => s.stop())));
    const [redis, target] = servers as [ServerProcess, ServerProcess];
    for (const scenario of SCENARIOS) {
      await t.test(scenario.name, async (t) => {
        const results: Observations[] = [];
        for (const server of [redis, target]) {
          const admin = await RawClient.connect(server.port);
          await admin.call('CLIENT', 'UNPAUSE');
          await admin.call('FLUSHALL');
          admin.close();
          const seen: Observations = [];
          await scenario.run(() => RawClient.connect(server.port), seen);
          results.push(seen);
        }
        const [expected, actual] = results as [Observations, Observations];
        t.equal(actual.length, expected.length, 'as many observations');
        expected.forEach(([label, reply], i) => {
          t.equal(escapeBytes(Buffer.from(actual[i]?.[1] ?? '(missing)', 'latin1')), escapeBytes(Buffer.from(reply, 'latin1')), label);
        });
      });
    }
  });
}
