/**
 * `bin/hashslot-cluster` as a process, driven through its control port by the tools a test in
 * another language has: redis-cli, redis-py (test/testing/control-driver.py) and a raw socket
 * for the RESP3 bytes. Every verb and its errors, events over SUBSCRIBE, AUTH, virtual time,
 * a restart on the same directory rejoining the same cluster, and SIGINT, SIGTERM and
 * SHUTDOWN each leaving no process and no bound port.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { ClusterProcess, REPO_ROOT } from '../helpers/cluster-process';
import { eventually } from '../helpers/eventually';

type Test = tap.Test;

/** Debian's python3, which has python3-redis (a pyenv or venv python3 on PATH may not). */
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** redis-cli's output (raw, as when not on a terminal), or its error text. */
function cli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('redis-cli', ['-p', String(port), ...args], { timeout: 30_000 }, (err, stdout, stderr) => resolve(err !== null && stdout === '' ? `${stderr}${err.message}` : stdout.replace(/\n+$/, '')));
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function start(t: Test, args: string[]): Promise<ClusterProcess> {
  const cluster = await ClusterProcess.start(args);
  t.teardown(() => cluster.stop('SIGKILL'));
  return cluster;
}

/** TOPOLOGY's flat RESP2 maps, as redis-cli prints them (one value per line). */
function topologyOf(output: string): Array<Record<string, string>> {
  const lines = output.split('\n');
  const nodes: Array<Record<string, string>> = [];
  let node: Record<string, string> = {};
  for (let i = 0; i < lines.length; i += 2) {
    const key = lines[i] as string;
    if (key === 'index' && Object.keys(node).length > 0) {
      nodes.push(node);
      node = {};
    }
    // slots is an array: its items follow until the next record starts.
    if (key === 'slots') {
      const items: string[] = [];
      let j = i + 1;
      while (j < lines.length && lines[j] !== 'index') items.push(lines[j++] as string);
      node.slots = items.join(' ');
      i = j - 2;
      continue;
    }
    node[key] = lines[i + 1] ?? '';
  }
  if (Object.keys(node).length > 0) nodes.push(node);
  return nodes;
}

t.test('redis-cli drives every verb; bad calls get clear errors and change nothing', async (t) => {
  const cluster = await start(t, ['--port', '0', '--node-timeout', '500', '--seed', '11']);
  const cp = cluster.controlPort;
  const topology = topologyOf(await cli(cp, 'TOPOLOGY'));
  t.same(topology.map((n) => [n.index, n.ref, n.role, n.shard]), [
    ['0', 's0', 'primary', '0'], ['1', 's1', 'primary', '1'], ['2', 's2', 'primary', '2'],
    ['3', 's0r0', 'replica', '0'], ['4', 's1r0', 'replica', '1'], ['5', 's2r0', 'replica', '2'],
  ]);
  t.same(topology.map((n) => n.slots), ['0-5460', '5461-10921', '10922-16383', '', '', '']);
  t.equal(topology[3]?.master, topology[0]?.id, "a replica's master is its primary's id");
  t.same(topology.map((n) => Number(n.port)), cluster.description.nodes.map((n) => n.port), 'the ports --json printed');

  t.match(await cli(cp, 'FAULT', 'HELP'), /^FAULT PARTITION .*\nFAULT ISOLATE/, 'FAULT HELP lists the family');
  t.equal((await cli(cp, 'NODE', 'HELP')).split('\n').length, 5, 'NODE HELP: five lines');

  // Faults: ids, LIST, HEAL.
  t.equal(await cli(cp, 'FAULT', 'PARTITION', 's0', 's1,s2', 'PLANE', 'bus'), '1');
  t.equal(await cli(cp, 'FAULT', 'DROP', 'PING,PONG', 'FROM', 's1', 'TO', '2', 'PROB', '0.5'), '2');
  t.equal(await cli(cp, 'FAULT', 'DELAY', '100', 'TO', 's2', 'PLANE', 'clients'), '3');
  t.equal(await cli(cp, 'FAULT', 'LIST'), '1 partition nodes 0 | 1,2 (bus)\n2 drop PING/PONG bus messages from node 1 to node 2 p=0.5\n3 delay replies by 100 ms');
  t.equal(await cli(cp, 'FAULT', 'HEAL', '1'), '1');
  t.equal(await cli(cp, 'FAULT', 'HEAL', '1'), 'ERR no fault 1 in force (FAULT LIST)');
  t.equal(await cli(cp, 'FAULT', 'HEAL', 'ALL'), '2');
  t.equal(await cli(cp, 'FAULT', 'LIST'), '');

  // Errors: each names what is wrong, and nothing was added.
  const errors: Array<[string[], RegExp]> = [
    [['NODE', 'KILL', '99'], /^ERR no node 99: indexes are 0-5$/],
    [['NODE', 'KILL', 's7'], /^ERR no shard 7/],
    [['NODE', 'KILL', 's0r3'], /^ERR shard 0 has no replica 3$/],
    [['NODE', 'KILL'], /^ERR wrong number of arguments for 'NODE KILL' command$/],
    [['NODE', 'FROB', 's0'], /^ERR unknown subcommand 'FROB'/],
    [['FAULT', 'PARTITION', 's0'], /^ERR FAULT PARTITION needs at least two groups/],
    [['FAULT', 'PARTITION', 's0', 's0,s1'], /in two groups of the partition/],
    [['FAULT', 'DROP', 'ALL', 'PROB', '2'], /^ERR PROB must be a number between 0 and 1$/],
    [['FAULT', 'DROP', 'ALL', 'FROM'], /^ERR syntax error in FAULT DROP near FROM$/],
    [['FAULT', 'DELAY', 'soon'], /^ERR delay must be an integer >= 0/],
    [['FAILOVER', '1', 'FORCE', 'TAKEOVER'], /^ERR FAILOVER takes FORCE or TAKEOVER, not both$/],
    [['SLOT', 'MIGRATE', '16384', 's1'], /^ERR slot must be 0-16383$/],
    [['CLOCK', 'ADVANCE', '10'], /^ERR CLOCK ADVANCE needs a virtual clock/],
    [['CLOCK', 'NEXT'], /^ERR CLOCK NEXT needs a virtual clock/],
    [['AWAIT', 'nothing'], /^ERR unknown event type 'nothing'/],
    [['ORACLE', 'START', 'QUORUM', '0'], /^ERR QUORUM must be an integer >= 1/],
    [['FROBNICATE'], /^ERR unknown command 'FROBNICATE'/],
  ];
  for (const [args, expected] of errors) t.match(await cli(cp, ...args), expected, args.join(' '));
  t.equal(await cli(cp, 'FAULT', 'LIST'), '', 'no fault was half-added');
  t.equal(await cli(cp, 'AWAIT', 'slot-moved', 'TIMEOUT', '20'), '', 'AWAIT answers nil at its timeout');

  // Client-plane verbs, checked on the node itself.
  const node2 = cluster.description.nodes[2]?.port ?? 0;
  t.equal(await cli(cp, 'NODE', 'FAIL-COMMANDS', 's2', 'ERR injected by the test'), 'OK');
  t.equal(await cli(node2, 'PING'), 'ERR injected by the test', 'FAIL-COMMANDS: every command of a client errors');
  t.equal(await cli(cp, 'NODE', 'FAIL-COMMANDS', 's2', 'OFF'), 'OK');
  t.equal(await cli(node2, 'PING'), 'PONG', 'and OFF lifts it');
  t.equal(await cli(cp, 'NODE', 'RESET-CLIENTS', 's2'), '0', 'RESET-CLIENTS: how many connections it reset (none open now)');
  const isolated = await cli(cp, 'FAULT', 'ISOLATE', 's2', 'PLANE', 'clients');
  t.match(await cli(cp, 'FAULT', 'LIST'), new RegExp(`^${isolated} partition nodes 2 \\| 0,1,3,4,5 \\(clients\\)$`), 'ISOLATE is a one-node partition');
  t.equal(await cli(cp, 'FAULT', 'HEAL', isolated), '1');
  t.equal(await cli(cp, 'ECHO', 'hi'), 'hi');
  t.match(await cli(cp, 'INFO'), /^# Control\r?\nhashslot_cluster:1\r?\nnodes:6\r?\nclock:real/);

  // Slots, pause, failover, kill, restart, oracle, history.
  t.equal(await cli(cp, 'ORACLE', 'START'), 'OK');
  const node0 = cluster.description.nodes[0]?.port ?? 0;
  for (let i = 0; i < 20; i++) t.equal(await cli(node0, '-c', 'SET', `k${i}`, `v${i}`), 'OK');
  const moved = await cli(cp, 'SLOT', 'MIGRATE', '0', 's1', 'STEP', '5');
  t.match(moved, new RegExp(`^slot\\n0\\nfrom\\n${topology[0]?.id}\\nto\\n${topology[1]?.id}\\nkeys\\n\\d+$`));
  t.match(topologyOf(await cli(cp, 'TOPOLOGY'))[1]?.slots, /^0 5461-10921$/, 'slot 0 now with shard 1');
  t.match(await cli(cp, 'SLOT', 'MIGRATE', '1', 's2', 'PAUSE'), new RegExp(`^slot\\n1\\nfrom\\n${topology[0]?.id}\\nto\\n${topology[2]?.id}\\nmoved-keys$`), 'PAUSE: stopped mid-way (an empty slot: right after MIGRATING)');
  t.equal(await cli(cp, 'SLOT', 'MIGRATE', '1', 's1'), 'ERR slot 1 is paused mid-migration: SLOT RESUME 1 first');
  t.match(await cli(cp, 'SLOT', 'RESUME', '1'), /^slot\n1\nfrom\n[0-9a-f]{40}\nto\n[0-9a-f]{40}\nkeys\n0$/);
  t.equal(await cli(cp, 'SLOT', 'RESUME', '1'), 'ERR no paused migration of slot 1');
  t.equal(await cli(cp, 'NODE', 'PAUSE', 's2r0'), 'OK');
  t.equal(topologyOf(await cli(cp, 'TOPOLOGY'))[5]?.paused, '1');
  t.equal(await cli(cp, 'NODE', 'RESUME', 's2r0'), 'OK');
  const failover = await cli(cp, 'FAILOVER', '2');
  t.match(failover, new RegExp(`^id\\n${topology[5]?.id}\\nindex\\n5\\nport\\n${topology[5]?.port}$`), 'FAILOVER names the new primary');
  t.equal(topologyOf(await cli(cp, 'TOPOLOGY'))[5]?.ref, 's2', 'which is now s2');
  t.equal(await cli(cp, 'NODE', 'KILL', 's1'), 'OK');
  const event = JSON.parse(await cli(cp, 'AWAIT', 'failover', 'TIMEOUT', '20000')) as { shard: number; node: string };
  t.same([event.shard, event.node], [1, topology[4]?.id], 'AWAIT failover: the replica of the killed primary won');
  t.equal(await cli(cp, 'NODE', 'RESTART', '1'), 'OK');
  await eventually(10_000, async () => {
    if (topologyOf(await cli(cp, 'TOPOLOGY'))[1]?.role !== 'replica') throw new Error('node 1 did not rejoin as a replica');
  });
  const report = JSON.parse(await cli(cp, 'ORACLE', 'CHECK')) as { acked: number; lostDespiteWait: unknown[] };
  t.ok(report.acked >= 20, `the oracle counted the writes (${report.acked}, with the keys MIGRATE carried)`);
  t.same(report.lostDespiteWait, []);
  t.equal(await cli(cp, 'ORACLE', 'STOP'), 'OK');
  t.equal(await cli(cp, 'HISTORY', 'SINCE', '100000'), '', 'HISTORY SINCE past the end: nothing');
  const history = (await cli(cp, 'HISTORY')).split('\n').map((line) => (JSON.parse(line) as { type: string }).type);
  for (const type of ['migration-step', 'slot-moved', 'node-paused', 'node-killed', 'failover', 'node-restarted']) t.ok(history.includes(type), `HISTORY has ${type}`);
  t.equal(await cli(cp, 'NODE', 'KILL', '0'), 'OK');
  t.equal(await cli(cp, 'NODE', 'KILL', '0'), 'ERR node ' + String(topology[0]?.port) + ' is already killed');
});

t.test('redis-py drives it: TOPOLOGY, SUBSCRIBE events during a kill, ORACLE CHECK, errors', async (t) => {
  const cluster = await start(t, ['--port', '0', '--node-timeout', '500', '--seed', '12']);
  const output = await new Promise<string>((resolve, reject) =>
    execFile(PYTHON, [path.join(REPO_ROOT, 'test', 'testing', 'control-driver.py'), String(cluster.controlPort)], { timeout: 90_000 }, (err, stdout, stderr) =>
      err === null ? resolve(stdout) : reject(new Error(`${err.message}\n${stderr.slice(-3000)}`)),
    ),
  );
  const seen = JSON.parse(output) as {
    topology: Array<{ ref: string; slots: string[] }>;
    subscribed: unknown[];
    kill: string;
    event_types: string[];
    failover: { shard: number } | null;
    writes_after: number;
    restart: string;
    oracle: { acked: number; lost: number; lostDespiteWait: number };
    await_timeout: null;
    errors: Record<string, string | null>;
  };
  t.same(seen.topology.map((n) => n.ref), ['s0', 's1', 's2', 's0r0', 's1r0', 's2r0']);
  t.same(seen.topology[0]?.slots, ['0-5460']);
  t.same(seen.subscribed, ['subscribe', 'events', 1]);
  t.equal(seen.kill, 'OK');
  t.equal(seen.event_types[0], 'node-killed', 'the first event after the kill is the kill');
  for (const type of ['node-pfail', 'node-failed', 'election-started', 'vote-granted', 'failover']) t.ok(seen.event_types.includes(type), `${type} arrived over SUBSCRIBE`);
  t.equal(seen.failover?.shard, 0);
  t.equal(seen.writes_after, 50, 'a new RedisCluster writes after the failover');
  t.equal(seen.restart, 'OK');
  t.same(seen.oracle, { acked: 150, lost: 0, lostDespiteWait: 0 }, 'every write acknowledged is there');
  t.equal(seen.await_timeout, null);
  for (const [what, error] of Object.entries(seen.errors)) t.ok(error !== null && error.length > 0, `${what}: ${String(error)}`);
});

t.test('RESP3 after HELLO 3: maps and push messages', async (t) => {
  const cluster = await start(t, ['--port', '0', '--seed', '13']);
  const socket = net.connect(cluster.controlPort, '127.0.0.1');
  t.teardown(() => socket.destroy());
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.write('HELLO 3\r\nTOPOLOGY\r\nSUBSCRIBE events\r\nFAULT LIST\r\n');
  await eventually(5_000, async () => {
    if (!received.includes("only (P|S)SUBSCRIBE")) throw new Error(`so far: ${received.slice(0, 200)}`);
  });
  t.match(received, /^%7\r\n\$6\r\nserver\r\n\$16\r\nhashslot-cluster\r\n/, 'HELLO 3 answers a map');
  t.match(received, /\*6\r\n%12\r\n\$5\r\nindex\r\n:0\r\n/, 'TOPOLOGY: an array of maps');
  t.match(received, />3\r\n\$9\r\nsubscribe\r\n\$6\r\nevents\r\n:1\r\n/, 'SUBSCRIBE confirmed as a push');
  t.match(received, /-ERR Can't execute 'fault': only \(P\|S\)SUBSCRIBE/, 'subscriber mode, as in Redis');
  const other = await cli(cluster.controlPort, 'NODE', 'PAUSE', 's1r0');
  t.equal(other, 'OK');
  await eventually(5_000, async () => {
    if (!received.includes('node-paused')) throw new Error('no event pushed');
  });
  t.match(received, />3\r\n\$7\r\nmessage\r\n\$6\r\nevents\r\n\$\d+\r\n\{"type":"node-paused"/, 'an event as a RESP3 push, JSON payload');
});

t.test('--control-pass: nothing but AUTH until authenticated, with Redis\'s errors', async (t) => {
  const cluster = await start(t, ['--port', '0', '--control-pass', 's3cret']);
  const cp = cluster.controlPort;
  t.equal(await cli(cp, 'TOPOLOGY'), 'NOAUTH Authentication required.');
  t.equal(await cli(cp, 'AUTH', 'wrong'), 'WRONGPASS invalid username-password pair or user is disabled.');
  t.equal(await cli(cp, 'AUTH', 'someone', 's3cret'), 'WRONGPASS invalid username-password pair or user is disabled.', 'only the default user');
  t.match(await cli(cp, '--no-auth-warning', '-a', 's3cret', 'CLOCK', 'NOW'), /^\d{13}$/);
  const nodeTopology = await cli(cp, '--no-auth-warning', '--user', 'default', '--pass', 's3cret', 'TOPOLOGY');
  t.match(nodeTopology, /^index\n0\n/);
});

t.test('--clock virtual: nothing happens until CLOCK ADVANCE; a kill is failed over in virtual time', async (t) => {
  const cluster = await start(t, ['--port', '0', '--clock', 'virtual', '--node-timeout', '15000', '--seed', '14']);
  const cp = cluster.controlPort;
  const startedAt = Number(await cli(cp, 'CLOCK', 'NOW'));
  t.equal(startedAt, Date.UTC(2026, 0, 1) + Number(startedAt - Date.UTC(2026, 0, 1)), 'virtual time');
  t.ok(startedAt < Date.UTC(2026, 0, 2), 'starts on 2026-01-01, not today');
  t.equal(await cli(cp, 'CLOCK', 'NEXT', '0'), String(startedAt), 'with a zero limit on a quiet cluster, the clock stays (and the type is nil, printed empty)');
  t.equal(await cli(cp, 'NODE', 'KILL', 's1'), 'OK');
  t.equal(await cli(cp, 'AWAIT', 'node-pfail', 'TIMEOUT', '200'), '', 'no PFAIL while the clock stands still');
  // CLOCK NEXT stops at the next event: here the first PFAIL, one node's cron after node-timeout.
  const [nextAt, nextType] = (await cli(cp, 'CLOCK', 'NEXT')).split('\n');
  t.equal(nextType, 'node-pfail', 'CLOCK NEXT: the next event is a PFAIL');
  t.ok(Number(nextAt) - startedAt >= 15_000 && Number(nextAt) - startedAt < 17_000, `at ${Number(nextAt) - startedAt} virtual ms, just past node-timeout`);
  // It stopped after the cron of the first node to suspect s1; the other nodes' crons at the
  // same instant are the next steps, and a zero limit keeps the clock where it is.
  const [sameAt, sameType] = (await cli(cp, 'CLOCK', 'NEXT', '0')).split('\n');
  t.same([sameAt, sameType], [nextAt, 'node-pfail'], 'with a zero limit, the next step is at the same instant: another node\'s PFAIL');
  const wallStart = Date.now();
  const now = Number(await cli(cp, 'CLOCK', 'ADVANCE', String(20_000 - (Number(nextAt) - startedAt))));
  t.equal(now, startedAt + 20_000);
  t.ok(Date.now() - wallStart < 10_000, `20 virtual seconds in ${Date.now() - wallStart} ms`);
  t.equal(await cli(cp, 'ORACLE', 'STOP'), 'OK');
  t.equal(await cli(cp, 'HISTORY', 'SINCE', '100000'), '', 'HISTORY SINCE past the end: nothing');
  const history = (await cli(cp, 'HISTORY')).split('\n').map((line) => JSON.parse(line) as { type: string; timeMs: number });
  const failover = history.find((e) => e.type === 'failover');
  t.ok(failover !== undefined && failover.timeMs - startedAt >= 15_000, 'failed over, after node-timeout on the virtual clock');
});

t.test('--dir: stopped and started again on the same ports, it rejoins the same cluster', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-cluster-cmd-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  // A base port whose 6 client ports, 6 bus ports and control port (base - 1) are all free.
  let base = 0;
  for (let candidate = 21_000 + Math.floor(Math.random() * 40) * 100; base === 0; candidate += 100) {
    const ports = [candidate - 1, ...[0, 1, 2, 3, 4, 5].flatMap((i) => [candidate + i, candidate + i + 10_000])];
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) base = candidate;
  }
  const first = await start(t, ['--port', String(base), '--dir', dir, '--node-timeout', '1000']);
  t.equal(first.controlPort, base - 1, 'the control port is the base port - 1');
  t.same(first.description.nodes.map((n) => [n.port, n.busPort]), [0, 1, 2, 3, 4, 5].map((i) => [base + i, base + i + 10_000]));
  t.equal(await cli(base, '-c', 'SET', 'kept-config', 'v'), 'OK');
  t.equal(await cli(first.controlPort, 'SHUTDOWN'), 'OK');
  t.same(await first.exited, { code: 0, signal: null }, 'SHUTDOWN exits with 0');
  t.ok(fs.readdirSync(dir).includes(`nodes-${base}.conf`), 'nodes.conf files kept');
  const second = await start(t, ['--port', String(base), '--dir', dir, '--node-timeout', '1000']);
  t.same(second.description.nodes.map((n) => n.id), first.description.nodes.map((n) => n.id), 'the same node ids: rejoined, not formed anew');
  t.match(await cli(base, 'CLUSTER', 'INFO'), /cluster_state:ok/);
  t.match(await cli(base, 'CLUSTER', 'INFO'), /cluster_current_epoch:6/, 'the epochs of the first run');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`${signal} stops every node and frees every port`, async (t) => {
    const cluster = await ClusterProcess.start(['--port', '0']);
    t.equal(await cli(cluster.description.nodes[0]?.port ?? 0, 'PING'), 'PONG');
    const exit = await cluster.stop(signal);
    t.same(exit, { code: 0, signal: null }, `exit code 0 after ${signal}`);
    const stillBound = [];
    for (const port of cluster.ports) if (!(await portFree(port))) stillBound.push(port);
    t.same(stillBound, [], `none of the ${cluster.ports.length} ports is still bound`);
  });
}

t.test('a bad command line: the usage, exit code 2', async (t) => {
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
    execFile(process.execPath, [path.join(REPO_ROOT, 'bin', 'hashslot-cluster'), '--shards', 'many'], (err, _stdout, stderr) => resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? null, stderr })),
  );
  t.equal(result.code, 2);
  t.match(result.stderr, /^hashslot-cluster: --shards must be an integer 1-1000, not 'many'\nusage: hashslot-cluster/);
});
