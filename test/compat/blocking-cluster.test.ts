/*
 * A client blocked on keys when its slot stops being served here, compared with a real
 * redis-server: Redis checks its blocked clients as the cluster changes, and a failed cluster
 * unblocks them with "The cluster is down" (before looking at any slot, and even when reads are
 * allowed while down: the write that would serve them may never come). Each server is a one-node
 * cluster; the slot of k3 (4576) is deleted under a BLPOP.
 */

import t from 'tap';
import { dualRun } from './harness';
import { RawClient } from '../../bench/harness/raw-client';
import { clusterOk } from '../helpers/cluster-ok';
import { delay } from '../../bench/harness/server-process';
import { escapeBytes } from '../../bench/harness/resp';

const dual = dualRun(t, { serverArgs: ['--cluster-enabled', 'yes'] });

/** The port `c` is connected to (to open a second connection to the same server). */
async function portOf(c: RawClient): Promise<number> {
  const reply = (await c.call('CONFIG', 'GET', 'port')).toString('latin1');
  const port = Number(reply.split('\r\n')[4]);
  if (!Number.isInteger(port)) throw new Error(`no port in ${reply}`);
  return port;
}

/** Blocks a second client in BLPOP k3 0, deletes k3's slot, and returns what the blocked client hears. */
async function blockedThenDelslots(c: RawClient): Promise<string> {
  await c.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await clusterOk(c);
  const waiter = await RawClient.connect(await portOf(c));
  try {
    waiter.send('BLPOP', 'k3', '0');
    await delay(200);
    await c.call('CLUSTER', 'DELSLOTS', '4576');
    const [reply] = await waiter.readReplies(1, 5_000);
    return escapeBytes(reply ?? Buffer.alloc(0));
  } finally {
    waiter.close();
    await c.call('CLUSTER', 'FLUSHSLOTS');
  }
}

dual.case('a BLPOP whose slot is deleted hears the cluster is down', async (pair) => {
  const [r, h] = await pair.both(blockedThenDelslots);
  pair.same(h, r, 'the blocked client');
});

dual.case('also when reads are allowed while the cluster is down', async (pair) => {
  await pair.do('CONFIG', 'SET', 'cluster-allow-reads-when-down', 'yes');
  const [r, h] = await pair.both(blockedThenDelslots);
  pair.same(h, r, 'the blocked client');
  await pair.do('CONFIG', 'SET', 'cluster-allow-reads-when-down', 'no');
});
