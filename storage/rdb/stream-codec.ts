/**
 * Streams in RDB and DUMP payloads: type 19 (RDB_TYPE_STREAM_LISTPACKS_2), as Redis 7.0 writes
 * it. Type 15 (the pre-7.0 form, without first ID, max deleted ID and entries counters) is read.
 *
 *   <len nodes> { <string: master ID, 16 bytes, ms and seq big-endian> <string: listpack> }...
 *   <len length> <len last ms> <len last seq>
 *   <len first ms> <len first seq> <len max-deleted ms> <len max-deleted seq> <len entries-added>  (19 only)
 *   <len groups> { <string name> <len last ms> <len last seq>
 *                  <len entries-read>                                                           (19 only)
 *                  <len pel size> { <16 raw bytes ID> <int64 LE delivery time ms> <len delivery count> }...
 *                  <len consumers> { <string name> <int64 LE seen time ms>
 *                                    <len pel size> { <16 raw bytes ID> }... }... }...
 *
 * Lengths here are full 64-bit (an ID half can be 2^64-1; entries-read -1 is written as 2^64-1).
 * Each node's listpack is the one Redis keeps (stream.ts explains the layout): the master entry
 * `count deleted nfields field... 0`, then per entry `flags ms-delta seq-delta [nfields field
 * value ... | value...] lp-count`. Since hashslot tracks the same nodes, the listpacks written are
 * byte for byte Redis's.
 */
import type { ByteString } from '../bytes';
import { StreamValue } from '../stream';
import { EntryView, FLAG_DELETED, FLAG_SAMEFIELDS, safeHalf, StreamNode } from '../stream-node';
import { Consumer, ConsumerGroup, estimateEntriesRead, type PendingEntry } from '../stream-groups';
import { idMs, idSeq, makeId, type StreamId } from '../stream-id';
import type { ByteCursor } from './byte-cursor';
import type { ByteSink } from './byte-sink';
import { decodeListpack } from './listpack';
import { RdbError } from './rdb-error';
import { readCount, readString, readStringBytes, writeBlob, writeString } from './rdb-strings';

// ---------------------------------------------------------------------------------------------
// Writing

/** A length of up to 64 bits, in RDB's length encoding. */
function writeLength64(sink: ByteSink, n: bigint): void {
  if (n < 1n << 6n) sink.u8(Number(n));
  else if (n < 1n << 14n) {
    sink.u8(Number(n >> 8n) | 0x40);
    sink.u8(Number(n & 0xffn));
  } else if (n <= 0xffffffffn) {
    sink.u8(0x80);
    sink.u32be(Number(n));
  } else {
    sink.u8(0x81);
    sink.u64be(n);
  }
}

function rawId(id: StreamId): Buffer {
  const buf = Buffer.alloc(16);
  buf.writeBigUInt64BE(idMs(id), 0);
  buf.writeBigUInt64BE(idSeq(id), 8);
  return buf;
}

/**
 * Writes a stream as type 19, or as type 15 (`version2` false: the form Redis before 7.0 wrote,
 * which hashslot never saves but tests use to check it is read as Redis reads it).
 */
export function writeStream(sink: ByteSink, stream: StreamValue, compress: boolean, version2 = true): void {
  writeLength64(sink, BigInt(stream.nodes.length));
  for (const node of stream.nodes) {
    writeBlob(sink, rawId(node.masterId), compress);
    writeBlob(sink, node.toListpack(), compress);
  }
  writeLength64(sink, BigInt(stream.length));
  for (const id of version2 ? [stream.lastId, stream.firstId, stream.maxDeletedId] : [stream.lastId]) {
    writeLength64(sink, idMs(id));
    writeLength64(sink, idSeq(id));
  }
  if (version2) writeLength64(sink, stream.entriesAdded);
  const groups = [...stream.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  writeLength64(sink, BigInt(groups.length));
  for (const group of groups) {
    writeString(sink, group.name, compress);
    writeLength64(sink, idMs(group.lastId));
    writeLength64(sink, idSeq(group.lastId));
    if (version2) writeLength64(sink, BigInt.asUintN(64, group.entriesRead));
    writeLength64(sink, BigInt(group.pel.size));
    for (const [id, pending] of group.pel.entries()) {
      sink.bytes(rawId(id));
      sink.i64le(BigInt(pending.deliveryTimeMs));
      writeLength64(sink, BigInt(pending.deliveryCount));
    }
    const consumers = group.sortedConsumers();
    writeLength64(sink, BigInt(consumers.length));
    for (const consumer of consumers) {
      writeString(sink, consumer.name, compress);
      sink.i64le(BigInt(consumer.seenTimeMs));
      writeLength64(sink, BigInt(consumer.pel.size));
      for (const [id] of consumer.pel.entries()) sink.bytes(rawId(id));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

function readLength64(c: ByteCursor, what: string): bigint {
  const first = c.u8(what);
  switch (first >> 6) {
    case 0:
      return BigInt(first & 0x3f);
    case 1:
      return BigInt(((first & 0x3f) << 8) | c.u8(what));
  }
  if (first === 0x80) return BigInt(c.u32be(what));
  if (first === 0x81) return c.u64be(what);
  throw new RdbError(`invalid length encoding 0x${first.toString(16)} reading ${what} at offset ${c.pos - 1}`);
}

function readId(c: ByteCursor, what: string): StreamId {
  return makeId(readLength64(c, `${what} ms`), readLength64(c, `${what} seq`));
}

function readRawId(c: ByteCursor, what: string): StreamId {
  const bytes = c.take(16, what);
  return makeId(bytes.readBigUInt64BE(0), bytes.readBigUInt64BE(8));
}

function smallCount(n: bigint, what: string): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbError(`${what} too large (${n})`);
  return Number(n);
}

/** Parses a listpack element that must be an integer. */
function integerItem(items: readonly ByteString[], i: number, what: string): bigint {
  const text = items[i];
  if (text === undefined || !/^-?\d+$/.test(text)) throw new RdbError(`stream listpack: ${what} missing or not an integer`);
  return BigInt(text);
}

/**
 * Rebuilds one node from its master ID and listpack's elements. The entries are appended anew,
 * which re-encodes them exactly as they were (listpack encoding is a function of the elements),
 * and checks each one on the way.
 */
function readNode(masterId: StreamId, items: ByteString[]): StreamNode {
  if (items.length === 0) throw new RdbError('Empty listpack inside stream');
  let p = 0;
  const live = integerItem(items, p++, 'master count');
  const deleted = integerItem(items, p++, 'master deleted count');
  const fieldCount = smallCount(integerItem(items, p++, 'master field count'), 'master field count');
  const fields = items.slice(p, p + fieldCount);
  if (fields.length !== fieldCount) throw new RdbError('stream listpack: master fields missing');
  p += fieldCount;
  if (integerItem(items, p++, 'master terminator') !== 0n) throw new RdbError('stream listpack: bad master terminator');
  const node = new StreamNode(masterId, fields);
  const masterMs = idMs(masterId);
  const masterSeq = idSeq(masterId);
  const view = new EntryView();
  let lastId = -1n;
  while (p < items.length) {
    const flags = Number(integerItem(items, p++, 'entry flags'));
    const ms = BigInt.asUintN(64, masterMs + integerItem(items, p++, 'ms delta'));
    const seq = BigInt.asUintN(64, masterSeq + integerItem(items, p++, 'seq delta'));
    let pairs: ByteString[];
    if (flags & FLAG_SAMEFIELDS) {
      pairs = [];
      for (const field of fields) {
        const value = items[p++];
        if (value === undefined) throw new RdbError('stream listpack: entry values missing');
        pairs.push(field, value);
      }
    } else {
      const count = smallCount(integerItem(items, p++, 'entry field count'), 'entry field count');
      pairs = items.slice(p, p + count * 2);
      if (pairs.length !== count * 2) throw new RdbError('stream listpack: entry fields missing');
      p += count * 2;
    }
    p++; // lp-count, only there to walk the listpack backwards
    const id = makeId(ms, seq);
    if (id <= lastId) throw new RdbError('stream listpack: entry IDs out of order');
    if (lastId === -1n && id < masterId) throw new RdbError('stream listpack: an entry below its node\'s master ID');
    lastId = id;
    const at = node.used;
    const msHalf = safeHalf(ms);
    const seqHalf = safeHalf(seq);
    if (msHalf >= 0 && seqHalf >= 0) node.append(msHalf, seqHalf, id, pairs, 0);
    else node.append(-1, -1, id, pairs, 0);
    if (flags & FLAG_DELETED) {
      node.read(at, view);
      node.markDeleted(view);
    }
  }
  if (BigInt(node.live) !== live || BigInt(node.deleted) !== deleted) throw new RdbError('stream listpack: master counters do not match the entries');
  if (node.size === 0) throw new RdbError('stream listpack: a node without entries');
  node.seal();
  return node;
}

/** Reads a stream of type 15 or 19 (`version2`). */
export function readStream(c: ByteCursor, version2: boolean): StreamValue {
  const stream = new StreamValue();
  const nodeCount = readCount(c, 'stream node count', 2);
  for (let i = 0; i < nodeCount; i++) {
    const key = readStringBytes(c, 'stream node key');
    if (key.length !== 16) throw new RdbError('Stream node key entry is not the size of a stream ID');
    const masterId = makeId(key.readBigUInt64BE(0), key.readBigUInt64BE(8));
    const node = readNode(masterId, decodeListpack(readStringBytes(c, 'stream listpack')));
    const previous = stream.nodes[stream.nodes.length - 1];
    if (previous !== undefined && masterId <= previous.lastId) throw new RdbError('stream nodes out of order');
    if (node.live === 0 && node.deleted === 0) throw new RdbError('Empty listpack inside stream');
    stream.nodes.push(node);
  }
  stream.length = smallCount(readLength64(c, 'stream length'), 'stream length');
  stream.lastId = readId(c, 'stream last ID');
  if (version2) {
    stream.firstId = readId(c, 'stream first ID');
    stream.maxDeletedId = readId(c, 'stream max deleted ID');
    stream.entriesAdded = readLength64(c, 'stream entries added');
  } else {
    stream.firstId = stream.length === 0 ? 0n : stream.firstLiveId();
    stream.entriesAdded = BigInt(stream.length);
  }
  let live = 0;
  for (const node of stream.nodes) live += node.live;
  if (live !== stream.length) throw new RdbError('stream length does not match its entries');
  // The next XADD must land after every stored entry, or the nodes would fall out of order.
  const lastNode = stream.nodes[stream.nodes.length - 1];
  if (lastNode !== undefined && stream.lastId < lastNode.lastId) throw new RdbError('stream last ID is below its last entry');
  const groupCount = readCount(c, 'stream group count');
  for (let g = 0; g < groupCount; g++) {
    const name = readString(c, 'consumer group name');
    const lastId = readId(c, 'group last ID');
    // Type 15 has no counter: Redis estimates it from the stream's (streamEstimateDistanceFromFirstEverEntry).
    const entriesRead = version2 ? BigInt.asIntN(64, readLength64(c, 'group entries read')) : estimateEntriesRead(stream, lastId);
    if (stream.groups.has(name)) throw new RdbError('Duplicated consumer group name');
    const group = new ConsumerGroup(name, lastId, entriesRead);
    const pelSize = readCount(c, 'group PEL size', 18);
    for (let i = 0; i < pelSize; i++) {
      const id = readRawId(c, 'PEL ID');
      const deliveryTimeMs = Number(c.i64le('PEL delivery time'));
      const deliveryCount = smallCount(readLength64(c, 'PEL delivery count'), 'delivery count');
      // The owner is filled in from the consumers' PELs below.
      group.pel.set(id, { consumer: null as unknown as Consumer, deliveryTimeMs, deliveryCount });
    }
    const consumerCount = readCount(c, 'consumer count');
    for (let i = 0; i < consumerCount; i++) {
      const consumerName = readString(c, 'consumer name');
      const seenTimeMs = Number(c.i64le('consumer seen time'));
      if (group.consumers.has(consumerName)) throw new RdbError('Duplicated consumer name');
      const consumer = new Consumer(consumerName, seenTimeMs);
      group.consumers.set(consumerName, consumer);
      const owned = readCount(c, 'consumer PEL size', 16);
      for (let j = 0; j < owned; j++) {
        const id = readRawId(c, 'consumer PEL ID');
        const pending: PendingEntry | undefined = group.pel.get(id);
        if (pending === undefined || (pending.consumer as Consumer | null) !== null) throw new RdbError('Consumer PEL entry not found in the group PEL');
        pending.consumer = consumer;
        consumer.pel.set(id, pending);
      }
    }
    for (const [, pending] of group.pel.entries()) {
      if ((pending.consumer as Consumer | null) === null) throw new RdbError('a group PEL entry without a consumer');
    }
    stream.groups.set(name, group);
  }
  return stream;
}

