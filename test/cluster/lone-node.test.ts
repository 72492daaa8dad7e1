/*
 * One cluster node on its own, before and after it claims slots: the only place the two
 * CLUSTERDOWN texts can be provoked without breaking a shared cluster, and a node whose CLUSTER
 * INFO is fully deterministic (no bus traffic, so every counter is known) and can be compared
 * byte for byte. Also the ADDSLOTS/DELSLOTS error texts of redis-wire.md §4.1.
 */

import t from 'tap';
import { clusterTarget, LocalCluster, missingPrerequisite } from '../../bench/harness/cluster-harness';
import { keyInSlot } from '../../bench/harness/cluster-replies';

const kind = clusterTarget();
const problem = missingPrerequisite([kind]);

/** CLUSTER INFO of a node that never exchanged a bus message. */
function loneInfo(state: 'ok' | 'fail', assigned: number): string {
  return [
    `cluster_state:${state}`,
    `cluster_slots_assigned:${assigned}`,
    `cluster_slots_ok:${assigned}`,
    'cluster_slots_pfail:0',
    'cluster_slots_fail:0',
    'cluster_known_nodes:1',
    // Redis starts cluster_size at 1 and only recomputes it when the state is re-evaluated.
    'cluster_size:1',
    'cluster_current_epoch:0',
    'cluster_my_epoch:0',
    'cluster_stats_messages_sent:0',
    'cluster_stats_messages_received:0',
    'total_cluster_links_buffer_limit_exceeded:0',
    '',
  ].join('\r\n');
}

const bulk = (text: string): string => `$${Buffer.byteLength(text)}\r\n${text}\r\n`;

if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test(`a lone ${kind} node: CLUSTERDOWN texts, slot errors, exact CLUSTER INFO`, async (t) => {
    const cluster = (await LocalCluster.launch([kind])).attach(t);
    const node = cluster.node(0);
    const text = async (...argv: Array<string | number>): Promise<string> => (await node.call(...argv)).toString('latin1');
    const lastSlotKey = keyInSlot(16383);

    t.equal(await text('CLUSTER', 'INFO'), bulk(loneInfo('fail', 0)), 'CLUSTER INFO of a fresh node');
    t.match(await text('CLUSTER', 'NODES'),
      new RegExp(`^\\$\\d+\\r\\n[0-9a-f]{40} :${node.port}@${node.busPort} myself,master - 0 0 0 connected\\n\\r\\n$`),
      'CLUSTER NODES: one line, empty ip until the node learns it from a peer');
    t.equal(await text('GET', 'foo'), '-CLUSTERDOWN Hash slot not served\r\n', 'no slots: not served');
    t.equal(await text('INFO', 'cluster'), bulk('# Cluster\r\ncluster_enabled:1\r\n'), 'INFO cluster');

    t.equal(await text('CLUSTER', 'ADDSLOTSRANGE', 0, 16382), '+OK\r\n', 'ADDSLOTSRANGE 0 16382');
    t.equal(await text('GET', 'foo'), '-CLUSTERDOWN The cluster is down\r\n', 'a served slot while coverage is incomplete');
    t.equal(await text('GET', lastSlotKey), '-CLUSTERDOWN Hash slot not served\r\n', 'the one unassigned slot');
    t.equal(await text('CLUSTER', 'INFO'), bulk(loneInfo('fail', 16383)), 'CLUSTER INFO with 16383 slots');

    t.equal(await text('CLUSTER', 'ADDSLOTS', 0), '-ERR Slot 0 is already busy\r\n');
    t.equal(await text('CLUSTER', 'ADDSLOTS', 16384), '-ERR Invalid or out of range slot\r\n');
    t.equal(await text('CLUSTER', 'ADDSLOTS', 16383, 16383), '-ERR Slot 16383 specified multiple times\r\n');
    t.equal(await text('CLUSTER', 'DELSLOTS', 16383), '-ERR Slot 16383 is already unassigned\r\n');

    t.equal(await text('CLUSTER', 'ADDSLOTS', 16383), '+OK\r\n', 'ADDSLOTS the last slot');
    await cluster.waitForOk(10_000);
    t.equal(await text('CLUSTER', 'INFO'), bulk(loneInfo('ok', 16384)), 'CLUSTER INFO with full coverage');
    t.equal(await text('SET', lastSlotKey, 'v'), '+OK\r\n', 'writes are served once the state is ok');
    t.equal(await text('GET', lastSlotKey), '$1\r\nv\r\n');
    t.match(await text('CLUSTER', 'NODES'), new RegExp(` connected 0-16383\\n\\r\\n$`), 'the slots on the NODES line');
  });
}
