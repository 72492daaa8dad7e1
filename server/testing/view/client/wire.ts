/**
 * What the live view's server sends the page, and the state the page's modules share. The
 * server's own types (cluster-snapshot.ts, traffic-rates.ts, event-explanations.ts) are the
 * originals; the page is compiled on its own, with the DOM's types and none of Node's, so it
 * keeps this copy. A field renamed on one side only shows up as `undefined` on the page, which
 * the browser test would catch.
 */

/** How the running peers' tables flag a node: counts out of `peers`. */
export interface SeenBy {
  peers: number;
  master: number;
  replica: number;
  pfail: number;
  fail: number;
  handshake: number;
  nofailover: number;
}

export interface NodeCard {
  index: number;
  id: string;
  address: string;
  busPort: number;
  shard: number;
  role: 'primary' | 'replica';
  up: boolean;
  paused: boolean;
  master: string | null;
  ownFlags: string | null;
  seenBy: SeenBy;
  health: 'ok' | 'pfail' | 'fail';
  configEpoch: number;
  currentEpoch: number;
  offset: number;
  lag: number | null;
  linkUp: boolean | null;
  clusterState: 'ok' | 'fail' | null;
  keys: number;
}

export interface ClusterSnapshot {
  clock: 'real' | 'virtual';
  nowMs: number;
  nodes: NodeCard[];
  /** Runs of slots with one owner: [first, last, owner index or -1]. */
  slots: Array<[number, number, number]>;
  /** [slot, source, target] as the source has it (MIGRATING). */
  migrating: Array<[number, number, number]>;
  /** [slot, target, source] as the target has it (IMPORTING). */
  importing: Array<[number, number, number]>;
}

/** The once-a-second `traffic` message (traffic-rates.ts). */
export interface TrafficSample {
  timeMs: number;
  /** [from, to, PING/s, PONG/s, other/s] */
  links: Array<[number, number, number, number, number]>;
  /** [node, MOVED/s, ASK/s], nodes that redirected clients */
  redirects: Array<[number, number, number]>;
}

/** GET /slot?slot=N */
export interface SlotKeys {
  slot: number;
  owner: number;
  keys: Array<[number, number]>;
}

export interface ClusterEvent {
  type: string;
  node: string;
  timeMs: number;
  [field: string]: unknown;
}

/** One timeline row type's explanation (event-explanations.ts, embedded in the page). */
export interface Explanation {
  text: string;
  source: string;
}

/** What the modules share: the latest snapshot, and node ids to indexes for every row. */
export const view = {
  snapshot: null as ClusterSnapshot | null,
  indexById: new Map<string, number>(),
  controlsOn: document.body.dataset.controls === 'on',
};
