/*
 * RESP for the test side: encoding requests, framing replies, and turning replies into trees and
 * readable text.
 *
 * The framer answers one question: "does this buffer hold a complete reply starting at `pos`, and
 * where does it end?". That is all a client needs to read exactly N replies as raw bytes, and raw
 * bytes are what the differential tests compare. It knows every type Redis 7.0 can send:
 *
 *   RESP2   + simple string   - error   : integer   $ bulk ($-1 null)   * array (*-1 null)
 *   RESP3   _ null   , double   # boolean   ( big number   ! blob error   = verbatim string
 *           % map (2n items)   ~ set   > push   | attribute (2n items, then the reply it annotates)
 *
 * An attribute is not a reply of its own: it prefixes one, so `|1 ... <reply>` frames as one.
 * A push is out-of-band data, but it is framed as one reply here; the caller decides what to do.
 */

const CR = 13;
const LF = 10;

export type Arg = string | Buffer | number;

/** Encodes argv as a RESP multibulk request, the way every client library does. */
export function encodeCommand(argv: readonly Arg[]): Buffer {
  return encodeCommands([argv]);
}

/**
 * Encodes a pipeline of requests into one Buffer, to be written with one write(). Strings are
 * sent as UTF-8, numbers as their decimal text, Buffers as they are.
 *
 * Text is accumulated in one string and converted once, and a Buffer argument only cuts it there:
 * the benchmark loader encodes a million SETs this way on the same cores as the server it loads,
 * and a few small Buffers per argument cost it more than twice the time. Converting the joined
 * string is safe for any string argument: every argument is followed by CRLF, so a lone
 * surrogate at its end can never pair up with what follows.
 */
export function encodeCommands(commands: readonly (readonly Arg[])[]): Buffer {
  const parts: Buffer[] = [];
  let text = '';
  for (const argv of commands) {
    text += `*${argv.length}\r\n`;
    for (const arg of argv) {
      if (typeof arg === 'object') {
        parts.push(Buffer.from(`${text}$${arg.length}\r\n`, 'utf8'), arg);
        text = '\r\n';
      } else {
        const value = typeof arg === 'number' ? String(arg) : arg;
        text += `$${Buffer.byteLength(value, 'utf8')}\r\n${value}\r\n`;
      }
    }
  }
  parts.push(Buffer.from(text, 'utf8'));
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
}

export class RespFramingError extends Error {}

function findLineEnd(buf: Buffer, from: number): number {
  for (let i = from; i + 1 < buf.length; i++) {
    if (buf[i] === CR && buf[i + 1] === LF) return i;
  }
  return -1;
}

function parseLength(buf: Buffer, start: number, end: number): number {
  const text = buf.toString('latin1', start, end);
  if (!/^-?\d+$/.test(text)) throw new RespFramingError(`bad length ${JSON.stringify(text)} in reply`);
  return Number(text);
}

/**
 * The offset just past the complete reply that starts at `pos`, or -1 when more bytes are needed.
 * Throws RespFramingError when the bytes cannot be a reply at all.
 */
export function frameReply(buf: Buffer, pos: number): number {
  const type = buf[pos];
  if (type === undefined) return -1;
  const eol = findLineEnd(buf, pos + 1);
  if (eol < 0) return -1;
  const afterHeader = eol + 2;
  switch (String.fromCharCode(type)) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return afterHeader;
    case '$': case '!': case '=': {
      const len = parseLength(buf, pos + 1, eol);
      if (len < 0) return afterHeader;
      const end = afterHeader + len + 2;
      if (end > buf.length) return -1;
      if (buf[end - 2] !== CR || buf[end - 1] !== LF) throw new RespFramingError('bulk not terminated by CRLF');
      return end;
    }
    case '*': case '~': case '>': case '%': case '|': {
      const count = parseLength(buf, pos + 1, eol);
      if (count < 0) return afterHeader;
      const items = type === 0x25 /* % */ || type === 0x7c /* | */ ? count * 2 : count;
      let next = afterHeader;
      for (let i = 0; i < items; i++) {
        next = frameReply(buf, next);
        if (next < 0) return -1;
      }
      // An attribute annotates the reply that follows it; both together are one reply.
      return type === 0x7c ? frameReply(buf, next) : next;
    }
    default:
      throw new RespFramingError(`unknown RESP type byte 0x${type.toString(16)} at offset ${pos}`);
  }
}

/** A decoded reply: the type byte, its raw bytes, the header or payload, and children. */
export interface RespNode {
  type: string;
  raw: Buffer;
  /** Simple types: the line; bulk-like types: the payload; aggregates: the count as text. */
  text: Buffer;
  isNull: boolean;
  items: RespNode[];
  /** Attributes that preceded this reply, if any. */
  attributes?: RespNode[];
}

/** Parses one complete reply (as returned by the raw client) into a tree. */
export function parseReply(buf: Buffer, pos = 0): RespNode {
  const end = frameReply(buf, pos);
  if (end < 0) throw new RespFramingError('incomplete reply');
  return parseAt(buf, pos).node;
}

function parseAt(buf: Buffer, pos: number): { node: RespNode; end: number } {
  const type = String.fromCharCode(buf[pos] ?? 0);
  const eol = findLineEnd(buf, pos + 1);
  const header = buf.subarray(pos + 1, eol);
  const afterHeader = eol + 2;
  const leaf = (end: number, text: Buffer, isNull: boolean): { node: RespNode; end: number } => ({
    node: { type, raw: buf.subarray(pos, end), text, isNull, items: [] },
    end,
  });
  switch (type) {
    case '_':
      return leaf(afterHeader, header, true);
    case '$': case '!': case '=': {
      const len = parseLength(buf, pos + 1, eol);
      if (len < 0) return leaf(afterHeader, Buffer.alloc(0), true);
      return leaf(afterHeader + len + 2, buf.subarray(afterHeader, afterHeader + len), false);
    }
    case '*': case '~': case '>': case '%': case '|': {
      const count = parseLength(buf, pos + 1, eol);
      if (count < 0) return leaf(afterHeader, header, true);
      const n = type === '%' || type === '|' ? count * 2 : count;
      const items: RespNode[] = [];
      let next = afterHeader;
      for (let i = 0; i < n; i++) {
        const child = parseAt(buf, next);
        items.push(child.node);
        next = child.end;
      }
      if (type === '|') {
        const annotated = parseAt(buf, next);
        annotated.node.attributes = items;
        annotated.node.raw = buf.subarray(pos, annotated.end);
        return annotated;
      }
      return { node: { type, raw: buf.subarray(pos, next), text: header, isNull: false, items }, end: next };
    }
    default:
      return leaf(afterHeader, header, false);
  }
}

/**
 * Bytes as a readable, unambiguous string: printable ASCII as is, backslash doubled, CR/LF/tab as
 * \r \n \t and everything else as \xHH. Injective, so comparing escaped strings compares bytes.
 */
export function escapeBytes(buf: Buffer): string {
  let out = '';
  for (const byte of buf) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === CR) out += '\\r';
    else if (byte === LF) out += '\\n';
    else if (byte === 9) out += '\\t';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Like escapeBytes, but breaks the line after each CRLF so long replies diff line by line. */
export function escapeMultiline(buf: Buffer): string {
  return escapeBytes(buf).replace(/\\r\\n/g, '\\r\\n\n');
}

/** A request argv for messages: `SET k "a b"`. */
export function describeArgv(argv: readonly Arg[]): string {
  return argv
    .map((a) => {
      const s = typeof a === 'number' ? String(a) : escapeBytes(typeof a === 'string' ? Buffer.from(a, 'utf8') : a);
      return s === '' || /[\s"]/.test(s) ? JSON.stringify(s) : s;
    })
    .join(' ');
}
