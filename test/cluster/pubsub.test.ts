/*
 * Pub/sub across a cluster: PUBLISH travels over the bus (message type 4) to every node, SPUBLISH
 * (type 10, PUBLISHSHARD) only to the nodes of the publisher's shard, and shard channels follow
 * their slot (SSUBSCRIBE/SPUBLISH are redirected like keys, CROSSSLOT across slots, and a slot
 * moving away unsubscribes its shard subscribers).
 *
 * Two clusters, one after the other, each of three master/replica pairs chosen exactly:
 *   1. all hashslot: fan-out to all six nodes, shard delivery to a master and its replica only,
 *      redirections, the slot moving away;
 *   2. mixed with real redis-server nodes (redis master + hashslot replica, hashslot master +
 *      redis replica, ...): PUBLISH and SPUBLISH crossing between the two kinds both ways, which
 *      proves the bus encoding against Redis's own decoder and ours against its encoder.
 * Subscribers read with a deadline; nothing sleeps. With HASHSLOT_CLUSTER_TARGET=redis every
 * hashslot node is a redis-server, which validates the test itself.
 */

import t from 'tap';
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { RawClient } from '../../bench/harness/raw-client';
import type { Arg } from '../../bench/harness/resp';
import { clusterTarget, missingPrerequisite, type ClusterNode, type NodeKind } from '../../bench/harness/cluster-harness';
import { infoField, keySlot, ownedSlots } from '../../bench/harness/cluster-replies';
import { pairedCluster, type Pair } from './failover-support';

const hashslot = clusterTarget();
const READ_DEADLINE_MS = 10_000;

/** RESP2 message as a subscriber receives it. */
function message(kind: 'message' | 'smessage', channel: string, payload: string): string {
  const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
  return `*3\r\n${bulk(kind)}${bulk(channel)}${bulk(payload)}`;
}

/** A connection to `node` subscribed with `argv` (its one confirmation already read). */
async function subscriber(node: ClusterNode, ...argv: Arg[]): Promise<RawClient> {
  const client = await RawClient.connect(node.port);
  const reply = (await client.call(...argv)).toString('latin1');
  if (!reply.startsWith('*3\r\n')) throw new Error(`${node.label}: ${argv.join(' ')} answered ${reply}`);
  return client;
}

async function nextMessage(client: RawClient): Promise<string> {
  const [reply] = await client.readReplies(1, READ_DEADLINE_MS);
  return (reply ?? Buffer.alloc(0)).toString('latin1');
}

/** A channel name whose slot `owner` serves (by its CLUSTER NODES line). */
async function channelServedBy(owner: ClusterNode, prefix: string): Promise<string> {
  const slots = new Set(ownedSlots(await owner.myself()));
  for (let i = 0; ; i++) if (slots.has(keySlot(`${prefix}${i}`))) return `${prefix}${i}`;
}

/** One command on a short-lived connection; the raw reply as latin1 text. */
async function rawCall(node: ClusterNode, ...argv: Arg[]): Promise<string> {
  return (await node.call(...argv)).toString('latin1');
}

async function clusterStat(node: ClusterNode, name: string): Promise<number> {
  return Number(infoField(await node.callText('CLUSTER', 'INFO'), name) ?? '0');
}

const problem = missingPrerequisite(['redis']);
if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test(`three ${hashslot} master/replica pairs`, async (t) => {
    const { cluster, pairs } = await pairedCluster([[hashslot, hashslot], [hashslot, hashslot], [hashslot, hashslot]]);
    cluster.attach(t);
    // Every node linked to every other (a PUBLISH goes over the links a node has).
    await cluster.waitForAgreement(6);
    const open: RawClient[] = [];
    t.teardown(() => open.forEach((c) => c.close()));
    const [shard0, shard1] = pairs as [Pair, Pair, Pair];

    await t.test('PUBLISH on any node reaches subscribers on every node', async (t) => {
      const subs = await Promise.all(cluster.nodes.map((n) => subscriber(n, 'SUBSCRIBE', 'news')));
      const patternSub = await subscriber(cluster.node(5), 'PSUBSCRIBE', 'n*');
      open.push(...subs, patternSub);
      for (const [j, publisher] of cluster.nodes.entries()) {
        const payload = `from ${publisher.label}`;
        const receivers = await rawCall(publisher, 'PUBLISH', 'news', payload);
        t.equal(receivers, j === 5 ? ':2\r\n' : ':1\r\n', `PUBLISH on ${publisher.label} counts its local subscribers`);
        for (const [i, sub] of subs.entries()) {
          t.equal(await nextMessage(sub), message('message', 'news', payload), `${cluster.node(i).label} hears ${publisher.label}`);
        }
        t.equal(await nextMessage(patternSub), `*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$${payload.length}\r\n${payload}\r\n`,
          `the pattern subscriber hears ${publisher.label}`);
      }
    });

    await t.test('SPUBLISH reaches the shard of the channel only', async (t) => {
      const channel = await channelServedBy(shard0.master, 'orders:');
      const onMaster = await subscriber(shard0.master, 'SSUBSCRIBE', channel);
      // A replica serves shard subscriptions of its master's slots without READONLY.
      const onReplica = await subscriber(shard0.replica, 'SSUBSCRIBE', channel);
      open.push(onMaster, onReplica);
      const slot = keySlot(channel);
      const elsewhere = await RawClient.connect(shard1.master.port);
      open.push(elsewhere);
      t.equal((await elsewhere.call('SSUBSCRIBE', channel)).toString('latin1'),
        `-MOVED ${slot} 127.0.0.1:${shard0.master.port}\r\n`, 'SSUBSCRIBE elsewhere is MOVED to the owner');
      t.equal((await elsewhere.call('SPUBLISH', channel, 'x')).toString('latin1'),
        `-MOVED ${slot} 127.0.0.1:${shard0.master.port}\r\n`, 'SPUBLISH elsewhere is MOVED to the owner');
      const other = await channelServedBy(shard1.master, 'other:');
      t.equal((await onMaster.call('SSUBSCRIBE', channel, other)).toString('latin1'),
        "-CROSSSLOT Keys in request don't hash to the same slot\r\n", 'SSUBSCRIBE across slots is CROSSSLOT');

      const otherShardBefore = await clusterStat(shard1.master, 'cluster_stats_messages_publishshard_received');
      for (const publisher of [shard0.master, shard0.replica]) {
        const payload = `via ${publisher.label}`;
        t.equal(await rawCall(publisher, 'SPUBLISH', channel, payload), ':1\r\n', `SPUBLISH on ${publisher.label} counts its local subscriber`);
        t.equal(await nextMessage(onMaster), message('smessage', channel, payload), `the master's subscriber hears ${publisher.label}`);
        t.equal(await nextMessage(onReplica), message('smessage', channel, payload), `the replica's subscriber hears ${publisher.label}`);
      }
      t.ok(await clusterStat(shard0.master, 'cluster_stats_messages_publishshard_sent') >= 1, 'the master sent PUBLISHSHARD');
      t.ok(await clusterStat(shard0.replica, 'cluster_stats_messages_publishshard_received') >= 1, 'its replica received it');
      t.equal(await clusterStat(shard1.master, 'cluster_stats_messages_publishshard_received'), otherShardBefore,
        'another shard was not sent it');
      t.equal(await rawCall(shard0.master, 'PUBSUB', 'SHARDNUMSUB', channel), `*2\r\n$${channel.length}\r\n${channel}\r\n:1\r\n`,
        'PUBSUB SHARDNUMSUB counts this node only');
    });

    await t.test('ioredis and node-redis cluster clients subscribe, publish and spublish', async (t) => {
      const entry = cluster.node(0).port;
      const io = new Cluster([{ host: '127.0.0.1', port: entry }], { redisOptions: { maxRetriesPerRequest: 2 } });
      const nr = createCluster({ rootNodes: [{ url: `redis://127.0.0.1:${entry}` }] });
      nr.on('error', () => undefined);
      const heard: string[] = [];
      try {
        io.on('message', (channel: string, msg: string) => heard.push(`io ${channel} ${msg}`));
        // ioredis's Cluster sends SSUBSCRIBE to any node unless built with sharded subscribers
        // (against redis-server too), so only its plain subscriber is used here.
        await io.subscribe('clients');
        await nr.connect();
        await nr.subscribe('clients', (msg, channel) => heard.push(`nr ${channel} ${msg}`));
        await nr.sSubscribe('clients:shard', (msg, channel) => heard.push(`nr-shard ${channel} ${msg}`));
        // Counts depend on which node each library picks; the messages heard do not.
        await nr.publish('clients', 'from node-redis');
        await io.publish('clients', 'from ioredis');
        await io.spublish('clients:shard', 'sharded');
        const expected = ['io clients from ioredis', 'io clients from node-redis',
          'nr clients from ioredis', 'nr clients from node-redis', 'nr-shard clients:shard sharded'];
        const deadline = Date.now() + READ_DEADLINE_MS;
        while (heard.length < expected.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        t.same([...heard].sort(), expected, 'every subscriber heard every message once');
      } finally {
        io.disconnect();
        await nr.disconnect().catch(() => undefined);
      }
    });

    await t.test('a slot moving away unsubscribes its shard subscribers', async (t) => {
      const channel = await channelServedBy(shard0.master, 'moving:');
      const sub = await subscriber(shard0.master, 'SSUBSCRIBE', channel);
      const onReplica = await subscriber(shard0.replica, 'SSUBSCRIBE', channel);
      open.push(sub, onReplica);
      const slot = String(keySlot(channel));
      const target = (await shard1.master.myself()).id;
      const told = `*3\r\n$12\r\nsunsubscribe\r\n$${channel.length}\r\n${channel}\r\n:0\r\n`;
      // The owner gives the slot away by hand: its subscriber is told at once.
      t.equal(await shard0.master.callText('CLUSTER', 'SETSLOT', slot, 'NODE', target), 'OK');
      t.equal(await nextMessage(sub), told, 'the master\'s subscriber is told "sunsubscribe"');
      t.equal((await sub.call('PING')).toString('latin1'), '+PONG\r\n', 'and is out of pub/sub mode');
      // The new owner claims it with a new epoch: the replica learns it from gossip.
      t.equal(await shard1.master.callText('CLUSTER', 'SETSLOT', slot, 'NODE', target), 'OK');
      t.match(await shard1.master.callText('CLUSTER', 'BUMPEPOCH'), /^(BUMPED|STILL) /);
      t.equal(await nextMessage(onReplica), told, 'the replica\'s subscriber is told too, once the claim arrives');
    });
  });

  // Real redis-server nodes paired with hashslot nodes in both roles.
  const mixed: Array<readonly [NodeKind, NodeKind]> = [['redis', hashslot], [hashslot, 'redis'], ['redis', hashslot]];

  t.test(`mixed cluster: redis-server and ${hashslot} nodes exchange PUBLISH and PUBLISHSHARD`, async (t) => {
    const { cluster, pairs } = await pairedCluster(mixed);
    cluster.attach(t);
    await cluster.waitForAgreement(6);
    const open: RawClient[] = [];
    t.teardown(() => open.forEach((c) => c.close()));

    await t.test('PUBLISH crosses between the kinds both ways', async (t) => {
      const subs = await Promise.all(cluster.nodes.map((n) => subscriber(n, 'SUBSCRIBE', 'mixed')));
      open.push(...subs);
      for (const publisher of [pairs[0]?.master, pairs[1]?.master, pairs[0]?.replica, pairs[1]?.replica]) {
        if (publisher === undefined) continue;
        const payload = `${publisher.label}\r\n`;
        t.equal(await rawCall(publisher, 'PUBLISH', 'mixed', payload), ':1\r\n');
        for (const [i, sub] of subs.entries()) {
          t.equal(await nextMessage(sub), message('message', 'mixed', payload), `${cluster.node(i).label} hears ${publisher.label}`);
        }
      }
    });

    await t.test('SPUBLISH crosses between master and replica of either kind', async (t) => {
      for (const pair of pairs.slice(0, 2)) {
        const channel = await channelServedBy(pair.master, `shard:${pair.master.port}:`);
        const onMaster = await subscriber(pair.master, 'SSUBSCRIBE', channel);
        const onReplica = await subscriber(pair.replica, 'SSUBSCRIBE', channel);
        open.push(onMaster, onReplica);
        for (const publisher of [pair.master, pair.replica]) {
          const payload = `${publisher.label} says hi`;
          t.equal(await rawCall(publisher, 'SPUBLISH', channel, payload), ':1\r\n');
          t.equal(await nextMessage(onMaster), message('smessage', channel, payload), `${pair.master.label} hears ${publisher.label}`);
          t.equal(await nextMessage(onReplica), message('smessage', channel, payload), `${pair.replica.label} hears ${publisher.label}`);
        }
      }
    });
  });
}
