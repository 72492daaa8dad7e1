/**
 * The master's side of a full sync's snapshot, on top of storage/rdb: a point-in-time RDB of its
 * keyspace. (The replica's side is sync-load.ts.) Its keys come as slowly as rdb-key-save-delay
 * asks, as from Redis's replication child (persistence/save-pacing.ts).
 */
import { rdbPieces, snapshotKeyspace } from '../../storage/rdb/rdb-writer';
import type { RedisNode } from '../node';
import { pacedChunks } from '../persistence/save-pacing';
import { commonAuxFields, keySaveDelayUs, rdbWriteOptions } from '../persistence/snapshots';

export interface ReplicationAux {
  replId: string;
  replOffset: number;
  replStreamDb: number;
}

/** Takes the snapshot now (synchronously) and returns its RDB bytes as lazily made chunks. */
export function snapshotChunks(node: RedisNode, aux: ReplicationAux): AsyncGenerator<Buffer> {
  const snapshot = snapshotKeyspace(node.keyspace);
  const delayUs = keySaveDelayUs(node);
  const pieces = rdbPieces(
    snapshot,
    { ...commonAuxFields(node), replication: { streamDb: aux.replStreamDb, replId: aux.replId, offset: aux.replOffset } },
    rdbWriteOptions(node),
    delayUs !== 0,
  );
  return pacedChunks(pieces, { clock: node.time, delayUs });
}
