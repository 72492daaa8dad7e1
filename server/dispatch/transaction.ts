/**
 * A client's MULTI/EXEC state and its WATCHed keys (Redis's transaction rules):
 *
 *  - after MULTI, commands are checked (lookup, arity, routing, write guards) and queued; a
 *    command rejected while queuing dooms the transaction: EXEC answers EXECABORT;
 *  - a WATCHed key written, deleted, expired or flushed by anyone before EXEC makes EXEC answer
 *    a null array and run nothing; so does a watched key that is past its deadline at EXEC;
 *  - EXEC and DISCARD end the transaction and forget every watch.
 */
import type { ByteString } from '../../storage/bytes';
import type { Database, KeyWatcher } from '../../storage/database';
import type { CommandSpec } from './command';

export interface QueuedCommand {
  spec: CommandSpec;
  argv: ByteString[];
}

interface WatchedKey {
  db: Database;
  key: ByteString;
  /** Already past its deadline when watched: its expiry then does not count. */
  expiredWhenWatched: boolean;
}

export class ClientTransaction implements KeyWatcher {
  /** Commands queued since MULTI; null outside a transaction. */
  queue: QueuedCommand[] | null = null;
  /** A command was rejected while queuing. */
  aborted = false;
  /** A watched key was touched since WATCH. */
  touched = false;
  /** EXEC is running the queued commands: blocking commands answer at once instead of waiting. */
  executing = false;
  /** The commands EXEC is running (CLIENT LIST still shows the client in MULTI meanwhile). */
  running: readonly QueuedCommand[] | null = null;
  private watched: WatchedKey[] = [];

  get watchedCount(): number {
    return this.watched.length;
  }

  get inMulti(): boolean {
    return this.queue !== null;
  }

  keyTouched(): void {
    this.touched = true;
  }

  watch(db: Database, key: ByteString, nowMs: number): void {
    if (this.watched.some((w) => w.db === db && w.key === key)) return;
    this.watched.push({ db, key, expiredWhenWatched: db.isLogicallyExpired(key, nowMs) });
    db.watch(key, this);
  }

  /** Whether EXEC must refuse: a watched key changed, or expired since it was watched. */
  watchFailed(nowMs: number): boolean {
    return this.touched || this.watched.some((w) => !w.expiredWhenWatched && w.db.isLogicallyExpired(w.key, nowMs));
  }

  unwatchAll(): void {
    for (const w of this.watched) w.db.unwatch(w.key, this);
    this.watched = [];
    this.touched = false;
  }

  /** Leaves MULTI (EXEC, DISCARD, RESET) and forgets the watches. */
  end(): void {
    this.queue = null;
    this.aborted = false;
    this.unwatchAll();
  }
}
