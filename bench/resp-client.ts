/*
 * A minimal RESP client for the benchmarks, plus a fast bulk loader.
 *
 * The benchmarks need two things from a client: a handful of ordinary commands (INFO, DBSIZE,
 * FLUSHALL) and loading a million distinct keys quickly. redis-benchmark cannot do the second:
 * its -r option draws random key suffixes, so a million SETs leave fewer than a million keys, and
 * the "RSS per key" figure would then divide by the wrong number.
 *
 * The loader writes pre-encoded batches of SET commands on one raw socket and keeps a small window
 * of batches in flight, so the server always has a full read buffer waiting (pipelining) but the
 * client never queues more than a few hundred KiB. Replies are decoded with redis-parser, which is
 * a client-side RESP reply decoder: its intended use.
 *
 *   client ──batch k──▶ server        window = 2 batches:
 *   client ──batch k+1─▶ server       batch k+2 is written as soon as
 *   client ◀──replies k── server       every reply of batch k has arrived
 */

import * as net from 'node:net';
import Denque from 'denque';
import RedisParser from 'redis-parser';
import { LOOPBACK_HOST } from './server-process';

type Waiter =
  | { kind: 'single'; resolve: (reply: unknown) => void; reject: (error: Error) => void }
  | { kind: 'batch'; remaining: number; errors: number; firstError: string | null; resolve: (result: BatchResult) => void };

export interface BatchResult {
  errors: number;
  firstError: string | null;
}

export class RespClient {
  private readonly socket: net.Socket;
  private readonly waiters = new Denque<Waiter>();
  private readonly parser: RedisParser;
  private closedError: Error | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.parser = new RedisParser({
      returnReply: (reply: unknown) => this.onReply(reply, null),
      returnError: (error: Error) => this.onReply(null, error),
      returnFatalError: (error: Error) => this.failAll(new Error(`reply stream corrupt: ${error.message}`)),
      returnBuffers: false,
    });
    socket.on('data', (chunk: Buffer) => this.parser.execute(chunk));
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error('connection closed by server')));
  }

  static connect(port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: LOOPBACK_HOST, port });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RespClient(socket));
      });
    });
  }

  /** Sends one command; resolves with the decoded reply, rejects with a server error reply. */
  command(args: readonly string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.closedError !== null) return reject(this.closedError);
      this.waiters.push({ kind: 'single', resolve, reject });
      this.socket.write(encodeCommand(args));
    });
  }

  /** Writes already-encoded commands; resolves once `replyCount` replies have arrived. */
  sendBatch(encoded: Buffer, replyCount: number): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      if (this.closedError !== null) return reject(this.closedError);
      this.waiters.push({ kind: 'batch', remaining: replyCount, errors: 0, firstError: null, resolve });
      this.socket.write(encoded);
    });
  }

  close(): void {
    this.closedError = new Error('client closed');
    this.socket.destroy();
  }

  private onReply(reply: unknown, error: Error | null): void {
    const waiter = this.waiters.peekFront();
    if (waiter === undefined) return;
    if (waiter.kind === 'single') {
      this.waiters.shift();
      if (error !== null) waiter.reject(error);
      else waiter.resolve(reply);
      return;
    }
    if (error !== null) {
      waiter.errors += 1;
      waiter.firstError ??= error.message;
    }
    waiter.remaining -= 1;
    if (waiter.remaining === 0) {
      this.waiters.shift();
      waiter.resolve({ errors: waiter.errors, firstError: waiter.firstError });
    }
  }

  private failAll(error: Error): void {
    if (this.closedError === null) this.closedError = error;
    // A lost connection counts every outstanding reply of a batch as an error rather than
    // rejecting: the loader then reports how many keys did not make it instead of just dying.
    for (let waiter = this.waiters.shift(); waiter !== undefined; waiter = this.waiters.shift()) {
      if (waiter.kind === 'single') waiter.reject(error);
      else waiter.resolve({ errors: waiter.remaining + waiter.errors, firstError: waiter.firstError ?? error.message });
    }
  }
}

export function encodeCommand(args: readonly string[]): Buffer {
  let text = `*${args.length}\r\n`;
  for (const arg of args) text += `$${Buffer.byteLength(arg, 'latin1')}\r\n${arg}\r\n`;
  return Buffer.from(text, 'latin1');
}

export interface LoadOptions {
  keyCount: number;
  valueBytes: number;
  /** Commands per socket write. */
  batchSize?: number;
  /** Batches written before waiting for the oldest one's replies. */
  windowBatches?: number;
}

export interface LoadResult {
  keyCount: number;
  elapsedMs: number;
  errors: number;
  firstError: string | null;
}

/** The key and value of item `index`: distinct keys, and distinct values so nothing can be shared. */
export function loaderKey(index: number): string {
  return `key:${index}`;
}

export function loaderValue(index: number, valueBytes: number): string {
  const stamp = `value:${index}:`;
  return stamp.length >= valueBytes ? stamp.slice(0, valueBytes) : stamp.padEnd(valueBytes, 'x');
}

/** SETs keys key:0 .. key:<keyCount-1>, each with a distinct `valueBytes`-byte value. */
export async function loadDistinctKeys(client: RespClient, options: LoadOptions): Promise<LoadResult> {
  const batchSize = options.batchSize ?? 1000;
  const windowBatches = options.windowBatches ?? 2;
  const startMs = performance.now();
  let nextIndex = 0;
  let errors = 0;
  let firstError: string | null = null;

  const encodeNextBatch = (): { encoded: Buffer; count: number } => {
    const end = Math.min(options.keyCount, nextIndex + batchSize);
    let text = '';
    for (let index = nextIndex; index < end; index += 1) {
      const key = loaderKey(index);
      const value = loaderValue(index, options.valueBytes);
      text += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`;
    }
    const count = end - nextIndex;
    nextIndex = end;
    return { encoded: Buffer.from(text, 'latin1'), count };
  };

  const inFlight: Promise<BatchResult>[] = [];
  while (nextIndex < options.keyCount || inFlight.length > 0) {
    while (nextIndex < options.keyCount && inFlight.length < windowBatches) {
      const { encoded, count } = encodeNextBatch();
      inFlight.push(client.sendBatch(encoded, count));
    }
    const oldest = inFlight.shift();
    if (oldest === undefined) break;
    const result = await oldest;
    errors += result.errors;
    firstError ??= result.firstError;
  }
  return { keyCount: options.keyCount, elapsedMs: performance.now() - startMs, errors, firstError };
}
