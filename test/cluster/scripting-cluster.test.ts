/*
 * EVAL and FCALL in cluster mode, on a redis-server cluster and a hashslot cluster side by side:
 * the same steps sent to the same node of each, replies compared byte for byte once each port
 * is replaced by its node's number (MOVED 16383 127.0.0.1:<node 2>).
 *
 * Two places check a script's keys, and they answer differently:
 *
 *   EVAL body 1 k ──▶ dispatcher: the declared keys      CROSSSLOT / MOVED / ASK / CLUSTERDOWN,
 *                     (before anything runs)              as for any keyed command
 *   redis.call(...) ─▶ the script checks (redis-api.ts)  "Script attempted to access a non local
 *                     (every command, declared or not)    key in a cluster node" for any redirect;
 *                                                         "...while the cluster is down" (and
 *                                                         "...down and readonly" for a write);
 *                                                         "...keys that do not hash to the same
 *                                                         slot" for a script held to one slot
 *
 * A script without a shebang is in compatibility mode and may touch keys of several local slots;
 * a `#!lua` script or a function may not, unless flagged allow-cross-slot-keys. An EVAL with no
 * keys runs on any node. The caller's ASKING reaches the script's commands, so a script may
 * write to an importing slot.
 *
 * Part 1 is a three-master cluster of each kind (slots 0-5460 on node 0, 5461-10922 on node 1,
 * 10923-16383 on node 2, as redis-cli --cluster create assigns them); part 2 a lone node of each
 * kind owning all slots but one, so its cluster is down.
 */
import t from 'tap';
import { clusterTarget, LocalCluster, missingPrerequisite, type ClusterNode, type NodeKind } from '../../bench/harness/cluster-harness';
import { keyInSlot } from '../../bench/harness/cluster-replies';
import type { Arg } from '../../bench/harness/resp';
import { ClusterSide, formMasterReplica } from '../helpers/cluster-side';
import { delay } from '../../bench/harness/server-process';

type Test = tap.Test;

const kind = clusterTarget();
const problem = missingPrerequisite(['redis', kind]);

/** Two keys of different slots served by node 0, and keys of nodes 1 and 2. */
const LOCAL_A = keyInSlot(0);
const LOCAL_B = keyInSlot(1);
const OF_NODE_1 = keyInSlot(6000);
const OF_NODE_2 = keyInSlot(16383);
/** A slot of node 2 that node 0 imports in the ASKING steps, and a key of it. */
const IMPORTED_SLOT = 16000;
const IMPORTED = keyInSlot(IMPORTED_SLOT);

/** A known difference on hashslot; with HASHSLOT_CLUSTER_TARGET=redis the step runs for real. */

// ─── Both clusters, one connection per node ─────────────────────────────────────────────────────


/** Sends `argv` to node `index` of both clusters and asserts the replies are the same. */
async function same(tt: Test, redis: ClusterSide, target: ClusterSide, index: number, argv: readonly Arg[], options: { todo?: string } = {}): Promise<void> {
  const [r, h] = await Promise.all([redis.call(index, argv), target.call(index, argv)]);
  const label = `node ${index}: ${argv.map((a) => String(a).replace(/\n/g, '\\n')).join(' ').slice(0, 140)}`;
  tt.equal(h, r, label, { ...options, at: null, stack: '' });
}

async function launch(tt: Test, kinds: readonly NodeKind[]): Promise<LocalCluster> {
  return (await LocalCluster.launch(kinds)).attach(tt);
}

// ─── Part 1: three masters ──────────────────────────────────────────────────────────────────────

const evalOf = (body: string, ...keysAndArgs: string[]): string[] => ['EVAL', body, ...keysAndArgs];
const get = (key: string): string => `return redis.call("get", "${key}")`;

async function threeMasters(tt: Test): Promise<void> {
  const [redisCluster, targetCluster] = await Promise.all([launch(tt, ['redis', 'redis', 'redis']), launch(tt, [kind, kind, kind])]);
  await Promise.all([redisCluster.createOrThrow(0), targetCluster.createOrThrow(0)]);
  await Promise.all([redisCluster.waitForOk(), targetCluster.waitForOk()]);
  const [redis, target] = await ClusterSide.connectBoth(tt, redisCluster, targetCluster);
  const step = (index: number, argv: readonly Arg[], options: { todo?: string } = {}): Promise<void> => same(tt, redis, target, index, argv, options);

  // An EVAL without keys runs wherever it is sent.
  for (const node of [0, 1, 2]) {
    await step(node, evalOf('return 1', '0'));
    await step(node, evalOf('return redis.call("ping")', '0'));
  }

  // Declared keys: routed by the dispatcher like any keyed command.
  await step(0, evalOf('return redis.call("set", KEYS[1], "v")', '2', LOCAL_A, LOCAL_B));
  await step(0, evalOf('return redis.call("get", KEYS[1])', '1', OF_NODE_2));
  await step(0, evalOf('return redis.call("get", KEYS[1])', '2', `{${OF_NODE_2}}a`, `{${OF_NODE_2}}b`));
  await step(0, ['EVAL_RO', 'return redis.call("get", KEYS[1])', '1', OF_NODE_1]);
  await step(0, ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '1', OF_NODE_2]);
  await step(0, ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '2', LOCAL_A, LOCAL_B]);
  await step(0, ['FCALL', 'nosuch', '1', OF_NODE_1]);
  await step(0, evalOf('return redis.call("set", KEYS[1], ARGV[1])', '1', LOCAL_A, 'declared'));

  // Undeclared keys of other nodes: the script checks refuse them.
  await step(0, evalOf(get(OF_NODE_2), '0'));
  await step(0, evalOf(get(OF_NODE_1), '1', LOCAL_A));
  await step(0, evalOf(`return redis.pcall("get", "${OF_NODE_2}")`, '0'));
  await step(0, evalOf(`local r = redis.pcall("set", "${OF_NODE_1}", "x") return {type(r), r.err}`, '0'));
  await step(0, evalOf(`local ok, e = pcall(redis.call, "get", "${OF_NODE_2}") return {tostring(ok), type(e)}`, '0'));
  await step(0, evalOf(`redis.call("set", "${LOCAL_A}", "1")\nreturn redis.call("mget", "${LOCAL_A}", "${OF_NODE_2}")`, '0'));
  await step(1, evalOf(get(LOCAL_A), '0'));
  await step(2, evalOf(get(OF_NODE_2), '0'));

  // Undeclared keys of two local slots: allowed in compatibility mode, also a multi-key command
  // across them is a "non local key" (it is a CROSSSLOT redirect to the checks).
  await step(0, evalOf(`redis.call("set", "${LOCAL_A}", "1") return redis.call("set", "${LOCAL_B}", "2")`, '0'));
  await step(0, evalOf(`return redis.call("mget", "${LOCAL_A}", "${LOCAL_B}")`, '0'));
  await step(0, evalOf(`redis.call("set", KEYS[1], "1") return redis.call("get", "${LOCAL_B}")`, '1', LOCAL_A));

  // A script with a shebang is held to one slot unless it says allow-cross-slot-keys.
  await step(0, evalOf(`#!lua\nredis.call("set", "${LOCAL_A}", "1")\nreturn redis.call("set", "${LOCAL_B}", "2")`, '0'));
  await step(0, evalOf(`#!lua\nredis.call("set", KEYS[1], "1")\nreturn redis.call("get", "${LOCAL_B}")`, '1', LOCAL_A));
  await step(0, evalOf(`#!lua\nredis.call("set", "${LOCAL_A}", "1")\nreturn redis.pcall("get", "${LOCAL_B}")`, '0'));
  await step(0, evalOf(`#!lua\nredis.call("set", "${LOCAL_A}", "1")\nreturn redis.call("get", "${LOCAL_A}")`, '0'));
  await step(0, evalOf(`#!lua\nreturn redis.call("get", "${OF_NODE_2}")`, '0'));
  await step(0, evalOf(`#!lua flags=allow-cross-slot-keys\nredis.call("set", "${LOCAL_A}", "1")\nreturn redis.call("set", "${LOCAL_B}", "2")`, '0'));
  await step(0, evalOf('#!lua flags=no-cluster\nreturn 1', '0'));

  // Functions are never in compatibility mode.
  await step(0, ['FUNCTION', 'LOAD', [
    '#!lua name=slots',
    "redis.register_function('two', function(keys, args) redis.call('set', keys[1], '1') return redis.call('set', args[1], '2') end)",
    "redis.register_function{function_name='twofree', callback=function(keys, args) redis.call('set', keys[1], '1') return redis.call('set', args[1], '2') end, flags={'allow-cross-slot-keys'}}",
    "redis.register_function('far', function(keys, args) return redis.call('get', args[1]) end)",
  ].join('\n')]);
  await step(0, ['FCALL', 'two', '1', LOCAL_A, LOCAL_B]);
  await step(0, ['FCALL', 'two', '1', LOCAL_A, LOCAL_A]);
  await step(0, ['FCALL', 'twofree', '1', LOCAL_A, LOCAL_B]);
  await step(0, ['FCALL', 'far', '0', OF_NODE_2]);
  await step(0, ['FCALL', 'far', '1', OF_NODE_2, LOCAL_A]);

  // Cluster-mode rules for commands inside scripts.
  await step(0, evalOf('return redis.call("select", 1)', '0'));
  await step(0, evalOf('local k = redis.call("keys", "*") table.sort(k) return k', '0'));
  await step(0, evalOf('return redis.call("cluster", "keyslot", "x")', '0'));

  // ASKING reaches the script's commands: node 0 imports a slot of node 2.
  const owner = await targetCluster.node(2).myself();
  const redisOwner = await redisCluster.node(2).myself();
  await Promise.all([
    redis.call(0, ['CLUSTER', 'SETSLOT', String(IMPORTED_SLOT), 'IMPORTING', redisOwner.id]),
    target.call(0, ['CLUSTER', 'SETSLOT', String(IMPORTED_SLOT), 'IMPORTING', owner.id]),
  ]);
  await step(0, evalOf('return redis.call("set", KEYS[1], "v")', '1', IMPORTED));
  await step(0, ['ASKING']);
  await step(0, evalOf('return redis.call("set", KEYS[1], "v")', '1', IMPORTED));
  await step(0, ['ASKING']);
  await step(0, evalOf(`return redis.call("get", "${IMPORTED}")`, '0'));
  await step(0, evalOf(`return redis.call("get", "${IMPORTED}")`, '0'));
  await step(0, ['CLUSTER', 'SETSLOT', String(IMPORTED_SLOT), 'STABLE']);
}

// ─── Part 2: a cluster that is down ─────────────────────────────────────────────────────────────

/** Polls until `node` answers `argv` with `expected` (the cluster state changed). */
async function until(node: ClusterNode, argv: readonly Arg[], expected: string, deadlineMs = 15_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const reply = (await node.call(...argv)).toString('latin1');
    if (reply === expected) return;
    if (Date.now() > deadline) throw new Error(`${node.label} still answers ${JSON.stringify(reply)} to ${argv.join(' ')}`);
    await delay(20);
  }
}

async function clusterDown(tt: Test): Promise<void> {
  const [redisCluster, targetCluster] = await Promise.all([launch(tt, ['redis']), launch(tt, [kind])]);
  const redis = new ClusterSide(redisCluster);
  const target = new ClusterSide(targetCluster);
  tt.teardown(() => {
    redis.close();
    target.close();
  });
  // All slots but the last: the state is fail ("The cluster is down"), the last slot unserved.
  for (const cluster of [redisCluster, targetCluster]) {
    const node = cluster.node(0);
    await node.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16382');
    await until(node, ['GET', LOCAL_A], '-CLUSTERDOWN The cluster is down\r\n');
  }
  await Promise.all([redis.connect(), target.connect()]);
  const step = (argv: readonly Arg[]): Promise<void> => same(tt, redis, target, 0, argv);

  await step(evalOf('return 1', '0'));
  await step(evalOf('return redis.call("get", KEYS[1])', '1', LOCAL_A));
  await step(evalOf(get(LOCAL_A), '0'));
  await step(evalOf(`return redis.pcall("set", "${LOCAL_A}", "v")`, '0'));
  await step(evalOf(get(OF_NODE_2), '0'));
  await step(evalOf('return redis.call("ping")', '0'));

  // Reads allowed while down: a write is refused with its own text.
  await step(['CONFIG', 'SET', 'cluster-allow-reads-when-down', 'yes']);
  await step(evalOf(get(LOCAL_A), '0'));
  await step(evalOf('return redis.call("get", KEYS[1])', '1', LOCAL_A));
  await step(evalOf(`return redis.call("set", "${LOCAL_A}", "v")`, '0'));
  await step(evalOf(`return redis.pcall("set", "${LOCAL_A}", "v")`, '0'));
  await step(evalOf('return redis.call("set", KEYS[1], "v")', '1', LOCAL_A));
  await step(['EVAL_RO', 'return redis.call("get", KEYS[1])', '1', LOCAL_A]);
  await step(evalOf(get(OF_NODE_2), '0'));
  // A declared script is a write unless no-writes, before it runs.
  await step(evalOf('#!lua\nreturn 1', '1', LOCAL_A));
  await step(evalOf('#!lua flags=no-writes\nreturn 1', '1', LOCAL_A));
}

// ─── Part 3: a master and its replica ───────────────────────────────────────────────────────────

/**
 * Routing takes a script's write flag from its declared flags, before it runs: a `#!lua` script
 * or a function without no-writes is a write, so a READONLY client of the replica is sent to the
 * master (MOVED) rather than refused by the replica's READONLY guard, also with EVAL_RO/FCALL_RO.
 */
async function replicaReads(tt: Test): Promise<void> {
  const [redisCluster, targetCluster] = await Promise.all([launch(tt, ['redis', 'redis']), launch(tt, [kind, kind])]);
  const library = [
    '#!lua name=rw',
    "redis.register_function('rget', function(keys) return redis.call('get', keys[1]) end)",
    "redis.register_function{function_name='roget', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}",
  ].join('\n');
  for (const cluster of [redisCluster, targetCluster]) {
    const [master, replica] = [cluster.node(0), cluster.node(1)];
    await formMasterReplica(cluster);
    await master.call('FUNCTION', 'LOAD', library);
    // The library reached the replica (its functions may list in another order).
    await cluster.waitFor('the replica has the library', 15_000, async () => {
      const reply = (await replica.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'rw')).toString('latin1');
      return { ok: reply.startsWith('*1\r\n'), detail: reply };
    });
  }
  const [redis, target] = await ClusterSide.connectBoth(tt, redisCluster, targetCluster);
  const step = (argv: readonly Arg[]): Promise<void> => same(tt, redis, target, 1, argv);
  const body = "#!lua\nreturn redis.call('get',KEYS[1])";
  await step(['READONLY']);
  await step(['EVAL', body, '1', LOCAL_A]);
  await step(['EVAL_RO', body, '1', LOCAL_A]);
  await step(['EVAL', "#!lua flags=no-writes\nreturn redis.call('get',KEYS[1])", '1', LOCAL_A]);
  await step(['EVAL', "return redis.call('get',KEYS[1])", '1', LOCAL_A]);
  await step(['EVAL_RO', "return redis.call('get',KEYS[1])", '1', LOCAL_A]);
  await step(['SCRIPT', 'LOAD', body]);
  await step(['EVALSHA', 'c7b7c8b7443fddcaf90f8928c83198a758b6d732', '1', LOCAL_A]);
  await step(['FCALL', 'rget', '1', LOCAL_A]);
  await step(['FCALL_RO', 'rget', '1', LOCAL_A]);
  await step(['FCALL', 'roget', '1', LOCAL_A]);
  await step(['FCALL_RO', 'roget', '1', LOCAL_A]);
  await step(['FCALL', 'nosuch', '1', LOCAL_A]);
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  t.test(`EVAL and FCALL on three redis-server masters and three ${kind} masters`, threeMasters);
  t.test(`scripts on a lone redis-server node and a lone ${kind} node whose cluster is down`, clusterDown);
  t.test(`scripts on the READONLY replica of a redis-server master and of a ${kind} master`, replicaReads);
}
