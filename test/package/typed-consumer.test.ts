/**
 * hashslot as a dependency, seen from outside: a small TypeScript project that installs it (a
 * symlink in its node_modules, as `npm install ../hashslot` makes), compiles against the emitted
 * typings with Node's own package resolution (so package.json `exports` decides what is
 * importable), and runs.
 *
 * It checks the three promises of the public surface: the typings exist and type-check a real use
 * (start, port, events, close; and `hashslot/testing`'s startCluster, nodeForKey, close); the
 * compiled consumer runs against the built package and talks RESP to the nodes it started; and
 * the internals are out of reach (importing a file that `exports` does not name, or touching a
 * field the facade does not have, fails to compile). An ES module consumer imports both entry
 * points by name, as the README shows, since the package itself is CommonJS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { runProgram } from '../../bench/harness/run-program';

const REPO = path.resolve(__dirname, '..', '..', '..');
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

const CONSUMER = `
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { startNode, type HashslotNode, type LogLine, type ClusterEvent } from 'hashslot';
import { startCluster, type TestCluster, type TestNode } from 'hashslot/testing';

function roundTrip(port: number, request: string, replyLength: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.length >= replyLength) {
        socket.end();
        resolve(reply);
      }
    });
    socket.on('error', reject);
  });
}

async function main(): Promise<void> {
  const lines: LogLine[] = [];
  const plain: HashslotNode = await startNode({ port: 0, loglevel: 'verbose', save: '' });
  const stopListening = plain.on('log', (line) => lines.push(line));
  const reply = await roundTrip(plain.port, '*3\\r\\n$3\\r\\nSET\\r\\n$1\\r\\nk\\r\\n$1\\r\\nv\\r\\n*2\\r\\n$3\\r\\nGET\\r\\n$1\\r\\nk\\r\\n', 12);
  stopListening();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-consumer-'));
  const events: ClusterEvent[] = [];
  const clustered = await startNode({ port: 0, 'cluster-enabled': true, dir, save: '' });
  clustered.on('cluster', (event) => events.push(event));
  const bump = await roundTrip(clustered.port, '*2\\r\\n$7\\r\\nCLUSTER\\r\\n$9\\r\\nBUMPEPOCH\\r\\n', 10);

  const cluster: TestCluster = await startCluster({ shards: 3, replicasPerShard: 1 });
  const owner: TestNode = cluster.nodeForKey('greeting');
  const viaOwner = await roundTrip(owner.port, '*3\\r\\n$3\\r\\nSET\\r\\n$8\\r\\ngreeting\\r\\n$5\\r\\nhello\\r\\n*2\\r\\n$3\\r\\nGET\\r\\n$8\\r\\ngreeting\\r\\n', 16);
  const testing = {
    nodes: cluster.nodes.length,
    primaries: cluster.nodes.filter((n) => n.role === 'primary').length,
    startupNodes: cluster.startupNodes.length,
    reply: viaOwner,
  };
  await cluster.close();

  console.log(JSON.stringify({
    reply,
    testing,
    bump: bump.trim(),
    plainBusPort: plain.busPort,
    plainNodeId: plain.clusterNodeId,
    clusteredBusPort: clustered.busPort === clustered.port + 10000,
    clusteredNodeId: /^[0-9a-f]{40}$/.test(clustered.clusterNodeId ?? ''),
    runId: /^[0-9a-f]{40}$/.test(plain.runId),
    host: plain.host,
    epochEvents: events.filter((e) => e.type === 'epoch-bumped').map((e) => e.type === 'epoch-bumped' ? e.reason : ''),
  }));
  await Promise.all([plain.close(), clustered.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
`;

const ESM_CONSUMER = `
import { startNode } from 'hashslot';
import { startCluster } from 'hashslot/testing';

const cluster = await startCluster({ shards: 3, replicasPerShard: 0 });
const primaries = cluster.nodes.filter((n) => n.role === 'primary').length;
await cluster[Symbol.asyncDispose]();
console.log(JSON.stringify({ primaries, startNode: typeof startNode }));
`;

const FORBIDDEN = `
import { startNode } from 'hashslot';
import { RedisNode } from 'hashslot/dist/server/node';

async function reachIn(): Promise<void> {
  const node = await startNode();
  node.keyspace.db(0);
  const internal: RedisNode | null = null;
  void internal;
}
void reachIn;
`;

function writeProject(dir: string, source: string): void {
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.symlinkSync(REPO, path.join(dir, 'node_modules', 'hashslot'), 'dir');
  fs.writeFileSync(path.join(dir, 'main.ts'), source);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        module: 'node16',
        moduleResolution: 'node16',
        outDir: 'out',
        typeRoots: [path.join(REPO, 'node_modules', '@types')],
        types: ['node'],
      },
      files: ['main.ts'],
    }),
  );
}

t.test('a TypeScript consumer compiles against the typings and runs', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-typed-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  writeProject(dir, CONSUMER);
  const compiled = await runProgram(process.execPath, [TSC, '-p', dir], { timeoutMs: 90_000 });
  t.equal(compiled.code, 0, `tsc: ${compiled.stdout}${compiled.stderr}`);
  const ran = await runProgram(process.execPath, [path.join(dir, 'out', 'main.js')], { timeoutMs: 30_000 });
  t.equal(ran.code, 0, ran.stderr);
  const result: unknown = JSON.parse(ran.stdout.trim().split('\n').pop() ?? '{}');
  t.same(result, {
    reply: '+OK\r\n$1\r\nv\r\n',
    testing: { nodes: 6, primaries: 3, startupNodes: 6, reply: '+OK\r\n$5\r\nhello\r\n' },
    bump: '+BUMPED 1',
    plainBusPort: null,
    plainNodeId: null,
    clusteredBusPort: true,
    clusteredNodeId: true,
    runId: true,
    host: '127.0.0.1',
    epochEvents: ['bumpepoch'],
  });
});

t.test('an ES module consumer imports hashslot and hashslot/testing by name', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-esm-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.symlinkSync(REPO, path.join(dir, 'node_modules', 'hashslot'), 'dir');
  fs.writeFileSync(path.join(dir, 'main.mjs'), ESM_CONSUMER);
  const ran = await runProgram(process.execPath, [path.join(dir, 'main.mjs')], { timeoutMs: 30_000 });
  t.equal(ran.code, 0, ran.stderr);
  t.same(JSON.parse(ran.stdout.trim().split('\n').pop() ?? '{}'), { primaries: 3, startNode: 'function' });
});

t.test('internals are out of reach of a consumer', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-typed-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  writeProject(dir, FORBIDDEN);
  const compiled = await runProgram(process.execPath, [TSC, '-p', dir, '--noEmit'], { timeoutMs: 90_000 });
  t.not(compiled.code, 0, 'compiling a reach into the internals fails');
  t.match(compiled.stdout, /TS2307: Cannot find module 'hashslot\/dist\/server\/node'/, 'files outside `exports` cannot be imported');
  t.match(compiled.stdout, /TS2339: Property 'keyspace' does not exist on type 'HashslotNode'/, 'the facade has no keyspace');
});
