/*
 * SORT in cluster mode, against a real one-node cluster (all slots on one redis-server started
 * with --cluster-enabled yes): Redis 7.0 refuses every GET pattern and every BY pattern with a
 * '*' (they could name keys in any slot), accepts BY without '*' (no lookups), and routes on
 * the source key and the STORE key together, so a destination in another slot is CROSSSLOT.
 */

import t from 'tap';
import { dualRun, error, until } from './harness';
import { parseReply } from '../../bench/harness/resp';

const dual = dualRun(t, { serverArgs: ['--cluster-enabled', 'yes'] });

dual.case('SORT in cluster mode: BY/GET denied, STORE routed with the source key', async (pair) => {
  // This node takes every slot; then wait for cluster_state:ok on both servers.
  await pair.step(until('+OK\r\n', ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383']));
  await pair.both(async (c) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const info = parseReply(await c.call('CLUSTER', 'INFO')).text.toString('latin1');
      if (info.includes('cluster_state:ok')) return;
      if (Date.now() > deadline) throw new Error(`cluster state not ok: ${info.slice(0, 40)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  const steps = [
    ['RPUSH', '{a}l', '3', '1', '2'],
    ['SORT', '{a}l'],
    ['SORT', '{a}l', 'BY', 'nosort', 'DESC'],
    ['SORT', '{a}l', 'BY', '{a}', 'LIMIT', '0', '2'],
    error('SORT', '{a}l', 'BY', '{a}w_*'),
    error('SORT', '{a}l', 'BY', 'w_*', 'GET', '#'),
    error('SORT', '{a}l', 'GET', '#'),
    error('SORT', '{a}l', 'GET', '{a}*'),
    error('SORT', '{a}l', 'GET', 'fixed'),
    error('SORT', '{a}l', 'GET', '{a}*->f'),
    error('SORT_RO', '{a}l', 'GET', '#'),
    error('SORT', '{a}l', 'LIMIT', 'x', '1', 'GET', '#'),
    error('SORT', '{a}l', 'GET', '#', 'LIMIT', 'x', '1'),
    error('SORT', '{a}l', 'BY', 'w_*', 'BOGUS'),
    ['SORT', '{a}l', 'STORE', '{a}d'],
    ['LRANGE', '{a}d', '0', '-1'],
    error('SORT', '{a}l', 'STORE', 'd'),
    error('SORT', '{a}l', 'GET', '#', 'STORE', 'd'),
    ['SORT_RO', '{a}l', 'DESC'],
    ['COMMAND', 'GETKEYS', 'SORT', '{a}l', 'STORE', 'd'],
  ];
  for (const step of steps) await pair.step(step);
});
