/*
 * `cluster-link-sendbuf-limit`: a bus link whose unsent output grows past the limit is freed by
 * the sender's cluster cron, counted in CLUSTER INFO `total_cluster_links_buffer_limit_exceeded`,
 * logged, and connected again; CLUSTER LINKS shows the pile-up before that (events "rw",
 * send-buffer-used and send-buffer-allocated).
 *
 * Three masters A, B, C. A gets a 256 KiB limit; B is stopped with SIGSTOP, so it reads nothing
 * and A's output to it fills the kernel's buffers and then A's own. A then publishes 16 KiB
 * messages (PUBLISH goes over the bus to every node) until its counter moves. A link to a node
 * that reads (C) never holds more than a message or two, so only the link to B is freed. After
 * SIGCONT, a message published on A reaches a subscriber on B over the new link.
 *
 * With HASHSLOT_CLUSTER_TARGET=redis the three nodes are redis-servers, which checks the test.
 */

import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { parseReply, type RespNode } from '../../bench/harness/resp';
import { clusterTarget, LocalCluster, missingPrerequisite, type ClusterNode } from '../../bench/harness/cluster-harness';
import { infoField } from '../../bench/harness/cluster-replies';

const kind = clusterTarget();
const problem = missingPrerequisite([kind]);

const LIMIT_BYTES = 256 * 1024;
const PAYLOAD = 'p'.repeat(16 * 1024);
const DEADLINE_MS = 15_000;

interface LinkEntry {
  direction: string;
  node: string;
  createTime: number;
  events: string;
  allocated: number;
  used: number;
}

/** CLUSTER LINKS as records; the keys must come in Redis's order. */
async function links(node: ClusterNode): Promise<LinkEntry[]> {
  const reply = parseReply(await node.call('CLUSTER', 'LINKS'));
  return reply.items.map((entry: RespNode) => {
    const keys = entry.items.filter((_, i) => i % 2 === 0).map((k) => k.text.toString());
    const expected = ['direction', 'node', 'create-time', 'events', 'send-buffer-allocated', 'send-buffer-used'];
    if (keys.join() !== expected.join()) throw new Error(`${node.label}: CLUSTER LINKS keys ${keys.join()}`);
    const value = (i: number): string => entry.items[i * 2 + 1]?.text.toString() ?? '';
    return { direction: value(0), node: value(1), createTime: Number(value(2)), events: value(3), allocated: Number(value(4)), used: Number(value(5)) };
  });
}

async function exceeded(node: ClusterNode): Promise<number> {
  return Number(infoField(await node.callText('CLUSTER', 'INFO'), 'total_cluster_links_buffer_limit_exceeded'));
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test(`a bus link past cluster-link-sendbuf-limit is freed (${kind})`, async (t) => {
    const cluster = (await LocalCluster.launch([kind, kind, kind])).attach(t);
    await cluster.createOrThrow(0);
    await cluster.waitForOk();
    await cluster.waitForAgreement(3);
    const [a, b, c] = [cluster.node(0), cluster.node(1), cluster.node(2)];
    const bId = (await b.myself()).id;
    const cId = (await c.myself()).id;
    const open: RawClient[] = [];
    t.teardown(() => {
      open.forEach((client) => client.close());
      if (b.pid !== undefined) try { process.kill(b.pid, 'SIGCONT'); } catch { /* gone */ }
    });

    t.equal((await a.call('CONFIG', 'SET', 'cluster-link-sendbuf-limit', String(LIMIT_BYTES))).toString('latin1'), '+OK\r\n', 'CONFIG SET');
    t.same(parseReply(await a.call('CONFIG', 'GET', 'cluster-link-sendbuf-limit')).items.map((i) => i.text.toString()), ['cluster-link-sendbuf-limit', String(LIMIT_BYTES)], 'CONFIG GET');
    t.equal(await exceeded(a), 0, 'nothing exceeded yet');
    const before = await links(a);
    t.equal(before.length, 4, 'A has a link to and from each of B and C');
    t.ok(before.every((l) => /^(to|from)$/.test(l.direction) && /^rw?$/.test(l.events) && l.used >= 0 && l.allocated >= l.used), 'each link: direction, events, buffer figures');
    const toB = before.find((l) => l.direction === 'to' && l.node === bId);
    const toC = before.find((l) => l.direction === 'to' && l.node === cId);

    const subscriber = await RawClient.connect(b.port);
    open.push(subscriber);
    t.equal((await subscriber.call('SUBSCRIBE', 'marker')).toString('latin1').slice(0, 4), '*3\r\n', 'a subscriber on B');

    if (b.pid === undefined) throw new Error('B has no pid');
    process.kill(b.pid, 'SIGSTOP');
    let pending: LinkEntry | undefined;
    const deadline = Date.now() + DEADLINE_MS;
    let published = 0;
    while ((await exceeded(a)) === 0) {
      if (Date.now() > deadline) throw new Error(`no link freed after ${published} PUBLISHes of ${PAYLOAD.length} bytes`);
      await a.call('PUBLISH', 'bulk', PAYLOAD);
      published++;
      // Any link to B: on a loaded machine A may already have replaced the first one (B stopped
      // answering pings), and the new one piles up the same way.
      const link = (await links(a)).find((l) => l.direction === 'to' && l.node === bId);
      if (link !== undefined && link.used > 0 && (pending === undefined || link.used > pending.used)) pending = link;
    }
    t.comment(`freed after ${published} PUBLISHes`);
    t.ok(pending !== undefined, 'output to B piled up in A before the link was freed', { pending });
    t.equal(pending?.events, 'rw', 'a link with output waiting lists events rw');
    t.ok((pending?.allocated ?? 0) >= (pending?.used ?? 0), 'send-buffer-allocated covers send-buffer-used');
    t.equal(await exceeded(a), 1, 'total_cluster_links_buffer_limit_exceeded:1');

    const after = await links(a);
    const newToB = after.find((l) => l.direction === 'to' && l.node === bId);
    t.ok(newToB !== undefined && toB !== undefined && newToB.createTime > toB.createTime, 'the link to B is a new one (later create-time)');
    t.equal(after.find((l) => l.direction === 'to' && l.node === cId)?.createTime, toC?.createTime, 'the link to C (which reads) was kept');
    const logged = new RegExp(`Freeing cluster link\\(to node ${bId}, used memory: (\\d+)\\) due to exceeding send buffer memory limit\\.`).exec(a.output());
    t.ok(logged !== null && Number(logged[1]) > LIMIT_BYTES, 'A logged the freed link and its size', { log: a.output().slice(-2000) });

    process.kill(b.pid, 'SIGCONT');
    await cluster.waitForOk();
    t.equal((await a.call('PUBLISH', 'marker', 'after')).toString('latin1'), ':0\r\n', 'PUBLISH on A after B resumed');
    const [heard] = await subscriber.readReplies(1, DEADLINE_MS);
    t.equal(heard?.toString('latin1'), '*3\r\n$7\r\nmessage\r\n$6\r\nmarker\r\n$5\r\nafter\r\n', 'B\'s subscriber hears it over the new link');
    t.equal(await exceeded(a), 1, 'still one link freed');
  });
}
