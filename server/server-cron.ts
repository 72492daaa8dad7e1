/**
 * What a node does hz times a second (`hz`, 10 by default), as Redis's serverCron and
 * databasesCron do, in this order:
 *
 *   expiry       the active expire cycle on a master (active-expire.ts); on a writable replica
 *                only the deadlines its own clients set; nothing while a MIGRATE holds the node
 *                or clients are paused
 *   dict tables  shrinking sparse tables and rehashing (storage/dict-tables.ts), never while a
 *                save or AOF rewrite would have a child process
 *   stats        samples for instantaneous_ops_per_sec
 *   the rest     cluster role following, blocked clients' redirects, idle MIGRATE sockets,
 *                replication (pings, timeouts, reconnects), save points, the AOF (everysec
 *                fsync, rewrites), then a slice of the clients (network/clients-cron.ts): idle
 *                ones (`timeout`), buffers, client memory and maxmemory-clients
 *
 * then what Redis's beforeSleep does once the tick is over: the fast expire cycle when the slow
 * one ran out of time (active-expire.ts), the AOF's writes and everysec fsync.
 *
 * DEBUG PAUSE-CRON 1 makes the tick return before all of the above, as Redis's serverCron
 * returns early: no slow expiry, rehashing, ops sampling, replication or cluster role cron, no
 * save points or AOF rewrites, no client timeouts or buffer resizing, and Redis's cached LRU
 * clock stops (the keyspace's lruFrozenSec). Only the beforeSleep part goes on.
 */
import { runActiveExpire, runFastExpire } from './active-expire';
import type { RedisNode } from './node';
import { persistenceCron } from './persistence/snapshots';

export function serverCron(node: RedisNode): void {
  const now = (node.nowMs = node.clock());
  const context = node.keyspace.context;
  if (node.debugHooks.cronPaused) {
    context.lruFrozenSec ??= Math.floor(now / 1000);
    afterTick(node, now);
    return;
  }
  context.lruFrozenSec = null;
  // Not while a MIGRATE holds the node (in Redis nothing runs until it is done), nor while
  // clients are paused (keys past their deadline wait for the end of the pause).
  if (node.activeExpire.enabled && !node.exclusive.active && !node.pause.active) {
    // A replica leaves expiry to its master, except for the deadlines its own clients set
    // when it is writable (storage/replica-expires.ts).
    if (node.replication.isReplica) {
      node.keyspace.expireReplicaKeys(now);
    } else {
      runActiveExpire(node, now);
    }
  }
  // databasesCron's dict resizing and rehashing (storage/dict-tables.ts), never beside a fork.
  if (!node.forkAlive) node.keyspace.resizeAndRehashTables(node.config.bool('activerehashing'));
  node.stats.sampleOps(now);
  node.cluster?.followRole();
  node.blocking.cron();
  node.migrateSockets.closeIdle(now);
  node.replication.cron(now);
  persistenceCron(node);
  node.aof.cron(now);
  node.clientsCron.run(node, now);
  afterTick(node, now);
}

/** Redis's beforeSleep after the cron's timer event: it runs whether the cron did or not. */
function afterTick(node: RedisNode, now: number): void {
  runFastExpire(node);
  node.aof.flushCron(now);
}
