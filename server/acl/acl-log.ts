/**
 * ACL LOG: the recent denials (a command, key or channel refused, a failed AUTH), newest first.
 *
 * As in Redis 7.0, a denial like one of the 10 newest entries (same reason, context, object and
 * user, within 60 seconds of it) is not a new entry: that entry's count goes up, it takes the new
 * time and client description, and moves to the front. The list keeps acllog-max-len entries.
 * Redis 7.0.15 prints seven fields per entry (entry-id and the timestamps came in 7.2).
 */
import type { ByteString } from '../../storage/bytes';
import { formatDouble } from '../../storage/numbers';
import type { ReplyWriter } from '../../protocol/reply-writer';

export type AclLogReason = 'command' | 'key' | 'channel' | 'auth';
export type AclLogContext = 'toplevel' | 'multi' | 'lua';

interface Entry {
  count: number;
  readonly reason: AclLogReason;
  readonly context: AclLogContext;
  readonly object: ByteString;
  readonly username: ByteString;
  createdAtMs: number;
  clientInfo: string;
}

const GROUPING_MS = 60_000;
const SCAN_FOR_DUPLICATES = 10;

export class AclLog {
  private entries: Entry[] = [];

  add(entry: Omit<Entry, 'count'>, maxLength: number): void {
    const limit = Math.min(SCAN_FOR_DUPLICATES, this.entries.length);
    for (let i = 0; i < limit; i++) {
      const e = this.entries[i] as Entry;
      if (
        e.reason === entry.reason && e.context === entry.context && e.object === entry.object &&
        e.username === entry.username && Math.abs(entry.createdAtMs - e.createdAtMs) <= GROUPING_MS
      ) {
        e.count++;
        e.createdAtMs = entry.createdAtMs;
        e.clientInfo = entry.clientInfo;
        this.entries.splice(i, 1);
        this.entries.unshift(e);
        return;
      }
    }
    this.entries.unshift({ count: 1, ...entry });
    if (this.entries.length > maxLength) this.entries.length = maxLength;
  }

  reset(): void {
    this.entries = [];
  }

  /** ACL LOG [count]: up to `count` entries, newest first, as maps of seven fields. */
  reply(out: ReplyWriter, count: number, nowMs: number): void {
    const shown = this.entries.slice(0, count);
    out.array(shown.length);
    for (const e of shown) {
      out.map(7);
      out.bulk('count');
      out.integer(e.count);
      out.bulk('reason');
      out.bulk(e.reason);
      out.bulk('context');
      out.bulk(e.context);
      out.bulk('object');
      out.bulk(e.object);
      out.bulk('username');
      out.bulk(e.username);
      out.bulk('age-seconds');
      out.double(formatDouble((nowMs - e.createdAtMs) / 1000));
      out.bulk('client-info');
      out.bulk(e.clientInfo);
    }
  }
}
