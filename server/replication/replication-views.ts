/**
 * What INFO replication and ROLE show of a node's replication state, in Redis 7.0's field
 * order and reply shapes (redis-wire.md §2.5).
 */
import { formatFixed } from '../../storage/fixed-point';
import type { Session } from '../dispatch/session';
import type { RedisNode } from '../node';
import type { Replication } from './replication';

export function replicationInfoFields(node: RedisNode, replication: Replication): Array<[string, string | number]> {
  const config = node.config;
  const now = node.clock();
  const fields: Array<[string, string | number]> = [];
  const master = replication.master;
  if (master === null) {
    fields.push(['role', 'master']);
  } else {
    const link = replication.link;
    const up = replication.linkUp;
    // From +FULLRESYNC on, as Redis's REPL_STATE_TRANSFER: a slow master may send the RDB's
    // header long after (rdb-key-save-delay, a disk-based sync).
    const transferring = link !== null && (link.state === 'bulk-header' || link.state === 'bulk');
    const appliedOffset = up || replication.hasCachedMaster ? replication.offset : 0;
    fields.push(
      ['role', 'slave'],
      ['master_host', master.host],
      ['master_port', master.port],
      ['master_link_status', up ? 'up' : 'down'],
      ['master_last_io_seconds_ago', up && link !== null ? Math.floor((now - link.lastIoMs) / 1000) : -1],
      ['master_sync_in_progress', transferring ? 1 : 0],
      ['slave_read_repl_offset', appliedOffset],
      ['slave_repl_offset', appliedOffset],
    );
    if (transferring && link !== null) {
      const { read, total } = link.transferProgress;
      fields.push(
        ['master_sync_total_bytes', total],
        ['master_sync_read_bytes', read],
        // Redis's arithmetic as it is: before the header (total -1) that is -1 left and
        // "-0.00"; with an EOF mark (total 0), minus the bytes read and "0.00".
        ['master_sync_left_bytes', total - read],
        ['master_sync_perc', total === 0 ? '0.00' : formatFixed((read / total) * 100, 2)],
        ['master_sync_last_io_seconds_ago', Math.floor((now - link.lastIoMs) / 1000)],
      );
    }
    if (!up) {
      const since = replication.linkDownSinceMs;
      fields.push(['master_link_down_since_seconds', since === 0 ? -1 : Math.floor((now - since) / 1000)]);
    }
    fields.push(
      ['slave_priority', config.number('replica-priority')],
      ['slave_read_only', config.bool('replica-read-only') ? 1 : 0],
      ['replica_announced', config.bool('replica-announced') ? 1 : 0],
    );
  }
  fields.push(['connected_slaves', replication.replicas.size]);
  if (config.number('min-replicas-to-write') > 0 && config.number('min-replicas-max-lag') > 0) {
    fields.push(['min_slaves_good_slaves', replication.goodReplicas()]);
  }
  let index = 0;
  for (const r of replication.replicas) {
    const lag = Math.floor((now - r.ackTimeMs) / 1000);
    fields.push([`slave${index++}`, `ip=${r.ip},port=${r.info.listeningPort},state=${r.infoState},offset=${r.ackOffset},lag=${lag}`]);
  }
  const backlog = replication.backlog;
  fields.push(
    ['master_failover_state', 'no-failover'],
    ['master_replid', replication.replid],
    ['master_replid2', replication.replid2],
    ['master_repl_offset', replication.offset],
    ['second_repl_offset', replication.secondReplidOffset],
    ['repl_backlog_active', backlog === null ? 0 : 1],
    ['repl_backlog_size', config.number('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', backlog === null ? 0 : backlog.firstByteOffset],
    ['repl_backlog_histlen', backlog === null ? 0 : backlog.histlen],
  );
  return fields;
}

/** ROLE: ["master", offset, [[ip, port, acked offset]...]] or ["slave", host, port, state, offset]. */
export function writeRoleReply(client: Session, replication: Replication): void {
  const reply = client.reply;
  const master = replication.master;
  if (master === null) {
    const online = [...replication.replicas].filter((r) => r.state === 'online');
    reply.array(3);
    reply.bulk('master');
    reply.integer(replication.offset);
    reply.array(online.length);
    for (const r of online) reply.bulkArray([r.ip, String(r.info.listeningPort), String(r.ackOffset)]);
    return;
  }
  reply.array(5);
  reply.bulk('slave');
  reply.bulk(master.host);
  reply.integer(master.port);
  reply.bulk(linkStateName(replication));
  reply.integer(replication.linkUp || replication.hasCachedMaster ? replication.offset : -1);
}

/** The replica's link state as ROLE names it. */
function linkStateName(replication: Replication): string {
  const link = replication.link;
  if (link === null) return 'connect';
  switch (link.state) {
    case 'connecting':
      return 'connecting';
    case 'bulk':
    case 'bulk-header':
      return 'sync';
    case 'connected':
      return 'connected';
    default:
      return 'handshake';
  }
}
