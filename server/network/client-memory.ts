/**
 * The memory fields of CLIENT LIST / CLIENT INFO (qbuf, qbuf-free, argv-mem, multi-mem, rbs, rbp,
 * obl, oll, omem, tot-mem), computed the way Redis 7.0 accounts a client, so that monitoring
 * tools and tests reading them see the values a redis-server would show.
 *
 * Redis's figures describe its own buffers, which hashslot does not have; what it has is the
 * same traffic, and the buffers' sizes follow from the traffic by Redis's rules:
 *
 *   query buffer   an sds string. A fresh client's is empty (4 bytes free); each read first makes
 *                  room for 16 KiB beyond what is buffered, so after the first read it holds a
 *                  jemalloc size class of 20480 bytes (20474 usable). Bytes of a request are
 *                  consumed as the request is parsed (a bulk argument that has fully arrived moves
 *                  into argv, its `$<len>` line is dropped), but the buffer is trimmed only after
 *                  the whole read was processed: while a command runs, qbuf counts every byte of
 *                  the read it came in, including the commands before it.
 *   argv           argv-mem is the sum of the arguments' lengths: the running command's, or those
 *                  of a request still arriving. tot-mem adds a pointer per argument. Inside EXEC
 *                  argv-mem stays EXEC's while the pointers are the queued command's.
 *   MULTI queue    multi-mem sums each queued command's arguments and pointers; tot-mem adds the
 *                  queue array (24 bytes a slot, 2 slots then doubling) and 56 bytes per WATCHed key.
 *   reply buffer   16 KiB at first (rbs), with its high-water mark (rbp) starting at 16 KiB. The
 *                  clients cron shrinks it to max(1 KiB, peak + 1) once the peak is under half its
 *                  size, doubles it (up to 16 KiB) when a reply filled it, and resets the peak to
 *                  what is buffered every 5 s; 7.0 starts that 5 s period at the epoch, so the
 *                  first cron pass after a connect already resets the peak. obl is what the
 *                  buffer holds now (replies of earlier commands of the same read); more than it
 *                  fits goes to a list of 16 KiB blocks (oll blocks, omem bytes).
 *   pub/sub        channels and shard channels sit in a dict each (24 bytes an entry, 8 a slot,
 *                  4 slots at first then doubling), patterns in a list (24 bytes a node).
 *   the client     the client structure itself: 768 bytes in 7.0.15 on 64-bit Linux.
 *
 * Sizes go through jemalloc's size classes (allocationBytes), as Redis counts usable sizes.
 * The clients cron cuts the query buffer of a client idle for more than 2 s to what it holds
 * (qbuf-free=0). Not modelled: a query buffer grown past 32 KiB (big arguments, long pipelines),
 * which Redis later shrinks in its cron towards its recent peak; the pub/sub dicts' history
 * (they never shrink after UNSUBSCRIBE, and while one is rehashing both its tables count, which
 * depends on Redis's per-process hash seed).
 */

/** sizeof(client) in Redis 7.0.15 (x86-64), rounded to its jemalloc class. */
const CLIENT_STRUCT_BYTES = 768;
/** One argv slot (a robj pointer). */
const POINTER_BYTES = 8;
/** sizeof(multiCmd), one slot of the MULTI queue array. */
const MULTI_SLOT_BYTES = 24;
/** A WATCHed key: a list node and a watchedKey structure. */
const WATCHED_KEY_BYTES = 56;
/** A dict entry, a dict slot, a dict's first table size, and a list node (pub/sub). */
const DICT_ENTRY_BYTES = 24;
const DICT_SLOT_BYTES = 8;
const DICT_INITIAL_SLOTS = 4;
const LIST_NODE_BYTES = 24;
/** PROTO_IOBUF_LEN: room made in the query buffer before each read. */
const READ_BYTES = 16 * 1024;
/** PROTO_REPLY_CHUNK_BYTES and PROTO_REPLY_MIN_BYTES: the reply buffer's largest and smallest size. */
const REPLY_CHUNK_BYTES = 16 * 1024;
const REPLY_MIN_BYTES = 1024;
/** The free space past which the cron trims an idle client's query buffer. */
const QUERY_FREE_TRIM_BYTES = 4 * 1024;
/** An empty sds string: its 3-byte header, its NUL, 4 usable bytes in an 8-byte allocation. */
const EMPTY_QUERY_BUFFER_FREE = 4;

/** The usable size jemalloc gives a request of `bytes` (its size class). */
export function allocationBytes(bytes: number): number {
  if (bytes <= 8) return 8;
  if (bytes <= 128) return Math.ceil(bytes / 16) * 16;
  // Four classes per doubling: for sizes in (2^k, 2^(k+1)] the step is 2^(k-2).
  const group = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = group / 4;
  return Math.ceil(bytes / step) * step;
}

/** An sds header's size for a string of `bytes` (sdshdr8/16/32). */
export function sdsHeaderBytes(bytes: number): number {
  return bytes < 256 ? 3 : bytes < 65536 ? 5 : 9;
}

/** A client's buffers as Redis would have sized them: updated on reads, replies and the cron. */
export class ClientMemory {
  /** The query buffer's usable bytes (sdsalloc). */
  queryBufferAlloc = EMPTY_QUERY_BUFFER_FREE;
  /** The reply buffer's usable size (rbs) and high-water mark (rbp). */
  replyBufferBytes = REPLY_CHUNK_BYTES;
  replyPeakBytes = REPLY_CHUNK_BYTES;
  private peakResetAtMs = 0;
  /** Set by the first clients cron pass over this client (Redis then puts it in an eviction bucket). */
  cronSeen = false;

  /**
   * The query buffer was cut to what it holds (the cron's idle pass), so its block is no longer
   * one of the sizes a read makes room for: tot-mem rounds it up to its jemalloc class.
   */
  queryBufferTrimmed = false;

  /** A read arrives while `bufferedBytes` of earlier ones still wait: Redis makes room first. */
  noteRead(bufferedBytes: number): void {
    if (this.queryBufferAlloc - bufferedBytes >= READ_BYTES) return;
    const wanted = bufferedBytes + READ_BYTES;
    const header = sdsHeaderBytes(wanted);
    this.queryBufferAlloc = allocationBytes(header + wanted + 1) - header - 1;
    this.queryBufferTrimmed = false;
  }

  /**
   * The clients cron's query-buffer pass (clientsCronResizeQueryBuffer): a buffer with more than
   * 4 KiB free on a client idle for more than 2 s (whole seconds, as Redis counts) is cut to
   * what it holds. An idle client's tot-mem thus drops by the 20 KiB its last read made room
   * for. (The other case, a buffer over 32 KiB cut back towards its recent peak, is not modelled.)
   */
  idleQueryBufferPass(idleSec: number, bufferedBytes: number): void {
    if (idleSec <= 2 || this.queryBufferAlloc - bufferedBytes <= QUERY_FREE_TRIM_BYTES) return;
    this.queryBufferAlloc = bufferedBytes;
    this.queryBufferTrimmed = true;
  }

  /** `bufferedBytes` of replies wait to be written: the part in the reply buffer raises its peak. */
  noteReplies(bufferedBytes: number): void {
    const inBuffer = Math.min(bufferedBytes, this.replyBufferBytes);
    if (inBuffer > this.replyPeakBytes) this.replyPeakBytes = inBuffer;
  }

  /**
   * The clients cron's reply-buffer pass (clientsCronResizeOutputBuffer). DEBUG REPLYBUFFER
   * RESIZING 0 turns the whole pass off, peak resets included; a negative peak-reset time never
   * resets the peak.
   */
  cron(nowMs: number, bufferedBytes: number, policy: ReplyBufferPolicy): void {
    this.cronSeen = true;
    if (!policy.replyBufferResizing) return;
    const size = this.replyBufferBytes;
    if (size / 2 >= REPLY_MIN_BYTES && this.replyPeakBytes < size / 2) {
      this.replyBufferBytes = allocationBytes(Math.max(REPLY_MIN_BYTES, this.replyPeakBytes + 1));
    } else if (size * 2 < REPLY_CHUNK_BYTES * 2 && this.replyPeakBytes === size) {
      this.replyBufferBytes = allocationBytes(Math.min(REPLY_CHUNK_BYTES, size * 2));
    }
    if (policy.replyBufferPeakResetMs >= 0 && nowMs - this.peakResetAtMs >= policy.replyBufferPeakResetMs) {
      this.replyPeakBytes = Math.min(bufferedBytes, size);
      this.peakResetAtMs = nowMs;
    }
  }
}

/** The reply-buffer settings DEBUG REPLYBUFFER changes (server/debug-hooks.ts). */
export interface ReplyBufferPolicy {
  readonly replyBufferResizing: boolean;
  readonly replyBufferPeakResetMs: number;
}

/** What a client line's memory fields are computed from. */
export interface ClientMemoryInput {
  memory: ClientMemory;
  /** Bytes in the query buffer (qbuf). */
  queryBytes: number;
  /** Lengths of the arguments held in argv (argv-mem), and how many pointers argv holds. */
  argvBytes: number;
  argc: number;
  /** The slots of argv's pointer array: the request's announced argument count, at most 1024. */
  argvSlots: number;
  /** The MULTI queue (null outside MULTI/EXEC) and the number of WATCHed keys. */
  queued: ReadonlyArray<{ readonly argv: readonly string[] }> | null;
  watchedKeys: number;
  /** Reply bytes produced but not yet handed to the socket, and those the socket still holds. */
  pendingReplyBytes: number;
  /** Subscribed channels, patterns and shard channels. */
  channels: number;
  patterns: number;
  shardChannels: number;
}

/** A client's pub/sub dict of `entries` channels: entries and the slots of its table. */
function dictBytes(entries: number): number {
  if (entries === 0) return 0;
  let slots = DICT_INITIAL_SLOTS;
  while (slots < entries) slots *= 2;
  return entries * DICT_ENTRY_BYTES + slots * DICT_SLOT_BYTES;
}

/** The `qbuf=... tot-mem=...` run of a client line, in Redis's field order. */
export function memoryFields(input: ClientMemoryInput): string {
  const m = measure(input);
  return (
    `qbuf=${input.queryBytes} qbuf-free=${m.queryFree} argv-mem=${input.argvBytes} multi-mem=${m.multiBytes} ` +
    `rbs=${m.rbs} rbp=${m.rbp} obl=${m.obl} oll=${m.oll} omem=${m.omem} tot-mem=${m.totalBytes}`
  );
}

/** A client's tot-mem: what Redis counts it for in maxmemory-clients and its eviction buckets. */
export function totalMemoryBytes(input: ClientMemoryInput): number {
  return measure(input).totalBytes;
}

/**
 * What the clients cron reads of a client in one go: its tot-mem (for INFO's mem_clients_*),
 * and its sample for client_recent_max_input_buffer and _output_buffer
 * (clientsCronTrackExpansiveClients): the query buffer's block plus the arguments held (with
 * their pointer array), and the replies past the reply buffer (omem).
 */
export function bufferUsage(input: ClientMemoryInput): { totalBytes: number; inputBytes: number; outputBytes: number } {
  const m = measure(input);
  return { totalBytes: m.totalBytes, inputBytes: m.inputBytes, outputBytes: m.omem };
}

/** The figures of one client, as numbers (the cron reads them for every client, often). */
interface Measures {
  queryFree: number;
  multiBytes: number;
  rbs: number;
  rbp: number;
  obl: number;
  oll: number;
  omem: number;
  totalBytes: number;
  inputBytes: number;
}

function measure(input: ClientMemoryInput): Measures {
  const { memory, queryBytes } = input;
  let multiBytes = 0;
  let queueSlots = 0;
  if (input.queued !== null && input.queued.length > 0) {
    for (const { argv } of input.queued) {
      multiBytes += argv.length * POINTER_BYTES;
      for (const arg of argv) multiBytes += arg.length;
    }
    queueSlots = 2;
    while (queueSlots < input.queued.length) queueSlots *= 2;
  }
  const rbs = memory.replyBufferBytes;
  const obl = Math.min(input.pendingReplyBytes, rbs);
  const overflow = input.pendingReplyBytes - obl;
  const oll = Math.ceil(overflow / REPLY_CHUNK_BYTES);
  const omem = overflow;
  const rbp = Math.max(memory.replyPeakBytes, obl);
  const queryAlloc = Math.max(memory.queryBufferAlloc, queryBytes);
  const queryHeader = queryAlloc === EMPTY_QUERY_BUFFER_FREE ? 3 : sdsHeaderBytes(queryAlloc);
  const queryBlock = memory.queryBufferTrimmed && queryAlloc === memory.queryBufferAlloc
    ? allocationBytes(queryHeader + queryAlloc + 1)
    : queryAlloc + queryHeader + 1;
  const totalBytes =
    CLIENT_STRUCT_BYTES + queryBlock + input.argvBytes + input.argc * POINTER_BYTES +
    multiBytes + queueSlots * MULTI_SLOT_BYTES + input.watchedKeys * WATCHED_KEY_BYTES + rbs + omem +
    dictBytes(input.channels) + dictBytes(input.shardChannels) + input.patterns * LIST_NODE_BYTES;
  // Between commands Redis has freed argv; only a request still arriving holds arguments.
  const argvArray = input.argvSlots === 0 ? 0 : allocationBytes(input.argvSlots * POINTER_BYTES);
  const inputBytes = queryBlock + input.argvBytes + argvArray;
  return { queryFree: queryAlloc - queryBytes, multiBytes, rbs, rbp, obl, oll, omem, totalBytes, inputBytes };
}
