/*
 * Loading a million distinct keys quickly, over the test suite's raw RESP client.
 *
 * redis-benchmark cannot do this: its -r option draws random key suffixes, so a million SETs leave
 * fewer than a million keys, and the "RSS per key" figure would then divide by the wrong number.
 *
 * The loader writes pre-encoded batches of SET commands on one socket and keeps a small window of
 * batches in flight, so the server always has a full read buffer waiting (pipelining) but the
 * client never queues more than a few hundred KiB. Replies arrive in order, so "the replies of
 * batch k" are simply the next `count` replies; only their first byte is looked at ('-' = error).
 *
 *   client ──batch k──▶ server        window = 2 batches:
 *   client ──batch k+1─▶ server       batch k+2 is written as soon as
 *   client ◀──replies k── server       every reply of batch k has arrived
 *
 * A connection the server drops fails the load (RawClient's ConnectionClosedError says how far it
 * got); side-by-side.ts then prints the server's exit status and output.
 */

import type { RawClient } from './harness/raw-client';
import { encodeCommands, type Arg } from './harness/resp';

/**
 * How long one batch's replies may take. Far above any healthy figure (a batch of 1,000 SETs takes
 * milliseconds), but a garbage-collecting server with a million keys can pause for a while, and a
 * slow batch must show up as a slow load rather than as a failed one.
 */
export const BATCH_REPLY_DEADLINE_MS = 60_000;
const ERROR_REPLY = 0x2d; // '-'

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
export async function loadDistinctKeys(client: RawClient, options: LoadOptions): Promise<LoadResult> {
  const run = await runPipelined(client, options.keyCount, (index) => ['SET', loaderKey(index), loaderValue(index, options.valueBytes)], options);
  return { keyCount: options.keyCount, ...run };
}

export interface PipelinedResult {
  elapsedMs: number;
  errors: number;
  firstError: string | null;
}

/**
 * Sends `count` commands (the i-th is `commandAt(i)`) in batches, with a window of batches in
 * flight as described above, and counts the error replies. Other loaders (sorted-set fills,
 * timed operation bursts) use it too.
 */
export async function runPipelined(
  client: RawClient,
  count: number,
  commandAt: (index: number) => Arg[],
  options: { batchSize?: number; windowBatches?: number } = {},
): Promise<PipelinedResult> {
  const batchSize = options.batchSize ?? 1000;
  const windowBatches = options.windowBatches ?? 2;
  const startMs = performance.now();
  let nextIndex = 0;
  let errors = 0;
  let firstError: string | null = null;

  /** Reply counts of the batches written and not yet read back, oldest first. */
  const inFlight: number[] = [];
  while (nextIndex < count || inFlight.length > 0) {
    while (nextIndex < count && inFlight.length < windowBatches) {
      const end = Math.min(count, nextIndex + batchSize);
      const batch: Arg[][] = [];
      for (let index = nextIndex; index < end; index += 1) batch.push(commandAt(index));
      client.write(encodeCommands(batch));
      inFlight.push(batch.length);
      nextIndex = end;
    }
    const oldest = inFlight.shift();
    if (oldest === undefined) break;
    for (const reply of await client.readReplies(oldest, BATCH_REPLY_DEADLINE_MS)) {
      if (reply[0] !== ERROR_REPLY) continue;
      errors += 1;
      // The message without the '-' and the CRLF, as a client library would report it.
      firstError ??= reply.toString('utf8', 1, reply.length - 2);
    }
  }
  return { elapsedMs: performance.now() - startMs, errors, firstError };
}
