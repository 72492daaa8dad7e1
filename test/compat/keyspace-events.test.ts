/*
 * Differential tests for keyspace notifications (notify-keyspace-events, issue 6): for each
 * command sequence, a subscriber on each server collects every __keyspace@db__ and
 * __keyevent@db__ message, and the two lists must be equal, in order, byte for byte.
 *
 * keyspace-subscriber.ts says how the end of a sequence's events is found. No sleeps: expiry
 * cases poll until the key is gone.
 */

import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { keyspaceSubscriber, messagesUntilMarker, SYNC_MARKER_COMMAND, withKeyspaceEvents } from './keyspace-subscriber';
import type { Arg } from '../../bench/harness/resp';
import { dualRun, shape, until, type Pair, type Step } from './harness';

const dual = dualRun(t);

interface EventsCase {
  /** notify-keyspace-events for the case. */
  flags: string;
  steps: readonly Step[];
  patterns?: readonly string[];
}

function eventsCase(name: string, spec: EventsCase): void {
  dual.case(name, (pair: Pair) =>
    withKeyspaceEvents(pair, dual.running, spec.flags, async (subs) => {
      for (const step of spec.steps) await pair.step(step);
      await pair.do(...SYNC_MARKER_COMMAND);
      const [expected, actual] = await pair.both((_c, side) => messagesUntilMarker(subs[side]));
      pair.same(actual instanceof Error ? actual.message : actual, expected, `${name}: notifications`);
    }, spec.patterns),
  );
}

const cmds = (...steps: Arg[][]): Step[] => steps;

// ─── Per family ─────────────────────────────────────────────────────────────────────────────────

eventsCase('strings', {
  flags: 'KEA',
  steps: cmds(
    ['SET', 'a', '1'], ['SET', 'a', '2', 'EX', '100'], ['SET', 'a', '3', 'NX'], ['SET', 'b', '3', 'XX'],
    ['SET', 'a', '4', 'GET', 'KEEPTTL'], ['SETEX', 'b', '10', 'x'], ['PSETEX', 'c', '10000', 'y'],
    ['SETNX', 'a', '1'], ['SETNX', 'd', '1'], ['GETSET', 'd', '2'], ['GETDEL', 'd'], ['GETDEL', 'd'],
    ['GETEX', 'a', 'EX', '100'], ['GETEX', 'a', 'PERSIST'], ['GETEX', 'a', 'PERSIST'], ['GETEX', 'a'],
    ['GETEX', 'a', 'PXAT', '1'], ['MSET', 'x', '1', 'y', '2'], ['MSETNX', 'z', '1', 'x', '1'],
    ['MSETNX', 'z', '1', 'w', '2'], ['APPEND', 'x', '1'], ['APPEND', 'n', '1'], ['SETRANGE', 'x', '1', 'abc'],
    ['SETRANGE', 'nn', '1', 'abc'], ['SETRANGE', 'nn', '1', ''], ['SETRANGE', 'empty', '3', ''],
    ['INCR', 'i'], ['INCRBY', 'i', '2'], ['DECR', 'i'], ['DECRBY', 'i', '1'], ['INCR', 'x'],
    ['INCRBYFLOAT', 'f', '1.5'], ['GET', 'missing'],
  ),
});

eventsCase('generic key commands', {
  flags: 'KEA',
  steps: cmds(
    ['MSET', 'a', '1', 'b', '2', 'c', '3'], ['DEL', 'a', 'b', 'zz'], ['UNLINK', 'c'],
    ['SET', 'a', '1'], ['SET', 'b', '2'], ['RENAME', 'a', 'b'], ['RENAME', 'b', 'b'], ['RENAMENX', 'b', 'c'],
    ['SET', 'd', '1'], ['RENAMENX', 'c', 'd'], ['COPY', 'c', 'e'], ['COPY', 'c', 'e', 'REPLACE'], ['COPY', 'c', 'e'],
    ['COPY', 'c', 'e', 'DB', '2'], ['MOVE', 'e', '1'], ['MOVE', 'd', '1'],
    ['SET', 'e', 'x'], ['EXPIRE', 'e', '100'], ['EXPIRE', 'e', '100', 'NX'], ['PEXPIRE', 'e', '200000', 'GT'], ['PEXPIRE', 'e', '100000', 'GT'],
    ['TTL', 'e'], ['PERSIST', 'e'], ['PERSIST', 'e'], ['EXPIREAT', 'e', '1'], ['EXPIRE', 'missing', '1'],
    ['SET', 'e', 'x'], ['PEXPIRE', 'e', '-5'], ['SET', 'r', 'v'],
  ),
});

dual.case('RESTORE', async (pair) => {
  await pair.do('SET', 'src', 'value');
  const [dump] = await pair.both((c) => c.call('DUMP', 'src'));
  // The DUMP payload is binary: cut it out of redis's bulk reply by its length.
  const header = dump.indexOf('\r\n');
  const bytes = dump.subarray(header + 2, header + 2 + Number(dump.toString('latin1', 1, header)));
  await withKeyspaceEvents(pair, dual.running, 'KEA', async (subs) => {
    await pair.do('RESTORE', 'k', '0', bytes);
    await pair.do('RESTORE', 'k', '0', bytes, 'REPLACE');
    await pair.do('RESTORE', 'k', '1', bytes, 'REPLACE', 'ABSTTL');
    await pair.do('RESTORE', 'k', '100000', bytes);
    await pair.do(...SYNC_MARKER_COMMAND);
    const [expected, actual] = await pair.both((_c, side) => messagesUntilMarker(subs[side]));
    pair.same(actual instanceof Error ? actual.message : actual, expected, 'RESTORE notifications');
  });
});

eventsCase('hashes', {
  flags: 'KEA',
  steps: cmds(
    ['HSET', 'h', 'a', '1', 'b', '2'], ['HSET', 'h', 'a', '1'], ['HSETNX', 'h', 'a', '1'], ['HSETNX', 'h', 'c', '1'],
    ['HMSET', 'h', 'd', '1'], ['HDEL', 'h', 'x'], ['HDEL', 'h', 'a', 'b', 'c'], ['HINCRBY', 'h', 'd', '1'],
    ['HINCRBYFLOAT', 'h', 'd', '1.5'], ['HINCRBY', 'h2', 'n', '5'], ['HDEL', 'h', 'd'], ['HDEL', 'missing', 'd'],
  ),
});

eventsCase('sets', {
  flags: 'KEA',
  // SPOP picks at random: its replies are compared by shape only.
  steps: [
    ['SADD', 's', 'a', 'b', 'c'], ['SADD', 's', 'a'], ['SREM', 's', 'x'], ['SREM', 's', 'a'], shape('SPOP', 's'),
    ['SADD', 's', 'a', 'b', 'c'], shape('SPOP', 's', '2'), shape('SPOP', 's', '5'), ['SPOP', 's', '0'], ['SPOP', 'missing'],
    ['SADD', 's', 'a', 'b'], ['SADD', 't', 'c'], ['SMOVE', 's', 't', 'a'], ['SMOVE', 's', 't', 'b'],
    ['SMOVE', 't', 't', 'c'], ['SMOVE', 't', 'new', 'c'], ['SINTERSTORE', 'd', 's', 'new'], ['SADD', 's', 'x'],
    ['SUNIONSTORE', 'd', 's', 'new'], ['SDIFFSTORE', 'd', 's', 'new'], ['SINTERSTORE', 'd', 's', 'nothing'],
    ['SINTERSTORE', 'd', 's', 'nothing'], ['SREM', 's', 'x'],
  ],
});

eventsCase('lists', {
  flags: 'KEA',
  steps: cmds(
    ['RPUSH', 'l', 'a', 'b', 'c'], ['LPUSH', 'l', 'x'], ['LPUSHX', 'l', 'y'], ['RPUSHX', 'l', 'z'],
    ['LPUSHX', 'nope', 'y'], ['LINSERT', 'l', 'BEFORE', 'a', 'q'], ['LINSERT', 'l', 'BEFORE', 'nope', 'q'],
    ['LSET', 'l', '0', 'w'], ['LREM', 'l', '0', 'nope'], ['LREM', 'l', '1', 'a'], ['LTRIM', 'l', '0', '-1'],
    ['LTRIM', 'l', '0', '3'], ['LPOP', 'l'], ['RPOP', 'l', '0'], ['RPOP', 'l', '2'],
    ['LMOVE', 'l', 'm', 'LEFT', 'RIGHT'], ['RPUSH', 'l', 'k'], ['RPOPLPUSH', 'l', 'm'], ['LMOVE', 'm', 'm', 'LEFT', 'LEFT'],
    ['LMPOP', '1', 'm', 'LEFT', 'COUNT', '5'], ['LTRIM', 'x', '1', '0'], ['RPUSH', 'x', '1'], ['LTRIM', 'x', '1', '0'],
    ['RPUSH', 'b', '1', '2'], ['BLPOP', 'b', '0'], ['BRPOP', 'b', '0'], ['RPUSH', 'b', '1'], ['BLMOVE', 'b', 'c', 'LEFT', 'LEFT', '0'],
  ),
});

// ─── Classes, K/E, new and keymiss ──────────────────────────────────────────────────────────────

const MIXED = cmds(
  ['SET', 'a', '1'], ['EXPIRE', 'a', '100'], ['RPUSH', 'l', 'x'], ['SADD', 's', 'm'], ['HSET', 'h', 'f', 'v'],
  ['GET', 'missing'], ['LRANGE', 'nolist', '0', '-1'], ['DEL', 'a', 'l'], ['SET', 's2', 'v'], ['SET', 's2', 'w'],
);

for (const flags of ['K$', 'El', 'Kg', 'Esh', 'KEgx', 'KEn', 'Em', 'KEA', 'AKEmn', 'E$lshzxeg', 'K']) {
  eventsCase(`classes ${flags}`, { flags, steps: MIXED });
}

eventsCase('events in other databases and a keyspace-channel pattern', {
  flags: 'KEA',
  patterns: ['__keyspace@2__:*', '__keyevent@0__:set'],
  steps: cmds(['SET', 'a', '1'], ['SELECT', '2'], ['SET', 'b', '2'], ['DEL', 'b'], ['SELECT', '0'], ['DEL', 'a']),
});

eventsCase('inside MULTI/EXEC', {
  flags: 'KEA',
  steps: cmds(['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['RPUSH', 'l', 'x'], ['LPOP', 'l'], ['EXEC']),
});

// Active expiry is off until `lazy` has been expired by a lookup, so which of the two expiries
// reaches each key does not depend on how the active cycle and the polling interleave (on a busy
// machine the cycle could otherwise take `lazy` first).
eventsCase('lazy and active expiry', {
  flags: 'KEA',
  steps: [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['SET', 'lazy', 'v', 'PX', '30'],
    ['SET', 'active', 'v', 'PX', '30'],
    until(':0\r\n', ['EXISTS', 'lazy']),
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    until(':0\r\n', ['DBSIZE']),
  ],
});

// SET and MSET look the key up before they store it (lookupKeyWrite inside setKey): a key past
// its deadline is expired first, with its `expired` event, even when the store replaces it.
// Active expiry is off so that only these lookups can expire a, b and c; `s`, set last, is
// polled until it is gone, which proves the others' deadlines passed.
eventsCase('stores that replace a key past its deadline', {
  flags: 'KEA',
  steps: [
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
    ['SET', 'a', '1', 'PX', '30'], ['SET', 'b', '1', 'PX', '30'], ['SET', 'c', '1', 'PX', '30'], ['SET', 's', '1', 'PX', '30'],
    until(':0\r\n', ['EXISTS', 's']),
    ['MSET', 'a', '2', 'x', '1'], ['SET', 'b', '2'], ['SET', 'c', '2', 'NX'], ['INFO', 'keyspace'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
  ],
});

dual.case('a subscribed RESP3 writer gets its own events before its reply', async (pair: Pair) => {
  await pair.do('CONFIG', 'SET', 'notify-keyspace-events', 'E$');
  await pair.both(async (c) => {
    await c.call('HELLO', '3');
    await c.call('SUBSCRIBE', '__keyevent@0__:set');
  });
  await pair.step({ kind: 'raw', bytes: Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n', 'latin1'), replies: 2, label: 'SET k v while subscribed' });
  await pair.do('CONFIG', 'SET', 'notify-keyspace-events', '');
});

t.test('several subscribers each get every event', async (tt) => {
  if (!dual.enabled) return;
  const port = dual.running.target.port;
  const writer = await RawClient.connect(port);
  const subs = await Promise.all([1, 2, 3].map(() => keyspaceSubscriber(port, ['__keyevent@0__:*'])));
  try {
    await writer.call('CONFIG', 'SET', 'notify-keyspace-events', 'E$');
    await writer.call('SET', 'k', 'v');
    await writer.call('APPEND', 'k', 'w');
    await writer.call(...SYNC_MARKER_COMMAND);
    for (const sub of subs) {
      const got = await messagesUntilMarker(sub);
      tt.same(got, [
        '*4\r\n$8\r\npmessage\r\n$16\r\n__keyevent@0__:*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n',
        '*4\r\n$8\r\npmessage\r\n$16\r\n__keyevent@0__:*\r\n$21\r\n__keyevent@0__:append\r\n$1\r\nk\r\n',
      ]);
    }
  } finally {
    await writer.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    writer.close();
    for (const sub of subs) sub.close();
  }
});
