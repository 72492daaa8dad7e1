/**
 * The text DEBUG LISTPACK and DEBUG QUICKLIST print: Redis's lpRepr and quicklistRepr, written
 * to hashslot's log where redis-server writes them to its stdout (the same place when no
 * logfile is set). The listpack is the one Redis would hold for the value, encoded by
 * storage/rdb/listpack.ts (byte for byte what a DUMP carries); a list is cut into nodes as the
 * RDB writer cuts it (storage/rdb/quicklist-layout.ts), a node kept compressed showing as LZF.
 *
 *   {total bytes 12} {num entries 2}
 *   {
 *   	addr: 0x00000006,              an offset here: hashslot has no C pointer to show
 *   	index:  0,
 *   	offset: 6,
 *   	hdr+entrylen+backlen:  3,      the whole entry
 *   	hdrlen:   1,                   the encoding byte(s)
 *   	backlen:  1,
 *   	payload: 1
 *   	bytes: 81|61|02|
 *   	[str]a                         the first 40 bytes, then "..." (integers too say [str])
 *   }
 *   {end}
 */
import { decodeListpack } from '../../storage/rdb/listpack';
import type { QuicklistShape } from '../../storage/quicklist-shape';
import type { QuicklistNodeItems } from '../../storage/rdb/quicklist-layout';

/** Listpack header: total bytes (4) and element count (2). */
const HEADER_BYTES = 6;
/** lpRepr shows at most this many bytes of an element. */
const SHOWN_BYTES = 40;

/** Bytes of an entry's encoding header, from its first byte (lpCurrentEncodedSizeBytes). */
function headerBytesOf(first: number): number {
  if ((first & 0x80) === 0 || (first & 0xc0) === 0x80 || (first & 0xe0) === 0xc0) return 1;
  if ((first & 0xf0) === 0xe0) return 2;
  if (first === 0xf0) return 5;
  return 1;
}

/** The entry's length without its backlen (lpCurrentEncodedSizeUnsafe). */
function entryBytesOf(blob: Buffer, p: number): number {
  const first = blob[p] as number;
  if ((first & 0x80) === 0) return 1;
  if ((first & 0xc0) === 0x80) return 1 + (first & 0x3f);
  if ((first & 0xe0) === 0xc0) return 2;
  if ((first & 0xf0) === 0xe0) return 2 + (((first & 0x0f) << 8) | (blob[p + 1] as number));
  switch (first) {
    case 0xf0: return 5 + blob.readUInt32LE(p + 1);
    case 0xf1: return 3;
    case 0xf2: return 4;
    case 0xf3: return 5;
    default: return 9;
  }
}

/** How many bytes the backlen of an entry of `size` bytes takes. */
function backlenBytesOf(size: number): number {
  if (size <= 127) return 1;
  if (size < 16383) return 2;
  if (size < 2097151) return 3;
  if (size < 268435455) return 4;
  return 5;
}

/** lpRepr of a listpack blob. */
export function listpackRepr(blob: Buffer): string {
  const values = decodeListpack(blob);
  let text = `{total bytes ${blob.readUInt32LE(0)}} {num entries ${blob.readUInt16LE(4)}}\n`;
  let p = HEADER_BYTES;
  values.forEach((value, index) => {
    const encoded = entryBytesOf(blob, p);
    const header = headerBytesOf(blob[p] as number);
    const backlen = backlenBytesOf(encoded);
    const whole = encoded + backlen;
    const bytes = [...blob.subarray(p, p + whole)].map((b) => b.toString(16).padStart(2, '0') + '|').join('');
    text +=
      '{\n' +
      `\taddr: 0x${p.toString(16).padStart(8, '0')},\n` +
      `\tindex: ${String(index).padStart(2)},\n` +
      `\toffset: ${p},\n` +
      `\thdr+entrylen+backlen: ${String(whole).padStart(2)},\n` +
      `\thdrlen: ${String(header).padStart(3)},\n` +
      `\tbacklen: ${String(backlen).padStart(2)},\n` +
      `\tpayload: ${encoded - header}\n` +
      `\tbytes: ${bytes}\n` +
      `\t[str]${value.length > SHOWN_BYTES ? value.slice(0, SHOWN_BYTES) + '...' : value}\n` +
      '}\n';
    p += whole;
  });
  return text + '{end}\n\n';
}

/** quicklistRepr: the list's header, each node, and with `full` each node's listpack. */
export function quicklistRepr(nodes: readonly QuicklistNodeItems[], shape: QuicklistShape, full: boolean): string {
  const count = nodes.reduce((n, node) => n + node.items.length, 0);
  let text =
    `{count : ${count}}\n{len : ${nodes.length}}\n{fill : ${shape.fill}}\n` +
    `{compress : ${shape.compressDepth}}\n{bookmark_count : 0}\n`;
  nodes.forEach((node, i) => {
    const encoding = node.compressed === null ? 'RAW' : 'LZF';
    text += `{quicklist node(${i})\n`;
    text += `{container : ${node.plain ? 'PLAIN' : 'PACKED'}, encoding: ${encoding}, size: ${node.bytes.length}, count: ${node.items.length}, recompress: 0, attempted_compress: 0}\n`;
    if (!full) return;
    text += node.plain ? `{ entry : ${node.items[0] ?? ''} }\n` : `{ listpack:\n${listpackRepr(node.bytes)}}\n`;
    text += '}\n';
  });
  return text;
}
