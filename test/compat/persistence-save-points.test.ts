/*
 * Differential tests with a save point configured (`save 3600 1`), where Redis 7.0's FLUSHALL
 * also saves the (now empty) dataset synchronously: the change counter drops to 0, LASTSAVE
 * moves, rdb_saves does not count it, and dump.rdb appears in `dir`.
 */

import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { dualRun } from './harness';
import { infoText, parseInfo } from './info-fields';
import { delay } from '../../bench/harness/server-process';

const dual = dualRun(t, { serverArgs: ['--save', '3600 1'] });

dual.case('FLUSHALL saves when save points are configured', async (pair, tt) => {
  const counters = async (label: string): Promise<void> => {
    const [r, h] = await pair.both(async (c) => {
      const info = parseInfo(infoText(await c.call('INFO', 'persistence')))[0]?.fields;
      return ['rdb_changes_since_last_save', 'rdb_saves', 'rdb_last_bgsave_status'].map((f) => `${f}:${info?.get(f) ?? '?'}`);
    });
    pair.same(h, r, label);
  };
  const servers = dual.running;
  for (const dir of [servers.redis.dir, servers.target.dir]) fs.rmSync(path.join(dir, 'dump.rdb'), { force: true });
  await counters('after the harness\'s own FLUSHALL');
  await pair.do('MSET', 'a', '1', 'b', '2', 'c', '3');
  await counters('after MSET');
  // LASTSAVE has a one-second resolution: make sure the save that follows lands in a later second.
  const [before] = await pair.both(async (c) => c.call('LASTSAVE'));
  await delay(1100);
  await pair.do('FLUSHALL');
  await counters('after FLUSHALL');
  const [r, h] = await pair.both(async (c) => c.call('LASTSAVE'));
  tt.not(r.toString(), before.toString(), 'redis: LASTSAVE moved');
  const seconds = (reply: Buffer | Error): number => (reply instanceof Error ? NaN : Number(reply.toString().slice(1)));
  tt.ok(Math.abs(seconds(h) - seconds(r)) <= 1, `LASTSAVE moved on both: ${seconds(r)} / ${seconds(h)}`);
  for (const dir of [servers.redis.dir, servers.target.dir]) tt.ok(fs.existsSync(path.join(dir, 'dump.rdb')), `dump.rdb written in ${dir}`);
  await pair.do('FLUSHDB');
  await counters('FLUSHDB does not save');
});
