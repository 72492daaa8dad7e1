/**
 * The live view's web server (`hashslot-cluster --view-port 8080`): Node's own http module, on
 * loopback only, serving one page and a stream of what happens.
 *
 *   GET  /             the page (view-page.ts): markup, style and the timeline's explanations;
 *                      no CDN, works offline
 *   GET  /app/F.js     its script, ES modules compiled from client/*.ts by the build
 *   GET  /events       server-sent events: `snapshot` (cluster-snapshot.ts) at once, after every
 *                      batch of cluster events, and once a second when it changed; `cluster-event`
 *                      for each event of the harness's log, the same typed events the testing
 *                      API and the control port give, as they happen; `traffic` once a second
 *   GET  /slot?slot=N  the keys of one slot on every running primary that holds any (CLUSTER
 *                      COUNTKEYSINSLOT's count, read from the node directly), for the slot map's hover
 *   GET  /source/F     a source file the timeline's explanations name (cluster-bus/election.ts),
 *                      from the checkout the cluster runs from; 404 from an installed package
 *   POST /control      a control-port command as a JSON array (["NODE","KILL","s0"]), run by the
 *                      same verbs as the control port (control-verbs.ts; hashslot-cluster passes
 *                      the control port's own instance, so a migration paused from one can be
 *                      resumed from the other); refused with 403 unless the view was started
 *                      with controls on (`--view-controls`)
 *
 * Every request must name the view in its Host header, and /control must come from the view's
 * own page as JSON: other web pages open in the same browser are kept out (view-access.ts).
 *
 * One verb is the view's own, because the page has something the control port lacks: a click on
 * one particular replica. `FAILOVER-TO <ref>` runs CLUSTER FAILOVER on that replica, where the
 * control port's `FAILOVER <shard>` picks the shard's first replica up; with two replicas a
 * learner who clicked the second must see the second take over.
 *
 * Snapshots follow events, at most one per SNAPSHOT_EVERY_MS, so a burst of a thousand events
 * costs a handful of snapshots; each event is one small SSE message. The once-a-second tick
 * also sends one when the cluster changed without any event (writes move offsets and key
 * counts), and otherwise nothing. The tick's `traffic` message gives each bus link's rates and
 * each node's client redirects per second (traffic-rates.ts): how the page colours a link that
 * has gone quiet, and how it shows clients chasing a moved slot.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { ControlError, ControlVerbs, toJson } from '../control/control-verbs';
import { RefError, resolveRef } from '../control/node-refs';
import type { RespValue } from '../../../protocol/resp-value';
import { SLOT_COUNT } from '../../../storage/key-slot';
import type { TestEvent } from '../events';
import { slotOwner } from '../slot-owners';
import type { TestCluster } from '../test-cluster';
import { takeSnapshot } from './cluster-snapshot';
import { TrafficRates } from './traffic-rates';
import { foreignControl, foreignHost } from './view-access';
import { viewPage } from './view-page';

export interface ViewOptions {
  port: number;
  /** Whether the page may change the cluster (POST /control). */
  controls: boolean;
  /** The verbs POST /control runs (default: a new instance for this view). */
  verbs?: ControlVerbs;
}

const LOOPBACK = '127.0.0.1';
const SNAPSHOT_EVERY_MS = 100;
const TRAFFIC_EVERY_MS = 1_000;

/** The compiled page script's folder, next to this file's compiled form. */
const APP_DIR = path.join(__dirname, 'client');
/** The one shape of name /app/ serves: a compiled module of that folder. */
const APP_NAME = /^[a-z][a-z0-9-]*\.js$/;
/** The checkout's root, from this file's compiled place (dist/server/testing/view/). */
const SOURCE_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
/** The folders whose sources the page may show, and the one shape of name it may ask for. */
export const SOURCE_NAME = /^(cluster-bus|server|protocol|storage)\/[a-z0-9-/]+\.ts$/;
const MAX_BODY_BYTES = 64 * 1024;

export class ViewServer {
  private readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  private readonly unsubscribe: Array<() => void> = [];
  private snapshotTimer: NodeJS.Timeout | null = null;
  private trafficTimer: NodeJS.Timeout | null = null;
  private readonly rates: TrafficRates;
  /** The last snapshot sent, without its time: the tick sends one only when this differs. */
  private lastSnapshotState = '';

  private constructor(
    private readonly cluster: TestCluster,
    private readonly verbs: ControlVerbs,
    private readonly options: ViewOptions,
  ) {
    this.rates = new TrafficRates(cluster);
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
  }

  static async start(cluster: TestCluster, options: ViewOptions): Promise<ViewServer> {
    const view = new ViewServer(cluster, options.verbs ?? new ControlVerbs(cluster), options);
    await new Promise<void>((resolve, reject) => {
      view.server.once('error', reject);
      view.server.listen({ port: options.port, host: LOOPBACK, exclusive: true }, () => {
        view.server.off('error', reject);
        resolve();
      });
    });
    for (const type of ControlVerbs.eventTypes()) view.unsubscribe.push(cluster.on(type, (event) => view.broadcast(event)));
    view.trafficTimer = setInterval(() => view.tick(), TRAFFIC_EVERY_MS);
    view.trafficTimer.unref();
    return view;
  }

  get port(): number {
    const address = this.server.address();
    return address !== null && typeof address === 'object' ? address.port : 0;
  }

  get url(): string {
    return `http://${LOOPBACK}:${this.port}/`;
  }

  async close(): Promise<void> {
    for (const stop of this.unsubscribe) stop();
    if (this.snapshotTimer !== null) clearTimeout(this.snapshotTimer);
    if (this.trafficTimer !== null) clearInterval(this.trafficTimer);
    for (const stream of this.streams) stream.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://view');
    const refusal = foreignHost(req, this.port);
    if (refusal !== null) {
      sendJson(res, 403, { error: refusal });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(viewPage({ controls: this.options.controls }));
    } else if (req.method === 'GET' && url.pathname.startsWith('/app/') && APP_NAME.test(url.pathname.slice('/app/'.length))) {
      const script = await fs.promises.readFile(path.join(APP_DIR, url.pathname.slice('/app/'.length))).catch(() => null);
      res.writeHead(script === null ? 404 : 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(script ?? '// not built: npm run build');
    } else if (req.method === 'GET' && url.pathname === '/events') {
      this.openStream(res);
    } else if (req.method === 'GET' && url.pathname === '/slot') {
      this.slotKeys(url, res);
    } else if (req.method === 'GET' && url.pathname.startsWith('/source/')) {
      await this.source(url.pathname.slice('/source/'.length), res);
    } else if (req.method === 'POST' && url.pathname === '/control') {
      await this.control(req, res);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  }

  private openStream(res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    // What happened before the page opened, then the state now.
    for (const event of this.cluster.history().slice(-500)) res.write(`event: cluster-event\ndata: ${toJson(event)}\n\n`);
    res.write(`event: snapshot\ndata: ${JSON.stringify(takeSnapshot(this.cluster))}\n\n`);
  }

  private broadcast(event: TestEvent): void {
    if (this.streams.size === 0) return;
    const message = `event: cluster-event\ndata: ${toJson(event)}\n\n`;
    for (const stream of this.streams) stream.write(message);
    this.snapshotTimer ??= setTimeout(() => {
      this.snapshotTimer = null;
      this.sendSnapshot(true);
    }, SNAPSHOT_EVERY_MS);
  }

  /** The state now to every page; unless `always`, only when it changed since the last one sent. */
  private sendSnapshot(always: boolean): void {
    if (this.streams.size === 0) return;
    const snapshot = takeSnapshot(this.cluster);
    const state = JSON.stringify({ ...snapshot, nowMs: 0 });
    if (!always && state === this.lastSnapshotState) return;
    this.lastSnapshotState = state;
    const message = `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
    for (const stream of this.streams) stream.write(message);
  }

  /** Once a second: the traffic rates, and the snapshot if offsets or keys moved meanwhile. */
  private tick(): void {
    const sample = this.rates.sample();
    this.sendSnapshot(false);
    if (sample === null || this.streams.size === 0) return;
    const message = `event: traffic\ndata: ${JSON.stringify(sample)}\n\n`;
    for (const stream of this.streams) stream.write(message);
  }

  /**
   * The slot's owner and, per running primary that holds keys of it, how many (db 0: cluster
   * mode). Replicas hold copies of their primary's keys; counting them too would show a slot
   * mid-migration with its keys three times over.
   */
  private slotKeys(url: URL, res: http.ServerResponse): void {
    const slot = Number(url.searchParams.get('slot'));
    if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) {
      sendJson(res, 400, { error: `slot must be an integer from 0 to ${SLOT_COUNT - 1}` });
      return;
    }
    const owner = slotOwner(this.cluster.nodes, slot);
    const keys: Array<[number, number]> = [];
    for (const node of this.cluster.nodes) {
      const count = node.up && node.role === 'primary' ? node.redisNode.keyspace.db(0).countKeysInSlot(slot) : 0;
      if (count > 0) keys.push([node.index, count]);
    }
    sendJson(res, 200, { slot, owner: this.cluster.nodes.find((n) => n.id === owner)?.index ?? -1, keys });
  }

  private async source(name: string, res: http.ServerResponse): Promise<void> {
    const file = path.join(SOURCE_ROOT, name);
    const text = SOURCE_NAME.test(name) && !name.includes('..') ? await fs.promises.readFile(file, 'utf8').catch(() => null) : null;
    if (text === null) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${name}: not here (sources are in the hashslot checkout, not in the installed package)`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  }

  private async control(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const foreign = foreignControl(req, this.port);
    if (foreign !== null) {
      sendJson(res, foreign.status, { error: foreign.error });
      return;
    }
    if (!this.options.controls) {
      sendJson(res, 403, { error: 'the view was started without --view-controls: it only watches' });
      return;
    }
    let body = '';
    for await (const chunk of req) {
      body += String(chunk);
      if (body.length > MAX_BODY_BYTES) throw new Error('request too large');
    }
    let argv: unknown;
    try {
      argv = JSON.parse(body);
    } catch {
      argv = null;
    }
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a): a is string => typeof a === 'string')) {
      sendJson(res, 400, { error: 'the body must be a JSON array of strings: a control-port command' });
      return;
    }
    try {
      const reply = await this.run(argv);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(toJson({ reply }));
    } catch (err) {
      sendJson(res, 400, { error: err instanceof ControlError || err instanceof RefError ? err.message : String(err) });
    }
    // The state after the command, even if it caused no event (a pause).
    this.sendSnapshot(true);
  }

  /** The control port's verbs, and the view's own FAILOVER-TO (see the opening comment). */
  private async run(argv: readonly string[]): Promise<RespValue> {
    if ((argv[0] ?? '').toUpperCase() !== 'FAILOVER-TO') return this.verbs.run(argv);
    if (argv.length !== 2) throw new ControlError('ERR FAILOVER-TO takes one replica');
    const replica = resolveRef(this.cluster, argv[1] as string);
    if (replica.role !== 'replica' || !replica.up) throw new ControlError(`ERR node ${replica.index} is not a running replica`);
    try {
      const primary = await this.cluster.failover(replica.shard, { replica });
      return { '%': ['id', primary.id, 'index', primary.index, 'port', primary.port] };
    } catch (err) {
      throw new ControlError(`ERR ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
