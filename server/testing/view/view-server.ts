/**
 * The live view's web server (`hashslot-cluster --view-port 8080`): Node's own http module, on
 * loopback only, serving one page and a stream of what happens.
 *
 *   GET  /            the page (view-page.ts): markup and style, no CDN, works offline
 *   GET  /app.js      its script, compiled from client/view-app.ts by the build
 *   GET  /events      server-sent events: `snapshot` (cluster-snapshot.ts) at once and after
 *                     every batch of cluster events, and `cluster-event` for each event of the
 *                     harness's log, the same typed events the testing API and the control port
 *                     give, as they happen
 *   POST /control     a control-port command as a JSON array (["NODE","KILL","s0"]), run by the
 *                     same verbs as the control port (control-verbs.ts); refused with 403 unless
 *                     the view was started with controls on (`--view-controls`)
 *
 * Snapshots follow events, at most one per SNAPSHOT_EVERY_MS, so a burst of a thousand events
 * costs a handful of snapshots; each event is one small SSE message. Once a second a `traffic`
 * message gives each bus link's rates (PING, PONG and other messages delivered per second, from
 * the harness's counts of what the receiving nodes took in), which is how the page colours a
 * link that has gone quiet.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { ControlError, ControlVerbs, toJson } from '../control/control-verbs';
import type { TestEvent } from '../events';
import type { TestCluster } from '../test-cluster';
import { takeSnapshot } from './cluster-snapshot';
import { viewPage } from './view-page';

export interface ViewOptions {
  port: number;
  /** Whether the page may change the cluster (POST /control). */
  controls: boolean;
}

const LOOPBACK = '127.0.0.1';
const SNAPSHOT_EVERY_MS = 100;
const TRAFFIC_EVERY_MS = 1_000;
const PING = 0;
const PONG = 1;

/** One bus link's rates: [from index, to index, PING/s, PONG/s, other/s]. */
export type LinkRates = [number, number, number, number, number];
/** The compiled page script, next to this file's compiled form. */
const APP_JS = path.join(__dirname, 'client', 'view-app.js');
const MAX_BODY_BYTES = 64 * 1024;

export class ViewServer {
  private readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  private readonly unsubscribe: Array<() => void> = [];
  private snapshotTimer: NodeJS.Timeout | null = null;
  private trafficTimer: NodeJS.Timeout | null = null;
  private lastTraffic = new Map<string, number>();
  private lastTrafficAt = Date.now();

  private constructor(
    private readonly cluster: TestCluster,
    private readonly verbs: ControlVerbs,
    private readonly options: ViewOptions,
  ) {
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
  }

  static async start(cluster: TestCluster, options: ViewOptions): Promise<ViewServer> {
    const view = new ViewServer(cluster, new ControlVerbs(cluster), options);
    await new Promise<void>((resolve, reject) => {
      view.server.once('error', reject);
      view.server.listen({ port: options.port, host: LOOPBACK, exclusive: true }, () => {
        view.server.off('error', reject);
        resolve();
      });
    });
    for (const type of ControlVerbs.eventTypes()) view.unsubscribe.push(cluster.on(type, (event) => view.broadcast(event)));
    view.trafficTimer = setInterval(() => view.sendTraffic(), TRAFFIC_EVERY_MS);
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
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(viewPage({ controls: this.options.controls }));
    } else if (req.method === 'GET' && url.pathname === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(await fs.promises.readFile(APP_JS));
    } else if (req.method === 'GET' && url.pathname === '/events') {
      this.openStream(res);
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
      const snapshot = `event: snapshot\ndata: ${JSON.stringify(takeSnapshot(this.cluster))}\n\n`;
      for (const stream of this.streams) stream.write(snapshot);
    }, SNAPSHOT_EVERY_MS);
  }

  /** Each link's delivered messages per second since the last call. */
  private linkRates(): LinkRates[] {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.lastTrafficAt) / 1000);
    const index = new Map(this.cluster.nodes.map((n) => [n.id, n.index]));
    const links = new Map<string, LinkRates>();
    const counts = new Map(this.cluster.busTraffic());
    for (const [key, total] of counts) {
      const [from = '', to = '', type = ''] = key.split('>');
      const delta = total - (this.lastTraffic.get(key) ?? 0);
      const [fromIndex, toIndex] = [index.get(from), index.get(to)];
      if (fromIndex === undefined || toIndex === undefined) continue;
      const id = `${fromIndex}>${toIndex}`;
      const link = links.get(id) ?? [fromIndex, toIndex, 0, 0, 0];
      const column = Number(type) === PING ? 2 : Number(type) === PONG ? 3 : 4;
      link[column] += delta / seconds;
      links.set(id, link);
    }
    this.lastTraffic = counts;
    this.lastTrafficAt = now;
    return [...links.values()].map(([f, t, ping, pong, other]) => [f, t, round1(ping), round1(pong), round1(other)]);
  }

  private sendTraffic(): void {
    const rates = this.linkRates();
    if (this.streams.size === 0) return;
    const message = `event: traffic\ndata: ${JSON.stringify(rates)}\n\n`;
    for (const stream of this.streams) stream.write(message);
  }

  private async control(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.options.controls) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'the view was started without --view-controls: it only watches' }));
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
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'the body must be a JSON array of strings: a control-port command' }));
      return;
    }
    try {
      const reply = await this.verbs.run(argv as string[]);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(toJson({ reply }));
    } catch (err) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: err instanceof ControlError ? err.message : String(err) }));
    }
    // The state after the command, even if it caused no event (a pause).
    const snapshot = `event: snapshot\ndata: ${JSON.stringify(takeSnapshot(this.cluster))}\n\n`;
    for (const stream of this.streams) stream.write(snapshot);
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
