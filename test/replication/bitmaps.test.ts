/*
 * The bitmap commands on a replicated pair: what the master puts in the replication stream, and
 * that the replica ends up with the same bytes.
 *
 * Redis 7.0 propagates SETBIT, BITFIELD and BITOP as they are, and only when they changed
 * something: a SETBIT that leaves its bit as it was (and does not grow the string), a BITFIELD
 * whose writes all store the value already there or are refused by OVERFLOW FAIL, and a BITOP
 * with an empty result on a missing destination propagate nothing. (Such a BITFIELD may still
 * create or extend the key on the master, unpropagated, as Redis does: `nk` below.) Each step
 * names what it must propagate; the master's offset must move by exactly the RESP length of that
 * (a keepalive PING that happens to fall in between is allowed for). The redis → redis
 * combination checks the table itself.
 */

import t from 'tap';
import { encodeCommand, type Arg } from '../helpers/resp';
import { forEachCombo, missingPrerequisite, show, startPair, waitForSync, type ReplNode } from './replication-harness';

const PING_BYTES = encodeCommand(['PING']).length;

interface Step {
  argv: Arg[];
  /** The command the replica must receive; null when nothing may be propagated. */
  propagated: Arg[] | null;
}

const same = (...argv: Arg[]): Step => ({ argv, propagated: argv });
const none = (...argv: Arg[]): Step => ({ argv, propagated: null });

const STEPS: readonly Step[] = [
  same('SETBIT', 'b', '7', '1'),
  none('SETBIT', 'b', '7', '1'),
  none('SETBIT', 'b', '0', '0'),
  same('SETBIT', 'b', '100', '0'),
  same('BITFIELD', 'b', 'SET', 'u8', '0', '255'),
  none('BITFIELD', 'b', 'SET', 'u8', '0', '255'),
  none('BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1'),
  same('BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1', 'INCRBY', 'u8', '0', '-2'),
  same('BITFIELD', 'b', 'OVERFLOW', 'SAT', 'INCRBY', 'i16', '#3', '100000', 'GET', 'u8', '0'),
  none('BITFIELD', 'b', 'GET', 'u8', '0'),
  none('BITFIELD_RO', 'b', 'GET', 'u8', '0'),
  none('BITFIELD', 'nk', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '10'),
  same('BITOP', 'OR', 'd', 'b', 'missing'),
  same('BITOP', 'AND', 'd', 'missing'),
  none('BITOP', 'AND', 'd', 'missing'),
  same('BITOP', 'NOT', 'd', 'b'),
];

async function offsetOf(node: ReplNode): Promise<number> {
  return (await node.info('replication')).num('master_repl_offset');
}

if (missingPrerequisite() !== null) {
  t.plan(0, missingPrerequisite() ?? '');
} else {
  forEachCombo(t, 'bitmap commands are propagated as Redis propagates them', async (tt, combo) => {
    const [master, replica] = await startPair(tt, combo);
    tt.match(await replica.replicaOf(master), /^\+OK/);
    await waitForSync(master, replica);
    // The first write after the sync carries a SELECT: get it out of the way.
    await master.call('SET', 'warmup', 'v');
    await waitForSync(master, replica);
    for (const step of STEPS) {
      const before = await offsetOf(master);
      const reply = await master.call(...step.argv);
      const moved = (await offsetOf(master)) - before;
      const expected = step.propagated === null ? 0 : encodeCommand(step.propagated).length;
      const label = `${step.argv.join(' ')} → ${show(reply)} propagates ${step.propagated === null ? 'nothing' : step.propagated.join(' ')}`;
      tt.ok(moved === expected || moved === expected + PING_BYTES, label, { moved, expected });
    }
    await waitForSync(master, replica);
    for (const key of ['b', 'd']) {
      const [m, r] = await Promise.all([master.call('GET', key), replica.call('GET', key)]);
      tt.equal(show(r), show(m), `GET ${key} on the replica`);
    }
    tt.equal(show(await master.call('EXISTS', 'nk')), ':1', 'the refused BITFIELD created nk on the master');
    tt.equal(show(await replica.call('EXISTS', 'nk')), ':0', 'but not on the replica');
  });
}
