/**
 * `npm start`: a local Redis Cluster of 3 masters and 3 replicas on ports 7000-7005, in this one
 * process (six RedisNode objects, each with its own keyspace, bus port and nodes.conf).
 *
 * The first start creates the cluster the way `redis-cli --cluster create` does: the masters
 * take a third of the slots each, every node gets a distinct configEpoch, all meet node 0, and
 * once they all know each other the replicas follow their masters. Later starts find nodes.conf
 * in the state directory and just rejoin. Logs go to one file per node in that directory.
 *
 *   node dist/server/cluster/local-cluster.js [--port 7000] [--dir .hashslot-cluster] [--node-timeout 5000]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { systemClock } from '../clock';
import type { AdminOp } from '../../cluster-bus/cluster-state';
import type { ClusterMode } from './cluster-mode';
import { evenSlotShare } from '../../storage/key-slot';
import { fileSink } from '../log';
import { startRedisNode } from '../start';
import type { RedisNode } from '../node';

const MASTERS = 3;
const NODES = 6;
const DEADLINE_MS = 30_000;

interface Options {
  basePort: number;
  dir: string;
  nodeTimeoutMs: number;
}

function parseOptions(args: string[]): Options {
  const options: Options = { basePort: 7000, dir: path.resolve('.hashslot-cluster'), nodeTimeoutMs: 5000 };
  for (let i = 0; i < args.length; i += 2) {
    const value = args[i + 1] ?? '';
    if (args[i] === '--port') options.basePort = Number(value);
    else if (args[i] === '--dir') options.dir = path.resolve(value);
    else if (args[i] === '--node-timeout') options.nodeTimeoutMs = Number(value);
    else throw new Error(`unknown option ${args[i] ?? ''}`);
  }
  return options;
}

/** Polls `done` every 50 ms on the real clock until it holds, or fails after DEADLINE_MS. */
async function waitFor(what: string, done: () => boolean): Promise<void> {
  const deadline = systemClock.now() + DEADLINE_MS;
  while (!done()) {
    if (systemClock.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => systemClock.schedule(50, resolve));
  }
}

/** Starts the six nodes and, on first start, forms the cluster. Resolves when all are ok. */
export async function startLocalCluster(options: Options): Promise<RedisNode[]> {
  fs.mkdirSync(options.dir, { recursive: true });
  const nodes: RedisNode[] = [];
  for (let i = 0; i < NODES; i++) {
    const port = options.basePort + i;
    nodes.push(
      await startRedisNode(
        {
          port,
          'cluster-enabled': 'yes',
          'cluster-config-file': `nodes-${port}.conf`,
          'cluster-node-timeout': options.nodeTimeoutMs,
          dir: options.dir,
          save: '',
          // The nodes share one directory: each its own snapshot file (SAVE, DEBUG RELOAD).
          dbfilename: `dump-${port}.rdb`,
          appendonly: 'no',
        },
        { logSink: fileSink(path.join(options.dir, `node-${port}.log`)) },
      ),
    );
  }
  const states = nodes.map((n) => {
    if (n.cluster === null) throw new Error('cluster mode did not start');
    return n.cluster;
  });
  const fresh = states.every((c) => c.state.nodes.size === 1 && c.state.slots.assigned === 0);
  if (fresh) {
    // The admin operations redis-cli would send: ADDSLOTSRANGE, SET-CONFIG-EPOCH, MEET, REPLICATE.
    const admin = (cluster: ClusterMode, op: AdminOp): void => {
      const result = cluster.admin(op);
      if (!result.ok) throw new Error(result.error);
    };
    states.forEach((cluster, i) => {
      if (i < MASTERS) {
        admin(cluster, { type: 'addslots', slots: evenSlotShare(i, MASTERS) });
      }
      admin(cluster, { type: 'set-config-epoch', epoch: BigInt(i + 1) });
      if (i > 0) admin(cluster, { type: 'meet', ip: '127.0.0.1', port: options.basePort, cport: options.basePort + 10000 });
    });
    await waitFor('every node to know the others', () => states.every((c) => c.state.nodes.size === NODES && [...c.state.nodes.values()].every((n) => !n.inHandshake)));
    for (let i = MASTERS; i < NODES; i++) {
      const replica = states[i];
      const master = states[i - MASTERS]?.state.myself.name;
      if (replica === undefined || master === undefined) throw new Error('replica does not know its master');
      admin(replica, { type: 'replicate', nodeId: master });
    }
  }
  await waitFor('cluster_state:ok on every node', () => states.every((c) => c.state.state === 'ok'));
  return nodes;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = systemClock.now();
  const nodes = await startLocalCluster(options);
  const last = options.basePort + NODES - 1;
  process.stdout.write(
    `hashslot cluster: 3 masters + 3 replicas on ports ${options.basePort}-${last}, cluster_state:ok ` +
      `after ${systemClock.now() - started} ms\n` +
      `  connect:  redis-cli -c -p ${options.basePort}\n` +
      `  state:    ${options.dir} (nodes.conf and one log per node)\n` +
      `  stop:     Ctrl-C\n`,
  );
  const stop = (): void => {
    void Promise.all(nodes.map((n) => n.close())).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
