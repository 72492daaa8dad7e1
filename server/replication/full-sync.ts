/**
 * Sending one snapshot to the replicas that asked for a full resync (redis-wire.md §2.1 step 5).
 *
 * The snapshot is taken synchronously when the job starts (that instant is the offset the
 * replicas were told in +FULLRESYNC); its RDB bytes are made lazily, a chunk per turn of the
 * event loop (or slower, with rdb-key-save-delay), so other clients are served during a large
 * transfer.
 *
 *   diskless ($EOF:<mark>): chunks go to the sockets as they are made, then the mark; the
 *                replica goes online at its first ACK after that (replica-handle.ts).
 *   disk ($<len>): the length must come first, so the whole RDB is made, then sent; the
 *                replica goes online right away. Redis writes this RDB to dump.rdb first;
 *                hashslot keeps it in memory, which a replica cannot tell apart.
 */
import type { ReplicaHandle } from './replica-handle';

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `eofMark`: for a diskless transfer, the 40 hex characters that end it (Redis takes them from
 * its own random generator, as it does replication ids; so does the caller, which keeps a seeded
 * node's transfers reproducible); null for a disk one.
 */
export async function sendSnapshot(replicas: readonly ReplicaHandle[], chunks: AsyncIterable<Buffer>, eofMark: string | null): Promise<void> {
  const live = (): ReplicaHandle[] => replicas.filter((r) => !r.client.closed);
  if (eofMark !== null) {
    for (const r of live()) {
      r.state = 'send_bulk';
      r.client.writeRaw(`$EOF:${eofMark}\r\n`);
    }
    for await (const chunk of chunks) {
      const targets = live();
      if (targets.length === 0) return;
      for (const r of targets) r.client.writeRaw(chunk);
      await yieldToEventLoop();
    }
    for (const r of live()) {
      r.client.writeRaw(eofMark);
      r.state = 'wait_ack';
    }
    return;
  }
  const parts: Buffer[] = [];
  for await (const chunk of chunks) {
    parts.push(chunk);
    await yieldToEventLoop();
    if (live().length === 0) return;
  }
  const rdb = Buffer.concat(parts);
  for (const r of live()) {
    r.state = 'send_bulk';
    r.client.writeRaw(`$${rdb.length}\r\n`);
    r.client.writeRaw(rdb);
    r.goOnline();
  }
}
