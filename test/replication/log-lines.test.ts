/*
 * The replication log, line for line as redis-server 7.0 writes it (issue 12): the same steps
 * run on a pair of redis-servers and on a pair of hashslots, and each node's replication lines
 * compared after the parts that differ from run to run are masked (replication ids, pids,
 * client descriptions, RDB age and size):
 *
 *   full sync (diskless)  REPLICAOF, backlog created, transfer, ACK, online
 *   partial resync        CLIENT KILL TYPE replica on the master, the replica reconnects
 *   promotion             REPLICAOF NO ONE on the replica: secondary id, MASTER MODE
 *   demotion              the old master follows the promoted one with a partial resync
 *
 * Lines only a forking server writes (copy-on-write figures, reading the child's pipe) are left
 * out of Redis's side: hashslot makes its snapshot in process.
 */

import t from 'tap';
import {
  FAST_SYNC_ARGS, missingPrerequisite, startNodes, waitFor, waitForSync, type NodeKind, type ReplNode, type Test,
} from './replication-harness';

/** Lines about replication, by the words they start with. */
const REPLICATION_LINE = /^(Replica |Partial resync|Full resync|Replication backlog|Starting BGSAVE for SYNC|Background RDB|Background saving|Streamed RDB|Synchronization with|Connection with|Before turning|Connecting to MASTER|Reconnecting to MASTER|MASTER <-> REPLICA|REPLICAOF|Non blocking connect|Master replied|Trying a partial|Successful partial|Master replication ID|Discarding previously|Caching the disconnected|Setting secondary|MASTER MODE|Loading RDB|Done loading RDB|Unable to partial)/;
/** Only a forking server writes these. */
const FORK_ONLY = /^(Fork CoW|Diskless rdb transfer, done reading from pipe)/;

function replicationLines(log: string): string[] {
  return log
    .split('\n')
    .map((line) => /^\d+:([A-Z]) \d+ \w+ \d+ [\d:.]+ ([*#.-]) (.*)$/.exec(line))
    // The role letter (M master, S replica) is kept: it changes with REPLICAOF in both.
    .flatMap((m) => (m === null ? [] : [`${m[1] as string} ${m[2] as string} ${m[3] as string}`]))
    .filter((line) => REPLICATION_LINE.test(line.slice(4)) && !FORK_ONLY.test(line.slice(4)))
    .map((line) => line
      .replace(/[0-9a-f]{40}/g, '<id>')
      .replace(/by pid \d+/g, 'by pid <pid>')
      .replace(/user request from '[^']*'/g, "user request from '<client>'")
      .replace(/127\.0\.0\.1:\d+/g, '<addr>'));
}

async function scenario(kind: NodeKind, t: Test): Promise<{ master: string[]; replica: string[] }> {
  const [master, replica] = await startNodes(t, [
    { kind, name: 'master', args: FAST_SYNC_ARGS },
    { kind, name: 'replica', args: FAST_SYNC_ARGS },
  ]) as [ReplNode, ReplNode];
  await master.callText('SET', 'a', '1');
  await replica.replicaOf(master);
  await waitForSync(master, replica);
  await waitFor('the master sees its replica online', 10_000, async () => {
    const info = await master.info('replication');
    return { ok: info.replicas().some((r) => r.state === 'online'), detail: info.toString() };
  }, [master, replica]);
  await master.callText('CLIENT', 'KILL', 'TYPE', 'replica');
  await waitFor('the partial resync is done', 10_000, async () => {
    const stats = await master.info('stats');
    const repl = await replica.info('replication');
    return { ok: stats.num('sync_partial_ok') === 1 && repl.get('master_link_status') === 'up', detail: stats.toString() };
  }, [master, replica]);
  await replica.replicaOf(null);
  // The master logs the lost replica when it reads the close; the next step waits for it, or the
  // two lines' order would depend on the scheduler rather than on the server.
  await waitFor('the master sees its replica gone', 10_000, async () => {
    const info = await master.info('replication');
    return { ok: info.num('connected_slaves') === 0, detail: info.toString() };
  }, [master, replica]);
  await master.replicaOf(replica);
  await waitForSync(replica, master);
  // Both logs are read once every line of the last step is out, from both processes: each writes
  // its own pipe, and the test may read one before the other even when the lines were written in
  // the other order.
  await waitFor('the last lines are written', 10_000, async () => ({
    ok: replicationLines(master.process.output()).some((l) => l.includes('Master accepted a Partial Resynchronization'))
      && replicationLines(replica.process.output()).some((l) => l.includes('Partial resynchronization request from')),
    detail: '',
  }), [master, replica]);
  return { master: replicationLines(master.process.output()), replica: replicationLines(replica.process.output()) };
}

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  t.test('replication log lines as redis-server writes them', async (t) => {
    const redis = await scenario('redis', t);
    const hashslot = await scenario('hashslot', t);
    t.ok(redis.master.length > 15 && redis.replica.length > 20, `redis-server wrote the steps (${redis.master.length} and ${redis.replica.length} lines)`);
    t.same(hashslot.master, redis.master, 'the first master\'s log');
    t.same(hashslot.replica, redis.replica, 'the first replica\'s log');
  });
}
