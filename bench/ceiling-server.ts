/*
 * The ceiling: the fastest a Node.js server on this machine can answer redis-benchmark, so the
 * throughput tables can show how far hashslot is from Node's own limit as well as from Redis.
 *
 *   node dist/bench/ceiling-server.js --port N      (other redis-server flags are ignored)
 *
 * It does no Redis work at all: every `*` byte that opens a line of the input is counted as one
 * request (redis-benchmark's values never contain one at a line start: they are runs of 'x'),
 * and each read is answered with one canned `+OK` per request in a single write. What is left is
 * the cost every Node server pays: the event loop, the socket read, one Buffer per reply batch,
 * the write. A server doing real work per command can approach this figure, never pass it.
 */
import * as net from 'node:net';

const STAR = 0x2a;
const LF = 0x0a;
const OK = Buffer.from('+OK\r\n');
/** Replies for up to this many requests per read are kept ready; larger batches are built. */
const CANNED = 64;
const cannedReplies: Buffer[] = [];
for (let n = 0; n <= CANNED; n++) cannedReplies.push(Buffer.concat(new Array<Buffer>(n).fill(OK)));

function portFromArgs(argv: readonly string[]): number {
  const at = argv.indexOf('--port');
  const port = at >= 0 ? Number(argv[at + 1]) : 6379;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`bad --port: ${argv[at + 1] ?? ''}`);
  return port;
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  // Whether the next byte starts a line (a request starts at a line start with '*').
  let atLineStart = true;
  socket.on('data', (chunk: Buffer) => {
    let requests = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (atLineStart && byte === STAR) requests++;
      atLineStart = byte === LF;
    }
    if (requests === 0) return;
    socket.write(requests <= CANNED ? (cannedReplies[requests] as Buffer) : Buffer.concat(new Array<Buffer>(requests).fill(OK)));
  });
  socket.on('error', () => socket.destroy());
});
server.listen(portFromArgs(process.argv.slice(2)), '127.0.0.1');
