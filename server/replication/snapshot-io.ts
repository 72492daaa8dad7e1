/**
 * The master's side of a full sync's snapshot, on top of storage/rdb: a point-in-time RDB of its
 * keyspace. (The replica's side is sync-load.ts.)
 */
import { rdbChunks, snapshotKeyspace } from '../../storage/rdb/rdb-writer';
import type { RedisNode } from '../node';
import { commonAuxFields, rdbWriteOptions } from '../persistence/snapshots';

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
    { ...commonAuxFields(node), replication: { streamDb: aux.replStreamDb, replId: aux.replId, offset: aux.replOffset } },
    rdbWriteOptions(node),
  );
}
