/**
 * The RDB codec (storage/rdb) against redis-wire.md §3: the CRC-64 and DUMP vectors, the two
 * full-sync snapshots a real 7.0.15 master sent, every blob format (listpack, intset, ziplist,
 * zipmap) at its boundaries, LZF, and writer → reader round trips of every type, including
 * point-in-time isolation of snapshots and adoption into a live keyspace.
 */
import t from 'tap';
import fc from 'fast-check';
import Denque from 'denque';
import { crc64 } from '../../storage/rdb/crc64';
import { lzfCompress, lzfDecompress } from '../../storage/rdb/lzf';
import { createDumpPayload, decodeDumpPayload, verifyDumpPayload } from '../../storage/rdb/dump-payload';
import { decodeListpack, encodeListpack } from '../../storage/rdb/listpack';
import { decodeIntset, encodeIntset } from '../../storage/rdb/intset';
import { decodeZiplist } from '../../storage/rdb/ziplist';
import { decodeZipmap } from '../../storage/rdb/zipmap';
import { loadRdb } from '../../storage/rdb/rdb-reader';
import { rdbChunks, snapshotKeyspace, type RdbAuxFields } from '../../storage/rdb/rdb-writer';
import { RdbError, RdbUnsupportedError } from '../../storage/rdb/rdb-error';
import { ListValue } from '../../storage/values';
import { describeKeyspace, describeValue, hash, list, newKeyspace, readVector, richKeyspace, set, zset } from './rdb-helpers';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const AUX: RdbAuxFields = { ctimeSec: 1_700_000_000, usedMemBytes: 123456 };

function writeAll(ks = richKeyspace(), aux = AUX, options = { compression: true, checksum: true }): Buffer {
  return Buffer.concat([...rdbChunks(snapshotKeyspace(ks), aux, options)]);
}

t.test('CRC-64 Jones: the check value, and chaining', async (t) => {
  const data = Buffer.from('123456789');
  t.equal(crc64(0n, data), 0xe9c6d914c4b8d9can);
  t.equal(crc64(crc64(0n, data, 0, 4), data, 4), 0xe9c6d914c4b8d9can, 'chained over two calls');
  t.equal(crc64(0n, Buffer.alloc(0)), 0n);
});

t.test('DUMP payloads byte for byte as a real 7.0.15 (redis-wire.md §3.7)', async (t) => {
  const cases: Array<[string, Parameters<typeof createDumpPayload>[0], string]> = [
    ['SET s hello', 'hello', '00 05 68656c6c6f 0a00 6372df766534200a'],
    ['SET n 12345', '12345', '00 c1 3930 0a00 9d94ea2793fc08b9'],
    ['40 x a (LZF)', 'a'.repeat(40), '00 c3 09 28 016161 e01b00 016161 0a00 cf092faaae25831d'],
    ['list [x,2,a,b,c]', list('x', '2', 'a', 'b', 'c'), '12 01 02 15 15000000 0500 8178 02 0201 8161 02 8162 02 8163 02 ff 0a00 67fab155c4be5a19'],
  ];
  for (const [name, value, expected] of cases) {
    const payload = createDumpPayload(value, true);
    t.equal(payload.toString('hex'), hex(expected).toString('hex'), name);
    t.ok(verifyDumpPayload(payload), `${name}: footer verifies`);
    t.same(describeValue(decodeDumpPayload(payload)), describeValue(value), `${name}: decodes back`);
  }
  t.equal(createDumpPayload('a'.repeat(40), false).toString('hex').slice(0, 6), '002861', 'rdbcompression no: stored plainly');
});

t.test('DUMP footer checks', async (t) => {
  const good = createDumpPayload('hello', true);
  t.notOk(verifyDumpPayload(good.subarray(0, 9)), 'shorter than a footer');
  const newer = Buffer.from(good);
  newer.writeUInt16LE(11, newer.length - 10);
  t.notOk(verifyDumpPayload(newer), 'a newer RDB version');
  const older = createDumpPayload('hello', true);
  t.ok(verifyDumpPayload(older));
  for (let i = 0; i < good.length; i++) {
    const flipped = Buffer.from(good);
    flipped[i] = (flipped[i] as number) ^ 0x20;
    t.notOk(verifyDumpPayload(flipped), `byte ${i} flipped`);
  }
  // A sound footer around undecodable content: decode must fail with RdbError.
  const body = Buffer.from([0x42, 0x01, 0x61]);
  const withFooter = Buffer.concat([body, Buffer.from([10, 0]), Buffer.alloc(8)]);
  withFooter.writeBigUInt64LE(crc64(0n, withFooter, 0, withFooter.length - 8), withFooter.length - 8);
  t.ok(verifyDumpPayload(withFooter));
  t.throws(() => decodeDumpPayload(withFooter), RdbError);
});

t.test('the full-sync snapshots captured from a real master', async (t) => {
  const expectedDb0 = {
    a: { value: '1', deadline: '1795415642793' },
    b: 'hello',
    h: { hash: [['f', 'v']] },
    l: { list: ['x', '2'] },
    s: { set: ['1', '2', '3'] },
    z: { zset: [['m', 1.5]] },
  };
  const eof = readVector('fullsync_eof.rdb');
  const noeof = readVector('fullsync_noeof.rdb');
  if (eof === null || noeof === null) {
    t.comment(`vectors not found in the shared folder`);
    return;
  }
  const ks = newKeyspace();
  const result = loadRdb(eof, ks, 0);
  t.equal(eof.length, 272);
  t.equal(result.version, 10);
  t.ok(result.checksumVerified, 'CRC 0x0c5b25b412dca9a9 verified');
  t.equal(result.bytesRead, 272);
  t.same([...result.aux.keys()], ['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'repl-stream-db', 'repl-id', 'repl-offset', 'aof-base']);
  t.equal(result.aux.get('redis-ver'), '7.0.15');
  t.equal(result.aux.get('redis-bits'), '64', 'c0 40: an int8-encoded aux value');
  t.equal(result.aux.get('ctime'), String(0x6b0257ba), 'c2 ba57026b: int32');
  t.equal(result.aux.get('repl-id')?.length, 40);
  t.same(describeKeyspace(ks), { db0: expectedDb0 });
  t.equal(result.keysLoaded, 6);

  const ks2 = newKeyspace();
  const result2 = loadRdb(noeof, ks2, 0);
  t.equal(result2.aux.get('repl-stream-db'), '2');
  t.equal(result2.aux.get('repl-offset'), '120');
  t.same(describeKeyspace(ks2), { db0: expectedDb0, db2: { k: 'v' } });

  const skipping = newKeyspace();
  const skipped = loadRdb(eof, skipping, 1795415642794, { skipExpired: true });
  t.equal(skipped.keysExpired, 1, 'a key past its deadline is skipped on a master');
  t.equal(skipping.db(0).size, 5);
  const keeping = newKeyspace();
  loadRdb(eof, keeping, 1795415642794, { skipExpired: false });
  t.equal(keeping.db(0).size, 6, 'and kept on a replica');
});

t.test('listpack: every encoding at its boundaries, byte-exact backlens', async (t) => {
  const ints = ['0', '127', '128', '-1', '-4096', '4095', '-4097', '4096', '32767', '-32768', '32768', '8388607', '-8388608',
    '8388608', '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808'];
  const strings = ['', 'a', '-0', '01', '+1', '1.5', '9223372036854775808', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(4095),
    'x'.repeat(4096), 'y'.repeat(16377), 'y'.repeat(16378), 'y'.repeat(16379), 'z'.repeat(2097151), '\x00\xff'];
  const items = [...ints, ...strings];
  const blob = encodeListpack(items);
  t.same(decodeListpack(blob), items);
  t.equal(encodeListpack(['x', '2']).toString('hex'), '0c00000002008178020201ff', 'as in the captured quicklist node');
  t.equal(encodeListpack(['-1']).toString('hex'), '0a0000000100dfff02ff', '13-bit negative integer');
  const tooMany = Array.from({ length: 70000 }, (_, i) => String(i % 100));
  const big = encodeListpack(tooMany);
  t.equal(big.readUInt16LE(4), 65535, 'more than 65534 elements: count unknown');
  t.equal(decodeListpack(big).length, 70000);
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String))), (xs) => {
      t.same(decodeListpack(encodeListpack(xs)), xs);
    }),
    { seed: 42, numRuns: 200 },
  );
});

t.test('intset: widths 2, 4 and 8, sorted', async (t) => {
  t.equal(encodeIntset(['3', '1', '2']).toString('hex'), '02000000030000000100020003000000'.slice(0, 28));
  t.same(decodeIntset(encodeIntset(['3', '1', '2'])), ['1', '2', '3']);
  t.equal(encodeIntset(['1', '40000']).readUInt32LE(0), 4);
  t.equal(encodeIntset(['1', '-2147483649']).readUInt32LE(0), 8);
  t.same(decodeIntset(encodeIntset(['9223372036854775807', '-9223372036854775808'])), ['-9223372036854775808', '9223372036854775807']);
  t.same(decodeIntset(hex('02000000 02000000 0200 0100')), ['2', '1'], 'unsorted is accepted, as by Redis');
  t.throws(() => decodeIntset(hex('03000000 01000000 010000')), RdbError, 'bad width');
  t.throws(() => decodeIntset(hex('02000000 02000000 0100')), RdbError, 'short');
});

/** A ziplist built by hand from the format description in ziplist.ts. */
function ziplist(entries: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let offset = 10;
  let tail = 10;
  for (const e of entries) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32(prev)]);
    const entry = Buffer.concat([prevlen, e]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    parts.push(entry);
  }
  const body = Buffer.concat(parts);
  const total = 10 + body.length + 1;
  return Buffer.concat([u32(total), u32(tail), Buffer.from([entries.length & 0xff, entries.length >> 8]), body, Buffer.from([0xff])]);
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

t.test('ziplist: strings of each length class and every integer encoding', async (t) => {
  const long = 'L'.repeat(300);
  const huge = 'H'.repeat(20000);
  const blob = ziplist([
    Buffer.from('\x03abc', 'latin1'),
    Buffer.concat([Buffer.from([0x40 | (300 >> 8), 300 & 0xff]), Buffer.from(long)]),
    Buffer.concat([Buffer.from([0x80, 0, 0, 0x4e, 0x20]), Buffer.from(huge)]),
    hex('c0 1234'), hex('d0 78563412'), hex('e0 0100000000000080'), hex('f0 ffff7f'), hex('fe 80'), hex('f1'), hex('fd'),
  ]);
  t.same(decodeZiplist(blob), ['abc', long, huge, String(0x3412), String(0x12345678), '-9223372036854775807', '8388607', '-128', '0', '12']);
  const badPrev = Buffer.from(blob);
  badPrev[10 + 5] = 9;
  t.throws(() => decodeZiplist(badPrev), RdbError, 'a wrong prevlen is caught');
  t.throws(() => decodeZiplist(ziplist([hex('c1 00')])), RdbError, 'invalid encoding byte');
});

t.test('zipmap: short and long lengths, free bytes skipped', async (t) => {
  const value = 'v'.repeat(300);
  const blob = Buffer.concat([
    Buffer.from([2, 1]), Buffer.from('f'), Buffer.from([2, 3]), Buffer.from('ab***'),
    Buffer.from([3]), Buffer.from('big'), Buffer.from([0xfe]), u32(300), Buffer.from([0]), Buffer.from(value),
    Buffer.from([0xff]),
  ]);
  t.same(decodeZipmap(blob), ['f', 'ab', 'big', value]);
  t.throws(() => decodeZipmap(blob.subarray(0, blob.length - 1)), RdbError);
});

t.test('LZF: compress and decompress agree; malformed input is an RdbError', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 5 }), (bytes, repeat) => {
      const input = Buffer.concat(Array.from({ length: repeat + 1 }, () => Buffer.from(bytes)));
      const out = lzfCompress(input, input.length + 64);
      if (input.length === 0) return;
      if (out === null) throw new Error('compression with ample room failed');
      t.equal(Buffer.compare(lzfDecompress(out, input.length), input), 0);
    }),
    { seed: 7, numRuns: 300 },
  );
  t.throws(() => lzfDecompress(hex('e0 ff 00'), 10), RdbError, 'reference before the start');
  t.throws(() => lzfDecompress(hex('05 61'), 6), RdbError, 'literal past the end');
  t.throws(() => lzfDecompress(hex('00 61'), 2), RdbError, 'shorter than announced');
  t.throws(() => lzfDecompress(hex('01 61 61'), 1), RdbError, 'longer than announced');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 300 }), (bytes, length) => {
      try {
        lzfDecompress(bytes, length);
      } catch (err) {
        if (!(err instanceof RdbError)) throw err;
      }
    }),
    { seed: 8, numRuns: 2000 },
  );
});

t.test('writer → reader: every type, encoding and deadline survives', async (t) => {
  const ks = richKeyspace();
  const bytes = writeAll(ks);
  t.equal(bytes.subarray(0, 9).toString(), 'REDIS0010');
  const loaded = newKeyspace();
  const result = loadRdb(bytes, loaded, 2_000);
  t.ok(result.checksumVerified);
  t.same([...result.aux.keys()], ['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'aof-base']);
  t.same(describeKeyspace(loaded), describeKeyspace(ks));
  t.equal(loaded.db(0).expireAtExact('far-ttl'), 9223372036854775807n, 'deadline beyond 2^53 exact');

  const withRepl = writeAll(ks, { ...AUX, replication: { streamDb: 3, replId: 'f'.repeat(40), offset: 12345n } });
  const r2 = loadRdb(withRepl, newKeyspace(), 2_000);
  t.same([...r2.aux.entries()].slice(4, 7), [['repl-stream-db', '3'], ['repl-id', 'f'.repeat(40)], ['repl-offset', '12345']]);

  const plain = writeAll(ks, AUX, { compression: false, checksum: false });
  t.equal(plain.readBigUInt64LE(plain.length - 8), 0n, 'rdbchecksum no: eight zero bytes');
  const r3 = loadRdb(plain, newKeyspace(), 2_000);
  t.notOk(r3.checksumVerified, 'a zero checksum is accepted unverified');
  t.ok(plain.length > bytes.length, 'compression makes it smaller');
});

t.test('chunks: about 64 KiB each, any number of them', async (t) => {
  const ks = newKeyspace();
  for (let i = 0; i < 20000; i++) ks.db(i % 3).set(`key:${i}`, `value number ${i} ${'p'.repeat(i % 50)}`, 0);
  const chunks = [...rdbChunks(snapshotKeyspace(ks), AUX, { compression: true, checksum: true })];
  t.ok(chunks.length > 5, `${chunks.length} chunks`);
  for (const chunk of chunks.slice(0, -1)) t.ok(chunk.length >= 64 * 1024 && chunk.length < 70 * 1024);
  const loaded = newKeyspace();
  t.equal(loadRdb(Buffer.concat(chunks), loaded, 0).keysLoaded, 20000);
  t.same(describeKeyspace(loaded), describeKeyspace(ks));
});

t.test('a snapshot is point-in-time: later writes do not show in it', async (t) => {
  const ks = richKeyspace();
  const before = describeKeyspace(ks);
  const snapshot = snapshotKeyspace(ks);
  const db = ks.db(0);
  const l = db.get('list', 0) as ListValue;
  l.items.push('pushed later');
  const h = db.get('hash', 0);
  if (h !== undefined && typeof h !== 'string' && h.kind === 'hash') h.fields.set('later', 'x');
  db.delete('string');
  db.set('new-key', 'x', 0);
  db.setExpireAt('int8', 5_000_000_000_000);
  ks.db(3).flush();
  const loaded = newKeyspace();
  loadRdb(Buffer.concat([...rdbChunks(snapshot, AUX, { compression: true, checksum: true })]), loaded, 2_000);
  t.same(describeKeyspace(loaded), before);
});

t.test('adoptContents keeps Database objects and indexes slots', async (t) => {
  const live = newKeyspace();
  const db0 = live.db(0);
  db0.enableSlotIndex();
  db0.set('old', 'x', 0);
  const loaded = newKeyspace();
  loadRdb(writeAll(), loaded, 2_000);
  live.adoptContents(loaded);
  t.equal(live.db(0), db0, 'same Database object');
  t.same(describeKeyspace(live), describeKeyspace(richKeyspace()));
  t.equal(db0.countKeysInSlot(2_873 /* keyslot of "string" */), db0.keysInSlot(2_873, 10).length);
  let indexed = 0;
  db0.forEachEntry(() => indexed++);
  let counted = 0;
  for (let slot = 0; slot < 16384; slot++) counted += db0.countKeysInSlot(slot);
  t.equal(counted, indexed, 'every adopted key is in the slot index');
  t.equal(db0.countKeysInSlot(0), db0.keysInSlot(0, 100).length);
});

t.test('old encodings written by hand load like the new ones', async (t) => {
  // One entry of each type Redis 7.0 only reads, inside a minimal version-9 file.
  const str = (s: string): Buffer => Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
  const blob = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]), b]);
  const zip = ziplist([Buffer.from('\x01a'), hex('f2'), Buffer.from('\x01b'), hex('fe 9c')]);
  const zipmap = Buffer.from([1, 1, 0x66, 1, 0, 0x76, 0xff]);
  const body = Buffer.concat([
    Buffer.from('REDIS0009'), hex('fe 00'),
    hex('01'), str('list1'), hex('02'), str('x'), str('y'),
    hex('03'), str('zset1'), hex('02'), str('m'), hex('03'), Buffer.from('2.5'), str('n'), hex('fe'),
    hex('09'), str('zipmap'), blob(zipmap),
    hex('0a'), str('ziplist-list'), blob(zip),
    hex('0c'), str('ziplist-zset'), blob(ziplist([Buffer.from('\x01m'), Buffer.from('\x031.5')])),
    hex('0d'), str('ziplist-hash'), blob(zip),
    hex('0e'), str('quicklist'), hex('02'), blob(zip), blob(ziplist([Buffer.from('\x01c')])),
    hex('fd 10270000'), hex('00'), str('old-expire'), str('v'),
    hex('f8 05 f9 07 00'), str('idle-and-freq'), str('v'),
    hex('ff'),
  ]);
  const file = Buffer.concat([body, Buffer.alloc(8)]);
  file.writeBigUInt64LE(crc64(0n, body), body.length);
  const ks = newKeyspace();
  const result = loadRdb(file, ks, 0);
  t.ok(result.checksumVerified);
  t.same(describeKeyspace(ks), {
    db0: {
      'idle-and-freq': 'v',
      list1: { list: ['x', 'y'] },
      'old-expire': { value: 'v', deadline: '10000000' },
      quicklist: { list: ['a', '1', 'b', '-100', 'c'] },
      'ziplist-hash': { hash: [['a', '1'], ['b', '-100']] },
      'ziplist-list': { list: ['a', '1', 'b', '-100'] },
      'ziplist-zset': { zset: [['m', 1.5]] },
      zipmap: { hash: [['f', 'v']] },
      zset1: { zset: [['m', 2.5], ['n', Infinity]] },
    },
  });
  t.equal(ks.db(0).idleSeconds('idle-and-freq', 0), 5, 'IDLE sets the idle time');
});

t.test('what hashslot cannot hold is refused clearly', async (t) => {
  const wrap = (body: Buffer, version = '0010'): Buffer => Buffer.concat([Buffer.from(`REDIS${version}`), body, hex('ff'), Buffer.alloc(8)]);
  const check = (bytes: Buffer, pattern: RegExp, cls: typeof RdbError = RdbError): void => {
    try {
      loadRdb(bytes, newKeyspace(), 0);
      t.fail(`${pattern.source}: loaded`);
    } catch (err) {
      t.ok(err instanceof cls, `${pattern.source}: ${cls.name}`);
      t.match((err as Error).message, pattern);
    }
  };
  check(Buffer.from('REDIS0011'), /version "0011"/);
  check(Buffer.from('REDIX0010'), /signature/);
  // Streams (types 19 and 15) cut short after their node count.
  check(wrap(hex('13 01 73 00')), /stream length/);
  check(wrap(hex('0f 01 73 00')), /stream length/);
  check(wrap(hex('07 01 6d')), /module values/, RdbUnsupportedError);
  check(wrap(hex('f7 00')), /module auxiliary data/, RdbUnsupportedError);
  check(wrap(hex('fe 10')), /database 16/);
  check(wrap(hex('00 01 6b 01 61 00 01 6b 01 62')), /appears twice/);
  check(wrap(hex('02 01 6b 02 01 61 01 61')), /duplicate set members/);
  check(wrap(hex('08 01 6b')), /unknown value type 8/);
  check(Buffer.from('REDIS0010\xff\x01\x02\x03\x04\x05\x06\x07\x08', 'latin1'), /wrong RDB checksum/);
  const functions = loadRdb(wrap(hex('f5 05 6c 69 62 21 21 00 01 6b 01 76')), newKeyspace(), 0);
  t.same(functions.functions, ['lib!!'], 'function libraries are handed back as their code');
  t.equal(functions.keysLoaded, 1);
  const empty = loadRdb(wrap(hex('02 01 6b 00 0e 01 6c 00')), newKeyspace(), 0);
  t.equal(empty.emptyKeysSkipped, 2, 'empty aggregates are skipped');
  t.throws(() => decodeDumpPayload(createDumpPayload(set('a'), true).fill(5, 1, 2)), RdbError);
});

t.test('DUMP round trip of every rich value', async (t) => {
  const ks = richKeyspace();
  ks.db(0).forEachEntry((key, value) => {
    for (const compress of [true, false]) {
      const payload = createDumpPayload(value, compress);
      t.ok(verifyDumpPayload(payload));
      t.same(describeValue(decodeDumpPayload(payload)), describeValue(value), `${JSON.stringify(key)} compress=${compress}`);
    }
  });
  const big = new ListValue(new Denque(Array.from({ length: 10 }, (_, i) => `${i}`.repeat(3000))));
  t.same(describeValue(decodeDumpPayload(createDumpPayload(big, true))), describeValue(big), 'multi-node list');
  t.same(describeValue(decodeDumpPayload(createDumpPayload(hash(['a', '1']), true))), { hash: [['a', '1']] });
  t.same(describeValue(decodeDumpPayload(createDumpPayload(zset(['a', 1]), true))), { zset: [['a', 1]] });
});
