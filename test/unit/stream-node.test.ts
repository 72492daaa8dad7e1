/*
 * The packed stream node (storage/stream-node.ts) and its element codec (stream-listpack.ts)
 * without a server: elements round-trip and are sized as rdb/listpack.ts (checked against Redis
 * elsewhere) encodes them; a node's listpack is the one built element by element from its
 * entries; IDs survive their deltas also near 2^64; XDEL flags entries in place; nodes split at
 * stream-node-max-entries and -max-bytes. test/compat/streams-packed.test.ts compares node
 * boundaries and ~ trims with a real redis-server.
 */
import t from 'tap';
import { decodeListpack, encodeListpack } from '../../storage/rdb/listpack';
import { StreamValue, type NodeLimits } from '../../storage/stream';
import { formatId, ID_MAX, ID_ZERO, makeId, U64_MAX } from '../../storage/stream-id';
import { elementStartBefore, readString, skipElement, stringElementBytes, writeString } from '../../storage/stream-listpack';
import { FLAG_DELETED, FLAG_SAMEFIELDS } from '../../storage/stream-node';

const DEFAULT_LIMITS: NodeLimits = { maxBytes: 4096, maxEntries: 100 };

t.test('elements round-trip, sized and encoded as rdb/listpack.ts encodes them', async (t) => {
  const samples = [
    '', 'a', '0', '7', '127', '128', '-1', '-4096', '4095', '4096', '-32768', '32767', '32768', '8388607', '-8388609',
    '2147483647', '2147483648', '9007199254740993', '9223372036854775807', '-9223372036854775808', '9223372036854775808',
    '007', '+3', '-0', '1.5', ' 1', '__rand_int__', 'x'.repeat(63), 'x'.repeat(64), 'y'.repeat(4095), 'z'.repeat(4096),
    'w'.repeat(20000), '\x00\xff\x80binary',
  ];
  for (const sample of samples) {
    const buf = Buffer.alloc(sample.length + 20);
    const end = writeString(buf, 0, sample);
    t.equal(end, stringElementBytes(sample), `${JSON.stringify(sample.slice(0, 12))}: written size is the computed size`);
    t.equal(readString(buf, 0), sample, `${JSON.stringify(sample.slice(0, 12))} reads back`);
    t.equal(skipElement(buf, 0), end, 'skipElement lands after it');
    t.equal(elementStartBefore(buf, end), 0, 'its backlen leads back to its start');
    // The same element inside a whole listpack, as rdb/listpack.ts writes it.
    const whole = encodeListpack([sample]);
    t.same(buf.subarray(0, end), whole.subarray(6, whole.length - 1), 'the bytes rdb/listpack.ts writes');
  }
});

/** The listpack elements of a node as the pre-packing code built them, from its entries. */
function expectedItems(live: number, deleted: number, masterId: bigint, masterFields: string[], entries: Array<{ id: bigint; pairs: string[]; deleted: boolean }>): string[] {
  const items = [String(live), String(deleted), String(masterFields.length), ...masterFields, '0'];
  const delta = (a: bigint, b: bigint): string => String(BigInt.asIntN(64, a - b));
  for (const entry of entries) {
    const same = entry.pairs.length === masterFields.length * 2 && masterFields.every((f, i) => entry.pairs[i * 2] === f);
    const flags = (same ? FLAG_SAMEFIELDS : 0) | (entry.deleted ? FLAG_DELETED : 0);
    items.push(String(flags), delta(entry.id >> 64n, masterId >> 64n), delta(entry.id & U64_MAX, masterId & U64_MAX));
    const n = entry.pairs.length / 2;
    if (same) items.push(...entry.pairs.filter((_, i) => i % 2 === 1), String(n + 3));
    else items.push(String(n), ...entry.pairs, String(n * 2 + 4));
  }
  return items;
}

t.test('a node is the listpack of its entries: same fields, other fields, deletions, big IDs', async (t) => {
  const stream = new StreamValue();
  const ids = [
    makeId(5n, 0n), makeId(5n, 1n), makeId(1000n, 0n), makeId(70000n, 3n), makeId(2n ** 40n, 0n),
    makeId(2n ** 53n + 5n, 1n), makeId(2n ** 63n, 0n), makeId(U64_MAX, 2n ** 60n), makeId(U64_MAX, U64_MAX - 1n),
  ];
  const shapes = [['f', 'v1', 'g', '12'], ['f', 'v2', 'g', '-7'], ['other', 'x'.repeat(70)], ['f', '', 'g', '9223372036854775807'], ['f', '1', 'g', '2', 'h', '3']];
  const entries: Array<{ id: bigint; pairs: string[]; deleted: boolean }> = [];
  ids.forEach((id, i) => {
    const pairs = shapes[i % shapes.length] as string[];
    stream.append(id, pairs, 0, { maxBytes: 0, maxEntries: 0 });
    entries.push({ id, pairs, deleted: false });
  });
  t.equal(stream.nodes.length, 1, 'no limits: one node');
  t.equal(formatId(stream.lastId), formatId(makeId(U64_MAX, U64_MAX - 1n)));
  for (const i of [1, 5, 7]) {
    t.ok(stream.deleteEntry(entries[i]?.id as bigint), `XDEL of entry ${i}`);
    (entries[i] as { deleted: boolean }).deleted = true;
  }
  t.notOk(stream.deleteEntry(entries[1]?.id as bigint), 'a deleted entry cannot be deleted again');
  t.notOk(stream.deleteEntry(makeId(6n, 0n)), 'nor an ID that is not there');
  const node = stream.nodes[0];
  if (node === undefined) throw new Error('no node');
  t.equal(node.live, 6);
  t.equal(node.deleted, 3);
  const listpack = node.toListpack();
  t.equal(listpack.length, node.listpackBytes, 'listpackBytes is the listpack\'s size');
  const expected = expectedItems(6, 3, ids[0] as bigint, ['f', 'g'], entries);
  t.same(decodeListpack(listpack), expected, 'the elements, deltas and flags');
  t.same(listpack, encodeListpack(expected), 'byte for byte what rdb/listpack.ts encodes for them');
  const live = entries.filter((e) => !e.deleted);
  t.same(stream.range(ID_ZERO, ID_MAX, 0).map((e) => [formatId(e.id), e.pairs]), live.map((e) => [formatId(e.id), e.pairs]), 'XRANGE - +');
  t.same(stream.range(ID_ZERO, ID_MAX, 0, true).map((e) => [e.idText(), e.pairs]), [...live].reverse().map((e) => [formatId(e.id), e.pairs]), 'XREVRANGE + -');
  t.same(stream.range(makeId(1000n, 0n), makeId(U64_MAX, 2n ** 60n), 2).map((e) => e.idText()), ['1000-0', '70000-3'], 'a bounded range with COUNT');
  t.same(stream.range(makeId(2n ** 53n, 0n), makeId(U64_MAX, U64_MAX), 0, true).map((e) => e.idText()), [formatId(ids[8] as bigint), formatId(ids[6] as bigint)], 'reverse, across unsafe halves');
  t.same(stream.get(ids[3] as bigint), shapes[3], 'get');
  t.equal(stream.get(ids[5] as bigint), undefined, 'get of a deleted entry');
  t.equal(formatId(stream.firstLiveId()), '5-0');
  t.equal(formatId(stream.lastLiveId()), formatId(ids[8] as bigint));
});

t.test('lookups in any order agree with a plain scan (the search hint)', async (t) => {
  const stream = new StreamValue();
  for (let i = 0; i < 500; i++) stream.append(makeId(BigInt(1000 + (i >> 2)), BigInt(i & 3)), ['f', String(i)], 0, DEFAULT_LIMITS);
  for (let i = 0; i < 500; i += 7) stream.deleteEntry(makeId(BigInt(1000 + (i >> 2)), BigInt(i & 3)));
  const order = [...Array(500).keys()].map((i) => (i * 37) % 500);
  let ok = true;
  for (const i of [...order, ...[...Array(500).keys()]]) {
    const got = stream.get(makeId(BigInt(1000 + (i >> 2)), BigInt(i & 3)));
    const want = i % 7 === 0 ? undefined : ['f', String(i)];
    if (JSON.stringify(got) !== JSON.stringify(want)) ok = false;
  }
  t.ok(ok, 'every get answers as the entries say');
  t.equal(stream.length, 500 - Math.ceil(500 / 7));
});

t.test('nodes split at stream-node-max-entries and -max-bytes, deleted entries counted', async (t) => {
  const byEntries = new StreamValue();
  for (let i = 1; i <= 250; i++) byEntries.append(makeId(BigInt(i), 0n), ['field', String(i)], 0, DEFAULT_LIMITS);
  t.same(byEntries.nodes.map((n) => n.size), [100, 100, 50], '100 entries a node');
  const bySize = new StreamValue();
  const limits: NodeLimits = { maxBytes: 200, maxEntries: 0 };
  for (let i = 1; i <= 40; i++) bySize.append(makeId(BigInt(i), 0n), ['f', 'v'.repeat(20)], 0, limits);
  // Redis's rule: a new node when the last listpack's bytes plus the new fields' and values'
  // lengths reach max-bytes.
  let ok = true;
  for (let n = 0; n + 1 < bySize.nodes.length; n++) {
    const node = bySize.nodes[n];
    if (node === undefined || node.listpackBytes + 21 < 200) ok = false;
    if (node === undefined || node.toListpack().length !== node.listpackBytes) ok = false;
  }
  t.ok(ok, 'every closed node had reached the limit, and its listpack is listpackBytes long');
  t.ok(bySize.nodes.length > 1);
  const withDeleted = new StreamValue();
  const three: NodeLimits = { maxBytes: 4096, maxEntries: 3 };
  for (let i = 1; i <= 3; i++) withDeleted.append(makeId(BigInt(i), 0n), ['a', 'b'], 0, three);
  withDeleted.deleteEntry(makeId(2n, 0n));
  withDeleted.append(makeId(4n, 0n), ['a', 'b'], 0, three);
  t.same(withDeleted.nodes.map((n) => [n.live, n.deleted]), [[2, 1], [1, 0]], 'a deleted entry still takes its place');
  withDeleted.deleteEntry(makeId(4n, 0n));
  t.equal(withDeleted.nodes.length, 1, 'a node losing its last live entry goes');
});

t.test('trims: ~ removes whole nodes only, = flags entries inside the first node', async (t) => {
  const stream = new StreamValue();
  for (let i = 1; i <= 1000; i++) stream.append(makeId(BigInt(i), 0n), ['f', String(i)], 0, DEFAULT_LIMITS);
  t.equal(stream.trim({ strategy: 'maxlen', maxLength: 550, minId: 0n, approximate: true, limit: 0 }), 400, 'MAXLEN ~ 550 takes 4 whole nodes');
  t.equal(formatId(stream.firstId), '401-0');
  t.equal(stream.trim({ strategy: 'maxlen', maxLength: 550, minId: 0n, approximate: false, limit: 0 }), 50, 'MAXLEN = 550 flags 50 more');
  t.same(stream.nodes[0] && [stream.nodes[0].live, stream.nodes[0].deleted], [50, 50]);
  t.equal(formatId(stream.firstStoredId()), '401-0', 'the first stored entry is a deleted one');
  t.equal(formatId(stream.firstId), '451-0');
  t.equal(stream.trim({ strategy: 'minid', maxLength: 0, minId: makeId(700n, 0n), approximate: true, limit: 0 }), 150, 'MINID ~ 700-0 takes nodes ending below it');
  t.equal(stream.trim({ strategy: 'minid', maxLength: 0, minId: makeId(750n, 5n), approximate: false, limit: 0 }), 150, 'MINID = 750-5: a whole node, then 50 flagged');
  t.equal(formatId(stream.firstId), '751-0');
  t.equal(stream.length, 250);
});
