/**
 * A replica's connection to its master (redis-wire.md §2.1): the handshake, the snapshot
 * transfer, then the replication stream, applied by a client of kind 'master'.
 *
 *   PING → [AUTH] + REPLCONF listening-port + [REPLCONF ip-address] + REPLCONF capa eof capa psync2
 *        → PSYNC <cached replid> <offset+1> | PSYNC ? -1
 *        → +CONTINUE [replid]   partial: the stream continues from our offset
 *        → +FULLRESYNC id off   then `$<len>` or `$EOF:<mark>` framing and the RDB, then the stream
 *
 * The link reads the handshake replies itself (bare "\n" keepalives may come before any of
 * them); once streaming, bytes go to the master client, and the bytes it has applied are
 * forwarded unchanged to this node's backlog and sub-replicas, so offsets agree down a chain.
 */
import * as net from 'node:net';
import { encodeCommand } from '../../protocol/command-encoder';
import { Client } from '../network/client';
import { errnoText } from '../config/codecs';
import type { RedisNode } from '../node';
import { chooseLoadMode, SyncTempFile, type SyncLoadMode } from './sync-load';

type LinkState = 'connecting' | 'pong' | 'replies' | 'psync' | 'bulk-header' | 'bulk' | 'connected';

/** What the replica remembers of a master to continue from: its replid and our offset. */
export interface CachedMaster {
  replid: string;
  offset: number;
}

export interface MasterLinkOwner {
  /** +FULLRESYNC: the snapshot is about to come. */
  fullSyncStarting(replid: string, offset: number): void;
  /** The snapshot arrived; load it as `mode` says (throws on a bad payload). */
  loadSnapshot(rdb: Buffer, mode: SyncLoadMode): void;
  /** +CONTINUE [newid]. */
  partialSyncAccepted(newReplid: string | null): void;
  /** The link is streaming; `client` applies the master's commands; ACK at once if asked. */
  streaming(client: Client, ackNow: boolean): void;
  /** Applied stream bytes, to be counted and forwarded. */
  streamApplied(data: Buffer): void;
  /** The link failed or closed; `reason` for the log. */
  linkLost(reason: string): void;
}

const EOF_MARK_LENGTH = 40;

export class MasterLink {
  state: LinkState = 'connecting';
  private readonly socket: net.Socket;
  private input: Buffer = Buffer.alloc(0);
  private expectedReplies: Array<{ what: string; fatal: boolean }> = [];
  private bulkLength = -1;
  private eofMark: Buffer | null = null;
  private bulkChunks: Buffer[] = [];
  private bulkTail: Buffer = Buffer.alloc(0);
  private bulkReceived = 0;
  /** How the snapshot is taken in (sync-load.ts), and its temp file in disk mode. */
  private loadMode: SyncLoadMode = 'disk';
  private tempFile: SyncTempFile | null = null;
  /**
   * Stream bytes handed to the master client, and how many of them (whole applied commands)
   * went on to our backlog and sub-replicas; `pendingStream` holds the ones not forwarded yet.
   */
  private streamFed = 0;
  private streamForwarded = 0;
  private pendingStream: Buffer[] = [];
  client: Client | null = null;
  lastIoMs: number;
  private closed = false;

  constructor(
    private readonly node: RedisNode,
    readonly host: string,
    readonly port: number,
    private readonly cached: CachedMaster | null,
    private readonly owner: MasterLinkOwner,
  ) {
    this.lastIoMs = node.clock();
    this.socket = net.connect({ host, port });
    node.hooks.socketOpened?.(this.socket, 'replication');
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.socketError(err));
    this.socket.on('close', () => this.fail(this.state === 'bulk' ? 'I/O error trying to sync with MASTER: connection lost' : 'Connection with master lost.'));
  }

  /**
   * Bytes of the snapshot received so far and expected, as Redis's repl_transfer_size has it:
   * -1 until the header arrives, 0 for a transfer ended by an EOF mark.
   */
  get transferProgress(): { read: number; total: number } {
    return { read: this.bulkReceived, total: this.eofMark !== null ? 0 : this.bulkLength };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client?.close();
    this.socket.destroy();
  }

  /** REPLCONF ACK <offset>, sent every second and after a diskless load. */
  sendAck(offset: number): void {
    if (this.state !== 'connected' || this.closed) return;
    this.write(encodeCommand(['REPLCONF', 'ACK', String(offset)]));
  }

  write(data: Buffer): void {
    this.node.stats.netOutputBytes += data.length;
    this.socket.write(data);
  }

  /**
   * A reset or other read error words the loss by the link's state, as Redis does: once streaming,
   * the master is a client whose read failed (a verbose line, then the usual "Connection with
   * master lost."); during the transfer it is an I/O error of the sync; before, of the handshake.
   */
  private socketError(err: Error): void {
    if (this.state === 'connected') {
      this.node.log.verbose(`Reading from client: ${errnoText(err)}`);
      this.fail('Connection with master lost.');
    } else if (this.state === 'bulk') {
      this.fail(`I/O error trying to sync with MASTER: ${errnoText(err)}`);
    } else {
      this.fail(`Error condition on socket for SYNC: ${errnoText(err)}`);
    }
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.close();
    // A transfer cut short leaves no partial file behind.
    this.tempFile?.discard();
    this.tempFile = null;
    this.owner.linkLost(reason);
  }

  private onConnect(): void {
    this.node.log.notice('Non blocking connect for SYNC fired the event.');
    this.state = 'pong';
    this.write(encodeCommand(['PING']));
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastIoMs = this.node.clock();
    this.node.stats.netReplInputBytes += chunk.length;
    if (this.state === 'connected') {
      this.applyStream(chunk);
      return;
    }
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    try {
      this.advance();
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
    }
  }

  /** Runs the handshake as far as the buffered input allows. */
  private advance(): void {
    for (;;) {
      if (this.closed) return;
      if (this.state === 'bulk') {
        if (!this.readBulk()) return;
        continue;
      }
      if (this.state === 'connected') {
        const rest = this.input;
        this.input = Buffer.alloc(0);
        if (rest.length > 0) this.applyStream(rest);
        return;
      }
      const line = this.readLine();
      if (line === null) return;
      if (line === '') continue; // keepalive newline from a master preparing the snapshot
      this.handleLine(line);
    }
  }

  private readLine(): string | null {
    const nl = this.input.indexOf(0x0a);
    if (nl < 0) {
      if (this.input.length > 64 * 1024) throw new Error('Master sent an over-long protocol line');
      return null;
    }
    const end = nl > 0 && this.input[nl - 1] === 0x0d ? nl - 1 : nl;
    const line = this.input.toString('latin1', 0, end);
    this.input = this.input.subarray(nl + 1);
    return line;
  }

  private handleLine(line: string): void {
    switch (this.state) {
      case 'pong':
        if (line.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(line)) {
          throw new Error(`Error reply to PING from master: '${line}'`);
        }
        this.node.log.notice('Master replied to PING, replication can continue...');
        this.sendReplconf();
        return;
      case 'replies': {
        const expected = this.expectedReplies.shift();
        if (expected !== undefined && line.startsWith('-')) {
          if (expected.fatal) throw new Error(`Unable to AUTH to MASTER: ${line}`);
          this.node.log.notice(`(Non critical) Master does not understand REPLCONF ${expected.what}: ${line}`);
        }
        if (this.expectedReplies.length === 0) this.sendPsync();
        return;
      }
      case 'psync':
        this.handlePsyncReply(line);
        return;
      case 'bulk-header':
        this.handleBulkHeader(line);
        return;
      default:
        throw new Error(`unexpected line in state ${this.state}`);
    }
  }

  private sendReplconf(): void {
    const config = this.node.config;
    const parts: Buffer[] = [];
    this.expectedReplies = [];
    const auth = config.string('masterauth');
    if (auth !== '') {
      const user = config.string('masteruser');
      parts.push(encodeCommand(user === '' ? ['AUTH', auth] : ['AUTH', user, auth]));
      this.expectedReplies.push({ what: 'AUTH', fatal: true });
    }
    const announcedPort = config.number('replica-announce-port') || this.node.port;
    parts.push(encodeCommand(['REPLCONF', 'listening-port', String(announcedPort)]));
    this.expectedReplies.push({ what: 'listening-port', fatal: false });
    const announcedIp = config.string('replica-announce-ip');
    if (announcedIp !== '') {
      parts.push(encodeCommand(['REPLCONF', 'ip-address', announcedIp]));
      this.expectedReplies.push({ what: 'ip-address', fatal: false });
    }
    parts.push(encodeCommand(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']));
    this.expectedReplies.push({ what: 'capa', fatal: false });
    this.state = 'replies';
    this.write(Buffer.concat(parts));
  }

  private sendPsync(): void {
    const cached = this.cached;
    if (cached !== null) {
      this.node.log.notice(`Trying a partial resynchronization (request ${cached.replid}:${cached.offset + 1}).`);
      this.write(encodeCommand(['PSYNC', cached.replid, String(cached.offset + 1)]));
    } else {
      this.node.log.notice('Partial resynchronization not possible (no cached master)');
      this.write(encodeCommand(['PSYNC', '?', '-1']));
    }
    this.state = 'psync';
  }

  private handlePsyncReply(line: string): void {
    const full = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$/.exec(line);
    if (full !== null) {
      this.node.log.notice(`Full resync from master: ${full[1] as string}:${full[2] as string}`);
      this.owner.fullSyncStarting(full[1] as string, Number(full[2]));
      this.state = 'bulk-header';
      return;
    }
    const partial = /^\+CONTINUE(?: ([0-9a-f]{40}))?\s*$/.exec(line);
    if (partial !== null) {
      this.node.log.notice('Successful partial resynchronization with master.');
      this.owner.partialSyncAccepted(partial[1] ?? null);
      this.goStreaming(false);
      return;
    }
    throw new Error(`Unexpected reply to PSYNC from master: ${line}`);
  }

  private handleBulkHeader(line: string): void {
    if (line.startsWith('-')) throw new Error(`MASTER aborted replication with an error: ${line.slice(1)}`);
    if (!line.startsWith('$')) throw new Error(`Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`);
    this.loadMode = chooseLoadMode(this.node);
    const to = this.loadMode === 'disk' ? 'disk' : 'parser';
    if (line.startsWith('$EOF:')) {
      const mark = line.slice(5);
      if (mark.length !== EOF_MARK_LENGTH) throw new Error('Bad EOF mark from MASTER');
      this.eofMark = Buffer.from(mark, 'latin1');
      this.node.log.notice(`MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to ${to}`);
    } else {
      const length = Number(line.slice(1));
      if (!Number.isSafeInteger(length) || length < 0) throw new Error(`Bad bulk length from MASTER: ${line}`);
      this.bulkLength = length;
      this.node.log.notice(`MASTER <-> REPLICA sync: receiving ${length} bytes from master to ${to}`);
    }
    if (this.loadMode === 'disk') this.tempFile = new SyncTempFile(this.node);
    this.state = 'bulk';
  }

  /** Collects the snapshot; true once it is complete and loaded. */
  private readBulk(): boolean {
    const data = this.input;
    this.input = Buffer.alloc(0);
    if (this.eofMark === null) {
      const wanted = this.bulkLength - this.bulkReceived;
      this.bulkChunks.push(data.subarray(0, wanted));
      this.bulkReceived += Math.min(wanted, data.length);
      if (this.bulkReceived < this.bulkLength) return false;
      this.input = data.subarray(wanted);
      this.finishBulk(Buffer.concat(this.bulkChunks), false);
      return true;
    }
    this.bulkChunks.push(data);
    this.bulkReceived += data.length;
    // Only the last 40 bytes can be the mark: keep them apart instead of joining every chunk.
    const tail = Buffer.concat([this.bulkTail, data]);
    this.bulkTail = tail.subarray(Math.max(0, tail.length - EOF_MARK_LENGTH));
    if (this.bulkReceived < EOF_MARK_LENGTH || !this.bulkTail.equals(this.eofMark)) return false;
    const all = Buffer.concat(this.bulkChunks);
    this.finishBulk(all.subarray(0, all.length - EOF_MARK_LENGTH), true);
    return true;
  }

  private finishBulk(rdb: Buffer, eofFramed: boolean): void {
    this.bulkChunks = [];
    const file = this.tempFile;
    if (file !== null) {
      this.tempFile = null;
      file.write(rdb);
      file.complete();
    }
    this.owner.loadSnapshot(rdb, this.loadMode);
    this.node.log.notice('MASTER <-> REPLICA sync: Finished with success');
    // A diskless master waits for an ACK before it streams: it cannot tell where the RDB ends.
    this.goStreaming(eofFramed);
  }

  private goStreaming(ackNow: boolean): void {
    const client = new Client(this.node.allocateClientId(), this.node, this.socket, { kind: 'master' });
    this.client = client;
    this.state = 'connected';
    this.owner.streaming(client, ackNow);
  }

  private applyStream(chunk: Buffer): void {
    const client = this.client;
    if (client === null) return;
    this.pendingStream.push(chunk);
    this.streamFed += chunk.length;
    // The master's commands see keys past their deadline as alive: its DEL decides (KeyspaceContext).
    const context = this.node.keyspace.context;
    context.expiry = 'keep';
    try {
      client.receive(chunk);
    } finally {
      context.expiry = 'hide';
    }
    this.forwardApplied();
  }

  /**
   * Stream bytes executed but not yet forwarded: non-zero only while a batch is running (what
   * REPLCONF GETACK in the middle of a batch must add to the offset).
   */
  get appliedNotForwarded(): number {
    const client = this.client;
    return client === null ? 0 : this.streamFed - client.parser.bufferedBytes - this.streamForwarded;
  }

  /** Forwards the bytes the master client has executed, once per batch, whole commands only. */
  private forwardApplied(): void {
    const client = this.client;
    if (client === null) return;
    const applied = this.streamFed - client.parser.bufferedBytes;
    let count = applied - this.streamForwarded;
    if (count <= 0) return;
    this.streamForwarded = applied;
    const parts: Buffer[] = [];
    while (count > 0) {
      const head = this.pendingStream[0] as Buffer;
      if (head.length <= count) {
        parts.push(head);
        this.pendingStream.shift();
        count -= head.length;
      } else {
        parts.push(head.subarray(0, count));
        this.pendingStream[0] = head.subarray(count);
        count = 0;
      }
    }
    this.owner.streamApplied(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
  }
}
