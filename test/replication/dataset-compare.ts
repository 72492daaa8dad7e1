/*
 * Are a master's and a replica's datasets the same? Key by key, with a real redis-server as the
 * judge of values.
 *
 *   for every db:  SCAN both sides ──▶ same key sets?   DBSIZE both sides ──▶ same counts?
 *   for every key, in pipelined batches:
 *       master:  TYPE k   PTTL k   DUMP k ─┐
 *       replica: TYPE k   PTTL k   DUMP k ─┤   TYPE equal; PTTL both -1, or within ±tolerance
 *                                          ▼
 *       oracle (a scratch redis-server):  RESTORE m<i> 0 <master payload>
 *                                         RESTORE r<i> 0 <replica payload>
 *                                         TYPE, then GET / LRANGE 0 -1 / HGETALL (sorted by field)
 *                                         / SMEMBERS (sorted) / ZRANGE 0 -1 WITHSCORES / XRANGE - +
 *                                         ──▶ the two read-backs must be equal
 *
 * Why an oracle rather than comparing DUMP bytes: hashslot may encode a value differently (a set
 * as a hashtable where Redis chose an intset, an integer string as a plain string) and still hold
 * the same value. Restoring both payloads into one real Redis and reading them back compares
 * values, and at the same time checks that hashslot's payloads are ones Redis accepts.
 *
 * Keys that expire during the comparison would make both sides legitimately differ, so callers
 * first wait for short-TTL keys to be gone (waitForExpiryDone). Long TTLs are compared with a
 * tolerance because the two PTTLs are read a few milliseconds apart and each server answers from
 * its own clock.
 */

import { type Arg, type RespNode } from '../../bench/harness/resp';
import { startRealRedis } from '../../bench/harness/real-redis';
import type { ServerProcess } from '../../bench/harness/server-process';
import { Conn, isErrorReply, show, text, toData, waitFor, type ReplNode, type TapRoot, type Test } from './replication-harness';

const BATCH_KEYS = 400;
const MAX_PROBLEMS_SHOWN = 25;
export const DEFAULT_TTL_TOLERANCE_MS = 1_500;

// ─── The oracle ─────────────────────────────────────────────────────────────────────────────────

export class Oracle {
  private constructor(
    readonly process: ServerProcess,
    readonly conn: Conn,
  ) {}

  static async start(): Promise<Oracle> {
    const proc = await startRealRedis();
    return new Oracle(proc, await Conn.open(proc.port, `oracle(redis-server:${proc.port})`));
  }

  async stop(): Promise<void> {
    this.conn.close();
    await this.process.stop();
  }
}

/**
 * One oracle per test file, started on first use (so a file whose combinations are all todo starts
 * none) and stopped when the file's tests end.
 */
export function lazyOracle(t: TapRoot): () => Promise<Oracle> {
  let starting: Promise<Oracle> | null = null;
  t.teardown(async () => {
    if (starting !== null) await (await starting).stop();
  });
  return () => (starting ??= Oracle.start());
}

// ─── Scanning ───────────────────────────────────────────────────────────────────────────────────

async function select(conn: Conn, db: number): Promise<void> {
  const reply = await conn.call('SELECT', String(db));
  if (show(reply) !== '+OK') throw new Error(`${conn.label}: SELECT ${db} answered ${show(reply)}`);
}

/** Every key of the connection's current db, by SCAN (which hides logically expired keys). */
export async function scanKeys(conn: Conn, match = '*'): Promise<Set<string>> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const reply = await conn.call('SCAN', cursor, 'MATCH', match, 'COUNT', '1000');
    const [next, batch] = reply.items;
    if (reply.type !== '*' || next === undefined || batch === undefined) {
      throw new Error(`${conn.label}: SCAN answered ${show(reply)}`);
    }
    cursor = text(next);
    for (const key of batch.items) keys.add(text(key));
  } while (cursor !== '0');
  return keys;
}

async function dbsize(conn: Conn): Promise<number> {
  const reply = await conn.call('DBSIZE');
  if (reply.type !== ':') throw new Error(`${conn.label}: DBSIZE answered ${show(reply)}`);
  return Number(text(reply));
}

/**
 * Waits until `notBeforeMs` has passed (the moment the last short TTL ran out) and the master holds
 * no logically expired key in `dbs`: no key matching `shortTtlPattern` remains and DBSIZE equals
 * the number of keys SCAN finds. SCAN on a master deletes the expired keys it meets, so polling it
 * also drives the expiry (and the DELs it propagates) to completion.
 */
export async function waitForExpiryDone(master: ReplNode, dbs: readonly number[], notBeforeMs: number, shortTtlPattern = '*tmp:*'): Promise<void> {
  const conn = await master.connect();
  try {
    await waitFor(`${master.label} has expired every short-TTL key`, 30_000 + Math.max(0, notBeforeMs - Date.now()), async () => {
      if (Date.now() < notBeforeMs) return { ok: false, detail: `${notBeforeMs - Date.now()} ms of short TTLs left` };
      const details: string[] = [];
      for (const db of dbs) {
        await select(conn, db);
        const leftover = await scanKeys(conn, shortTtlPattern);
        const scanned = (await scanKeys(conn)).size;
        const size = await dbsize(conn);
        if (leftover.size > 0 || scanned !== size) details.push(`db${db}: ${leftover.size} short-TTL keys left, SCAN ${scanned} vs DBSIZE ${size}`);
      }
      return { ok: details.length === 0, detail: details.join('\n') };
    }, [master]);
  } finally {
    conn.close();
  }
}

// ─── Comparing ──────────────────────────────────────────────────────────────────────────────────

export interface CompareOptions {
  dbs: readonly number[];
  /** @default 1500 */
  ttlToleranceMs?: number;
}

export interface DatasetReport {
  /** Keys per db on the master. */
  keysPerDb: Map<number, number>;
  /** Keys per type on the master, over all dbs. */
  keysPerType: Map<string, number>;
  /** Everything that differs, one line each. */
  problems: string[];
}

const printable = (key: string): string => JSON.stringify(key).slice(0, 120);

/** Reads a restored key back as plain data, in a form equal for equal values. */
function readCommand(type: string, key: string): Arg[] | null {
  switch (type) {
    case 'string': return ['GET', key];
    case 'list': return ['LRANGE', key, '0', '-1'];
    case 'hash': return ['HGETALL', key];
    case 'set': return ['SMEMBERS', key];
    case 'zset': return ['ZRANGE', key, '0', '-1', 'WITHSCORES'];
    case 'stream': return ['XRANGE', key, '-', '+'];
    default: return null;
  }
}

function canonical(type: string, reply: RespNode): string {
  const data = toData(reply);
  if (type === 'set' && Array.isArray(data)) return JSON.stringify([...data].map(String).sort());
  if (type === 'hash' && Array.isArray(data)) {
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < data.length; i += 2) pairs.push([String(data[i]), String(data[i + 1])]);
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return JSON.stringify(pairs);
  }
  return JSON.stringify(data);
}

function latin1(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}

interface KeyFacts {
  type: RespNode;
  pttl: RespNode;
  dump: RespNode;
}

async function facts(conn: Conn, keys: readonly string[]): Promise<KeyFacts[]> {
  const commands: Arg[][] = [];
  for (const key of keys) commands.push(['TYPE', latin1(key)], ['PTTL', latin1(key)], ['DUMP', latin1(key)]);
  const replies = await conn.pipeline(commands, 60_000);
  const out: KeyFacts[] = [];
  for (let i = 0; i < keys.length; i++) {
    const [type, pttl, dump] = [replies[3 * i], replies[3 * i + 1], replies[3 * i + 2]];
    if (type === undefined || pttl === undefined || dump === undefined) throw new Error(`${conn.label}: missing replies`);
    out.push({ type, pttl, dump });
  }
  return out;
}

/** Restores both payloads of each key into the oracle and returns the canonical read-backs. */
async function valuesViaOracle(oracle: Oracle, dumps: readonly { master: RespNode; replica: RespNode }[]): Promise<{ master: string; replica: string }[]> {
  const conn = oracle.conn;
  await conn.call('FLUSHALL');
  const restores: Arg[][] = [];
  dumps.forEach((d, i) => {
    restores.push(['RESTORE', `m${i}`, '0', d.master.text, 'REPLACE'], ['RESTORE', `r${i}`, '0', d.replica.text, 'REPLACE']);
  });
  const restored = await conn.pipeline(restores, 60_000);
  const names = dumps.flatMap((_, i) => [`m${i}`, `r${i}`]);
  const types = (await conn.pipeline(names.map((n) => ['TYPE', n]))).map(text);
  const reads: Arg[][] = [];
  const readIndex: number[] = [];
  names.forEach((name, j) => {
    const command = readCommand(types[j] ?? 'none', name);
    if (command !== null) {
      readIndex[j] = reads.length;
      reads.push(command);
    }
  });
  const values = await conn.pipeline(reads, 60_000);
  const render = (j: number): string => {
    const r = restored[j];
    if (r !== undefined && isErrorReply(r)) return `RESTORE failed: ${show(r)}`;
    const type = types[j] ?? 'none';
    const index = readIndex[j];
    const value = index === undefined ? undefined : values[index];
    return value === undefined ? `${type} (unreadable)` : `${type} ${canonical(type, value)}`;
  };
  return dumps.map((_, i) => ({ master: render(2 * i), replica: render(2 * i + 1) }));
}

export async function compareDatasets(master: ReplNode, replica: ReplNode, oracle: Oracle, options: CompareOptions): Promise<DatasetReport> {
  const tolerance = options.ttlToleranceMs ?? DEFAULT_TTL_TOLERANCE_MS;
  const report: DatasetReport = { keysPerDb: new Map(), keysPerType: new Map(), problems: [] };
  const problem = (line: string): void => {
    report.problems.push(line);
  };
  const [m, r] = await Promise.all([master.connect(), replica.connect()]);
  try {
    for (const db of options.dbs) {
      await Promise.all([select(m, db), select(r, db)]);
      const [mKeys, rKeys] = await Promise.all([scanKeys(m), scanKeys(r)]);
      const [mSize, rSize] = await Promise.all([dbsize(m), dbsize(r)]);
      report.keysPerDb.set(db, mKeys.size);
      for (const k of mKeys) if (!rKeys.has(k)) problem(`db${db} ${printable(k)}: on the master only`);
      for (const k of rKeys) if (!mKeys.has(k)) problem(`db${db} ${printable(k)}: on the replica only`);
      if (mSize !== rSize) problem(`db${db}: DBSIZE ${mSize} on the master, ${rSize} on the replica`);
      if (mSize !== mKeys.size) problem(`db${db}: master DBSIZE ${mSize} but SCAN finds ${mKeys.size} keys`);
      const common = [...mKeys].filter((k) => rKeys.has(k)).sort();
      for (let start = 0; start < common.length; start += BATCH_KEYS) {
        const keys = common.slice(start, start + BATCH_KEYS);
        const [mf, rf] = await Promise.all([facts(m, keys), facts(r, keys)]);
        const toCompare: { key: string; master: RespNode; replica: RespNode }[] = [];
        keys.forEach((key, i) => {
          const a = mf[i];
          const b = rf[i];
          if (a === undefined || b === undefined) return;
          const where = `db${db} ${printable(key)}`;
          const type = text(a.type);
          report.keysPerType.set(type, (report.keysPerType.get(type) ?? 0) + 1);
          if (show(a.type) !== show(b.type)) problem(`${where}: TYPE ${show(a.type)} on the master, ${show(b.type)} on the replica`);
          const [pa, pb] = [Number(text(a.pttl)), Number(text(b.pttl))];
          if (a.pttl.type !== ':' || b.pttl.type !== ':') problem(`${where}: PTTL ${show(a.pttl)} / ${show(b.pttl)}`);
          else if (pa < 0 || pb < 0 ? pa !== pb : Math.abs(pa - pb) > tolerance) problem(`${where}: PTTL ${pa} on the master, ${pb} on the replica`);
          if (a.dump.type !== '$' || a.dump.isNull) problem(`${where}: master DUMP answered ${show(a.dump)}`);
          else if (b.dump.type !== '$' || b.dump.isNull) problem(`${where}: replica DUMP answered ${show(b.dump)}`);
          else toCompare.push({ key: where, master: a.dump, replica: b.dump });
        });
        const values = await valuesViaOracle(oracle, toCompare);
        values.forEach((v, i) => {
          if (v.master !== v.replica) {
            const where = toCompare[i]?.key ?? '?';
            problem(`${where}: value differs\n    master:  ${v.master.slice(0, 300)}\n    replica: ${v.replica.slice(0, 300)}`);
          }
        });
      }
    }
  } finally {
    m.close();
    r.close();
  }
  return report;
}

/** compareDatasets as tap assertions: no problems, and (unless allowed) at least one key. */
export async function assertSameDataset(t: Test, master: ReplNode, replica: ReplNode, oracle: Oracle, options: CompareOptions & { minKeys?: number }): Promise<DatasetReport> {
  const report = await compareDatasets(master, replica, oracle, options);
  const total = [...report.keysPerDb.values()].reduce((a, b) => a + b, 0);
  const perDb = [...report.keysPerDb].map(([db, n]) => `db${db}=${n}`).join(' ');
  const perType = [...report.keysPerType].map(([type, n]) => `${type}=${n}`).join(' ');
  t.ok(total >= (options.minKeys ?? 1), `${master.label} holds data to compare: ${total} keys (${perDb}; ${perType})`);
  t.same(report.problems.slice(0, MAX_PROBLEMS_SHOWN), [],
    `${replica.label} holds the same keys, types, TTLs and values as ${master.label}` +
    (report.problems.length > MAX_PROBLEMS_SHOWN ? ` (${report.problems.length} problems, first ${MAX_PROBLEMS_SHOWN} shown)` : ''));
  return report;
}
