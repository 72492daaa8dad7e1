/**
 * What the live view's browser tests share: Debian's Chromium (found, never downloaded), a view
 * of a cluster with a page open on it, screenshots for review, and the page's own measures.
 * Page-side code is passed as strings: the tests compile without the DOM's types.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type * as tap from 'tap';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { keyHashSlot } from '../../storage/key-slot';
import type { TestCluster } from '../../server/testing';
import { ViewServer } from '../../server/testing/view/view-server';
import { REPO_ROOT } from '../helpers/cluster-process';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const SHOTS = path.join(REPO_ROOT, 'test-artifacts', 'live-view');

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** A view of `cluster` and a Chromium page on it (closed with the test), with the page's script errors. */
export async function openView(t: tap.Test, cluster: TestCluster, controls: boolean): Promise<{ view: ViewServer; page: Page; pageErrors: string[] }> {
  const view = await ViewServer.start(cluster, { port: 0, controls });
  t.teardown(() => view.close());
  const browser: Browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(view.url);
  return { view, page, pageErrors };
}

export async function box(page: Page, selector: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await (await page.$(selector))?.boundingBox();
  if (found === null || found === undefined) throw new Error(`${selector} is not on the page`);
  return found;
}

/** `count` key names that hash to `slot`. */
export function keysOfSlot(slot: number, count: number, prefix = 'view'): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) if (keyHashSlot(`${prefix}:${i}`) === slot) keys.push(`${prefix}:${i}`);
  return keys;
}

/** The text of the newest timeline row of `type` (empty if none). */
export async function lastRow(page: Page, type: string): Promise<string> {
  return String(await page.evaluate(`[...document.querySelectorAll('#timeline div[data-type="${type}"]')].map((r) => r.textContent).pop() ?? ''`));
}

/** The slot map's strip colour at `slot`, as [r, g, b] (slot-map.ts: the strip is rows 3-8). */
export async function stripColor(page: Page, slot: number): Promise<number[]> {
  return (await page.evaluate(`Array.from(document.getElementById('slotmap').getContext('2d').getImageData(Math.floor(${slot} / 16), 5, 1, 1).data).slice(0, 3)`)) as number[];
}

/** The colour at `slot` in the marks' bands: above the strip (migrating) and below it (importing). */
export async function markColors(page: Page, slot: number): Promise<{ above: number[]; below: number[] }> {
  const at = (row: number): string => `Array.from(ctx.getImageData(Math.floor(${slot} / 16), ${row}, 1, 1).data)`;
  return (await page.evaluate(`(() => { const ctx = document.getElementById('slotmap').getContext('2d'); return { above: ${at(1)}, below: ${at(10)} }; })()`)) as { above: number[]; below: number[] };
}

/** A raw HTTP request to the view, with any headers (fetch would not let a test forge Host). */
export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      // An event stream never ends: its status and first bytes are the answer.
      if (res.headers['content-type']?.startsWith('text/event-stream') === true) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, body: '' });
        return;
      }
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
