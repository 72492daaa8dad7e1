/**
 * A database's expires dict: the deadline of every key that has one, in absolute milliseconds.
 *
 * Deadlines are doubles, exact up to 2^53 ms (year 287396). The few keys given one beyond that
 * (PEXPIREAT k 9223372036854775807) keep the exact value aside as a bigint, so EXPIRETIME and a
 * snapshot answer it to the unit; comparisons with the clock use the double either way.
 *
 * Beside the map it keeps the bucket tables Redis would have under its expires dict
 * (dict-tables.ts, for DEBUG HTSTATS) and the persistent walk the active expire cycle samples
 * with. Deciding what an expired key means (delete, hide, keep) is the database's job.
 */
import type { ByteString } from './bytes';
import { DictTables } from './dict-tables';
import { MapWalk } from './map-walk';

export class DeadlineTable {
  /** key → deadline (ms). Read directly on the lookup path; written only through this class. */
  map = new Map<ByteString, number>();
  private exact = new Map<ByteString, bigint>();
  /** The bucket tables Redis would have under this dict (what DEBUG HTSTATS reports). */
  readonly tables = new DictTables();
  /** Where the active expire cycle's sampling resumes. */
  private readonly walk = new MapWalk<ByteString, number>();

  get size(): number {
    return this.map.size;
  }

  get(key: ByteString): number | undefined {
    return this.map.size === 0 ? undefined : this.map.get(key);
  }

  /** The deadline exactly, also beyond 2^53 ms. */
  getExact(key: ByteString): bigint | undefined {
    const at = this.get(key);
    if (at === undefined) return undefined;
    return this.exact.get(key) ?? BigInt(at);
  }

  /** The deadline as a snapshot records it: a bigint only where the double is not exact. */
  getForSnapshot(key: ByteString): number | bigint | undefined {
    const at = this.get(key);
    return at === undefined || this.exact.size === 0 ? at : (this.exact.get(key) ?? at);
  }

  /** Sets a key's deadline; `canResize` is whether Redis would grow its dict now. */
  set(key: ByteString, atMs: number | bigint, canResize: () => boolean): void {
    const approx = Number(atMs);
    // dictAddOrFind: a rehash step and the growth check, even for a key that has a deadline.
    const before = this.map.size;
    this.tables.add(before, canResize, false);
    this.map.set(key, approx);
    if (this.map.size !== before && this.tables.size1 !== 0) this.tables.addedSinceExpand++;
    if (typeof atMs === 'bigint' && !Number.isSafeInteger(approx)) this.exact.set(key, atMs);
    else if (this.exact.size !== 0) this.exact.delete(key);
  }

  /** Removes a key's deadline; true when it had one. */
  delete(key: ByteString): boolean {
    if (this.exact.size !== 0) this.exact.delete(key);
    this.tables.touched(this.map.size);
    return this.map.delete(key);
  }

  /** The next (key, deadline) of the active expire cycle's walk, or null when there is none. */
  nextSample(): [ByteString, number] | null {
    return this.walk.next(this.map);
  }

  /** Every deadline, bigints where they are exact beyond 2^53 (a snapshot's copy). */
  copyAll(): Map<ByteString, number | bigint> {
    const copy = new Map<ByteString, number | bigint>(this.map);
    for (const [key, exact] of this.exact) copy.set(key, exact);
    return copy;
  }

  /** Sum of remaining TTLs / count over up to 100 live deadlines, as INFO's avg_ttl roughly reports. */
  averageTtl(nowMs: number): number {
    let sum = 0;
    let n = 0;
    for (const at of this.map.values()) {
      if (at > nowMs) {
        sum += at - nowMs;
        n++;
      }
      if (n >= 100) break;
    }
    return n === 0 ? 0 : Math.floor(sum / n);
  }

  /** Drops every deadline (FLUSHDB). */
  reset(): void {
    this.map = new Map();
    this.exact = new Map();
    this.tables.reset();
    this.walk.reset();
  }

  /** Exchanges contents with another database's table (SWAPDB). */
  swap(other: DeadlineTable): void {
    [this.map, other.map] = [other.map, this.map];
    [this.exact, other.exact] = [other.exact, this.exact];
    this.tables.swap(other.tables);
    this.walk.reset();
    other.walk.reset();
  }
}
