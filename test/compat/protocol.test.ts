/*
 * Differential tests for the request side of RESP (issue 2): inline commands and their quoting,
 * pipelining, requests split across TCP writes, and malformed input, where Redis answers
 * "-ERR Protocol error: ..." and closes the connection. For malformed input every byte the server
 * sends until it closes is compared, so "same error, then close" is checked, not just the text.
 */

import t from 'tap';
import { dualRun, raw, rawClose, reconnect, type Pair } from './harness';
import { encodeCommand } from '../../bench/harness/resp';
import { delay } from '../../bench/harness/server-process';

const dual = dualRun(t);

dual.case('inline commands', [
  raw('PING\r\n'),
  raw('SET k v\r\n'),
  raw('GET k\n'),
  raw('   GET    k   \r\n'),
  raw('SET k "a b"\r\n'),
  raw('GET k\r\n'),
  raw("SET k 'single quoted \"x\"'\r\n"),
  raw('GET k\r\n'),
  raw('SET k "esc\\x41\\n\\t\\\\\\"\\r"\r\n'),
  raw('GET k\r\n'),
  raw("SET k 'it\\'s'\r\n"),
  raw('GET k\r\n'),
  raw('SET k ""\r\n'),
  raw('STRLEN k\r\n'),
  raw('SET k "\\xff\\x00"\r\n'),
  raw('STRLEN k\r\n'),
  raw('\r\n\r\n\n   \r\nPING\r\n'),
  raw('NOSUCHCOMMAND a b\r\n'),
  raw('GET\r\n'),
  raw('set k v\r\nget k\r\nincr n\r\n', 3),
  raw('PING\r\n*1\r\n$4\r\nPING\r\nPING\r\n', 3),
  raw('EcHo\thello\r\n'),
]);

dual.case('unbalanced quotes close the connection', [
  rawClose('SET k "abc\r\n'),
  reconnect(),
  rawClose("SET k 'abc\r\n"),
  reconnect(),
  rawClose('PING\r\nECHO "a\r\n'),
  reconnect(),
  rawClose('ECHO "a"b\r\n'),
  reconnect(),
  rawClose("ECHO 'a'b\r\n"),
  reconnect(),
  raw('PING\r\n'),
]);

dual.case('empty and negative multibulk counts are ignored', [
  raw('*0\r\nPING\r\n'),
  raw('*-1\r\nPING\r\n'),
  raw('*-10\r\nPING\r\n'),
]);

dual.case('malformed multibulk requests', [
  rawClose('*abc\r\n'),
  reconnect(),
  rawClose('*2147483648\r\n'),
  reconnect(),
  rawClose('*1\r\nfoo\r\n'),
  reconnect(),
  rawClose('*2\r\n$4\r\nECHO\r\n:1\r\n'),
  reconnect(),
  rawClose('*1\r\n$abc\r\n'),
  reconnect(),
  rawClose('*1\r\n$-1\r\n'),
  reconnect(),
  rawClose('*1\r\n$536870913\r\n'),
  reconnect(),
  rawClose('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1x\r\n'),
  reconnect(),
  rawClose('*1x\r\n'),
  reconnect(),
  rawClose('*\r\n'),
  reconnect(),
  rawClose('*1\r\n$\r\n'),
  reconnect(),
  rawClose(Buffer.concat([encodeCommand(['SET', 'k', 'v']), Buffer.from('*1\r\n$x\r\n'), encodeCommand(['GET', 'k'])])),
  reconnect(),
  raw(encodeCommand(['GET', 'k'])),
]);

dual.case('a bulk is taken by length, not by its terminator', [
  raw('*2\r\n$4\r\nECHO\r\n$3\r\nabcXY*1\r\n$4\r\nPING\r\n', 2),
]);

dual.case('too big inline and header lines', [
  rawClose('x'.repeat(70_000)),
  reconnect(),
  rawClose(`*${'1'.repeat(70_000)}`),
  reconnect(),
  rawClose(`*1\r\n$${'1'.repeat(70_000)}`),
  reconnect(),
  raw(`ECHO ${'y'.repeat(60_000)}\r\n`),
]);

dual.case('proto-max-bulk-len', [
  raw(encodeCommand(['CONFIG', 'SET', 'proto-max-bulk-len', '1mb'])),
  raw(Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n'), Buffer.alloc(1_048_576, 0x61), Buffer.from('\r\n')])),
  raw(encodeCommand(['STRLEN', 'k'])),
  rawClose('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n'),
  reconnect(),
  raw(encodeCommand(['CONFIG', 'SET', 'proto-max-bulk-len', '512mb'])),
]);

dual.case('pipelining thousands of commands in one write', async (pair) => {
  const parts: Buffer[] = [];
  for (let i = 0; i < 3000; i++) {
    parts.push(encodeCommand(['SET', `key:${i}`, `value:${i}`]), encodeCommand(['INCR', 'counter']), encodeCommand(['GET', `key:${i >> 1}`]));
  }
  await pair.step(raw(Buffer.concat(parts), 9000));
  const inline: string[] = [];
  for (let i = 0; i < 2000; i++) inline.push(`INCRBY n ${i}\r\n`, 'PING\r\n');
  await pair.step(raw(inline.join(''), 4000));
  await pair.do('DBSIZE');
});

/** Sends `request` in two writes split at every offset, reading the reply each time. */
async function splitEverywhere(pair: Pair, request: Buffer, replies: number): Promise<void> {
  const [r, h] = await pair.both(async (c) => {
    const out: string[] = [];
    for (let at = 1; at < request.length; at++) {
      await c.writeFlushed(request.subarray(0, at));
      // Give the server a chance to read the first part on its own, so it really sees two reads.
      await delay(1);
      await c.writeFlushed(request.subarray(at));
      out.push(Buffer.concat(await c.readReplies(replies)).toString('latin1'));
    }
    return out;
  });
  pair.same(h, r, `split at every offset: ${JSON.stringify(request.toString('latin1').slice(0, 60))}`);
}

dual.case('a request split across writes at every byte offset', async (pair) => {
  await splitEverywhere(pair, encodeCommand(['SET', 'key', 'hello world']), 1);
  await splitEverywhere(pair, Buffer.concat([encodeCommand(['INCR', 'n']), encodeCommand(['GET', 'n'])]), 2);
  await splitEverywhere(pair, Buffer.from('SET inline "quoted value"\r\n'), 1);
  await splitEverywhere(pair, encodeCommand(['ECHO', Buffer.from([0xff, 0x0d, 0x0a, 0x00])]), 1);
});

dual.case('a request written one byte at a time', async (pair) => {
  const request = Buffer.concat([encodeCommand(['SET', 'k', 'v', 'EX', '100']), Buffer.from('GET k\r\n'), encodeCommand(['TTL', 'k'])]);
  const [r, h] = await pair.both(async (c) => {
    for (let i = 0; i < request.length; i++) await c.writeFlushed(request.subarray(i, i + 1));
    return Buffer.concat(await c.readReplies(3)).toString('latin1');
  });
  pair.same(h, r, 'byte by byte');
});

dual.case('a protocol error on one connection does not affect another', async (pair) => {
  await pair.do('SET', 'k', 'v');
  const [r, h] = await pair.both(async (c, side) => {
    const port = side === 'redis' ? dual.running.redis.port : dual.running.target.port;
    const { RawClient } = await import('../../bench/harness/raw-client');
    const bad = await RawClient.connect(port);
    bad.write('*1\r\n$-5\r\n');
    const closed = (await bad.readUntilClose()).toString('latin1');
    return { closed, after: (await c.call('GET', 'k')).toString('latin1') };
  });
  pair.same(h, r, 'protocol error on another connection');
});
