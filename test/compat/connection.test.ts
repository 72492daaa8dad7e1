/*
 * Differential tests for connection commands (issue 2): PING, ECHO, QUIT, SELECT, HELLO, AUTH
 * without requirepass, RESET and CLIENT. AUTH with requirepass is in auth.test.ts, which needs a
 * server started with it.
 */

import t from 'tap';
import { check, dualRun, error, mapExcept, raw, rawClose, reconnect, shape, type Pair } from './harness';
import { clientLines } from './client-fields';
import { encodeCommand, parseReply } from '../../bench/harness/resp';
import { RawClient } from '../../bench/harness/raw-client';

const dual = dualRun(t);

const helloMap = (...args: string[]) => mapExcept(['id', 'version'], 'HELLO', ...args);

dual.case('PING ECHO', [
  ['PING'],
  ['PING', 'hello'],
  ['PING', ''],
  ['PING', Buffer.from([0xff, 0x00])],
  error('PING', 'a', 'b'),
  ['ECHO', 'hello world'],
  ['ECHO', ''],
  ['ECHO', Buffer.from([0x00, 0xff, 0x0d, 0x0a])],
  error('ECHO'),
  error('ECHO', 'a', 'b'),
  ['ping'],
  ['PiNg'],
]);

dual.case('QUIT replies OK and closes', [
  ['SET', 'k', 'v'],
  rawClose(encodeCommand(['QUIT'])),
  reconnect(),
  ['GET', 'k'],
  rawClose(encodeCommand(['QUIT', 'extra', 'args'])),
  reconnect(),
  rawClose(Buffer.concat([encodeCommand(['PING']), encodeCommand(['QUIT']), encodeCommand(['PING'])])),
]);

dual.case('SELECT', [
  ['SELECT', '0'],
  ['SELECT', '15'],
  ['SET', 'k', 'in15'],
  ['SELECT', '0'],
  ['GET', 'k'],
  error('SELECT', '16'),
  error('SELECT', '-1'),
  error('SELECT', 'abc'),
  error('SELECT', '1.0'),
  error('SELECT', '99999999999999999999'),
  error('SELECT'),
  error('SELECT', '1', '2'),
  ['SELECT', '015'],
  ['GET', 'k'],
]);

dual.case('HELLO', [
  helloMap(),
  helloMap('2'),
  helloMap('3'),
  ['PING'],
  helloMap('2'),
  error('HELLO', '4'),
  error('HELLO', '1'),
  error('HELLO', 'abc'),
  error('HELLO', '3', 'BOGUS'),
  error('HELLO', '3', 'AUTH', 'default'),
  error('HELLO', '3', 'SETNAME'),
  error('HELLO', '3', 'SETNAME', 'has space'),
  helloMap('3', 'SETNAME', 'conn-name'),
  ['CLIENT', 'GETNAME'],
  helloMap('2', 'AUTH', 'default', 'anything'),
  error('HELLO', '2', 'AUTH', 'nosuchuser', 'pw'),
  helloMap('3', 'AUTH', 'default', 'pw', 'SETNAME', 'n2'),
  ['CLIENT', 'GETNAME'],
]);

dual.case('AUTH without requirepass', [
  error('AUTH', 'secret'),
  ['AUTH', 'default', 'secret'],
  error('AUTH', 'nosuchuser', 'secret'),
  error('AUTH'),
  error('AUTH', 'a', 'b', 'c'),
  ['PING'],
]);

dual.case('RESET', [
  ['SELECT', '5'],
  ['SET', 'k', 'in5'],
  ['CLIENT', 'SETNAME', 'before-reset'],
  helloMap('3'),
  ['RESET'],
  ['GET', 'k'],
  ['CLIENT', 'GETNAME'],
  ['PING'],
  error('RESET', 'x'),
  raw(Buffer.concat([encodeCommand(['CLIENT', 'REPLY', 'OFF']), encodeCommand(['RESET']), encodeCommand(['PING'])]), 2),
]);

dual.case('CLIENT ID SETNAME GETNAME', [
  shape('CLIENT', 'ID'),
  ['CLIENT', 'GETNAME'],
  ['CLIENT', 'SETNAME', 'my-name'],
  ['CLIENT', 'GETNAME'],
  ['CLIENT', 'SETNAME', ''],
  ['CLIENT', 'GETNAME'],
  error('CLIENT', 'SETNAME', 'a b'),
  error('CLIENT', 'SETNAME', 'a\nb'),
  error('CLIENT', 'SETNAME', Buffer.from([0xff])),
  error('CLIENT', 'SETNAME'),
  error('CLIENT', 'SETNAME', 'a', 'b'),
  error('CLIENT', 'GETNAME', 'x'),
  error('CLIENT', 'ID', 'x'),
  error('CLIENT', 'NOSUCH'),
  error('CLIENT'),
]);

dual.case('CLIENT INFO and LIST fields', [
  check(clientLines(false), 'CLIENT', 'INFO'),
  ['CLIENT', 'SETNAME', 'named'],
  ['SELECT', '2'],
  check(clientLines(false), 'CLIENT', 'INFO'),
  check(clientLines(true), 'CLIENT', 'LIST'),
  check(clientLines(true), 'CLIENT', 'LIST', 'TYPE', 'normal'),
  ['CLIENT', 'LIST', 'TYPE', 'replica'],
  ['CLIENT', 'LIST', 'TYPE', 'pubsub'],
  ['CLIENT', 'LIST', 'TYPE', 'master'],
  error('CLIENT', 'LIST', 'TYPE', 'bogus'),
  error('CLIENT', 'LIST', 'ID', 'abc'),
  error('CLIENT', 'LIST', 'BOGUS'),
  ['CLIENT', 'LIST', 'ID', '999999999'],
  error('CLIENT', 'INFO', 'x'),
]);

dual.case('CLIENT INFO and LIST in RESP3', [
  check(clientLines(false), 'CLIENT', 'INFO'),
  check(clientLines(true), 'CLIENT', 'LIST'),
], { resp3: true });

/** The connection's own id, read from CLIENT ID. */
async function clientId(c: RawClient): Promise<string> {
  return parseReply(await c.call('CLIENT', 'ID')).text.toString('latin1');
}

dual.case('CLIENT LIST ID and CLIENT KILL', async (pair: Pair) => {
  const [r, h] = await pair.both(async (c, side) => {
    const victimPort = side === 'redis' ? dual.running.redis.port : dual.running.target.port;
    const victim = await RawClient.connect(victimPort);
    try {
      const id = await clientId(victim);
      const mine = await clientId(c);
      const listReply = await c.call('CLIENT', 'LIST', 'ID', id, mine);
      const listed = clientLines(false)(listReply, listReply).expected;
      const replies = [
        (await c.call('CLIENT', 'KILL', 'ID', '999999999')).toString('latin1'),
        (await c.call('CLIENT', 'KILL', '1.2.3.4:5')).toString('latin1'),
        (await c.call('CLIENT', 'KILL', 'ID', 'abc')).toString('latin1'),
        (await c.call('CLIENT', 'KILL', 'BOGUS', 'x')).toString('latin1'),
        (await c.call('CLIENT', 'KILL', 'ID', id)).toString('latin1'),
        (await victim.readUntilClose()).toString('latin1'),
        (await c.call('CLIENT', 'KILL', 'ID', mine, 'SKIPME', 'yes')).toString('latin1'),
        (await c.call('CLIENT', 'KILL', 'ID', mine, 'SKIPME', 'maybe')).toString('latin1'),
        (await c.call('CLIENT', 'KILL', 'TYPE', 'bogus')).toString('latin1'),
        (await c.call('CLIENT', 'KILL', 'USER', 'nosuchuser')).toString('latin1'),
      ];
      return { listed, replies };
    } finally {
      victim.close();
    }
  });
  pair.same(h, r, 'CLIENT LIST ID / CLIENT KILL replies');
  await pair.step(['PING']);
});

dual.case('CLIENT KILL of the caller closes after the reply', async (pair) => {
  const [r, h] = await pair.both(async (c) => {
    const id = await clientId(c);
    c.send('CLIENT', 'KILL', 'ID', id, 'SKIPME', 'no');
    return (await c.readUntilClose()).toString('latin1');
  });
  pair.same(h, r, 'CLIENT KILL ID <own id> SKIPME no');
});

dual.case('CLIENT NO-EVICT', [
  ['CLIENT', 'NO-EVICT', 'on'],
  ['CLIENT', 'NO-EVICT', 'OFF'],
  error('CLIENT', 'NO-EVICT', 'maybe'),
  error('CLIENT', 'NO-EVICT'),
]);

dual.case('CLIENT REPLY', [
  raw(Buffer.concat([
    encodeCommand(['CLIENT', 'REPLY', 'OFF']),
    encodeCommand(['SET', 'k', 'v']),
    encodeCommand(['GET', 'k']),
    encodeCommand(['NOSUCHCOMMAND']),
    encodeCommand(['CLIENT', 'REPLY', 'ON']),
    encodeCommand(['GET', 'k']),
  ]), 2),
  raw(Buffer.concat([
    encodeCommand(['CLIENT', 'REPLY', 'SKIP']),
    encodeCommand(['INCR', 'n']),
    encodeCommand(['INCR', 'n']),
  ]), 1),
  raw(Buffer.concat([
    encodeCommand(['CLIENT', 'REPLY', 'SKIP']),
    encodeCommand(['CLIENT', 'REPLY', 'SKIP']),
    encodeCommand(['INCR', 'n']),
    encodeCommand(['INCR', 'n']),
  ]), 1),
  error('CLIENT', 'REPLY', 'MAYBE'),
  error('CLIENT', 'REPLY'),
  ['CLIENT', 'REPLY', 'ON'],
]);

dual.case('unknown commands and arity in connection state', [
  error('NOSUCH'),
  error('NOSUCH', 'a', 'b'),
  error(''),
  error('CLIENT', 'SETNAME', 'a', 'b', 'c'),
]);
