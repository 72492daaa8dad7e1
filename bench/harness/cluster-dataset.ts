/*
 * A dataset of every key type spread over a cluster, loaded fast and compared exactly: what the
 * resharding tests and the rebalance benchmark use to check that moving slots lost nothing.
 *
 *   datasetCommands(i)           the commands that build key i: a string, hash, list, set or sorted
 *                                set by i % 5, every 7th with a TTL of 5-10 minutes
 *   loadDataset(view, count)     groups the keys by the master that owns their slot (our own CRC16,
 *                                not the cluster's answer) and pipelines raw RESP to each master,
 *                                all masters at once: no redirects, no client library in the way
 *   snapshotDataset(view, count) per key: the DUMP payload and PTTL, fetched the same way from
 *                                whichever master owns the key now
 *   compareSnapshots(ref, now)   DUMP bytes equal and TTL within a tolerance, per key
 *
 * Why collections stay small and sets hold integers: a small hash, list or sorted set is a
 * listpack and a small integer set an intset, encodings that keep their element order through
 * DUMP/RESTORE. A large one (or a set of strings in Redis 7.0) is a hash table whose iteration
 * order depends on the receiving process's hash seed, so its DUMP legitimately differs after a
 * move even between two redis-servers, and a byte comparison would report a false loss.
 */

import { RawClient } from './raw-client';
import { encodeCommands, parseReply, type Arg } from './resp';
import { isMaster, keySlot, ownedSlots, SLOT_COUNT, type NodeLine } from './cluster-replies';

const BATCH = 1_000;
/** Generous: a busy 2-core machine with three servers loading at once. */
const BATCH_DEADLINE_MS = 60_000;
const TTL_EVERY = 7;
const TTL_MIN_SECONDS = 300;

export function datasetKey(index: number): string {
  return `ds:${index}`;
}

/** The commands that create key `index` (one, or two when it gets a TTL). */
export function datasetCommands(index: number): Arg[][] {
  const key = datasetKey(index);
  const commands: Arg[][] = [];
  switch (index % 5) {
    case 0: // strings, every other one an integer (stored in the int encoding)
      commands.push(['SET', key, index % 10 === 0 ? String(index) : `value-${index}`]);
      break;
    case 1:
      commands.push(['HSET', key, 'f1', `a${index}`, 'f2', String(index), 'f3', 'x']);
      break;
    case 2:
      commands.push(['RPUSH', key, `l${index}`, 'b', 'c', String(index)]);
      break;
    case 3:
      commands.push(['SADD', key, String(index), String(index + 1), String(index + 2)]);
      break;
    default:
      commands.push(['ZADD', key, '1', `m${index}`, '2.5', 'b', String(index), 'c']);
      break;
  }
  if (index % TTL_EVERY === 0) commands.push(['EXPIRE', key, String(TTL_MIN_SECONDS + (index % 300))]);
  return commands;
}

/** Slot -> port of the master owning it, from one node's CLUSTER NODES. */
export function slotOwnerPorts(view: readonly NodeLine[]): Int32Array {
  const owners = new Int32Array(SLOT_COUNT).fill(-1);
  for (const node of view) {
    if (!isMaster(node)) continue;
    for (const slot of ownedSlots(node)) owners[slot] = node.port;
  }
  return owners;
}

/** Key indexes 0..count-1 grouped by the port of the master that owns their slot. */
function indexesByOwner(view: readonly NodeLine[], count: number): Map<number, number[]> {
  const owners = slotOwnerPorts(view);
  const groups = new Map<number, number[]>();
  for (let index = 0; index < count; index++) {
    const port = owners[keySlot(datasetKey(index))] ?? -1;
    if (port < 0) throw new Error(`no master owns the slot of ${datasetKey(index)}`);
    let group = groups.get(port);
    if (group === undefined) groups.set(port, (group = []));
    group.push(index);
  }
  return groups;
}

/**
 * Sends the commands in batches of BATCH with two batches in flight (the next one is written
 * while the previous replies are read), returns every reply in order.
 */
async function pipelined(port: number, commands: readonly Arg[][]): Promise<Buffer[]> {
  const client = await RawClient.connect(port);
  try {
    const replies: Buffer[] = [];
    const inFlight: number[] = [];
    let next = 0;
    while (next < commands.length || inFlight.length > 0) {
      while (next < commands.length && inFlight.length < 2) {
        const batch = commands.slice(next, next + BATCH);
        client.write(encodeCommands(batch));
        inFlight.push(batch.length);
        next += batch.length;
      }
      const oldest = inFlight.shift();
      if (oldest === undefined) break;
      for (const reply of await client.readReplies(oldest, BATCH_DEADLINE_MS)) replies.push(reply);
    }
    return replies;
  } finally {
    client.close();
  }
}

/** Loads keys 0..count-1, each on its slot's owner; throws on the first error reply. */
export async function loadDataset(view: readonly NodeLine[], count: number): Promise<void> {
  await Promise.all([...indexesByOwner(view, count)].map(async ([port, indexes]) => {
    const replies = await pipelined(port, indexes.flatMap(datasetCommands));
    const error = replies.find((r) => r[0] === 0x2d);
    if (error !== undefined) throw new Error(`loading into port ${port}: ${error.toString('latin1').trim()}`);
  }));
}

export interface KeyState {
  /** The DUMP payload, or null when the owner does not have the key. */
  dump: Buffer | null;
  /** PTTL as returned: -1 without a TTL, -2 missing. */
  pttlMs: number;
}

export interface Snapshot {
  keys: KeyState[];
  /** When the fetch began and ended (Date.now()): every PTTL was read in between. */
  startedAtMs: number;
  endedAtMs: number;
}

/** DUMP and PTTL of every key, from the master that owns its slot according to `view`. */
export async function snapshotDataset(view: readonly NodeLine[], count: number): Promise<Snapshot> {
  const keys = new Array<KeyState>(count);
  const startedAtMs = Date.now();
  await Promise.all([...indexesByOwner(view, count)].map(async ([port, indexes]) => {
    const commands = indexes.flatMap((i) => [['DUMP', datasetKey(i)], ['PTTL', datasetKey(i)]]);
    const replies = await pipelined(port, commands);
    indexes.forEach((index, n) => {
      const dump = parseReply(replies[2 * n] ?? Buffer.alloc(0));
      const pttl = parseReply(replies[2 * n + 1] ?? Buffer.alloc(0));
      if (dump.type === '-' || pttl.type !== ':') {
        throw new Error(`port ${port} ${datasetKey(index)}: ${dump.raw.toString('latin1').trim()} / ${pttl.raw.toString('latin1').trim()}`);
      }
      keys[index] = { dump: dump.isNull ? null : Buffer.from(dump.text), pttlMs: Number(pttl.text.toString('latin1')) };
    });
  }));
  return { keys, startedAtMs, endedAtMs: Date.now() };
}

export interface Comparison {
  missing: number;
  dumpDiffers: number;
  ttlDiffers: number;
  /** Up to 5 described differences, for the failure message. */
  examples: string[];
}

/**
 * Every key of `now` against `reference`: same DUMP bytes; TTLs (whole seconds) no further apart
 * than the longest time that can lie between the two reads of a key (the start of the reference
 * fetch to the end of this one) plus `slackSeconds` for the rounding; a TTL only counts down.
 */
export function compareSnapshots(reference: Snapshot, now: Snapshot, slackSeconds = 1): Comparison {
  const result: Comparison = { missing: 0, dumpDiffers: 0, ttlDiffers: 0, examples: [] };
  const agedSeconds = (now.endedAtMs - reference.startedAtMs) / 1000;
  const note = (text: string): void => void (result.examples.length < 5 && result.examples.push(text));
  reference.keys.forEach((ref, index) => {
    const cur = now.keys[index];
    const key = datasetKey(index);
    if (cur === undefined || cur.dump === null) {
      result.missing++;
      note(`${key} missing (slot ${keySlot(key)})`);
      return;
    }
    if (ref.dump === null || !ref.dump.equals(cur.dump)) {
      result.dumpDiffers++;
      note(`${key} DUMP ${ref.dump?.toString('hex') ?? 'nil'} -> ${cur.dump.toString('hex')}`);
    }
    const refSeconds = Math.round(ref.pttlMs / 1000);
    const curSeconds = Math.round(cur.pttlMs / 1000);
    const ttlOk = ref.pttlMs < 0 ? cur.pttlMs === ref.pttlMs
      : cur.pttlMs > 0 && curSeconds <= refSeconds + 1 && refSeconds - curSeconds <= agedSeconds + slackSeconds;
    if (!ttlOk) {
      result.ttlDiffers++;
      note(`${key} PTTL ${ref.pttlMs} -> ${cur.pttlMs} (${agedSeconds.toFixed(1)} s apart)`);
    }
  });
  return result;
}

/** The number of keys with a TTL, so a test can say it compared some. */
export function keysWithTtl(snapshot: Snapshot): number {
  return snapshot.keys.filter((k) => k.pttlMs > 0).length;
}
