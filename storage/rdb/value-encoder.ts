/**
 * Encodes one value as an RDB value of the type Redis 7.0 would choose for it, shared by the
 * snapshot writer and DUMP.
 *
 *   string        STRING (0)            int / LZF / raw, see rdb-strings.ts
 *   list          LIST_QUICKLIST_2 (18) the nodes Redis's quicklist would hold, listpacks and
 *                                       plain elements, compressed ones in LZF form (see
 *                                       quicklist-layout.ts)
 *   hash          HASH_LISTPACK (16)    while OBJECT ENCODING says listpack, else HASH (4)
 *   set           SET_INTSET (11)       while OBJECT ENCODING says intset, else SET (2)
 *   stream        STREAM_LISTPACKS_2 (19), see stream-codec.ts
 *   sorted set    ZSET_LISTPACK (17)    while OBJECT ENCODING says listpack (ascending by score,
 *                                       then member), else ZSET_2 (5): highest score first,
 *                                       binary doubles, which lets a loader append to its
 *                                       skiplist without searching
 *
 * Using the same types and the same listpack bytes as Redis means a DUMP of a small hash, sorted
 * set, intset or list is byte-for-byte what Redis produces, and Redis loads all of it natively.
 */
import type { ByteString } from '../bytes';
import { valueEncoding } from '../encodings';
import { formatDouble } from '../numbers';
import type { ListValue, SortedSetValue, StoredValue } from '../values';
import type { ByteSink } from './byte-sink';
import { encodeIntset } from './intset';
import { encodeListpack } from './listpack';
import { quicklistNodes } from './quicklist-layout';
import { QuicklistNode, ValueType } from './rdb-format';
import { writeBlob, writeLength, writeLzf, writeString } from './rdb-strings';
import { writeStream } from './stream-codec';

/** The RDB type `writeValue` will use for this value. */
export function rdbTypeOf(value: StoredValue): number {
  if (typeof value === 'string') return ValueType.STRING;
  switch (value.kind) {
    case 'list':
      return ValueType.LIST_QUICKLIST_2;
    case 'hash':
      return valueEncoding(value) === 'listpack' ? ValueType.HASH_LISTPACK : ValueType.HASH;
    case 'set':
      return valueEncoding(value) === 'intset' ? ValueType.SET_INTSET : ValueType.SET;
    case 'zset':
      return valueEncoding(value) === 'listpack' ? ValueType.ZSET_LISTPACK : ValueType.ZSET_2;
    case 'stream':
      return ValueType.STREAM_LISTPACKS_2;
  }
}

/** Writes `value` encoded as RDB type `type` (from rdbTypeOf), without the type byte. */
export function writeValue(sink: ByteSink, value: StoredValue, type: number, compress: boolean): void {
  if (typeof value === 'string') {
    writeString(sink, value, compress);
    return;
  }
  switch (value.kind) {
    case 'list':
      writeQuicklist(sink, value, compress);
      return;
    case 'hash':
      if (type === ValueType.HASH_LISTPACK) {
        const flat: ByteString[] = [];
        for (const [field, v] of value.fields) flat.push(field, v);
        writeBlob(sink, encodeListpack(flat), compress);
      } else {
        writeLength(sink, value.fields.size);
        for (const [field, v] of value.fields) {
          writeString(sink, field, compress);
          writeString(sink, v, compress);
        }
      }
      return;
    case 'set':
      if (type === ValueType.SET_INTSET) {
        writeBlob(sink, encodeIntset(value.members), compress);
      } else {
        writeLength(sink, value.members.size);
        for (const member of value.members) writeString(sink, member, compress);
      }
      return;
    case 'zset':
      writeSortedSet(sink, value, type, compress);
      return;
    case 'stream':
      writeStream(sink, value, compress);
      return;
  }
}

function writeSortedSet(sink: ByteSink, zset: SortedSetValue, type: number, compress: boolean): void {
  const ordered = [...zset.order.entries()].map((node): [ByteString, number] => [node.member, node.score]);
  if (type === ValueType.ZSET_LISTPACK) {
    const flat: ByteString[] = [];
    for (const [member, score] of ordered) flat.push(member, formatDouble(score));
    writeBlob(sink, encodeListpack(flat), compress);
    return;
  }
  writeLength(sink, ordered.length);
  for (let i = ordered.length - 1; i >= 0; i--) {
    const [member, score] = ordered[i] as [ByteString, number];
    writeString(sink, member, compress);
    sink.f64le(score);
  }
}

/** Quicklist-2: the nodes Redis's quicklist would hold (quicklist-layout.ts), compressed ones as LZF. */
function writeQuicklist(sink: ByteSink, list: ListValue, compress: boolean): void {
  const nodes = quicklistNodes(list);
  writeLength(sink, nodes.length);
  for (const node of nodes) {
    writeLength(sink, node.plain ? QuicklistNode.PLAIN : QuicklistNode.PACKED);
    if (node.compressed !== null) writeLzf(sink, node.compressed, node.bytes.length);
    else if (node.plain) writeString(sink, node.items[0] as ByteString, compress);
    else writeBlob(sink, node.bytes, compress);
  }
}
