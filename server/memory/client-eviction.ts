/**
 * maxmemory-clients: closing the clients that hold the most memory once all of them together
 * hold too much, the way Redis 7.0 does it (evictClients).
 *
 * What a client weighs is its CLIENT LIST tot-mem (network/client-memory.ts): buffers, but also
 * a MULTI queue, WATCHed keys and pub/sub subscriptions, so a client is evicted for any of them,
 * not only for a big request or a pile of unread replies. Redis keeps each client's figure as of
 * its last update and a running total of them. A figure is taken again after the client's
 * requests of a read ran, and when the clients cron visits the client (about once a second,
 * which is how buffers drained meanwhile are noticed). The total is checked before every
 * command (before the keys' maxmemory eviction), after a read's replies were written, and by
 * the cron: while it is at or over the limit, a client is closed and counted in INFO's
 * evicted_clients. So the client whose command went over still gets that reply, and goes
 * before anybody's next command runs.
 *
 * Which client goes follows Redis's buckets: a client sits in the bucket of its tot-mem's power
 * of two (everything under 32 KiB shares the first), and eviction empties the highest bucket
 * first, within a bucket in the order the clients entered it:
 *
 *   bucket  [0, 32K)  [32K, 64K)  [64K, 128K) ...  [4G, ∞)
 *             c7 c2       c5          c1 c9          ──▶ evicted first: c1, then c9, then c5 ...
 *
 * Every normal and pub/sub client counts toward the total; CLIENT NO-EVICT ones are never
 * chosen, nor replicas or the master link (which do not count either). A percentage setting
 * (`maxmemory-clients 10%`, stored negative) is a share of maxmemory, and, as in Redis, a limit
 * under 128 KiB counts as 128 KiB, so a bad setting cannot cut off every connection.
 */
import type { Session } from '../dispatch/session';

/** Bucket 0 holds clients under 32 KiB; bucket k those in [2^(14+k), 2^(15+k)); the last is open. */
const FIRST_BUCKET_BITS = 15;
/** The smallest limit Redis applies (getClientEvictionLimit). */
const MIN_LIMIT_BYTES = 128 * 1024;
export const EVICTION_BUCKETS = 19;

/** The eviction bucket of a client of `bytes` tot-mem. */
export function evictionBucketOf(bytes: number): number {
  if (bytes < 2 ** FIRST_BUCKET_BITS) return 0;
  return Math.min(EVICTION_BUCKETS - 1, Math.floor(Math.log2(bytes)) - FIRST_BUCKET_BITS + 1);
}

/** The tot-mem range of bucket `b`: [low, high], high Infinity for the last. */
export function evictionBucketRange(b: number): [number, number] {
  const low = b === 0 ? 0 : 2 ** (FIRST_BUCKET_BITS + b - 1);
  return [low, b === EVICTION_BUCKETS - 1 ? Number.POSITIVE_INFINITY : 2 ** (FIRST_BUCKET_BITS + b) - 1];
}

/** What eviction needs of a client (network/client.ts). */
export interface EvictableClient {
  readonly kind: 'normal' | 'replica' | 'master';
  readonly session: Session;
  readonly evictionMemoryBytes: number;
  describe(): string;
  close(): void;
}

interface Tracked {
  bytes: number;
  bucket: number;
  /** When it entered its bucket (the order within a bucket). */
  enteredAt: number;
}

export interface ClientEvictionHost {
  /** maxmemory-clients as stored: bytes, a negative percentage of maxmemory, or 0 (off). */
  setting(): number;
  maxmemory(): number;
  log(line: string): void;
  evicted(): void;
}

export class ClientEviction {
  private readonly tracked = new Map<EvictableClient, Tracked>();
  private totalBytes = 0;
  private entries = 0;
  /** The limit in bytes (0: off), as of the last refreshLimit. */
  private limit = 0;

  constructor(private readonly host: ClientEvictionHost) {}

  /**
   * maxmemory-clients or maxmemory changed (and once at start-up): the limit in bytes, 0 when
   * off, kept so that the checks on the command path read no configuration. Turned off,
   * nothing stays tracked until it is on again.
   */
  refreshLimit(): void {
    const setting = this.host.setting();
    const maxmemory = this.host.maxmemory();
    if (setting === 0 || (setting < 0 && maxmemory === 0)) {
      this.limit = 0;
      this.tracked.clear();
      this.totalBytes = 0;
      return;
    }
    const bytes = setting < 0 ? Math.floor((maxmemory * -setting) / 100) : setting;
    this.limit = Math.max(bytes, MIN_LIMIT_BYTES);
  }

  /** A client's requests of a read ran: its figure is taken again. */
  clientRan(client: EvictableClient): void {
    if (this.limit > 0 && client.kind === 'normal') this.update(client, client.evictionMemoryBytes);
  }

  /** The clients cron visited `client` and measured its tot-mem (`bytes`). */
  visit(client: EvictableClient, bytes: number): void {
    if (this.limit === 0) return;
    // A connection that turned replica (SYNC) no longer counts.
    if (client.kind === 'normal') this.update(client, bytes);
    else this.forget(client);
  }

  /** Closes clients while the total is at or over the limit; cheap when it is not. */
  evictIfNeeded(): void {
    if (this.limit === 0 || this.totalBytes < this.limit) return;
    const candidates = [...this.tracked].filter(([client]) => !client.session.noEvict);
    candidates.sort(([, a], [, b]) => b.bucket - a.bucket || a.enteredAt - b.enteredAt);
    for (const [client] of candidates) {
      if (this.totalBytes < this.limit) return;
      this.host.log(`Evicting client: ${client.describe()}`);
      this.forget(client);
      client.close();
      this.host.evicted();
    }
  }

  /** A closed client (or one no longer normal) no longer counts. */
  forget(client: EvictableClient): void {
    const entry = this.tracked.get(client);
    if (entry === undefined) return;
    this.totalBytes -= entry.bytes;
    this.tracked.delete(client);
  }

  private update(client: EvictableClient, bytes: number): void {
    const bucket = evictionBucketOf(bytes);
    const entry = this.tracked.get(client);
    if (entry === undefined) {
      this.tracked.set(client, { bytes, bucket, enteredAt: this.entries++ });
      this.totalBytes += bytes;
      return;
    }
    this.totalBytes += bytes - entry.bytes;
    entry.bytes = bytes;
    if (entry.bucket !== bucket) {
      entry.bucket = bucket;
      entry.enteredAt = this.entries++;
    }
  }
}
