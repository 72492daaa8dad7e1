/**
 * The master's side of a full sync's snapshot, on top of storage/rdb: a point-in-time RDB of its
 * keyspace. (The replica's side is sync-load.ts.)
 */
import { rdbChunks, snapshotKeyspace } from '../../storage/rdb/rdb-writer';
import type { RedisNode } from '../node';

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
      usedMemBytes: node.memory.used(),
      replication: { streamDb: aux.replStreamDb, replId: aux.replId, offset: aux.replOffset },
      functions: node.functionLibraryCodes(),
    },
    { compression: node.config.bool('rdbcompression'), checksum: node.config.bool('rdbchecksum') },
  );
}
