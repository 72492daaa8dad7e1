/*
 * The node-level persistence hooks, in-process with an injected clock: loading dump.rdb at
 * start-up (good, missing, corrupt), the `save` points checked by persistenceCron (due, not
 * due, retried after a failure only after the retry delay) and MISCONF while the last background
 * save failed. No sockets are needed: the hooks are called directly, as the node's cron and
 * listen() will call them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ManualClock } from '../../server/clock';
import { Config } from '../../server/config/config';
import { RedisNode } from '../../server/node';
import {
  changesSinceLastSave, diskErrorReply, loadSnapshotAtStartup, persistenceCron, persistenceState, rdbInfoFields,
  saveAfterFlushAll, startBackgroundSave,
} from '../../server/persistence/snapshots';
import { loadRdb } from '../../storage/rdb/rdb-reader';
import { RdbError } from '../../storage/rdb/rdb-error';
import { rdbChunks, snapshotKeyspace } from '../../storage/rdb/rdb-writer';
import { delay } from '../../bench/harness/server-process';
import type { Test } from './harness';
import { describeKeyspace, newKeyspace, richKeyspace } from '../unit/rdb-helpers';

interface TestNode {
  node: RedisNode;
  log: string[];
  advance(ms: number): void;
}

function makeNode(dir: string, directives: string[] = []): TestNode {
  const clock = new ManualClock(1_800_000_000_000);
  const log: string[] = [];
  const config = Config.fromArgs(['--port', '0', '--dir', dir, ...directives]);
  const node = new RedisNode({ config, clock, logSink: { write: (line: string) => void log.push(line) } });
  return { node, log, advance: (ms) => clock.advance(ms) };
}

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-persist-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function bgsaveFinished(node: RedisNode): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (persistenceState(node).bgsave !== null) {
    if (Date.now() > deadline) throw new Error('background save did not finish');
    await delay(5);
  }
}

t.test('loadSnapshotAtStartup: a good file, no file, a corrupt file', async (t) => {
  const dir = tempDir(t);
  const rich = richKeyspace();
  const bytes = Buffer.concat([...rdbChunks(snapshotKeyspace(rich), { ctimeSec: 1_799_999_990, usedMemBytes: 1 << 20 }, { compression: true, checksum: true })]);

  const missing = makeNode(dir);
  t.equal(loadSnapshotAtStartup(missing.node), null, 'no dump.rdb: nothing to load');

  fs.writeFileSync(path.join(dir, 'dump.rdb'), bytes);
  const good = makeNode(dir);
  const result = loadSnapshotAtStartup(good.node);
  t.equal(result?.keysLoaded, rich.totalKeys);
  t.same(describeKeyspace(good.node.keyspace), describeKeyspace(rich));
  t.equal(changesSinceLastSave(good.node), 0, 'loaded data counts as saved');
  const fields = new Map(rdbInfoFields(good.node));
  t.equal(fields.get('rdb_last_load_keys_loaded'), rich.totalKeys);
  t.match(good.log.join(''), /Loading RDB produced by version 7\.0\.15[^]*RDB age 10 seconds[^]*Done loading RDB, keys loaded: \d+, keys expired: 0\.[^]*DB loaded from disk/);

  fs.writeFileSync(path.join(dir, 'dump.rdb'), bytes.subarray(0, bytes.length - 100));
  const corrupt = makeNode(dir);
  t.throws(() => loadSnapshotAtStartup(corrupt.node), RdbError, 'a corrupt file is fatal');
  t.equal(corrupt.node.keyspace.totalKeys, 0, 'and nothing of it was loaded');
  t.match(corrupt.log.join(''), /Fatal error loading the RDB file/);
});

t.test('persistenceCron: save points, the retry delay after a failure, MISCONF', async (t) => {
  const dir = tempDir(t);
  const { node, log, advance } = makeNode(dir, ['--save', '10 2']);
  const db = node.keyspace.db(0);
  const state = persistenceState(node);

  db.set('a', '1', 0);
  advance(11_000);
  persistenceCron(node);
  t.equal(state.bgsave, null, 'one change: the point (2 changes) is not reached');
  db.set('b', '2', 0);
  persistenceCron(node);
  t.not(state.bgsave, null, 'two changes and 11 s: a background save starts');
  t.match(log.join(''), /2 changes in 10 seconds\. Saving\.\.\./);
  await bgsaveFinished(node);
  t.ok(state.lastBgsaveOk);
  t.equal(node.lastSaveSec, Math.floor(node.clock() / 1000), 'LASTSAVE moves');
  t.equal(changesSinceLastSave(node), 0);
  t.ok(fs.existsSync(path.join(dir, 'dump.rdb')));

  db.set('c', '3', 0);
  db.set('d', '4', 0);
  advance(5_000);
  persistenceCron(node);
  t.equal(state.bgsave, null, '5 s after the last save: not due yet');

  // Make the next save fail: its directory is gone.
  fs.rmSync(dir, { recursive: true, force: true });
  advance(6_000);
  persistenceCron(node);
  t.not(state.bgsave, null, 'due again');
  await bgsaveFinished(node);
  t.notOk(state.lastBgsaveOk, 'the save failed');
  t.match(diskErrorReply(node) ?? '', /^MISCONF Redis is configured to save RDB snapshots/, 'writes are refused meanwhile');
  t.equal(new Map(rdbInfoFields(node)).get('rdb_last_bgsave_status'), 'err');

  advance(3_000);
  persistenceCron(node);
  t.equal(state.bgsave, null, 'no retry within 5 s of a failed attempt');
  fs.mkdirSync(dir);
  advance(3_000);
  persistenceCron(node);
  t.not(state.bgsave, null, 'retried after the delay');
  await bgsaveFinished(node);
  t.ok(state.lastBgsaveOk);
  t.equal(diskErrorReply(node), null, 'writes accepted again');
  t.equal(new Map(rdbInfoFields(node)).get('rdb_saves'), 3);
});

t.test('no save points: the cron never saves', async (t) => {
  const dir = tempDir(t);
  const { node, advance } = makeNode(dir, ['--save', '']);
  node.keyspace.db(0).set('a', '1', 0);
  advance(100_000_000);
  persistenceCron(node);
  t.equal(persistenceState(node).bgsave, null);
  t.equal(diskErrorReply(node), null);
});

t.test('one background save at a time; FLUSHALL cancels it and its file never lands', async (t) => {
  const dir = tempDir(t);
  const { node } = makeNode(dir, ['--save', '3600 1']);
  const db = node.keyspace.db(0);
  for (let i = 0; i < 20000; i++) db.set(`key:${i}`, `value:${i}`, 0);
  t.ok(startBackgroundSave(node), 'started');
  t.notOk(startBackgroundSave(node), 'a second one is refused while the first runs');
  node.keyspace.flushAll();
  saveAfterFlushAll(node);
  t.equal(persistenceState(node).bgsave, null, 'the running save was cancelled');
  // Give the cancelled save every chance to (wrongly) rename its file over the new one.
  await delay(300);
  t.equal(loadRdb(fs.readFileSync(path.join(dir, 'dump.rdb')), newKeyspace(), 0).keysLoaded, 0, 'the file holds the flushed dataset');
  t.same(fs.readdirSync(dir).filter((f) => f.startsWith('temp-')), [], 'no temp file left behind');
  t.ok(persistenceState(node).lastBgsaveOk, 'a cancelled save is not a failed one');
});
