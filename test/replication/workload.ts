/*
 * The write traffic a master replicates in the full-sync scenarios: a seeded random mix of every
 * string and key command hashslot has, spread over a few databases, plus a loader of lists, hashes,
 * sets and sorted sets for masters that are real Redis.
 *
 * Keys live in pools, so that every command is valid for the values its pool holds and the mix
 * never trips over WRONGTYPE or "not an integer" (the one error it expects is RENAME's
 * "ERR no such key"):
 *
 *   str:<n>   SET (plain, EX, PX, EXAT, PXAT, KEEPTTL, NX, XX, GET), SETEX, PSETEX, GET, APPEND,
 *             SETRANGE, MSET, DEL, UNLINK, EXPIRE, PEXPIRE, PERSIST, RENAME, GETDEL, GETEX
 *   int:<n>   INCR, INCRBY, DECR, DECRBY, SET <integer>, EXPIRE, DEL, RENAME
 *   flt:<n>   INCRBYFLOAT (propagated by Redis as SET ... KEEPTTL), SET <float>, GETDEL
 *   tmp:<n>   only writes that leave a TTL of at most 1.5 s: these keys all expire during the
 *             run, on the master's active cycle or lazily, and reach the replica as DELs
 *   bin\xff.. binary-safe key names and values (\x00, \xff, CRLF inside)
 *
 * TTLs outside tmp: are long (5 minutes to an hour), so nothing else expires while the datasets
 * are compared. The seed is printed by the tests; HASHSLOT_REPLICATION_SEED replays it.
 */

import { TestRandom as Prng } from '../helpers/test-random';
import type { Arg } from '../../bench/harness/resp';
import { isErrorReply, text, type Conn } from './replication-harness';

/** The workload's seeded draws. */
export { Prng };

export function workloadSeed(): number {
  const fromEnv = process.env['HASHSLOT_REPLICATION_SEED'];
  if (fromEnv !== undefined && fromEnv !== '') return Number(fromEnv) >>> 0;
  return Math.floor(Math.random() * 2 ** 31);
}

const POOL_SIZES = { str: 1200, int: 250, flt: 80, tmp: 300, bin: 40 } as const;
const SHORT_TTL_MAX_MS = 1_500;

/** Weighted choice: [weight, action] pairs. */
function weighted(rng: Prng, table: readonly (readonly [number, () => Arg[]])[]): Arg[] {
  let total = 0;
  for (const [w] of table) total += w;
  let roll = rng.next() * total;
  for (const [w, make] of table) {
    roll -= w;
    if (roll < 0) return make();
  }
  const last = table[table.length - 1];
  if (last === undefined) throw new Error('empty table');
  return last[1]();
}

export class StringWorkload {
  private readonly rng: Prng;
  private db = -1;
  /** The longest short TTL (ms) among the commands handed out since the last takeShortTtl(). */
  private shortTtlMs = 0;
  readonly counts = new Map<string, number>();

  constructor(
    seed: number,
    private readonly dbs: readonly number[],
  ) {
    this.rng = new Prng(seed);
  }

  /** The next `count` commands (SELECTs included when the db changes, and counted). */
  next(count: number): Arg[][] {
    const out: Arg[][] = [];
    while (out.length < count) {
      // Stay in a db for a short run of commands, so SELECTs are frequent but not every other one.
      if (this.db < 0 || this.rng.chance(0.05)) {
        const db = this.rng.pick(this.dbs);
        if (db !== this.db) {
          this.db = db;
          out.push(['SELECT', String(db)]);
          this.count('SELECT');
          continue;
        }
      }
      const command = this.command();
      this.count(String(command[0]));
      out.push(command);
    }
    return out;
  }

  /** The longest short TTL handed out since the previous call, in ms (0 if none). */
  takeShortTtl(): number {
    const ms = this.shortTtlMs;
    this.shortTtlMs = 0;
    return ms;
  }

  private count(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  private command(): Arg[] {
    const rng = this.rng;
    const roll = rng.next();
    if (roll < 0.58) return this.strCommand();
    if (roll < 0.78) return this.intCommand();
    if (roll < 0.85) return this.fltCommand();
    if (roll < 0.97) return this.tmpCommand();
    return this.binCommand();
  }

  private key(pool: keyof typeof POOL_SIZES): string {
    return `${pool}:${this.rng.int(0, POOL_SIZES[pool] - 1)}`;
  }

  private value(): Arg {
    const rng = this.rng;
    const roll = rng.next();
    if (roll < 0.08) {
      // Binary: every byte value, including \0, \xff and CR LF.
      const bytes = Buffer.alloc(rng.int(0, 40));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(0, 255);
      return bytes;
    }
    if (roll < 0.09) return 'L'.repeat(rng.int(2_000, 20_000));
    if (roll < 0.15) return String(rng.int(-1_000_000, 1_000_000));
    return `v${rng.int(0, 1e9).toString(36)}${'.'.repeat(rng.int(0, 30))}`;
  }

  private longSeconds(): string {
    return String(this.rng.int(300, 3_600));
  }

  private longMs(): string {
    return String(this.rng.int(300_000, 3_600_000));
  }

  private shortMs(): number {
    const ms = this.rng.int(50, SHORT_TTL_MAX_MS);
    this.shortTtlMs = Math.max(this.shortTtlMs, ms);
    return ms;
  }

  private strCommand(): Arg[] {
    const rng = this.rng;
    const k = (): string => this.key('str');
    const nowS = Math.floor(Date.now() / 1000);
    return weighted(rng, [
      [10, () => ['SET', k(), this.value()]],
      [3, () => ['SET', k(), this.value(), 'EX', this.longSeconds()]],
      [3, () => ['SET', k(), this.value(), 'PX', this.longMs()]],
      [3, () => ['SET', k(), this.value(), 'KEEPTTL']],
      [1, () => ['SET', k(), this.value(), 'NX']],
      [1, () => ['SET', k(), this.value(), 'XX', 'PX', this.longMs()]],
      [1, () => ['SET', k(), this.value(), 'GET']],
      [1, () => ['SET', k(), this.value(), 'EXAT', String(nowS + rng.int(300, 3_600))]],
      [1, () => ['SET', k(), this.value(), 'PXAT', String(Date.now() + rng.int(300_000, 3_600_000))]],
      [2, () => ['SETEX', k(), this.longSeconds(), this.value()]],
      [2, () => ['PSETEX', k(), this.longMs(), this.value()]],
      [5, () => ['GET', k()]],
      [4, () => ['APPEND', k(), `+${rng.int(0, 999)}`]],
      [3, () => ['SETRANGE', k(), String(rng.int(0, 64)), this.value()]],
      [3, () => {
        const argv: Arg[] = ['MSET'];
        for (let i = rng.int(2, 4); i > 0; i--) argv.push(k(), this.value());
        return argv;
      }],
      [3, () => ['DEL', k(), ...(rng.chance(0.3) ? [k()] : [])]],
      [2, () => ['UNLINK', k(), ...(rng.chance(0.3) ? [k(), this.key('int')] : [])]],
      [2, () => ['EXPIRE', k(), this.longSeconds()]],
      [2, () => ['PEXPIRE', k(), this.longMs()]],
      [2, () => ['PERSIST', k()]],
      [2, () => ['RENAME', k(), k()]],
      [2, () => ['GETDEL', k()]],
      [3, () => weighted(rng, [
        [1, () => ['GETEX', k()]],
        [1, () => ['GETEX', k(), 'EX', this.longSeconds()]],
        [1, () => ['GETEX', k(), 'PX', this.longMs()]],
        [1, () => ['GETEX', k(), 'EXAT', String(nowS + rng.int(300, 3_600))]],
        [1, () => ['GETEX', k(), 'PERSIST']],
      ])],
    ]);
  }

  private intCommand(): Arg[] {
    const rng = this.rng;
    const k = (): string => this.key('int');
    return weighted(rng, [
      [5, () => ['INCR', k()]],
      [3, () => ['INCRBY', k(), String(rng.int(-1_000, 1_000))]],
      [2, () => ['DECR', k()]],
      [1, () => ['DECRBY', k(), String(rng.int(-1_000, 1_000))]],
      [2, () => ['SET', k(), String(rng.int(-100_000, 100_000))]],
      [1, () => ['EXPIRE', k(), this.longSeconds()]],
      [1, () => ['DEL', k()]],
      [1, () => ['RENAME', k(), k()]],
    ]);
  }

  private fltCommand(): Arg[] {
    const rng = this.rng;
    const k = (): string => this.key('flt');
    return weighted(rng, [
      [5, () => ['INCRBYFLOAT', k(), rng.pick(['0.5', '-1.25', '3', '1e2', '0.1', String(rng.int(-50, 50) / 8)])]],
      [1, () => ['SET', k(), String(rng.int(-1_000, 1_000) / 4)]],
      [1, () => ['PEXPIRE', k(), this.longMs()]],
      [1, () => ['GETDEL', k()]],
    ]);
  }

  private tmpCommand(): Arg[] {
    const rng = this.rng;
    const k = (): string => this.key('tmp');
    return weighted(rng, [
      [4, () => ['SET', k(), this.value(), 'PX', String(this.shortMs())]],
      [2, () => ['PSETEX', k(), String(this.shortMs()), this.value()]],
      [1, () => { this.shortTtlMs = Math.max(this.shortTtlMs, 1_000); return ['SETEX', k(), '1', this.value()]; }],
      [1, () => { this.shortTtlMs = Math.max(this.shortTtlMs, 1_000); return ['SET', k(), this.value(), 'EX', '1']; }],
      [1, () => ['PEXPIRE', k(), String(this.shortMs())]],
      [1, () => ['GETEX', k(), 'PX', String(this.shortMs())]],
      [1, () => ['GET', k()]],
    ]);
  }

  private binCommand(): Arg[] {
    const rng = this.rng;
    const k = (): Buffer => Buffer.from([0x62, 0x69, 0x6e, 0xff, rng.int(0, POOL_SIZES.bin - 1), 0x00, 0x0d, 0x0a]);
    return weighted(rng, [
      [3, () => ['SET', k(), this.value()]],
      [1, () => ['APPEND', k(), Buffer.from([0x00, 0xff, rng.int(0, 255)])]],
      [1, () => ['DEL', k()]],
      [1, () => ['PEXPIRE', k(), this.longMs()]],
    ]);
  }
}

/** Errors the mix produces on purpose: RENAME of a key that is not there. */
const EXPECTED_ERRORS = new Set(['ERR no such key']);

export interface WorkloadRun {
  sent: number;
  expectedErrors: number;
  /** Errors outside EXPECTED_ERRORS, with counts: `-ERR unknown command ... x12`. */
  unexpectedErrors: string[];
  /** When the last short TTL handed out has certainly run out (ms since the epoch). */
  shortTtlsGoneAt: number;
}

/**
 * Sends `total` commands from the workload through `conn`, pipelined `batch` at a time, and
 * checks the replies for errors. A batch's short TTLs started no later than its replies arrived,
 * so "reply time + longest TTL" bounds when they are gone.
 */
export async function runWorkload(conn: Conn, workload: StringWorkload, total: number, batch = 1_000): Promise<WorkloadRun> {
  const run: WorkloadRun = { sent: 0, expectedErrors: 0, unexpectedErrors: [], shortTtlsGoneAt: 0 };
  const unexpected = new Map<string, number>();
  while (run.sent < total) {
    const commands = workload.next(Math.min(batch, total - run.sent));
    const ttl = workload.takeShortTtl();
    const replies = await conn.pipeline(commands, 60_000);
    if (ttl > 0) run.shortTtlsGoneAt = Math.max(run.shortTtlsGoneAt, Date.now() + ttl + 50);
    replies.forEach((reply, i) => {
      if (!isErrorReply(reply)) return;
      const message = text(reply);
      if (EXPECTED_ERRORS.has(message)) {
        run.expectedErrors++;
      } else {
        const command = commands[i];
        const key = `-${message} (e.g. ${command === undefined ? '?' : String(command[0])})`;
        unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
      }
    });
    run.sent += commands.length;
  }
  run.unexpectedErrors = [...unexpected].map(([message, n]) => `${message} x${n}`);
  return run;
}

// ─── Lists, hashes, sets, sorted sets (real Redis masters only) ─────────────────────────────────

/**
 * Container values in each db, small and large, so the RDB carries every encoding Redis 7.0 writes
 * for them (listpack and quicklist lists, listpack and hashtable hashes, intset and hashtable
 * sets, listpack and skiplist sorted sets), some with TTLs and binary members.
 */
export function containerCommands(seed: number, dbs: readonly number[]): Arg[][] {
  const rng = new Prng(seed ^ 0x5eed);
  const out: Arg[][] = [];
  const member = (i: number): Arg =>
    rng.chance(0.1) ? Buffer.from([0xff, 0x00, i & 0xff, 0x0d, 0x0a]) : `m${i}-${rng.int(0, 1e6).toString(36)}`;
  for (const db of dbs) {
    out.push(['SELECT', String(db)]);
    for (let n = 0; n < 12; n++) {
      const big = n % 3 === 0;
      const size = big ? rng.int(600, 1_500) : rng.int(1, 60);
      const list: Arg[] = ['RPUSH', `list:${n}`];
      const hash: Arg[] = ['HSET', `hash:${n}`];
      const intset: Arg[] = ['SADD', `iset:${n}`];
      const set: Arg[] = ['SADD', `set:${n}`];
      const zset: Arg[] = ['ZADD', `zset:${n}`];
      for (let i = 0; i < size; i++) {
        list.push(rng.chance(0.05) ? 'x'.repeat(rng.int(100, 3_000)) : member(i));
        hash.push(`f${i}`, rng.chance(0.05) ? 'y'.repeat(rng.int(65, 500)) : member(i));
        intset.push(String(rng.int(-1e9, 1e9)));
        set.push(member(i));
        zset.push(rng.pick(['-inf', '+inf', String(rng.int(-1e6, 1e6) / 16), String(i)]), member(i));
      }
      out.push(list, hash, intset, set, zset);
      if (n % 4 === 1) {
        for (const key of [`list:${n}`, `hash:${n}`, `iset:${n}`, `set:${n}`, `zset:${n}`]) {
          out.push(['PEXPIRE', key, String(rng.int(300_000, 3_600_000))]);
        }
      }
    }
    // Edge cases: an integer-like string, an empty string, a long one.
    out.push(['SET', 'str:int', '12345'], ['SET', 'str:empty', ''], ['SET', 'str:long', 'z'.repeat(100_000)]);
  }
  return out;
}
