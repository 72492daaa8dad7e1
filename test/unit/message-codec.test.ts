/**
 * The cluster bus codec against redis-wire.md §1.1-1.6: packets captured from a real 7.0.15 node
 * decode to the fields we expect and re-encode to the identical bytes; every message type round
 * trips (property-based); header and gossip offsets are pinned byte by byte; the frame reader
 * survives every split of its input and rejects bad prefixes; and no input, however mangled,
 * makes the reader or the decoder throw.
 */
import t from 'tap';
import fc from 'fast-check';
import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { decodeMessage, encodeMessage, isDecodeProblem } from '../../cluster-bus/message-codec';
import { BusFrameReader, isFrameError } from '../../cluster-bus/message-codec-frame-reader';
import { CLUSTER_MSG_HEADER_BYTES, GOSSIP_ENTRY_BYTES, GossipOffset, HeaderOffset } from '../../cluster-bus/message-codec-layout';
import {
  ClusterMessage,
  GossipEntry,
  MessageHeader,
  PingExtension,
  PingMessage,
  SLOT_BITMAP_BYTES,
} from '../../cluster-bus/messages';
import {
  clearSlotBit,
  emptySlotBitmap,
  setSlotBit,
  slotBitmapCount,
  slotBitmapEquals,
  slotBitmapFromRange,
  slotBitmapHas,
  slotBitmapSlots,
} from '../../cluster-bus/slot-bitmap';

const VECTORS_DIR = path.resolve(__dirname, '../../../../shared/vectors');
const ID_A = 'a373d1bc1dc37e58ad72b86929c6112b7a467b2d';
const ID_B = 'd4b601a574760b37389b180bfc3a4a8ab8001991';

function readVector(name: string): Buffer | null {
  const file = path.join(VECTORS_DIR, name);
  if (!fs.existsSync(file)) return null;
  return Buffer.from(fs.readFileSync(file, 'latin1').replace(/\s+/g, ''), 'hex');
}

function decodeOk(frame: Buffer): ClusterMessage {
  const m = decodeMessage(frame);
  if (isDecodeProblem(m)) throw new Error(`unexpected decode problem: ${m.problem} ${m.reason}`);
  return m;
}

/** A plain header (a message's type sits beside it, at the top level). */
function header(overrides: Partial<MessageHeader> = {}): MessageHeader {
  return {
    port: 7000, currentEpoch: 0n, configEpoch: 0n, offset: 0n, sender: ID_A,
    myslots: emptySlotBitmap(), slaveof: null, myip: '', pport: 0, cport: 17000, flags: 17,
    state: 0, mflags: 0, ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
t.test('captured packets from redis 7.0.15', async (t) => {
  const cases: Array<[string, number, (m: ClusterMessage) => void]> = [
    ['first_packet_from_redis.hex', 2280, (m) => {
      t.equal(m.type, 0, 'PING');
      t.same('extensions' in m && m.extensions, [{ type: 0, hostname: 'real-host' }]);
      t.equal(m.header.mflags, 4, 'EXT_DATA');
    }],
    ['pong_reply_to_meet.hex', 2280, (m) => {
      t.equal(m.type, 1, 'PONG');
      t.same('extensions' in m && m.extensions, [{ type: 0, hostname: 'real-host' }]);
      t.equal(m.header.mflags, 4, 'EXT_DATA');
    }],
    ['pong_with_slots.hex', 2256, (m) => {
      t.equal(m.type, 1, 'PONG');
      t.equal(m.header.sender, ID_B);
      t.equal(m.header.currentEpoch, 1n);
      t.equal(m.header.configEpoch, 0n);
      t.same(slotBitmapSlots(m.header.myslots), Array.from({ length: 101 }, (_, i) => i), 'slots 0-100');
      t.equal(m.header.mflags, 0, 'no EXT_DATA without extensions');
      t.same('extensions' in m && m.extensions, []);
    }],
  ];
  for (const [name, totlen, check] of cases) {
    const bytes = readVector(name);
    if (bytes === null) {
      t.test(name, { skip: `vectors not found in ${VECTORS_DIR}` }, async () => {});
      continue;
    }
    t.test(name, async (t) => {
      t.equal(bytes.length, totlen);
      const m = decodeOk(bytes);
      t.equal(m.header.port, 7400);
      t.equal(m.header.cport, 17400);
      t.equal(m.header.pport, 0);
      t.equal(m.header.flags, 17, 'myself,master');
      t.equal(m.header.state, 1, 'CLUSTER_FAIL in its own view');
      t.equal(m.header.slaveof, null);
      t.equal(m.header.myip, '');
      t.equal(m.header.offset, 0n);
      t.equal(m.header.sender.length, 40);
      t.same('gossip' in m && m.gossip, [], 'no gossip entries');
      check(m);
      t.ok(encodeMessage(m).equals(bytes), 're-encoding yields the identical bytes');
    });
  }
});

// ---------------------------------------------------------------------------------------------
t.test('header and gossip fields sit at the offsets of §1.2 and §1.4', async (t) => {
  const slots = emptySlotBitmap();
  setSlotBit(slots, 0);
  setSlotBit(slots, 16383);
  const msg: PingMessage = {
    type: 2,
    header: header({
      port: 0x1234, currentEpoch: 0x0102030405060708n, configEpoch: 0x1112131415161718n,
      offset: 0x2122232425262728n, sender: 'S'.repeat(40), myslots: slots, slaveof: 'M'.repeat(40),
      myip: '10.1.2.3', pport: 0x3456, cport: 0x4567, flags: 0x0203, state: 1, mflags: 3,
    }),
    gossip: [{ nodename: 'G'.repeat(40), pingSent: 0xa1a2a3a4, pongReceived: 0xb1b2b3b4, ip: '::1',
      port: 0xc1c2, cport: 0xd1d2, flags: 0xe1e2, pport: 0xf1f2 }],
    extensions: [{ type: 0, hostname: 'h' }],
  };
  const b = encodeMessage(msg);
  const hex = (off: number, len: number): string => b.subarray(off, off + len).toString('hex');
  t.equal(b.length, 2256 + 104 + 16);
  t.equal(hex(0, 4), '52436d62', 'sig RCmb at 0');
  t.equal(hex(4, 4), (2256 + 104 + 16).toString(16).padStart(8, '0'), 'totlen at 4');
  t.equal(hex(8, 2), '0001', 'ver at 8');
  t.equal(hex(10, 2), '1234', 'port at 10');
  t.equal(hex(12, 2), '0002', 'type at 12');
  t.equal(hex(14, 2), '0001', 'count at 14');
  t.equal(hex(16, 8), '0102030405060708', 'currentEpoch at 16');
  t.equal(hex(24, 8), '1112131415161718', 'configEpoch at 24');
  t.equal(hex(32, 8), '2122232425262728', 'offset at 32');
  t.equal(b.toString('latin1', 40, 80), 'S'.repeat(40), 'sender at 40');
  t.equal(hex(80, 1), '01', 'slot 0 = LSB of myslots[0] at 80');
  t.equal(hex(80 + 2047, 1), '80', 'slot 16383 = MSB of the last byte, at 2127');
  t.equal(b.toString('latin1', 2128, 2168), 'M'.repeat(40), 'slaveof at 2128');
  t.equal(b.toString('latin1', 2168, 2176), '10.1.2.3', 'myip at 2168');
  t.equal(hex(2176, 38), '00'.repeat(38), 'myip NUL padded');
  t.equal(hex(2214, 2), '0001', 'extensions at 2214');
  t.equal(hex(2216, 30), '00'.repeat(30), 'notused1 zero');
  t.equal(hex(2246, 2), '3456', 'pport at 2246');
  t.equal(hex(2248, 2), '4567', 'cport at 2248');
  t.equal(hex(2250, 2), '0203', 'flags at 2250');
  t.equal(hex(2252, 1), '01', 'state at 2252');
  t.equal(hex(2253, 3), '070000', 'mflags[0] with EXT_DATA added, mflags[1..2] zero');
  const g = 2256;
  t.equal(b.toString('latin1', g, g + 40), 'G'.repeat(40), 'gossip nodename');
  t.equal(hex(g + 40, 4), 'a1a2a3a4', 'ping_sent at +40');
  t.equal(hex(g + 44, 4), 'b1b2b3b4', 'pong_received at +44');
  t.equal(hex(g + 48, 46), Buffer.from('::1').toString('hex') + '00'.repeat(43), 'ip at +48');
  t.equal(hex(g + 94, 10), 'c1c2d1d2e1e2f1f20000', 'port, cport, flags, pport, notused1 at +94..+104');
  t.equal(hex(g + 104, 16), '00000010' + '0000' + '0000' + '6800000000000000', 'hostname extension');
  t.equal(HeaderOffset.mflags + 3, CLUSTER_MSG_HEADER_BYTES);
  t.equal(GossipOffset.notused1 + 2, GOSSIP_ENTRY_BYTES);
});

t.test('encoder: exact lengths, EXT_DATA follows the extensions, bad fields throw', async (t) => {
  const ping = (extensions: PingExtension[], mflags = 0): Buffer =>
    encodeMessage({ type: 0, header: header({ mflags }), gossip: [], extensions });
  t.equal(ping([{ type: 0, hostname: 'abcdefg' }]).length, 2256 + 16, '7 chars + NUL = 8');
  t.equal(ping([{ type: 0, hostname: 'abcdefgh' }]).length, 2256 + 24, '8 chars + NUL pads to 16');
  t.equal(ping([{ type: 0, hostname: 'real-host' }]).length, 2280);
  const bare = ping([], 4 | 1);
  t.equal(bare.length, 2256, 'never padded to 4352');
  t.equal(bare[2253], 1, 'EXT_DATA cleared when there are no extensions');
  t.equal(bare.readUInt16BE(2214), 0);
  const fail = encodeMessage({ type: 3, header: header(), nodename: ID_B });
  t.equal(fail.length, 2296);
  const pub = encodeMessage({ type: 4, header: header(), channel: 'chan', message: 'hello' });
  t.equal(pub.length, 2273, 'as a real node sent it (redis-wire.md §1.3)');
  t.equal(pub.subarray(2256).toString('hex'), '00000004000000056368616e68656c6c6f');
  const upd = encodeMessage({ type: 7, header: header(), configEpoch: 5n, nodename: ID_B, slots: slotBitmapFromRange(0, 7) });
  t.equal(upd.length, 4352);
  t.equal(upd[2256 + 48], 0xff);
  const mod = encodeMessage({ type: 9, header: header(), moduleId: new Uint8Array(8).fill(9), moduleType: 3, payload: new Uint8Array([1, 2]) });
  t.equal(mod.length, 2256 + 13 + 2);
  for (const type of [5, 6, 8] as const) t.equal(encodeMessage({ type, header: header() }).length, 2256);
  t.throws(() => encodeMessage({ type: 0, header: header({ sender: 'abc' }), gossip: [], extensions: [] }), RangeError);
  t.throws(() => encodeMessage({ type: 0, header: header({ port: 70000 }), gossip: [], extensions: [] }), RangeError);
  t.throws(() => encodeMessage({ type: 0, header: header({ currentEpoch: -1n }), gossip: [], extensions: [] }), RangeError);
  t.throws(() => encodeMessage({ type: 0, header: header({ myslots: new Uint8Array(10) }), gossip: [], extensions: [] }), RangeError);
});

// ---------------------------------------------------------------------------------------------
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.nat({ max: 0xffffffff });
const nodeId = fc.array(fc.constantFrom(...'0123456789abcdef'), { minLength: 40, maxLength: 40 }).map((a) => a.join(''));
const latin1 = (min: number, max: number, maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min, max }), { maxLength }).map((codes) => Buffer.from(codes).toString('latin1'));
const ipText = latin1(1, 255, 46);
const byteString = latin1(0, 255, 300);

function headerArb(): fc.Arbitrary<MessageHeader> {
  return fc.record({
    port: u16, currentEpoch: fc.bigUintN(64), configEpoch: fc.bigUintN(64), offset: fc.bigUintN(64),
    sender: nodeId, myslots: fc.uint8Array({ minLength: SLOT_BITMAP_BYTES, maxLength: SLOT_BITMAP_BYTES }),
    slaveof: fc.option(nodeId, { nil: null }), myip: ipText, pport: u16, cport: u16, flags: u16,
    state: fc.nat({ max: 255 }), mflags: fc.nat({ max: 255 }).map((f) => f & ~4),
  });
}

const gossipArb: fc.Arbitrary<GossipEntry> = fc.record({
  nodename: nodeId, pingSent: u32, pongReceived: u32, ip: ipText, port: u16, cport: u16, flags: u16, pport: u16,
});
const extensionArb: fc.Arbitrary<PingExtension> = fc.oneof(
  latin1(1, 255, 80).map((hostname): PingExtension => ({ type: 0, hostname })),
  fc.record({ type: fc.integer({ min: 1, max: 0xffff }), words: fc.nat({ max: 6 }) }).chain(({ type, words }) =>
    fc.uint8Array({ minLength: words * 8, maxLength: words * 8 }).map((payload): PingExtension => ({ type: 'unknown', code: type, payload }))),
);
const pingArb = fc.record({
  type: fc.constantFrom(0 as const, 1 as const, 2 as const),
  header: headerArb(),
  gossip: fc.array(gossipArb, { maxLength: 5 }),
  extensions: fc.array(extensionArb, { maxLength: 3 }),
}).map((m): ClusterMessage => ({
  ...m,
  header: { ...m.header, mflags: m.extensions.length > 0 ? m.header.mflags | 4 : m.header.mflags },
}) as ClusterMessage);
const messageArb: fc.Arbitrary<ClusterMessage> = fc.oneof(
  pingArb,
  fc.record({ type: fc.constant(3), header: headerArb(), nodename: nodeId }) as fc.Arbitrary<ClusterMessage>,
  fc.record({ type: fc.constantFrom(4, 10), header: headerArb(), channel: byteString, message: byteString }) as fc.Arbitrary<ClusterMessage>,
  fc.record({ type: fc.constantFrom(5, 6, 8), header: headerArb() }) as fc.Arbitrary<ClusterMessage>,
  fc.record({
    type: fc.constant(7), header: headerArb(), configEpoch: fc.bigUintN(64), nodename: nodeId,
    slots: fc.uint8Array({ minLength: SLOT_BITMAP_BYTES, maxLength: SLOT_BITMAP_BYTES }),
  }) as fc.Arbitrary<ClusterMessage>,
  fc.record({
    type: fc.constant(9), header: headerArb(), moduleId: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    moduleType: fc.nat({ max: 255 }), payload: fc.uint8Array({ maxLength: 300 }),
  }) as fc.Arbitrary<ClusterMessage>,
  fc.record({ type: fc.constant('unknown' as const), code: fc.integer({ min: 11, max: 0xffff }), header: headerArb() }),
);

t.test('every type round trips: encode → decode → equal', async (t) => {
  fc.assert(fc.property(messageArb, (m) => {
    const bytes = encodeMessage(m);
    assert.strictEqual(bytes.readUInt32BE(4), bytes.length);
    assert.deepStrictEqual(decodeMessage(bytes), m);
  }), { numRuns: 400 });
  t.pass('round trips hold');
});

// ---------------------------------------------------------------------------------------------
t.test('decode problems are values, as Redis ignores these packets', async (t) => {
  const base = encodeMessage({ type: 3, header: header(), nodename: ID_B });
  const withVer = Buffer.from(base);
  withVer.writeUInt16BE(2, 8);
  t.match(decodeMessage(withVer), { problem: 'bad-version', type: 3 });
  const longer = Buffer.concat([base, Buffer.alloc(1)]);
  longer.writeUInt32BE(longer.length, 4);
  t.match(decodeMessage(longer), { problem: 'bad-length', type: 3 });
  t.match(decodeMessage(base.subarray(0, 100)), { problem: 'truncated' });
  t.match(decodeMessage(base.subarray(0, 2290)), { problem: 'totlen-mismatch' });
  const badSig = Buffer.from(base);
  badSig[0] = 0x58;
  t.match(decodeMessage(badSig), { problem: 'bad-signature' });

  const ping = encodeMessage({ type: 0, header: header(), gossip: [], extensions: [{ type: 0, hostname: 'real-host' }] });
  const unpadded = Buffer.from(ping);
  unpadded.writeUInt32BE(20, 2256);
  t.match(decodeMessage(unpadded), { problem: 'bad-extension' });
  const overrun = Buffer.from(ping);
  overrun.writeUInt32BE(32, 2256);
  t.match(decodeMessage(overrun), { problem: 'bad-extension' });
  const twoClaimed = Buffer.from(ping);
  twoClaimed.writeUInt16BE(2, 2214);
  t.match(decodeMessage(twoClaimed), { problem: 'bad-extension' }, 'second extension header missing');
  const noFlag = Buffer.from(ping);
  noFlag[2253] = 0;
  t.match(decodeMessage(noFlag), { problem: 'bad-length' }, 'without EXT_DATA the extension bytes are surplus');
  const countOnly = encodeMessage({ type: 0, header: header(), gossip: [], extensions: [] });
  countOnly.writeUInt16BE(1, 2214);
  t.same(decodeOk(countOnly), { type: 0, header: header(), gossip: [], extensions: [] }, 'count without flag: no extensions');
  const gossipMissing = Buffer.from(countOnly);
  gossipMissing.writeUInt16BE(1, 14);
  t.match(decodeMessage(gossipMissing), { problem: 'bad-length', type: 0 });

  const pub = encodeMessage({ type: 4, header: header(), channel: 'c', message: 'm' });
  const wrapping = Buffer.from(pub);
  wrapping.writeUInt32BE(0xffffffff, 2256);
  wrapping.writeUInt32BE(3, 2260); // 2264 + 0xffffffff + 3 ≡ 2266 = totlen (mod 2^32)
  t.match(decodeMessage(wrapping), { problem: 'bad-length' }, 'u32 wrap-around of the lengths is not accepted');
  const headerOnly = encodeMessage({ type: 'unknown', code: 4, header: header() });
  t.match(decodeMessage(headerOnly), { problem: 'bad-length', type: 4 }, 'PUBLISH too short for its two lengths');
  const moduleHeaderOnly = encodeMessage({ type: 'unknown', code: 9, header: header() });
  t.match(decodeMessage(moduleHeaderOnly), { problem: 'bad-length', type: 9 }, 'MODULE too short for its length');

  const unknown = encodeMessage({ type: 'unknown', code: 200, header: header() });
  const withBody = Buffer.concat([unknown, Buffer.from('anything')]);
  withBody.writeUInt32BE(withBody.length, 4);
  t.same(decodeOk(withBody), { type: 'unknown', code: 200, header: header() }, 'unknown types are accepted');
});

// ---------------------------------------------------------------------------------------------
function stream(): { bytes: Buffer; frames: Buffer[] } {
  const frames = [
    encodeMessage({ type: 1, header: header(), gossip: [{ nodename: ID_B, pingSent: 1, pongReceived: 2, ip: '127.0.0.1', port: 7001, cport: 17001, flags: 1, pport: 0 }], extensions: [{ type: 0, hostname: 'host' }] }),
    encodeMessage({ type: 4, header: header(), channel: 'news', message: 'x'.repeat(3000) }),
    encodeMessage({ type: 5, header: header() }),
    encodeMessage({ type: 7, header: header(), configEpoch: 9n, nodename: ID_B, slots: slotBitmapFromRange(5, 500) }),
  ];
  return { bytes: Buffer.concat(frames), frames };
}

function readAll(chunks: Buffer[], reader = new BusFrameReader()): Buffer[] {
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    reader.feed(chunk);
    for (let f = reader.next(); f !== null; f = reader.next()) {
      if (isFrameError(f)) throw new Error(f.reason);
      out.push(Buffer.from(f));
    }
  }
  return out;
}

function sameFrames(got: Buffer[], want: Buffer[]): boolean {
  return got.length === want.length && got.every((g, i) => want[i] !== undefined && g.equals(want[i]));
}

t.test('frame reader: split at every offset, byte by byte, random chunkings', async (t) => {
  const { bytes, frames } = stream();
  let ok = true;
  for (let i = 0; i <= bytes.length; i++) {
    if (!sameFrames(readAll([bytes.subarray(0, i), bytes.subarray(i)]), frames)) ok = false;
  }
  t.ok(ok, `all ${bytes.length + 1} two-way splits give the same frames`);
  const singles: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) singles.push(bytes.subarray(i, i + 1));
  t.ok(sameFrames(readAll(singles), frames), 'one byte at a time');
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 40 }), (sizes) => {
    const chunks: Buffer[] = [];
    for (let at = 0, k = 0; at < bytes.length; k++) {
      const n = sizes[k % sizes.length] ?? 1;
      chunks.push(bytes.subarray(at, at + n));
      at += n;
    }
    return sameFrames(readAll(chunks), frames);
  }));
  const reader = new BusFrameReader();
  reader.feed(bytes);
  t.equal(reader.bufferedBytes, bytes.length);
  for (let f = reader.next(); f !== null; f = reader.next()) t.ok(Buffer.isBuffer(f));
  t.equal(reader.bufferedBytes, 0);
});

t.test('frame reader: broken prefixes are errors that stay', async (t) => {
  const prefix = (sig: string, totlen: number): Buffer => {
    const b = Buffer.alloc(8);
    b.write(sig, 0, 'latin1');
    b.writeUInt32BE(totlen, 4);
    return b;
  };
  const errorOf = (bytes: Buffer, options = {}): unknown => {
    const reader = new BusFrameReader(options);
    reader.feed(bytes);
    const first = reader.next();
    reader.feed(stream().bytes);
    t.equal(reader.next(), first, 'the same error again: the link is finished');
    return first;
  };
  t.match(errorOf(prefix('RCmx', 2256)), { frameError: 'bad-signature' });
  t.match(errorOf(prefix('RCmb', 2255)), { frameError: 'too-short' });
  t.match(errorOf(prefix('RCmb', 0)), { frameError: 'too-short' });
  t.match(errorOf(prefix('RCmb', 0xffffffff)), { frameError: 'too-long' }, 'rejected before any body arrives');
  t.match(errorOf(prefix('RCmb', 4352), { maxFrameBytes: 4000 }), { frameError: 'too-long' });
  t.equal(errorOf(prefix('RCmb', 2256 + 8 + 1024 ** 3)), null, 'the largest legitimate PUBLISH is waited for');
  const r = new BusFrameReader();
  r.feed(Buffer.from('RCm'));
  t.equal(r.next(), null, 'prefix incomplete');
});

// ---------------------------------------------------------------------------------------------
/** A decoded message re-encodes, and decoding that gives the same message (normal form). */
function checkNormalForm(m: ClusterMessage): void {
  const again = decodeMessage(encodeMessage(m));
  assert.ok(!isDecodeProblem(again));
  assert.ok(encodeMessage(again).equals(encodeMessage(m)));
}

t.test('fuzz: nothing throws, whatever arrives', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), fc.boolean(), (raw, withPrefix) => {
    const bytes = Buffer.from(raw);
    if (withPrefix && bytes.length >= 8) {
      bytes.write('RCmb', 0, 'latin1');
      bytes.writeUInt32BE(bytes.length, 4);
    }
    const m = decodeMessage(bytes);
    if (!isDecodeProblem(m)) checkNormalForm(m);
    const reader = new BusFrameReader();
    reader.feed(bytes);
    for (let f = reader.next(); f !== null && !isFrameError(f); f = reader.next()) decodeMessage(f);
  }), { numRuns: 500 });

  fc.assert(fc.property(messageArb, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (msg, flips) => {
    const bytes = encodeMessage(msg);
    for (const flip of flips) {
      const bit = flip % (bytes.length * 8);
      bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) ^ (1 << (bit & 7));
    }
    const m = decodeMessage(bytes);
    if (!isDecodeProblem(m)) checkNormalForm(m);
    const reader = new BusFrameReader();
    reader.feed(bytes);
    const f = reader.next();
    if (f !== null && !isFrameError(f)) decodeMessage(f);
  }), { numRuns: 1000 });

  for (const name of ['first_packet_from_redis.hex', 'pong_with_slots.hex']) {
    const bytes = readVector(name);
    if (bytes === null) continue;
    let problems = 0;
    for (let n = 0; n < bytes.length; n++) if (isDecodeProblem(decodeMessage(bytes.subarray(0, n)))) problems++;
    t.equal(problems, bytes.length, `${name}: every truncation is a problem, never a throw`);
  }
  t.pass('no throw');
});

// ---------------------------------------------------------------------------------------------
t.test('slot bitmap helpers', async (t) => {
  const b = emptySlotBitmap();
  t.equal(b.length, 2048);
  t.equal(slotBitmapCount(b), 0);
  setSlotBit(b, 0);
  setSlotBit(b, 9);
  setSlotBit(b, 16383);
  t.ok(slotBitmapHas(b, 9));
  t.notOk(slotBitmapHas(b, 8));
  t.equal(b[1], 0x02, 'slot 9 is bit 1 of byte 1');
  t.equal(slotBitmapCount(b), 3);
  clearSlotBit(b, 9);
  t.same(slotBitmapSlots(b), [0, 16383]);
  t.throws(() => setSlotBit(b, 16384), RangeError);
  t.throws(() => slotBitmapHas(b, -1), RangeError);
  const r = slotBitmapFromRange(0, 100);
  t.equal(Buffer.from(r.subarray(0, 13)).toString('hex'), 'ff'.repeat(12) + '1f', 'as §1.2 verified');
  t.equal(slotBitmapCount(slotBitmapFromRange(0, 16383)), 16384);
  t.ok(slotBitmapEquals(r, slotBitmapFromRange(0, 100)));
  t.notOk(slotBitmapEquals(r, b));
});

// ---------------------------------------------------------------------------------------------
t.test('PUBLISH and PUBLISHSHARD bodies as redis 7.0.15 sends them', async (t) => {
  // Observed from a real node for `PUBLISH chan hello` (redis-wire.md §1.3): totlen 2273, then
  // channel_len, message_len, the channel bytes and the message bytes.
  for (const type of [4, 10] as const) {
    const bytes = encodeMessage({ type, header: header(), channel: 'chan', message: 'hello' });
    t.equal(bytes.length, 2273, `type ${type}: totlen`);
    t.equal(bytes.readUInt16BE(12), type, `type ${type}: type field`);
    t.equal(bytes.subarray(2256).toString('hex'), '00000004000000056368616e68656c6c6f', `type ${type}: body`);
  }
  const empty = encodeMessage({ type: 4, header: header(), channel: '', message: '' });
  t.equal(empty.length, 2264, 'empty channel and message: just the two lengths');
  t.same(decodeOk(empty), { type: 4, header: header(), channel: '', message: '' });
});
