/*
 * How two replies are compared. Each comparator maps the pair (redis reply, hashslot reply) to two
 * strings, `expected` and `actual`, that are equal exactly when the replies count as the same.
 * The harness then asserts string equality, so a failure shows tap's diff of two readable texts
 * (binary escaped, one RESP line per text line) instead of "false !== true".
 *
 * When a tolerant comparison (sorted, approximate) accepts the target's reply, `actual` is set to
 * `expected`; when it rejects, both raw replies are shown in full.
 */

import { escapeMultiline, parseReply, type RespNode } from '../../bench/harness/resp';

export interface Compared {
  expected: string;
  actual: string;
}

export type Comparator = (redis: Buffer, target: Buffer) => Compared;

function shown(redis: Buffer, target: Buffer): Compared {
  return { expected: escapeMultiline(redis), actual: escapeMultiline(target) };
}

function tryParse(buf: Buffer): RespNode | null {
  try {
    return parseReply(buf);
  } catch {
    return null;
  }
}

/** Byte-for-byte equality. */
export const exactly: Comparator = (redis, target) => shown(redis, target);

function sortedRaw(nodes: readonly RespNode[]): string[] {
  return nodes.map((n) => escapeMultiline(n.raw)).sort();
}

/** Renders a reply with every aggregate's elements sorted, recursively when `deep`. */
function canonicalSorted(node: RespNode, deep: boolean, pairs: boolean): string {
  if (node.items.length === 0 || node.isNull) return escapeMultiline(node.raw);
  const header = `${node.type}${node.text.toString('latin1')}\\r\\n\n`;
  const render = (n: RespNode): string => (deep ? canonicalSorted(n, deep, pairs) : escapeMultiline(n.raw));
  const grouped: string[] = [];
  const byPair = pairs || node.type === '%';
  if (byPair) {
    for (let i = 0; i < node.items.length; i += 2) {
      const key = node.items[i];
      const value = node.items[i + 1];
      grouped.push((key === undefined ? '' : render(key)) + (value === undefined ? '' : render(value)));
    }
  } else {
    for (const item of node.items) grouped.push(render(item));
  }
  return header + grouped.sort().join('');
}

/** Same elements in any order (KEYS, CONFIG GET of a glob). `pairs` keeps key/value together. */
export function unordered(pairs = false): Comparator {
  return (redis, target) => {
    const r = tryParse(redis);
    const h = tryParse(target);
    if (r === null || h === null) return shown(redis, target);
    return { expected: canonicalSorted(r, false, pairs), actual: canonicalSorted(h, false, pairs) };
  };
}

function numericValue(node: RespNode): number | null {
  if (!['$', ':', ',', '+', '('].includes(node.type) || node.isNull) return null;
  const text = node.text.toString('latin1');
  if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text)) return null;
  return Number(text);
}

function approxEqual(r: RespNode, h: RespNode, tolerance: number): boolean {
  if (r.type !== h.type || r.items.length !== h.items.length || r.isNull !== h.isNull) return false;
  if (r.items.length > 0) {
    return r.items.every((item, i) => {
      const other = h.items[i];
      return other !== undefined && approxEqual(item, other, tolerance);
    });
  }
  const a = numericValue(r);
  const b = numericValue(h);
  if (a !== null && b !== null) return Math.abs(a - b) <= tolerance;
  return r.raw.equals(h.raw);
}

/** Same shape; numbers (integers, doubles, numeric bulks) may differ by `tolerance`. */
export function approximately(tolerance: number): Comparator {
  return (redis, target) => {
    const r = tryParse(redis);
    const h = tryParse(target);
    if (r !== null && h !== null && approxEqual(r, h, tolerance)) {
      const text = escapeMultiline(redis);
      return { expected: text, actual: text };
    }
    return shown(redis, target);
  };
}

/** The reply's skeleton: types and nesting, with every leaf value replaced by a placeholder. */
export function skeleton(node: RespNode): string {
  if (node.isNull) return `${node.type}null`;
  if (node.items.length === 0 && ['*', '~', '%', '>'].includes(node.type)) return `${node.type}[]`;
  if (node.items.length === 0) return `${node.type}…`;
  return `${node.type}[${node.items.map(skeleton).join(',')}]`;
}

/** Same types and nesting; values may differ (CLIENT ID, COMMAND COUNT). */
export const sameShape: Comparator = (redis, target) => {
  const r = tryParse(redis);
  const h = tryParse(target);
  if (r === null || h === null) return shown(redis, target);
  const a = skeleton(r);
  const b = skeleton(h);
  return a === b ? { expected: a, actual: b } : { expected: `${a}\n${escapeMultiline(redis)}`, actual: `${b}\n${escapeMultiline(target)}` };
};

/**
 * A map-like reply (RESP3 map, or RESP2 flat array of name/value pairs, as HELLO answers): same
 * field names in the same order, same values except for the fields named in `ignored`, whose
 * values need only have the same type.
 */
export function mapIgnoring(ignored: readonly string[]): Comparator {
  const render = (node: RespNode): string => {
    if (node.items.length === 0) return escapeMultiline(node.raw);
    let out = `${node.type}${node.text.toString('latin1')}\\r\\n\n`;
    for (let i = 0; i < node.items.length; i += 2) {
      const key = node.items[i];
      const value = node.items[i + 1];
      if (key === undefined || value === undefined) break;
      const name = key.text.toString('latin1');
      out += escapeMultiline(key.raw);
      out += ignored.includes(name) ? `${value.type}<any ${name}>\n` : escapeMultiline(value.raw);
    }
    return out;
  };
  return (redis, target) => {
    const r = tryParse(redis);
    const h = tryParse(target);
    if (r === null || h === null) return shown(redis, target);
    return { expected: render(r), actual: render(h) };
  };
}

/** The reply is an error; compared exactly, but a non-error from redis flags a wrong test. */
export function isErrorReply(buf: Buffer): boolean {
  return buf[0] === 0x2d /* - */ || buf[0] === 0x21 /* ! */;
}
