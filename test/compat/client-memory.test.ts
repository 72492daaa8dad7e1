/*
 * Differential tests of CLIENT LIST / CLIENT INFO values (issue 11), every field compared with a
 * real redis-server: the query buffer that still holds the running command (qbuf, qbuf-free), its
 * arguments (argv-mem), the MULTI queue (multi, multi-mem, flags x), the reply buffer (rbs, rbp,
 * obl) and the total (tot-mem), for the calling client and for other clients that are fresh, idle,
 * half-way through sending a request, queuing a transaction or subscribed.
 *
 * Normalised, because they must differ between two servers: id and fd (allocation order), addr
 * and laddr (ephemeral and listening ports), age and idle (seconds elapsed, which can tick over
 * between the two servers' answers). Every other value is compared as is.
 *
 * The reply buffer's fields follow the clients cron (rbs shrinks from 16 KiB to 1 KiB on the
 * second cron pass after a connect, rbp resets every 5 s), whose phase differs between the two
 * servers; each connection is therefore first waited on until its buffer has shrunk, and then
 * sent an ECHO whose 1000-byte reply sets the peak to the same value on both servers (larger than
 * any CLIENT INFO reply, smaller than the 1 KiB buffer, so no resize follows).
 */

import t from 'tap';
import { dualRun, type Pair, type Side } from './harness';
import { RawClient } from '../../bench/harness/raw-client';
import { delay } from '../../bench/harness/server-process';

const dual = dualRun(t);

/**
 * A reply with the fields that must differ replaced by `<name>`, and the length of a bulk string
 * holding a client line (it varies with the digits of those fields) replaced by `<len>`.
 */
function normalize(reply: Buffer): string {
  return reply
    .toString('latin1')
    .replace(/\$\d+\r\n(?=id=)/g, '$<len>\r\n')
    .replace(/(^|[ \n])(id|addr|laddr|fd|age|idle)=\S+/g, '$1$2=<$2>');
}

/** ECHO's argument: its 1007-byte reply becomes the reply buffer's peak (rbp). */
const PEAK_SETTER = 'p'.repeat(1000);

/**
 * Waits until client `id`'s reply buffer has shrunk (rbs=1024), as seen from `observer`; its
 * peak was reset on the way (to 0: nothing was being written).
 */
async function settle(observer: RawClient, id: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const line = (await observer.call('CLIENT', 'LIST', 'ID', id)).toString('latin1');
    if (line.includes(' rbs=1024 ')) return;
    if (Date.now() > deadline) throw new Error(`reply buffer never shrank: ${line}`);
    await delay(20);
  }
}

/** Polls from `observer` until client `id` holds `argvBytes` of a request still arriving. */
async function untilArrived(observer: RawClient, id: string, argvBytes: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const line = (await observer.call('CLIENT', 'LIST', 'ID', id)).toString('latin1');
    if (line.includes(` argv-mem=${argvBytes} `)) return;
    if (Date.now() > deadline) throw new Error(`the partial request never arrived: ${line}`);
    await delay(20);
  }
}

/** Sets the connection's reply-buffer peak to the same value on both servers. */
async function pinPeak(c: RawClient): Promise<void> {
  await c.call('ECHO', PEAK_SETTER);
}

async function pinPeakBoth(pair: Pair): Promise<void> {
  await pair.both((c) => pinPeak(c));
}

async function clientId(c: RawClient): Promise<string> {
  return (await c.call('CLIENT', 'ID')).toString('latin1').slice(1, -2);
}

/**
 * Sends `bytes` in one write and compares the `replies` replies, CLIENT lines normalised. The
 * connection's peak is pinned again first (unless it is inside MULTI, where ECHO would be
 * queued), in case the 5-second peak reset came meanwhile on a slow machine.
 */
async function sameReplies(pair: Pair, bytes: string | ((side: Side) => string), replies: number, label: string, pin = true): Promise<void> {
  const [r, h] = await pair.both(async (c, side) => {
    if (pin) await pinPeak(c);
    c.write(typeof bytes === 'string' ? bytes : bytes(side));
    const out = await c.readReplies(replies);
    return out.map(normalize);
  });
  pair.same(h, r, label);
}

dual.case('the calling client: query buffer, argv, reply buffer, MULTI', async (pair) => {
  const ids = { redis: '', target: '' };
  await pair.both(async (c, side) => {
    ids[side] = await clientId(c);
    await settle(c, ids[side]);
    await pinPeak(c);
  });
  await sameReplies(pair, '*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n', 1, 'CLIENT INFO as redis-cli sends it: qbuf=26 argv-mem=10');
  await sameReplies(pair, (side) => `*4\r\n$6\r\nCLIENT\r\n$4\r\nLIST\r\n$2\r\nID\r\n$${ids[side].length}\r\n${ids[side]}\r\n`, 1, 'CLIENT LIST ID <self>');
  await sameReplies(pair, 'CLIENT SETNAME abcdefghij\r\nCLIENT INFO\r\nPING\r\n', 3, 'inline pipeline: qbuf counts the whole read, obl the replies before');
  await sameReplies(pair, 'WATCH a b\r\nCLIENT INFO\r\n', 2, 'watched keys in tot-mem');
  await sameReplies(pair, 'MULTI\r\nSET a bbbbbbbbbb\r\nGET a\r\nCLIENT INFO\r\n', 4, 'queued: flags x, multi, multi-mem');
  await sameReplies(pair, 'EXEC\r\n', 1, 'inside EXEC: argv-mem of EXEC, the queue still counted', false);
  await sameReplies(pair, '*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n', 1, 'after EXEC');
  // A request split over two reads: the second read starts after the consumed `$5` line.
  await pinPeakBoth(pair);
  await pair.both(async (c, side) => {
    c.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nab');
    const observer = await RawClient.connect(side === 'redis' ? dual.running.redis.port : dual.running.target.port);
    try {
      await untilArrived(observer, ids[side], 4);
    } finally {
      observer.close();
    }
  });
  await sameReplies(pair, 'cde\r\n*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n', 2, 'after a request split over two reads', false);
});

dual.case('other clients: fresh, idle, mid-request, in MULTI, subscribed', async (pair) => {
  const sides = await pair.both(async (c, side) => {
    const port = side === 'redis' ? dual.running.redis.port : dual.running.target.port;
    const [idle, partial, queuing, subscriber] = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(port))) as [RawClient, RawClient, RawClient, RawClient];
    const ids = [await clientId(idle), await clientId(partial), await clientId(queuing), await clientId(subscriber)];
    // The fresh connection never sends a byte: it is the one connected last.
    const fresh = await RawClient.connect(port);
    const all = (await c.call('CLIENT', 'LIST')).toString('latin1');
    const freshId = Math.max(...[...all.matchAll(/^id=(\d+) /gm)].map((m) => Number(m[1])));
    ids.unshift(String(freshId));
    for (const id of ids) await settle(c, id);
    for (const other of [idle, partial, queuing, subscriber]) await pinPeak(other);
    await idle.call('PING');
    partial.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nab');
    await untilArrived(c, ids[2] as string, 4);
    queuing.write('WATCH x\r\nMULTI\r\nSET a bbbbbbbbbb\r\nGET a\r\n');
    await queuing.readReplies(4);
    subscriber.write('SUBSCRIBE a b\r\nPSUBSCRIBE a* b* c*\r\nSSUBSCRIBE s\r\n');
    await subscriber.readReplies(6);
    return { clients: [fresh, idle, partial, queuing, subscriber], ids };
  });
  const [redisSide, targetSide] = sides;
  try {
    if (targetSide instanceof Error) throw targetSide;
    const bySide = { redis: redisSide, target: targetSide };
    await sameReplies(pair, (side) => `CLIENT LIST ID ${bySide[side].ids.join(' ')}\r\n`, 1, 'fresh, idle, mid-request, queuing and subscribed clients', false);
  } finally {
    for (const side of sides) if (!(side instanceof Error)) for (const c of side.clients) c.close();
  }
});

/**
 * Redis's clients cron cuts the query buffer of a client idle for more than 2 s to what it
 * holds: an idle client's 20 KiB of room goes (qbuf-free=0, tot-mem down to the client, an
 * 8-byte buffer and its reply buffer), and a client half-way through a request keeps only the
 * bytes that wait. Each server is polled until its cron has done it, then the lines compared.
 */
dual.case('an idle client\'s query buffer is cut by the cron after 2 s', async (pair) => {
  const sides = await pair.both(async (c, side) => {
    const port = side === 'redis' ? dual.running.redis.port : dual.running.target.port;
    const [idle, partial] = await Promise.all([0, 1].map(() => RawClient.connect(port))) as [RawClient, RawClient];
    const ids = [await clientId(idle), await clientId(partial)];
    for (const id of ids) await settle(c, id);
    for (const other of [idle, partial]) await pinPeak(other);
    await idle.call('PING');
    partial.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nab');
    await untilArrived(c, ids[1] as string, 4);
    const deadline = Date.now() + 8_000;
    for (;;) {
      const lines = (await c.call('CLIENT', 'LIST', 'ID', ...ids)).toString('latin1');
      if ((lines.match(/ qbuf-free=0 /g) ?? []).length === 2) break;
      if (Date.now() > deadline) throw new Error(`the query buffers were never cut: ${lines}`);
      await delay(100);
    }
    return { clients: [idle, partial], ids };
  });
  const [redisSide, targetSide] = sides;
  try {
    if (targetSide instanceof Error) throw targetSide;
    const bySide = { redis: redisSide, target: targetSide };
    await sameReplies(pair, (side) => `CLIENT LIST ID ${bySide[side].ids.join(' ')}\r\n`, 1, 'idle and mid-request clients after the cut', false);
    // The clients cron's samples of the last 8 s: every connection of this file was idle or
    // half-way through a small request when sampled, the largest being a 20 KiB query buffer
    // holding two arguments in a three-slot argv (20480 + 4 + 32), the same on both servers.
    const recent = (info: Buffer | Error): string =>
      info instanceof Error ? info.message : info.toString('latin1').split('\r\n').filter((l) => l.startsWith('client_recent_max')).join(' ');
    const [r, h] = await pair.both((c) => c.call('INFO', 'clients'));
    pair.same(recent(h), recent(r), 'INFO client_recent_max_input_buffer and _output_buffer');
  } finally {
    for (const side of sides) if (!(side instanceof Error)) for (const c of side.clients) c.close();
  }
});
