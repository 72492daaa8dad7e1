/*
 * The sorted-set commands on a replicated pair: what the master puts in the replication stream,
 * and that the replica ends up with the same sorted sets (scores compared as ZRANGE WITHSCORES
 * prints them).
 *
 * Redis 7.0 propagates ZMPOP and BZMPOP as ZPOPMIN/ZPOPMAX with the number of members actually
 * popped, BZPOPMIN/BZPOPMAX as ZPOPMIN/ZPOPMAX key (also when a waiter is served by a later
 * ZADD), the other writes as they are, and nothing for a command that changed nothing (ZADD NX
 * on existing members, ZREM of absent members, ZPOPMAX k 0, a store of an empty result onto a
 * missing key). Each step names what it must propagate; the master's offset must move by exactly
 * the RESP length of that (a keepalive PING that happens to fall in between is allowed for). The
 * redis → redis combination checks the table itself.
 */

import t from 'tap';
import { encodeCommand, type Arg } from '../helpers/resp';
import { forEachCombo, missingPrerequisite, show, startPair, waitFor, waitForSync, type ReplNode } from './replication-harness';

const PING_BYTES = encodeCommand(['PING']).length;

interface Step {
  argv: Arg[];
  /** The commands the replica must receive, in order; empty when nothing may be propagated. */
  propagated: Arg[][];
}

const same = (...argv: Arg[]): Step => ({ argv, propagated: [argv] });
const as = (propagated: Arg[] | null, ...argv: Arg[]): Step => ({ argv, propagated: propagated === null ? [] : [propagated] });

const STEPS: readonly Step[] = [
  same('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '0.1', 'd', '-inf', 'e'),
  as(null, 'ZADD', 'z', 'NX', '5', 'a'),
  as(null, 'ZADD', 'z', 'XX', '1', 'a'),
  as(null, 'ZADD', 'z', 'GT', '0', 'b'),
  same('ZADD', 'z', 'GT', 'CH', '10', 'b'),
  same('ZINCRBY', 'z', '1.5', 'a'),
  same('ZADD', 'z', 'INCR', '0.25', 'd'),
  as(null, 'ZREM', 'z', 'nope'),
  same('ZREM', 'z', 'c', 'nope'),
  same('ZPOPMIN', 'z'),
  as(null, 'ZPOPMAX', 'z', '0'),
  same('ZPOPMAX', 'z', '1'),
  same('ZADD', 'y', '1', 'a', '2', 'b', '3', 'c', '4', 'd'),
  as(['ZPOPMIN', 'y', '2'], 'ZMPOP', '2', 'nx', 'y', 'MIN', 'COUNT', '2'),
  as(['ZPOPMAX', 'y', '1'], 'ZMPOP', '1', 'y', 'MAX'),
  as(null, 'ZMPOP', '1', 'nx', 'MAX'),
  as(['ZPOPMAX', 'y'], 'BZPOPMAX', 'nx', 'y', '0'),
  same('ZADD', 'y', '1', 'x', '2', 'w', '3', 'v'),
  as(['ZPOPMIN', 'y', '3'], 'BZMPOP', '0', '1', 'y', 'MIN', 'COUNT', '10'),
  same('ZADD', 'u', '1', 'a', '2', 'b'),
  same('ZUNIONSTORE', 'd', '2', 'z', 'u', 'WEIGHTS', '2', '3'),
  same('ZINTERSTORE', 'd2', '2', 'z', 'u', 'AGGREGATE', 'MAX'),
  same('ZDIFFSTORE', 'd3', '2', 'u', 'z'),
  same('ZINTERSTORE', 'd3', '1', 'nx'),
  as(null, 'ZINTERSTORE', 'd3', '1', 'nx'),
  same('ZRANGESTORE', 'r', 'd', '0', '1'),
  same('ZREMRANGEBYSCORE', 'd', '-inf', '(5'),
  as(null, 'ZREMRANGEBYRANK', 'nx', '0', '-1'),
  same('ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c'),
  same('ZREMRANGEBYLEX', 'lex', '[b', '+'),
  same('ZREMRANGEBYRANK', 'lex', '0', '0'),
];

const KEYS = ['z', 'y', 'u', 'd', 'd2', 'd3', 'r', 'lex', 'nx', 'served', 'warmup'];

async function offsetOf(node: ReplNode): Promise<number> {
  return (await node.info('replication')).num('master_repl_offset');
}

if (missingPrerequisite() !== null) {
  t.plan(0, missingPrerequisite() ?? '');
} else {
  forEachCombo(t, 'sorted-set commands are propagated as Redis propagates them', async (tt, combo) => {
    const [master, replica] = await startPair(tt, combo);
    tt.match(await replica.replicaOf(master), /^\+OK/);
    await waitForSync(master, replica);
    // The first write after the sync carries a SELECT: get it out of the way.
    await master.call('SET', 'warmup', 'v');
    await waitForSync(master, replica);
    const check = (step: Step, moved: number, label: string): void => {
      const expected = step.propagated.reduce((n, argv) => n + encodeCommand(argv).length, 0);
      tt.ok(moved === expected || moved === expected + PING_BYTES, label, { moved, expected });
    };
    for (const step of STEPS) {
      const before = await offsetOf(master);
      const reply = await master.call(...step.argv);
      const moved = (await offsetOf(master)) - before;
      check(step, moved, `${step.argv.join(' ')} → ${show(reply)} propagates ${step.propagated.map((p) => p.join(' ')).join(' + ') || 'nothing'}`);
    }

    // A waiter served by a later ZADD: the ZADD, then the waiter's pop.
    const waiter = await master.connect();
    const pending = waiter.call('BZPOPMIN', 'served', '0');
    await waitFor('the waiter to block', 5_000, async () => {
      const n = (await master.info('clients')).num('blocked_clients');
      return { ok: n === 1, detail: `blocked_clients ${n}` };
    });
    const before = await offsetOf(master);
    await master.call('ZADD', 'served', '1', 'm', '2', 'n');
    tt.match(show(await pending), /served.*m/, 'the waiter was served');
    const moved = (await offsetOf(master)) - before;
    check({ argv: [], propagated: [['ZADD', 'served', '1', 'm', '2', 'n'], ['ZPOPMIN', 'served']] }, moved, 'a served BZPOPMIN propagates ZADD + ZPOPMIN served');
    waiter.close();

    await waitForSync(master, replica);
    for (const key of KEYS) {
      const [m, r] = await Promise.all([master.call('TYPE', key), replica.call('TYPE', key)]);
      tt.equal(show(r), show(m), `TYPE ${key} on the replica`);
      if (show(m) === '+zset') {
        const [ml, rl] = await Promise.all([master.call('ZRANGE', key, '0', '-1', 'WITHSCORES'), replica.call('ZRANGE', key, '0', '-1', 'WITHSCORES')]);
        tt.equal(show(rl), show(ml), `ZRANGE ${key} WITHSCORES on the replica`);
      }
    }
  });
}
