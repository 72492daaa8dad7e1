/**
 * What one bus link's output costs, in the two figures CLUSTER LINKS shows and
 * `cluster-link-sendbuf-limit` is checked against (redis-server 7.0 as observed: CLUSTER LINKS
 * and the link-freeing warning in its log):
 *
 *   send-buffer-used       bytes queued and not yet handed to the kernel (the socket's
 *                          writableLength here)
 *   send-buffer-allocated  room reserved for that queue. Redis keeps one growable string per
 *                          link: when a message does not fit it reserves twice what is needed
 *                          (needed + 1 MiB past 1 MiB), keeps the room after the bytes are sent,
 *                          and its 100 ms cron gives the room back only when the free part is
 *                          more than four times the used part.
 *
 * The limit is checked against the allocated figure, once per cron, right after that trim: a
 * link whose peer reads keeps little room, while a peer that stops reading (its kernel buffer
 * full) makes the queue and its room grow until the next cron frees the link. Only the figures
 * are modelled, not the allocator's rounding (redis-server shows 163830 where this shows 135604).
 */

/** Past this size the reservation grows by this much instead of doubling (SDS_MAX_PREALLOC). */
const DOUBLING_LIMIT_BYTES = 1024 * 1024;

export class SendBuffer {
  allocatedBytes = 0;

  /** Room for `bytes` more behind `queuedBytes` unsent ones; called before each write. */
  reserve(queuedBytes: number, bytes: number): void {
    const needed = queuedBytes + bytes;
    if (needed <= this.allocatedBytes) return;
    this.allocatedBytes = needed < DOUBLING_LIMIT_BYTES ? needed * 2 : needed + DOUBLING_LIMIT_BYTES;
  }

  /** Whether the room passes the limit (0: no limit). */
  exceeds(limitBytes: number): boolean {
    return limitBytes > 0 && this.allocatedBytes > limitBytes;
  }

  /** The cron's trim: room far beyond what is queued is given back. */
  trim(queuedBytes: number): void {
    const free = this.allocatedBytes - queuedBytes;
    if (Math.floor(free / 4) > queuedBytes) this.allocatedBytes = queuedBytes;
  }
}
