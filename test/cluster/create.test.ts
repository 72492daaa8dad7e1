/*
 * A six-node cluster made the way users make one: six `--cluster-enabled yes` processes, then
 * `redis-cli --cluster create ... --cluster-replicas 1 --cluster-yes`. Then everything a client or
 * redis-cli relies on: cluster_state, `--cluster check`, the CLUSTER NODES / INFO / SLOTS / SHARDS
 * replies, redirects with Redis's exact error texts (redis-wire.md §4.2), hash slots of the
 * §1.13 vectors, and the per-slot key index behind COUNTKEYSINSLOT / GETKEYSINSLOT.
 *
 * The subtests run in order on one cluster; if it never forms, the first subtest says why and the
 * others fail at once instead of each waiting for a deadline.
 */

import t from 'tap';
import { RawClient } from '../../bench/harness/raw-client';
import { parseReply, type RespNode } from '../../bench/harness/resp';
import { clusterTarget, LocalCluster, missingPrerequisite, RedirectingClient, runRedisCli, stripAnsi, type ClusterNode } from '../../bench/harness/cluster-harness';
import { isMaster, isReplica, keySlot, ownedSlots, parseInfoFields, SLOT_COUNT, type NodeLine } from '../../bench/harness/cluster-replies';

const kind = clusterTarget();
const problem = missingPrerequisite([kind]);

const CROSSSLOT = "-CROSSSLOT Keys in request don't hash to the same slot\r\n";

if (problem !== null) {
  t.plan(0, problem);
} else {
  let cluster: LocalCluster | null = null;
  let view: NodeLine[] = [];

  t.before(async () => {
    cluster = (await LocalCluster.launch(Array.from({ length: 6 }, () => kind))).attach(t);
  });

  /** The cluster, once it formed; a failed formation fails every later subtest immediately. */
  const formed = (): LocalCluster => {
    if (cluster === null || view.length === 0) throw new Error('the cluster did not form (see the first subtest)');
    return cluster;
  };

  const ownerOf = (slot: number): NodeLine => {
    const owner = view.find((n) => isMaster(n) && ownedSlots(n).includes(slot));
    if (owner === undefined) throw new Error(`no owner of slot ${slot}`);
    return owner;
  };

  t.test(`redis-cli --cluster create with 6 ${kind} nodes`, async (t) => {
    if (cluster === null) throw new Error('nodes not started');
    const result = await cluster.create(1);
    t.equal(result.code, 0, 'redis-cli --cluster create exits 0', { stdout: stripAnsi(result.stdout), stderr: result.stderr });
    t.match(stripAnsi(result.stdout), '[OK] All 16384 slots covered.');
    await cluster.waitForOk();
    t.pass('every node reports cluster_state:ok');
    view = await cluster.waitForAgreement(6);
    t.pass('every node agrees on CLUSTER NODES');
  });

  t.test('redis-cli --cluster check through a master and a replica', async (t) => {
    const c = formed();
    for (const node of [c.node(0), c.node(5)]) {
      const result = await runRedisCli(['--cluster', 'check', `127.0.0.1:${node.port}`]);
      const out = stripAnsi(result.stdout);
      t.equal(result.code, 0, `check via ${node.label} exits 0`, { stdout: out, stderr: result.stderr });
      t.match(out, '[OK] All nodes agree about slots configuration.');
      t.match(out, '[OK] All 16384 slots covered.');
      t.notMatch(out, '[ERR]');
    }
  });

  t.test('CLUSTER NODES on every node: 6 nodes, 3 masters own all slots once, 3 replicas', async (t) => {
    const c = formed();
    const ports = c.nodes.map((n) => n.port).sort();
    const lineFormat = /^[0-9a-f]{40} 127\.0\.0\.1:\d+@\d+ (myself,)?(master|slave) ([0-9a-f]{40}|-) \d+ \d+ \d+ connected( \d+(-\d+)?)*$/;
    for (const node of c.nodes) {
      const lines = await node.clusterNodes();
      t.equal(lines.length, 6, `${node.label} knows 6 nodes`);
      for (const line of lines) t.match(line.raw, lineFormat, `${node.label}: line format`);
      const myself = lines.filter((l) => l.flags.includes('myself'));
      t.equal(myself.length, 1, `${node.label}: one myself line`);
      t.equal(myself[0]?.port, node.port, `${node.label}: myself is this node`);
      t.equal(await node.call('CLUSTER', 'MYID').then((r) => parseReply(r).text.toString()), myself[0]?.id, 'CLUSTER MYID');
      t.same(lines.map((l) => l.port).sort(), ports, `${node.label}: the six ports`);
      t.ok(lines.every((l) => l.busPort === l.port + 10_000), `${node.label}: bus ports are port+10000`);
      const masters = lines.filter(isMaster);
      const replicas = lines.filter(isReplica);
      t.equal(masters.length, 3, `${node.label}: 3 masters`);
      t.equal(replicas.length, 3, `${node.label}: 3 replicas`);
      const owners = new Array<number>(SLOT_COUNT).fill(0);
      for (const master of masters) {
        const slots = ownedSlots(master);
        t.ok(slots.length > 5000, `${node.label}: master ${master.port} owns a third of the slots`);
        for (const slot of slots) owners[slot] = (owners[slot] ?? 0) + 1;
        t.equal(replicas.filter((r) => r.masterId === master.id).length, 1, `${node.label}: master ${master.port} has one replica`);
      }
      t.ok(owners.every((count) => count === 1), `${node.label}: every slot owned exactly once`);
      for (const replica of replicas) {
        const master = masters.find((m) => m.id === replica.masterId);
        t.ok(master !== undefined, `${node.label}: replica ${replica.port} follows a master`);
        t.same(replica.slotTokens, [], `${node.label}: replica ${replica.port} owns no slots`);
        t.equal(replica.configEpoch, master?.configEpoch, `${node.label}: replica ${replica.port} shows its master's configEpoch`);
      }
      t.equal(new Set(masters.map((m) => m.configEpoch)).size, 3, `${node.label}: masters have distinct configEpochs`);
    }
  });

  t.test('CLUSTER INFO fields, in order, on every node', async (t) => {
    const c = formed();
    const leading = ['cluster_state', 'cluster_slots_assigned', 'cluster_slots_ok', 'cluster_slots_pfail', 'cluster_slots_fail',
      'cluster_known_nodes', 'cluster_size', 'cluster_current_epoch', 'cluster_my_epoch'];
    for (const node of c.nodes) {
      const reply = await node.call('CLUSTER', 'INFO');
      t.equal(String.fromCharCode(reply[0] ?? 0), '$', `${node.label}: a bulk string in RESP2`);
      const text = parseReply(reply).text.toString('latin1');
      t.ok(text.endsWith('\r\n'), `${node.label}: CRLF-terminated lines`);
      const fields = parseInfoFields(text);
      const values = new Map(fields);
      t.same(fields.slice(0, leading.length).map(([k]) => k), leading, `${node.label}: leading fields`);
      t.same(
        leading.slice(0, 7).map((k) => `${k}:${values.get(k) ?? ''}`),
        ['cluster_state:ok', 'cluster_slots_assigned:16384', 'cluster_slots_ok:16384', 'cluster_slots_pfail:0',
          'cluster_slots_fail:0', 'cluster_known_nodes:6', 'cluster_size:3'],
        `${node.label}: state fields`,
      );
      const myself = await node.myself();
      const maxEpoch = Math.max(...view.map((n) => n.configEpoch));
      t.ok(Number(values.get('cluster_current_epoch')) >= maxEpoch, `${node.label}: current epoch >= every configEpoch`);
      t.equal(Number(values.get('cluster_my_epoch')), myself.configEpoch, `${node.label}: my_epoch is the epoch on its NODES line`);
      t.ok(Number(values.get('cluster_stats_messages_sent')) > 0, `${node.label}: messages sent counted`);
      t.ok(Number(values.get('cluster_stats_messages_received')) > 0, `${node.label}: messages received counted`);
      t.ok(Number(values.get('cluster_stats_messages_ping_sent')) > 0 || Number(values.get('cluster_stats_messages_pong_sent')) > 0,
        `${node.label}: per-type counters`);
      t.same(fields[fields.length - 1], ['total_cluster_links_buffer_limit_exceeded', '0'], `${node.label}: last field`);
      const names = fields.map(([k]) => k);
      t.ok(names.indexOf('cluster_stats_messages_sent') < names.indexOf('cluster_stats_messages_received'), 'sent before received');
    }
    const client = await RawClient.connect(c.node(0).port);
    try {
      await client.call('HELLO', '3');
      const resp3 = await client.call('CLUSTER', 'INFO');
      t.match(resp3.toString('latin1'), /^=\d+\r\ntxt:cluster_state:ok\r\n/, 'RESP3: a verbatim string of type txt');
    } finally {
      client.close();
    }
  });

  t.test('CLUSTER KEYSLOT: the redis-wire.md §1.13 vectors', async (t) => {
    const c = formed();
    const vectors: Array<[string, number]> = [
      ['123456789', 12739], ['foo', 12182], ['bar', 5061], ['hello', 866], ['{user1000}.following', 3443],
      ['{}foo', 9500], ['foo{}{bar}', 8363], ['foo{{bar}}zap', 4015],
    ];
    for (const [key, slot] of vectors) {
      t.equal(keySlot(key), slot, `the test's own slot function agrees for ${key}`);
      t.equal((await c.node(1).call('CLUSTER', 'KEYSLOT', key)).toString('latin1'), `:${slot}\r\n`, `KEYSLOT ${key}`);
    }
  });

  t.test('redirects and routing errors without -c, byte for byte', async (t) => {
    const c = formed();
    const owner = ownerOf(keySlot('foo'));
    t.equal((await c.byPort(owner.port).call('SET', 'foo', 'bar')).toString('latin1'), '+OK\r\n', 'the owner serves SET foo');
    const moved = `-MOVED 12182 127.0.0.1:${owner.port}\r\n`;
    const tagged = ownerOf(keySlot('{user1000}'));
    for (const node of c.nodes) {
      const label = node.label;
      if (node.port !== owner.port) {
        t.equal((await node.call('GET', 'foo')).toString('latin1'), moved, `${label}: GET foo is MOVED`);
        t.equal((await node.call('SET', 'foo', 'x')).toString('latin1'), moved, `${label}: SET foo is MOVED`);
      }
      if (node.port !== tagged.port) {
        t.equal((await node.call('MGET', '{user1000}.a', '{user1000}.b')).toString('latin1'),
          `-MOVED 3443 127.0.0.1:${tagged.port}\r\n`, `${label}: MGET with one hash tag is MOVED`);
      }
      t.equal((await node.call('MSET', 'foo', '1', 'bar', '2')).toString('latin1'), CROSSSLOT, `${label}: MSET across slots`);
      t.equal((await node.call('MGET', 'foo', 'bar')).toString('latin1'), CROSSSLOT, `${label}: MGET across slots`);
      t.equal((await node.call('SELECT', '1')).toString('latin1'), '-ERR SELECT is not allowed in cluster mode\r\n', `${label}: SELECT 1`);
      t.equal((await node.call('SELECT', '0')).toString('latin1'), '+OK\r\n', `${label}: SELECT 0`);
    }
    const client = await RawClient.connect(c.node(0).port);
    try {
      for (const command of ['ASKING', 'READONLY', 'READWRITE']) t.equal((await client.call(command)).toString('latin1'), '+OK\r\n', command);
    } finally {
      client.close();
    }
    const replica = view.find((n) => n.masterId === owner.id);
    if (replica === undefined) throw new Error('owner of foo has no replica');
    const readonly = await RawClient.connect(replica.port);
    try {
      t.equal((await readonly.call('READONLY')).toString('latin1'), '+OK\r\n');
      const reply = (await readonly.call('GET', 'foo')).toString('latin1');
      t.match(reply, /^\$/, 'a READONLY replica serves a read of its master\'s slot (no MOVED)');
      t.equal((await readonly.call('SET', 'foo', 'x')).toString('latin1'), moved, 'but a write is still MOVED');
    } finally {
      readonly.close();
    }
  });

  t.test('redis-cli -c sets and gets keys over many slots through every entry node', async (t) => {
    const c = formed();
    const perNode = 40;
    const keysOf = (i: number): string[] => Array.from({ length: perNode }, (_, j) => `cli:${i}:${j}`);
    const masterPorts = new Set<number>();
    for (let i = 0; i < c.nodes.length; i++) {
      const input = keysOf(i).map((k) => `SET ${k} v-${k}\n`).join('');
      const result = await runRedisCli(['-c', '-h', '127.0.0.1', '-p', String(c.node(i).port)], 30_000, input);
      const replies = result.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('-> Redirected'));
      t.equal(result.code, 0, `redis-cli -c via ${c.node(i).label} exits 0`);
      t.same(replies, keysOf(i).map(() => 'OK'), `${perNode} SETs via ${c.node(i).label}`, { stderr: result.stderr });
      for (const key of keysOf(i)) masterPorts.add(ownerOf(keySlot(key)).port);
    }
    t.equal(masterPorts.size, 3, 'the keys landed on all three masters');
    for (let i = 0; i < c.nodes.length; i++) {
      const keys = keysOf((i + 1) % c.nodes.length);
      const input = keys.map((k) => `GET ${k}\n`).join('');
      const result = await runRedisCli(['-c', '-h', '127.0.0.1', '-p', String(c.node(i).port)], 30_000, input);
      const replies = result.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('-> Redirected'));
      t.same(replies, keys.map((k) => `v-${k}`), `GETs via ${c.node(i).label} read keys set via another node`);
    }
  });

  t.test('COUNTKEYSINSLOT and GETKEYSINSLOT after writes', async (t) => {
    const c = formed();
    const client = new RedirectingClient();
    try {
      const keys = Array.from({ length: 25 }, (_, i) => `{slotted}:${i}`);
      for (const key of keys) t.equal((await client.call(c.node(3).port, 'SET', key, 'v')).toString('latin1'), '+OK\r\n');
      const slot = keySlot('{slotted}');
      const owner = c.byPort(ownerOf(slot).port);
      t.equal((await owner.call('CLUSTER', 'COUNTKEYSINSLOT', slot)).toString('latin1'), ':25\r\n', 'owner counts 25 keys');
      const all = parseReply(await owner.call('CLUSTER', 'GETKEYSINSLOT', slot, 100));
      t.same(all.items.map((i) => i.text.toString()).sort(), [...keys].sort(), 'GETKEYSINSLOT returns exactly those keys');
      const some = parseReply(await owner.call('CLUSTER', 'GETKEYSINSLOT', slot, 10));
      t.equal(some.items.length, 10, 'GETKEYSINSLOT honours the count');
      t.ok(some.items.every((i) => keys.includes(i.text.toString())), 'and returns keys of that slot');
      const emptySlot = (slot + 1) % SLOT_COUNT;
      t.equal((await owner.call('CLUSTER', 'COUNTKEYSINSLOT', emptySlot)).toString('latin1'), ':0\r\n', 'an empty slot');
      t.equal((await owner.call('CLUSTER', 'GETKEYSINSLOT', emptySlot, 10)).toString('latin1'), '*0\r\n');
      const other = c.nodes.find((n) => isMasterPort(n, view) && n.port !== owner.port);
      if (other !== undefined) {
        t.equal((await other.call('CLUSTER', 'COUNTKEYSINSLOT', slot)).toString('latin1'), ':0\r\n', 'another master holds none');
      }
      t.equal((await owner.call('CLUSTER', 'COUNTKEYSINSLOT', 16384)).toString('latin1'), '-ERR Invalid slot\r\n');
      t.equal((await owner.call('CLUSTER', 'GETKEYSINSLOT', 0, -1)).toString('latin1'), '-ERR Invalid slot or number of keys\r\n');
      t.equal((await owner.call('CLUSTER', 'GETKEYSINSLOT', 16384, 1)).toString('latin1'), '-ERR Invalid slot or number of keys\r\n');
      t.equal((await owner.call('CLUSTER', 'NOSUCH')).toString('latin1'), "-ERR unknown subcommand 'NOSUCH'. Try CLUSTER HELP.\r\n");
    } finally {
      client.close();
    }
  });

  t.test('CLUSTER SLOTS: ascending ranges covering every slot, master first', async (t) => {
    const c = formed();
    const slots = parseReply(await c.node(2).call('CLUSTER', 'SLOTS'));
    t.equal(slots.type, '*');
    let next = 0;
    for (const range of slots.items) {
      const [start, end, master, ...replicas] = range.items;
      t.equal(start?.type, ':', 'start is an integer');
      t.equal(end?.type, ':', 'end is an integer');
      t.equal(Number(start?.text), next, 'ranges are ascending and contiguous');
      next = Number(end?.text) + 1;
      const expectedOwner = ownerOf(Number(start?.text));
      checkSlotsNode(t, master, expectedOwner);
      t.ok(ownedSlots(expectedOwner).includes(Number(end?.text)), 'the same master owns the end of the range');
      for (const replica of replicas) {
        const replicaLine = view.find((n) => n.id === replica.items[2]?.text.toString());
        t.equal(replicaLine?.masterId, expectedOwner.id, 'a listed replica replicates the range\'s master');
        if (replicaLine !== undefined) checkSlotsNode(t, replica, replicaLine);
      }
    }
    t.equal(next, SLOT_COUNT, 'the ranges end at 16383');
  });

  t.test('CLUSTER SHARDS: one shard per master, Redis\'s key order', async (t) => {
    const c = formed();
    const shards = parseReply(await c.node(4).call('CLUSTER', 'SHARDS'));
    t.equal(shards.items.length, 3, 'three shards');
    const nodeKeys = ['id', 'port', 'ip', 'endpoint', 'role', 'replication-offset', 'health'];
    for (const shard of shards.items) {
      t.same(shard.items.filter((_, i) => i % 2 === 0).map((k) => k.text.toString()), ['slots', 'nodes'], 'shard keys');
      const slotBounds = (shard.items[1]?.items ?? []).map((i) => Number(i.text));
      t.ok((shard.items[1]?.items ?? []).every((i) => i.type === ':'), 'slots are integers');
      const members = shard.items[3]?.items ?? [];
      t.equal(members.length, 2, 'a master and its replica');
      const fields = members.map((m) => new Map(pairs(m).map(([k, v]) => [k, v])));
      for (const member of members) t.same(pairs(member).map(([k]) => k), nodeKeys, 'node map keys in order');
      const masterId = fields[0]?.get('id')?.text.toString();
      const master = view.find((n) => n.id === masterId);
      t.equal(fields[0]?.get('role')?.text.toString(), 'master', 'master first');
      t.equal(fields[1]?.get('role')?.text.toString(), 'replica', 'then its replica');
      t.equal(fields[0]?.get('port')?.type, ':', 'port is an integer');
      t.equal(fields[0]?.get('port')?.text.toString(), String(master?.port), 'port');
      t.equal(fields[0]?.get('ip')?.text.toString(), '127.0.0.1', 'ip');
      t.equal(fields[0]?.get('endpoint')?.text.toString(), '127.0.0.1', 'endpoint');
      t.equal(fields[0]?.get('replication-offset')?.type, ':', 'replication-offset is an integer');
      t.equal(fields[0]?.get('health')?.text.toString(), 'online', 'master health');
      t.match(fields[1]?.get('health')?.text.toString() ?? '', /^(online|loading)$/, 'replica health');
      t.equal(view.find((n) => n.id === fields[1]?.get('id')?.text.toString())?.masterId, masterId, 'the replica is the master\'s');
      const expanded: number[] = [];
      for (let i = 0; i + 1 < slotBounds.length; i += 2) {
        for (let s = slotBounds[i] ?? 0; s <= (slotBounds[i + 1] ?? -1); s++) expanded.push(s);
      }
      t.same(expanded, master === undefined ? [] : ownedSlots(master), 'slots are the master\'s, as flat start/end pairs');
    }
  });

  t.test('CLUSTER SLOTS agrees on every node, replicas included; SHARDS shows each replica online', async (t) => {
    const c = formed();
    // A fresh master's replication offset stays 0 until it first writes to its replicas (its
    // replication PING every 10 s), and replicas at offset 0 are hidden from CLUSTER SLOTS; one
    // write per master makes every offset non-zero at once.
    const client = new RedirectingClient();
    try {
      for (const master of view.filter(isMaster)) {
        const key = keyOwnedBy(master);
        t.equal((await client.call(c.node(0).port, 'SET', key, 'offset')).toString('latin1'), '+OK\r\n', `a write to ${master.port}`);
      }
    } finally {
      client.close();
    }
    await c.waitFor('every node gives the same CLUSTER SLOTS, each range with its replica', 20_000, async () => {
      const replies = await Promise.all(c.nodes.map((n) => n.call('CLUSTER', 'SLOTS')));
      const withReplica = replies.map((r) => parseReply(r).items.every((range) => range.items.length === 4));
      const ok = replies.every((r) => r.equals(replies[0] ?? r)) && withReplica.every(Boolean);
      const shown = (r: Buffer | undefined): string => JSON.stringify(r?.toString('latin1'));
      return { ok, detail: c.nodes.map((n, i) => `--- ${n.label} (every range has a replica: ${String(withReplica[i])}):\n${shown(replies[i])}`).join('\n') };
    });
    t.pass('all six CLUSTER SLOTS replies are identical and list master and replica of every range');
    await c.waitFor('every node\'s CLUSTER SHARDS shows every replica online at a non-zero offset', 20_000, async () => {
      const views = await Promise.all(c.nodes.map(async (n) => {
        const members = parseReply(await n.call('CLUSTER', 'SHARDS')).items.flatMap((shard) => shard.items[3]?.items ?? []);
        return members.map((m) => {
          const fields = new Map(pairs(m).map(([k, v]) => [k, v.text.toString()]));
          return `${fields.get('role') ?? '?'} ${fields.get('health') ?? '?'} ${fields.get('replication-offset') === '0' ? 'zero' : 'non-zero'}`;
        });
      }));
      const ok = views.every((members) => members.length === 6 && members.every((m) => m.endsWith('online non-zero')));
      return { ok, detail: c.nodes.map((n, i) => `${n.label}: ${(views[i] ?? []).join(', ')}`).join('\n') };
    });
    t.pass('every node, each replica included, sees every replica online');
  });
}

/** A key in one of the master's slots (the first of `offset-0`, `offset-1`, ... that is). */
function keyOwnedBy(master: NodeLine): string {
  const owned = new Set(ownedSlots(master));
  for (let i = 0; ; i++) if (owned.has(keySlot(`offset-${i}`))) return `offset-${i}`;
}

function isMasterPort(node: ClusterNode, view: readonly NodeLine[]): boolean {
  return view.some((n) => n.port === node.port && isMaster(n));
}

/** A RESP2 map (flat array of key, value) as [key, value] pairs. */
function pairs(map: RespNode): Array<[string, RespNode]> {
  const result: Array<[string, RespNode]> = [];
  for (let i = 0; i + 1 < map.items.length; i += 2) {
    const key = map.items[i];
    const value = map.items[i + 1];
    if (key !== undefined && value !== undefined) result.push([key.text.toString(), value]);
  }
  return result;
}

/** A CLUSTER SLOTS node entry: [ip, port, id, {}], in RESP2 `*4 $ip :port $id *0`. */
function checkSlotsNode(t: tap.Test, entry: RespNode | undefined, expected: NodeLine): void {
  t.equal(entry?.items.length, 4, 'node entry has ip, port, id, extra');
  t.equal(entry?.items[0]?.text.toString(), '127.0.0.1', 'ip');
  t.equal(entry?.items[1]?.type, ':', 'port is an integer');
  t.equal(Number(entry?.items[1]?.text), expected.port, 'port');
  t.equal(entry?.items[2]?.text.toString(), expected.id, 'id');
  t.equal(entry?.items[3]?.raw.toString('latin1'), '*0\r\n', 'no extra fields');
}
