/**
 * Forming a test cluster from freshly started nodes, as `redis-cli --cluster create` would, but
 * through the nodes' admin inputs directly (no client round trips) and with every node meeting
 * every other one, so the handshakes finish in one exchange instead of spreading by gossip:
 *
 *   primaries: ADDSLOTS of an even share ─ every node: SET-CONFIG-EPOCH i+1 ─ MEET the others
 *   ─▶ all know all ─▶ replicas: REPLICATE their primary ─▶ every node cluster_state:ok and every
 *   replica's link to its primary up, its primary's configEpoch known
 *
 * A master normally waits 2 s after start-up before it declares the cluster ok (Redis's
 * CLUSTER_WRITABLE_DELAY); test nodes start with that wait at 0, the one difference from
 * redis-server's behaviour, and only here.
 */
import * as path from 'node:path';
import type { AdminOp } from '../../cluster-bus/cluster-state';
import { evenSlotShare } from '../../storage/key-slot';
import type { NodesConfStore } from '../cluster/nodes-conf-file';
import type { Directives } from '../start';
import type { ClusterClock } from './cluster-clock';
import type { TestNode } from './test-node';

/**
 * The directives of a test node (`fileTag` names its files in `dir`): cluster mode, nothing
 * persisted unless the test asks.
 */
export function nodeDirectives(dir: string, fileTag: string, nodeTimeoutMs: number, extra: Directives): Directives {
  return {
    bind: '127.0.0.1',
    'cluster-enabled': 'yes',
    'cluster-node-timeout': nodeTimeoutMs,
    'cluster-config-file': `nodes-${fileTag}.conf`,
    dir: path.resolve(dir),
    dbfilename: `dump-${fileTag}.rdb`,
    save: '',
    appendonly: 'no',
    // A replica's first sync starts at once instead of after Redis's default 5 s wait for others.
    'repl-diskless-sync-delay': 0,
    ...extra,
  };
}

/** nodes.conf in memory: it survives a kill and is read at restart, and never touches the disk. */
export function memoryNodesConf(): NodesConfStore {
  let text: string | null = null;
  return {
    read: () => text,
    write: (next) => {
      text = next;
    },
  };
}

/**
 * Forms the cluster, or, when every node loaded a nodes.conf that already names the whole
 * cluster (hashslot-cluster started again on its directory), lets it rejoin: no admin step,
 * just the wait for every node to be ok. A mix of both is refused rather than patched up.
 */
export async function formOrRejoin(nodes: readonly TestNode[], shards: number, clock: ClusterClock, timeoutMs: number): Promise<void> {
  const known = nodes.map((node) => node.redisNode.cluster?.state.nodes.size ?? 0);
  if (known.every((size) => size === 1)) {
    await formCluster(nodes, shards, clock, timeoutMs);
    return;
  }
  if (!known.every((size) => size === nodes.length)) {
    throw new Error(`the nodes' saved nodes.conf files describe another cluster (nodes known: ${known.join(', ')}); remove them to form a new one`);
  }
  await waitUntil(clock, timeoutMs, 'cluster_state:ok on every node (rejoining)', () => {
    for (const node of nodes) node.redisNode.cluster?.runCronNow();
    return nodes.every((node) => node.redisNode.cluster?.state.state === 'ok');
  });
}

async function formCluster(nodes: readonly TestNode[], shards: number, clock: ClusterClock, timeoutMs: number): Promise<void> {
  // Each handshake and each slot claim would wait for the next 100 ms bus cron; run the crons
  // (bus and node, whose cron makes a new replica connect) at every poll instead.
  const kick = (): void => {
    for (const node of nodes) {
      node.redisNode.cluster?.runCronNow();
      node.redisNode.cron();
    }
  };
  const admin = (node: TestNode, op: AdminOp): void => {
    const result = node.redisNode.cluster?.admin(op);
    if (result === undefined) throw new Error(`node on port ${node.port} is not in cluster mode`);
    if (!result.ok) throw new Error(`${op.type} on port ${node.port}: ${result.error}`);
  };
  nodes.forEach((node, i) => {
    if (i < shards) {
      admin(node, { type: 'addslots', slots: evenSlotShare(i, shards) });
    }
    admin(node, { type: 'set-config-epoch', epoch: BigInt(i + 1) });
  });
  nodes.forEach((node, i) => {
    // Each node meets those before it, so replicas meet primaries: the side that sends MEET
    // hears the other's configEpoch in its first PING after the handshake, where the side met
    // learns the sender's only at a later ping (see knowsMasterEpoch).
    for (const other of nodes.slice(0, i)) admin(node, { type: 'meet', ip: other.host, port: other.port, cport: other.busPort });
  });
  await waitUntil(clock, timeoutMs, 'every node to know the others', () => {
    kick();
    return nodes.every((node) => {
      const state = node.redisNode.cluster?.state;
      return state !== undefined && state.nodes.size === nodes.length && [...state.nodes.values()].every((n) => !n.inHandshake);
    });
  });
  for (const node of nodes.slice(shards)) {
    const primary = nodes[node.shard];
    if (primary === undefined) throw new Error(`no primary for shard ${node.shard}`);
    admin(node, { type: 'replicate', nodeId: primary.id });
  }
  await waitUntil(clock, timeoutMs, 'cluster_state:ok on every node and every replica in sync', () => {
    kick();
    return nodes.every((node) => {
      const running = node.redisNode;
      if (running.cluster?.state.state !== 'ok') return false;
      return node.index < shards || (running.replication.linkUp && knowsMasterEpoch(node, nodes));
    });
  });
}

/**
 * Whether replica `node` has heard its primary's configEpoch. A header's configEpoch is taken
 * only from a node past its handshake, so right after the handshakes a node may still hold 0 for
 * a peer until that peer's next ping. A replica that holds 0 for its master and then loses it
 * asks for votes with configEpoch 0; every primary that knows better refuses ("slot 0 epoch (1)
 * > reqEpoch (0)"), and nothing corrects it (the master is dead, and gossip carries no epochs):
 * the shard never fails over. redis-cli's create waits seconds, long enough to hide this.
 */
function knowsMasterEpoch(node: TestNode, nodes: readonly TestNode[]): boolean {
  const master = nodes[node.shard]?.redisNode.cluster?.state.myself;
  const state = node.redisNode.cluster?.state;
  return master !== undefined && state !== undefined && state.nodes.get(master.name)?.configEpoch === master.configEpoch;
}

/**
 * Waits until `done()` holds, or fails after `timeoutMs` of wall time. On a virtual clock it
 * moves time forward meanwhile (the nodes' crons must run for anything to happen); on the real
 * clock it polls every few milliseconds.
 */
export async function waitUntil(clock: ClusterClock, timeoutMs: number, what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    if (clock.kind === 'virtual') await clock.advance(10);
    else await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
}
