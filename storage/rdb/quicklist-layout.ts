/**
 * The nodes Redis 7.0's quicklist would hold a list in: what an RDB file and DUMP write for a
 * list (value-encoder.ts), what DEBUG QUICKLIST prints and what DEBUG OBJECT's ql_* fields and
 * serializedlength count.
 *
 * hashslot keeps a list as one deque, so the nodes are worked out from the elements, as a list
 * built by pushes at its tail would be cut (RPUSH, a loaded snapshot, SORT ... STORE). A list
 * pushed at its head, or changed in the middle, is cut differently in Redis (its nodes are
 * filled from the other end, merged or split); that history is not kept.
 *
 * An element joins the tail node when Redis 7.0's _quicklistNodeAllowInsert would let it:
 *
 *   estimate = node bytes + element length + 8 (SIZE_ESTIMATE_OVERHEAD, an entry's most)
 *   fill < 0   estimate <= 4096, 8192, 16384, 32768 or 65536 bytes for -1 .. -5
 *   fill >= 0  estimate <= 8192 bytes and at most `fill` elements in the node (at least one)
 *
 * The estimate charges a number (stored in 1 to 9 bytes) as its digits plus 8, so a node of
 * small numbers closes a little before its bytes reach the limit. An element of at least the
 * packed threshold gets a plain node of its own.
 *
 * With list-compress-depth d > 0, the nodes more than d from either end are kept LZF-compressed
 * (__quicklistCompressNode) when that is worth it: at least 48 bytes, and compressed at least 8
 * bytes shorter. An RDB writes such a node in its compressed form, whatever rdbcompression says.
 */
import type { ByteString } from '../bytes';
import type { ListValue } from '../values';
import { encodeListpack, listpackEntryBytes } from './listpack';
import { lzfCompress } from './lzf';

/** One node: a listpack of elements, or one element stored plainly. */
export interface QuicklistNodeItems {
  plain: boolean;
  items: ByteString[];
  /** The node's bytes uncompressed (node->sz): the listpack, or the plain element. */
  bytes: Buffer;
  /** The node's LZF form when it is kept compressed; null when it is kept raw. */
  compressed: Buffer | null;
}

/** Node sizes for fill -1 .. -5 (optimization_level). */
const SIZE_LIMITS = [4096, 8192, 16384, 32768, 65536] as const;
/** What a positive fill may never exceed (SIZE_SAFETY_LIMIT). */
const SIZE_SAFETY_LIMIT = 8192;
/** What an element is charged on top of its length when a node is sized. */
const SIZE_ESTIMATE_OVERHEAD = 8;
/** A listpack's header and end byte. */
const LISTPACK_EMPTY_BYTES = 7;
/** MIN_COMPRESS_BYTES and MIN_COMPRESS_IMPROVE. */
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_IMPROVE = 8;

/** Whether an element of `length` bytes may join a node of `nodeBytes` holding `count`. */
function allowInsert(nodeBytes: number, count: number, fill: number, length: number): boolean {
  const estimate = nodeBytes + length + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) return estimate <= (SIZE_LIMITS[-fill - 1] ?? 0);
  return estimate <= SIZE_SAFETY_LIMIT && count < fill;
}

/** The list's elements in the nodes Redis's quicklist would hold them in. */
export function quicklistNodes(list: ListValue): QuicklistNodeItems[] {
  const { fill, packedThresholdBytes } = list.shape;
  const groups: Array<{ plain: boolean; items: ByteString[] }> = [];
  let current: ByteString[] = [];
  let currentBytes = LISTPACK_EMPTY_BYTES;
  const close = (): void => {
    if (current.length > 0) groups.push({ plain: false, items: current });
    current = [];
    currentBytes = LISTPACK_EMPTY_BYTES;
  };
  for (const item of list.items.toArray()) {
    if (item.length >= packedThresholdBytes) {
      close();
      groups.push({ plain: true, items: [item] });
      continue;
    }
    if (current.length > 0 && !allowInsert(currentBytes, current.length, fill, item.length)) close();
    current.push(item);
    currentBytes += listpackEntryBytes(item);
  }
  close();
  const depth = list.shape.compressDepth;
  return groups.map((group, i) => {
    const bytes = group.plain ? Buffer.from(group.items[0] as ByteString, 'latin1') : encodeListpack(group.items);
    const inMiddle = depth > 0 && i >= depth && i < groups.length - depth;
    return { ...group, bytes, compressed: inMiddle ? compressedForm(bytes) : null };
  });
}

/** The LZF form a middle node is kept in, or null when compressing it is not worth it. */
function compressedForm(bytes: Buffer): Buffer | null {
  if (bytes.length < MIN_COMPRESS_BYTES) return null;
  const lzf = lzfCompress(bytes, bytes.length);
  return lzf !== null && lzf.length + MIN_COMPRESS_IMPROVE < bytes.length ? lzf : null;
}
