/**
 * hashslot/testing on virtual time: `clock: 'virtual'` makes every timer of every node (expiry,
 * node-timeout, failure detection, elections, blocking timeouts, WAIT) wait for
 * `clock.advance(ms)`, and makes a run a function of its seed and of the test's actions, so the
 * event history comes out the same every time (server/testing/cluster-clock.ts,
 * server/virtual-timeline.ts, virtual-network.ts).
 *
 * Failure detection and failover as cluster-spec.md describes them ("Failure detection",
 * "Replica election and promotion"): PFAIL after node-timeout without a PONG, FAIL on a
 * majority of masters' reports, then an election with a delay of 500 ms + random 0-500 ms + rank.
 */
import t from 'tap';
import Redis from 'ioredis';
import { startCluster, startNode, type TestCluster, type TestEvent, type TestEventOf, type TestNode } from '../../server/testing';

type Test = tap.Test;

/** Polls `check` until it holds; fails after `timeoutMs` of wall time. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Advances the cluster's clock 100 ms at a time until `done()`, at most `limitMs` of virtual time. */
async function advanceUntil(cluster: TestCluster, what: string, done: () => boolean, limitMs: number): Promise<void> {
  const startMs = cluster.clock.now();
  while (!done()) {
    if (cluster.clock.now() - startMs > limitMs) throw new Error(`no ${what} within ${limitMs} virtual ms (seed ${cluster.seed})`);
    await cluster.clock.advance(100);
  }
}

async function blockedClients(client: Redis): Promise<number> {
  const info = await client.info('clients');
  return Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? NaN);
}

t.test('a failover at node-timeout 15 s: detected and elected on virtual time, in well under a second', async (t) => {
  const cluster = await startCluster({ clock: 'virtual', seed: 1501, nodeTimeoutMs: 15_000 });
  t.teardown(() => cluster.close());
  t.ok(cluster.nodes.every((n) => n.redisNode.cluster?.state.state === 'ok'), 'formed on the virtual clock');
  const victim = cluster.primary(1);
  const failovers: Array<TestEventOf<'failover'>> = [];
  cluster.on('failover', (event) => failovers.push(event));
  const killedAtMs = cluster.clock.now();
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  await cluster.kill(victim);

  await cluster.clock.advance(14_000);
  const suspected = (): TestEvent[] => cluster.history().filter((e) => e.type === 'node-pfail' && e.id === victim.id);
  t.same(suspected(), [], 'nobody suspects the dead primary before node-timeout has passed');
  await advanceUntil(cluster, 'failover', () => failovers.length > 0, 60_000);
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);

  const failover = failovers[0] as TestEventOf<'failover'>;
  t.equal(failover.shard, victim.shard, "the failover is in the dead primary's shard");
  t.equal(cluster.primary(victim.shard).id, failover.node, 'the replica that won serves the shard');
  t.ok(failover.timeMs - killedAtMs >= 15_000, `the failover came ${failover.timeMs - killedAtMs} virtual ms after the kill (>= node-timeout)`);
  const firstSuspicion = suspected()[0];
  t.ok(firstSuspicion !== undefined && firstSuspicion.timeMs - killedAtMs >= 15_000, 'PFAIL came only once node-timeout had passed');
  const types = new Set(cluster.history().map((e) => e.type));
  for (const type of ['node-pfail', 'node-failed', 'election-scheduled', 'election-started', 'vote-granted', 'election-won'] as const) t.ok(types.has(type), `history has ${type}`);
  t.comment(`kill → failover: ${failover.timeMs - killedAtMs} virtual ms in ${wallMs.toFixed(0)} ms of wall time (${((cpu.user + cpu.system) / 1000).toFixed(0)} ms of CPU)`);
  t.ok(wallMs < 5_000, 'a sanity bound on the wall time (the figure above is what matters)');
});

/** Event history as comparable lines: ports (they differ from run to run) become node names. */
function canonicalHistory(cluster: TestCluster): string[] {
  const names = new Map<string, string>();
  cluster.nodes.forEach((node, i) => {
    names.set(String(node.port), `node${i}.port`);
    names.set(String(node.busPort), `node${i}.busPort`);
  });
  const port = (digits: string): string => names.get(digits) ?? 'unknown-port';
  return cluster.history().map((event) =>
    JSON.stringify(event, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value)).replace(
      /127\.0\.0\.1:(\d+)(?:@(\d+))?/g,
      (_all, client: string, bus: string | undefined) => `${port(client)}${bus === undefined ? '' : `@${port(bus)}`}`,
    ),
  );
}

/**
 * Start (seed), kill a primary, advance until the failover, restart it, advance 5 s; then a
 * lossy bus for 4 s (its drops draw from the cluster's seeded random source, in delivery order).
 */
async function killAndRejoin(seed: number): Promise<string[]> {
  const cluster = await startCluster({ clock: 'virtual', seed, nodeTimeoutMs: 3_000 });
  try {
    const victim = cluster.primary(0);
    await cluster.kill(victim);
    await advanceUntil(cluster, 'failover', () => cluster.history().some((e) => e.type === 'failover'), 60_000);
    await cluster.restart(victim);
    await cluster.clock.advance(5_000);
    if (victim.role !== 'replica') throw new Error(`the old primary did not rejoin as a replica (seed ${seed})`);
    const lossy = cluster.dropBus({ probability: 0.3 });
    await cluster.clock.advance(4_000);
    lossy.heal();
    await cluster.clock.advance(3_000);
    // The ids a node draws come from its seed too (run id, replication ids), and its offset
    // from what happened: INFO's replication section reads the same in every run.
    const positions = cluster.nodes.map((node, i) => {
      const { replid, replid2, offset } = node.redisNode.replication;
      return `node${i} run_id:${node.redisNode.runId} master_replid:${replid} master_replid2:${replid2} master_repl_offset:${offset}`;
    });
    return [...canonicalHistory(cluster), ...positions];
  } finally {
    await cluster.close();
  }
}

t.test('the same seed and the same actions give the same event history', async (t) => {
  const seed = 20260101;
  const first = await killAndRejoin(seed);
  const second = await killAndRejoin(seed);
  t.ok(first.length > 50, `a history worth comparing (${first.length} events)`);
  t.ok(first.some((line) => line.includes('"type":"failover"')) && first.some((line) => line.includes('"type":"node-restarted"')), 'with the failover and the restart in it');
  t.ok(first.some((line) => /^node0 run_id:[0-9a-f]{40} master_replid:[0-9a-f]{40} /.test(line)), "and every node's run id, replication ids and offset at the end");
  const at = first.findIndex((line, i) => line !== second[i]);
  const differsAt = at >= 0 ? at : first.length !== second.length ? first.length : -1;
  const detail = differsAt < 0 ? '' : `; first difference, event #${differsAt}:\n  ${first[differsAt] ?? '(none)'}\n  ${second[differsAt] ?? '(none)'}`;
  t.equal(differsAt, -1, `identical, event by event: type, node, timeMs and every field, then the ids and offsets (seed ${seed})${detail}`);
});

t.test("startNode({ clock: 'virtual' }): blocking timeouts, expiry and WAIT move with node.clock.advance()", async (t) => {
  const node = await startNode({}, { clock: 'virtual', seed: 5 });
  t.teardown(() => node.close());
  const blocked = new Redis(node.port, node.host, { maxRetriesPerRequest: 0 });
  const other = new Redis(node.port, node.host, { maxRetriesPerRequest: 0 });
  t.teardown(() => {
    blocked.disconnect();
    other.disconnect();
  });

  let answered = false;
  const blpop = blocked.blpop('k', 5).then((reply) => {
    answered = true;
    return reply;
  });
  await until('BLPOP to block', async () => (await blockedClients(other)) === 1);
  await node.clock.advance(4_999);
  t.equal(await blockedClients(other), 1, 'still blocked 1 ms before its timeout');
  t.notOk(answered);
  await node.clock.advance(1);
  t.equal(await blpop, null, 'BLPOP k 5 times out once 5 s have passed on the node clock');

  t.equal(await other.set('session', 'v', 'PX', 1000), 'OK');
  await node.clock.advance(999);
  t.equal(await other.get('session'), 'v', 'still there after 999 ms');
  t.equal(await other.pttl('session'), 1);
  await node.clock.advance(2);
  t.equal(await other.get('session'), null, 'expired once its 1000 ms have passed');

  let waited = false;
  const wait = blocked.wait(1, 1000).then((count) => {
    waited = true;
    return count;
  });
  await until('WAIT to block', async () => (await blockedClients(other)) === 1);
  await node.clock.advance(999);
  t.notOk(waited, 'WAIT 1 1000 still waits for a replica 1 ms before its timeout');
  await node.clock.advance(1);
  t.equal(await wait, 0, 'and answers 0 replicas at its timeout');
});

/** The port of the master serving `slot` in `client`'s node's CLUSTER SLOTS. */
async function slotsOwnerPort(client: Redis, slot: number): Promise<number | null> {
  const ranges = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
  const range = ranges.find(([first, last]) => first <= slot && slot <= last);
  return range?.[2][1] ?? null;
}

/**
 * A slot moved on virtual time: the steps need no time to pass (each waits for a reply, not a
 * timer), the other nodes learn the new owner from the bus as the clock advances, and the
 * history, migration steps included, is the same in every run of the seed.
 */
async function moveSlotOnVirtualTime(t: Test, seed: number): Promise<string[]> {
  const cluster = await startCluster({ clock: 'virtual', seed, nodeTimeoutMs: 15_000 });
  const clients: Redis[] = [];
  const plain = (node: TestNode): Redis => {
    const client = new Redis(node.port, node.host, { maxRetriesPerRequest: 0 });
    clients.push(client);
    return client;
  };
  try {
    const source = cluster.nodeForKey('{v}');
    const target = cluster.primary((source.shard + 1) % 3);
    const atSource = plain(source);
    const slot = Number(await atSource.call('CLUSTER', 'KEYSLOT', '{v}'));
    for (let i = 0; i < 25; i++) await atSource.set(`{v}${i}`, `value ${i}`);
    const startedAtMs = cluster.clock.now();
    const paused = await cluster.migrateSlot(slot, target, { keysPerStep: 10, pause: true });
    t.equal(paused.movedKeys.length, 10, 'paused after one step of 10 keys');
    const moved = paused.movedKeys[0] ?? '';
    t.equal(await atSource.get(moved).catch((err: Error) => err.message), `ASK ${slot} ${target.host}:${target.port}`, 'a moved key: -ASK to the target');
    const done = await paused.resume();
    t.equal(done.keys, 25, 'every key moved');
    t.equal(cluster.clock.now(), startedAtMs, 'no virtual time passed: the steps wait for replies, not timers');
    t.equal(await atSource.get('{v}0').catch((err: Error) => err.message), `MOVED ${slot} ${target.host}:${target.port}`);
    t.equal(await plain(target).get('{v}24'), 'value 24');
    // Replicas were not told: they learn the new owner from their primaries' pings.
    const replica = cluster.replicas(source.shard)[0] as TestNode;
    await advanceUntil(cluster, "the source's replica to learn the new owner", () => replica.redisNode.cluster?.state.slots.owner(slot) === target.id, 5_000);
    t.ok(cluster.clock.now() - startedAtMs <= 1_000, `learnt within ${cluster.clock.now() - startedAtMs} virtual ms (a ping or two)`);
    t.equal(await slotsOwnerPort(plain(replica), slot), target.port, "the replica's CLUSTER SLOTS names the target");
    await cluster.clock.advance(2_000);
    return canonicalHistory(cluster);
  } finally {
    for (const client of clients) client.disconnect();
    await cluster.close();
  }
}

t.test('migrateSlot on virtual time: ASK mid-way, the owner learnt through the bus, the same history twice', async (t) => {
  const first = await moveSlotOnVirtualTime(t, 77);
  const second = await moveSlotOnVirtualTime(t, 77);
  t.ok(first.filter((line) => line.includes('"type":"migration-step"')).length >= 5, 'the migration steps are in the history');
  t.ok(first.some((line) => line.includes('"type":"slot-moved"')), 'and the slot-moved event');
  const at = first.findIndex((line, i) => line !== second[i]);
  const differsAt = at >= 0 ? at : first.length !== second.length ? first.length : -1;
  t.equal(differsAt, -1, `identical histories (seed 77)${differsAt < 0 ? '' : `; first difference, event #${differsAt}:\n  ${first[differsAt] ?? '(none)'}\n  ${second[differsAt] ?? '(none)'}`}`);
});
