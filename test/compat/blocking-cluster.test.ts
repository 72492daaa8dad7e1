/*
 * A client blocked on keys when its slot stops being served here, compared with a real
 * redis-server: Redis checks its blocked clients as the cluster changes, and a failed cluster
 * unblocks them with "The cluster is down" (before looking at any slot, and even when reads are
 * allowed while down: the write that would serve them may never come). Each server is a one-node
 * cluster; the slot of k3 (4576) is deleted under a BLPOP.
 *
 * redis-server has a race here: it updates the cluster state before its next sleep, but checks
 * blocked clients from its cron, and when the cron runs in the same turn of the event loop as
 * the DELSLOTS (seen once in a full run) the state is still ok and the client hears "Hash slot
 * not served". hashslot updates the state with the DELSLOTS, so it always says the cluster is down;
 * redis-server must say one of the two.
 */

import t from 'tap';
import { dualRun, type Pair, type Test } from './harness';
import { RawClient } from '../../bench/harness/raw-client';
import { clusterOk } from '../helpers/cluster-ok';
import { eventually } from '../helpers/eventually';
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
    await eventually(5_000, async () => {
      const info = (await c.call('INFO', 'clients')).toString('latin1');
      if (!info.includes('blocked_clients:1')) throw new Error(`the BLPOP is not blocked yet: ${info}`);
    });
    await c.call('CLUSTER', 'DELSLOTS', '4576');
    const [reply] = await waiter.readReplies(1, 5_000);
    return escapeBytes(reply ?? Buffer.alloc(0));
  } finally {
    waiter.close();
    await c.call('CLUSTER', 'FLUSHSLOTS');
  }
}

const CLUSTER_DOWN = '-CLUSTERDOWN The cluster is down\\r\\n';
const NOT_SERVED = '-CLUSTERDOWN Hash slot not served\\r\\n';

/** What each side's blocked client heard: hashslot the cluster down, redis-server that or (its race) the slot not served. */
async function blockedClientHears(pair: Pair, tt: Test): Promise<void> {
  const [r, h] = await pair.both(blockedThenDelslots);
  pair.same(h, CLUSTER_DOWN, 'the blocked client hears the cluster is down');
  tt.ok(r === CLUSTER_DOWN || r === NOT_SERVED, `redis-server's blocked client heard ${r}`);
}

dual.case('a BLPOP whose slot is deleted hears the cluster is down', blockedClientHears);

dual.case('also when reads are allowed while the cluster is down', async (pair, tt) => {
  await pair.do('CONFIG', 'SET', 'cluster-allow-reads-when-down', 'yes');
  await blockedClientHears(pair, tt);
  await pair.do('CONFIG', 'SET', 'cluster-allow-reads-when-down', 'no');
});
