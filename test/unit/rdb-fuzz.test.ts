/**
 * Hostile snapshots: every truncation and random corruptions of real and written RDB files, and
 * of DUMP payloads, must end in an RdbError or a successful load, never in another exception
 * (a RangeError from a Buffer read, a huge allocation, an infinite loop). Corruptions are also
 * tried with the checksum zeroed ("not computed"), so that damaged content reaches the value
 * decoders instead of being stopped by the CRC at the end. Seeded, so failures replay.
 */
import t from 'tap';
import fc from 'fast-check';
import { crc64 } from '../../storage/rdb/crc64';
import { createDumpPayload, decodeDumpPayload } from '../../storage/rdb/dump-payload';
import { loadRdb } from '../../storage/rdb/rdb-reader';
import { rdbChunks, snapshotKeyspace } from '../../storage/rdb/rdb-writer';
import { RdbError } from '../../storage/rdb/rdb-error';
import { hash, list, newKeyspace, readVector, set, zset } from './rdb-helpers';

const SEED = Number(process.env['RDB_FUZZ_SEED'] ?? 20240611);

/** Small, but with one value of every encoding the writer uses, plus old-style deadlines. */
function smallRdb(options = { compression: true, checksum: true }): Buffer {
  const ks = newKeyspace();
  const db = ks.db(0);
  db.set('s', 'hello', 0);
  db.set('i', '-300', 0);
  db.set('lzf', 'abcd'.repeat(20), 0);
  db.set('l', list('a', '1', '70000', 'x'.repeat(70)), 0);
  db.set('h', hash(['f', 'v'], ['n', '1']), 0);
  db.set('H', hash(['f', 'v'.repeat(80)]), 0);
  db.set('is', set('1', '2', '-40000'), 0);
  db.set('S', set('a', 'b'), 0);
  db.set('z', zset(['m', 1.5], ['n', 3]), 0);
  db.set('Z', zset(['m'.repeat(70), 2]), 0);
  db.set('t', 'x', 0);
  db.setExpireAt('t', 5_000_000_000_000);
  ks.db(2).set('k', 'v', 0);
  return Buffer.concat([...rdbChunks(snapshotKeyspace(ks), { ctimeSec: 1, usedMemBytes: 1 }, options)]);
}

/** Loads into a fresh keyspace; returns 'ok' or 'rdb-error', and lets anything else escape. */
function tryLoad(bytes: Buffer): 'ok' | 'rdb-error' {
  try {
    loadRdb(bytes, newKeyspace(), 0);
    return 'ok';
  } catch (err) {
    if (err instanceof RdbError) return 'rdb-error';
    throw new Error(`not an RdbError: ${String(err)}\n${(err as Error).stack ?? ''}`);
  }
}

/** Zeroes the trailing CRC so a corrupted body is not rejected by the checksum alone. */
function withoutChecksum(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  copy.fill(0, copy.length - 8);
  return copy;
}

const inputs: Array<[string, Buffer]> = [['written', smallRdb()], ['written, uncompressed', smallRdb({ compression: false, checksum: false })]];
for (const name of ['fullsync_eof.rdb', 'fullsync_noeof.rdb']) {
  const bytes = readVector(name);
  if (bytes !== null) inputs.push([name, bytes]);
}

t.test('every truncation is an RdbError', async (t) => {
  for (const [name, bytes] of inputs) {
    let errors = 0;
    for (let end = 0; end < bytes.length; end++) if (tryLoad(bytes.subarray(0, end)) === 'rdb-error') errors++;
    t.equal(errors, bytes.length, `${name}: all ${bytes.length} truncations refused`);
    t.equal(tryLoad(bytes), 'ok', `${name}: the whole file loads`);
  }
});

t.test('random corruptions: RdbError or a successful load, nothing else', async (t) => {
  for (const [name, bytes] of inputs) {
    const outcomes = { ok: 0, 'rdb-error': 0 };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (flips, zeroCrc) => {
          const copy = Buffer.from(bytes);
          for (const [at, xor] of flips) copy[at] = (copy[at] as number) ^ xor;
          outcomes[tryLoad(zeroCrc ? withoutChecksum(copy) : copy)]++;
        },
      ),
      { seed: SEED, numRuns: 3000 },
    );
    t.ok(outcomes['rdb-error'] > 0, `${name}: ${JSON.stringify(outcomes)}`);
  }
});

t.test('a flipped byte with a valid checksum still never crashes the decoder', async (t) => {
  const bytes = smallRdb();
  const outcomes = { ok: 0, 'rdb-error': 0 };
  for (let at = 9; at < bytes.length - 9; at++) {
    for (const xor of [0x01, 0x80, 0xff, 0x3f]) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] as number) ^ xor;
      // Recompute the CRC so the damage is judged by the decoders alone.
      copy.writeBigUInt64LE(crc64(0n, copy, 0, copy.length - 8), copy.length - 8);
      outcomes[tryLoad(copy)]++;
    }
  }
  t.ok(outcomes['rdb-error'] > 0 && outcomes.ok > 0, JSON.stringify(outcomes));
});

t.test('DUMP payload content: corruptions are RdbErrors', async (t) => {
  const payloads = [
    createDumpPayload('hello', true),
    createDumpPayload('abc'.repeat(40), true),
    createDumpPayload(list('a', '2', 'c'.repeat(100)), true),
    createDumpPayload(hash(['f', 'v']), true),
    createDumpPayload(hash(['f', 'v'.repeat(100)]), true),
    createDumpPayload(set('1', '3'), true),
    createDumpPayload(set('a', 'b'), true),
    createDumpPayload(zset(['a', 1.25]), true),
    createDumpPayload(zset(['a'.repeat(100), 1.25]), true),
  ];
  let failures = 0;
  for (const payload of payloads) {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: payload.length - 11 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }), (flips) => {
        const copy = Buffer.from(payload);
        for (const [at, xor] of flips) copy[at] = (copy[at] as number) ^ xor;
        try {
          decodeDumpPayload(copy);
        } catch (err) {
          if (!(err instanceof RdbError)) throw err;
          failures++;
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
    for (let end = 0; end < payload.length - 10; end++) {
      try {
        decodeDumpPayload(payload.subarray(0, end));
        t.fail(`truncated to ${end} bytes: decoded`);
      } catch (err) {
        t.ok(err instanceof RdbError, `truncated to ${end} bytes`);
      }
    }
  }
  t.ok(failures > 0);
});
