/*
 * After a protocol error the connection is closed for real (issue 14), as redis-server closes it:
 * the error reply arrives, then the socket is gone, so a client that keeps writing gets EPIPE or
 * ECONNRESET within a few hundred KB. A server that only half-closes (sends FIN, keeps reading
 * and discarding) would let a misbehaving client stream megabytes into the void.
 *
 * For each malformed start of a stream, on each server: write it, wait for the reply and for the
 * server's FIN, then keep writing 16 KB chunks until a write fails or 2 MB went out. Compared: the bytes received (the
 * error reply, exactly), and that the writes failed well before 2 MB. (Writing on before the
 * reply is read would race it: the server's RST, answering bytes it never read, can discard a
 * reply still waiting in the client's receive queue.)
 *
 * Some inputs hold a NUL byte where a line end is looked for. Redis looks for line ends with C's
 * strchr, which stops at the NUL, so such a line never ends: the request grows until it is "too
 * big", and the 64 KB after each of those inputs are what makes it so.
 */

import * as net from 'node:net';
import t from 'tap';
import { dualRun } from './harness';

const dual = dualRun(t);

const CHUNK = Buffer.alloc(16 * 1024, 'a');
const GIVE_UP_BYTES = 2 * 1024 * 1024;
/** redis-server's writes fail within about 100 KB; a generous bound for a busy machine. */
const FAIL_WITHIN_BYTES = 1024 * 1024;

interface Outcome {
  received: string;
  /** Bytes written after the malformed request before a write failed; null: none failed. */
  failedAfter: number | null;
}

async function abuse(port: number, malformed: Buffer): Promise<Outcome> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
  let failed = false;
  socket.on('error', () => (failed = true));
  let ended = false;
  socket.on('end', () => (ended = true));
  const write = (bytes: Buffer): Promise<boolean> =>
    new Promise((resolve) => {
      if (failed || socket.destroyed) {
        resolve(false);
        return;
      }
      socket.write(bytes, (err) => resolve(err === undefined || err === null));
    });
  await write(malformed);
  const deadline = Date.now() + 5000;
  while (!received.includes('\r\n') && !socket.destroyed && !failed && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  // Then wait for the server's FIN (or RST): on a loaded machine it can come a while after the
  // reply, and a client writing meanwhile would fill the kernel's buffers, which says nothing
  // about the server. A server that only half-closes sends its FIN too, and goes on reading.
  while (!ended && !socket.destroyed && !failed && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  let written = 0;
  let failedAfter: number | null = null;
  while (written < GIVE_UP_BYTES) {
    if (!(await write(CHUNK)) || failed) {
      failedAfter = written;
      break;
    }
    written += CHUNK.length;
    // Let the server's FIN or RST arrive between writes, as it would for a real client.
    await new Promise((resolve) => setImmediate(resolve));
  }
  socket.destroy();
  return { received, failedAfter };
}

const FILLER = Buffer.alloc(65 * 1024, 'a');
const withFiller = (start: string): Buffer => Buffer.concat([Buffer.from(start, 'latin1'), FILLER]);

const MALFORMED: Array<[string, Buffer]> = [
  ['a 64 KB inline request without a newline', withFiller('')],
  ['too big mbulk count string', Buffer.concat([Buffer.from('*'), Buffer.alloc(65 * 1024, '1')])],
  ['too big bulk count string', Buffer.concat([Buffer.from('*1\r\n$'), Buffer.alloc(65 * 1024, '1')])],
  ['a stream starting with a NUL byte', withFiller('\0\r\n')],
  ['*\\0: the count line never ends', withFiller('*\0\r\n')],
  ['$\\0: the length line never ends', withFiller('*1\r\n$\0\r\n')],
  ['a NUL where the $ belongs', withFiller('*1\r\n\0\r\n')],
  ['invalid multibulk length', Buffer.from('*abc\r\n')],
  ['invalid bulk length', Buffer.from('*1\r\n$abc\r\n')],
  ["expected '$'", Buffer.from('*1\r\nx\r\n')],
  ['unbalanced quotes', Buffer.from('SET k "abc\r\n')],
];

for (const [name, malformed] of MALFORMED) {
  dual.case(`${name}: the error, then a full close`, async (pair, tt) => {
    const servers = dual.running;
    const [redis, target] = await Promise.all([abuse(servers.redis.port, malformed), abuse(servers.target.port, malformed)]);
    tt.ok(redis.received.startsWith('-ERR Protocol error'), `redis-server answered a protocol error (${JSON.stringify(redis.received.slice(0, 80))})`);
    pair.same(target.received, redis.received, 'the bytes received before the close');
    tt.ok(redis.failedAfter !== null && redis.failedAfter <= FAIL_WITHIN_BYTES, `redis-server: writes failed after ${redis.failedAfter ?? 'none of'} bytes`);
    tt.ok(target.failedAfter !== null && target.failedAfter <= FAIL_WITHIN_BYTES, `${servers.targetName}: writes failed after ${target.failedAfter ?? 'none of 2 MB of'} bytes`);
  });
}
