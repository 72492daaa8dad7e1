/**
 * The two snapshot operations replication needs, on top of storage/rdb: the master encodes a
 * point-in-time RDB of its keyspace, the replica loads one received from its master.
 */
import type { ByteString } from '../../storage/bytes';
import { Keyspace } from '../../storage/keyspace';
import { loadRdb } from '../../storage/rdb/rdb-reader';
import { rdbChunks, snapshotKeyspace } from '../../storage/rdb/rdb-writer';
import type { RedisNode } from '../node';
import { logRdbLoaded } from '../persistence/snapshots';

export interface ReplicationAux {
  replId: string;
  replOffset: number;
  replStreamDb: number;
}

/** Takes the snapshot now (synchronously) and returns its RDB bytes as lazily made chunks. */
export function snapshotChunks(node: RedisNode, aux: ReplicationAux): Generator<Buffer> {
  const snapshot = snapshotKeyspace(node.keyspace);
  return rdbChunks(
    snapshot,
    {
      ctimeSec: Math.floor(node.clock() / 1000),
      usedMemBytes: process.memoryUsage().heapUsed,
      replication: { streamDb: aux.replStreamDb, replId: aux.replId, offset: aux.replOffset },
      functions: node.functionLibraryCodes(),
    },
    { compression: node.config.bool('rdbcompression'), checksum: node.config.bool('rdbchecksum') },
  );
}

/**
 * Replaces the node's whole dataset with the RDB's; on a corrupt payload throws and keeps the
 * previous data. Keys already past their deadline are kept: the master's DEL will follow.
 * Returns the aux fields of the payload.
 */
export function loadReplicationSnapshot(node: RedisNode, rdb: Buffer): Map<ByteString, ByteString> {
  const loaded = new Keyspace(node.keyspace.dbs.length, node.random);
  const result = loadRdb(rdb, loaded, node.clock(), { skipExpired: false });
  node.keyspace.adoptContents(loaded);
  // A replica takes its master's function libraries with its data (Redis flushes its own).
  node.replaceFunctionLibraries(result.functions);
  logRdbLoaded(node, result);
  return result.aux;
}
