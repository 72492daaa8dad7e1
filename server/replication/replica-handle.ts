/**
 * The master's view of one attached replica: a client connection that sent SYNC/PSYNC, and from
 * then on receives the snapshot and the replication stream instead of replies.
 *
 * States (INFO's slaveN line names them as Redis does, see infoState):
 *   wait_bgsave  waiting for a snapshot to start, or for the running one to finish; the stream
 *                written meanwhile is kept in `pending`, sent once the snapshot is through
 *   send_bulk    the snapshot is being sent
 *   online       streaming (after a diskless transfer only once the replica has ACKed, so its
 *                loader never reads stream bytes as part of the RDB)
 */
import type { Client } from '../network/client';

export type ReplicaState = 'wait_bgsave_start' | 'wait_bgsave_end' | 'send_bulk' | 'wait_ack' | 'online';

/** What a connection told us with REPLCONF before it asked to sync. */
export interface ReplconfInfo {
  listeningPort: number;
  ipAddress: string;
  capaEof: boolean;
  capaPsync2: boolean;
}

export class ReplicaHandle {
  state: ReplicaState;
  /** Stream bytes held back while the replica is not online yet. */
  private pending: Buffer[] = [];
  /** Offset from the replica's last REPLCONF ACK. */
  ackOffset = 0;
  ackTimeMs: number;
  /** Asked with SYNC (pre-PSYNC protocol): gets the snapshot without a +FULLRESYNC line. */
  oldSync = false;

  constructor(
    readonly client: Client,
    readonly info: ReplconfInfo,
    state: ReplicaState,
    nowMs: number,
  ) {
    this.state = state;
    this.ackTimeMs = nowMs;
  }

  /** Address for INFO and ROLE: the announced ip, else the connection's. */
  get ip(): string {
    return replicaIp(this.info.ipAddress, this.client.addr);
  }

  /**
   * INFO's state name, as Redis names its own states. A diskless transfer is, for Redis, a child
   * still saving: wait_bgsave until the RDB is through, then online (waiting for the first ACK is
   * online already). send_bulk is a disk-based transfer's file being sent, which here happens
   * at once after the RDB is made.
   */
  get infoState(): string {
    if (this.state === 'online' || this.state === 'wait_ack') return 'online';
    return 'wait_bgsave';
  }

  /** Stream bytes: sent with the turn's output when online, else held until the snapshot is through. */
  feed(data: Buffer): void {
    if (this.state === 'online') this.client.queueRaw(data);
    else if (this.state !== 'wait_bgsave_start') this.pending.push(data);
  }

  /** The snapshot is through (and, for a diskless one, ACKed): send what was held, stream on. */
  goOnline(): void {
    this.state = 'online';
    const held = this.pending;
    this.pending = [];
    if (held.length > 0) this.client.writeRaw(Buffer.concat(held));
  }

  /** Bytes held for the replica (INFO's mem_total_replication_buffers, output limits). */
  get pendingBytes(): number {
    let n = 0;
    for (const b of this.pending) n += b.length;
    return n;
  }
}

/** A replica's ip: the one it announced (REPLCONF ip-address), else its connection's. */
function replicaIp(announced: string, addr: string): string {
  if (announced !== '') return announced;
  return addr.startsWith('[') ? addr.slice(1, addr.lastIndexOf(']')) : addr.slice(0, addr.lastIndexOf(':'));
}

/**
 * How Redis names a replica in its log: ip and the port it listens on (REPLCONF listening-port),
 * known from its handshake, before and after it is attached.
 */
export function replicaName(client: Client): string {
  return `${replicaIp(client.replconf.ipAddress, client.addr)}:${client.replconf.listeningPort}`;
}
