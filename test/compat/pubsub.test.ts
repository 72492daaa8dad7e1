/*
 * Differential tests for pub/sub: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB,
 * compared byte for byte with a real redis-server in RESP2 and RESP3.
 *
 * Single-connection tables cover confirmations, counts, the RESP2 subscribed context and errors.
 * Scenarios run the same script of several connections on each side: subscribers' messages are
 * read as they arrive (a read waits with a deadline, never a sleep), interleaved with the
 * publisher's replies, and the whole transcript is compared.
 *
 * Orders that Redis leaves to its hash tables (an argument-less UNSUBSCRIBE of several channels,
 * PUBSUB CHANNELS) are compared as sets or avoided.
 */

import t from 'tap';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { RawClient } from '../../bench/harness/raw-client';
import { encodeCommand, type Arg } from '../../bench/harness/resp';
import { check, dualRun, error, raw, sorted, type Pair, type Side } from './harness';
import { inBothProtocols } from './random-picks';
import { clientLines } from './client-fields';
import { call, close, read, scenario as connectionScenario, send, until, type ScriptStep } from './connection-script';
import type { Comparator } from './compare';

const dual = dualRun(t);

/** A command with `replies` confirmations (SUBSCRIBE a b c answers three times). */
const multi = (replies: number, ...argv: Arg[]): ReturnType<typeof raw> => raw(encodeCommand(argv), replies);

// ─── One connection ─────────────────────────────────────────────────────────────────────────────

inBothProtocols(dual, 'subscribe and unsubscribe confirmations and counts', [
  ['UNSUBSCRIBE'],
  ['PUNSUBSCRIBE'],
  ['SUNSUBSCRIBE'],
  multi(3, 'SUBSCRIBE', 'a', 'b', 'a'),
  ['SSUBSCRIBE', 'x'],
  multi(2, 'PSUBSCRIBE', 'p*', 'h?llo'),
  ['PING'],
  ['PING', 'hi'],
  multi(2, 'UNSUBSCRIBE', 'b', 'never'),
  ['UNSUBSCRIBE'],
  multi(2, 'PUNSUBSCRIBE', 'h?llo', 'p*'),
  ['PUNSUBSCRIBE'],
  multi(2, 'SSUBSCRIBE', 'y', 'x'),
  multi(2, 'SUNSUBSCRIBE', 'x', 'y'),
  ['SUNSUBSCRIBE'],
  ['ECHO', 'out of pub/sub mode'],
  multi(2, 'SUBSCRIBE', Buffer.from([0, 0xff, 0x0d, 0x0a]), ''),
  multi(2, 'UNSUBSCRIBE', '', Buffer.from([0, 0xff, 0x0d, 0x0a])),
]);

dual.case('RESP2 subscribed context allows only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT, RESET', [
  ['SUBSCRIBE', 'a'],
  error('GET', 'a'),
  error('CLIENT', 'LIST'),
  error('PUBLISH', 'a', 'b'),
  error('PUBSUB', 'NUMSUB', 'a'),
  error('MULTI'),
  error('HELLO', '2'),
  error('NOSUCHCOMMAND'),
  error('GET'),
  ['PING'],
  ['PSUBSCRIBE', 'x*'],
  ['UNSUBSCRIBE', 'a'],
  error('ECHO', 'still in pub/sub mode'),
  ['PUNSUBSCRIBE', 'x*'],
  ['ECHO', 'now free'],
  ['SSUBSCRIBE', 's'],
  error('SET', 'k', 'v'),
  ['RESET'],
  ['SET', 'k', 'v'],
  ['PUBSUB', 'NUMSUB', 'a', 's'],
  ['PUBSUB', 'SHARDNUMSUB', 's'],
]);

dual.case(
  'RESP3: any command while subscribed, messages to oneself come before the reply',
  [
    ['SUBSCRIBE', 'a'],
    ['SET', 'k', 'v'],
    ['GET', 'k'],
    ['PING'],
    ['PING', 'x'],
    raw(encodeCommand(['PUBLISH', 'a', 'to myself']), 2),
    ['PSUBSCRIBE', '*'],
    raw(encodeCommand(['PUBLISH', 'a', 'twice']), 3),
    ['SSUBSCRIBE', 's'],
    raw(encodeCommand(['SPUBLISH', 's', 'shard']), 2),
    ['SPUBLISH', 'a', 'no shard subscriber'],
    // The empty channel is matched by no pattern but the empty one, not even "*".
    ['SUBSCRIBE', ''],
    raw(encodeCommand(['PUBLISH', '', 'empty channel']), 2),
    ['PSUBSCRIBE', ''],
    raw(encodeCommand(['PUBLISH', '', 'empty pattern']), 3),
    sorted('PUBSUB', 'CHANNELS'),
    ['PUBSUB', 'CHANNELS', '*'],
    ['UNSUBSCRIBE', ''],
    ['PUNSUBSCRIBE', ''],
    ['PUBSUB', 'NUMSUB', 'a', 'b'],
    ['PUBSUB', 'SHARDNUMSUB', 's', 'a'],
    ['PUBSUB', 'NUMPAT'],
    ['PUNSUBSCRIBE', 'nothing'],
    ['UNSUBSCRIBE', 'a'],
    ['PUNSUBSCRIBE'],
    ['PUNSUBSCRIBE'],
    ['SUNSUBSCRIBE'],
    ['UNSUBSCRIBE'],
  ],
  { resp3: true },
);

inBothProtocols(dual, 'PUBSUB introspection and errors', [
  ['PUBSUB', 'HELP'],
  ['PUBSUB', 'help'],
  ['PUBSUB', 'CHANNELS'],
  ['PUBSUB', 'CHANNELS', '*'],
  ['PUBSUB', 'SHARDCHANNELS'],
  ['PUBSUB', 'NUMSUB'],
  ['PUBSUB', 'SHARDNUMSUB'],
  ['PUBSUB', 'NUMSUB', 'a', 'b', 'a'],
  ['PUBSUB', 'NUMPAT'],
  error('PUBSUB'),
  error('PUBSUB', 'NUMPAT', 'x'),
  error('PUBSUB', 'FOO'),
  error('PUBSUB', 'CHANNELS', 'a', 'b'),
  error('PUBSUB', 'channels', 'a', 'b'),
  error('PUBSUB', 'SHARDCHANNELS', 'a', 'b'),
  error('PUBLISH', 'a'),
  error('PUBLISH', 'a', 'b', 'c'),
  error('SPUBLISH', 'a'),
  error('SUBSCRIBE'),
  error('PSUBSCRIBE'),
  error('SSUBSCRIBE'),
  ['PUBLISH', 'nobody', 'listens'],
  ['SPUBLISH', 'nobody', 'listens'],
]);

inBothProtocols(dual, 'subscribing inside MULTI', [
  ['MULTI'],
  ['SUBSCRIBE', 'a'],
  ['SSUBSCRIBE', 'b'],
  ['PSUBSCRIBE', 'c*'],
  ['EXEC'],
  ['PING'],
  ['UNSUBSCRIBE', 'a'],
  ['PUNSUBSCRIBE', 'c*'],
  ['PING'],
]);

/** CLIENT INFO's pub/sub fields: flags=P, sub=, psub=, ssub=. */
const clientInfo: Comparator = clientLines(false);

dual.case(
  'CLIENT INFO counts subscriptions and flags the connection P (RESP3)',
  [
    check(clientInfo, 'CLIENT', 'INFO'),
    multi(2, 'SUBSCRIBE', 'a', 'b'),
    multi(3, 'PSUBSCRIBE', 'x', 'y', 'z'),
    ['SSUBSCRIBE', 's'],
    check(clientInfo, 'CLIENT', 'INFO'),
    ['RESET'],
    check(clientInfo, 'CLIENT', 'INFO'),
  ],
  { resp3: true },
);

/** The Stats section's pub/sub counters, as one comparable line. */
const pubsubStats: Comparator = (redis, target) => {
  const pick = (buf: Buffer): string =>
    buf
      .toString('latin1')
      .split('\r\n')
      .filter((l) => l.startsWith('pubsub'))
      .join(' ');
  return { expected: pick(redis), actual: pick(target) };
};

// ─── Several connections ────────────────────────────────────────────────────────────────────────

/** Runs the script on both servers and compares the transcripts (connection-script.ts). */
function scenario(name: string, steps: readonly ScriptStep[], resp3: readonly string[] = []): void {
  connectionScenario(dual, name, steps, { resp3 });
}

const fanOut: ScriptStep[] = [
  call('A', 'SUBSCRIBE', 'news'),
  call('B', 'SUBSCRIBE', 'news'),
  send('C', 'PSUBSCRIBE', 'n*', 'x'),
  read('C', 2),
  call('P', 'PUBLISH', 'news', 'hello'),
  read('A'),
  read('B'),
  read('C'),
  call('P', 'PUBLISH', 'nope', 'pattern only'),
  read('C'),
  call('P', 'PUBLISH', 'other', 'nobody'),
  call('P', 'PUBLISH', 'news', Buffer.from([0, 1, 0xff, 0x0d, 0x0a])),
  read('A'),
  read('B'),
  read('C'),
  call('A', 'SUBSCRIBE', 'second'),
  call('P', 'PUBLISH', 'second', 'only A'),
  call('P', 'PUBLISH', 'news', 'after'),
  read('A', 2),
  read('B'),
  read('C'),
  call('P', 'PUBSUB', 'NUMSUB', 'news', 'second', 'n*'),
  call('P', 'PUBSUB', 'NUMPAT'),
  call('P', 'INFO', 'stats'),
];

scenario('PUBLISH fans out to channel and pattern subscribers, in order', fanOut.slice(0, -1));
scenario('PUBLISH to RESP3 subscribers arrives as push messages', fanOut.slice(0, -1), ['A', 'C']);

dual.case('INFO stats counts channels, patterns and shard channels', async (pair: Pair) => {
  await pair.step(multi(2, 'SUBSCRIBE', 'a', 'b'));
  const other = await Promise.all([RawClient.connect(dual.running.redis.port), RawClient.connect(dual.running.target.port)]);
  try {
    await Promise.all(other.map((c) => c.call('PSUBSCRIBE', 'a*')));
    await Promise.all(other.map((c) => c.call('SSUBSCRIBE', 'a')));
    const [r, h] = await Promise.all(other.map((c) => c.call('PING')));
    pair.same(h?.toString('latin1'), r?.toString('latin1'), 'PING of a subscriber');
    const reader = await Promise.all([RawClient.connect(dual.running.redis.port), RawClient.connect(dual.running.target.port)]);
    const [ri, hi] = await Promise.all(reader.map((c) => c.call('INFO', 'stats')));
    for (const c of reader) c.close();
    const compared = pubsubStats(ri ?? Buffer.alloc(0), hi ?? Buffer.alloc(0));
    pair.same(compared.actual, compared.expected, 'INFO stats pubsub_*');
  } finally {
    for (const c of other) c.close();
  }
});

scenario('shard channels: SPUBLISH reaches SSUBSCRIBE only, never patterns', [
  call('A', 'SSUBSCRIBE', 'orders'),
  call('B', 'SUBSCRIBE', 'orders'),
  call('C', 'PSUBSCRIBE', '*'),
  call('P', 'SPUBLISH', 'orders', 'shard message'),
  read('A'),
  call('P', 'PUBLISH', 'orders', 'plain message'),
  read('B'),
  read('C'),
  call('P', 'PUBSUB', 'SHARDNUMSUB', 'orders'),
  call('P', 'PUBSUB', 'SHARDCHANNELS'),
  call('P', 'PUBSUB', 'SHARDCHANNELS', 'ord*'),
  call('P', 'PUBSUB', 'SHARDCHANNELS', 'x*'),
  call('P', 'PUBSUB', 'CHANNELS', 'o*'),
  call('A', 'SUNSUBSCRIBE'),
  call('P', 'SPUBLISH', 'orders', 'nobody now'),
]);

scenario('NUMPAT and INFO count distinct patterns, NUMSUB counts clients', [
  call('A', 'PSUBSCRIBE', 'p*', 'q*'),
  call('B', 'PSUBSCRIBE', 'p*'),
  call('A', 'SUBSCRIBE', 'c'),
  call('B', 'SUBSCRIBE', 'c'),
  call('P', 'PUBSUB', 'NUMPAT'),
  call('P', 'PUBSUB', 'NUMSUB', 'c', 'p*'),
  call('P', 'PUBLISH', 'pq', 'two pattern subscribers'),
  // 'pq' matches both of A's patterns: A gets two messages. Reading only one left the second to
  // be taken for PUNSUBSCRIBE's reply, and NUMPAT then raced the unsubscribe.
  read('A', 2),
  read('B'),
  call('B', 'PUNSUBSCRIBE', 'p*'),
  call('P', 'PUBSUB', 'NUMPAT'),
  call('A', 'PUNSUBSCRIBE', 'p*'),
  call('P', 'PUBSUB', 'NUMPAT'),
]);

scenario('a closed subscriber leaves its channels', [
  call('A', 'SUBSCRIBE', 'c1'),
  call('A', 'PSUBSCRIBE', 'c*'),
  call('A', 'SSUBSCRIBE', 'c2'),
  call('B', 'SUBSCRIBE', 'c1'),
  call('P', 'PUBSUB', 'NUMSUB', 'c1'),
  close('A'),
  until('P', '*2\r\n$2\r\nc1\r\n:1\r\n', 'PUBSUB', 'NUMSUB', 'c1'),
  call('P', 'PUBSUB', 'NUMPAT'),
  call('P', 'PUBSUB', 'SHARDNUMSUB', 'c2'),
  call('P', 'PUBLISH', 'c1', 'one left'),
  read('B'),
]);

scenario('CLIENT KILL TYPE pubsub closes subscribers only', [
  call('A', 'SUBSCRIBE', 'c'),
  call('B', 'PSUBSCRIBE', 'c*'),
  call('C', 'SET', 'k', 'v'),
  call('P', 'CLIENT', 'KILL', 'TYPE', 'pubsub'),
  until('P', '*2\r\n$1\r\nc\r\n:0\r\n', 'PUBSUB', 'NUMSUB', 'c'),
  until('P', ':0\r\n', 'PUBSUB', 'NUMPAT'),
  call('C', 'GET', 'k'),
]);

const replyOff: ScriptStep[] = [
  send('A', 'CLIENT', 'REPLY', 'OFF'),
  send('A', 'SUBSCRIBE', 'c', 'd'),
  read('A', 2),
  call('P', 'PUBLISH', 'c', 'heard anyway'),
  read('A'),
  send('A', 'PING'),
  send('A', 'UNSUBSCRIBE', 'd'),
  read('A'),
  send('A', 'SSUBSCRIBE', 's'),
  read('A'),
  call('P', 'SPUBLISH', 's', 'shard'),
  read('A'),
];
// Redis 7.0.15 never silences pushes: confirmations and messages pass CLIENT REPLY OFF.
scenario('CLIENT REPLY OFF silences replies but not pub/sub pushes', replyOff);
scenario('CLIENT REPLY OFF silences replies but not pub/sub pushes (RESP3)', [
  ...replyOff,
  send('A', 'PUBLISH', 'c', 'to myself'),
  read('A'),
  send('A', 'CLIENT', 'REPLY', 'SKIP'),
  send('A', 'PUBLISH', 'c', 'skipped count'),
  read('A'),
  send('A', 'CLIENT', 'REPLY', 'ON'),
  read('A'),
  call('A', 'PUBLISH', 'c', 'counted'),
], ['A', 'P']);

scenario('RESET leaves everything and answers in RESP2 again', [
  call('A', 'SUBSCRIBE', 'c'),
  call('A', 'PSUBSCRIBE', 'c*'),
  call('A', 'RESET'),
  call('P', 'PUBLISH', 'c', 'nobody'),
  call('A', 'GET', 'x'),
  call('P', 'PUBSUB', 'NUMPAT'),
], ['A']);

scenario('a subscriber pipelining commands gets messages between its replies', [
  call('A', 'SUBSCRIBE', 'c'),
  call('P', 'PUBLISH', 'c', 'first'),
  read('A'),
  send('A', 'PING'),
  read('A'),
  call('P', 'PUBLISH', 'c', 'second'),
  read('A'),
  send('A', 'UNSUBSCRIBE', 'c'),
  read('A'),
  call('P', 'PUBLISH', 'c', 'third'),
  call('A', 'PING'),
]);

scenario('RESP3 subscriber interleaves messages with its own replies', [
  call('A', 'SUBSCRIBE', 'c'),
  call('A', 'SET', 'k', '1'),
  call('P', 'PUBLISH', 'c', 'm1'),
  read('A'),
  call('A', 'INCR', 'k'),
  call('P', 'PUBLISH', 'c', 'm2'),
  call('P', 'PUBLISH', 'c', 'm3'),
  read('A', 2),
  call('A', 'GET', 'k'),
], ['A']);

dual.case('CLIENT LIST TYPE pubsub lists subscribers only', async (pair: Pair) => {
  const subscribers = await Promise.all([RawClient.connect(dual.running.redis.port), RawClient.connect(dual.running.target.port)]);
  try {
    await Promise.all(subscribers.map((c) => c.call('SUBSCRIBE', 'c')));
    await pair.step(check(clientLines(false), 'CLIENT', 'LIST', 'TYPE', 'pubsub'));
    await pair.step(check(clientLines(true), 'CLIENT', 'LIST', 'TYPE', 'normal'));
  } finally {
    for (const c of subscribers) c.close();
  }
});

dual.case('a subscriber over the pubsub output buffer hard limit is disconnected', async (pair: Pair) => {
  const limits = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';
  await pair.do('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 65536 0 0');
  try {
    const [r, h] = await pair.both(async (_c, side) => {
      const port = side === 'redis' ? dual.running.redis.port : dual.running.target.port;
      const sub = await RawClient.connect(port);
      const pub = await RawClient.connect(port);
      try {
        const out: string[] = [(await sub.call('SUBSCRIBE', 'c')).toString('latin1')];
        out.push((await pub.call('PUBLISH', 'c', 'small')).toString('latin1'));
        out.push((await sub.readReplies(1)).map((b) => b.toString('latin1')).join(''));
        out.push((await pub.call('PUBLISH', 'c', 'x'.repeat(200_000))).toString('latin1'));
        out.push(`after the big one: ${(await sub.readUntilClose()).length} bytes, then closed`);
        out.push((await pub.call('PUBSUB', 'NUMSUB', 'c')).toString('latin1'));
        return out;
      } finally {
        sub.close();
        pub.close();
      }
    });
    pair.same(h, r, 'transcript');
  } finally {
    await pair.do('CONFIG', 'SET', 'client-output-buffer-limit', limits);
  }
});

// ─── Client libraries ───────────────────────────────────────────────────────────────────────────

const POLL_DEADLINE_MS = 5_000;

/** Waits (deadline) until `log` holds `count` entries. */
async function logged(log: readonly string[], count: number): Promise<void> {
  const deadline = Date.now() + POLL_DEADLINE_MS;
  while (log.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${log.length} of ${count} messages: ${JSON.stringify(log)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The same ioredis subscriber session on one side; returns what the subscriber saw. */
async function ioredisSession(port: number): Promise<string[]> {
  const sub = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  const pub = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  // Messages and command results arrive on different sockets: logged apart, each in its order.
  const log: string[] = [];
  const heard: string[] = [];
  sub.on('message', (channel: string, message: string) => heard.push(`message ${channel} ${message}`));
  sub.on('pmessage', (pattern: string, channel: string, message: string) => heard.push(`pmessage ${pattern} ${channel} ${message}`));
  sub.on('smessage', (channel: string, message: string) => heard.push(`smessage ${channel} ${message}`));
  try {
    await Promise.all([sub.connect(), pub.connect()]);
    log.push(`subscribe -> ${String(await sub.subscribe('news', 'sport'))}`);
    log.push(`psubscribe -> ${String(await sub.psubscribe('n*'))}`);
    log.push(`ssubscribe -> ${String(await sub.ssubscribe('orders'))}`);
    log.push(`ping -> ${JSON.stringify(await sub.ping())}`);
    log.push(`publish -> ${await pub.publish('news', 'hello')}`);
    log.push(`spublish -> ${String(await pub.spublish('orders', 'o1'))}`);
    await logged(heard, 3);
    log.push(`unsubscribe -> ${String(await sub.unsubscribe('news'))}`);
    log.push(`publish -> ${await pub.publish('news', 'again')}`);
    log.push(`numsub -> ${JSON.stringify(await pub.pubsub('NUMSUB', 'news', 'sport'))}`);
    await logged(heard, 4);
    // Argument-less unsubscribes are left out: both libraries then wait for replies they
    // miscount, against redis-server too.
    log.push(`punsubscribe -> ${String(await sub.punsubscribe('n*'))}`);
    log.push(`sunsubscribe -> ${String(await sub.sunsubscribe('orders'))}`);
    log.push(`unsubscribe -> ${String(await sub.unsubscribe('sport'))}`);
    log.push(`after -> ${String(await sub.set('k', 'v'))}`);
    return [...log, ...heard];
  } finally {
    sub.disconnect();
    pub.disconnect();
  }
}

/** The same node-redis (v4) subscriber session on one side, in RESP2 as node-redis 4 speaks. */
async function nodeRedisSession(port: number): Promise<string[]> {
  const pub = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false } });
  pub.on('error', () => undefined);
  const sub = pub.duplicate();
  sub.on('error', () => undefined);
  const log: string[] = [];
  const heard: string[] = [];
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    await sub.subscribe(['news', 'sport'], (message, channel) => heard.push(`message ${channel} ${message}`));
    await sub.pSubscribe('n*', (message, channel) => heard.push(`pmessage ${channel} ${message}`));
    await sub.sSubscribe('orders', (message, channel) => heard.push(`smessage ${channel} ${message}`));
    log.push(`publish -> ${await pub.publish('news', 'hello')}`);
    log.push(`publish -> ${await pub.publish('sport', Buffer.from([0xff, 0x00]).toString('latin1'))}`);
    log.push(`spublish -> ${await pub.sPublish('orders', 'o1')}`);
    await logged(heard, 4);
    log.push(`numsub -> ${JSON.stringify(await pub.pubSubNumSub(['news', 'x']))}`);
    log.push(`numpat -> ${await pub.pubSubNumPat()}`);
    log.push(`channels -> ${JSON.stringify((await pub.pubSubChannels()).sort())}`);
    await sub.unsubscribe(['news', 'sport']);
    await sub.pUnsubscribe('n*');
    await sub.sUnsubscribe('orders');
    log.push(`after -> ${await sub.set('k', 'v')}`);
    log.push(`numsub -> ${JSON.stringify(await pub.pubSubNumSub(['news']))}`);
    return [...log, ...heard];
  } finally {
    await Promise.allSettled([pub.quit(), sub.quit()]);
  }
}

for (const [name, session] of [['ioredis', ioredisSession], ['node-redis', nodeRedisSession]] as const) {
  dual.case(`${name} subscribers see what they see with redis-server`, async (pair: Pair) => {
    const [r, h] = await pair.both((_c, side) => session(side === 'redis' ? dual.running.redis.port : dual.running.target.port));
    pair.same(h, r, `${name} transcript`);
  });
}
