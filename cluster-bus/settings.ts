/**
 * What the cluster state machine is given from outside, apart from its inputs: the settings it
 * reads on every use (so CONFIG SET takes effect at once), the host's answers about data it does
 * not own (keys per slot, the replication offset, a replica's data age), and a random source.
 *
 * These three are injected rather than reached for, so the same machine runs inside a node
 * behind real sockets and inside the seeded simulation of test/sim, where the "host" is a few
 * numbers a test sets and the randomness replays from a seed.
 */

export interface RandomSource {
  /** A float in [0, 1). */
  next(): number;
}

/** Settings read on every use, so CONFIG SET takes effect at once. */
export interface ClusterSettings {
  nodeTimeoutMs: number;
  /** My client port and bus port as bound. */
  port: number;
  cport: number;
  announceIp: string;
  announcePort: number;
  announceBusPort: number;
  announceHostname: string;
  requireFullCoverage: boolean;
  allowReplicaMigration: boolean;
  /** cluster-replica-validity-factor: 0 lets a replica fail over however old its data. */
  replicaValidityFactor: number;
  /** cluster-replica-no-failover: never start an election (manual failover still works). */
  replicaNoFailover: boolean;
  /** cluster-migration-barrier: replicas a master keeps before one may migrate away. */
  migrationBarrier: number;
  /** repl-ping-replica-period in ms (part of the data-age limit). */
  replPingReplicaPeriodMs: number;
  /** A master's wait at start-up before it first declares the cluster ok (CLUSTER_WRITABLE_DELAY, 2000 ms when absent). */
  writableDelayMs?: number;
}

/** Everything the machine asks of its host that is not I/O. */
export interface ClusterHost {
  /** Number of keys stored in a slot (to know whether losing it deletes data). */
  keysInSlot(slot: number): number;
  /** Number of keys this node holds (CLUSTER FLUSHSLOTS, REPLICATE and RESET want none). */
  keyCount(): number;
  /** The replication offset to advertise (a replica's: what it has applied). */
  replicationOffset(): bigint;
  /**
   * A replica's data age: milliseconds since it last heard from its master (link up: the last
   * I/O on the link; link down: since it went down). Read only when its master failed.
   */
  masterDataAgeMs(): number;
}
