/*
 * `redis-cli --cluster fix` (issue 13) of the two damages the real redis-cli 7.0 repairs by
 * itself, studied first on a cluster of redis-servers (the redis variant still checks the test):
 *
 * 1. Unassigned slots. CLUSTER DELSLOTS 0-199 on every master (on one alone, the others would
 *    still name it the owner and redis-cli would report disagreement instead); m1, their owner,
 *    keeps the keys some of them hold. check: "Not all 16384 slots are covered". fix asks before
 *    each kind of repair (Redis 7.0 asks even with --cluster-yes, so the answers come on stdin):
 *      - slots with no key anywhere   → each given to a master redis-cli picks at random
 *      - slots with keys on m1 only   → given to m1
 *    Then one more slot M, with keys on two masters: m1 (its owner) holds one, and m2 two,
 *    written with ASKING while M was open for importing on m2 and closed again; unassigned
 *    alone (see 1b below for why), fix gives it to the master with more keys, m2, and moves
 *    m1's key there.

 * 2. Keys in a node that does not own their slot. redis-cli finds them only in an open slot (a
 *    closed one it never inspects, in Redis as here): slots S and T of m3 are opened for
 *    importing on m2, which is given keys with ASKING: in S more than m3 holds there, in T fewer.
 *    check warns about the open slots; fix reports "Found keys about slot ... in non-owner node",
 *    makes the node with more keys the owner and moves the other's keys to it: S ends on m2,
 *    T stays on m3.
 *
 * After each fix, check passes and every key is readable where its slot now lives, with its
 * value; the dataset spread over the cluster keeps its DUMP bytes and TTLs.
 *
 * Run per variant (HASHSLOT_RESHARD_KINDS: redis, hashslot, mixed). Keys: HASHSLOT_FIX_KEYS
 * (default 1,000).
 */

import t from 'tap';
import { LocalCluster, missingPrerequisite, type ClusterNode } from '../../bench/harness/cluster-harness';
import { compareSnapshots, datasetKey, loadDataset, snapshotDataset, type Snapshot } from '../../bench/harness/cluster-dataset';
import { keyInSlot, keySlot, ownedSlots, type NodeLine } from '../../bench/harness/cluster-replies';
import { RawClient } from '../../bench/harness/raw-client';
import { address, clusterCli, clusterCliAnswering, dbsizeSum, lineOf, ownerOf, selectedVariants, slotList, waitForMembers } from './resharding-support';

const KEYS = Number(process.env['HASHSLOT_FIX_KEYS'] ?? 1_000);
const VARIANT_TIMEOUT_MS = 120_000;
const UNASSIGNED = Array.from({ length: 200 }, (_, slot) => slot);
const YES = 'yes\nyes\nyes\n';
const variants = selectedVariants(3);
const problem = missingPrerequisite(['redis', 'hashslot']);

t.setTimeout(VARIANT_TIMEOUT_MS * variants.length + 30_000);

/** Keys written with ASKING into a slot `node` imports (each SET on the same connection). */
async function writeAsking(node: ClusterNode, entries: ReadonlyArray<[string, string]>): Promise<void> {
  const client = await RawClient.connect(node.port);
  try {
    for (const [key, value] of entries) {
      const asking = (await client.call('ASKING')).toString('latin1');
      const set = (await client.call('SET', key, value)).toString('latin1');
      if (asking !== '+OK\r\n' || set !== '+OK\r\n') throw new Error(`${node.label}: ASKING SET ${key}: ${asking} ${set}`);
    }
  } finally {
    client.close();
  }
}

async function expectOk(node: ClusterNode, ...argv: string[]): Promise<void> {
  const reply = (await node.call(...argv)).toString('latin1');
  if (reply !== '+OK\r\n') throw new Error(`${node.label} ${argv.slice(0, 4).join(' ')}: ${reply}`);
}

/** A hash tag whose slot `accept`s, so that `{tag}a`, `{tag}b`... all land in it. */
function tagInSlot(accept: (slot: number) => boolean, prefix: string): string {
  for (let n = 0; n < 100_000; n++) if (accept(keySlot(`${prefix}${n}`))) return `${prefix}${n}`;
  throw new Error(`no tag ${prefix}N in an acceptable slot`);
}

if (problem !== null) {
  t.plan(0, problem);
} else {
  for (const variant of variants) {
    t.test(`fix of unassigned slots and of keys in a non-owner node (${variant.name}: ${variant.kinds.join(',')})`, async (t) => {
      t.setTimeout(VARIANT_TIMEOUT_MS);
      const cluster = (await LocalCluster.launch(variant.kinds)).attach(t);
      const masters = cluster.nodes;
      const [m1, m2, m3] = masters as [ClusterNode, ClusterNode, ClusterNode];
      const created = await clusterCli(['create', ...masters.map(address), '--cluster-replicas', '0', '--cluster-yes']);
      t.equal(created.code, 0, 'create', { output: created.out.slice(-2000) });
      let view: NodeLine[] = await waitForMembers(cluster, masters);
      await loadDataset(view, KEYS);
      const reference: Snapshot = await snapshotDataset(view, KEYS);
      /** Extra keys written below, with their values: all must be readable at the end. */
      const extra = new Map<string, string>();
      const datasetSlots = new Set(Array.from({ length: KEYS }, (_, i) => keySlot(datasetKey(i))));

      /** check exits 0 with no warning, the dataset and the extra keys are intact. */
      const verify = async (what: string): Promise<void> => {
        view = await waitForMembers(cluster, masters, 60_000);
        const check = await clusterCli(['check', address(m3)]);
        t.equal(check.code, 0, `${what}: check exits 0`, { output: check.out.slice(-3000) });
        t.notMatch(check.out, /\[(WARNING|ERR)\]/, `${what}: check finds nothing`, { output: check.out.slice(-3000) });
        t.match(check.out, '[OK] All 16384 slots covered.', `${what}: every slot covered`);
        const diff = compareSnapshots(reference, await snapshotDataset(view, KEYS));
        t.same([diff.missing, diff.dumpDiffers, diff.ttlDiffers], [0, 0, 0], `${what}: the dataset's DUMPs and TTLs intact`, { examples: diff.examples });
        const wrong: string[] = [];
        for (const [key, value] of extra) {
          const owner = ownerOf(view, keySlot(key));
          const got = owner === undefined ? 'no owner' : (await cluster.byPort(owner.port).call('GET', key)).toString('latin1');
          if (got !== `$${value.length}\r\n${value}\r\n`) wrong.push(`${key}: ${JSON.stringify(got)}`);
        }
        t.same(wrong, [], `${what}: the ${extra.size} extra keys readable from their slots' owners`);
        t.equal(await dbsizeSum(masters), KEYS + extra.size, `${what}: every key exactly once`);
      };

      /** CLUSTER DELSLOTS on every master, and a wait until each sees the slots unassigned. */
      const unassign = async (slots: readonly number[]): Promise<void> => {
        for (const node of masters) await expectOk(node, 'CLUSTER', 'DELSLOTS', ...slots.map(String));
        await cluster.waitFor(`every master to see ${slots.length} slots unassigned`, 30_000, async () => {
          const views = await Promise.all(masters.map((n) => n.clusterNodes()));
          const owned = views.flatMap((v) => v.flatMap((line) => ownedSlots(line).filter((slot) => slots.includes(slot))));
          return { ok: owned.length === 0, detail: views.map((v) => v.map((l) => l.raw).join('\n')).join('\n--\n') };
        });
        const check = await clusterCli(['check', address(m2)]);
        t.equal(check.code, 1, `${slots.length} slots unassigned: check exits 1`);
        t.match(check.out, '[ERR] Not all 16384 slots are covered by nodes.', `${slots.length} slots unassigned: check says so`);
      };

      // ── 1. Unassigned slots, with keys on their former owner or with none ─────────────────
      await unassign(UNASSIGNED);
      const single = UNASSIGNED.filter((slot) => datasetSlots.has(slot));
      const none = UNASSIGNED.filter((slot) => !datasetSlots.has(slot));
      t.ok(single.length > 0 && none.length > 0, `${single.length} unassigned slots hold keys (on m1), ${none.length} none`);
      const fixed = await clusterCliAnswering(['fix', address(m2)], YES);
      t.equal(fixed.code, 0, `unassigned slots: fix exits 0 (${fixed.ms} ms)`, { output: fixed.out.slice(-3000) });
      t.match(fixed.out, `The following uncovered slots have no keys across the cluster:\n${slotList(none)}\n`, 'fix lists the slots without keys');
      t.match(fixed.out, `The following uncovered slots have keys in just one node:\n${slotList(single)}\n`, 'fix lists the slots with keys on one master');
      // The first "Covering" line after each question follows it on the same line.
      const coveredWith = new Map([...fixed.out.matchAll(/^(?:.*\(type 'yes' to accept\): )?>>> Covering slot (\d+) with 127\.0\.0\.1:(\d+)$/gm)]
        .map((m) => [Number(m[1]), Number(m[2])]));
      t.same([...coveredWith.keys()].sort((a, b) => a - b), UNASSIGNED, 'fix covers each slot once');
      t.same(single.filter((slot) => coveredWith.get(slot) !== m1.port), [], 'the slots with keys on m1 go to m1');
      t.same(none.filter((slot) => !masters.some((n) => n.port === coveredWith.get(slot))), [], 'the others go to masters');
      await verify('after fixing unassigned slots');
      t.same(UNASSIGNED.filter((slot) => ownerOf(view, slot)?.port !== coveredWith.get(slot)), [], 'each slot owned where fix put it');

      // ── 1b. An unassigned slot with keys on two masters ────────────────────────────────────
      // Alone: covering other slots at the same time would give them to a master the source of
      // the move may not have heard of yet, and a node missing slots refuses MIGRATE with
      // CLUSTERDOWN (in Redis too). Covered alone, the source's own SETSLOT NODE completes its view.
      const m1Line = lineOf(view, m1);
      const multi = ownedSlots(m1Line).find((slot) => !datasetSlots.has(slot)) ?? -1;
      const tag = `{${tagInSlot((slot) => slot === multi, 'u')}}`;
      extra.set(`${tag}a`, 'on-m1').set(`${tag}b`, 'on-m2').set(`${tag}c`, 'on-m2');
      await expectOk(m1, 'SET', `${tag}a`, 'on-m1');
      await expectOk(m2, 'CLUSTER', 'SETSLOT', String(multi), 'IMPORTING', m1Line.id);
      await writeAsking(m2, [[`${tag}b`, 'on-m2'], [`${tag}c`, 'on-m2']]);
      await expectOk(m2, 'CLUSTER', 'SETSLOT', String(multi), 'STABLE');
      await unassign([multi]);
      const merged = await clusterCliAnswering(['fix', address(m2)], YES);
      t.equal(merged.code, 0, `keys on two masters: fix exits 0 (${merged.ms} ms)`, { output: merged.out.slice(-3000) });
      t.match(merged.out, `The following uncovered slots have keys in multiple nodes:\n${slotList([multi])}\n`, 'fix lists the slot with keys on two masters');
      t.match(merged.out, `>>> Covering slot ${multi} moving keys to ${address(m2)}\nMoving slot ${multi} from ${address(m1)} to ${address(m2)}: .\n`,
        "the slot goes to the master with more keys (m2), and m1's key moves there");
      await verify('after fixing the slot with keys on two masters');
      t.equal(ownerOf(view, multi)?.port, m2.port, `m2 owns slot ${multi}`);

      // ── 2. Keys in a non-owner node, found in open slots ───────────────────────────────────
      const m3Line = lineOf(view, m3);
      const m3Id = m3Line.id;
      const free = (slot: number): boolean => ownedSlots(m3Line).includes(slot) && !datasetSlots.has(slot);
      const moves = `{${tagInSlot(free, 's')}}`;
      const stays = `{${tagInSlot((slot) => free(slot) && slot !== keySlot(moves), 't')}}`;
      const [slotS, slotT] = [keySlot(moves), keySlot(stays)];
      extra.set(`${moves}a`, 'm3').set(`${moves}b`, 'm2').set(`${moves}c`, 'm2').set(`${moves}d`, 'm2');
      extra.set(`${stays}a`, 'm3').set(`${stays}b`, 'm3').set(`${stays}c`, 'm3').set(`${stays}d`, 'm2');
      for (const key of [`${moves}a`, `${stays}a`, `${stays}b`, `${stays}c`]) await expectOk(m3, 'SET', key, 'm3');
      // Opened in descending order: the warning must list them ascending, as Redis does.
      for (const slot of [slotS, slotT].sort((a, b) => b - a)) await expectOk(m2, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', m3Id);
      await writeAsking(m2, [[`${moves}b`, 'm2'], [`${moves}c`, 'm2'], [`${moves}d`, 'm2'], [`${stays}d`, 'm2']]);

      const open = await clusterCli(['check', address(m1)]);
      t.equal(open.code, 1, 'open slots: check exits 1');
      t.match(open.out, `[WARNING] Node ${address(m2)} has slots in importing state ${[slotS, slotT].sort((a, b) => a - b).join(',')}.`,
        'check lists the importing slots in slot order');
      const listed = /^\[WARNING\] The following slots are open: ([\d,]+)\.$/m.exec(open.out)?.[1]?.split(',').map(Number) ?? [];
      t.same(listed.sort((a, b) => a - b), [slotS, slotT].sort((a, b) => a - b), 'check warns that both slots are open');
      const fixedOpen = await clusterCliAnswering(['fix', address(m1)], YES);
      t.equal(fixedOpen.code, 0, `open slots: fix exits 0 (${fixedOpen.ms} ms)`, { output: fixedOpen.out.slice(-3000) });
      for (const slot of [slotS, slotT]) {
        t.match(fixedOpen.out, `*** Found keys about slot ${slot} in non-owner node ${address(m2)}!`, `fix finds m2's keys in slot ${slot}`);
      }
      t.match(fixedOpen.out, `*** Configuring ${address(m2)} as the slot owner\n>>> Case 2: Moving all the ${slotS} slot keys to its owner ${address(m2)}\n` +
        `Moving slot ${slotS} from ${address(m3)} to ${address(m2)}: `, `slot ${slotS}: m2 has more keys, m3's move to it`);
      t.match(fixedOpen.out, `*** Configuring ${address(m3)} as the slot owner\n>>> Case 2: Moving all the ${slotT} slot keys to its owner ${address(m3)}\n` +
        `Moving slot ${slotT} from ${address(m2)} to ${address(m3)}: `, `slot ${slotT}: m3 has more keys, m2's move to it`);
      await verify('after fixing the open slots');
      t.equal(ownerOf(view, slotS)?.port, m2.port, `m2 owns slot ${slotS}`);
      t.equal(ownerOf(view, slotT)?.port, m3.port, `m3 still owns slot ${slotT}`);
    });
  }
}
