/*
 * A failover in the middle of a slot migration, then `redis-cli --cluster fix` (issue 13): no key
 * may be lost or left in two places. Run on a cluster of redis-servers (which checks the test)
 * and on a cluster of hashslot nodes, 3 masters with a replica each:
 *
 *   1. 100 keys in slot S on the source (written, then WAIT 1 so its replica has them)
 *   2. target IMPORTING, source MIGRATING, 40 of the keys MIGRATEd (the source's replica gets
 *      the DELs; the migration marks are not replicated)
 *   3. the source is killed: its replica is elected and takes the slot, unaware of the open
 *      migration; the target still marks S as importing and holds 40 of its keys
 *   4. `redis-cli --cluster fix --cluster-fix-with-unreachable-masters`, then `check`: S is
 *      closed, owned by one master that holds all 100 keys, each readable once with its value
 *
 * Why 40 and not half: redis-cli sees two masters with keys of S and makes the one with the
 * most keys the owner (CLUSTER ADDSLOTS and BUMPEPOCH there), then moves the other's keys to it.
 * With 50 and 50 it picks the first node it knows, the target, whose claim of S with the newer
 * epoch then reaches the promoted replica in the next ping; a master that loses a slot it holds
 * keys of deletes them (Redis's dirty slots). If that ping arrives before redis-cli's MIGRATE
 * from the replica, a window of a few ms that grows on a loaded machine, the replica's 50 keys
 * are gone, on redis-server as on hashslot (both delete them within 3 s when the MIGRATE is held
 * back): a full run once counted 50 of 100 that way. With 60 keys the replica is the owner, and
 * no node ever claims S against it.
 */

import t from 'tap';
import { type ClusterNode, LocalCluster, missingPrerequisite, RedirectingClient, runRedisCli, stripAnsi } from '../../bench/harness/cluster-harness';
import type { Arg } from '../../bench/harness/resp';
import { isMaster, keySlot, ownedSlots } from '../../bench/harness/cluster-replies';
import { RawClient } from '../../bench/harness/raw-client';
import { waitLinkUp } from './failover-support';

const KINDS = ['redis', 'hashslot'] as const;

/** Polls until `probe` says ok or the deadline passes (the harness's waitFor gives up once a node exited). */
async function poll(what: string, deadlineMs: number, probe: () => Promise<{ ok: boolean; detail: string }>): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const { ok, detail } = await probe().catch((e: unknown) => ({ ok: false, detail: String(e) }));
    if (ok) return;
    if (Date.now() > end) throw new Error(`not within ${deadlineMs} ms: ${what}\n${detail}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads a reply as text; for a connection kept open across several commands. */
async function rawOn(client: RawClient, ...argv: Arg[]): Promise<string> {
  return (await client.call(...argv)).toString('latin1');
}

/** A node's raw reply, as text. */
async function raw(node: ClusterNode, ...argv: Arg[]): Promise<string> {
  return (await node.call(...argv)).toString('latin1');
}
const KEYS = 100;
/** Keys moved to the target before the failover: fewer than half (see the top of the file). */
const MOVED = 40;
const problem = missingPrerequisite([...KINDS]);

if (problem !== null) {
  t.plan(0, problem);
} else {
  for (const kind of KINDS) {
    t.test(`failover of the source mid-migration, then --cluster fix (${kind})`, async (t) => {
      t.setTimeout(120_000);
      const cluster = (await LocalCluster.launch(Array(6).fill(kind), { nodeTimeoutMs: 2000 })).attach(t);
      await cluster.createOrThrow(1);
      await cluster.waitForOk();
      const view = await cluster.waitForAgreement(6);
      const slot = keySlot('{f}');
      const s = String(slot);
      const sourceLine = view.find((n) => isMaster(n) && ownedSlots(n).includes(slot));
      const targetLine = view.find((n) => isMaster(n) && n !== sourceLine);
      const replicaLine = view.find((n) => n.masterId === sourceLine?.id);
      if (sourceLine === undefined || targetLine === undefined || replicaLine === undefined) throw new Error('unexpected topology');
      const source = cluster.byPort(sourceLine.port);
      const target = cluster.byPort(targetLine.port);
      const replica = cluster.byPort(replicaLine.port);

      // 1. Keys, acknowledged by the source's replica. Its first sync may still be running after
      // create (redis-server waits repl-diskless-sync-delay, 5 s, before it streams the RDB), so
      // the link is awaited first: WAIT only counts replicas that are online.
      await waitLinkUp(replica);
      // One connection for the source's writes and WAITs: WAIT waits for this connection's own
      // last write. Its read deadline outlasts WAIT's 5 s, so a WAIT that times out reads as :0.
      const writer = await RawClient.connect(source.port, source.host, 15_000);
      let written = 0;
      for (let i = 0; i < KEYS; i++) if ((await rawOn(writer, 'SET', `{f}:${i}`, `v${i}`)) === '+OK\r\n') written++;
      t.equal(written, KEYS, 'keys written');
      t.equal(await rawOn(writer, 'WAIT', '1', '5000'), ':1\r\n');

      // 2. MOVED of the keys moved, fewer than half.
      t.equal(await raw(target, 'CLUSTER', 'SETSLOT', s, 'IMPORTING', sourceLine.id), '+OK\r\n');
      t.equal(await raw(source, 'CLUSTER', 'SETSLOT', s, 'MIGRATING', targetLine.id), '+OK\r\n');
      const moved = Array.from({ length: MOVED }, (_, i) => `{f}:${i}`);
      t.equal(await rawOn(writer, 'MIGRATE', '127.0.0.1', String(targetLine.port), '', '0', '5000', 'KEYS', ...moved), '+OK\r\n');
      t.equal(await rawOn(writer, 'WAIT', '1', '5000'), ':1\r\n', 'the replica got the DELs');
      writer.close();
      // Polled: on redis-server 7.0, WAIT right after MIGRATE can answer before the replica has
      // applied the DELs (seen once in a full run under load), so the count is awaited.
      await poll('the replica to hold the keys not moved', 5_000, async () => {
        const count = await raw(replica, 'CLUSTER', 'COUNTKEYSINSLOT', s);
        return { ok: count === `:${KEYS - MOVED}\r\n`, detail: `COUNTKEYSINSLOT: ${count.trim()}` };
      });
      t.pass(`the replica holds ${KEYS - MOVED} keys of the slot`);

      // 3. The source dies; its replica takes over.
      await source.kill('SIGKILL');
      await poll('the replica is promoted', 30_000, async () => {
        const me = await replica.myself();
        return { ok: me.flags.includes('master') && ownedSlots(me).includes(slot), detail: me.raw };
      });
      const survivors = cluster.nodes.filter((n) => n !== source);
      // The target is not: importing S, it ignores the new owner's claim of S (Redis skips
      // importing slots when it updates slot owners), so S stays with a failed node in its view
      // and its cluster_state is fail, in Redis as here, until the slot is fixed.
      const others = survivors.filter((n) => n !== target);
      await poll('every other survivor is ok', 30_000, async () => {
        const states = await Promise.all(others.map((n) => n.clusterState().catch(() => 'down')));
        const bad = others.filter((_, i) => states[i] !== 'ok');
        const views = await Promise.all(bad.map(async (n) => `${n.label}:\n${await raw(n, 'CLUSTER', 'NODES').catch(String)}\n${await raw(n, 'CLUSTER', 'INFO').catch(String)}`));
        return { ok: states.every((x) => x === 'ok'), detail: states.join(' ') + '\n' + views.join('\n') };
      });
      t.ok((await target.myself()).slotTokens.includes(`[${slot}-<-${sourceLine.id}]`), 'the target still imports from the dead source');
      t.equal(await target.clusterState(), 'fail', 'and sees the slot served by a failed node');

      // 4. fix and check. redis-cli refuses to fix open slots while a master is unreachable
      // unless told to; forgetting the dead node first would not do: a node forgotten is no
      // longer imported from, the slot closes and the moved keys stay, unseen, on the target.
      const entry = `127.0.0.1:${targetLine.port}`;
      const fix = await runRedisCli(['--cluster', 'fix', entry, '--cluster-yes', '--cluster-fix-with-unreachable-masters'], 60_000);
      t.equal(fix.code, 0, 'redis-cli --cluster fix succeeds', { output: stripAnsi(fix.stdout + fix.stderr).slice(-2000) });
      await poll('check passes', 30_000, async () => {
        const check = await runRedisCli(['--cluster', 'check', entry]);
        const out = stripAnsi(check.stdout);
        return { ok: check.code === 0 && !out.includes('[WARNING]') && !out.includes('[ERR]'), detail: out.slice(-1500) };
      });
      await poll('every survivor is ok after the fix', 30_000, async () => {
        const states = await Promise.all(survivors.map((n) => n.clusterState().catch(() => 'down')));
        return { ok: states.every((x) => x === 'ok'), detail: states.join(' ') };
      });
      let total = 0;
      for (const node of survivors) {
        const me = await node.myself();
        if (!me.flags.includes('master')) continue;
        const count = Number((await raw(node, 'CLUSTER', 'COUNTKEYSINSLOT', s)).slice(1));
        if (count > 0) t.ok(ownedSlots(me).includes(slot), `the keys are with the owner of the slot (${node.label})`);
        total += count;
      }
      t.equal(total, KEYS, 'every key once: no loss, no copy left behind');
      const reader = new RedirectingClient();
      let right = 0;
      for (let i = 0; i < KEYS; i++) if ((await reader.call(targetLine.port, 'GET', `{f}:${i}`)).toString('latin1') === `$${`v${i}`.length}\r\nv${i}\r\n`) right++;
      reader.close();
      t.equal(right, KEYS, 'every key readable with its value');
    });
  }
}
