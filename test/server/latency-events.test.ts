/**
 * Where the latency monitor's events are measured, checked deterministically: a node in this
 * process whose clock (server/clock.ts NodeClock) moves 2 ms forward at every monotonic reading.
 * Every operation the monitor times then "takes" at least 2 ms, so with latency-monitor-threshold
 * 1 each timed operation leaves a sample, and LATENCY LATEST lists exactly the events whose
 * measuring points the workload went through. (The real-time comparison with redis-server, which
 * has to force each event past 1 ms, is test/compat/latency-events.test.ts; some events, a rename
 * or a stat, cannot be forced there and are covered here.)
 *
 * Covered: expire-del (lazy, without the cron), expire-cycle, eviction-cycle and eviction-del (and
 * none under noeviction), aof-rename and aof-fstat when CONFIG SET appendonly yes's rewrite ends,
 * aof-write with aof-write-alone / -active-child / -pending-fsync, aof-fsync-always only under
 * appendfsync always, rdb-unlink-temp-file for a BGSAVE stopped by FLUSHALL, and nothing at all
 * (no probe lent to storage) with the threshold at 0.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { ManualClock, type NodeClock, type TimerHandle } from '../../server/clock';
import { Config } from '../../server/config/config';
import { RedisNode } from '../../server/node';
import type { Test } from '../compat/harness';
import { RawClient } from '../../bench/harness/raw-client';
import { encodeCommands, parseReply } from '../../bench/harness/resp';
import { eventually } from '../helpers/eventually';

const START_MS = Date.UTC(2026, 0, 1, 12, 0, 0);
/** Real-time limit for a condition: generous, only a broken node ever reaches it. */
const DEADLINE_MS = 10_000;
const STEP_MS = 2;

/** A ManualClock whose monotonic readings each move STEP_MS on: every timed span is ≥ STEP_MS. */
class SteppingClock implements NodeClock {
  private extraMs = 0;
  constructor(readonly manual: ManualClock) {}
  now(): number {
    return this.manual.now();
  }
  nowMicros(): number {
    return this.manual.nowMicros();
  }
  monotonicMs(): number {
    this.extraMs += STEP_MS;
    return this.manual.monotonicMs() + this.extraMs;
  }
  schedule(delayMs: number, fn: () => void): TimerHandle {
    return this.manual.schedule(delayMs, fn);
  }
  every(intervalMs: number, fn: () => void): TimerHandle {
    return this.manual.every(intervalMs, fn);
  }
}

interface SteppingNode {
  node: RedisNode;
  clock: ManualClock;
  client: RawClient;
}

async function startNode(t: Test, directives: string[] = []): Promise<SteppingNode> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-latency-events-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(START_MS);
  const config = Config.fromArgs([
    '--port', '0', '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--enable-debug-command', 'yes',
    '--latency-monitor-threshold', '1', ...directives,
  ]);
  const node = new RedisNode({ config, clock: new SteppingClock(clock), logSink: { write: () => undefined } });
  await node.listen();
  const client = await RawClient.connect(node.port);
  t.teardown(async () => {
    client.close();
    await node.close();
  });
  return { node, clock, client };
}

async function call(client: RawClient, ...argv: string[]): Promise<string> {
  return (await client.call(...argv)).toString('latin1');
}

/** LATENCY LATEST's event names, sorted (the monitor lists them in the order they first came). */
async function events(client: RawClient): Promise<string[]> {
  const reply = parseReply(await client.call('LATENCY', 'LATEST'));
  return reply.items.map((row) => row.items[0]?.text.toString('latin1') ?? '?').sort();
}

/** The events other than the command's own (every command is timed, and takes ≥ 2 ms here). */
async function nonCommandEvents(client: RawClient): Promise<string[]> {
  return (await events(client)).filter((e) => e !== 'command' && e !== 'fast-command');
}

async function waitInfo(client: RawClient, section: string, pattern: RegExp): Promise<void> {
  await eventually(DEADLINE_MS, async () => {
    const info = await call(client, 'INFO', section);
    if (!pattern.test(info)) throw new Error(`INFO ${section} never matched ${String(pattern)}`);
  });
}

t.test('expiry: expire-del for a lazily expired key, expire-cycle for the cron pass', async (t) => {
  const { clock, client } = await startNode(t);
  await call(client, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  t.equal(await call(client, 'SET', 'k', 'v', 'PX', '10'), '+OK\r\n');
  clock.advance(500);
  await call(client, 'LATENCY', 'RESET');
  t.same(await nonCommandEvents(client), [], 'no active expiry, no lookup: nothing yet');
  t.equal(await call(client, 'GET', 'k'), '$-1\r\n');
  t.same(await nonCommandEvents(client), ['expire-del'], 'the lookup deleted it: one expire-del');

  await call(client, 'DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  await call(client, 'SET', 'k2', 'v', 'PX', '10');
  await call(client, 'LATENCY', 'RESET');
  clock.advance(500);
  t.same(await nonCommandEvents(client), ['expire-cycle', 'expire-del'], 'the cron pass, and the key it deleted');
  t.equal(await call(client, 'DBSIZE'), ':0\r\n');
});

t.test('eviction: eviction-cycle and eviction-del, none under noeviction', async (t) => {
  const { client } = await startNode(t, ['--maxmemory-eviction-tenacity', '100']);
  await call(client, 'DEBUG', 'POPULATE', '20000');
  await call(client, 'CONFIG', 'SET', 'maxmemory', '2mb');
  await call(client, 'LATENCY', 'RESET');
  t.match(await call(client, 'SET', 'x', 'y'), /^-OOM /, 'over maxmemory under noeviction: refused');
  t.same(await nonCommandEvents(client), [], 'noeviction evicts nothing, and times no cycle (Redis returns before it)');

  await call(client, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
  t.equal(await call(client, 'SET', 'x', 'y'), '+OK\r\n');
  t.same(await nonCommandEvents(client), ['eviction-cycle', 'eviction-del']);
  t.match(await call(client, 'INFO', 'stats'), /evicted_keys:[1-9]/);
});

t.test('AOF: rewrite end, writes alone, with a save running, with an fsync pending; fsync always', async (t) => {
  const { node, clock, client } = await startNode(t);
  // The cron's expiry pass would be an event of every tick here (each takes 2 ms on this clock).
  await call(client, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  await call(client, 'LATENCY', 'RESET');
  t.equal(await call(client, 'CONFIG', 'SET', 'appendonly', 'yes'), '+OK\r\n');
  await waitInfo(client, 'persistence', /aof_rewrite_in_progress:0\r\n[^]*aof_last_bgrewrite_status:ok/);
  const afterRewrite = await nonCommandEvents(client);
  // The new base and the temp incr file are renamed (aof-rename), the base's size read (aof-fstat).
  for (const e of ['aof-rename', 'aof-fstat']) t.ok(afterRewrite.includes(e), `${e} when the first rewrite ends (${afterRewrite.join(' ')})`);

  await call(client, 'LATENCY', 'RESET');
  t.equal(await call(client, 'SET', 'a', '1'), '+OK\r\n');
  t.same(await nonCommandEvents(client), ['aof-write', 'aof-write-alone'], 'everysec: a write, alone, no fsync timed');

  await call(client, 'CONFIG', 'SET', 'appendfsync', 'always');
  await call(client, 'LATENCY', 'RESET');
  t.equal(await call(client, 'SET', 'a', '2'), '+OK\r\n');
  t.same(await nonCommandEvents(client), ['aof-fsync-always', 'aof-write', 'aof-write-alone'], 'always: the fsync too');

  // BGSAVE and a write in one packet: the write reaches the AOF while the save is running.
  await call(client, 'LATENCY', 'RESET');
  client.write(encodeCommands([['BGSAVE'], ['SET', 'a', '3']]));
  const [bgsave, set] = await client.readReplies(2);
  t.equal(bgsave?.toString('latin1'), '+Background saving started\r\n');
  t.equal(set?.toString('latin1'), '+OK\r\n');
  t.same(await nonCommandEvents(client), ['aof-fsync-always', 'aof-write', 'aof-write-active-child'], 'a save running: active child');
  await waitInfo(client, 'persistence', /rdb_bgsave_in_progress:0/);

  // everysec: the cron starts the fsync (asynchronous); a write made before it completes is one
  // with an fsync pending. Done synchronously, so the fsync cannot complete in between.
  await call(client, 'CONFIG', 'SET', 'appendfsync', 'everysec');
  t.equal(await call(client, 'SET', 'a', '4'), '+OK\r\n');
  await call(client, 'LATENCY', 'RESET');
  clock.advance(1_100);
  t.equal(node.aof.fsyncInFlight, true, 'the cron started the everysec fsync');
  const session = node.createSocketlessSession();
  node.runSocketless(session, ['SET', 'a', '5']);
  node.aof.beforeReply();
  t.same(await nonCommandEvents(client), ['aof-write', 'aof-write-pending-fsync']);
});

t.test('rdb-unlink-temp-file: a BGSAVE stopped by FLUSHALL loses its temp file', async (t) => {
  const { client } = await startNode(t);
  await call(client, 'DEBUG', 'POPULATE', '1000');
  await call(client, 'LATENCY', 'RESET');
  client.write(encodeCommands([['BGSAVE'], ['FLUSHALL']]));
  await client.readReplies(2);
  await eventually(DEADLINE_MS, async () => {
    const found = await nonCommandEvents(client);
    if (!found.includes('rdb-unlink-temp-file')) throw new Error(`not yet: ${found.join(' ')}`);
  });
  t.same(await nonCommandEvents(client), ['rdb-unlink-temp-file']);
});

t.test('threshold 0: no samples, and storage gets no probe', async (t) => {
  const { node, clock, client } = await startNode(t, ['--latency-monitor-threshold', '0', '--maxmemory-eviction-tenacity', '100']);
  t.equal(node.keyspace.context.latency ?? null, null, 'no probe lent');
  await call(client, 'SET', 'k', 'v', 'PX', '10');
  clock.advance(500);
  await call(client, 'DEBUG', 'POPULATE', '20000');
  await call(client, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
  await call(client, 'CONFIG', 'SET', 'maxmemory', '2mb');
  t.match(await call(client, 'INFO', 'stats'), /expired_keys:1\r\n[^]*evicted_keys:[1-9]/, 'a key expired, keys were evicted');
  t.same(await events(client), [], 'and nothing was sampled');
  await call(client, 'CONFIG', 'SET', 'latency-monitor-threshold', '1');
  t.equal(node.keyspace.context.latency, node.latency, 'lent once the threshold is set');
  await call(client, 'CONFIG', 'SET', 'latency-monitor-threshold', '0');
  t.equal(node.keyspace.context.latency, null, 'and taken back');
});
