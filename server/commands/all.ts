/** Every command implementation, joined with the captured metadata by CommandTable. */
import { bitfieldCommands } from './bitfield';
import { bitmapCommands } from './bitmaps';
import { blockingListCommands } from './blocking-lists';
import { clientCommands } from './client-commands';
import { clientTrackingCommands } from './client-tracking-commands';
import { observeCommands } from './observe-commands';
import { clusterCommands } from './cluster';
import type { CommandImpl } from '../dispatch/command';
import { commandCommands } from './command-commands';
import { configCommands } from './config-commands';
import { connectionCommands } from './connection';
import { aclCommands } from './acl';
import { expireCommands } from './expire';
import { infoCommands } from './info';
import { hyperloglogCommands } from './hyperloglog';
import { hashCommands } from './hashes';
import { keyCommands } from './keys';
import { listCommands } from './lists';
import { functionCommands } from './function-commands';
import { geoCommands } from './geo';
import { geoSearchCommands } from './geo-search';
import { memoryCommands } from './memory-commands';
import { migrateCommands } from './migrate';
import { persistenceCommands } from './persistence-commands';
import { pubsubCommands } from './pubsub-commands';
import { replicationCommands } from './replication-commands';
import { serverCommands } from './server-commands';
import { debugCommands } from './debug';
import { moduleCommands } from './module-commands';
import { setCommands } from './sets';
import { scriptingCommands } from './scripting-commands';
import { sortCommands } from './sort';
import { stringCommands } from './strings';
import { transactionCommands } from './transaction-commands';
import { zsetAlgebraCommands } from './zset-algebra';
import { zsetPopCommands } from './zset-pops';
import { zsetRangeCommands } from './zset-ranges';
import { zsetCommands } from './zsets';
import { streamCommands } from './streams';
import { streamReadCommands } from './stream-read';
import { streamReadGroupCommands } from './stream-read-group';
import { streamGroupCommands } from './stream-groups';
import { streamClaimCommands } from './stream-claim';
import { streamInfoCommands } from './stream-info';

export const ALL_COMMANDS: readonly CommandImpl[] = [
  ...connectionCommands,
  ...aclCommands,
  ...clientCommands,
  ...clientTrackingCommands,
  ...observeCommands,
  ...serverCommands,
  ...debugCommands,
  ...moduleCommands,
  ...functionCommands,
  ...infoCommands,
  ...memoryCommands,
  ...configCommands,
  ...commandCommands,
  ...keyCommands,
  ...expireCommands,
  ...stringCommands,
  ...clusterCommands,
  ...replicationCommands,
  ...persistenceCommands,
  ...migrateCommands,
  ...transactionCommands,
  ...hashCommands,
  ...setCommands,
  ...listCommands,
  ...blockingListCommands,
  ...pubsubCommands,
  ...zsetCommands,
  ...zsetRangeCommands,
  ...zsetAlgebraCommands,
  ...zsetPopCommands,
  ...geoCommands,
  ...geoSearchCommands,
  ...streamCommands,
  ...streamReadCommands,
  ...streamReadGroupCommands,
  ...streamGroupCommands,
  ...streamClaimCommands,
  ...streamInfoCommands,
  ...bitmapCommands,
  ...bitfieldCommands,
  ...hyperloglogCommands,
  ...sortCommands,
  ...scriptingCommands,
];
