/*
 * MULTI/EXEC in cluster mode, on a redis-server cluster and a hashslot cluster side by side
 * (two masters each: node 0 owns every slot, node 1 owns none), replies compared byte for byte
 * once each port is replaced by its node's number.
 *
 *   - ASKING before MULTI holds until EXEC: the queued commands and EXEC itself may touch the
 *     importing slot; DISCARD or EXEC ends it.
 *   - EXEC routes all queued keys again, together, before running anything: keys of two slots
 *     answer CROSSSLOT, keys moved away meanwhile ASK (all missing) or TRYAGAIN (some missing).
 *     The reply is the plain redirect, not EXECABORT, and the transaction is discarded.
 *   - The first key's slot unassigned answers "Hash slot not served" before any CROSSSLOT.
 *   - cluster-preferred-endpoint-type picks the address in MOVED/ASK and CLUSTER SLOTS.
 */
import t from 'tap';
import { clusterTarget, LocalCluster, missingPrerequisite, type NodeKind } from '../../bench/harness/cluster-harness';
import type { Arg } from '../../bench/harness/resp';
import { ClusterSide } from '../helpers/cluster-side';

type Test = tap.Test;

const kind = clusterTarget();
const problem = missingPrerequisite(['redis', kind]);

/** Slots of the keys used: b 3300 (imported by node 1), k2 449, k3 4576, {a} 15495 (migrating). */
const IMPORTED_SLOT = '3300';
const MIGRATING_SLOT = '15495';


/** Node 0 owns every slot and meets node 1; node 1 imports IMPORTED_SLOT, node 0 migrates MIGRATING_SLOT to it. */
async function form(cluster: LocalCluster): Promise<void> {
  const [n0, n1] = [cluster.node(0), cluster.node(1)];
  await n0.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await n0.call('CLUSTER', 'MEET', n1.host, String(n1.port));
  await cluster.waitForAgreement(2);
  await cluster.waitForOk();
  const [id0, id1] = [(await n0.myself()).id, (await n1.myself()).id];
  await n1.call('CLUSTER', 'SETSLOT', IMPORTED_SLOT, 'IMPORTING', id0);
  await n0.call('MSET', '{a}1', 'x', '{a}2', 'y');
  await n0.call('CLUSTER', 'SETSLOT', MIGRATING_SLOT, 'MIGRATING', id1);
}

async function transactions(tt: Test): Promise<void> {
  const launch = async (kinds: readonly NodeKind[]): Promise<LocalCluster> => (await LocalCluster.launch(kinds)).attach(tt);
  const [redisCluster, targetCluster] = await Promise.all([launch(['redis', 'redis']), launch([kind, kind])]);
  await Promise.all([form(redisCluster), form(targetCluster)]);
  const [redis, target] = await ClusterSide.connectBoth(tt, redisCluster, targetCluster);
  const step = async (index: number, argv: readonly Arg[]): Promise<void> => {
    const [r, h] = await Promise.all([redis.call(index, argv), target.call(index, argv)]);
    tt.equal(h, r, `node ${index}: ${argv.join(' ')}`, { at: null, stack: '' });
  };
  const steps = async (index: number, list: readonly (readonly Arg[])[]): Promise<void> => {
    for (const argv of list) await step(index, argv);
  };
  /** Another client of node 0 of both clusters (the keys change between MULTI and EXEC). */
  const meanwhile = (...argv: Arg[]): Promise<unknown> =>
    Promise.all([redisCluster.node(0).call(...argv), targetCluster.node(0).call(...argv)]);

  // ASKING survives MULTI until EXEC.
  await steps(1, [['ASKING'], ['SET', 'b', 'guard']]);
  await steps(1, [['ASKING'], ['MULTI'], ['GET', 'b'], ['EXEC'], ['GET', 'b']]);
  await steps(1, [['ASKING'], ['MULTI'], ['SET', 'b', 'v2'], ['GET', 'b'], ['EXEC']]);
  await steps(1, [['ASKING'], ['MULTI'], ['GET', 'b'], ['GET', '{b}y'], ['EXEC']]);
  await steps(1, [['ASKING'], ['MGET', '{b}y', '{b}y']]);
  await steps(1, [['ASKING'], ['MGET', 'b', '{b}y']]);
  await steps(1, [['MULTI'], ['ASKING'], ['GET', 'b'], ['EXEC']]);
  await steps(1, [['ASKING'], ['MULTI'], ['GET', 'b'], ['DISCARD'], ['GET', 'b']]);
  await steps(1, [['ASKING'], ['MULTI'], ['NOSUCH'], ['GET', 'b'], ['EXEC'], ['GET', 'b']]);

  // EXEC routes the queued keys together.
  await steps(0, [['MULTI'], ['SET', 'k2', '1'], ['SET', 'k3', '1'], ['EXEC'], ['GET', 'k2'], ['MULTI'], ['EXEC']]);
  await steps(0, [['MULTI'], ['SET', 'k2', '1'], ['NOSUCH'], ['SET', 'k3', '1'], ['EXEC']]);
  await steps(0, [['MULTI'], ['SET', '{k2}x', '1'], ['GET', 'k2'], ['EXEC']]);
  await steps(0, [['MULTI'], ['GET', '{a}1'], ['GET', '{a}2']]);
  await meanwhile('DEL', '{a}2');
  await steps(0, [['EXEC'], ['GET', '{a}1']]);
  await steps(0, [['MULTI'], ['GET', '{a}1']]);
  await meanwhile('DEL', '{a}1');
  await steps(0, [['EXEC'], ['MULTI'], ['PING'], ['EXEC']]);

  // cluster-preferred-endpoint-type: the address MOVED/ASK and CLUSTER SLOTS give. Node 0
  // announces a hostname; node 1 does not ("?" where its hostname is wanted).
  for (const cluster of [redisCluster, targetCluster]) {
    await cluster.node(0).call('CONFIG', 'SET', 'cluster-announce-hostname', 'host-0.example');
    await cluster.waitFor('node 1 knows node 0 by hostname', 10_000, async () => {
      const slots = (await cluster.node(1).call('CLUSTER', 'SLOTS')).toString('latin1');
      return { ok: slots.includes('host-0.example'), detail: slots };
    });
  }
  const maskIds = (text: string): string => text.replace(/[0-9a-f]{40}/g, '<id>');
  for (const type of ['hostname', 'unknown-endpoint', 'ip']) {
    for (const index of [0, 1]) await step(index, ['CONFIG', 'SET', 'cluster-preferred-endpoint-type', type]);
    await step(1, ['GET', 'k3']);
    await step(0, ['GET', '{a}missing']);
    const [r, h] = await Promise.all([redis.call(1, ['CLUSTER', 'SLOTS']), target.call(1, ['CLUSTER', 'SLOTS'])]);
    tt.equal(maskIds(h), maskIds(r), `node 1: CLUSTER SLOTS with ${type}`, { at: null, stack: '' });
  }

  // An unassigned first key's slot wins over CROSSSLOT.
  await step(0, ['CLUSTER', 'DELSLOTS', IMPORTED_SLOT]);
  await steps(0, [['MGET', 'b', 'k2'], ['MGET', 'k2', 'b']]);
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test(`MULTI/EXEC on two redis-server masters and two ${kind} masters`, transactions);
}
