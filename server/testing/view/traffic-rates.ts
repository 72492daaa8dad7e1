/**
 * The live view's per-second rates, sampled once a second (view-server.ts sends each sample as
 * a `traffic` message):
 *
 *   links      each bus link's PING, PONG and other messages delivered per second, from the
 *              harness's counts of what the receiving nodes took in (TestCluster.countBusTraffic,
 *              switched on when the view starts). A link between two running nodes that
 *              delivers nothing is how a partition or a dropped message type shows.
 *   redirects  each node's -MOVED and -ASK replies to clients per second, read from the node's
 *              own error counters (the ones INFO errorstats prints as errorstat_MOVED and
 *              errorstat_ASK). Clients are redirected after a failover or during a slot move
 *              until their slot maps catch up. The page draws a sample with any as a timeline
 *              row of its own type, 'client-redirects' (event-explanations.ts explains it).
 *
 * Every rate is the difference between two samples of a counter, over the time between them:
 * wall time on the real clock, the cluster's time on a virtual one (where nothing is delivered
 * while nobody advances the clock, so a sample with no time passed is skipped rather than
 * showing every link as quiet). A counter that went down (a node restarted, CONFIG RESETSTAT)
 * counts as zero.
 */
import type { TestCluster } from '../test-cluster';

/** One bus link: [from index, to index, PING/s, PONG/s, other/s]. */
export type LinkRates = [number, number, number, number, number];
/** One node's redirects: [index, MOVED/s, ASK/s]; only nodes that sent any. */
export type RedirectRates = [number, number, number];

export interface TrafficSample {
  /** The cluster clock's time of the sample (virtual time on a virtual clock). */
  timeMs: number;
  links: LinkRates[];
  redirects: RedirectRates[];
}

const PING = 0;
const PONG = 1;

export class TrafficRates {
  private readonly busCounts: ReadonlyMap<string, number>;
  private lastBus = new Map<string, number>();
  /** Per node id: [MOVED, ASK] at the last sample. */
  private lastRedirects = new Map<string, [number, number]>();
  private lastAt: number;

  constructor(private readonly cluster: TestCluster) {
    this.busCounts = cluster.countBusTraffic();
    this.lastAt = this.now();
    this.redirectRates(1);
  }

  /** The rates since the previous sample (or since construction); null if no time passed. */
  sample(): TrafficSample | null {
    const now = this.now();
    if (now === this.lastAt) return null;
    const seconds = Math.max(0.001, (now - this.lastAt) / 1000);
    this.lastAt = now;
    return { timeMs: this.cluster.clock.now(), links: this.linkRates(seconds), redirects: this.redirectRates(seconds) };
  }

  private now(): number {
    return this.cluster.clock.kind === 'virtual' ? this.cluster.clock.now() : Date.now();
  }

  private linkRates(seconds: number): LinkRates[] {
    const index = new Map(this.cluster.nodes.map((n) => [n.id, n.index]));
    const links = new Map<string, LinkRates>();
    const counts = new Map(this.busCounts);
    for (const [key, total] of counts) {
      const [from = '', to = '', type = ''] = key.split('>');
      const delta = Math.max(0, total - (this.lastBus.get(key) ?? 0));
      const [fromIndex, toIndex] = [index.get(from), index.get(to)];
      if (fromIndex === undefined || toIndex === undefined) continue;
      const id = `${fromIndex}>${toIndex}`;
      const link = links.get(id) ?? [fromIndex, toIndex, 0, 0, 0];
      const column = Number(type) === PING ? 2 : Number(type) === PONG ? 3 : 4;
      link[column] += delta / seconds;
      links.set(id, link);
    }
    this.lastBus = counts;
    return [...links.values()].map(([f, t, ping, pong, other]) => [f, t, round1(ping), round1(pong), round1(other)]);
  }

  private redirectRates(seconds: number): RedirectRates[] {
    const rates: RedirectRates[] = [];
    for (const node of this.cluster.nodes) {
      if (!node.up) continue;
      const errors = node.redisNode.stats.errorsByPrefix;
      const now: [number, number] = [errors.get('MOVED') ?? 0, errors.get('ASK') ?? 0];
      const before = this.lastRedirects.get(node.id) ?? [0, 0];
      this.lastRedirects.set(node.id, now);
      const moved = Math.max(0, now[0] - before[0]);
      const ask = Math.max(0, now[1] - before[1]);
      if (moved + ask > 0) rates.push([node.index, round1(moved / seconds), round1(ask / seconds)]);
    }
    return rates;
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
