/*
 * Differential tests for rdb-key-save-delay, the hidden config Redis's own test suites use to make
 * a save last long enough to watch (server/persistence/save-pacing.ts): the in-progress state of
 * BGSAVE and BGREWRITEAOF in INFO persistence (current_save_keys_*, current_fork_perc), the
 * commands refused or scheduled meanwhile, CONFIG SET during a save (it changes the next save
 * only, as Redis's child had its own copy), FLUSHALL and DEBUG RELOAD during a save, and SAVE,
 * which waits in the foreground and holds every client meanwhile.
 *
 * Timing: the delays are a few hundred ms a key over a handful of keys, so each save lasts one
 * to two seconds; the states in between are read at once after a command (well within the first
 * key's delay) or polled for with a deadline, never after a fixed sleep.
 */

import t from 'tap';
import { dualRun, error, type Pair } from './harness';
import { delay } from '../../bench/harness/server-process';
import { RawClient } from '../../bench/harness/raw-client';
import { infoText, parseInfo } from './info-fields';

const dual = dualRun(t);

const PROGRESS = ['current_fork_perc', 'current_save_keys_processed', 'current_save_keys_total'];
const STATES = ['rdb_bgsave_in_progress', 'aof_rewrite_in_progress', 'aof_rewrite_scheduled'];

async function persistence(c: RawClient): Promise<Map<string, string>> {
  return parseInfo(infoText(await c.call('INFO', 'persistence')))[0]?.fields ?? new Map();
}

/** `name:value` for each of `names`, from one INFO persistence. */
async function fields(c: RawClient, names: readonly string[]): Promise<string[]> {
  const info = await persistence(c);
  return names.map((n) => `${n}:${info.get(n) ?? '?'}`);
}

/** The same fields from both servers, compared. */
async function sameFields(pair: Pair, names: readonly string[], label: string): Promise<void> {
  const [r, h] = await pair.both((c) => fields(c, names));
  pair.same(h, r, label);
}

/** Polls INFO persistence until `done` holds, then returns `names` as they were then. */
async function fieldsWhen(c: RawClient, done: (info: Map<string, string>) => boolean, names: readonly string[], deadlineMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const info = await persistence(c);
    if (done(info)) return names.map((n) => `${n}:${info.get(n) ?? '?'}`);
    if (Date.now() > deadline) throw new Error(`INFO persistence never got there: ${[...info].map(([k, v]) => `${k}:${v}`).join(' ')}`);
    await delay(20);
  }
}

const idle = (info: Map<string, string>): boolean => STATES.every((f) => info.get(f) === '0');

/** Milliseconds a PING takes to come back. */
async function pingMs(c: RawClient): Promise<number> {
  const started = Date.now();
  await c.call('PING');
  return Date.now() - started;
}

dual.case('BGSAVE with rdb-key-save-delay: in progress, what is refused or scheduled, then done', async (pair) => {
  await pair.do('DEBUG', 'POPULATE', '3');
  await pair.do('CONFIG', 'SET', 'rdb-key-save-delay', '500000');
  await pair.do('BGSAVE');
  await sameFields(pair, [...STATES, ...PROGRESS, 'rdb_current_bgsave_time_sec'], 'at once: running, 3 keys to save, none reported yet');
  const [rPing, hPing] = await pair.both(async (c) => (await pingMs(c)) < 250);
  pair.same(hPing, rPing, 'other commands are served meanwhile');
  await pair.error('BGSAVE');
  await pair.error('BGSAVE', 'SCHEDULE');
  await pair.error('SAVE');
  await pair.do('BGREWRITEAOF');
  await pair.do('BGREWRITEAOF');
  // The running save keeps the delay it started with, as Redis's child kept its copy.
  await pair.do('CONFIG', 'SET', 'rdb-key-save-delay', '0');
  await sameFields(pair, [...STATES, 'current_save_keys_total'], 'still running after CONFIG SET, the rewrite scheduled');
  const [r1, h1] = await pair.both((c) => fieldsWhen(c, (i) => i.get('current_save_keys_processed') === '1', [...PROGRESS, 'rdb_bgsave_in_progress']));
  pair.same(h1, r1, 'the first key reported once its delay is over');
  const [r2, h2] = await pair.both((c) => fieldsWhen(c, idle, [...STATES, ...PROGRESS, 'rdb_last_bgsave_status', 'aof_last_bgrewrite_status', 'rdb_changes_since_last_save']));
  pair.same(h2, r2, 'the save, then the scheduled rewrite, done: progress back to zero');
  const [r3, h3] = await pair.both(async (c) => Number((await persistence(c)).get('rdb_last_bgsave_time_sec')) >= 1);
  pair.same(h3, r3, 'the save took at least a second (3 keys at 0.5 s)');
});

for (const preamble of ['yes', 'no']) {
  dual.case(`BGREWRITEAOF with rdb-key-save-delay (aof-use-rdb-preamble ${preamble})`, async (pair) => {
    await pair.do('CONFIG', 'SET', 'aof-use-rdb-preamble', preamble);
    await pair.do('DEBUG', 'POPULATE', '3');
    await pair.do('CONFIG', 'SET', 'rdb-key-save-delay', '400000');
    await pair.do('BGREWRITEAOF');
    await sameFields(pair, [...STATES, 'current_save_keys_total'], 'at once: the rewrite runs, over 3 keys');
    await pair.error('BGREWRITEAOF');
    await pair.error('BGSAVE');
    await pair.do('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    // SAVE is not a child: it runs while a rewrite does.
    await pair.do('SAVE');
    await pair.do('BGSAVE', 'SCHEDULE');
    const [r1, h1] = await pair.both((c) => fieldsWhen(c, (i) => i.get('current_save_keys_processed') === '1', [...PROGRESS, 'aof_rewrite_in_progress']));
    pair.same(h1, r1, 'the first key reported while the rewrite runs');
    const [r2, h2] = await pair.both((c) => fieldsWhen(c, (i) => idle(i) && i.get('rdb_bgsave_in_progress') === '0', [...STATES, ...PROGRESS, 'aof_last_bgrewrite_status', 'rdb_last_bgsave_status']));
    pair.same(h2, r2, 'the rewrite, then the scheduled BGSAVE, done');
    await pair.do('CONFIG', 'SET', 'aof-use-rdb-preamble', 'yes');
  });
}

dual.case('FLUSHALL stops a BGSAVE slowed by rdb-key-save-delay', async (pair) => {
  // Redis's own "Test FLUSHALL aborts bgsave": 1000 keys at 1 ms would take a second.
  await pair.do('CONFIG', 'SET', 'rdb-key-save-delay', '1000');
  await pair.do('DEBUG', 'POPULATE', '1000');
  await pair.do('BGSAVE');
  await sameFields(pair, ['rdb_bgsave_in_progress', 'current_save_keys_total'], 'running');
  await pair.do('FLUSHALL');
  const [r, h] = await pair.both((c) => fieldsWhen(c, (i) => i.get('rdb_bgsave_in_progress') === '0', ['rdb_bgsave_in_progress', 'rdb_changes_since_last_save', 'rdb_last_bgsave_status', ...PROGRESS], 500));
  pair.same(h, r, 'stopped within half a second, not a failure, the changes still unsaved');
  await pair.do('SET', 'x', 'xx');
  await pair.do('CONFIG', 'SET', 'rdb-key-save-delay', '0');
});

dual.case('DEBUG RELOAD leaves a delayed BGSAVE running; its changes stop counting when it lands', async (pair) => {
  await pair.do('SET', 'a', '1');
  await pair.do('SET', 'b', '1');
  await pair.do('SAVE');
  await pair.do('SET', 'c', '1');
  await pair.do('CONFIG', 'SET', 'rdb-key-save-delay', '400000');
  await pair.do('BGSAVE');
  await pair.do('SET', 'd', '1');
  await pair.do('DEBUG', 'RELOAD', 'NOSAVE');
  await pair.do('DBSIZE');
  await sameFields(pair, ['rdb_bgsave_in_progress', 'rdb_changes_since_last_save', 'current_save_keys_total'], 'after the reload: still running');
  await pair.do('CONFIG', 'SET', 'rdb-key-save-delay', '0');
  const [r, h] = await pair.both((c) => fieldsWhen(c, idle, ['rdb_bgsave_in_progress', 'rdb_changes_since_last_save', 'rdb_last_bgsave_status']));
  pair.same(h, r, 'landed: the one change it holds is no longer counted');
});

dual.case('SAVE waits rdb-key-save-delay for each key, and every client waits with it', async (pair) => {
  await pair.do('DEBUG', 'POPULATE', '3');
  await pair.do('CONFIG', 'SET', 'rdb-key-save-delay', '200000');
  const [r, h] = await pair.both(async (c, side) => {
    const other = await RawClient.connect(side === 'redis' ? dual.running.redis.port : dual.running.target.port);
    try {
      const started = Date.now();
      const saved = c.call('SAVE');
      await delay(100);
      const pong = await other.call('PING');
      const pongMs = Date.now() - started;
      const reply = (await saved).toString('latin1');
      const savedMs = Date.now() - started;
      return [reply, pong.toString('latin1'), `SAVE took >= 550 ms: ${savedMs >= 550}`, `PING answered after the SAVE: ${pongMs >= 550}`];
    } finally {
      other.close();
    }
  });
  pair.same(h, r, 'SAVE blocks for 3 keys at 0.2 s');
  await pair.do('CONFIG', 'SET', 'rdb-key-save-delay', '0');
});

dual.case('rdb-key-save-delay: negative values (fractions of a microsecond) are accepted', [
  ['CONFIG', 'SET', 'rdb-key-save-delay', '-10'],
  ['CONFIG', 'GET', 'rdb-key-save-delay'],
  ['CONFIG', 'SET', 'rdb-key-save-delay', '-2147483648'],
  ['CONFIG', 'GET', 'rdb-key-save-delay'],
  error('CONFIG', 'SET', 'rdb-key-save-delay', '-2147483649'),
  ['DEBUG', 'POPULATE', '100'],
  ['SAVE'],
  ['CONFIG', 'SET', 'rdb-key-save-delay', '0'],
]);
