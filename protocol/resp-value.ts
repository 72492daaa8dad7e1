/**
 * A RESP reply as plain JSON-compatible data, with a decoder (client side) and an encoder.
 *
 * Used for replies that are data rather than code: the COMMAND INFO / COMMAND DOCS metadata is
 * captured once from a real Redis in this form and stored as JSON, then encoded back byte for
 * byte in RESP2 or RESP3. The shape keeps every distinction RESP3 makes:
 *
 *   bulk string  "text"            integer   42            null   null
 *   array        [ ... ]           simple    {"+": "OK"}   error  {"-": "ERR ..."}
 *   map          {"%": [k, v, ...]}  set     {"~": [...]}  push   {">": [...]}
 *   double       {",": "1.5"}      boolean   {"#": true}   verbatim {"=": "txt:..."}
 *   big number   {"(": "123"}
 *
 * Strings are byte strings (latin1), like everywhere else in the server.
 */
import './buffer-latin1';
import type { ReplyWriter } from './reply-writer';

export type RespValue =
  | string
  | number
  | null
  | RespValue[]
  | { '+': string }
  | { '-': string }
  | { '%': RespValue[] }
  | { '~': RespValue[] }
  | { '>': RespValue[] }
  | { ',': string }
  | { '#': boolean }
  | { '=': string }
  | { '(': string };

/** Writes a value, using Redis's RESP2 fallbacks for RESP3-only types. */
export function writeRespValue(out: ReplyWriter, value: RespValue): void {
  if (typeof value === 'string') return out.bulk(value);
  if (typeof value === 'number') return out.integer(value);
  if (value === null) return out.null();
  if (Array.isArray(value)) {
    out.array(value.length);
    for (const v of value) writeRespValue(out, v);
    return;
  }
  if ('+' in value) return out.simple(value['+']);
  if ('-' in value) return out.error(value['-']);
  if ('%' in value) {
    out.map(value['%'].length / 2);
    for (const v of value['%']) writeRespValue(out, v);
    return;
  }
  if ('~' in value) {
    out.set(value['~'].length);
    for (const v of value['~']) writeRespValue(out, v);
    return;
  }
  if ('>' in value) {
    out.push(value['>'].length);
    for (const v of value['>']) writeRespValue(out, v);
    return;
  }
  if (',' in value) return out.double(value[',']);
  if ('#' in value) return out.boolean(value['#']);
  if ('=' in value) return out.verbatim(value['='].slice(4), value['='].slice(0, 3));
  return out.raw(`(${value['(']}\r\n`);
}

export class RespDecodeError extends Error {
  override readonly name = 'RespDecodeError';
}

/**
 * Decodes one complete reply starting at `offset`. Returns the value and the offset after it,
 * or null when the buffer ends before the reply does.
 */
export function decodeRespValue(buf: Buffer, offset = 0): [RespValue, number] | null {
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd < 0) return null;
  const type = String.fromCharCode(buf[offset] as number);
  const line = buf.latin1Slice(offset + 1, lineEnd);
  let pos = lineEnd + 2;
  const aggregate = (count: number): [RespValue[], number] | null => {
    const items: RespValue[] = [];
    for (let i = 0; i < count; i++) {
      const item = decodeRespValue(buf, pos);
      if (item === null) return null;
      items.push(item[0]);
      pos = item[1];
    }
    return [items, pos];
  };
  const blob = (): [string, number] | null => {
    const n = Number(line);
    if (buf.length < pos + n + 2) return null;
    return [buf.latin1Slice(pos, pos + n), pos + n + 2];
  };
  switch (type) {
    case '+':
      return [{ '+': line }, pos];
    case '-':
      return [{ '-': line }, pos];
    case ':':
      return [Number(line), pos];
    case '_':
      return [null, pos];
    case ',':
      return [{ ',': line }, pos];
    case '#':
      return [{ '#': line === 't' }, pos];
    case '(':
      return [{ '(': line }, pos];
    case '$': {
      if (line === '-1') return [null, pos];
      return blob();
    }
    case '=': {
      const b = blob();
      return b === null ? null : [{ '=': b[0] }, b[1]];
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      if (line === '-1') return [null, pos];
      const n = Number(line);
      const items = aggregate(type === '%' ? n * 2 : n);
      if (items === null) return null;
      if (type === '*') return items;
      const tagged: RespValue =
        type === '~' ? { '~': items[0] } : type === '>' ? { '>': items[0] } : { '%': items[0] };
      return [tagged, items[1]];
    }
    default:
      throw new RespDecodeError(`unknown RESP type byte ${JSON.stringify(type)}`);
  }
}
