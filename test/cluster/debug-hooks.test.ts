/*
 * The DEBUG hooks Redis's own cluster tests send (issue 13), on a cluster of redis-servers and a
 * cluster of hashslot nodes with the same expectations:
 *
 *   DEBUG DROP-CLUSTER-PACKET-FILTER 1    node A ignores the PONGs it receives: its ping to B
 *                                         stays pending (B's own pings still reach A, so A does
 *                                         not flag B); -1 lets PONGs through again
 *   DEBUG CLUSTERLINK KILL to|from|all    the links are freed and made again (CLUSTER LINKS shows
 *                                         newer create-times), and the new link's ping is
 *                                         answered; errors as Redis words them
 */

import t from 'tap';
import { type ClusterNode, LocalCluster, missingPrerequisite } from '../../bench/harness/cluster-harness';
import type { Arg } from '../../bench/harness/resp';

const KINDS = ['redis', 'hashslot'] as const;
const NODE_TIMEOUT_MS = 2000;
const problem = missingPrerequisite([...KINDS]);

async function raw(node: ClusterNode, ...argv: Arg[]): Promise<string> {
  return (await node.call(...argv)).toString('latin1');
}

async function poll(what: string, deadlineMs: number, probe: () => Promise<{ ok: boolean; detail: string }>): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const { ok, detail } = await probe().catch((e: unknown) => ({ ok: false, detail: String(e) }));
    if (ok) return;
    if (Date.now() > end) throw new Error(`not within ${deadlineMs} ms: ${what}\n${detail}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** CLUSTER LINKS as (direction, node, create-time) triples. */
async function links(node: ClusterNode): Promise<Array<{ direction: string; node: string; created: number }>> {
  const text = await raw(node, 'CLUSTER', 'LINKS');
  const out: Array<{ direction: string; node: string; created: number }> = [];
  const fields = text.split('\r\n');
  for (let i = 0; i < fields.length; i++) {
    if (fields[i + 1] === 'direction') out.push({ direction: fields[i + 3] ?? '', node: fields[i + 7] ?? '', created: Number((fields[i + 10] ?? '').replace(/^:/, '')) });
  }
  return out;
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  for (const kind of KINDS) {
    t.test(`DEBUG DROP-CLUSTER-PACKET-FILTER and CLUSTERLINK KILL (${kind})`, async (t) => {
      t.setTimeout(90_000);
      const cluster = (await LocalCluster.launch([kind, kind, kind], { nodeTimeoutMs: NODE_TIMEOUT_MS, extraArgs: ['--enable-debug-command', 'yes'] })).attach(t);
      await cluster.createOrThrow(0);
      await cluster.waitForOk();
      const [a, b] = [cluster.node(0), cluster.node(1)];
      const bId = (await b.myself()).id;

      t.equal(await raw(a, 'DEBUG', 'DROP-CLUSTER-PACKET-FILTER', 'x'), '-ERR value is not an integer or out of range\r\n');
      t.equal(await raw(a, 'DEBUG', 'DROP-CLUSTER-PACKET-FILTER'), "-ERR unknown subcommand or wrong number of arguments for 'DROP-CLUSTER-PACKET-FILTER'. Try DEBUG HELP.\r\n");
      t.equal(await raw(a, 'DEBUG', 'DROP-CLUSTER-PACKET-FILTER', '1'), '+OK\r\n', 'PONGs dropped');
      // B's PINGs still reach A, so A hears from B and does not flag it; but A's own pings to B
      // stay unanswered: its view of B keeps a ping pending, older and older.
      await poll("A's ping to B stays pending past node-timeout", 20_000, async () => {
        const line = (await a.clusterNodes()).find((n) => n.id === bId);
        const pending = line !== undefined && line.pingSentMs > 0 ? Date.now() - line.pingSentMs : 0;
        return { ok: pending > NODE_TIMEOUT_MS, detail: line?.raw ?? 'no line' };
      });
      t.pass("without PONGs, A's ping to B stays pending");
      t.equal(await raw(a, 'DEBUG', 'DROP-CLUSTER-PACKET-FILTER', '-1'), '+OK\r\n', 'filter off');

      t.equal(await raw(a, 'DEBUG', 'CLUSTERLINK', 'KILL', 'sideways', bId), '-ERR Unknown direction sideways\r\n');
      t.equal(await raw(a, 'DEBUG', 'CLUSTERLINK', 'KILL', 'all', 'nosuchnode'), '-ERR Unknown node nosuchnode\r\n');
      t.equal(await raw(a, 'DEBUG', 'CLUSTERLINK', 'FOO', 'to', bId), "-ERR unknown subcommand or wrong number of arguments for 'CLUSTERLINK'. Try DEBUG HELP.\r\n");
      let before: Awaited<ReturnType<typeof links>> = [];
      await poll('a link each way between A and B', 20_000, async () => {
        before = (await links(a)).filter((l) => l.node === bId);
        return { ok: before.length === 2, detail: JSON.stringify(before) };
      });
      t.pass('A has a link each way with B');
      await new Promise((resolve) => setTimeout(resolve, 20));
      const killed = await raw(a, 'DEBUG', 'CLUSTERLINK', 'KILL', 'all', bId).catch((err: Error) => err);
      if (killed instanceof Error && kind === 'redis') {
        // redis-server 7.0 dereferences a link that is gone (one was freed and not yet made
        // again between the check above and the KILL): it crashes, redis/redis#12930, fixed
        // after 7.0. Seen once in a loaded full run; the rest is redis-server's to skip.
        t.comment(`redis-server crashed in DEBUG CLUSTERLINK KILL (redis/redis#12930): ${killed.message}`);
        return;
      }
      t.equal(killed, '+OK\r\n');
      await poll('both links made again', 20_000, async () => {
        const now = (await links(a)).filter((l) => l.node === bId);
        const renewed = ['to', 'from'].every((direction) => {
          const old = before.find((l) => l.direction === direction);
          const fresh = now.find((l) => l.direction === direction);
          return old !== undefined && fresh !== undefined && fresh.created > old.created;
        });
        return { ok: renewed, detail: JSON.stringify({ before, now }) };
      });
      t.pass('CLUSTER LINKS shows new links both ways');
      // The new outbound link carries a new ping, answered now that PONGs get through.
      await poll('the ping is answered', 20_000, async () => {
        const line = (await a.clusterNodes()).find((n) => n.id === bId);
        return { ok: line !== undefined && line.pingSentMs === 0, detail: line?.raw ?? 'no line' };
      });
      t.pass('PONGs again: no ping pending');
      await cluster.waitForOk();
    });
  }
}
