/*
 * Memory: RSS per key after loading N distinct string keys.
 *
 * Each server is loaded on its own (never both at once, so neither loader steals CPU from the
 * other) from a freshly started, empty process. The figure is
 *
 *   (VmRSS after load - VmRSS before load) / keys actually present (DBSIZE)
 *
 * read from /proc, so allocator overhead, fragmentation and, for hashslot, the V8 heap's slack and
 * any garbage not yet collected all count, exactly as they would on a production box. used_memory
 * from INFO is printed beside it where the server reports it; it is each server's own accounting
 * and is not comparable across the two, which is why the target is on RSS.
 */

import { RawClient } from './harness/raw-client';
import { parseReply, type RespNode } from './harness/resp';
import { delay, type ServerProcess } from './harness/server-process';
import { BATCH_REPLY_DEADLINE_MS as REPLY_DEADLINE_MS, loadDistinctKeys } from './key-loader';
import { formatBytes, formatCount, formatRatio, formatTable } from './table';

export const RSS_PER_KEY_TARGET_RATIO = 2;

/** Time given after the load for in-flight replies, lazy frees and concurrent GC sweeps to settle. */
const SETTLE_MS = 1000;

export interface MemoryOptions {
  keyCount: number;
  valueBytes: number;
}

export interface MemoryResult {
  server: string;
  keysPresent: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  peakRssBytes: number;
  usedMemoryBeforeBytes: number;
  usedMemoryAfterBytes: number;
  loadElapsedMs: number;
  loadErrors: number;
  firstLoadError: string | null;
}

export async function measureMemory(server: ServerProcess, options: MemoryOptions): Promise<MemoryResult> {
  const client = await RawClient.connect(server.port);
  try {
    const rssBeforeBytes = server.readRssBytes();
    const usedMemoryBeforeBytes = await readUsedMemory(client);
    const load = await loadDistinctKeys(client, { keyCount: options.keyCount, valueBytes: options.valueBytes });
    await delay(SETTLE_MS);
    const keysPresent = await readDbsize(client);
    return {
      server: server.name,
      keysPresent,
      rssBeforeBytes,
      rssAfterBytes: server.readRssBytes(),
      peakRssBytes: server.readPeakRssBytes(),
      usedMemoryBeforeBytes,
      usedMemoryAfterBytes: await readUsedMemory(client),
      loadElapsedMs: load.elapsedMs,
      loadErrors: load.errors,
      firstLoadError: load.firstError,
    };
  } finally {
    client.close();
  }
}

export function rssPerKey(result: MemoryResult): number {
  return result.keysPresent > 0 ? (result.rssAfterBytes - result.rssBeforeBytes) / result.keysPresent : Number.NaN;
}

export function usedMemoryPerKey(result: MemoryResult): number {
  return result.keysPresent > 0 ? (result.usedMemoryAfterBytes - result.usedMemoryBeforeBytes) / result.keysPresent : Number.NaN;
}

export function renderMemoryReport(results: readonly MemoryResult[], options: MemoryOptions): string {
  const rows = results.map((result) => [
    result.server,
    formatCount(result.keysPresent),
    formatBytes(result.rssBeforeBytes),
    formatBytes(result.rssAfterBytes),
    formatBytes(result.peakRssBytes),
    rssPerKey(result).toFixed(1),
    Number.isFinite(result.usedMemoryAfterBytes) ? formatBytes(result.usedMemoryAfterBytes) : 'n/a',
    Number.isFinite(usedMemoryPerKey(result)) ? usedMemoryPerKey(result).toFixed(1) : 'n/a',
    formatCount(result.keysPresent / (result.loadElapsedMs / 1000)),
  ]);
  const table = formatTable(
    [
      { header: 'server', align: 'left' },
      { header: 'keys (DBSIZE)', align: 'right' },
      { header: 'RSS before', align: 'right' },
      { header: 'RSS after', align: 'right' },
      { header: 'peak RSS', align: 'right' },
      { header: 'RSS bytes/key', align: 'right' },
      { header: 'used_memory after', align: 'right' },
      { header: 'used_memory bytes/key', align: 'right' },
      { header: 'load SET/s', align: 'right' },
    ],
    rows,
  );
  const lines = [table, ''];
  for (const result of results) {
    if (result.keysPresent !== options.keyCount) {
      lines.push(`warning: ${result.server} holds ${result.keysPresent} keys, ${options.keyCount} were SET`);
    }
    if (result.loadErrors > 0) {
      lines.push(`warning: ${result.server} answered ${result.loadErrors} SETs with an error, first: ${result.firstLoadError ?? '?'}`);
    }
  }
  const redis = results.find((result) => result.server === 'redis');
  const hashslot = results.find((result) => result.server === 'hashslot');
  if (redis !== undefined && hashslot !== undefined) {
    const ratio = rssPerKey(hashslot) / rssPerKey(redis);
    const status = !Number.isFinite(ratio) ? 'no figure' : ratio <= RSS_PER_KEY_TARGET_RATIO ? 'met' : 'NOT MET';
    lines.push(
      `RSS per key, hashslot/redis: ${formatRatio(ratio)} (target <= ${RSS_PER_KEY_TARGET_RATIO.toFixed(2)}x): ${status}`,
    );
  }
  return lines.join('\n');
}

async function readUsedMemory(client: RawClient): Promise<number> {
  try {
    const reply = await ask(client, 'INFO', 'memory');
    // hashslot's used_memory is Redis's figure modelled (server/memory/); what its process
    // holds is hashslot_process_used, which is what this benchmark compares.
    const text = reply.type === '$' ? reply.text.toString('latin1') : '';
    const match = /^hashslot_process_used:(\d+)\r?$/m.exec(text) ?? /^used_memory:(\d+)\r?$/m.exec(text);
    return match?.[1] !== undefined ? Number(match[1]) : Number.NaN;
  } catch {
    // A server without INFO memory still gets its RSS measured; the column just says n/a.
    return Number.NaN;
  }
}

async function readDbsize(client: RawClient): Promise<number> {
  const reply = await ask(client, 'DBSIZE');
  if (reply.type !== ':') throw new Error(`DBSIZE answered ${JSON.stringify(reply.raw.toString('latin1'))}`);
  return Number(reply.text.toString('latin1'));
}

/**
 * One command and its decoded reply. The deadline is the loader's, not RawClient's 5 s default: a
 * server that has just taken a million keys may still be collecting garbage when asked.
 */
async function ask(client: RawClient, ...argv: string[]): Promise<RespNode> {
  client.send(...argv);
  const [reply] = await client.readReplies(1, REPLY_DEADLINE_MS);
  if (reply === undefined) throw new Error(`no reply to ${argv.join(' ')}`);
  return parseReply(reply);
}
