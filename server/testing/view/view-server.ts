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
 * costs a handful of snapshots; each event is one small SSE message.
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
/** The compiled page script, next to this file's compiled form. */
const APP_JS = path.join(__dirname, 'client', 'view-app.js');
const MAX_BODY_BYTES = 64 * 1024;

export class ViewServer {
  private readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  private readonly unsubscribe: Array<() => void> = [];
  private snapshotTimer: NodeJS.Timeout | null = null;

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
