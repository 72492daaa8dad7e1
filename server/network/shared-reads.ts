/**
 * Client connections read into one buffer that every connection shares, instead of a new
 * buffer per read.
 *
 * Node's ordinary reading allocates 64 KiB for every read of every socket, shrinks it to what
 * was read, wraps it in a Buffer and pushes it through the Readable stream to the 'data'
 * listeners. A server answering pipelined requests does one read per batch, so that machinery
 * is paid per batch: measured with the ceiling server of bench/, about 2 µs of a 17 µs batch.
 * Redis reads into the client's own query buffer, with no allocation in the steady state.
 *
 * Node has a documented way to read into a buffer of one's own, the `onread` option of
 * net.Socket (the data goes straight from the kernel into the buffer, and a callback is told
 * how many bytes came; no stream push, no allocation). It is offered for sockets one creates,
 * not for those a net.Server accepts. So the listener accepts with `pauseOnConnect` (nothing is
 * read yet) and `adoptForSharedReads` moves the connection's handle into a new Socket created
 * with `onread`; the accepted Socket, left without a handle, is destroyed, which only settles
 * the listener's connection count. Everything else (writes, pause and resume for backpressure,
 * end and close, remote address) is the ordinary Socket's.
 *
 * The catch is the shared memory: a chunk is only valid during the callback. The client runs
 * every complete request of the chunk synchronously (arguments are strings copied out of it),
 * and then the parser copies whatever part of a request is still unconsumed
 * (RequestParser.releaseInput) before the next read overwrites the buffer.
 *
 * The handle is Node's internal `_handle` property, stable since Node 12 and used here only to
 * move it. Should it ever be missing, the socket is read the ordinary way ('data' events).
 */
import { Buffer } from 'node:buffer';
import * as net from 'node:net';

/** Node reads at most this much per read (libuv's suggested size for a stream). */
const SHARED_READ_BYTES = 64 * 1024;

let shared: Buffer | null = null;

/** What a chunk is handed to; the chunk is only valid during the call. */
export type ReadReceiver = (chunk: Buffer) => void;

/** The Socket's internals this module relies on: the libuv handle it reads and writes. */
interface SocketHandleSlot {
  _handle: object | null;
}

/** Socket options Node accepts but @types/node leaves out for the constructor. */
interface AdoptingSocketOptions extends net.SocketConstructorOpts {
  handle: object;
  onread: net.OnReadOpts;
}

/**
 * The connection of a socket accepted with `pauseOnConnect`, as a socket whose reads go to
 * `receive` through the shared buffer (returned), or the accepted socket itself, read through
 * 'data' events, when its handle cannot be moved.
 */
export function adoptForSharedReads(accepted: net.Socket, receive: ReadReceiver): net.Socket {
  const slot = accepted as unknown as SocketHandleSlot;
  const handle = slot._handle;
  if (handle === null || typeof handle !== 'object' || accepted.destroyed) {
    accepted.on('data', receive);
    accepted.resume();
    return accepted;
  }
  const buffer = (shared ??= Buffer.allocUnsafe(SHARED_READ_BYTES));
  slot._handle = null;
  accepted.destroy();
  const options: AdoptingSocketOptions = {
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer,
      callback: (bytes: number, into: Uint8Array): boolean => {
        receive((into as Buffer).subarray(0, bytes));
        return true; // false would stop reading; backpressure pauses the socket instead
      },
    },
  };
  const socket = new net.Socket(options);
  // Flowing, so the stream reaches 'end' (and, with allowHalfOpen off, closes) when the peer
  // closes: no 'data' listener is added, the reads go to the callback above.
  socket.resume();
  return socket;
}
