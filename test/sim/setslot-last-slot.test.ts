/**
 * A master that gives its last slot away with CLUSTER SETSLOT <slot> NODE <other> turns into a
 * replica of the new owner at once (Redis 7.0, cluster-allow-replica-migration yes), not only when
 * the new owner's PONG with its bumped configEpoch arrives. During `redis-cli --cluster reshard`
 * either message can reach the emptied master first; the outcome must be the same.
 *
 * Here the new owner takes the slots without any message reaching node 0 (nothing is delivered
 * between the two admin calls), so only the SETSLOT path can make node 0 a replica; and with
 * cluster-allow-replica-migration off, node 0 stays an empty master.
 */
import t from 'tap';
import { formedCluster, masterRange, range, scenarioSeeds, takeSlots } from './sim-harness';
import type { AdminOp } from '../../cluster-bus/admin';

for (const seed of scenarioSeeds(4242)) {
  for (const allow of [true, false]) {
    t.test(`SETSLOT NODE of the last slot, replica migration ${allow ? 'on' : 'off'} (seed ${seed})`, (t) => {
      const sim = formedCluster(t, { seed, nodes: 3, masters: 3 });
      sim.node(0).settings.allowReplicaMigration = allow;
      const [first, last] = masterRange(0, 3);
      const slots = range(first, last);
      const target = sim.node(1);
      takeSlots(sim, 1, slots, true);
      const give: AdminOp[] = slots.map((slot) => ({ type: 'setslot', slot, action: 'node', nodeId: target.id }));
      t.same(sim.admin(0, ...give), { ok: true, bumped: false }, 'node 0 gives every slot away');
      const myself = sim.node(0).machine.myself;
      if (allow) {
        t.ok(myself.isReplica, 'node 0 is a replica right after the last SETSLOT');
        t.equal(myself.slaveof, target.id, 'of the new owner');
      } else {
        t.ok(myself.isMaster, 'node 0 stays a master');
      }
      t.end();
    });
  }
}
