/*
 * Scenario 2: what INFO replication and ROLE say on both sides of a synced pair, and that the
 * offsets in them count the bytes of the replication stream.
 *
 * The field lists are real Redis 7.0.15's (observed on a live pair), in its order: a monitoring
 * tool or redis-cli reads them by name, and Sentinel parses the `slaveN:` lines.
 */

import t from 'tap';
import { encodeCommand, type RespNode } from '../../bench/harness/resp';
import { delay } from '../../bench/harness/server-process';
import {
  forEachCombo, missingPrerequisite, startPair, SYNC_DEADLINE_MS, text, waitFor, waitForSync,
  type Info, type ReplNode, type Test,
} from './replication-harness';

const BACKLOG_FIELDS = [
  'master_failover_state', 'master_replid', 'master_replid2', 'master_repl_offset', 'second_repl_offset',
  'repl_backlog_active', 'repl_backlog_size', 'repl_backlog_first_byte_offset', 'repl_backlog_histlen',
];
const LONE_MASTER_FIELDS = ['role', 'connected_slaves', ...BACKLOG_FIELDS];
const MASTER_WITH_ONE_REPLICA_FIELDS = ['role', 'connected_slaves', 'slave0', ...BACKLOG_FIELDS];
const REPLICA_FIELDS = [
  'role', 'master_host', 'master_port', 'master_link_status', 'master_last_io_seconds_ago', 'master_sync_in_progress',
  'slave_read_repl_offset', 'slave_repl_offset', 'slave_priority', 'slave_read_only', 'replica_announced',
  'connected_slaves', ...BACKLOG_FIELDS,
];
const NO_REPLID = '0'.repeat(40);

/** A reply tree as [type, value] pairs, so ROLE's shape and types are compared together. */
function typed(node: RespNode): unknown {
  if (node.type === '*') return node.items.map(typed);
  return `${node.type}${text(node)}`;
}

/** Writes `SET key value` on db 0 and returns how far the offsets (equal on both sides) moved. */
async function offsetStep(master: ReplNode, replica: ReplNode, key: string): Promise<number> {
  const before = await waitForSync(master, replica);
  await master.call('SET', key, 'v');
  return (await waitForSync(master, replica)) - before;
}

/**
 * Both INFO replication sections, read once the master lists the replica as online with an
 * acknowledged offset equal to its own and the replica's offset equals it too, all in one poll:
 * a keepalive PING between the two reads makes the poll try again rather than the test fail.
 */
async function settledInfo(master: ReplNode, replica: ReplNode): Promise<{ m: Info; r: Info }> {
  let both: { m: Info; r: Info } | null = null;
  await waitFor('INFO replication settled on both sides', SYNC_DEADLINE_MS, async () => {
    const m = await master.info('replication');
    const r = await replica.info('replication');
    const offset = m.num('master_repl_offset');
    const line = m.replicas()[0];
    // lag counts whole seconds since the last ACK (sent every second), so on a busy machine it
    // can read 2 for a moment; the poll waits that out rather than failing on it.
    const ok = line !== undefined && line.state === 'online' && line.offset === offset && line.lag <= 1 &&
      r.get('master_link_status') === 'up' && r.num('slave_repl_offset') === offset && r.num('master_repl_offset') === offset;
    both = { m, r };
    return { ok, detail: `--- master:\n${m.toString()}\n--- replica:\n${r.toString()}` };
  }, [master, replica]);
  if (both === null) throw new Error('unreachable');
  return both;
}

async function bothRoles(master: ReplNode, replica: ReplNode): Promise<{ master: RespNode; replica: RespNode }> {
  const m = await master.call('ROLE');
  await waitForSync(master, replica);
  return { master: m, replica: await replica.call('ROLE') };
}

/** The master's offset, its replica's acknowledged offset and the replica's offset all equal. */
function rolesAgree(roles: { master: RespNode; replica: RespNode }): boolean {
  const offset = roles.master.items[1];
  const acked = roles.master.items[2]?.items[0]?.items[2];
  const replicaOffset = roles.replica.items[4];
  return offset !== undefined && acked !== undefined && replicaOffset !== undefined &&
    text(offset) === text(acked) && text(offset) === text(replicaOffset);
}

async function checkPair(t: Test, master: ReplNode, replica: ReplNode): Promise<void> {
  const lone = await master.info('replication');
  t.same(lone.names, LONE_MASTER_FIELDS, 'a master without replicas: INFO replication field names, in order');
  t.equal(lone.get('role'), 'master', 'a lone master: role:master');
  t.equal(lone.get('connected_slaves'), '0', 'a lone master: connected_slaves:0');
  t.equal(lone.get('master_replid2'), NO_REPLID, 'no replid2 yet');
  t.equal(lone.get('second_repl_offset'), '-1', 'a lone master: second_repl_offset:-1');
  t.match(lone.get('master_replid') ?? '', /^[0-9a-f]{40}$/, 'master_replid is 40 hex digits');

  await master.call('SET', 'before-sync', 'x');
  t.equal(await replica.replicaOf(master), '+OK', 'REPLICAOF answers +OK');
  await waitForSync(master, replica);
  // The first write after the sync goes into the stream behind a SELECT 0; from then on the
  // stream's db is 0, which the byte count at the end relies on.
  await master.call('SET', 'after-sync', 'y');
  await waitForSync(master, replica);
  const { m, r } = await settledInfo(master, replica);
  const offset = m.num('master_repl_offset');

  t.same(m.names, MASTER_WITH_ONE_REPLICA_FIELDS, 'master: INFO replication field names, in order');
  t.same(r.names, REPLICA_FIELDS, 'replica: INFO replication field names, in order');
  t.equal(m.get('role'), 'master', 'master: role:master');
  t.equal(m.get('connected_slaves'), '1', 'master: connected_slaves:1');
  t.match(m.get('slave0') ?? '', new RegExp(`^ip=127\\.0\\.0\\.1,port=${replica.port},state=online,offset=${offset},lag=[01]$`),
    'master: slave0 has the replica\'s address, state=online, its acknowledged offset and a lag of 0 or 1');
  t.equal(m.get('repl_backlog_active'), '1', 'master: the backlog is active');

  t.equal(r.get('role'), 'slave', 'replica: role:slave');
  t.equal(r.get('master_host'), '127.0.0.1', 'replica: master_host');
  t.equal(r.get('master_port'), String(master.port), 'replica: master_port');
  t.equal(r.get('master_link_status'), 'up', 'replica: master_link_status:up');
  t.equal(r.get('master_sync_in_progress'), '0', 'replica: master_sync_in_progress:0');
  t.match(r.get('master_last_io_seconds_ago') ?? '', /^\d+$/, 'replica: master_last_io_seconds_ago is a count of seconds');
  t.equal(r.get('slave_read_only'), '1', 'replica: slave_read_only:1');
  t.equal(r.get('slave_priority'), '100', 'replica: slave_priority:100');
  t.equal(r.get('replica_announced'), '1', 'replica: replica_announced:1');
  t.equal(r.get('connected_slaves'), '0', 'replica: connected_slaves:0');
  t.equal(r.get('repl_backlog_active'), '1', 'replica: the backlog is active (it could serve sub-replicas)');

  t.equal(r.get('master_replid'), m.get('master_replid'), 'master_replid is the same on both sides');
  t.not(m.get('master_replid'), lone.get('master_replid'), 'the master took a new replid when its first replica attached');
  t.equal(r.get('master_replid2'), NO_REPLID, 'replica: no replid2');
  t.equal(m.get('master_replid2'), NO_REPLID, 'master: no replid2');
  t.equal(r.num('master_repl_offset'), offset, 'master_repl_offset is the same on both sides');
  t.equal(r.num('slave_repl_offset'), offset, 'replica: slave_repl_offset = the master\'s offset');
  t.equal(r.num('slave_read_repl_offset'), offset, 'replica: slave_read_repl_offset = the master\'s offset');
  t.ok(offset >= encodeCommand(['SELECT', '0']).length + encodeCommand(['SET', 'after-sync', 'y']).length,
    `the write after the sync is in the stream (offset ${offset})`);

  // ROLE on both sides, read again (briefly) if a keepalive PING moved the offsets in between.
  let roles = await bothRoles(master, replica);
  for (const deadline = Date.now() + 5_000; !rolesAgree(roles) && Date.now() < deadline;) {
    await delay(50);
    roles = await bothRoles(master, replica);
  }
  const roleOffset = text(roles.master.items[1] ?? roles.master);
  t.same(typed(roles.master), ['$master', `:${roleOffset}`, [['$127.0.0.1', `$${replica.port}`, `$${roleOffset}`]]],
    'master ROLE: ["master", offset, [[ip, port, acked offset]]] (offsets as an integer, then bulk strings)');
  t.same(typed(roles.replica), ['$slave', '$127.0.0.1', `:${master.port}`, '$connected', `:${roleOffset}`],
    'replica ROLE: ["slave", host, port, "connected", offset], at the master\'s offset');

  // The offset counts stream bytes: one `SET k v` moves both offsets by exactly its RESP length.
  // A keepalive PING may land in the same interval, so a few attempts are allowed.
  const expected = encodeCommand(['SET', 'k', 'v']).length;
  const seen: number[] = [];
  for (let attempt = 0; attempt < 3 && !seen.includes(expected); attempt++) {
    seen.push(await offsetStep(master, replica, 'k'));
  }
  t.ok(seen.includes(expected), `SET k v advances master_repl_offset and the replica's offset by ${expected} bytes (saw ${seen.join(', ')})`);
  t.equal(text(await replica.call('GET', 'after-sync')), 'y', 'a write made after REPLICAOF is readable on the replica');
}

const missing = missingPrerequisite();
if (missing !== null) {
  t.plan(0, missing);
} else {
  forEachCombo(t, 'INFO replication and ROLE on both sides', async (t, combo) => {
    const [master, replica] = await startPair(t, combo);
    await checkPair(t, master, replica);
  });
}
