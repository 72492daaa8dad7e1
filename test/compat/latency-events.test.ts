/*
 * The latency monitor's events besides `command`, forced past a 1 ms threshold on redis-server
 * and on hashslot by the same workloads, then LATENCY LATEST, DOCTOR and GRAPH compared:
 *
 *   eviction      200000 keys, maxmemory-eviction-tenacity 100 (no time limit), maxmemory 5mb:
 *                 one long eviction-cycle, and eviction-del samples (each deletion takes
 *                 microseconds, but Redis takes the difference of two millisecond clock
 *                 readings, so among 100000 deletions some straddle a millisecond: 1 ms)
 *   expiry        50000 keys given a 1 ms TTL by a script: expire-cycle, expire-del (the same way)
 *   AOF always    a script SETs a 16 MB string: aof-write, aof-write-alone, aof-fsync-always
 *   active child  BGSAVE and that script in one packet, the save slowed by rdb-key-save-delay:
 *                 the write lands while the save runs: aof-write-active-child
 *   pending fsync appendfsync everysec, a 64 MB write whose background fsync takes tens of
 *                 milliseconds; once INFO shows it running, a second connection completes an
 *                 8 MB SET it had sent all but its last two bytes of, then CONFIG SET appendonly
 *                 no, whose flush writes the buffer at once (where Redis would otherwise
 *                 postpone the write): aof-write-pending-fsync. The fsync may still end first
 *                 on a loaded machine, so each side tries up to three times.
 *
 * What the comparisons see: events in each side's own timing and order, so LATEST is compared
 * as the sorted event names, DOCTOR with numbers masked and its event lines sorted (Redis lists
 * events in its dict's order, a hash order that differs between runs), GRAPH with numbers
 * masked. A threshold of 1 ms on a loaded machine also catches stray spikes on one side only (a
 * slow `command`, a `fast-command`; redis-server's own DOCTOR reads /proc/self/smaps, and its
 * BGSAVE is a `fork`): so once the workload is done, the threshold goes up to 10 s and each side
 * forgets the events the case did not force (after checking that hashslot's are all events
 * redis-server 7.0.15 has), and only then are the replies compared.
 *
 * Not forced here, as no workload reliably makes them take 1 ms: aof-rename, aof-fstat and
 * rdb-unlink-temp-file (a rename, a stat, an unlink). test/server/latency-events.test.ts checks
 * where they are measured with a clock that makes every timed operation take 2 ms.
 */

import t from 'tap';
import { check, dualRun, type Pair, type Side, type Test } from './harness';
import type { Comparator } from './compare';
import { RawClient } from '../../bench/harness/raw-client';
import { encodeCommand, encodeCommands, parseReply } from '../../bench/harness/resp';
import { delay } from '../../bench/harness/server-process';

const dual = dualRun(t, { serverArgs: ['--enable-debug-command', 'yes'] });

/** Every event redis-server 7.0.15 can record (the names in its binary). */
const REDIS_EVENTS = new Set([
  'command', 'fast-command', 'expire-cycle', 'expire-del', 'eviction-cycle', 'eviction-del', 'eviction-lazyfree',
  'aof-write', 'aof-write-alone', 'aof-write-active-child', 'aof-write-pending-fsync', 'aof-fsync-always',
  'aof-fstat', 'aof-rename', 'aof-rewrite-diff-write', 'rdb-unlink-temp-file', 'fork', 'while-blocked-cron',
  'module-acquire-GIL',
]);

/** A slow command may take seconds on a loaded machine (hashslot evicts 150000 keys in one). */
const SLOW_REPLY_MS = 60_000;
/** Real-time limit for a condition. */
const DEADLINE_MS = 30_000;

/** SETs KEYS[1] to ARGV[1] bytes: a small request whose write to the AOF is large. */
const BIG_SET = "redis.call('SET', KEYS[1], string.rep('x', tonumber(ARGV[1]))) return 1";
const BIG_BYTES = '16000000';

const masked = (text: string): string => text.replace(/\d+(\.\d+)?/g, '<n>');
const bulkText = (reply: Buffer): string => parseReply(reply).text.toString('latin1');

/** LATEST as its sorted event names: the figures and the order are each server's own. */
const latestNames: Comparator = (redis, target) => {
  const names = (b: Buffer): string => {
    try {
      return parseReply(b).items.map((row) => row.items[0]?.text.toString('latin1') ?? '?').sort().join(' ');
    } catch {
      return b.toString('latin1');
    }
  };
  return { expected: names(redis), actual: names(target) };
};

/** DOCTOR with numbers masked and the numbered event lines sorted; the advice keeps its order. */
const doctorShape: Comparator = (redis, target) => {
  const shape = (b: Buffer): string => {
    const lines = masked(bulkText(b)).split('\n');
    const events = lines.filter((l) => l.startsWith('<n>. ')).sort();
    return [...events, '--', ...lines.filter((l) => !l.startsWith('<n>. '))].join('\n');
  };
  return { expected: shape(redis), actual: shape(target) };
};

/**
 * GRAPH's frame: the title and rule lines as Redis draws them; the bars below depend on how many
 * seconds the event spanned on each server (one sample per second), so only their alphabet is
 * checked.
 */
const graphShape: Comparator = (redis, target) => {
  const frame = (reply: Buffer): string => {
    const lines = masked(bulkText(reply)).split('\n');
    const bars = lines.slice(2).join('\n');
    return `${lines.slice(0, 2).join('\n')}\n${/^[#|_ \n<n>a-z]*$/.test(bars) ? '<bars>' : bars}`;
  };
  return { expected: frame(redis), actual: frame(target) };
};

async function names(c: RawClient): Promise<string[]> {
  return parseReply(await c.call('LATENCY', 'LATEST')).items.map((row) => row.items[0]?.text.toString('latin1') ?? '?');
}

/** Sends `argv` to both and compares the replies, waiting as long as a slow command needs. */
async function slowStep(pair: Pair, ...argv: string[]): Promise<void> {
  const [r, h] = await pair.both(async (c) => {
    c.send(...argv);
    const [reply] = await c.readReplies(1, SLOW_REPLY_MS);
    return reply ?? Buffer.alloc(0);
  });
  pair.same(h instanceof Error ? h.message : h.toString('latin1'), r.toString('latin1'), argv.join(' '));
}

/** Polls each side (at its own pace) until `argv`'s reply matches `pattern`. */
async function untilBoth(pair: Pair, pattern: RegExp, ...argv: string[]): Promise<void> {
  const [, h] = await pair.both(async (c, side) => {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const reply = (await c.call(...argv)).toString('latin1');
      if (pattern.test(reply)) return;
      if (Date.now() > deadline) throw new Error(`${side}: ${argv.join(' ')} never matched ${String(pattern)}: ${reply.slice(0, 200)}`);
      await delay(10);
    }
  });
  if (h instanceof Error) throw h;
}

/** Stops sampling, and makes each side forget every event but `forced`. */
async function quiet(pair: Pair, forced: readonly string[]): Promise<void> {
  await pair.both((c) => c.call('CONFIG', 'SET', 'latency-monitor-threshold', '10000'));
  await pair.both(async (c) => {
    const others = (await names(c)).filter((e) => !forced.includes(e));
    if (others.length > 0) await c.call('LATENCY', 'RESET', ...others);
  });
}

/**
 * Each side recorded every event of `forced`, hashslot nothing Redis could not; then, quiet,
 * LATEST is compared.
 */
async function expectEvents(pair: Pair, t: Test, forced: readonly string[]): Promise<void> {
  const [r, h] = await pair.both(async (c) => names(c));
  const seen: Record<Side, string[]> = { redis: r, target: h instanceof Error ? [] : h };
  if (h instanceof Error) t.fail(`hashslot LATENCY LATEST: ${h.message}`);
  for (const side of ['redis', 'target'] as const) {
    for (const event of forced) t.ok(seen[side].includes(event), `${side} recorded ${event} (${seen[side].join(' ')})`);
    const others = seen[side].filter((e) => !forced.includes(e));
    if (others.length > 0) t.comment(`${side} also recorded, not compared: ${others.join(' ')}`);
  }
  for (const event of seen.target) t.ok(REDIS_EVENTS.has(event), `hashslot's ${event} is a Redis 7.0 event`);
  await quiet(pair, forced);
  await pair.step(check(latestNames, 'LATENCY', 'LATEST'));
}

/** Turns the AOF on and waits for its first rewrite to end. */
async function appendOnly(pair: Pair): Promise<void> {
  await pair.do('CONFIG', 'SET', 'appendonly', 'yes');
  await untilBoth(pair, /aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0/, 'INFO', 'persistence');
}

dual.case('eviction: eviction-cycle and eviction-del; DOCTOR and GRAPH', async (pair, t) => {
  try {
    await pair.do('CONFIG', 'SET', 'latency-monitor-threshold', '1');
    await pair.do('DEBUG', 'POPULATE', '200000');
    await pair.do('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '100');
    await pair.do('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
    await pair.both((c) => c.call('LATENCY', 'RESET'));
    await slowStep(pair, 'CONFIG', 'SET', 'maxmemory', '5mb');
    await untilBoth(pair, /eviction-cycle/, 'LATENCY', 'LATEST');
    await expectEvents(pair, t, ['eviction-cycle', 'eviction-del']);
    await pair.step(check(doctorShape, 'LATENCY', 'DOCTOR'));
    await pair.step(check(graphShape, 'LATENCY', 'GRAPH', 'eviction-cycle'));
  } finally {
    await pair.both((c) => c.call('CONFIG', 'SET', 'maxmemory', '0'));
    await pair.both((c) => c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction'));
    await pair.both((c) => c.call('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '10'));
    await pair.both((c) => c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0'));
    await pair.both((c) => c.call('LATENCY', 'RESET'));
  }
});

dual.case('expiry: expire-cycle and expire-del; DOCTOR with and without the hz advice', async (pair, t) => {
  try {
    await pair.do('CONFIG', 'SET', 'latency-monitor-threshold', '1');
    await pair.do('DEBUG', 'POPULATE', '50000');
    await pair.both((c) => c.call('LATENCY', 'RESET'));
    await slowStep(pair, 'EVAL', "for i = 0, tonumber(ARGV[1]) - 1 do redis.call('PEXPIRE', 'key:' .. i, 1) end return 1", '0', '50000');
    await untilBoth(pair, /^:0\r\n$/, 'DBSIZE');
    await expectEvents(pair, t, ['expire-cycle', 'expire-del']);
    await pair.step(check(doctorShape, 'LATENCY', 'DOCTOR'));
    await pair.do('CONFIG', 'SET', 'hz', '100');
    await pair.step(check(doctorShape, 'LATENCY', 'DOCTOR'));
  } finally {
    await pair.both((c) => c.call('CONFIG', 'SET', 'hz', '10'));
    await pair.both((c) => c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0'));
    await pair.both((c) => c.call('LATENCY', 'RESET'));
  }
});

dual.case('AOF: a write alone with fsync always, then one while a BGSAVE runs; DOCTOR', async (pair, t) => {
  try {
    await appendOnly(pair);
    await pair.do('CONFIG', 'SET', 'appendfsync', 'always');
    await pair.do('CONFIG', 'SET', 'latency-monitor-threshold', '1');
    await pair.both((c) => c.call('LATENCY', 'RESET'));
    await slowStep(pair, 'EVAL', BIG_SET, '1', 'big', BIG_BYTES);
    await expectEvents(pair, t, ['aof-write', 'aof-write-alone', 'aof-fsync-always']);
    await pair.step(check(doctorShape, 'LATENCY', 'DOCTOR'));
    await pair.do('CONFIG', 'SET', 'appendfsync', 'everysec');
    await pair.step(check(doctorShape, 'LATENCY', 'DOCTOR'));
    await pair.do('CONFIG', 'SET', 'appendfsync', 'always');
    await pair.do('CONFIG', 'SET', 'latency-monitor-threshold', '1');

    // A save that lasts (Redis's child sleeps 1 s per key; hashslot's save is still opening its
    // file when the script's write happens, in the same turn of its event loop).
    await pair.do('DEBUG', 'POPULATE', '3');
    await pair.do('CONFIG', 'SET', 'rdb-key-save-delay', '1000000');
    await pair.both((c) => c.call('LATENCY', 'RESET'));
    const [r, h] = await pair.both(async (c) => {
      c.write(encodeCommands([['BGSAVE'], ['EVAL', BIG_SET, '1', 'big2', BIG_BYTES]]));
      return Buffer.concat(await c.readReplies(2, SLOW_REPLY_MS)).toString('latin1');
    });
    pair.same(h instanceof Error ? h.message : h, r.toString(), 'BGSAVE and the script in one packet');
    await expectEvents(pair, t, ['aof-write', 'aof-write-active-child', 'aof-fsync-always']);
    await pair.step(check(doctorShape, 'LATENCY', 'DOCTOR'));
    await pair.do('FLUSHALL');
    await untilBoth(pair, /rdb_bgsave_in_progress:0/, 'INFO', 'persistence');
  } finally {
    await pair.both((c) => c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0'));
    await pair.both((c) => c.call('CONFIG', 'SET', 'appendonly', 'no'));
    await pair.both((c) => c.call('CONFIG', 'SET', 'appendfsync', 'everysec'));
    await pair.both((c) => c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0'));
    await pair.both((c) => c.call('LATENCY', 'RESET'));
  }
});

/**
 * One side's attempts at a write made while an everysec fsync runs; true once the event is there.
 * `c` polls; `finisher` holds the 8 MB SET whose last two bytes complete it.
 */
async function writeDuringFsync(c: RawClient, finisher: RawClient): Promise<boolean> {
  const set = encodeCommand(['SET', 'dst', Buffer.alloc(8_000_000, 'y')]);
  // redis-server records the event only when its fsync is still running as the 8 MB write
  // lands; on a loaded machine three tries all missed once (a full run), so try up to eight.
  for (let attempt = 0; attempt < 8; attempt++) {
    await c.call('CONFIG', 'SET', 'appendonly', 'yes');
    for (let done = false; !done; await delay(10)) {
      done = /aof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0/.test((await c.call('INFO', 'persistence')).toString('latin1'));
    }
    await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '1');
    await finisher.writeFlushed(set.subarray(0, set.length - 2));
    await c.call('SET', 'big', Buffer.alloc(64_000_000, 'x'));
    const deadline = Date.now() + 5_000;
    let running = false;
    while (!running && Date.now() < deadline) {
      running = /aof_pending_bio_fsync:1/.test((await c.call('INFO', 'persistence')).toString('latin1'));
    }
    finisher.write(Buffer.concat([set.subarray(set.length - 2), encodeCommand(['CONFIG', 'SET', 'appendonly', 'no'])]));
    await finisher.readReplies(2, SLOW_REPLY_MS);
    if (running && (await names(c)).includes('aof-write-pending-fsync')) return true;
  }
  return false;
}

dual.case('AOF: a write while an everysec fsync is running; DOCTOR', async (pair, t) => {
  const servers = dual.running;
  const finishers = await Promise.all([RawClient.connect(servers.redis.port), RawClient.connect(servers.target.port)]);
  try {
    const [r, h] = await pair.both((c, side) => writeDuringFsync(c, finishers[side === 'redis' ? 0 : 1] as RawClient));
    t.equal(h, true, 'hashslot recorded aof-write-pending-fsync');
    if (!r) {
      // The reference needs its fsync of 64 MB still running when the write lands: on a disk that
      // syncs it in a few ms (a fresh VM's), eight tries can all miss. Then there is nothing to
      // compare with, which says nothing about hashslot; the comparison is left out, with a comment.
      t.comment('skipped: redis-server did not record aof-write-pending-fsync in 8 tries: this disk syncs too fast to catch it');
      return;
    }
    await expectEvents(pair, t, ['aof-write', 'aof-write-alone', 'aof-write-pending-fsync']);
    await pair.step(check(doctorShape, 'LATENCY', 'DOCTOR'));
  } finally {
    for (const f of finishers) f.close();
    await pair.both((c) => c.call('CONFIG', 'SET', 'appendonly', 'no'));
    await pair.both((c) => c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0'));
    await pair.both((c) => c.call('LATENCY', 'RESET'));
  }
});
