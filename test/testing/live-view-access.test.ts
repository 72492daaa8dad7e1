/**
 * Who may reach the live view (view-access.ts, view-server.ts), without a browser: raw HTTP
 * requests that forge what another web page in the learner's browser would send.
 *
 *   - a cross-site POST /control (a foreign Origin, text/plain: no CORS pre-check) is refused and
 *     changes nothing; so is JSON from a foreign Origin, text/plain from the page's own origin,
 *     and any request whose Host is not the view's own (DNS rebinding: /events, /slot too);
 *   - without --view-controls, even the page's own POST is refused;
 *   - through the real command line (bin/hashslot-cluster --view-port 0, no --view-controls):
 *     the view is on 127.0.0.1 only, a control is refused and nothing happens, and
 *     --view-controls without --view-port is a usage error.
 *
 * That the page's own controls still work with these checks is live-view-controls.test.ts.
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as os from 'node:os';
import t from 'tap';
import Redis from 'ioredis';
import { startCluster } from '../../server/testing';
import { ViewServer } from '../../server/testing/view/view-server';
import { CLUSTER_BIN, ClusterProcess } from '../helpers/cluster-process';
import { request } from './live-view-helpers';

t.setTimeout(120_000);

const KILL = JSON.stringify(['NODE', 'KILL', '0']);

t.test('cross-site requests and foreign Host headers are refused, and change nothing', async (t) => {
  const cluster = await startCluster({ seed: 51 });
  t.teardown(() => cluster.close());
  const view = await ViewServer.start(cluster, { port: 0, controls: true });
  t.teardown(() => view.close());
  const own = `127.0.0.1:${view.port}`;
  const control = (headers: Record<string, string>, body = KILL): Promise<{ status: number; body: string }> => request(`${view.url}control`, { method: 'POST', headers, body });

  const forged = await control({ origin: 'http://evil.example', 'content-type': 'text/plain' });
  t.equal(forged.status, 403, 'a foreign page\'s text/plain POST (no CORS pre-check) is refused');
  t.match(forged.body, /requests from http:\/\/evil\.example may not control the cluster/);
  t.equal((await control({ origin: 'http://evil.example', 'content-type': 'application/json' })).status, 403, 'so is its JSON');
  t.equal((await control({ origin: `http://${own}`, 'content-type': 'text/plain' })).status, 415, 'text/plain even from the view\'s own origin');
  t.equal((await control({ 'content-type': 'text/plain' })).status, 415, 'and without any Origin');
  t.equal((await control({ host: `evil.example:${view.port}`, 'content-type': 'application/json' })).status, 403, 'a foreign Host (DNS rebinding)');
  t.equal((await control({ origin: `http://localhost:${view.port}.evil.example`, 'content-type': 'application/json' })).status, 403, 'an origin that only starts like the view\'s');
  t.ok(cluster.nodes[0]?.up, 'node 0 still runs');
  t.same(cluster.history().filter((e) => e.type === 'node-killed'), [], 'and no kill was recorded');

  // Reading is refused under a foreign Host too: a rebound page could otherwise watch the cluster.
  for (const route of ['events', 'slot?slot=0', '', 'app/view-app.js']) {
    t.equal((await request(`${view.url}${route}`, { headers: { host: `evil.example:${view.port}` } })).status, 403, `GET /${route} with Host evil.example is refused`);
  }
  t.equal((await request(`${view.url}events`, { headers: { host: own } })).status, 200, 'GET /events from 127.0.0.1 streams');
  t.equal((await request(`${view.url}slot?slot=0`, { headers: { host: `localhost:${view.port}` } })).status, 200, 'GET /slot as localhost answers');

  // The page's own request: its origin, JSON.
  const ok = await control({ origin: `http://${own}`, 'content-type': 'application/json' }, JSON.stringify(['FAULT', 'LIST']));
  t.equal(ok.status, 200, 'the view\'s own page may control the cluster');
  t.same(JSON.parse(ok.body), { reply: [] });
});

t.test('without controls, the page only watches: even its own POST /control is refused', async (t) => {
  const cluster = await startCluster({ seed: 32 });
  t.teardown(() => cluster.close());
  const view = await ViewServer.start(cluster, { port: 0, controls: false });
  t.teardown(() => view.close());
  const response = await request(`${view.url}control`, { method: 'POST', headers: { origin: view.url.slice(0, -1), 'content-type': 'application/json' }, body: KILL });
  t.equal(response.status, 403);
  t.ok(cluster.nodes[0]?.up, 'nothing was killed');
  const page = await (await fetch(view.url)).text();
  t.notMatch(page, /id="controls"/, 'no control panel on the page');
});

/** The addresses of this machine's interfaces other than loopback (the view must not be on them). */
function otherAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .flatMap((info) => (info !== undefined && info.family === 'IPv4' && !info.internal ? [info.address] : []));
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

t.test('hashslot-cluster --view-port without --view-controls: loopback only, controls refused', async (t) => {
  const cluster = await ClusterProcess.start(['--port', '0', '--view-port', '0', '--node-timeout', '500']);
  t.teardown(() => cluster.stop('SIGKILL'));
  const described: unknown = cluster.description;
  const view = (described as { view?: { url?: unknown; controls?: unknown } }).view;
  const url = typeof view?.url === 'string' ? view.url : '';
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/, `the view is on loopback: ${url}`);
  t.equal(view?.controls, false, 'and says it has no controls');
  const port = Number(new URL(url).port);
  for (const address of otherAddresses()) t.notOk(await connects(address, port), `nothing listens for the view on ${address}`);

  const page = await request(url, {});
  t.equal(page.status, 200, 'the page is served');
  t.notMatch(page.body, /id="controls"/, 'with no control panel');
  const refused = await request(`${url}control`, { method: 'POST', headers: { origin: url.slice(0, -1), 'content-type': 'application/json' }, body: KILL });
  t.equal(refused.status, 403, 'its own origin\'s POST /control is refused');
  t.match(refused.body, /without --view-controls/);
  const node0 = cluster.description.nodes[0];
  const client = new Redis({ port: node0?.port ?? 0, lazyConnect: true, maxRetriesPerRequest: 0 });
  t.teardown(() => client.disconnect());
  t.equal(await client.ping(), 'PONG', 'node 0 still answers: nothing was killed');
});

t.test('--view-controls without --view-port is a usage error', async (t) => {
  const child = spawn(process.execPath, [CLUSTER_BIN, '--port', '0', '--view-controls'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  t.equal(code, 2, 'exit status 2, as for every usage error');
  t.match(stderr, /--view-controls needs --view-port/);
  t.match(stderr, /usage: hashslot-cluster/);
});
