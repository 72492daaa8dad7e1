/**
 * Decodes one value of a given RDB type into the server's containers (storage/values.ts). Shared
 * by the RDB loader and RESTORE, which read exactly the same value encodings.
 *
 * Every encoding Redis 7.0 loads is accepted, including those only older versions wrote
 * (redis-wire.md §3.4): plain lists/sets/hashes/zsets, zipmap and ziplist blobs, intsets,
 * quicklists of ziplists or listpacks, listpack hashes and zsets, streams (stream-codec.ts). They all come out as the same
 * few containers, because hashslot keeps one representation per type.
 *
 * Stricter than Redis in one respect: duplicate set members, hash fields or zset members inside
 * one value, and NaN scores, are errors whatever the encoding (Redis checks some encodings only
 * with sanitize-dump-payload), because a Map or Set would silently merge them.
 */
import Denque from 'denque';
import type { ByteString } from '../bytes';
import { HashValue, ListValue, SetValue, SortedSetValue, type StoredValue } from '../values';
import type { ByteCursor } from './byte-cursor';
import { decodeIntset } from './intset';
import { decodeListpack } from './listpack';
import { RdbError, RdbUnsupportedError } from './rdb-error';
import { QuicklistNode, ValueType } from './rdb-format';
import { parseScore, readAsciiDouble, readCount, readLength, readString, readStringBytes } from './rdb-strings';
import { decodeZiplist } from './ziplist';
import { readStream } from './stream-codec';
import { decodeZipmap } from './zipmap';

/**
 * Reads a value of RDB type `type`. Returns null for an empty aggregate, which Redis never
 * writes and skips when loading (and RESTORE refuses). Messages name the part being read;
 * callers add which key (see withContext in rdb-error.ts), so nothing is formatted per value on success.
 */
export function readValue(c: ByteCursor, type: number): StoredValue | null {
  switch (type) {
    case ValueType.STRING:
      return readString(c, 'string');
    case ValueType.LIST: {
      const n = readCount(c, 'list length');
      const items: ByteString[] = [];
      for (let i = 0; i < n; i++) items.push(readString(c, 'list element'));
      return listOf(items);
    }
    case ValueType.SET: {
      const n = readCount(c, 'set size');
      const members: ByteString[] = [];
      for (let i = 0; i < n; i++) members.push(readString(c, 'set member'));
      return setOf(members);
    }
    case ValueType.ZSET:
    case ValueType.ZSET_2: {
      const n = readCount(c, 'sorted set size', 2);
      const zset = new SortedSetValue();
      for (let i = 0; i < n; i++) {
        const member = readString(c, 'sorted set member');
        const score = type === ValueType.ZSET ? readAsciiDouble(c, 'score') : c.f64le('score');
        addScore(zset, member, score);
      }
      return zset.scores.size === 0 ? null : zset;
    }
    case ValueType.HASH: {
      const n = readCount(c, 'hash size', 2);
      const pairs: ByteString[] = [];
      for (let i = 0; i < n; i++) pairs.push(readString(c, 'hash field'), readString(c, 'hash value'));
      return hashOf(pairs);
    }
    case ValueType.HASH_ZIPMAP:
      return hashOf(decodeZipmap(blob(c)));
    case ValueType.LIST_ZIPLIST:
      return listOf(decodeZiplist(blob(c)));
    case ValueType.SET_INTSET:
      return setOf(decodeIntset(blob(c)));
    case ValueType.ZSET_ZIPLIST:
      return zsetOf(decodeZiplist(blob(c)));
    case ValueType.HASH_ZIPLIST:
      return hashOf(decodeZiplist(blob(c)));
    case ValueType.LIST_QUICKLIST:
      return readQuicklist(c, false);
    case ValueType.HASH_LISTPACK:
      return hashOf(decodeListpack(blob(c)));
    case ValueType.ZSET_LISTPACK:
      return zsetOf(decodeListpack(blob(c)));
    case ValueType.LIST_QUICKLIST_2:
      return readQuicklist(c, true);
    case ValueType.STREAM_LISTPACKS:
      return readStream(c, false);
    case ValueType.STREAM_LISTPACKS_2:
      return readStream(c, true);
    case ValueType.MODULE:
    case ValueType.MODULE_2:
      throw new RdbUnsupportedError('module values are not supported');
    default:
      throw new RdbError(`unknown value type ${type}`);
  }
}

function blob(c: ByteCursor): Buffer {
  return readStringBytes(c, 'encoded value');
}

/** Quicklist nodes: ziplists (type 14), or plain strings / listpacks (type 18). */
function readQuicklist(c: ByteCursor, version2: boolean): ListValue | null {
  const nodes = readCount(c, 'quicklist node count', version2 ? 2 : 1);
  const items = new Denque<ByteString>();
  for (let i = 0; i < nodes; i++) {
    if (!version2) {
      for (const item of decodeZiplist(blob(c))) items.push(item);
      continue;
    }
    const container = readLength(c, 'quicklist node container');
    if (container === QuicklistNode.PLAIN) {
      items.push(readString(c, 'quicklist plain node'));
    } else if (container === QuicklistNode.PACKED) {
      for (const item of decodeListpack(blob(c))) items.push(item);
    } else {
      throw new RdbError(`quicklist node with unknown container ${container}`);
    }
  }
  return items.length === 0 ? null : new ListValue(items);
}

function listOf(items: ByteString[]): ListValue | null {
  return items.length === 0 ? null : new ListValue(new Denque(items));
}

function setOf(members: ByteString[]): SetValue | null {
  const set = new Set(members);
  if (set.size !== members.length) throw new RdbError('duplicate set members');
  return set.size === 0 ? null : new SetValue(set);
}

/** Fields and values alternating. */
function hashOf(pairs: ByteString[]): HashValue | null {
  if (pairs.length % 2 !== 0) throw new RdbError('hash with a field and no value');
  const fields = new Map<ByteString, ByteString>();
  for (let i = 0; i < pairs.length; i += 2) fields.set(pairs[i] as ByteString, pairs[i + 1] as ByteString);
  if (fields.size * 2 !== pairs.length) throw new RdbError('duplicate hash fields');
  return fields.size === 0 ? null : new HashValue(fields);
}

/** Members and scores (as text) alternating. */
function zsetOf(pairs: ByteString[]): SortedSetValue | null {
  if (pairs.length % 2 !== 0) throw new RdbError('sorted set member without a score');
  const zset = new SortedSetValue();
  for (let i = 0; i < pairs.length; i += 2) {
    addScore(zset, pairs[i] as ByteString, parseScore(pairs[i + 1] as ByteString, 'score'));
  }
  return zset.scores.size === 0 ? null : zset;
}

function addScore(zset: SortedSetValue, member: ByteString, score: number): void {
  if (Number.isNaN(score)) throw new RdbError('NaN score');
  if (zset.scores.has(member)) throw new RdbError('duplicate sorted set members');
  zset.add(member, score);
}
