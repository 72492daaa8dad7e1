/*
 * The list commands on a replicated pair: what the master puts in the replication stream, and
 * that the replica ends up with the same lists.
 *
 * Redis 7.0 propagates LMPOP as the LPOP/RPOP with the number of elements actually popped,
 * LMOVE and RPOPLPUSH as they are, and nothing at all for a command that changed nothing (LPOP k
 * 0, an LTRIM that keeps everything, an LREM or LINSERT that finds nothing, LMPOP on empty keys).
 * Each step below names what it must propagate; the master's offset must move by exactly the
 * RESP length of that (a keepalive PING that happens to fall in between is allowed for). The
 * redis → redis combination checks the table itself.
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
const as = (propagated: Arg[] | null, ...argv: Arg[]): Step => ({ argv, propagated });

const STEPS: readonly Step[] = [
  same('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'),
  same('LMOVE', 'l', 'l2', 'left', 'right'),
  same('RPOPLPUSH', 'l', 'l2'),
  as(['LPOP', 'l', '2'], 'LMPOP', '2', 'nx', 'l', 'LEFT', 'COUNT', '2'),
  as(['RPOP', 'l', '1'], 'LMPOP', '1', 'l', 'RIGHT', 'COUNT', '5'),
  as(null, 'LMPOP', '1', 'l', 'RIGHT'),
  as(null, 'LPOP', 'l2', '0'),
  as(null, 'LTRIM', 'l2', '0', '-1'),
  as(null, 'LREM', 'l2', '0', 'zz'),
  as(null, 'LINSERT', 'l2', 'BEFORE', 'zz', 'q'),
  as(null, 'LPUSHX', 'nx', 'a'),
  same('LINSERT', 'l2', 'AFTER', 'e', 'q'),
  same('LSET', 'l2', '0', 'E'),
  same('LMOVE', 'l2', 'l2', 'LEFT', 'RIGHT'),
  same('RPUSH', 'm', '1', '2', '3', '4'),
  as(['LPOP', 'm', '1'], 'LMPOP', '1', 'm', 'LEFT'),
  same('LPOP', 'm', '2'),
  same('LREM', 'l2', '-1', 'q'),
  same('LTRIM', 'l2', '0', '0'),
  same('RPOP', 'm'),
];

async function offsetOf(node: ReplNode): Promise<number> {
  return (await node.info('replication')).num('master_repl_offset');
}

if (missingPrerequisite() !== null) {
  t.plan(0, missingPrerequisite() ?? '');
} else {
  forEachCombo(t, 'list commands are propagated as Redis propagates them', async (tt, combo) => {
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
    for (const key of ['l', 'l2', 'm', 'nx', 'warmup']) {
      const [m, r] = await Promise.all([master.call('TYPE', key), replica.call('TYPE', key)]);
      tt.equal(show(r), show(m), `TYPE ${key} on the replica`);
      if (show(m) === '+list') {
        const [ml, rl] = await Promise.all([master.call('LRANGE', key, '0', '-1'), replica.call('LRANGE', key, '0', '-1')]);
        tt.equal(show(rl), show(ml), `LRANGE ${key} on the replica`);
      }
    }
  });
}
