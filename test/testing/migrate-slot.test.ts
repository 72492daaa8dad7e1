/**
 * cluster.migrateSlot seen through the public entry point: a slot moved with redis-cli's
 * commands while an ioredis Cluster client keeps reading and writing its keys, paused mid-way so
 * a plain client can be shown -ASK and the answer after ASKING, then resumed to the end.
 *
 * What "ends in Redis's state" means here: every key on the target with its last written value,
 * no key left on the source, no slot left open on either, every node's CLUSTER SLOTS naming the
 * target, and the steps reported as events in redis-cli's order (cluster-spec.md, "Live
 * reconfiguration" and "ASK redirection").
 */
import t from 'tap';
import { eventually } from '../helpers/eventually';
import Redis, { type Cluster } from 'ioredis';
import { startCluster, type TestCluster, type TestEventOf, type TestNode } from '../../server/testing';

type Test = tap.Test;


function plain(t: Test, node: TestNode): Redis {
  const client = new Redis(node.port, node.host, { maxRetriesPerRequest: 0 });
  t.teardown(() => client.disconnect());
  return client;
}

function errorOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    (value) => `no error (${JSON.stringify(value)})`,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
}

/**
 * Workers that write and read the slot's keys until stopped. Each key is written by one worker
 * only, so a read must return exactly that worker's last acknowledged write. The pipelines hold
 * one key each: ioredis retries a pipeline on -ASK only when every command in it got the same
 * redirect, and keys of one slot split between two nodes would give it mixed answers, against
 * redis-server just the same.
 */
class Load {
  readonly failures: string[] = [];
  readonly lastWritten = new Map<string, string>();
  operations = 0;
  private stopped = false;
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly client: Cluster,
    private readonly keys: readonly string[],
    workers: number,
  ) {
    for (const key of keys) this.lastWritten.set(key, `${key}:initial`);
    for (let w = 0; w < workers; w++) this.workers.push(this.work(keys.filter((_, i) => i % workers === w)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }

  private async work(mine: readonly string[]): Promise<void> {
    for (let round = 0; !this.stopped; round++) {
      const key = mine[round % mine.length] ?? '';
      const other = mine[(round * 7 + 3) % mine.length] ?? '';
      const value = `${key}:${round}`;
      const [pipelined, read] = await Promise.all([
        this.client.pipeline().set(key, value).get(key).exec(),
        this.client.get(other).catch((err: unknown) => err as Error),
      ]);
      const [setReply, getReply] = pipelined ?? [];
      if (setReply?.[0] != null || getReply?.[0] != null) this.failures.push(`pipeline on ${key}: ${String(setReply?.[0] ?? getReply?.[0])}`);
      else if (getReply?.[1] !== value) this.failures.push(`GET ${key} after SET ${value} read ${String(getReply?.[1])}`);
      else this.lastWritten.set(key, value);
      if (read instanceof Error) this.failures.push(`GET ${other}: ${read.message}`);
      else if (other !== key && read !== this.lastWritten.get(other)) this.failures.push(`GET ${other} read ${String(read)}, expected ${String(this.lastWritten.get(other))}`);
      this.operations += 3;
    }
  }
}

async function slotOf(t: Test, cluster: TestCluster, key: string): Promise<number> {
  return Number(await plain(t, cluster.primary(0)).call('CLUSTER', 'KEYSLOT', key));
}

/** The port of the master serving `slot` in `node`'s CLUSTER SLOTS. */
async function slotsOwnerPort(client: Redis, slot: number): Promise<number | null> {
  const ranges = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
  const range = ranges.find(([first, last]) => first <= slot && slot <= last);
  return range?.[2][1] ?? null;
}

t.test('a slot moves under an ioredis Cluster load: -ASK mid-way, no failed command, every key on the target', async (t) => {
  const cluster = await startCluster({ seed: 21 });
  t.teardown(() => cluster.close());
  const keys = Array.from({ length: 200 }, (_, i) => `{m}:${i}`);
  const slot = await slotOf(t, cluster, '{m}');
  const source = cluster.nodeForKey('{m}');
  const target = cluster.primary((source.shard + 1) % 3);
  const client = new Redis.Cluster(cluster.startupNodes);
  t.teardown(() => client.disconnect());
  for (const key of keys) await client.set(key, `${key}:initial`);
  const steps: Array<TestEventOf<'migration-step'>> = [];
  cluster.on('migration-step', (event) => steps.push(event));
  const slotMoved = cluster.next('slot-moved', { timeoutMs: 30_000 });

  const load = new Load(client, keys, 4);
  t.teardown(() => load.stop());
  await eventually(10_000, async () => {
    if (load.operations < 100) throw new Error(`only ${load.operations} operations before the migration`);
  });

  const paused = await cluster.migrateSlot(slot, target, { keysPerStep: 10, pause: true });
  t.equal(paused.from, source, 'the source is the slot\'s owner');
  t.equal(paused.to, target);
  t.equal(paused.movedKeys.length, 10, 'one step of 10 keys moved before the pause');
  const moved = paused.movedKeys[0] ?? '';
  const stayed = keys.find((key) => !paused.movedKeys.includes(key)) ?? '';

  // Mid-way, as a client without cluster support sees it.
  const atSource = plain(t, source);
  const atTarget = plain(t, target);
  t.equal(await errorOf(atSource.get(moved)), `ASK ${slot} ${target.host}:${target.port}`, 'a moved key: -ASK to the target');
  t.equal(await errorOf(atSource.get('{m}:never-written')), `ASK ${slot} ${target.host}:${target.port}`, 'a missing key: -ASK too');
  t.match(await atSource.get(stayed), new RegExp(`^\\{m\\}:\\d+:`), 'a key not yet moved is served by the source');
  t.equal(await errorOf(atTarget.get(moved)), `MOVED ${slot} ${source.host}:${source.port}`, 'the target without ASKING: -MOVED back');
  // One connection, in order: ASKING applies to the command right after it.
  const [asking, value] = await Promise.all([atTarget.call('ASKING'), atTarget.get(moved)]);
  t.equal(asking, 'OK');
  t.match(value, new RegExp(`^${moved.replace(/[{}]/g, '\\$&')}:`), 'the target after ASKING: the value');
  // The load goes on while paused, and writes keys that only the target has now: through -ASK.
  const atPause = load.operations;
  const movedValues = paused.movedKeys.map((key) => load.lastWritten.get(key));
  await eventually(10_000, async () => {
    if (load.operations < atPause + 300) throw new Error(`only ${load.operations - atPause} operations while paused`);
    if (paused.movedKeys.every((key, i) => load.lastWritten.get(key) === movedValues[i])) throw new Error('no moved key written while paused');
  });

  const done = await paused.resume();
  t.equal(await paused.resume(), done, 'resume() twice gives the same result');
  t.same({ slot: done.slot, keys: done.keys }, { slot, keys: keys.length });
  const afterMove = load.operations;
  await eventually(10_000, async () => {
    if (load.operations < afterMove + 300) throw new Error(`only ${load.operations - afterMove} operations after the move`);
  });
  await load.stop();
  t.same(load.failures, [], 'the cluster client saw no failed command and no stale read');

  t.equal(cluster.nodeForKey('{m}'), target, 'nodeForKey follows the slot');
  t.equal(await atSource.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)), 0, 'nothing left on the source');
  t.equal(await atTarget.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)), keys.length, 'every key on the target');
  for (const key of keys) {
    t.equal(await atTarget.get(key), load.lastWritten.get(key), `${key} has its last written value`);
  }
  for (const node of [source, target]) {
    t.notMatch(await plain(t, node).call('CLUSTER', 'NODES'), /\[\d+-[<>]-/, `no slot left open on port ${node.port}`);
  }
  await eventually(10_000, async () => {
    for (const node of cluster.nodes) {
      const port = await slotsOwnerPort(plain(t, node), slot);
      if (port !== target.port) throw new Error(`port ${node.port} still says ${port}`);
    }
  });
  t.pass('every node, replicas too, serves the slot from the target');

  const kinds = steps.filter((e) => e.slot === slot).map((e) => e.step);
  t.same([kinds[0], kinds[1], kinds.at(-1)], ['importing', 'migrating', 'assigned'], 'steps in redis-cli\'s order');
  t.equal(kinds.filter((k) => k === 'keys').length, keys.length / 10, 'one keys step per 10 keys');
  t.equal(steps.filter((e) => e.step === 'keys').reduce((sum, e) => sum + e.keys, 0), keys.length);
  t.has(await slotMoved, { slot, from: source.id, to: target.id, keys: keys.length, node: target.id });
});

t.test('an empty slot: the pause comes after MIGRATING, and a new key is sent with -ASK', async (t) => {
  const cluster = await startCluster({ seed: 22, replicasPerShard: 0 });
  t.teardown(() => cluster.close());
  const slot = await slotOf(t, cluster, '{e}');
  const source = cluster.nodeForKey('{e}');
  const target = cluster.primary((source.shard + 2) % 3);
  const paused = await cluster.migrateSlot(slot, target, { pause: true });
  t.same(paused.movedKeys, []);
  t.equal(await errorOf(plain(t, source).set('{e}new', 'v')), `ASK ${slot} ${target.host}:${target.port}`);
  const atTarget = plain(t, target);
  const [, set] = await Promise.all([atTarget.call('ASKING'), atTarget.set('{e}new', 'v')]);
  t.equal(set, 'OK', 'created on the importing target after ASKING');
  const done = await paused.resume();
  t.equal(done.keys, 0, 'the key created on the target was never the source\'s to move');
  t.equal(cluster.nodeForKey('{e}'), target);
  t.equal(await atTarget.get('{e}new'), 'v');
  // And back, without a pause, through the node's index.
  const back = await cluster.migrateSlot(slot, cluster.nodes.indexOf(source));
  t.same([back.from, back.to, back.keys], [target, source, 1]);
  t.equal(await plain(t, source).get('{e}new'), 'v');
});

t.test('bad calls are refused before anything is sent; a refused step leaves the slot as redis-cli would', async (t) => {
  const cluster = await startCluster({ seed: 23 });
  t.teardown(() => cluster.close());
  const slot = await slotOf(t, cluster, '{b}');
  const source = cluster.nodeForKey('{b}');
  const target = cluster.primary((source.shard + 1) % 3);
  await t.rejects(cluster.migrateSlot(16384, target), /slot must be an integer 0-16383/);
  await t.rejects(cluster.migrateSlot(slot, target, { keysPerStep: 0 }), /keysPerStep must be an integer >= 1/);
  await t.rejects(cluster.migrateSlot(slot, source), /already on port/);
  await t.rejects(cluster.migrateSlot(slot, cluster.replicas(target.shard)[0] ?? -1), /is a replica/);
  await t.rejects(cluster.migrateSlot(slot, 99), /unknown node 99/);
  t.same(cluster.history().filter((e) => e.type === 'migration-step'), [], 'no step was taken');

  // The source refuses MIGRATING: the target is left IMPORTING, as redis-cli would leave it.
  source.failCommands('ERR injected');
  await t.rejects(cluster.migrateSlot(slot, target), /CLUSTER SETSLOT.*on port \d+ .*: ERR injected/);
  source.failCommands(null);
  t.match(await plain(t, target).call('CLUSTER', 'NODES'), new RegExp(`\\[${slot}-<-${source.id}\\]`), 'the target still imports');
  t.same(cluster.history().filter((e) => e.type === 'migration-step').map((e) => (e.type === 'migration-step' ? e.step : '')), ['importing']);
  const done = await cluster.migrateSlot(slot, target);
  t.equal(done.from, source, 'a second run completes it');
  t.equal(cluster.nodeForKey('{b}'), target);
});
